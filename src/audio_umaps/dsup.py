"""DSUP, discriminative support: how well each test window's anomaly score (kNN distance or LOF
against its section's training windows, :mod:`audio_umaps.detector`) tells anomalous from normal
windows and files (ROC-AUC, pAUC), and *support*, the share of test windows whose score lies
within the training windows' own. Rows of the tidy metrics table; read by
:mod:`audio_umaps.metrics`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scoring import MAX_FPR  # pAUC's false-positive range, as in every DCASE edition

ALL = "all"  # section or domain column of a row over a whole device (or both domains)
LABELS = ("normal", "anomaly")


def auc(labels, scores, max_fpr: float | None = None) -> float:
    """ROC-AUC (or, with ``max_fpr``, standardised pAUC) of ``scores`` for anomalous (label
    ``anomaly``) against normal, over the windows that have a score (those of a section
    without training windows have none); NaN when either class is absent."""
    from .scoring import roc_auc

    scores = np.asarray(scores, dtype=np.float64)
    scored = ~np.isnan(scores)
    return roc_auc((np.asarray(labels) == "anomaly")[scored], scores[scored], max_fpr)


def file_scores(windows: pd.DataFrame, columns) -> pd.DataFrame:
    """A file's score per column: the mean over its windows (one row per ``path``)."""
    keys = [c for c in ("dataset", "device", "section", "domain", "label", "path") if c in windows]
    return (
        windows.groupby(keys, sort=True, dropna=False)
        .agg(windows=("path", "size"), **{c: (c, "mean") for c in columns})
        .reset_index()
    )


def dsup_rows(
    windows: pd.DataFrame, files: pd.DataFrame, thresholds: dict, *, space: str, train: dict, k: int
) -> list[dict]:
    """Tidy rows of DSUP from scored windows (columns ``knn`` and ``lof``) and their file
    scores: per dataset x section x domain, and per dataset x section over both domains
    (domain ``all``), AUC and pAUC of each detector at window and file level, and support
    (normal and anomalous windows within the training scores' ``thresholds[bank]``); ``train``
    and ``thresholds`` are keyed by the windows' ``bank``."""
    rows = []
    windows = windows.assign(_pooled=ALL)
    groups = [(key, g) for key, g in windows.groupby(["dataset", "section", "domain"], sort=True)]
    groups += [(key, g) for key, g in windows.groupby(["dataset", "section", "_pooled"], sort=True)]
    for (dataset, section, domain), group in groups:
        bank = group["bank"].iloc[0]
        labelled = group[group["label"].isin(LABELS)]
        fgroup = files[
            (files["dataset"] == dataset)
            & (files["section"] == section)
            & ((files["domain"] == domain) if domain != ALL else True)
            & files["label"].isin(LABELS)
        ]
        base = dict(
            dataset=dataset,
            section=section,
            domain=domain,
            space=space,
            train=train.get(bank, 0),
            note=f"k={k}" + ("; both domains" if domain == ALL else ""),
        )
        for level, table in (("window", labelled), ("file", fgroup)):
            counts = dict(
                normal=int((table["label"] == "normal").sum()),
                anomalous=int((table["label"] == "anomaly").sum()),
                files=int(table["path"].nunique()),
            )
            for method in ("knn", "lof"):
                for measure, fpr in (("auc", None), ("pauc", MAX_FPR)):
                    rows.append(
                        dict(
                            base,
                            method=method,
                            level=level,
                            measure=measure,
                            value=auc(table["label"], table[method], fpr),
                            **counts,
                        )
                    )
        limit = thresholds.get(bank)
        for label, measure in (("normal", "support"), ("anomaly", "support_anomalous")):
            these = labelled[labelled["label"] == label]
            share = float((these["knn"] <= limit).mean()) if len(these) and limit is not None else np.nan
            rows.append(
                dict(
                    base,
                    method="knn",
                    level="window",
                    measure=measure,
                    value=share,
                    normal=len(these) if label == "normal" else 0,
                    anomalous=len(these) if label == "anomaly" else 0,
                    files=int(these["path"].nunique()),
                    note=base["note"] + "; within the training windows' own scores, each against other files' windows",
                )
            )
    return rows


def device_dsup_rows(rows: list[dict]) -> list[dict]:
    """Device rows (section and domain ``all``): the arithmetic mean of each DSUP measure over
    the device's sections, each pooled over both domains (dataset x section rows of domain
    ``all``: a section whose normal and anomalous files lie in different domains has one too);
    sections without the number are left out, and the note names them."""
    table = pd.DataFrame(rows)
    if table.empty:
        return []
    table = table[(table["domain"] == ALL) & (table["section"] != ALL)]
    out = []
    for (space, method, level, measure), group in table.groupby(["space", "method", "level", "measure"], sort=False):
        values = group["value"].dropna()
        lacking = group[group["value"].isna()]
        note = f"mean over {len(values)} of {len(group)} dataset x section rows, both domains pooled"
        if len(lacking):
            note += "; no value for " + ", ".join(
                f"{d} section {s}" for d, s in zip(lacking["dataset"], lacking["section"])
            )
        out.append(
            dict(
                dataset=ALL,
                section=ALL,
                domain=ALL,
                space=space,
                method=method,
                level=level,
                measure=measure,
                value=float(values.mean()) if len(values) else np.nan,
                normal=int(group["normal"].sum()),
                anomalous=int(group["anomalous"].sum()),
                files=int(group["files"].sum()),
                train=int(group.drop_duplicates(["dataset", "section"])["train"].sum()),
                note=note,
            )
        )
    return out
