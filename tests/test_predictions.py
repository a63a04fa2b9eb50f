"""A system's submission files read against the test files (audio_umaps.predictions): good
ones used whole, every malformed row or file named with its file and line, the rest kept."""

from pathlib import Path

import pandas as pd

from audio_umaps import predictions


def make_test_files():
    rows = []
    for device in ("fan", "ToyCar"):
        for section in ("00", "01"):
            for domain in ("source", "target"):
                for label in ("normal", "anomaly"):
                    for i in range(2):
                        name = f"section_{section}_{domain}_test_{label}_{i:04d}.wav"
                        rows.append(
                            dict(
                                dataset="dev",
                                edition="2023",
                                device=device,
                                section=section,
                                domain=domain,
                                label=label,
                                path=f"/data/{device}/test/{name}",
                            )
                        )
    return pd.DataFrame(rows)


def write(folder: Path, name: str, lines):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("".join(line + "\n" for line in lines))


def names(table, device, section):
    chosen = table[(table["device"] == device) & (table["section"] == section)]
    return [Path(p).name for p in chosen["path"]]


def test_a_good_submission_is_read_whole_with_decisions(tmp_path):
    files = make_test_files()
    for device in ("fan", "ToyCar"):
        for section in ("00", "01"):
            ours = names(files, device, section)
            write(
                tmp_path,
                f"anomaly_score_{device}_section_{section}_test.csv",
                [f"{n},{float('_anomaly_' in n) + i / 10}" for i, n in enumerate(ours)],
            )
            write(
                tmp_path,
                f"decision_result_{device}_section_{section}_test.csv",
                [f"{n},{int('_anomaly_' in n)}" for n in ours],
            )
    table, problems = predictions.read_submission("sys", tmp_path, files)
    assert problems.empty, problems.to_string()
    assert len(table) == len(files) and set(table["decision"]) == {0, 1}
    fan = table[(table["device"] == "fan") & (table["section"] == "00")].set_index("file")
    assert fan.loc["section_00_source_test_anomaly_0001.wav", "score"] == 1.0 + 3 / 10
    scores = predictions.official_rows("sys", table)
    assert set(scores["method"]) == {"sys"} and set(scores["space"]) == {"system"}
    assert scores[(scores["device"] == "all") & (scores["measure"] == "official")]["value"].notna().all()


def test_malformed_rows_and_files_are_named_with_file_and_line_and_the_rest_is_kept(tmp_path):
    files = make_test_files()
    fan = names(files, "fan", "00")
    write(
        tmp_path,
        "anomaly_score_fan_section_00_test.csv",
        [
            f"{fan[0]},0.1",
            f"{fan[1]},abc",  # line 2: not a number
            f"{fan[2]}",  # line 3: no score at all
            f"{fan[3]},nan",  # line 4: not finite
            "section_00_source_test_normal_0099.wav,0.3",  # line 5: no such test file
            f"{fan[0]},0.2",  # line 6: second row for a file
            *(f"{n},0.5" for n in fan[4:-1]),  # the last file is missing
        ],
    )
    write(tmp_path, "decision_result_fan_section_00_test.csv", [f"{fan[0]},yes"])
    write(tmp_path, "anomaly_score_pump_section_00_test.csv", ["a.wav,1"])
    write(tmp_path, "notes.csv", ["hello"])
    (tmp_path / "broken_encoding").mkdir()
    (tmp_path / "anomaly_score_fan_section_01_test.csv").write_bytes(b"\xff\xfe\x00bad")
    table, problems = predictions.read_submission("sys", tmp_path, files)
    said = {}
    for f, line, text in problems[["file", "line", "problem"]].itertuples(index=False):
        said[(Path(f).name, line)] = said.get((Path(f).name, line), "") + text + "\n"
    score_file = "anomaly_score_fan_section_00_test.csv"
    assert "not a finite number" in said[(score_file, 2)] and "'abc'" in said[(score_file, 2)]
    assert "expected '<file name>,<value>'" in said[(score_file, 3)]
    assert "not a finite number" in said[(score_file, 4)]
    assert "no test file of fan section 00" in said[(score_file, 5)]
    assert "second row" in said[(score_file, 6)]
    assert "no score for 4 of the 8 test files" in said[(score_file, 0)]
    assert "is not 0 or 1" in said[("decision_result_fan_section_00_test.csv", 1)]
    assert "no test files of machine 'pump'" in said[("anomaly_score_pump_section_00_test.csv", 0)]
    assert "not a submission file name" in said[("notes.csv", 0)]
    assert "cannot be read" in said[("anomaly_score_fan_section_01_test.csv", 0)]
    assert "ToyCar section 00 have no score" in said[(tmp_path.name, 0)]
    # what was good is kept: fan section 00's 4 good rows, the first of the doubled one; every
    # other test file is there without a score, so that the official scores say what is missing
    assert len(table) == len(files)
    assert sorted(table.dropna(subset=["score"])["file"]) == sorted([fan[0], *fan[4:-1]])
    assert table[table["device"] == "fan"].set_index("file").loc[fan[0], "score"] == 0.1
    assert table["decision"].isna().all()
    scores = predictions.official_rows("sys", table)
    fan00 = scores[(scores["device"] == "fan") & (scores["section"] == "00") & (scores["measure"] == "auc")]
    assert fan00["value"].isna().all() and fan00["note"].str.contains("4 of 8 test files have no score").any()
    official = scores[(scores["device"] == "all") & (scores["measure"] == "official")].iloc[0]
    assert pd.isna(official["value"]) and "incomplete: 12 of 12 values missing" in official["note"]


def test_a_missing_folder_is_one_problem_not_an_error(tmp_path):
    table, problems = predictions.read_submission("sys", tmp_path / "nowhere", make_test_files())
    assert table.empty and len(problems) == 1
    assert "fix config key 'predictions.sys'" in problems["problem"].iloc[0]


def test_2021_submissions_have_a_file_per_domain(tmp_path):
    files = make_test_files()
    for domain in ("source", "target"):
        ours = [n for n in names(files, "fan", "00") if f"_{domain}_" in n]
        write(tmp_path, f"anomaly_score_fan_section_00_{domain}_test.csv", [f"{n},1" for n in ours])
    table, problems = predictions.read_submission("sys", tmp_path, files[files["device"] == "fan"])
    assert len(table) == 16 and table["score"].notna().sum() == 8
    assert list(problems["problem"]) == [
        "no anomaly_score_fan_section_01_test.csv: the 8 test files of fan section 01 have no score"
    ]


def test_each_file_is_matched_to_the_dataset_whose_test_files_it_names(tmp_path):
    """Two editions' development sets both hold fan section 00 (as DCASE 2022 and 2023 do):
    each submission file scores the dataset whose file names its rows give."""
    dev = make_test_files()
    other = dev[dev["device"] == "fan"].assign(dataset="dev2022", edition="2022")
    other["path"] = other["path"].str.replace("_test_", "_test_x", regex=False)
    files = pd.concat([dev, other], ignore_index=True)
    names2022 = names(other, "fan", "00")
    write(tmp_path, "anomaly_score_fan_section_00_test.csv", [f"{n},1" for n in names2022])
    table, problems = predictions.read_submission("sys", tmp_path, files)
    assert set(table["dataset"]) == {"dev2022"} and table["score"].notna().sum() == 8
    said = list(problems["problem"])
    assert (
        "no anomaly_score_fan_section_01_test.csv: the 8 test files of fan section 01 have no score "
        "(dataset 'dev2022')" in said
    )
    assert "no file scores a test file of dataset 'dev': it is not evaluated" in said
    assert not any("fan section 00" in p and "no score for" in p for p in said)
    (tmp_path / "anomaly_score_fan_section_{01}_test.csv").write_text("x,1\n")
    _, problems = predictions.read_submission(
        "sys", tmp_path, files, csv_files=[str(tmp_path / "anomaly_score_fan_section_00_test.csv")]
    )
    assert any("holds '{' or '}'" in p for p in problems["problem"])


def test_the_baselines_file_names_and_full_development_names_are_read(tmp_path):
    """The DCASE 2023/2024 baselines write anomaly_score_DCASE2024T2<machine>_section_<SS>_test_
    seed<seed><tag>_Eval.csv, and name evaluation files by their full development-style names,
    which the ground truth's attributes tables map to the evaluation names."""
    files = make_test_files()
    files = files[files["device"] == "fan"].reset_index(drop=True)
    files["path"] = [f"/eval/fan/test/section_{s}_{i:04d}.wav" for i, s in enumerate(files["section"])]
    files["full_names"] = [
        [f"section_{s}_{d}_test_{lab}_{i:04d}_noAttribute.wav"]
        for i, (s, d, lab) in enumerate(zip(files["section"], files["domain"], files["label"]))
    ]
    for section in ("00", "01"):
        mine = files[files["section"] == section]
        tail = "_test_seed13711_id(0_)_Eval.csv"
        write(
            tmp_path,
            f"anomaly_score_DCASE2024T2fan_section_{section}{tail}",
            [f"{n[0]},{float(lab == 'anomaly')}" for n, lab in zip(mine["full_names"], mine["label"])],
        )
        write(
            tmp_path,
            f"decision_result_DCASE2024T2fan_section_{section}{tail}",
            [f"{Path(p).name},{int(lab == 'anomaly')}" for p, lab in zip(mine["path"], mine["label"])],
        )
    table, problems = predictions.read_submission("sys", tmp_path, files)
    assert problems.empty, problems.to_string()
    assert table["score"].notna().all() and table["decision"].notna().all()
    assert (table["score"] == (table["label"] == "anomaly")).all()
