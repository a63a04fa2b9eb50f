"""A system's own predictions: DCASE Task 2 submission files, read, checked and joined to the
test files they score.

A submission folder holds, per machine type and section, ``anomaly_score_<machine>_section_<SS>
[_test].csv`` (2021 also per domain, ``..._section_<SS>_<source|target>_test.csv``; 2020:
``..._id_<id>.csv``) with rows ``<file name>,<anomaly score>``, and optionally
``decision_result_<same>.csv`` with rows ``<file name>,<0 or 1>``. The names the DCASE 2023 and
2024 baselines write are read too: a ``DCASE<year>T2`` prefix before the machine and any tail
after the section (``anomaly_score_DCASE2024T2fan_section_00_test_seed13711_id(0_)_Eval.csv``),
and rows naming a file by its full development-style name, which the ground truth's attributes
tables map to its evaluation name (as the 2023-2024 evaluators map them). Every problem is
reported with its file and line (unknown files, rows for files that are no test file of that
machine and section, duplicate or missing rows, scores that are not numbers, decisions that are
not 0 or 1) and the rest is used: one bad row or file never loses the others.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd

from .tables import columns

SUBMISSION_RE = re.compile(
    r"^(?P<kind>anomaly_score|decision_result)_(?:DCASE\d{4}T2)?(?P<device>.+?)_(?:section|id)_(?P<section>\d+)"
    r"(?:_(?P<tail>.+))?\.csv$"
)
FILE_COLUMNS = columns("prediction_files")
PROBLEM_COLUMNS = columns("problems")


def submission_files(folder: str | Path) -> list[str]:
    """The CSV files of a submission folder (sorted; other files are not read)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.as_posix() for p in folder.iterdir() if p.suffix.lower() == ".csv")


def read_submission(
    system: str, folder: str | Path, test_files: pd.DataFrame, *, csv_files=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a submission folder against the test files it should score.

    Parameters
    ----------
    system : str
        The system's name (config key ``predictions.<system>``), for messages.
    folder : str or Path
        The submission folder.
    test_files : DataFrame
        Manifest rows of the test files of the run's DCASE datasets (``dataset``, ``edition``,
        ``device``, ``section``, ``domain``, ``label``, ``path``; optionally ``full_names``, the
        other names a row may give a file, see :func:`with_full_names`).
    csv_files : list of str, optional
        The folder's CSV files (default: :func:`submission_files`).

    Returns
    -------
    files : DataFrame
        One row per test file of each dataset the submission scores (``FILE_COLUMNS``;
        ``score`` is NaN and ``decision`` empty where no row gives one: the official scores
        then say what is missing).
    problems : DataFrame
        One row per problem (``PROBLEM_COLUMNS``): the file, the line (0 for the whole file)
        and what is wrong and what to do.
    """
    problems: list[list] = []

    def problem(file, line, text):
        problems.append([system, str(file), int(line), text])

    folder = Path(folder)
    if not folder.is_dir():
        problem(folder, 0, f"folder does not exist: fix config key 'predictions.{system}' or remove it")
        return pd.DataFrame(columns=FILE_COLUMNS), pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    test_files = test_files.assign(file=test_files["path"].map(lambda p: Path(p).name))
    aliases: dict[tuple, str] = {}  # (device, section, full name) -> evaluation file name
    if "full_names" in test_files:
        for device, section, file, names in zip(
            test_files["device"], test_files["section"], test_files["file"], test_files["full_names"]
        ):
            for name in names if isinstance(names, (list, tuple)) else ():
                aliases[(device, section, name)] = file
    by_key: dict[tuple, dict[str, pd.DataFrame]] = {}  # (device, section) -> {dataset: its test files}
    for (device, section, dataset), group in test_files.groupby(["device", "section", "dataset"], sort=True):
        by_key.setdefault((device, section), {})[dataset] = group
    editions = dict(zip(test_files["dataset"], test_files["edition"]))
    scores: dict[tuple, dict[str, float]] = {}  # (dataset, device, section) -> {file: score}
    decisions: dict[tuple, dict[str, int]] = {}
    declared = list(csv_files) if csv_files is not None else submission_files(folder)
    for path in sorted(set(submission_files(folder)) - set(declared)):
        problem(path, 0, "file name holds '{' or '}', which Snakemake reads as a wildcard: rename it to use it")
    for path in declared:
        name = Path(path).name
        m = SUBMISSION_RE.match(name)
        if not m:
            problem(
                path,
                0,
                "not a submission file name (anomaly_score_<machine>_section_<SS>_test.csv "
                "or decision_result_<machine>_section_<SS>_test.csv): ignored",
            )
            continue
        if (m["device"], m["section"]) not in by_key:
            known = ", ".join(f"{d} section {s}" for d, s in sorted(by_key)) or "none"
            problem(
                path,
                0,
                f"no test files of machine '{m['device']}' section {m['section']} in the "
                f"run's datasets or ground truth (test files exist for: {known}): ignored",
            )
            continue
        rows = list(_rows(path, problem))
        domain = (m["tail"] or "").split("_")[0]  # 2021 files: one per domain (..._source_test.csv)
        candidates = {
            d: g[g["domain"] == domain] if domain in ("source", "target") else g
            for d, g in by_key[(m["device"], m["section"])].items()
        }

        def name_of(field, key=(m["device"], m["section"])):
            name = Path(field.strip()).name
            return aliases.get((*key, name), name)

        named = {name_of(row[0]) for _, row in rows}
        matches = {d: len(named & set(g["file"])) for d, g in candidates.items()}
        dataset = max(matches, key=lambda d: (matches[d], d == min(matches)))  # most rows; ties: first
        if len(candidates) > 1:
            tied = sorted(d for d, n in matches.items() if n == matches[dataset] and d != dataset)
            if tied:
                problem(
                    path,
                    0,
                    f"its rows name test files of datasets {', '.join([dataset, *tied])} "
                    f"alike: scored against '{dataset}' only",
                )
        key = (dataset, m["device"], m["section"])
        where = f"{key[1]} section {key[2]}" + (f" of dataset '{dataset}'" if len(candidates) > 1 else "")
        expected = set(candidates[dataset]["file"])
        target = scores if m["kind"] == "anomaly_score" else decisions
        seen = target.setdefault(key, {})
        before, elsewhere = set(seen), []
        for lineno, row in rows:
            if len(row) < 2:
                problem(path, lineno, f"expected '<file name>,<value>', got {','.join(row)!r}")
                continue
            file, value = name_of(row[0]), row[1].strip()
            if file not in expected:
                problem(path, lineno, f"'{file}' is no test file of {where}: row ignored")
                continue
            if file in seen:
                if file in before:
                    elsewhere.append(file)
                else:
                    problem(path, lineno, f"second row for '{file}': the first one is kept")
                continue
            if m["kind"] == "anomaly_score":
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number):
                    problem(path, lineno, f"score {value!r} of '{file}' is not a finite number: row ignored")
                    continue
                seen[file] = number
            else:
                if value not in ("0", "1"):
                    problem(path, lineno, f"decision {value!r} of '{file}' is not 0 or 1: row ignored")
                    continue
                seen[file] = int(value)
        if elsewhere:
            problem(
                path,
                0,
                f"'{elsewhere[0]}' and {len(elsewhere) - 1} more file(s) are scored by "
                "another file of the folder too: that file's rows are kept",
            )
        missing = sorted(expected - set(seen))
        if missing:
            what = "score" if m["kind"] == "anomaly_score" else "decision"
            problem(
                path,
                0,
                f"no {what} for {len(missing)} of the {len(expected)} test files of "
                f"{where}, e.g. '{missing[0]}'; they are left out",
            )
    covered = {dataset for dataset, _, _ in scores}
    for (device, section), groups in sorted(by_key.items()):
        for dataset, group in groups.items():
            if dataset in covered and (dataset, device, section) not in scores:
                kind = "id" if str(editions.get(dataset)) == "2020" else "section"
                tail = "" if kind == "id" else "_test"
                problem(
                    folder,
                    0,
                    f"no anomaly_score_{device}_{kind}_{section}{tail}.csv: the "
                    f"{len(group)} test files of {device} section {section} have no score"
                    + (f" (dataset '{dataset}')" if len(groups) > 1 else ""),
                )
    for dataset in sorted(set(editions) - covered):
        problem(folder, 0, f"no file scores a test file of dataset '{dataset}': it is not evaluated")
    rows = []
    for (device, section), groups in sorted(by_key.items()):
        for dataset, group in sorted(groups.items()):
            if dataset not in covered:
                continue
            key = (dataset, device, section)
            rows.append(
                group.assign(
                    score=group["file"].map(scores.get(key, {})).astype("float64"),
                    decision=group["file"].map(decisions.get(key, {})).astype("Int64"),
                )
            )
    files = pd.concat(rows, ignore_index=True)[FILE_COLUMNS] if rows else pd.DataFrame(columns=FILE_COLUMNS)
    if not scores:
        problem(folder, 0, "no anomaly_score_*.csv file with a usable row: the system is not evaluated")
    return files, pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def with_full_names(test_files: pd.DataFrame, ground_truths: dict) -> pd.DataFrame:
    """``test_files`` with ``full_names``: the full development-style names the attributes
    tables of each dataset's ground truth (``{dataset: path}``) give its evaluation files, which
    a submission's rows may use (:func:`read_submission`)."""
    from .naming import read_ground_truth

    names: dict[tuple, list] = {}
    for dataset, path in ground_truths.items():
        for (device, file), facts in read_ground_truth(path).items():
            if facts.get("full_names"):
                names[(dataset, device, file)] = facts["full_names"]
    keys = zip(test_files["dataset"], test_files["device"], test_files["path"].map(lambda p: Path(p).name))
    return test_files.assign(full_names=[names.get(k, []) for k in keys])


def _rows(path, problem):
    """``(line number, fields)`` of a CSV file's non-empty rows; an unreadable file is a
    problem, not an error."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:  # (a BOM is not a name)
            for lineno, row in enumerate(csv.reader(handle), start=1):
                if row and any(field.strip() for field in row):
                    yield lineno, row
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problem(path, 0, f"cannot be read ({exc}): ignored")


def official_rows(system: str, files: pd.DataFrame, sections: dict | None = None) -> pd.DataFrame:
    """The official DCASE score of a system's file scores (and decisions, where it gave
    them), per dataset and over every device: tidy rows with space ``system`` and method the
    system's name. ``sections`` (:meth:`audio_umaps.plan.Plan.evaluated_files`) names the
    labelled test files each dataset's sections had before any was left out: a section that
    lost some has no complete value (its rows say so)."""
    from .metrics import TIDY_COLUMNS
    from .metrics import official_rows as rows_of

    decision = "decision" if files["decision"].notna().any() else None
    covered = {d: v for d, v in (sections or {}).items() if d in set(files["dataset"])}
    rows = rows_of(
        files,
        dict(zip(files["dataset"], files["edition"])),
        space="system",
        method=system,
        score="score",
        decision=decision,
        overall=True,
        sections=covered,
    )
    return pd.DataFrame(rows, columns=TIDY_COLUMNS).assign(representation="", stack="")
