"""The official DCASE scores (audio_umaps.scoring), read from submission folders
(audio_umaps.predictions), against the official evaluators' own outputs on our fixture
(tests/fixtures/dcase_official/: the evaluators were run there, unmodified; see its README)."""

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from audio_umaps import predictions, scoring

FIXTURE = Path(__file__).parent / "fixtures" / "dcase_official"
EXPECTED = json.loads((FIXTURE / "expected_summary.json").read_text())
SYSTEMS = ("main", "alt")
TEAMS = {"2020": FIXTURE / "2020" / "teams", "2021": FIXTURE / "2021" / "teams",
         "2023": FIXTURE / "2023" / "teams" / "fixture"}


def close(ours, theirs):
    """Equal to 1e-6, and for the tiny harmonic means of a zero AUC (k x machine epsilon) to a
    relative 1e-6, which a wrong count of values would break."""
    if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
        return math.isnan(ours)
    return abs(ours - theirs) <= 1e-6 and abs(ours - theirs) <= 1e-6 * max(abs(theirs), 1e-9)


def fixture_files():
    files = pd.read_csv(FIXTURE / "files.tsv", sep="\t", dtype={"section": str})
    return files


def scored(edition, system):
    """A system's submission read as the workflow reads it, and scored."""
    files = fixture_files()
    if edition == "2020":
        files = files.assign(file=files["file_2020"], domain="none")
    manifest = files.assign(dataset="fixture", edition=edition, path="/data/" + files["file"])
    table, problems = predictions.read_submission(system, TEAMS[edition] / system, manifest)
    assert problems.empty, problems.to_string()
    assert len(table) == len(files)
    has_decisions = table["decision"].notna().all()
    return scoring.official(table, edition, decision="decision" if has_decisions else None)


def value(table, device, section, domain, measure):
    hit = table[(table["device"] == device) & (table["section"] == section)
                & (table["domain"] == domain) & (table["measure"] == measure)]
    assert len(hit) == 1, (device, section, domain, measure)
    return float(hit["value"].iloc[0])


@pytest.mark.parametrize("system", SYSTEMS)
def test_2020_equals_the_official_evaluator(system):
    ours = scored("2020", system)
    theirs = EXPECTED["editions"]["2020"]["systems"][system]["devices"]
    checked = 0
    for device, facts in theirs.items():
        for section, numbers in facts["ids"].items():
            for measure in ("auc", "pauc"):
                assert close(value(ours, device, section, "all", measure), numbers[measure])
                checked += 1
        for measure in ("auc", "pauc"):
            assert close(value(ours, device, "all", "all", f"amean_{measure}"), facts["average"][measure])
            checked += 1
    assert checked == 12


@pytest.mark.parametrize("system", SYSTEMS)
def test_2021_equals_the_official_evaluator(system):
    ours = scored("2021", system)
    theirs = EXPECTED["editions"]["2021"]["systems"][system]
    checked = 0
    for device, facts in theirs["devices"].items():
        for section, domains in facts["sections"].items():
            for domain, numbers in domains.items():
                for measure in ("auc", "pauc", "precision", "recall", "f1"):
                    assert close(value(ours, device, section, domain, measure), numbers[measure]), \
                        (device, section, domain, measure)
                    checked += 1
        # (the evaluator's per-device source/target harmonic means pick rows by position and
        # cover other rows whenever machines != 2 x sections: not compared)
        for mean, prefix in (("arithmetic_mean", "amean"), ("harmonic_mean", "hmean")):
            for measure in ("auc", "pauc", "precision", "recall", "f1"):
                assert close(value(ours, device, "all", "all", f"{prefix}_{measure}"), facts[mean][measure])
                checked += 1
    for mean, prefix in (("arithmetic_mean", "amean"), ("harmonic_mean", "hmean")):
        for measure in ("auc", "pauc", "precision", "recall", "f1"):
            assert close(value(ours, "all", "all", "all", f"{prefix}_{measure}"), theirs["overall"][mean][measure])
            checked += 1
    assert close(value(ours, "all", "all", "all", "official"), theirs["official_score"])
    assert checked == 2 * 4 * 5 + 2 * 10 + 10


@pytest.mark.parametrize("system", SYSTEMS)
def test_2023_equals_the_official_evaluator(system):
    ours = scored("2023", system)
    theirs = EXPECTED["editions"]["2023"]["systems"][system]
    for device, facts in theirs["devices"].items():
        for section, numbers in facts["sections"].items():
            assert close(value(ours, device, section, "source", "auc"), numbers["auc_source"])
            assert close(value(ours, device, section, "target", "auc"), numbers["auc_target"])
            assert close(value(ours, device, section, "all", "pauc"), numbers["pauc"])
            for domain in ("source", "target"):
                for measure in ("precision", "recall", "f1"):
                    assert close(value(ours, device, section, domain, measure), numbers[f"{measure}_{domain}"])
        for mean, prefix in (("arithmetic_mean", "amean"), ("harmonic_mean", "hmean")):
            for measure in ("auc", "pauc", "precision", "recall", "f1"):
                assert close(value(ours, device, "all", "all", f"{prefix}_{measure}"), facts[mean][measure])
    for mean, prefix in (("arithmetic_mean", "amean"), ("harmonic_mean", "hmean")):
        for measure in ("auc", "pauc"):
            assert close(value(ours, "all", "all", "all", f"{prefix}_{measure}"), theirs["overall"][mean][measure])
    assert close(value(ours, "all", "all", "all", "official"), theirs["official_score"])


def test_a_zero_auc_floors_the_harmonic_mean_at_machine_epsilon():
    # main's ToyCar section 00 target domain is perfectly inverted: an AUC of 0
    ours = scored("2023", "main")
    assert value(ours, "ToyCar", "00", "target", "auc") == 0.0
    assert 0 < value(ours, "all", "all", "all", "official") < 1e-12
    assert scoring.hmean([0.0, 1.0]) == pytest.approx(2 * scoring.EPSILON, rel=1e-6)
    assert math.isnan(scoring.hmean([]))


def test_editions_map_to_their_scoring():
    assert [scoring.layout(e) for e in ("2020", "2021", "2022", "2023", "2025", None)] == \
        ["2020", "2021", "2022", "2022", "2022", "2022"]


def test_files_without_a_domain_give_no_official_score_and_no_error():
    files = pd.DataFrame(dict(device="fan", section="03", domain="unknown", label=["normal", "anomaly"] * 3,
                              score=[0.1, 0.9, 0.2, 0.8, 0.3, 0.7]))
    assert scoring.official(files, "2021").empty  # 2021 scores per domain: none is known
    table = scoring.official(files, "2023")  # 2022 on: one pAUC, but no source or target AUC
    assert value(table, "fan", "03", "all", "pauc") == 1.0
    assert math.isnan(value(table, "all", "all", "all", "official"))
    assert value(table, "fan", "all", "all", "amean_pauc") == 1.0
