import numpy as np
import pandas as pd
import pytest
from conftest import write_wav

from audio_umaps import manifest, tables


def test_dcase_manifest_rows_and_ground_truth_join(dcase_root, tmp_path):
    truth = tmp_path / "truth"
    truth.mkdir()
    (truth / "ground_truth_pump_section_03_test.csv").write_text("section_03_0000.wav,1\nsection_03_0001.wav,0\n")
    table, excluded = manifest.build_manifest(
        "dev", {"kind": "dcase2021", "root": str(dcase_root), "ground_truth": str(truth)}, 0.1
    )
    assert excluded.empty
    assert len(table) == 8
    assert set(table["part"]) == {"pump"} and set(table["section"]) == {"00", "01", "03"}
    row = table[table["relpath"] == "pump/test/section_03_0000.wav"].iloc[0]
    assert (row["split"], row["domain"], row["label"]) == ("test", "unknown", "anomaly")
    row = table[table["relpath"] == "pump/test/section_03_0001.wav"].iloc[0]
    assert row["label"] == "normal"
    row = table[table["file_id"] == "0000"].sort_values("relpath").iloc[0]
    assert row["samplerate"] == 16000 and row["channels"] == 1
    assert table.loc[table["relpath"].str.contains("_a_1"), "attributes"].item() == "a_1"


def test_bad_files_are_reported_not_raised(dcase_root):
    (dcase_root / "pump/train/section_00_source_train_normal_0009.wav").write_bytes(b"RIFF....garbage")
    write_wav(dcase_root / "pump/train/section_00_source_train_normal_0010.wav", np.zeros(100))
    write_wav(dcase_root / "pump/train/normal_id_00_00000001.wav", np.ones(16000))
    # random bytes, bytes that look like an MPEG frame (libsndfile then speaks of a missing
    # file), an empty file
    rng = np.random.default_rng(1)
    (dcase_root / "pump/train/section_00_source_train_normal_0011.wav").write_bytes(
        rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
    )
    (dcase_root / "pump/train/section_00_source_train_normal_0012.wav").write_bytes(
        b"\xff\xfb\x90\x64" + rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
    )
    (dcase_root / "pump/train/section_00_source_train_normal_0013.wav").write_bytes(b"")
    table, excluded = manifest.build_manifest("dev", {"kind": "dcase2021", "root": str(dcase_root)}, 0.1)
    assert len(table) == 8
    reasons = dict(zip(excluded["path"].str.rsplit("/", n=1).str[-1], excluded["reason"]))
    assert reasons["section_00_source_train_normal_0009.wav"].startswith("not a readable audio file (libsndfile: ")
    for name in ("section_00_source_train_normal_0011.wav", "section_00_source_train_normal_0012.wav"):
        assert reasons[name].startswith("not a readable audio file (libsndfile: "), reasons[name]
        assert "does not exist" not in reasons[name] and "\n" not in reasons[name]
    assert reasons["section_00_source_train_normal_0013.wav"] == (
        "empty: the file holds 0 bytes; replace it with a good copy, or remove it"
    )
    assert reasons["section_00_source_train_normal_0010.wav"].startswith("too short")
    assert reasons["normal_id_00_00000001.wav"].startswith("odd file name")


def test_folder_dataset_subfolders_and_parts(tmp_path):
    root = tmp_path / "idmt"
    for sub in ("train_cut/engine1_good", "train_cut/engine2_broken", "test_cut/engine1_good"):
        for i in range(3):
            write_wav(root / sub / f"clip_{i}.wav", np.random.default_rng(i).standard_normal(8000))
    write_wav(root / "top.wav", np.ones(8000))
    (root / "readme.txt").write_text("not audio")
    table, excluded = manifest.build_manifest("idmt", {"kind": "folder", "root": str(root), "jobs": 3}, 0.1)
    assert len(table) == 10 and excluded.empty
    assert set(table["subfolder"]) == {
        "train_cut/engine1_good",
        "train_cut/engine2_broken",
        "test_cut/engine1_good",
        "",
    }
    assert set(table["split"]) == {"external"} and set(table["label"]) == {"unknown"}
    assert set(table["part"]) <= set(manifest.folder_parts(3))
    again, _ = manifest.build_manifest("idmt", {"kind": "folder", "root": str(root), "jobs": 3}, 0.1)
    assert table["part"].tolist() == again["part"].tolist()


def test_missing_root_names_the_key(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"datasets\.ext\.root"):
        manifest.build_manifest("ext", {"kind": "folder", "root": str(tmp_path / "nope")}, 0.1)


def test_tsv_round_trip_keeps_text(dcase_root, tmp_path):
    table, _ = manifest.build_manifest("dev", {"kind": "dcase2021", "root": str(dcase_root)}, 0.1)
    tables.write("manifest", table, tmp_path / "m.tsv")
    back = tables.read("manifest", tmp_path / "m.tsv")
    assert back["section"].tolist() == table["section"].tolist()
    assert back["attributes"].tolist() == table["attributes"].tolist()
    tables.write("manifest", back, tmp_path / "again.tsv")
    assert (tmp_path / "again.tsv").read_bytes() == (tmp_path / "m.tsv").read_bytes()


def test_the_exclusion_report_lists_each_file_and_stage_once(tmp_path):
    from audio_umaps.features import ExtractResult

    listed = pd.DataFrame(
        [
            ["dev", "a.wav", "manifest", "too short", tables.LEFT_OUT],
            ["dev", "b.wav", "manifest", "truncated", "kept with its real length, 1.000 s"],
        ],
        columns=tables.columns("excluded"),
    )
    tables.write("excluded", listed, tmp_path / "m.tsv")
    found = ExtractResult(excluded=[("b.wav", "silent"), ("c.wav", "silent")]).excluded_table("dev")
    for name in ("mel.tsv", "stft.tsv"):  # (every representation's job lists the same files)
        tables.write("excluded", found, tmp_path / name)
    report = manifest.exclusion_report([tmp_path / n for n in ("m.tsv", "mel.tsv", "stft.tsv")])
    assert report[["path", "stage"]].values.tolist() == [
        ["a.wav", "manifest"],
        ["b.wav", "manifest"],
        ["b.wav", "features"],
        ["c.wav", "features"],
    ]
    assert set(report.loc[report["stage"] == "features", "outcome"]) == {tables.LEFT_OUT}


def test_odd_file_names_survive_the_tables(tmp_path):
    from audio_umaps import features, representations
    from audio_umaps.store import Store

    root = tmp_path / "odd folder #1"
    names = ["tab\there.wav", "ünïcode päth.wav", "new\nline.wav", 'comma,and "quotes".wav']
    for i, name in enumerate(names):
        write_wav(root / "sub dir" / name, np.random.default_rng(i).standard_normal(4000))
    table, excluded = manifest.build_manifest("odd", {"kind": "folder", "root": str(root)}, 0.1)
    assert excluded.empty and len(table) == 4
    tables.write("manifest", table, tmp_path / "m.tsv")
    back = tables.read("manifest", tmp_path / "m.tsv")
    assert back["path"].tolist() == table["path"].tolist()
    tables.write("manifest", back, tmp_path / "again.tsv")
    assert (tmp_path / "again.tsv").read_bytes() == (tmp_path / "m.tsv").read_bytes()
    result = features.extract(back["path"].tolist(), "mel", representations.params("mel"), tmp_path / "o.zarr")
    assert Store(tmp_path / "o.zarr").files == back["path"].tolist() and not result.excluded
