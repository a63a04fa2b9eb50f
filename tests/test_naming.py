import pytest

from audio_umaps.naming import FileNameError, parse_dcase2021, read_ground_truth


def test_development_train_name_with_attributes():
    n = parse_dcase2021("fan/train/section_02_target_train_normal_0013_strength_1_ambient.wav")
    assert (n.device, n.section, n.domain, n.split, n.label, n.file_id) == (
        "fan",
        "02",
        "target",
        "train",
        "normal",
        "0013",
    )
    assert n.attributes == "strength_1_ambient"


def test_test_names_in_domain_folders():
    n = parse_dcase2021("ToyTrain/target_test/section_01_target_test_anomaly_0042.wav")
    assert (n.domain, n.split, n.label, n.attributes) == ("target", "test", "anomaly", "")
    n = parse_dcase2021("valve/source_test/section_00_source_test_normal_0001_pat_00.wav")
    assert n.label == "normal" and n.attributes == "pat_00"


def test_evaluation_name_has_no_label_or_domain():
    n = parse_dcase2021("gearbox/test/section_04_0007.wav")
    assert (n.section, n.domain, n.split, n.label, n.file_id) == ("04", "unknown", "test", "unknown", "0007")
    n = parse_dcase2021("gearbox/target_test/section_04_0007.wav")
    assert n.domain == "target"


def test_training_data_is_normal_even_without_label():
    assert parse_dcase2021("fan/train/section_03_source_train_0001.wav").label == "normal"


@pytest.mark.parametrize(
    "path, fragment",
    [
        ("fan/train/normal_id_00_00000001.wav", "does not match"),
        ("fan/train/section_0a_source_train_normal_0001.wav", "does not match"),
        ("fan/valid/section_00_source_train_normal_0001.wav", "folder 'valid'"),
        ("fan/section_00_source_train_normal_0001.wav", "expected <device>"),
        ("fan/train/section_00_source_test_normal_0001.wav", "split 'test'"),
        ("fan/source_test/section_00_target_test_normal_0001.wav", "domain 'target'"),
        ("fan/train/section_00_source_train_normal_0001.flac", "does not match"),
    ],
)
def test_malformed_names_say_why(path, fragment):
    with pytest.raises(FileNameError, match=fragment):
        parse_dcase2021(path)


def test_ground_truth_tables(tmp_path):
    (tmp_path / "ground_truth_fan_section_03_test.csv").write_text("section_03_0000.wav,0\nsection_03_0001.wav,1\n\n")
    (tmp_path / "ground_truth_ToyCar_section_04_test.csv").write_text("section_04_0000.wav,1\n")
    (tmp_path / "notes.csv").write_text("x,y\n")
    # 2021's evaluator: a table per domain
    (tmp_path / "ground_truth_my_pump_section_05_target_test.csv").write_text("section_05_target_test_0000.wav,1\n")
    labels = read_ground_truth(tmp_path)
    assert labels == {
        ("fan", "section_03_0000.wav"): {"label": "normal", "section": "03"},
        ("fan", "section_03_0001.wav"): {"label": "anomaly", "section": "03"},
        ("ToyCar", "section_04_0000.wav"): {"label": "anomaly", "section": "04"},
        ("my_pump", "section_05_target_test_0000.wav"): {"label": "anomaly", "section": "05", "domain": "target"},
    }
    # 2022+: the attributes table gives the full names a submission may use (2024: two columns)
    folder = tmp_path / "gt"
    for sub, row in (
        ("ground_truth_data", "section_00_0001.wav,1"),
        ("ground_truth_domain", "section_00_0001.wav,0"),
        (
            "ground_truth_attributes",
            "section_00_0001.wav,section_00_source_test_anomaly_0007_noAttribute,"
            "section_00_source_test_anomaly_0007_id_A3_spd_2.wav",
        ),
    ):
        (folder / sub).mkdir(parents=True)
        (folder / sub / "ground_truth_ToothBrush_section_00_test.csv").write_text(row + "\n")
    assert read_ground_truth(folder)[("ToothBrush", "section_00_0001.wav")] == {
        "label": "anomaly",
        "domain": "source",
        "section": "00",
        "attributes": "noAttribute",
        "full_names": [
            "section_00_source_test_anomaly_0007_noAttribute.wav",
            "section_00_source_test_anomaly_0007_id_A3_spd_2.wav",
        ],
    }


def test_ground_truth_bad_row_names_file_and_line(tmp_path):
    (tmp_path / "ground_truth_fan_section_03_test.csv").write_text("a.wav,0\nb.wav,maybe\n")
    with pytest.raises(ValueError, match=r"ground_truth_fan_section_03_test.csv:2"):
        read_ground_truth(tmp_path)


def test_missing_ground_truth_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="ground_truth"):
        read_ground_truth(tmp_path / "nope")
