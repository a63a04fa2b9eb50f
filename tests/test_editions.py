"""Every DCASE edition's names and ground truth, odd folder names, damaged and stereo files."""

import logging

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import write_wav
from editions import sound, write_edition

from audio_umaps import audio, manifest, naming, plan
from audio_umaps import umap as umap_step

EDITIONS = ["2020", "2021", "2022", "2023", "2024", "2025"]


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_file_of_an_edition_gets_its_labels(tmp_path, edition):
    entry, expected = write_edition(tmp_path / "data", edition, "machine")
    table, excluded = manifest.build_manifest("d", entry, 0.5)
    assert excluded.empty, excluded.to_string()
    got = {
        rel: (s, d, sp, lab)
        for rel, s, d, sp, lab in zip(
            table["relpath"], table["section"], table["domain"], table["split"], table["label"]
        )
    }
    assert got == expected
    assert naming.layout(table["edition"].iloc[0]) == naming.layout(edition)
    scanned = plan.scan_dataset("d", entry)
    assert scanned.sections == {"machine": tuple(sorted({f[0] for f in expected.values()}))}
    assert set(scanned.ground_truth_tables()) == {
        p.as_posix() for p in naming.ground_truth_tables(entry["ground_truth"])
    }
    assert scanned.ground_truth_tables()  # the manifest's inputs include the ground truth


def test_attributes_become_columns_and_evaluation_files_get_theirs_from_the_ground_truth(tmp_path):
    entry, _ = write_edition(tmp_path / "data", "2023", "ToyDrone")
    table, _ = manifest.build_manifest("d", entry, 0.5)
    row = table[table["relpath"] == "ToyDrone/train/section_00_source_train_normal_0000_car_A2_spd_28V_mic_1.wav"].iloc[
        0
    ]
    assert (row["attr_car"], row["attr_spd"], row["attr_mic"]) == ("A2", "28V", "1")
    assert row["attributes"] == "car_A2_spd_28V_mic_1"
    hidden = table[table["relpath"] == "ToyDrone/test/section_00_0000.wav"].iloc[0]
    assert (hidden["domain"], hidden["label"], hidden["attr_car"]) == ("target", "anomaly", "C1")
    assert naming.attribute_columns("noAttribute") == {}
    assert naming.attribute_columns("a_1_b") == {"a": "1", "extra": "b"}


def test_the_edition_label_says_what_the_kind_or_the_machines_tell():
    """2022-2025 share one layout: kind dcase labels a tree with the year only when its machine
    types and sections decide it, else 2022-2025; a kind that names the year is its label."""
    dev = [
        "fan/train/section_00_source_train_normal_0000_a_1.wav",
        "fan/test/section_00_source_test_normal_0000_a_1.wav",
    ]
    assert manifest.edition_of("dcase", dev) == "2022-2025"  # 2023, 2024 and 2025 share these
    assert manifest.edition_of("dcase2024", dev) == "2024"
    assert manifest.edition_of("dcase", dev + ["fan/train/section_02_source_train_normal_0001_a_1.wav"]) == "2022"
    assert (
        manifest.edition_of(
            "dcase", ["ToyDrone/test/section_00_0000.wav", "Vacuum/train/section_00_source_train_normal_0000_a_1.wav"]
        )
        == "2023"
    )
    assert manifest.edition_of("dcase", ["HairDryer/train/section_00_source_train_normal_0000_a_1.wav"]) == "2024"
    assert manifest.edition_of("dcase", ["Polisher/train/section_00_source_train_normal_0000_a_1.wav"]) == "2025"
    # ToyDrone is a 2023 and a 2026 machine; SewingMachine only 2026's: neither decides a year here
    assert naming.year_of({"ToyDrone": {"00"}}) == "2022-2025"
    assert naming.year_of({"SewingMachine": {"00"}}) == "2022-2025"
    assert manifest.edition_of("dcase", ["fan/source_test/section_00_source_test_normal_0000.wav"]) == "2021"
    assert naming.layout("2022-2025") == "2022"


def test_edition_detection_and_what_a_tree_of_no_edition_is_told(tmp_path):
    assert naming.detect_edition(["fan/train/normal_id_00_00000000.wav", "fan/anomaly_id_00_00000001.wav"]) == "2020"
    assert naming.detect_edition(["fan/source_test/section_00_source_test_normal_0000.wav"]) == "2021"
    assert naming.detect_edition(["fan/test/section_00_0000.wav"]) == "2021"  # reads the same as 2023+
    assert (
        naming.detect_edition(["fan/test/section_00_0000.wav", "fan/train/section_00_source_train_normal_0000_a_1.wav"])
        == "2022"
    )
    assert naming.detect_edition(["music/song.wav"]) is None
    write_wav(tmp_path / "x/fan/clip_0001.wav", sound("normal", 0))
    with pytest.raises(
        plan.PlanError,
        match=r"no file under .* follows the DCASE 2020-2025 names .*"
        r"_id_<II>_<NNNNNNNN>\.wav .*found e\.g\. 'fan/clip_0001\.wav'",
    ):
        plan.scan_dataset("x", {"kind": "dcase", "root": str(tmp_path / "x")})


def test_ground_truth_rows_that_cannot_be_read_name_file_and_line(tmp_path):
    (tmp_path / "ground_truth_domain").mkdir()
    (tmp_path / "ground_truth_domain/ground_truth_fan_section_00_test.csv").write_text("a.wav,0\nb.wav,src\n")
    with pytest.raises(ValueError, match=r"ground_truth_fan_section_00_test\.csv:2"):
        naming.read_ground_truth(tmp_path)
    (tmp_path / "eval_data_list.csv").write_text("id_00_00000000.wav,x.wav,1\n")
    with pytest.raises(ValueError, match=r"eval_data_list\.csv:1: a file row before any machine-name line"):
        naming.read_ground_truth(tmp_path / "eval_data_list.csv")


def test_device_names_with_any_character_get_safe_names(tmp_path):
    names = ["my fan", "pump+1;a", "Lüfter", "global", "fan.v2-b_c"]
    safe = [naming.safe_name(n) for n in names]
    assert safe == ["my~20fan", "pump~2B1~3Ba", "L~C3~BCfter", "global~", "fan.v2-b_c"]
    assert len(set(safe)) == len(safe) and naming.safe_name("my~20fan") != naming.safe_name("my fan")
    for name in names:
        write_wav(tmp_path / "d" / name / "train" / "section_00_source_train_normal_0000.wav", sound("normal", 1))
    scanned = plan.scan_dataset("d", {"kind": "dcase2021", "root": str(tmp_path / "d")})
    assert scanned.device_names == dict(zip(safe, names)) | {}
    table, _ = manifest.build_manifest("d", {"kind": "dcase2021", "root": str(tmp_path / "d")}, 0.5)
    assert dict(zip(table["part"], table["device"])) == dict(zip(safe, names))


def test_stereo_files_are_mixed_or_one_channel_is_used(tmp_path):
    left = sound("normal", 3, seconds=1.0)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, np.zeros_like(left)], axis=1).astype(np.float32), 16000, subtype="FLOAT")
    mixed = audio.load(str(path))
    first = audio.load(str(path), channels=0)
    assert np.allclose(mixed, first, atol=1e-5)  # the mix of a signal and silence, normalised
    with pytest.raises(audio.AudioError, match="silent"):
        audio.load(str(path), channels=1)
    with pytest.raises(audio.AudioError, match="has 2 channel"):
        audio.load(str(path), channels=2)
    facts, reason, _ = manifest.probe(path, 0.5, channels=2)
    assert facts is None and "audio.channels asks for channel 2" in reason


def test_a_truncated_file_is_kept_with_its_real_length_and_reported(tmp_path):
    root = tmp_path / "ext"
    write_wav(root / "whole.wav", sound("normal", 1, seconds=2.0))
    data = (root / "whole.wav").read_bytes()
    (root / "cut.wav").write_bytes(data[: len(data) // 2])  # header intact, data cut
    (root / "stub.wav").write_bytes(data[:2000])  # header intact, almost no data
    table, excluded = manifest.build_manifest("ext", {"kind": "folder", "root": str(root)}, 0.5)
    assert sorted(table["relpath"]) == ["cut.wav", "whole.wav"]
    assert table.set_index("relpath")["duration"]["cut.wav"] == pytest.approx(1.0, abs=0.01)
    report = excluded.set_index(excluded["path"].str.rsplit("/", n=1).str[-1])
    assert report.loc["cut.wav", "reason"] == "truncated: the header says 2.000 s of audio, the file holds 0.999 s"
    assert report.loc["cut.wav", "outcome"].startswith("kept with its real length, 0.99")
    assert report.loc["stub.wav", "reason"].startswith("too short") and "truncated" in report.loc["stub.wav", "reason"]
    assert report.loc["stub.wav", "outcome"] == "left out"


def test_umap_keys_are_checked_against_umap_learns_signature():
    problems = umap_step.check_params(
        {"n_neighbours": 15, "n_components": 3, "random_state": 1, "seed": 0, "min_dist": 0.1, "spread": 1.0}
    )
    assert problems == [
        "config key 'umap.n_neighbours': not an argument of umap-learn's UMAP; did you mean 'n_neighbors'?",
        "config key 'umap.n_components': the maps are 2-D: n_components is always 2; remove the key",
        "config key 'umap.random_state': use the key umap.seed instead",
    ]
    assert umap_step.check_params({"n_neighbors": 1}) == [
        "config key 'umap.n_neighbors': must be an integer of at least 2, not 1"
    ]
    assert "spread" in umap_step.umap_arguments() and "n_neighbours" not in umap_step.umap_arguments()
    assert umap_step.too_small(15, {"n_neighbors": 15}).startswith("only 15 window(s): a UMAP with n_neighbors=15")
    assert umap_step.too_small(16, {"n_neighbors": 15}) is None


def test_a_disconnected_graph_is_explained_in_the_log(caplog):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.01, (30, 4)), rng.normal(100, 0.01, (30, 4))]).astype(np.float32)
    with caplog.at_level(logging.INFO, logger="audio_umaps.embedding"):
        coords = umap_step.fit_umap(x, {"n_neighbors": 5, "seed": 1})
    assert coords.shape == (60, 2) and np.isfinite(coords).all()
    lines = [r.getMessage() for r in caplog.records if "not fully connected" in r.getMessage()]
    assert lines == [
        "umap-learn: the neighbour graph is not fully connected (2 components): windows of one "
        "file are each other's nearest neighbours, so files (or groups of similar files) form "
        "islands that UMAP places apart; distances between islands mean little"
    ]


def test_scopes_with_too_few_windows_are_refused_not_crashed():
    with pytest.raises(ValueError, match="only 3 window"):
        umap_step.fit_umap(np.zeros((3, 4), dtype=np.float32), {"n_neighbors": 15})


def test_the_excluded_table_says_what_was_done(tmp_path):
    write_wav(tmp_path / "ext/short.wav", sound("normal", 0, seconds=0.1))
    _, excluded = manifest.build_manifest("ext", {"kind": "folder", "root": str(tmp_path / "ext")}, 0.5)
    assert excluded.columns.tolist() == ["dataset", "path", "stage", "reason", "outcome"]
    assert excluded["outcome"].tolist() == ["left out"]
    assert isinstance(excluded, pd.DataFrame)
