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


PARALLEL_FROM = 2_000_000  # values (windows x dims) from which a group's fits run in processes


def _svm(c: float, seed: int):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    return make_pipeline(
        StandardScaler(), LinearSVC(C=c, loss="hinge", dual=True, max_iter=SVM_ITERATIONS, random_state=seed)
    )


def _fit(x: np.ndarray, y: np.ndarray, train, test, c: float, seed: int):
    """One SVM fitted on rows ``train`` (None: every row) and its decision values on rows
    ``test`` (None: every row); with the fit's warnings as ``(message, category)`` pairs, so
    that a fit run in another process reports them as one run here would."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitting = x if train is None else x[train]
        model = _svm(c, seed).fit(fitting, y if train is None else y[train])
        decision = model.decision_function(x if test is None else x[test])
    return decision, [(w.message, w.category) for w in caught]


def separability(
    x: np.ndarray, labels, groups, *, c: float = 0.01, folds: int = 5, seed: int = 0, jobs: int = 1
) -> dict:
    """SEP of windows ``x``: a standardised linear soft-margin SVM, normal against anomalous.

    Returns ``auc`` (ROC-AUC of the held-out decision values of all folds pooled; grouped,
    stratified cross-validation by ``groups``), ``hinge_cv`` (their mean hinge loss), ``hinge`` (the mean hinge
    loss of the SVM fitted on all windows, the paper's slack sum over n), ``folds`` used, and
    ``note`` (why a number is missing, or how many fits did not converge).

    With ``jobs`` > 1 and at least ``PARALLEL_FROM`` values, the fits (the in-sample one and
    one per fold) run in that many processes (joblib's loky): each fit is seeded and on its
    own data, so the numbers are those of one process. (Not threads: liblinear draws its
    coordinate order from one random generator per process, which fits on two threads would
    share.)
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import hinge_loss, roc_auc_score

    y = (np.asarray(labels) == "anomaly").astype(int)
    groups = np.asarray(groups)
    files = [len(np.unique(groups[y == v])) for v in (0, 1)]
    out = dict(auc=np.nan, hinge=np.nan, hinge_cv=np.nan, folds=0, note="")
    if min(files) == 0:
        out["note"] = "no anomalous windows" if files[1] == 0 else "no normal windows"
        return out

    splits = grouped_folds(y, groups, folds=folds, seed=seed)
    tasks = [(None, None)] + [(train, test) for train, test in splits]  # in-sample fit first
    if jobs > 1 and x.size >= PARALLEL_FROM:
        from joblib import Parallel, delayed

        fitted = Parallel(n_jobs=min(int(jobs), len(tasks)), backend="loky")(
            delayed(_fit)(x, y, train, test, c, seed) for train, test in tasks
        )
    else:
        fitted = [_fit(x, y, train, test, c, seed) for train, test in tasks]
    caught = [w for _, found in fitted for w in found]
    out["hinge"] = float(hinge_loss(y, fitted[0][0]))
    if splits:
        decision = np.full(len(y), np.nan)
        for (_, test), (values, _) in zip(splits, fitted[1:]):
            decision[test] = values
        held = ~np.isnan(decision)  # (every window, unless a fold was dropped)
        out.update(
            auc=float(roc_auc_score(y[held], decision[held])),
            hinge_cv=float(hinge_loss(y[held], decision[held])),
            folds=len(splits),
        )
    else:
        out["note"] = "one file of a class: no cross-validation"
    unconverged = sum(issubclass(category, ConvergenceWarning) for _, category in caught)
    for message, category in caught:
        if not issubclass(category, ConvergenceWarning):
            warnings.warn(message, category, stacklevel=2)
    if unconverged:
        out["note"] = (
            out["note"] + "; " if out["note"] else ""
        ) + f"{unconverged} SVM fit(s) did not converge in {SVM_ITERATIONS:,} iterations"
    return out


# ---- one device ------------------------------------------------------------------------------
