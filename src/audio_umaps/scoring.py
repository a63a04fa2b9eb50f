"""The official score of each DCASE Task 2 edition, from file-level anomaly scores.

Each edition scores a system its own way (tests/fixtures/dcase_official/ holds the official
evaluators' outputs on a fixture, and ``tests/test_scoring.py`` checks these numbers equal
theirs to 1e-6):

2020 (``y-kawagu/dcase2020_task2_evaluator``)
    Per machine type and machine id (our *section*): AUC and pAUC (``max_fpr`` 0.1) of all the
    id's test files; per machine type their arithmetic mean ("Average"). There is no official
    score; over all machine types the mean AUC and mean pAUC stand in for it.
2021 (``y-kawagu/dcase2021_task2_evaluator``)
    Per machine type, section and domain: AUC and pAUC of that domain's normal files against
    that domain's anomalous files, and precision, recall and F1 of the decisions; per machine
    type and over all, the arithmetic and harmonic means of each, and harmonic means over the
    source and over the target rows; the official score is the harmonic mean of every AUC and
    pAUC of every machine type.
2022 onward (``nttcslab/dcase2023_task2_evaluator``, ``nttcslab/dcase2024_task2_evaluator``)
    Per machine type and section: the AUC of the source normal files against *all* anomalous
    files of the section, the same for the target normal files, the pAUC and AUC over both
    domains together, and per domain precision, recall and F1; means as in 2021 (the pAUC
    column's "source" and "target" harmonic means are both over all pAUCs, as the evaluators
    print them); the official score is the harmonic mean of every source AUC, target AUC and
    pAUC, and the evaluators print a "95 % confidence interval" beside it, the mean of jackknife
    half-widths of the AUC and of the pAUC of all files of all machine types pooled, whose
    standard error is N - 1 times too small (:func:`jackknife_ci95`, which gives both).

Numbers are complete or absent: a value whose files are not all there (a class missing, files
without a score or decision, a section or domain without test files) is NaN with a ``note``
saying what is missing, and so is every mean that would take it (the evaluators refuse such
input). Harmonic means are taken of values floored at machine epsilon, as the evaluators do,
so that an AUC of 0 does not make the mean undefined; where the floor decides the mean (a value
of 0 among them) it is reported as the 0 it stands for, not as k x 2.2e-16. pAUC is
scikit-learn's ``roc_auc_score(max_fpr=0.1)``: standardised (McClish), as the evaluators call it.

One deliberate difference: the 2021 evaluator's per-machine "source harmonic mean" and
"target harmonic mean" rows average its first and last ``len(machines) // 2`` rows, which are
the source and the target rows only when there are twice as many machine types as sections (as
in the real 2021 sets: 7 and 3); here they are always the source and the target rows.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from .tables import columns

MAX_FPR = 0.1
EPSILON = sys.float_info.epsilon
ALL = "all"
DOMAINS = ("source", "target")
DECISION_MEASURES = ("precision", "recall", "f1")
MEASURES = ("auc", "pauc") + DECISION_MEASURES
SCORE_COLUMNS = columns("scorer_scores")  # official's rows, the scorer's scores.tsv


def roc_auc(y: np.ndarray, s: np.ndarray, max_fpr=None) -> float:
    """ROC-AUC of scores ``s`` for ``y`` (True: anomalous), or with ``max_fpr`` the
    standardised pAUC, both scikit-learn's ``roc_auc_score``; NaN when a class is absent."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, dtype=bool)
    if y.all() or not y.any():
        return float("nan")
    return float(roc_auc_score(y, s, max_fpr=max_fpr))


def roc_auc_fast(y: np.ndarray, s: np.ndarray, max_fpr: float | None = None) -> float:
    """:func:`roc_auc` for the many calls of a jackknife or a bootstrap: scikit-learn's
    ``roc_auc_score`` (standardised pAUC with ``max_fpr``) computed the same way (ties of a
    score make one step of the ROC curve, trapezoids, McClish standardisation) without its input
    checks, which took 4 ms of a call here (a 1,000-resample bootstrap of a DCASE 2021
    development set makes 168,000 calls). Both classes must be present. Equal to
    scikit-learn's to 1e-12 (tested)."""
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last file of each distinct score
    tps = np.cumsum(y)[last]
    fps = last + 1 - tps
    tpr = np.r_[0.0, tps] / tps[-1]
    fpr = np.r_[0.0, fps] / fps[-1]
    if max_fpr is None:
        return float(np.trapezoid(tpr, fpr))
    stop = int(np.searchsorted(fpr, max_fpr, side="right"))
    tpr = np.r_[tpr[:stop], np.interp(max_fpr, fpr[stop - 1 : stop + 1], tpr[stop - 1 : stop + 1])]
    fpr = np.r_[fpr[:stop], max_fpr]
    partial = np.trapezoid(tpr, fpr)
    low, high = 0.5 * max_fpr**2, max_fpr
    return float(0.5 * (1 + (partial - low) / (high - low)))


def hmean(values) -> float:
    """Harmonic mean of ``values``, each floored at machine epsilon as the evaluators do; 0 when
    one of them is 0 (the floor would give k x 2.2e-16); NaN when one is NaN or there are none."""
    from scipy.stats import hmean as _hmean

    values = np.asarray(values, dtype=np.float64)
    if not len(values) or np.isnan(values).any():
        return float("nan")
    if (values <= EPSILON).any():
        return 0.0
    return float(_hmean(values))


def amean(values) -> float:
    """Arithmetic mean; NaN when a value is NaN or there are none."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()) if len(values) and not np.isnan(values).any() else float("nan")


def layout(edition: str | int | None) -> str:
    """Which scoring an edition uses: ``2020``, ``2021`` or ``2022`` (2022 onward, also an
    edition known only as ``2022-2025``)."""
    year = int(edition) if str(edition or "").isdigit() else 2022
    return "2020" if year <= 2020 else "2021" if year == 2021 else "2022"


def _decisions(y: np.ndarray, d: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of 0/1 decisions, each denominator floored at machine epsilon
    as the evaluators do."""
    tp = float(np.sum(y & (d == 1)))
    fp = float(np.sum(~y & (d == 1)))
    fn = float(np.sum(y & (d == 0)))
    precision = tp / max(tp + fp, EPSILON)
    recall = tp / max(tp + fn, EPSILON)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / max(precision + recall, EPSILON)}


# ---- one section -----------------------------------------------------------------------------
def _row(device, section, domain, measure, value, y, note=""):
    return dict(
        device=device,
        section=section,
        domain=domain,
        measure=measure,
        value=value,
        normal=int((~y).sum()),
        anomalous=int(y.sum()),
        note=note,
    )


def _lacks(y: np.ndarray, what: str) -> str:
    """Why an AUC of ``y`` cannot be taken ('' when it can)."""
    missing = [name for name, present in (("normal", (~y).any()), ("anomalous", y.any())) if not present]
    return f"{what}: no {' and no '.join(missing)} test file" if missing else ""


def section_rows(
    device: str, section: str, group: pd.DataFrame, scheme: str, score: str, decision: str | None
) -> list[dict]:
    """The per-section rows of one machine type's section (``group``: its labelled test files)
    as ``scheme`` scores them; values that cannot be complete are NaN with a note."""
    y = (group["label"] == "anomaly").to_numpy()
    s = group[score].to_numpy(dtype=np.float64)
    domains = group["domain"].to_numpy()
    where = f"{device} section {section}"
    rows = []

    def value(mask, what, max_fpr=None):
        """(value, note) of an AUC or pAUC over the files of ``mask``."""
        why = _lacks(y[mask], what)
        if not why and np.isnan(s[mask]).any():
            why = f"{what}: {int(np.isnan(s[mask]).sum())} of {int(mask.sum())} test files have no score"
        return (float("nan"), why) if why else (roc_auc(y[mask], s[mask], max_fpr), "")

    if scheme == "2020":
        every = np.ones(len(y), dtype=bool)
        for measure, fpr in (("auc", None), ("pauc", MAX_FPR)):
            v, note = value(every, where, fpr)
            rows.append(_row(device, section, ALL, measure, v, y, note))
        return rows
    if scheme == "2021":
        for domain in DOMAINS:
            mine = domains == domain
            for measure, fpr in (("auc", None), ("pauc", MAX_FPR)):
                v, note = value(mine, f"{where} {domain}", fpr)
                rows.append(_row(device, section, domain, measure, v, y[mine], note))
    else:
        every = np.ones(len(y), dtype=bool)
        for domain in DOMAINS:
            mine = (domains == domain) | y  # the domain's normals, every anomaly of the section
            v, note = value(mine, f"{where} {domain}", None)
            if not (~y & (domains == domain)).any():
                v, note = float("nan"), f"{where} {domain}: no normal test file"
            rows.append(_row(device, section, domain, "auc", v, y[mine], note))
        for measure, fpr in (("pauc", MAX_FPR), ("auc", None)):  # pAUC and AUC over both domains
            v, note = value(every, where, fpr)
            rows.append(_row(device, section, ALL, measure, v, y, note))
        missing = [d for d in DOMAINS if d not in set(domains)]
        if missing:  # over both domains, but one of them has no test file at all
            for r in rows:
                if r["domain"] == ALL:
                    r.update(value=float("nan"), note=f"{where}: no {' or '.join(missing)} test file")
    if decision is not None:
        d = group[decision].to_numpy(dtype=np.float64)
        for domain in DOMAINS:
            mine = domains == domain
            what = f"{where} {domain}"
            why = "" if mine.any() else f"{what}: no test file"
            if not why and np.isnan(d[mine]).any():
                why = f"{what}: {int(np.isnan(d[mine]).sum())} of {int(mine.sum())} test files have no decision"
            values = {m: float("nan") for m in DECISION_MEASURES} if why else _decisions(y[mine], d[mine].astype(int))
            rows += [_row(device, section, domain, m, v, y[mine], why) for m, v in values.items()]
    return rows


# ---- means over sections ---------------------------------------------------------------------
def _pick(table: pd.DataFrame, measure: str, domain: str | None = None) -> pd.DataFrame:
    chosen = table[table["measure"] == measure]
    return chosen if domain is None else chosen[chosen["domain"] == domain]


def _mean_row(device, measure, domain, function, parts: list[pd.DataFrame], counts) -> dict:
    """One mean of the values of ``parts`` (rows of section tables): NaN with a note naming
    what is missing when one of them is NaN."""
    values = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SCORE_COLUMNS)
    missing = values[values["value"].isna()]
    note = ""
    if len(missing):
        notes = list(dict.fromkeys(n for n in missing["note"] if n))
        note = (
            f"incomplete: {len(missing)} of {len(values)} values missing ("
            + "; ".join(notes[:4])
            + (f"; and {len(notes) - 4} more" if len(notes) > 4 else "")
            + ")"
        )
    elif values.empty:
        note = "no value to take a mean of"
    return dict(
        device=device,
        section=ALL,
        domain=domain,
        measure=measure,
        value=function(values["value"].to_numpy(dtype=np.float64)),
        **counts,
        note=note,
    )


def means(table: pd.DataFrame, scheme: str, *, device: str, counts: dict, official: str = "hmean") -> list[dict]:
    """The evaluators' means over per-section rows ``table`` (one machine type's, or every
    machine type's for ``device`` ``all``), as rows of ``device``: ``amean_<m>`` and
    ``hmean_<m>`` (domain ``all``) of each measure, ``hmean_<m>`` of the source and of the
    target rows (domains ``source``, ``target``), and ``official`` (named ``hmean`` for one
    machine type: its share of the official score); 2020: ``amean_auc`` and ``amean_pauc``."""
    if scheme == "2020":
        return [_mean_row(device, f"amean_{m}", ALL, amean, [_pick(table, m)], counts) for m in ("auc", "pauc")]
    rows = []
    for m in MEASURES:
        if not (table["measure"] == m).any():
            continue
        if m == "pauc" and scheme == "2022":
            source = target = _pick(table, "pauc", ALL)  # one pAUC per section, in both columns
        else:
            source, target = _pick(table, m, "source"), _pick(table, m, "target")
        both = [source, target]
        rows += [
            _mean_row(device, f"amean_{m}", ALL, amean, both, counts),
            _mean_row(device, f"hmean_{m}", ALL, hmean, both, counts),
            _mean_row(device, f"hmean_{m}", "source", hmean, [source], counts),
            _mean_row(device, f"hmean_{m}", "target", hmean, [target], counts),
        ]
    if scheme == "2021":
        parts = [_pick(table, "auc"), _pick(table, "pauc")]
    else:
        parts = [_pick(table, "auc", "source"), _pick(table, "auc", "target"), _pick(table, "pauc", ALL)]
    rows.append(_mean_row(device, official, ALL, hmean, parts, counts))
    return rows


def overall(rows: pd.DataFrame, edition) -> pd.DataFrame:
    """The rows over every machine type (device ``all``) from per-section rows of
    :func:`official` (e.g. of machine types scored in separate jobs): the means and, from 2021
    on, ``official``, the official score."""
    every = rows[(rows["section"] != ALL) & (rows["device"] != ALL)]
    if every.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    counts = dict(normal=0, anomalous=0)
    return pd.DataFrame(
        means(every, layout(edition), device=ALL, counts=counts, official="official"), columns=SCORE_COLUMNS
    )


def jackknife_ci95(y: np.ndarray, s: np.ndarray, max_fpr=None) -> tuple[float, float]:
    """Half-widths of a 95 % confidence interval of an AUC (or pAUC) by the jackknife (leave
    each file out once; Student's t at N - 1 degrees of freedom): ``(as the 2023-2024
    evaluators compute it, the jackknife's)``. The evaluators apply the pseudo-values' formula
    of Mesaros et al. (2019, sec. IV), sum((v_i - mean)^2) / (N (N - 1)), to the leave-one-out
    estimates themselves rather than to their pseudo-values N theta - (N - 1) theta_i, so their
    standard error is N - 1 times the jackknife's; the second number is the jackknife's."""
    from scipy.stats import t

    n = len(y)
    keep = np.ones(n, dtype=bool)
    estimates = np.empty(n)
    for i in range(n):
        keep[i] = False
        estimates[i] = roc_auc_fast(y[keep], s[keep], max_fpr)
        keep[i] = True
    spread = np.sum((estimates - estimates.mean()) ** 2)
    t_crit = abs(t.ppf(0.025, n - 1))
    return float(t_crit * np.sqrt(spread / (n * (n - 1)))), float(t_crit * np.sqrt(spread * (n - 1) / n))


def official(
    files: pd.DataFrame,
    edition,
    score: str = "score",
    decision: str | None = None,
    *,
    sections: dict | None = None,
    ci: bool = False,
    name: str = "file",
) -> pd.DataFrame:
    """The official numbers of ``edition`` for file-level scores.

    Parameters
    ----------
    files : DataFrame
        One row per test file: ``device``, ``section``, ``domain``, ``label`` (``normal`` or
        ``anomaly``; sections whose files are all unlabelled are not evaluated) and the score
        column (higher: more anomalous; NaN: the file has no score).
    edition : str or int
        The DCASE edition whose evaluation applies (2020 ... 2025, or ``2022-2025``).
    score : str
        The column holding the scores.
    decision : str, optional
        A column of 0/1 decisions (a submission's ``decision_result``; NaN: none): adds
        precision, recall and F1 per section and domain (2021 onward).
    sections : dict, optional
        ``{device: {section: labelled test files}}`` (or ``{device: sections}``) that must be
        evaluated: a section with fewer labelled test files in ``files`` (files left out: every
        one, or some) gets NaN values saying so.
    ci : bool
        Add ``ci95`` (2022 onward), the confidence interval the evaluators print, and
        ``ci95_jackknife``, the jackknife's own (:func:`jackknife_ci95`).
    name : str
        The column of the file names, which orders the pooled files of ``ci95`` as the
        evaluators read them.

    Returns
    -------
    DataFrame with columns ``SCORE_COLUMNS``:

    * per section (and domain) rows, measures ``auc``, ``pauc`` (2020 over the section, domain
      ``all``; 2021 per domain; 2022 onward ``auc`` per domain (that domain's normals against
      every anomaly of the section), and ``pauc`` and ``auc`` over both, domain ``all``), and
      with ``decision`` ``precision``, ``recall`` and ``f1`` per domain;
    * per machine type (section ``all``) and over all (device ``all``) the means of
      :func:`means`; over all, ``official`` (2021 on) and ``ci95``.
    """
    scheme = layout(edition)
    if decision is not None and decision not in files:
        decision = None
    evaluated = files[files["label"].isin(["normal", "anomaly"])]
    expected = {
        (d, s): (n if isinstance(ss, dict) else None)
        for d, ss in (sections or {}).items()
        for s, n in (ss.items() if isinstance(ss, dict) else ((s, None) for s in ss))
    }
    wanted = set(expected) | set(zip(evaluated["device"], evaluated["section"]))
    rows: list[dict] = []
    for device in sorted({d for d, _ in wanted}):
        of_device = evaluated[evaluated["device"] == device]
        device_rows = []
        for section in sorted(s for d, s in wanted if d == device):
            group = of_device[of_device["section"] == section]
            section_table = section_rows(device, section, group, scheme, score, decision)
            needed = expected.get((device, section))
            if group.empty or (needed is not None and len(group) < needed):
                # test files of the section were left out (unreadable audio, ...): no complete value
                why = (
                    f"{device} section {section}: no test file (every file left out)"
                    if group.empty
                    else f"{device} section {section}: {needed - len(group)} of {needed} labelled test files "
                    "left out (see the dataset's exclusion report)"
                )
                for r in section_table:
                    r.update(value=float("nan"), note=why)
            device_rows += section_table
        table = pd.DataFrame(device_rows, columns=SCORE_COLUMNS)
        counts = dict(
            normal=int((of_device["label"] == "normal").sum()), anomalous=int((of_device["label"] == "anomaly").sum())
        )
        rows += device_rows + means(table, scheme, device=device, counts=counts)
    table = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    every = overall(table, edition).assign(
        normal=int((evaluated["label"] == "normal").sum()), anomalous=int((evaluated["label"] == "anomaly").sum())
    )
    if ci and scheme == "2022" and len(every):
        pooled = evaluated.sort_values(["device", "section", name] if name in evaluated else ["device", "section"])
        y = (pooled["label"] == "anomaly").to_numpy()
        s = pooled[score].to_numpy(dtype=np.float64)
        complete = not np.isnan(s).any() and every.loc[every["measure"] == "official", "value"].notna().all()
        widths = (
            np.mean([jackknife_ci95(y, s), jackknife_ci95(y, s, MAX_FPR)], axis=0) if complete else (np.nan, np.nan)
        )
        notes = (
            "as the 2023-2024 evaluators compute it: N - 1 times narrower than the jackknife's",
            "the jackknife's 95 % half-width, mean of the AUC's and the pAUC's over all files pooled",
        )
        every = pd.concat(
            [
                every,
                pd.DataFrame(
                    [
                        dict(
                            device=ALL,
                            section=ALL,
                            domain=ALL,
                            measure=measure,
                            value=value,
                            normal=int((~y).sum()),
                            anomalous=int(y.sum()),
                            note=note if complete else "incomplete: the official score is missing",
                        )
                        for measure, value, note in zip(("ci95", "ci95_jackknife"), widths, notes)
                    ]
                ),
            ],
            ignore_index=True,
        )
    return pd.concat([table, every], ignore_index=True) if len(every) else table


# The per-machine table of each scheme, as DCASE results pages show a system: column -> (measure,
# domain) of the machine type's rows (over all machine types, ``hmean`` is the official score).
MACHINE_COLUMNS = {
    "2020": {"auc": ("amean_auc", ALL), "pauc": ("amean_pauc", ALL)},
    "2021": {
        "auc_source": ("hmean_auc", "source"),
        "auc_target": ("hmean_auc", "target"),
        "pauc": ("hmean_pauc", ALL),
        "hmean": ("hmean", ALL),
    },
}
MACHINE_COLUMNS["2022"] = MACHINE_COLUMNS["2021"]


def machine_table(table: pd.DataFrame, edition) -> pd.DataFrame:
    """One row per machine type and one over all (``all``) from :func:`official`'s rows, as
    DCASE results pages show a system: from 2021 on the harmonic means of the machine type's
    source AUCs, target AUCs and pAUCs and of all of them (``hmean``; over all machine types:
    the official score); 2020 the mean AUC and pAUC. ``note`` says why a number is missing."""
    columns = MACHINE_COLUMNS[layout(edition)]
    devices = [d for d in dict.fromkeys(table["device"]) if d != ALL] + [ALL]
    out = []
    for device in devices:
        row, notes = {"machine": device}, []
        for column, (measure, domain) in columns.items():
            if device == ALL and measure == "hmean":
                measure = "official"
            hit = table[
                (table["device"] == device)
                & (table["section"] == ALL)
                & (table["domain"] == domain)
                & (table["measure"] == measure)
            ]
            row[column] = float(hit["value"].iloc[0]) if len(hit) else np.nan
            notes += [n for n in hit["note"] if n]
        row["note"] = "; ".join(dict.fromkeys(notes))
        out.append(row)
    return pd.DataFrame(out, columns=["machine", *columns, "note"])
