"""The official DCASE scores (audio_umaps.scoring) of submission folders scored against the
official ground truth (audio_umaps.scorer, the audio-umaps-score command, which reads them with
audio_umaps.predictions as the workflow does), against the official evaluators' own outputs on
our fixture (tests/fixtures/dcase_official/: the evaluators were run there, unmodified, on the
same folders; see its README): every number they print, to 1e-6."""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audio_umaps import predictions, scorer, scoring, tables

FIXTURE = Path(__file__).parent / "fixtures" / "dcase_official"
EXPECTED = json.loads((FIXTURE / "expected_summary.json").read_text())
TEAMS = {
    "2020": FIXTURE / "2020" / "teams",
    "2021": FIXTURE / "2021" / "teams",
    "2023": FIXTURE / "2023" / "teams" / "fixture",
    "2024": FIXTURE / "2024" / "teams" / "fixture",
}
CASES = [
    (edition, system)
    for edition in ("2020", "2021", "2023", "2024")
    for system in EXPECTED["editions"][edition]["systems"]
]
MEASURES = ("auc", "pauc", "precision", "recall", "f1")


def close(ours, theirs):
    """Equal to 1e-6; a harmonic mean the evaluators' epsilon floor decides (k x 2.2e-16, a
    value of 0 among its values) is ours as the 0 it stands for."""
    if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
        return math.isnan(ours)
    if 0 < theirs < 1e-12:
        return ours == 0.0
    return abs(ours - theirs) <= 1e-6


@pytest.fixture(scope="module")
def results():
    """Each system of each edition scored as audio-umaps-score scores it."""
    out = {}
    for edition, system in CASES:
        truth, found = scorer.ground_truth_files(FIXTURE / edition)
        out[(edition, system)] = scorer.score(TEAMS[edition] / system, truth, found)
    return out


def value(table, device, section, domain, measure):
    hit = table[
        (table["device"] == device)
        & (table["section"] == section)
        & (table["domain"] == domain)
        & (table["measure"] == measure)
    ]
    assert len(hit) == 1, (device, section, domain, measure)
    return float(hit["value"].iloc[0])


def test_the_edition_is_found_from_the_ground_truth(results):
    # (the 2023 and 2024 trees hold fan and ToyCar sections 00 and 01: only 2022 had both)
    assert {e: r.edition for (e, _), r in results.items()} == {
        "2020": "2020",
        "2021": "2021",
        "2023": "2022",
        "2024": "2022",
    }
    for result in results.values():
        assert result.problems.empty, result.problems.to_string()
        assert result.files["score"].notna().all() and len(result.files) == 145


@pytest.mark.parametrize("edition, system", [c for c in CASES if c[0] == "2020"])
def test_2020_equals_the_official_evaluator(results, edition, system):
    ours = results[(edition, system)].table
    checked = 0
    for device, facts in EXPECTED["editions"]["2020"]["systems"][system]["devices"].items():
        for section, numbers in facts["ids"].items():
            for measure in ("auc", "pauc"):
                assert close(value(ours, device, section, "all", measure), numbers[measure])
                checked += 1
        for measure in ("auc", "pauc"):
            assert close(value(ours, device, "all", "all", f"amean_{measure}"), facts["average"][measure])
            checked += 1
    assert checked == 12


@pytest.mark.parametrize("edition, system", [c for c in CASES if c[0] == "2021"])
def test_2021_equals_the_official_evaluator(results, edition, system):
    ours = results[(edition, system)].table
    theirs = EXPECTED["editions"]["2021"]["systems"][system]
    checked = 0
    for device, facts in theirs["devices"].items():
        for section, domains in facts["sections"].items():
            for domain, numbers in domains.items():
                for measure in MEASURES:
                    assert close(value(ours, device, section, domain, measure), numbers[measure]), (
                        device,
                        section,
                        domain,
                        measure,
                    )
                    checked += 1
        for mean, prefix in (("arithmetic_mean", "amean"), ("harmonic_mean", "hmean")):
            for measure in MEASURES:
                assert close(value(ours, device, "all", "all", f"{prefix}_{measure}"), facts[mean][measure])
                checked += 1
        # the evaluator's per-machine source/target harmonic means average its first and last
        # len(machines) // 2 rows: the source and target rows only when machines = 2 x sections.
        # Ours are the source and target rows; theirs are the rows they name, to 1e-6.
        for domain in ("source", "target"):
            rows = facts[f"{domain}_harmonic_mean_rows"]
            for measure in MEASURES:
                picked = [value(ours, device, s, d, measure) for s, d in rows]
                assert close(scoring.hmean(picked), facts[f"{domain}_harmonic_mean"][measure])
                assert value(ours, device, "all", domain, f"hmean_{measure}") == scoring.hmean(
                    [value(ours, device, s, domain, measure) for s in facts["sections"]]
                )
                checked += 1
    for mean, key in (
        ("arithmetic_mean", ("amean", "all")),
        ("harmonic_mean", ("hmean", "all")),
        ("source_harmonic_mean", ("hmean", "source")),
        ("target_harmonic_mean", ("hmean", "target")),
    ):
        for measure in MEASURES:
            assert close(value(ours, "all", "all", key[1], f"{key[0]}_{measure}"), theirs["overall"][mean][measure])
            checked += 1
    assert close(value(ours, "all", "all", "all", "official"), theirs["official_score"])
    assert checked == 2 * 4 * 5 + 2 * 10 + 2 * 10 + 20


@pytest.mark.parametrize("edition, system", [c for c in CASES if c[0] in ("2023", "2024")])
def test_2022_on_equals_the_official_evaluator(results, edition, system):
    """2023's and 2024's evaluators, on standard names and on the baselines' own names and full
    development-style row names (mapped through ground_truth_attributes)."""
    ours = results[(edition, system)].table
    theirs = EXPECTED["editions"][edition]["systems"][system]
    checked = 0
    for device, facts in theirs["devices"].items():
        for section, numbers in facts["sections"].items():
            assert close(value(ours, device, section, "all", "auc"), numbers["auc_all"])
            assert close(value(ours, device, section, "source", "auc"), numbers["auc_source"])
            assert close(value(ours, device, section, "target", "auc"), numbers["auc_target"])
            assert close(value(ours, device, section, "all", "pauc"), numbers["pauc"])
            checked += 4
            for domain in ("source", "target"):
                for measure in ("precision", "recall", "f1"):
                    assert close(value(ours, device, section, domain, measure), numbers[f"{measure}_{domain}"])
                    checked += 1
        for mean, (prefix, domain) in (
            ("arithmetic_mean", ("amean", "all")),
            ("harmonic_mean", ("hmean", "all")),
            ("source_harmonic_mean", ("hmean", "source")),
            ("target_harmonic_mean", ("hmean", "target")),
        ):
            for measure in MEASURES:
                assert close(value(ours, device, "all", domain, f"{prefix}_{measure}"), facts[mean][measure]), (
                    device,
                    mean,
                    measure,
                )
                checked += 1
    for mean, (prefix, domain) in (
        ("arithmetic_mean", ("amean", "all")),
        ("harmonic_mean", ("hmean", "all")),
        ("source_harmonic_mean", ("hmean", "source")),
        ("target_harmonic_mean", ("hmean", "target")),
    ):
        for measure in MEASURES:
            assert close(value(ours, "all", "all", domain, f"{prefix}_{measure}"), theirs["overall"][mean][measure])
            checked += 1
    assert close(value(ours, "all", "all", "all", "official"), theirs["official_score"])
    assert close(value(ours, "all", "all", "all", "ci95"), theirs["official_score_ci95"])
    assert checked == 4 * 10 + 2 * 20 + 20


def test_the_command_prints_the_tables_and_ends_with_the_official_score(tmp_path):
    gt, teams = FIXTURE / "2024", TEAMS["2024"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "audio_umaps.scorer",
            str(teams / "baseline"),
            "--ground-truth",
            str(gt),
            "--compare",
            str(teams / "main"),
            "--bootstrap",
            "50",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.strip().splitlines()
    theirs = EXPECTED["editions"]["2024"]["systems"]["baseline"]["official_score"]
    assert lines[-1].startswith("official score: ") and abs(float(lines[-1].split(": ")[1]) - theirs) < 1e-6
    assert any(line.startswith("official score ci95: ") for line in lines)
    assert "harmonic mean" in done.stdout and "comparison: baseline minus main" in done.stdout
    assert {p.name for p in tmp_path.iterdir()} == {
        "scores.tsv",
        "machines.tsv",
        "files.tsv",
        "problems.tsv",
        "comparison.tsv",
        "bootstrap.tsv",
    }
    machines = tables.read("scorer_machines", tmp_path / "machines.tsv").set_index("machine")
    assert abs(machines.loc["all", "hmean"] - theirs) < 1e-6
    boot = tables.read("scorer_bootstrap", tmp_path / "bootstrap.tsv").iloc[0]
    assert abs(boot["difference"] - theirs) < 1e-6  # main's official score is 0 (an AUC of 0)
    # the 2020 line: no official score, the mean AUC and pAUC
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "audio_umaps.scorer",
            str(TEAMS["2020"] / "alt"),
            "--ground-truth",
            str(FIXTURE / "2020"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1].startswith("official score: ")
    assert "2020 has none" in done.stdout
    # no ground truth: one line saying so, exit status 2
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "audio_umaps.scorer",
            str(TEAMS["2020"] / "alt"),
            "--ground-truth",
            str(tmp_path / "nothing"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "does not exist" in done.stderr and "Traceback" not in done.stderr


def incomplete(edition, tmp_path, drop):
    """A fixture submission of ``edition`` with the rows ``drop(files)`` selects left out."""
    system = "baseline" if edition == "2024" else "alt"  # (2024: the baseline's names and rows)
    folder = tmp_path / edition
    folder.mkdir()
    for source in (TEAMS[edition] / system).iterdir():
        lines = source.read_text().splitlines()
        kept = [line for line in lines if not drop(source.name, line)]
        (folder / source.name).write_text("".join(line + "\n" for line in kept))
    truth, found = scorer.ground_truth_files(FIXTURE / edition)
    return scorer.score(folder, truth, found)


@pytest.mark.parametrize("edition", ["2020", "2021", "2023", "2024"])
def test_incomplete_input_gives_nan_and_says_what_is_missing(edition, tmp_path):
    """The evaluators refuse a submission with a missing row; here the values that need the
    file are NaN, so are the means over them and the official score, and the notes say why."""
    files = pd.read_csv(FIXTURE / "files.tsv", sep="\t", dtype={"section": str})
    column = {"2020": "file_2020", "2024": "file_full"}.get(edition, "file")
    dropped = files[(files["device"] == "fan") & (files["section"] == "01")][column].iloc[0]
    result = incomplete(
        edition,
        tmp_path,
        lambda name, line: line.split(",")[0] == dropped and name.startswith("anomaly_score") and "fan" in name,
    )
    table = result.table
    missing = table[table["value"].isna()]
    assert len(missing) and (missing["note"] != "").all()
    assert any("fan section 01" in n and "1 of" in n and "no score" in n for n in missing["note"])
    if edition == "2020":
        assert math.isnan(value(table, "fan", "all", "all", "amean_auc"))
        assert not math.isnan(value(table, "ToyCar", "all", "all", "amean_auc"))
    else:
        official = table[(table["device"] == "all") & (table["measure"] == "official")].iloc[0]
        assert math.isnan(official["value"]) and "incomplete" in official["note"]
        assert not math.isnan(value(table, "ToyCar", "all", "all", "hmean"))  # the other machine is whole
    assert any("no score for 1 of" in p for p in result.problems["problem"])


def test_a_missing_class_or_section_is_named_in_every_edition():
    base = pd.DataFrame(
        dict(
            device="fan",
            section=["00"] * 8,
            domain=["source"] * 4 + ["target"] * 4,
            label=["normal", "normal", "anomaly", "anomaly"] * 2,
            score=np.arange(8.0),
        )
    )
    only_normal_target = base[~((base["domain"] == "target") & (base["label"] == "anomaly"))]
    table = scoring.official(only_normal_target, "2021", sections={"fan": ["00", "01"]})
    assert math.isnan(value(table, "fan", "00", "target", "auc"))
    assert "fan section 00 target: no anomalous test file" in table["note"].tolist()
    assert "fan section 01: no test file (every file left out)" in table["note"].tolist()
    assert math.isnan(value(table, "all", "all", "all", "official"))
    # 2022 on: target AUC takes every anomaly of the section, so it exists; section 01 does not
    table = scoring.official(only_normal_target, "2023", sections={"fan": ["00", "01"]})
    assert value(table, "fan", "00", "target", "auc") == 0.0
    assert math.isnan(value(table, "fan", "01", "source", "auc"))
    assert math.isnan(value(table, "all", "all", "all", "official"))
    table = scoring.official(base, "2020", sections={"fan": ["00", "01"]})
    assert math.isnan(value(table, "fan", "all", "all", "amean_auc"))


def test_a_zero_auc_makes_the_harmonic_mean_0():
    # main's ToyCar section 00 target domain is perfectly inverted: an AUC of 0; the evaluators
    # print the floored harmonic means as k x 2.2e-16
    truth, edition = scorer.ground_truth_files(FIXTURE / "2023")
    ours = scorer.score(TEAMS["2023"] / "main", truth, edition).table
    assert value(ours, "ToyCar", "00", "target", "auc") == 0.0
    assert value(ours, "all", "all", "all", "official") == 0.0
    assert EXPECTED["editions"]["2023"]["systems"]["main"]["official_score"] < 1e-14
    assert scoring.hmean([0.0, 1.0]) == 0.0 and scoring.hmean([0.5, 1.0]) == pytest.approx(2 / 3)
    assert math.isnan(scoring.hmean([])) and math.isnan(scoring.hmean([0.5, np.nan]))


def test_editions_map_to_their_scoring():
    assert [scoring.layout(e) for e in ("2020", "2021", "2022", "2023", "2025", "2022-2025", None)] == [
        "2020",
        "2021",
        "2022",
        "2022",
        "2022",
        "2022",
        "2022",
    ]


def test_files_without_a_domain_give_no_official_score_and_no_error():
    files = pd.DataFrame(
        dict(
            device="fan",
            section="03",
            domain="unknown",
            label=["normal", "anomaly"] * 3,
            score=[0.1, 0.9, 0.2, 0.8, 0.3, 0.7],
        )
    )
    table = scoring.official(files, "2021")  # 2021 scores per domain: none is known
    assert math.isnan(value(table, "fan", "03", "source", "auc"))
    assert math.isnan(value(table, "all", "all", "all", "official"))
    table = scoring.official(files, "2023")  # 2022 on: neither a source nor a target AUC
    assert math.isnan(value(table, "fan", "03", "all", "pauc"))  # (no domain at all: incomplete)
    assert math.isnan(value(table, "all", "all", "all", "official"))


def test_the_paired_bootstrap_finds_a_better_system_and_not_an_equal_one():
    rng = np.random.default_rng(0)
    rows = []
    for device in ("fan", "valve"):
        for domain in ("source", "target"):
            for label in ("normal", "anomaly"):
                for i in range(40):
                    rows.append(
                        dict(
                            device=device,
                            section="00",
                            domain=domain,
                            label=label,
                            path=f"{device}_{domain}_{label}_{i}.wav",
                        )
                    )
    files = pd.DataFrame(rows)
    y = (files["label"] == "anomaly").to_numpy()
    good = files.assign(score=y * 2.0 + rng.normal(size=len(y)))
    poor = files.assign(score=y * 0.5 + rng.normal(size=len(y)))
    poor2 = files.assign(score=y * 0.5 + rng.normal(size=len(y)))
    better = scorer.paired_bootstrap(good, poor, "2023", resamples=200, seed=1)
    assert better["difference"] > 0 and better["low"] > 0 and better["p"] < 0.05
    same = scorer.paired_bootstrap(poor, poor2, "2023", resamples=200, seed=1)
    assert same["low"] < 0 < same["high"] and same["p"] > 0.05
    assert scorer.paired_bootstrap(good, poor, "2023", resamples=50, seed=1) == scorer.paired_bootstrap(
        good, poor, "2023", resamples=50, seed=1
    )


def test_the_workflows_reading_of_a_submission_equals_the_scorers():
    """The predictions stage reads submissions against the manifest's test files; the scorer
    against the ground truth: the same code, the same numbers."""
    files = pd.read_csv(FIXTURE / "files.tsv", sep="\t", dtype={"section": str})
    manifest = files.assign(dataset="fixture", edition="2021", path="/data/" + files["file"])
    table, problems = predictions.read_submission("alt", TEAMS["2021"] / "alt", manifest)
    rows = pd.DataFrame(predictions.official_rows("alt", table))
    truth, edition = scorer.ground_truth_files(FIXTURE / "2021")
    ours = scorer.score(TEAMS["2021"] / "alt", truth, edition).table
    merged = rows.merge(ours, on=["device", "section", "domain", "measure"], suffixes=("", "_scorer"))
    assert len(merged) == len(ours) - 0 and np.allclose(merged["value"], merged["value_scorer"], equal_nan=True)


def test_the_bootstraps_roc_auc_equals_scikit_learns():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    for ties in (False, True):
        for _ in range(20):
            y = rng.random(60) < 0.4
            s = rng.normal(size=60) + y
            if ties:
                s = np.round(s, 1)
            for fpr in (None, 0.1):
                assert scoring.roc_auc_fast(y, s, fpr) == pytest.approx(roc_auc_score(y, s, max_fpr=fpr), abs=1e-12)
    # and the bootstrap's terms are the official score's: unresampled, they give it
    truth, edition = scorer.ground_truth_files(FIXTURE / "2021")
    result = scorer.score(TEAMS["2021"] / "alt", truth, edition)
    files = result.files
    y = (files["label"] == "anomaly").to_numpy()
    values = []
    for strata, fpr in scorer._official_terms(files, "2021"):
        rows = np.flatnonzero(pd.MultiIndex.from_frame(files[["device", "section", "domain", "label"]]).isin(strata))
        values.append(scoring.roc_auc_fast(y[rows], files["score"].to_numpy()[rows], fpr))
    assert scoring.hmean(values) == pytest.approx(result.official, abs=1e-12)


def test_the_scorers_bad_input_gets_one_clear_line(tmp_path, capsys):
    # a 2022+ ground truth without its domain tables is not read as 2021's
    shutil.copytree(FIXTURE / "2023" / "ground_truth_data", tmp_path / "gt" / "ground_truth_data")
    assert scorer.main([str(TEAMS["2023"] / "alt"), "--ground-truth", str(tmp_path / "gt")]) == 2
    assert "no ground_truth_domain/ folder" in capsys.readouterr().err
    # named, it is read (these file names carry the domain)
    assert scorer.main([str(TEAMS["2023"] / "alt"), "--ground-truth", str(tmp_path / "gt"), "--edition", "2023"]) == 0
    theirs = EXPECTED["editions"]["2023"]["systems"]["alt"]["official_score"]
    assert abs(float(capsys.readouterr().out.strip().split("official score: ")[-1]) - theirs) < 1e-6
    # a table that is no text
    (tmp_path / "bad" / "ground_truth_data").mkdir(parents=True)
    (tmp_path / "bad" / "ground_truth_data" / "ground_truth_fan_section_00_source_test.csv").write_bytes(
        b"\xff\xdc\x00"
    )
    assert scorer.main([str(TEAMS["2021"] / "alt"), "--ground-truth", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert "ground_truth_fan_section_00_source_test.csv: not a readable CSV table" in err and "Traceback" not in err
    # a submission of another edition: every row is a problem, nothing is scored, exit status 1
    assert scorer.main([str(TEAMS["2020"] / "alt"), "--ground-truth", str(FIXTURE / "2023")]) == 1
    captured = capsys.readouterr()
    assert "no row of alt scores a test file" in captured.err and "official score: n/a" in captured.out
    # two submissions of one name compare
    shutil.copytree(TEAMS["2021"] / "alt", tmp_path / "again" / "alt")
    assert (
        scorer.main(
            [
                str(TEAMS["2021"] / "alt"),
                "--ground-truth",
                str(FIXTURE / "2021"),
                "--compare",
                str(tmp_path / "again" / "alt"),
                "--bootstrap",
                "20",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "hmean difference" in out and "alt (1)" in out


def test_the_evaluators_ci95_is_the_jackknifes_narrowed_by_n_minus_1(results):
    table = results[("2024", "baseline")].table
    n = len(results[("2024", "baseline")].files)
    ours = value(table, "all", "all", "all", "ci95")
    assert close(ours, EXPECTED["editions"]["2024"]["systems"]["baseline"]["official_score_ci95"])
    assert value(table, "all", "all", "all", "ci95_jackknife") == pytest.approx(ours * (n - 1), rel=1e-9)


def test_a_section_that_lost_some_of_its_files_has_no_complete_value():
    files = pd.DataFrame(
        dict(
            device="fan",
            section="00",
            domain=["source"] * 4 + ["target"] * 4,
            label=["normal", "normal", "anomaly", "anomaly"] * 2,
            score=np.arange(8.0),
        )
    )
    whole = scoring.official(files, "2021", sections={"fan": {"00": 8}})
    assert not math.isnan(value(whole, "all", "all", "all", "official"))
    short = scoring.official(files.iloc[1:], "2021", sections={"fan": {"00": 8}})
    assert math.isnan(value(short, "fan", "00", "target", "auc"))  # (its files are all there, but the
    assert "1 of 8 labelled test files left out" in value_note(short, "fan", "00", "target", "auc")  # section is not)
    assert math.isnan(value(short, "all", "all", "all", "official"))


def value_note(table, device, section, domain, measure):
    hit = table[
        (table["device"] == device)
        & (table["section"] == section)
        & (table["domain"] == domain)
        & (table["measure"] == measure)
    ]
    return hit["note"].iloc[0]
