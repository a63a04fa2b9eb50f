"""SEP: how well a standardised linear soft-margin SVM separates normal from anomalous windows
(Fernandez & Plumbley's eq. 1), under grouped cross-validation (a file's windows are never in
both a training and a test fold). Read by :mod:`audio_umaps.metrics`.
"""

from __future__ import annotations

import warnings

import numpy as np

SVM_ITERATIONS = 5000  # liblinear iterations of one SVM fit (a fit that needs more is noted)


def grouped_folds(y: np.ndarray, groups: np.ndarray, *, folds: int = 5, seed: int = 0) -> list:
    """Stratified cross-validation folds that never split a group (a file): ``[(train rows,
    test rows), ...]``, at most ``folds`` and no more than the files of the rarer class allow;
    empty when a class has a single file. Every training fold holds both classes."""
    from sklearn.model_selection import StratifiedGroupKFold

    y, groups = np.asarray(y), np.asarray(groups)
    n = min(int(folds), *(len(np.unique(groups[y == v])) for v in np.unique(y)))
    if n < 2 or len(np.unique(y)) < 2:
        return []
    split = StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed)
    return [(train, test) for train, test in split.split(np.zeros(len(y)), y, groups) if len(np.unique(y[train])) == 2]


def separability(x: np.ndarray, labels, groups, *, c: float = 0.01, folds: int = 5, seed: int = 0) -> dict:
    """SEP of windows ``x``: a standardised linear soft-margin SVM, normal against anomalous.

    Returns ``auc`` (ROC-AUC of the held-out decision values of all folds pooled; grouped,
    stratified cross-validation by ``groups``), ``hinge_cv`` (their mean hinge loss), ``hinge`` (the mean hinge
    loss of the SVM fitted on all windows, the paper's slack sum over n), ``folds`` used, and
    ``note`` (why a number is missing, or how many fits did not converge).
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import hinge_loss, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    y = (np.asarray(labels) == "anomaly").astype(int)
    groups = np.asarray(groups)
    files = [len(np.unique(groups[y == v])) for v in (0, 1)]
    out = dict(auc=np.nan, hinge=np.nan, hinge_cv=np.nan, folds=0, note="")
    if min(files) == 0:
        out["note"] = "no anomalous windows" if files[1] == 0 else "no normal windows"
        return out

    def svm():
        return make_pipeline(
            StandardScaler(), LinearSVC(C=c, loss="hinge", dual=True, max_iter=SVM_ITERATIONS, random_state=seed)
        )

    unconverged = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model = svm().fit(x, y)
        out["hinge"] = float(hinge_loss(y, model.decision_function(x)))
        splits = grouped_folds(y, groups, folds=folds, seed=seed)
        if splits:
            decision = np.full(len(y), np.nan)
            for train, test in splits:
                decision[test] = svm().fit(x[train], y[train]).decision_function(x[test])
            held = ~np.isnan(decision)  # (every window, unless a fold was dropped)
            out.update(
                auc=float(roc_auc_score(y[held], decision[held])),
                hinge_cv=float(hinge_loss(y[held], decision[held])),
                folds=len(splits),
            )
        else:
            out["note"] = "one file of a class: no cross-validation"
        unconverged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if unconverged:
        out["note"] = (
            out["note"] + "; " if out["note"] else ""
        ) + f"{unconverged} SVM fit(s) did not converge in {SVM_ITERATIONS:,} iterations"
    return out


# ---- one device ------------------------------------------------------------------------------
