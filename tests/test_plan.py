"""The plan: datasets, devices, sections, parts, scopes and targets, without Snakemake."""

import numpy as np
import pytest
from conftest import write_wav

from audio_umaps.config import check
from audio_umaps.plan import GLOBAL, Plan, PlanError, scan_dataset


def config_for(datasets, **extra):
    base = {
        "representations": ["stft", "mel"],
        "stacks": [1, 5],
        "datasets": datasets,
        "sampling": {
            "seed": 0,
            "device": {"test": 5, "train": 6, "external": 7},
            "global": {"test": 1, "train": 2, "external": 3},
        },
    }
    return check({**base, **extra})


@pytest.fixture
def two_datasets(dcase_root, tmp_path):
    """dcase_root (device pump: sections 00, 01, 03; one odd file) plus a second DCASE tree with
    fan and a pump section 05, and an external folder in three slices."""
    other = tmp_path / "other"
    for name in (
        "fan/train/section_00_source_train_normal_0000.wav",
        "fan/source_test/section_02_source_test_anomaly_0000.wav",
        "pump/train/section_05_target_train_normal_0000.wav",
    ):
        write_wav(other / name, np.zeros(4000) + 0.1)
    write_wav(dcase_root / "pump/train/not_a_dcase_name.wav", np.zeros(4000) + 0.1)
    ext = tmp_path / "ext"
    for i in range(9):
        write_wav(ext / f"sub{i % 2}/clip{i}.wav", np.zeros(4000) + 0.1)
    write_wav(ext / "take {part}.wav", np.zeros(4000) + 0.1)  # undeclarable: the manifest reports it
    return config_for(
        {
            "dev": {"kind": "dcase2021", "root": str(dcase_root)},
            "add": {"kind": "dcase2021", "root": str(other)},
            "ext": {"kind": "folder", "root": str(ext), "jobs": 3, "colour": "violet"},
        },
    )


def test_devices_and_sections_merge_across_datasets(two_datasets):
    plan = Plan(two_datasets)
    assert plan.sections == {"fan": ["00", "02"], "pump": ["00", "01", "03", "05"]}
    assert plan.devices == ["fan", "pump"] and plan.scopes == ["fan", "pump", GLOBAL]
    assert plan.external == ["ext"] and plan.colours() == {"ext": "violet"}


def test_parts_and_their_files(two_datasets, dcase_root):
    plan = Plan(two_datasets)
    assert plan.parts("dev") == ["pump"] and plan.parts("add") == ["fan", "pump"]
    assert plan.parts("ext") == ["part0", "part1", "part2"]
    # the odd name is listed as a file of the dataset (the manifest reports it) but in no part
    dev = plan.datasets["dev"]
    assert "pump/train/not_a_dcase_name.wav" in dev.files
    assert len(plan.part_files("dev", "pump")) == 8
    assert all(p.startswith(str(dcase_root)) for p in plan.part_files("dev", "pump"))
    ext_files = [f for part in plan.parts("ext") for f in plan.part_files("ext", part)]
    assert sorted(ext_files) == sorted(plan.datasets["ext"].paths()) and len(ext_files) == 9
    assert "take {part}.wav" not in plan.datasets["ext"].files


def test_scope_members_with_and_without_external(two_datasets):
    plan = Plan({**two_datasets, "sampling": {**two_datasets["sampling"], "global_without_external_at_stacks": [5]}})
    external = [("ext", p) for p in ("part0", "part1", "part2")]
    assert plan.members(1, "pump") == [("dev", "pump"), ("add", "pump"), *external]
    assert set(plan.members(5, "fan")) == {("add", "fan"), *external}
    assert set(plan.members(1, GLOBAL)) == {("dev", "pump"), ("add", "fan"), ("add", "pump"), *external}
    # the global scope at stack 5 leaves external data out; device scopes keep it
    assert set(plan.members(5, GLOBAL)) == {("dev", "pump"), ("add", "fan"), ("add", "pump")}
    assert plan.includes_external("fan", 5) and not plan.includes_external(GLOBAL, 5)
    assert plan.scope_datasets(5, GLOBAL) == ["add", "dev"]
    assert plan.scope_datasets(1, "fan") == ["add", "ext"]
    assert plan.caps("fan") == {"test": 5, "train": 6, "external": 7}
    assert plan.caps(GLOBAL) == {"test": 1, "train": 2, "external": 3}
    with pytest.raises(PlanError, match="unknown scope 'valve'"):
        plan.members(1, "valve")


def test_what_exists(two_datasets):
    """The plan lists datasets, devices, sections, parts, scopes and maps; the rule files expand
    their own paths over these lists (tests/test_workflow.py checks the targets)."""
    plan = Plan(two_datasets)
    assert plan.devices == ["fan", "pump"] and plan.scopes == ["fan", "pump", GLOBAL]
    assert sum(len(s) for s in plan.sections.values()) == 6
    assert plan.maps() == [(r, s) for r in ("stft", "mel") for s in (1, 5)]
    assert plan.dcase_datasets == ["dev", "add"] and plan.external == ["ext"]
    assert plan.parts("ext") == ["part0", "part1", "part2"]
    assert plan.spectral == ["stft", "mel"]
    assert Plan({**two_datasets, "representations": ["mel", "l3"]}).spectral == ["mel"]


def test_metrics_read_only_the_devices_dcase_data(two_datasets, tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "anomaly_score_pump_section_00_test.csv").write_text("a.wav,1\n")
    (submission / "readme.txt").write_text("not read")
    empty = tmp_path / "empty"
    empty.mkdir()
    plan = Plan({**two_datasets, "predictions": {"mine": str(submission), "none_yet": str(empty)}})
    assert plan.measured and list(plan.systems) == ["mine", "none_yet"]
    # a device's metrics read its DCASE datasets, never the external data its UMAP scope draws
    assert plan.device_datasets("pump") == ["dev", "add"] and plan.device_datasets("fan") == ["add"]
    assert plan.scope_devices("pump") == ["pump"] and plan.scope_devices(GLOBAL) == ["fan", "pump"]
    assert plan.submission_files("mine") == [str(submission / "anomaly_score_pump_section_00_test.csv")]
    assert plan.submission_files("none_yet") == []  # its job reports that no file scores anything


def test_a_missing_submission_folder_names_its_key(two_datasets, tmp_path):
    """predictions.<system> is checked when the plan is made, like a dataset's root: a folder
    that does not exist, or a file given for the folder, stops the run before anything is
    computed, the key, the path and what to do named."""
    with pytest.raises(PlanError) as err:
        Plan({**two_datasets, "predictions": {"my_system": str(tmp_path / "no/such/folder")}})
    assert str(err.value) == (
        f"predictions.my_system: folder '{tmp_path}/no/such/folder' does not exist. Point it at "
        "the folder of the system's submission files (anomaly_score_<machine>_section_<SS>_test.csv, "
        "...) in config/config.yaml (or your --configfile), or remove the key 'predictions.my_system'."
    )
    csv = tmp_path / "anomaly_score_pump_section_00_test.csv"
    csv.write_text("a.wav,1\n")
    with pytest.raises(
        PlanError,
        match=r"^predictions\.my_system: '.*anomaly_score_pump_section_00_test\.csv' "
        r"is a file, not a folder\. Point it at .* or remove the key "
        r"'predictions\.my_system'\.$",
    ):
        Plan({**two_datasets, "predictions": {"my_system": str(csv)}})


def test_folder_only_and_broken_configurations(tmp_path, dcase_root):
    ext = tmp_path / "ext"
    write_wav(ext / "a.wav", np.zeros(4000) + 0.1)
    only = Plan(config_for({"ext": {"kind": "folder", "root": str(ext)}}))  # folder-only: ext is a scope
    assert only.folder_only and only.scopes == ["ext", "global"] and only.folders == ["ext"]
    assert only.members(10, "ext") == only.members(10, "global") == [("ext", "all")]
    assert only.devices == [] and not only.measured  # no labelled test data: no metrics
    assert only.scope_devices("ext") == only.scope_devices("global") == []
    with pytest.raises(PlanError, match=r"datasets\.gone\.root: folder '.*nowhere' does not exist") as err:
        Plan(config_for({"gone": {"kind": "dcase2021", "root": str(tmp_path / "nowhere")}}))
    assert "bin/demo" not in str(err.value)  # not the demo's dataset: no demo advice
    with pytest.raises(PlanError, match=r"datasets\.demo\.root: .* the demo's data: run bin/demo"):
        Plan(config_for({"demo": {"kind": "dcase2021", "root": str(tmp_path / "nowhere")}}))
    with pytest.raises(
        PlanError,
        match=r"config key 'representations': unknown representation 'cqt'; known: embeddings, l3, mel, onnx, stft, "
        r"tkeo, or any name given a kind of these \(config key 'representation_params.cqt.kind'\)",
    ):
        Plan(config_for({"ext": {"kind": "folder", "root": str(ext)}}, representations=["mel", "cqt"]))
    with pytest.raises(
        PlanError,
        match=r"datasets\.ext: no file .* follows the DCASE 2021 names .*"
        r"expected <device>/<train\|source_test.*found e\.g\. 'a\.wav'",
    ):
        Plan(config_for({"ext": {"kind": "dcase2021", "root": str(ext)}}))
    with pytest.raises(
        PlanError,
        match=r"datasets\.ext: no file .* follows the DCASE 2020-2025 names .*"
        r"_id_<II>_.* or .*section_<SS>.*found e\.g\. 'a\.wav'",
    ):
        Plan(config_for({"ext": {"kind": "dcase", "root": str(ext)}}))
    with pytest.raises(PlanError, match=r"datasets\.dev\.ground_truth: '.*no_truth' does not exist"):
        Plan(
            config_for(
                {"dev": {"kind": "dcase2021", "root": str(dcase_root), "ground_truth": str(tmp_path / "no_truth")}}
            )
        )
    write_wav(tmp_path / "g/global/train/section_00_source_train_normal_0000.wav", np.zeros(4000) + 0.1)
    named_global = Plan(config_for({"g": {"kind": "dcase2021", "root": str(tmp_path / "g")}}))
    assert named_global.devices == ["global~"] and named_global.device_name("global~") == "global"
    assert named_global.scopes == ["global~", "global"]


def test_ground_truth_tables_are_inputs(dcase_root, tmp_path):
    truth = tmp_path / "truth"
    truth.mkdir()
    (truth / "ground_truth_pump_section_03_test.csv").write_text("section_03_0000.wav,1\n")
    (truth / "notes.csv").write_text("x\n")
    dataset = scan_dataset("dev", {"kind": "dcase2021", "root": str(dcase_root), "ground_truth": str(truth)})
    assert dataset.ground_truth_tables() == [(truth / "ground_truth_pump_section_03_test.csv").as_posix()]


def test_names_of_one_kind_and_parameters_share_stores(dcase_root):
    """A representation that differs from an earlier one only in its windowing reads that
    one's stores; other parameters make stores of its own; one vector per file has stack 1."""
    config = config_for(
        {"d": {"kind": "dcase2021", "root": str(dcase_root)}},
        representations=["mel", "mel_mean", "mel64", "tkeo", "tkeo_std"],
        representation_params={
            "mel_mean": {"kind": "mel", "windowing": "mean"},
            "mel64": {"kind": "mel", "n_mels": 64, "windowing": "meanstd"},
            "tkeo_std": {"kind": "tkeo", "windowing": "meanstd"},
        },
    )
    plan = Plan(config)
    assert [plan.store_of(r) for r in plan.representations] == ["mel", "mel", "mel64", "tkeo", "tkeo"]
    assert plan.spectral == ["mel", "mel64", "tkeo"] and plan.of_kind("mel") == ["mel", "mel_mean", "mel64"]
    assert [plan.windowing(r) for r in plan.representations] == ["stack", "mean", "meanstd", "stack", "meanstd"]
    assert plan.maps()[:2] == [("mel", 1), ("mel", 5)] and len(plan.maps()) == 10
