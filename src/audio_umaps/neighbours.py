"""Exact k-nearest neighbours of windows, the one engine behind UMAP's graph and the metrics.

Neighbours are exact: faiss's brute-force search (``faiss.knn``) computes distances with BLAS
in blocks of queries and keeps the ``k`` best of each block in a heap, so memory stays at the
data plus one block of distances (faiss's default: 4,096 queries at a time), with no index
copy of the data. It replaces pynndescent's approximate search, which UMAP would otherwise run
(and compile with numba in every fresh process).

High-dimensional representations can first be reduced by PCA (:func:`fit_pca`): fitted with
scikit-learn's seeded randomized solver on a seeded subset of at most ``PCA_FIT_WINDOWS``
windows, read batch by batch, and applied chunk by chunk, so neither the fit nor the projection
holds more than the subset and one chunk beside the projected windows.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

# Metrics the engine computes exactly; for any other, UMAP searches its own neighbours.
METRICS = ("euclidean", "l2", "sqeuclidean", "cosine")
PCA_FIT_WINDOWS = 20000  # windows the PCA is fitted on (a seeded subset of larger samples)
PCA_BATCH = 4096  # windows read at once, for the fit and for the projection


def supports(metric) -> bool:
    """Whether :func:`knn` computes neighbours for ``metric`` (a UMAP metric name)."""
    return isinstance(metric, str) and metric in METRICS


def _faiss():
    """faiss, without its loader's INFO lines about which CPU build it tried."""
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    import faiss

    return faiss


def _threads(threads: int | None) -> None:
    faiss = _faiss()

    if threads:
        faiss.omp_set_num_threads(max(1, int(threads)))


def knn(
    query: np.ndarray,
    base: np.ndarray | None = None,
    *,
    k: int,
    metric: str = "euclidean",
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of ``base`` to each row of ``query``, exactly.

    Parameters
    ----------
    query : ndarray, shape (n, d)
        Query windows (converted to C-ordered float32 if they are not).
    base : ndarray, shape (m, d), optional
        The windows searched; ``None`` searches ``query`` itself (each window is then its own
        first neighbour, at distance 0, as UMAP expects).
    k : int
        Neighbours per query, at most ``m``.
    metric : {"euclidean", "l2", "sqeuclidean", "cosine"}
        Distances returned: Euclidean, squared Euclidean, or cosine distance (1 - cosine
        similarity).
    threads : int, optional
        Threads for faiss (OpenMP); None keeps faiss's default.

    Returns
    -------
    indices : ndarray of int32, shape (n, k)
    distances : ndarray of float32, shape (n, k), ascending along each row
    """
    faiss = _faiss()
    if not supports(metric):
        raise ValueError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
    query = np.ascontiguousarray(query, dtype=np.float32)
    base = query if base is None else np.ascontiguousarray(base, dtype=np.float32)
    if query.ndim != 2 or base.ndim != 2 or query.shape[1] != base.shape[1]:
        raise ValueError(f"query {query.shape} and base {base.shape} must be 2-D with equal widths")
    if not 1 <= k <= len(base):
        raise ValueError(f"k={k} must be between 1 and the {len(base)} base windows")
    _threads(threads)
    if metric == "cosine":
        qn = _unit(query)
        bn = qn if base is query else _unit(base)
        similarity, indices = faiss.knn(qn, bn, k, metric=faiss.METRIC_INNER_PRODUCT)
        distances = np.clip(1.0 - similarity, 0.0, 2.0)
    else:
        distances, indices = faiss.knn(query, base, k, metric=faiss.METRIC_L2)
        np.maximum(distances, 0, out=distances)  # rounding can give -1e-6 for a window itself
        if metric != "sqeuclidean":
            np.sqrt(distances, out=distances)
    return indices.astype(np.int32, copy=False), distances.astype(np.float32, copy=False)


def knn_other_groups(
    base: np.ndarray,
    groups,
    *,
    k: int,
    metric: str = "euclidean",
    threads: int | None = None,
    batch: int = 4096,
    progress: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows of ``base`` among the rows of *other* groups, exactly.

    Windows of one file are near-copies of each other (neighbouring windows share all but one
    frame), so a window's nearest other windows are almost always its own file's: a score of a
    training window taken against its own file says how far it is from itself, not from the
    training data. Here ``groups`` (one label per row, e.g. the file) excludes them.

    Rows are searched a batch of whole groups at a time (about ``batch`` rows) for their
    ``k`` + (largest group in the batch) nearest rows, :func:`knn`'s exact search, of which the
    first ``k`` of other groups are kept: at most that many can be of the row's own group, so
    the result is exact, and memory holds one batch's candidates. With ``progress`` (a label),
    the rows searched are logged every 30 s and at the end (:class:`audio_umaps.progress.Progress`).

    Returns
    -------
    indices : ndarray of int32, shape (m, k)
    distances : ndarray of float32, shape (m, k), ascending along each row

    Raises ``ValueError`` when some group has fewer than ``k`` rows outside it.
    """
    base = np.ascontiguousarray(base, dtype=np.float32)
    _, label = np.unique(np.asarray(groups), return_inverse=True)
    counts = np.bincount(label)
    if len(base) - counts.max() < k:
        raise ValueError(
            f"k={k} needs at least {k} rows outside every group; the largest of "
            f"{len(counts)} groups leaves {len(base) - counts.max()} of {len(base)}"
        )
    order = np.argsort(label, kind="stable")  # rows group by group
    ends = np.cumsum(counts)
    indices = np.empty((len(base), k), dtype=np.int32)
    distances = np.empty((len(base), k), dtype=np.float32)
    first = 0  # first group of the batch
    if progress:
        from .progress import Progress

        counter = Progress(len(base), "windows", label=progress, log=log)
    while first < len(counts):
        last = int(np.searchsorted(ends, ends[first] - counts[first] + batch, side="right"))
        last = max(last, first + 1)  # groups first..last-1 (at least one)
        rows = order[ends[first] - counts[first] : ends[last - 1]]
        wanted = min(len(base), k + int(counts[first:last].max()))
        found, dist = knn(base[rows], base, k=wanted, metric=metric, threads=threads)
        own = label[found] == label[rows][:, None]
        keep = np.argsort(own, axis=1, kind="stable")[:, :k]  # other groups' rows, in order
        indices[rows] = np.take_along_axis(found, keep, axis=1)
        distances[rows] = np.take_along_axis(dist, keep, axis=1)
        if progress:
            counter.advance(len(rows))
        first = last
    return indices, distances


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, np.finfo(np.float32).tiny)


def fit_pca(
    windows,
    n: int,
    components: int,
    *,
    seed: int | None = 0,
    fit_windows: int = PCA_FIT_WINDOWS,
    batch: int = PCA_BATCH,
):
    """A PCA of ``components`` fitted on at most ``fit_windows`` of ``n`` windows (a seeded
    uniform subset when there are more), with scikit-learn's randomized solver (seeded too).

    ``windows(rows)`` returns the windows of the given row numbers (float32, rows x dims); the
    subset is read ``batch`` windows at a time, so memory is bounded by ``fit_windows`` windows
    whatever the sample's size. (scikit-learn's ``IncrementalPCA`` bounds it by one batch, but
    its exact SVD per batch took 23 s a batch on 5,130-dimensional log-STFT stack-10 windows
    here, 113 s for 20,000 windows; the randomized fit of the same subset takes seconds.)
    """
    from sklearn.decomposition import PCA

    if components < 1:
        raise ValueError(f"PCA needs at least 1 component, not {components}")
    rng = np.random.default_rng(seed)
    rows = np.arange(n) if n <= fit_windows else np.sort(rng.choice(n, fit_windows, replace=False))
    subset = None
    for start in range(0, len(rows), batch):
        part = windows(rows[start : start + batch])
        if subset is None:
            subset = np.empty((len(rows), part.shape[1]), dtype=np.float32)
        subset[start : start + len(part)] = part
    pca = PCA(
        n_components=min(components, *subset.shape),
        svd_solver="randomized",
        random_state=None if seed is None else int(seed),
    )
    pca.fit(subset)
    log.info(
        "PCA to %d components fitted on %d of %d windows: %.1f %% of the variance kept",
        pca.n_components_,
        len(rows),
        n,
        100 * pca.explained_variance_ratio_.sum(),
    )
    return pca


def project(pca, windows, n: int, *, batch: int = PCA_BATCH) -> np.ndarray:
    """Every one of ``n`` windows projected by ``pca``, read ``batch`` windows at a time."""
    out = np.empty((n, pca.n_components_), dtype=np.float32)
    for start in range(0, n, batch):
        rows = np.arange(start, min(start + batch, n))
        out[rows] = pca.transform(windows(rows))
    return out
