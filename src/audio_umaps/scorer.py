"""Score any DCASE Task 2 submission against the official ground truth: no audio needed.

    audio-umaps-score SUBMISSION --ground-truth GROUND_TRUTH [--edition YEAR]
                      [--compare OTHER_SUBMISSION] [--out DIR]

``SUBMISSION`` is a folder of ``anomaly_score_*.csv`` (and ``decision_result_*.csv``) files in
any naming the official evaluators of 2020-2024 accept (:mod:`audio_umaps.predictions`, the
code the workflow's ``predictions`` stage runs); ``GROUND_TRUTH`` the folder holding the
edition's ground truth as the official evaluators lay it out (2020: ``eval_data_list.csv``;
2021: ``ground_truth_data/``; 2022 on: ``ground_truth_data/``, ``ground_truth_domain/``,
``ground_truth_attributes/``), or that folder's ``ground_truth_data/`` itself. The edition is
found from the ground truth's layout and machine types unless ``--edition`` names it.

Printed: the tables the official evaluator of the edition prints (per machine type and section,
or machine id in 2020: AUC per domain, AUC over all, pAUC, precision, recall and F1 where
decisions exist; arithmetic and harmonic means per machine type and over all; from 2022 on the
evaluators' "95 % confidence interval" and the jackknife's own), every problem of the submission
with its file and line, and last the
line ``official score: <value>`` (2020, which has none: the mean AUC and pAUC over every machine
id). Numbers are computed by :func:`audio_umaps.scoring.official`: complete or absent. With
``--compare``, each machine type's official share and the official score of both submissions,
their differences, and a paired bootstrap over files for the difference of the official scores.
``--out`` writes the tables as TSV.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import naming, predictions, scoring, tables

ALL = scoring.ALL


class ScorerError(Exception):
    """Input the scorer cannot use at all (no ground truth, no submission folder)."""


# ---- the ground truth --------------------------------------------------------------------------
def detect_edition(path: Path, truth: dict) -> str:
    """The edition a ground-truth folder is laid out for: 2020 (``eval_data_list.csv``), 2021
    (tables per domain), 2022-2025 (``ground_truth_domain/`` beside ``ground_truth_data/``), its
    year decided by the machine types and sections (:func:`audio_umaps.naming.year_of`).
    Raises :class:`ScorerError` for tables by section without domain tables."""
    tables = naming.ground_truth_tables(path)
    if any(t.name == naming.EVAL_DATA_LIST for t in tables):
        return "2020"
    if any((m := naming.GROUND_TRUTH_RE.match(t.name)) and m["domain"] for t in tables):
        return "2021"
    if not any(t.parent.name == "ground_truth_domain" for t in tables):
        raise ScorerError(
            f"{path} holds tables by section but no ground_truth_domain/ folder: give the folder "
            "that holds ground_truth_data/, ground_truth_domain/ and ground_truth_attributes/ "
            "(2022 on; 2021's tables are per domain, ground_truth_<machine>_section_<SS>_"
            "<source|target>_test.csv), or name the edition with --edition"
        )
    machines: dict[str, set] = {}
    for (device, _), facts in truth.items():
        machines.setdefault(device, set()).add(facts.get("section", "00"))
    return naming.year_of(machines)


def ground_truth_files(path, edition: str | None = None) -> tuple[pd.DataFrame, str]:
    """The test files of an official ground-truth folder as a test-file table
    (:func:`audio_umaps.predictions.read_submission` reads submissions against it): one row
    per file with ``device``, ``section``, ``domain``, ``label``, ``path`` (its evaluation file
    name), ``full_names`` (other names a submission may give it) and the ``edition``."""
    path = Path(path)
    if path.name == "ground_truth_data" and path.is_dir():
        path = path.parent
    if not path.exists():
        raise ScorerError(f"ground truth {path} does not exist")
    try:
        truth = naming.read_ground_truth(path)
    except (FileNotFoundError, ValueError) as exc:
        raise ScorerError(str(exc)) from None
    if not truth:
        raise ScorerError(
            f"no ground truth under {path}: expected eval_data_list.csv (2020), ground_truth_data/ "
            "with ground_truth_<machine>_section_<SS>[_<domain>]_test.csv tables (2021), or "
            "ground_truth_data/, ground_truth_domain/ and ground_truth_attributes/ (2022 on)"
        )
    edition = str(edition) if edition else detect_edition(path, truth)
    rows = []
    for (device, name), facts in sorted(truth.items()):
        parsed = naming.SECTION_RE.match(name) or naming.ID_RE.match(name)
        section = facts.get("section") or (parsed["section"] if parsed else "")
        domain = facts.get("domain") or (parsed.groupdict().get("domain") if parsed else None)
        if scoring.layout(edition) == "2020":
            domain = "none"
        rows.append(
            dict(
                dataset="ground truth",
                edition=edition,
                device=device,
                section=section,
                domain=(domain or "unknown").lower(),
                label=facts.get("label", "unknown"),
                path=name,
                full_names=facts.get("full_names", []),
            )
        )
    return pd.DataFrame(rows), edition


# ---- scoring -----------------------------------------------------------------------------------
@dataclass
class Result:
    """A submission read against the ground truth and scored."""

    name: str
    edition: str
    files: pd.DataFrame  # every test file with the submission's score and decision (NaN: none)
    problems: pd.DataFrame  # file, line, problem
    table: pd.DataFrame  # scoring.official's rows

    @property
    def official(self) -> float:
        return value(self.table, ALL, ALL, ALL, "official" if scoring.layout(self.edition) != "2020" else "amean_auc")


def value(table: pd.DataFrame, device, section, domain, measure) -> float:
    hit = table[
        (table["device"] == device)
        & (table["section"] == section)
        & (table["domain"] == domain)
        & (table["measure"] == measure)
    ]
    return float(hit["value"].iloc[0]) if len(hit) else float("nan")


def score(submission, truth: pd.DataFrame, edition: str, *, ci: bool = True) -> Result:
    """Read ``submission`` against the test files ``truth`` (:func:`ground_truth_files`) and
    score it as ``edition``'s evaluator does."""
    folder = Path(submission)
    if not folder.is_dir():
        raise ScorerError(f"submission folder {folder} does not exist (or is no folder)")
    files, problems = predictions.read_submission(folder.name, folder, truth)
    if files.empty:
        files = truth.assign(score=np.nan, decision=pd.array([pd.NA] * len(truth), dtype="Int64"), file=truth["path"])
    decision = "decision" if files["decision"].notna().any() else None
    table = scoring.official(
        files.assign(decision=files["decision"].astype("float64")), edition, score="score", decision=decision, ci=ci
    )
    return Result(folder.name, edition, files, problems, table)


# ---- comparing two submissions -----------------------------------------------------------------
def _official_terms(files: pd.DataFrame, scheme: str) -> list[tuple[list, float | None]]:
    """The AUCs and pAUCs the official score (2020: the mean AUC) is made of, each as the
    strata (machine type, section, domain, label) of the files it takes and its ``max_fpr``."""
    strata = sorted(files.groupby(["device", "section", "domain", "label"]).groups)
    terms = []
    for device, section in sorted({k[:2] for k in strata}):
        mine = [k for k in strata if k[:2] == (device, section)]
        if scheme == "2020":
            terms.append((mine, None))
        elif scheme == "2021":
            for domain in scoring.DOMAINS:
                part = [k for k in mine if k[2] == domain]
                terms += [(part, None), (part, scoring.MAX_FPR)]
        else:
            for domain in scoring.DOMAINS:
                terms.append(([k for k in mine if k[2] == domain or k[3] == "anomaly"], None))
            terms.append((mine, scoring.MAX_FPR))
    return terms


def paired_bootstrap(a: pd.DataFrame, b: pd.DataFrame, edition, *, resamples: int = 1000, seed: int = 0) -> dict:
    """The difference of two submissions' official scores (``a`` minus ``b``; 2020: of the
    mean AUC) and its paired bootstrap over files: ``resamples`` draws of the test files with
    replacement, within each machine type, section, domain and label (so that every AUC of the
    official score keeps its classes), each scored for both submissions; returns the difference,
    the 2.5 and 97.5 percentiles of the resampled differences and the two-sided p-value of no
    difference (twice the smaller share of resampled differences on either side of 0, ties
    counted on both)."""
    keys = ["device", "section", "domain", "label", "path"]
    both = a[keys + ["score"]].merge(b[keys + ["score"]], on=keys, suffixes=("_a", "_b"))
    both = both[both["label"].isin(["normal", "anomaly"])].reset_index(drop=True)
    scheme = scoring.layout(edition)
    measure = "official" if scheme != "2020" else "amean_auc"

    def official(column):
        return value(scoring.official(both.rename(columns={column: "s"}), edition, score="s"), ALL, ALL, ALL, measure)

    observed = official("score_a") - official("score_b")
    if np.isnan(observed):
        return dict(
            difference=observed,
            low=np.nan,
            high=np.nan,
            p=np.nan,
            resamples=0,
            note="an official score is missing: no bootstrap",
        )
    groups = both.groupby(["device", "section", "domain", "label"]).groups
    terms = _official_terms(both, scheme)
    y = (both["label"] == "anomaly").to_numpy()
    scores = both[["score_a", "score_b"]].to_numpy(dtype=np.float64)
    combine = scoring.amean if scheme == "2020" else scoring.hmean
    rng = np.random.default_rng(seed)
    draws = np.empty(resamples)
    zeros = np.zeros(resamples, dtype=bool)  # a side's official score was 0
    for i in range(resamples):
        drawn = {k: rng.choice(rows.to_numpy(), size=len(rows), replace=True) for k, rows in groups.items()}
        sides = []
        for side in (0, 1):
            values = []
            for strata, fpr in terms:
                rows = np.concatenate([drawn[k] for k in strata])
                values.append(scoring.roc_auc_fast(y[rows], scores[rows, side], fpr))
            sides.append(combine(values))
        draws[i] = sides[0] - sides[1]
        zeros[i] = min(sides) == 0.0
    p = min(1.0, 2 * min((draws <= 0).mean(), (draws >= 0).mean()))
    low, high = np.percentile(draws, [2.5, 97.5])
    zero = float(np.mean(zeros))
    note = (
        f"in {zero:.0%} of the resamples an official score was 0 (an AUC of 0 among its values): "
        "the interval and p mean little"
        if zero >= 0.05
        else ""
    )
    return dict(difference=observed, low=float(low), high=float(high), p=float(p), resamples=resamples, note=note)


def comparison_table(first: Result, second: Result) -> pd.DataFrame:
    """Each machine type's numbers of :func:`audio_umaps.scoring.machine_table` for both submissions and their
    differences (first minus second)."""
    a, b = scoring.machine_table(first.table, first.edition), scoring.machine_table(second.table, second.edition)
    names = (first.name, second.name) if first.name != second.name else (f"{first.name} (1)", f"{second.name} (2)")
    joined = a.drop(columns="note").merge(
        b.drop(columns="note"), on="machine", how="left", suffixes=tuple(f" {n}" for n in names)
    )
    for column in scoring.MACHINE_COLUMNS[scoring.layout(first.edition)]:
        joined[f"{column} difference"] = joined[f"{column} {names[0]}"] - joined[f"{column} {names[1]}"]
    return joined


# ---- printing ----------------------------------------------------------------------------------
def _fmt(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.6f}"


def _lines(frame: pd.DataFrame) -> list[str]:
    text = frame.map(lambda v: _fmt(v) if isinstance(v, float) else str(v))
    widths = [max(len(str(c)), *(len(v) for v in text[c])) for c in text.columns]
    header = "  ".join(str(c).ljust(w) for c, w in zip(text.columns, widths))
    return [header.rstrip()] + [
        "  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in text.itertuples(index=False)
    ]


MEAN_ROWS = [
    ("arithmetic mean", "amean", ALL),
    ("harmonic mean", "hmean", ALL),
    ("source harmonic mean", "hmean", "source"),
    ("target harmonic mean", "hmean", "target"),
]


def evaluator_tables(result: Result) -> list[str]:
    """The tables the edition's official evaluator prints, as text lines."""
    table, scheme = result.table, scoring.layout(result.edition)
    measures = [m for m in scoring.MEASURES if (table["measure"] == m).any()]
    names = {"auc": "AUC", "pauc": "pAUC", "precision": "precision", "recall": "recall", "f1": "F1 score"}
    lines = []
    for device in [d for d in dict.fromkeys(table["device"]) if d != ALL]:
        mine = table[table["device"] == device]
        sections = sorted(s for s in mine["section"].unique() if s != ALL)
        lines += ["", device]
        if scheme == "2020":
            rows = [
                {"id": s, "AUC": value(mine, device, s, ALL, "auc"), "pAUC": value(mine, device, s, ALL, "pauc")}
                for s in sections
            ]
            rows.append(
                {
                    "id": "Average",
                    "AUC": value(mine, device, ALL, ALL, "amean_auc"),
                    "pAUC": value(mine, device, ALL, ALL, "amean_pauc"),
                }
            )
            lines += _lines(pd.DataFrame(rows))
            continue
        if scheme == "2021":
            rows = [
                {"section": s, "domain": d, **{names[m]: value(mine, device, s, d, m) for m in measures}}
                for d in scoring.DOMAINS
                for s in sections
            ]
        else:
            rows = []
            for s in sections:
                row = {
                    "section": s,
                    "AUC (all)": value(mine, device, s, ALL, "auc"),
                    "AUC (source)": value(mine, device, s, "source", "auc"),
                    "AUC (target)": value(mine, device, s, "target", "auc"),
                    "pAUC": value(mine, device, s, ALL, "pauc"),
                }
                for m in measures[2:]:
                    for d in scoring.DOMAINS:
                        row[f"{names[m]} ({d})"] = value(mine, device, s, d, m)
                rows.append(row)
        lines += _lines(pd.DataFrame(rows))
        lines += _lines(
            pd.DataFrame(
                [
                    {"": label, **{names[m]: value(mine, device, ALL, d, f"{p}_{m}") for m in measures}}
                    for label, p, d in MEAN_ROWS
                ]
            )
        )
    lines.append("")
    if scheme == "2020":
        lines += _lines(
            pd.DataFrame(
                [
                    {
                        "over all machine types and ids": "arithmetic mean",
                        "AUC": value(table, ALL, ALL, ALL, "amean_auc"),
                        "pAUC": value(table, ALL, ALL, ALL, "amean_pauc"),
                    }
                ]
            )
        )
    else:
        lines += _lines(
            pd.DataFrame(
                [
                    {
                        "over all machine types, sections and domains": label,
                        **{names[m]: value(table, ALL, ALL, d, f"{p}_{m}") for m in measures},
                    }
                    for label, p, d in MEAN_ROWS
                ]
            )
        )
        if scheme == "2022" and (table["measure"] == "ci95").any():
            lines.append(
                f"official score ci95: {_fmt(value(table, ALL, ALL, ALL, 'ci95'))} (as the 2023-2024 "
                "evaluators print it; its standard error is N - 1 times too small)"
            )
            lines.append(
                f"jackknife 95 % half-width (mean of AUC's and pAUC's, all files pooled): "
                f"{_fmt(value(table, ALL, ALL, ALL, 'ci95_jackknife'))}"
            )
    return lines


def notes(result: Result) -> list[str]:
    """Why numbers are missing, once each."""
    missing = result.table[result.table["value"].isna()]
    said = list(dict.fromkeys(n for n in missing["note"] if n and not n.startswith("incomplete")))
    return [f"  {n}" for n in said]


def official_line(result: Result) -> str:
    table = result.table
    if scoring.layout(result.edition) == "2020":
        return (
            f"official score: {_fmt(value(table, ALL, ALL, ALL, 'amean_auc'))} "
            f"{_fmt(value(table, ALL, ALL, ALL, 'amean_pauc'))} (2020 has none: mean AUC and mean "
            "pAUC over every machine id)"
        )
    return f"official score: {_fmt(result.official)}"


def write_tables(out: Path, result: Result, compared: Result | None = None, bootstrap: dict | None = None):
    """``scores.tsv`` (every number: scoring.official's rows), ``machines.tsv`` (a row per
    machine type and over all), ``files.tsv`` (each test file's score and decision),
    ``problems.tsv``; with a comparison, ``comparison.tsv`` and ``bootstrap.tsv``."""
    out.mkdir(parents=True, exist_ok=True)
    tables.write("scorer_scores", result.table, out / "scores.tsv")
    tables.write("scorer_machines", scoring.machine_table(result.table, result.edition), out / "machines.tsv")
    tables.write("prediction_files", result.files.drop(columns=["full_names"], errors="ignore"), out / "files.tsv")
    tables.write("problems", result.problems, out / "problems.tsv")
    if compared is not None:
        tables.write("scorer_comparison", comparison_table(result, compared), out / "comparison.tsv")
        tables.write(
            "scorer_bootstrap",
            pd.DataFrame([dict(first=result.name, second=compared.name, **bootstrap)]),
            out / "bootstrap.tsv",
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="audio-umaps-score",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("submission", help="folder of anomaly_score_*.csv (and decision_result_*.csv) files")
    parser.add_argument(
        "--ground-truth",
        required=True,
        help="folder of the edition's official ground truth (2020: the folder of eval_data_list.csv)",
    )
    parser.add_argument(
        "--edition", choices=naming.EDITIONS, help="the DCASE edition (default: found from the ground truth)"
    )
    parser.add_argument("--compare", metavar="OTHER_SUBMISSION", help="a second submission to compare with")
    parser.add_argument("--bootstrap", type=int, default=1000, help="resamples of the paired bootstrap (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the paired bootstrap (default 0)")
    parser.add_argument("--out", metavar="DIR", help="write the tables as TSV files into DIR")
    args = parser.parse_args(argv)
    try:
        truth, edition = ground_truth_files(args.ground_truth, args.edition)
        result = score(args.submission, truth, edition)
        other = score(args.compare, truth, edition) if args.compare else None
    except ScorerError as exc:
        print(f"audio-umaps-score: {exc}", file=sys.stderr)
        return 2
    print(
        f"{result.name}: DCASE {edition} evaluation, {len(truth)} test files of "
        f"{truth['device'].nunique()} machine types ({args.ground_truth})"
    )
    for r in [result] + ([other] if other else []):
        for row in r.problems.itertuples(index=False):
            print(f"problem: {row.file}{f':{row.line}' if row.line else ''}: {row.problem}")
    lines = evaluator_tables(result)
    missing = notes(result)
    if missing:
        lines += ["", "missing values:"] + missing
    bootstrap = None
    if other is not None:
        bootstrap = paired_bootstrap(result.files, other.files, edition, resamples=args.bootstrap, seed=args.seed)
        lines += ["", f"comparison: {result.name} minus {other.name}"]
        lines += _lines(comparison_table(result, other))
        lines.append(
            f"paired bootstrap over files ({bootstrap['resamples']} resamples within machine "
            f"type, section, domain and label; seed {args.seed}): difference "
            f"{_fmt(bootstrap['difference'])}, 95 % interval [{_fmt(bootstrap['low'])}, "
            f"{_fmt(bootstrap['high'])}], p = {_fmt(bootstrap['p'])}"
            + (f" ({bootstrap['note']})" if bootstrap["note"] else "")
        )
    lines += ["", official_line(result)]
    print("\n".join(lines))
    if args.out:
        write_tables(Path(args.out), result, other, bootstrap)
    for r in [result] + ([other] if other else []):
        if r.files["score"].isna().all():
            print(
                f"audio-umaps-score: no row of {r.name} scores a test file of the ground truth "
                f"(the problems above say why; is it a submission of DCASE {edition}?)",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
