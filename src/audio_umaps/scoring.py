"""The official score of each DCASE Task 2 edition, from file-level anomaly scores.

Each edition scores a system its own way (tests/fixtures/dcase_official/ holds the official
evaluators' outputs on a fixture, and ``tests/test_scoring.py`` checks these numbers equal
theirs to 1e-6):

2020 (the task's baseline, ``01_test.py``)
    Per machine type and machine id (our *section*): AUC and pAUC (``max_fpr`` 0.1) of all the
    id's test files; per machine type their arithmetic mean.
2021 (``y-kawagu/dcase2021_task2_evaluator``)
    Per machine type, section and domain: AUC and pAUC of that domain's normal files against
    that domain's anomalous files; per machine type the arithmetic and harmonic means of the
    AUCs and of the pAUCs over its sections and domains.
2022 onward (``nttcslab/dcase2023_task2_evaluator``)
    Per machine type and section: the AUC of the source normal files against *all* anomalous
    files of the section, the same for the target normal files, and the pAUC over both domains
    together; per machine type the harmonic mean of all those AUCs and pAUCs (and the arithmetic
    mean beside it).

Harmonic means are taken of values floored at machine epsilon (``sys.float_info.epsilon``), as
the evaluators do, so an AUC of 0 does not make the mean undefined. pAUC is scikit-learn's
``roc_auc_score(max_fpr=0.1)``: standardised (McClish), as the evaluators call it.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

MAX_FPR = 0.1
EPSILON = sys.float_info.epsilon
SCORE_COLUMNS = ["device", "section", "domain", "measure", "value", "normal", "anomalous"]


def roc_auc(y: np.ndarray, s: np.ndarray, max_fpr=None) -> float:
    """ROC-AUC of scores ``s`` for ``y`` (True: anomalous), or with ``max_fpr`` the
    standardised pAUC, both scikit-learn's ``roc_auc_score``; NaN when a class is absent."""
    from sklearn.metrics import roc_auc_score

    if y.all() or not y.any():
        return float("nan")
    return float(roc_auc_score(y, s, max_fpr=max_fpr))


def hmean(values) -> float:
    """Harmonic mean of ``values`` floored at machine epsilon, NaN ones left out."""
    from scipy.stats import hmean as _hmean

    values = np.asarray([v for v in values if not np.isnan(v)], dtype=np.float64)
    return float(_hmean(np.maximum(values, EPSILON))) if len(values) else float("nan")


def amean(values) -> float:
    values = np.asarray([v for v in values if not np.isnan(v)], dtype=np.float64)
    return float(values.mean()) if len(values) else float("nan")


def layout(edition: str | int | None) -> str:
    """Which scoring an edition uses: ``2020``, ``2021`` or ``2022`` (2022 onward)."""
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
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / max(precision + recall, EPSILON)}


def _means(table: pd.DataFrame, scheme: str) -> dict[str, float]:
    """The evaluators' means over a device's (or every device's) rows."""
    values = {m: table.loc[table["measure"] == m, "value"].to_numpy() for m in table["measure"].unique()}
    aucs, paucs = values.get("auc", np.empty(0)), values.get("pauc", np.empty(0))
    means = {"amean_auc": amean(aucs), "amean_pauc": amean(paucs)}
    if scheme != "2020":
        # 2022 on, a section without source or target normals (domains unknown) lacks an AUC:
        # a harmonic mean of the rest would pass for the official score, so there is none
        complete = scheme == "2021" or len(aucs) == 2 * len(paucs)
        means.update(hmean_auc=hmean(aucs), hmean_pauc=hmean(paucs),
                     hmean=hmean(np.r_[aucs, paucs]) if complete else float("nan"))
        for measure in ("precision", "recall", "f1"):
            if measure in values:
                means.update({f"amean_{measure}": amean(values[measure]),
                              f"hmean_{measure}": hmean(values[measure])})
    return means


def overall(rows: pd.DataFrame, edition) -> pd.DataFrame:
    """The rows over every device (device ``all``) from per-section rows of :func:`official`
    (e.g. of devices scored in separate jobs): the means and, from 2021 on, the official
    score."""
    scheme = layout(edition)
    every = rows[rows["section"] != "all"]
    if every.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    means = _means(every, scheme)
    if "hmean" in means:
        means["official"] = means.pop("hmean")
    return pd.DataFrame([dict(device="all", section="all", domain="all", measure=m, value=v,
                              normal=0, anomalous=0) for m, v in means.items()], columns=SCORE_COLUMNS)


def official(files: pd.DataFrame, edition, score: str = "score", decision: str | None = None) -> pd.DataFrame:
    """The official numbers of ``edition`` for file-level scores.

    Parameters
    ----------
    files : DataFrame
        One row per test file: ``device``, ``section``, ``domain``, ``label`` (``normal`` or
        ``anomaly``; others are left out) and the score column (higher: more anomalous).
    edition : str or int
        The DCASE edition whose evaluation applies (2020 ... 2025).
    score : str
        The column holding the scores.
    decision : str, optional
        A column of 0/1 decisions (a submission's ``decision_result``): adds precision, recall
        and F1 per section and domain (2021 onward), from the files that have one.

    Returns
    -------
    DataFrame with columns ``SCORE_COLUMNS``:

    * per section (and domain) rows, measure ``auc`` or ``pauc``: 2020 over the section
      (domain ``all``); 2021 per domain; 2022 onward ``auc`` per domain (that domain's normals
      against every anomaly of the section) and ``pauc`` over both (domain ``all``); with
      ``decision``, ``precision``, ``recall`` and ``f1`` per domain;
    * per device rows (section ``all``): ``amean_auc``, ``amean_pauc`` (2020: the evaluator's
      "Average"), and from 2021 on ``hmean_auc``, ``hmean_pauc`` and ``hmean``, the harmonic
      mean of every AUC and pAUC of the device (its share of the official score), and the
      means of the decision measures;
    * the same over every device (device ``all``), with ``official``: the official score
      (2021 onward; the harmonic mean of every AUC and pAUC of every device and section).
    """
    scheme = layout(edition)
    files = files[files["label"].isin(["normal", "anomaly"])]
    rows: list[dict] = []
    for device, of_device in files.groupby("device", sort=True):
        device_rows = []
        for section, group in of_device.groupby("section", sort=True):
            y = (group["label"] == "anomaly").to_numpy()
            s = group[score].to_numpy(dtype=np.float64)
            domains = group["domain"].to_numpy()
            parts = []
            if scheme == "2020":
                parts = [("all", "auc", y, s, None), ("all", "pauc", y, s, MAX_FPR)]
            elif scheme == "2021":
                for domain in sorted(set(domains) - {"unknown", "none"}):
                    mine = domains == domain
                    parts += [(domain, "auc", y[mine], s[mine], None),
                              (domain, "pauc", y[mine], s[mine], MAX_FPR)]
            else:
                for domain in ("source", "target"):
                    mine = (domains == domain) | y  # the domain's normals, every anomaly
                    if (mine & ~y).any():
                        parts.append((domain, "auc", y[mine], s[mine], None))
                parts.append(("all", "pauc", y, s, MAX_FPR))
            for domain, measure, yy, ss, fpr in parts:
                device_rows.append(dict(device=device, section=section, domain=domain, measure=measure,
                                        value=roc_auc(yy, ss, fpr), normal=int((~yy).sum()),
                                        anomalous=int(yy.sum())))
            if decision is not None and scheme != "2020":
                for domain in sorted(set(domains) - {"unknown", "none"}):
                    mine = (domains == domain) & group[decision].notna().to_numpy()
                    if mine.any():
                        d = group[decision].to_numpy()[mine].astype(int)
                        for measure, value in _decisions(y[mine], d).items():
                            device_rows.append(dict(device=device, section=section, domain=domain,
                                                    measure=measure, value=value,
                                                    normal=int((~y[mine]).sum()),
                                                    anomalous=int(y[mine].sum())))
        if not device_rows:  # e.g. 2021 files whose domain is unknown: no official row
            continue
        table = pd.DataFrame(device_rows, columns=SCORE_COLUMNS)
        counts = dict(normal=int((of_device["label"] == "normal").sum()),
                      anomalous=int((of_device["label"] == "anomaly").sum()))
        rows += device_rows
        rows += [dict(device=device, section="all", domain="all", measure=m, value=v, **counts)
                 for m, v in _means(table, scheme).items()]
    table = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    every = overall(table, edition).assign(normal=int((files["label"] == "normal").sum()),
                                           anomalous=int((files["label"] == "anomaly").sum()))
    return pd.concat([table, every], ignore_index=True) if len(every) else table
