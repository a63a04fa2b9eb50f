"""k-nearest neighbours of windows: UMAP's graph and the metrics, exact or, for UMAP's graph of
a large sample, approximate.

Exact neighbours: faiss's brute-force search (``faiss.knn``) computes distances with BLAS
in blocks of queries and keeps the ``k`` best of each block in a heap, so memory stays at the
data plus one block of distances (faiss's default: 4,096 queries at a time), with no index
copy of the data. It replaces pynndescent's approximate search, which UMAP would otherwise run
(and compile with numba in every fresh process). Its cost grows with the square of the windows.

Approximate neighbours (:func:`knn_approximate`, UMAP's graph only): faiss's inverted-file
index (IVF-Flat) with about ``4 * sqrt(n)`` k-means lists, each window searched in the
``nprobe`` lists nearest to it (the fewest that find 0.98 of the exact neighbours of 1,000
seeded windows), distances computed exactly. Its result repeats byte for byte
whatever the thread count: the k-means, the coarse assignment of every window and the filling
of the lists run on one thread (faiss and BLAS), seeded; only the scan of the lists, query by
query, runs on the job's threads. :func:`graph` chooses the engine by the sample's size
(``neighbours.engine``, ``neighbours.exact_max``) and measures the recall of an approximate
graph against exact search on a seeded subset of windows.

High-dimensional representations can first be reduced by PCA (:func:`fit_pca`): fitted with
scikit-learn's seeded randomized solver on a seeded subset of at most ``PCA_FIT_WINDOWS``
windows, read batch by batch, and applied chunk by chunk, so neither the fit nor the projection
holds more than the subset and one chunk beside the projected windows.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

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


ENGINES = ("auto", "exact", "approximate")
EXACT_MAX = 50000  # windows up to which ``auto`` searches exactly (docs/benchmarks.md; the schema too)
RECALL_QUERIES = 1000  # windows whose approximate neighbours are checked against exact search
NPROBE_SHARE = 0.1  # most lists a window searches, as a share (recall@15 0.96 on 150k log-mel)
NPROBE_MIN = 8  # and at least this many (a small sample has few lists)
NPROBE_FIRST = 0.01  # share tried first: doubled until the recall reaches RECALL_TARGET
RECALL_TARGET = 0.98  # on RECALL_QUERIES seeded windows against exact search
TRAIN_PER_LIST = 64  # k-means training windows per list (a seeded subset)
KMEANS_ITERATIONS = 10


@dataclass(frozen=True)
class Graph:
    """Each window's nearest windows, as UMAP takes them, and how they were found.

    Attributes
    ----------
    indices : ndarray of int32, shape (n, k)
    distances : ndarray of float32, shape (n, k)
    engine : str
        ``exact`` or ``approximate``.
    recall : float or None
        For an approximate graph, the mean share of the exact ``k`` nearest windows it found,
        over ``queries`` seeded windows; None for an exact graph.
    queries : int
        Windows the recall was measured on (0 for an exact graph).
    """

    indices: np.ndarray
    distances: np.ndarray
    engine: str
    recall: float | None = None
    queries: int = 0

    def facts(self) -> dict:
        """The engine and recall, for a UMAP table's status file."""
        return {"engine": self.engine, "recall": self.recall, "recall_queries": self.queries}

    def describe(self) -> str:
        """One line for the log: the engine and, for an approximate graph, its recall."""
        if self.engine == "exact":
            return "exact"
        return f"approximate, recall@{self.indices.shape[1]} {self.recall:.4f} on {self.queries} windows"


def choose(n: int, engine: str = "auto", exact_max: int = EXACT_MAX) -> str:
    """The engine for a graph of ``n`` windows: ``exact`` or ``approximate``.

    ``engine`` is the config's ``neighbours.engine``: ``exact`` and ``approximate`` are taken
    as they are; ``auto`` searches exactly up to ``exact_max`` windows and approximately above.
    """
    if engine not in ENGINES:
        raise ValueError(f"config key 'neighbours.engine': {engine!r} is not one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    return "exact" if n <= int(exact_max) else "approximate"


def lists_for(n: int) -> int:
    """Inverted lists of an approximate search over ``n`` windows: about ``4 * sqrt(n)``, and
    no more than one per 39 windows (faiss's own floor for a k-means training set)."""
    return int(max(1, min(round(4 * np.sqrt(n)), n // 39)))


@contextlib.contextmanager
def _one_thread():
    """faiss (OpenMP) and BLAS on one thread inside the block; faiss's count restored after."""
    from threadpoolctl import threadpool_limits

    faiss = _faiss()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        faiss.omp_set_num_threads(before)


def knn_approximate(
    x: np.ndarray,
    *,
    k: int,
    metric: str = "euclidean",
    threads: int | None = None,
    seed: int = 0,
    nlist: int | None = None,
    nprobe: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows of ``x`` (itself included), approximately: IVF-Flat.

    The rows are clustered by k-means into ``nlist`` lists (:func:`lists_for` by default;
    trained on a seeded subset of ``TRAIN_PER_LIST`` rows per list), each row is filed in the
    list of its nearest centroid, and searched in its ``nprobe`` nearest lists (by default the
    fewest that reach ``RECALL_TARGET`` on seeded windows, :func:`_enough_lists`: from
    ``NPROBE_FIRST`` of them doubled up to ``NPROBE_SHARE``, at least ``NPROBE_MIN``), with exact
    distances. Training, assignment and filing run on one thread, seeded, so that the result is
    the same bytes on every run and thread count; the scan runs on ``threads``. A row that finds
    fewer than ``k`` neighbours in its lists is searched exactly. Same arguments and results as
    :func:`knn` with ``base=None``.
    """
    faiss = _faiss()
    if not supports(metric):
        raise ValueError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"windows {x.shape} must be 2-D")
    n, d = x.shape
    if not 1 <= k <= n:
        raise ValueError(f"k={k} must be between 1 and the {n} windows")
    cosine = metric == "cosine"
    data = _unit(x).astype(np.float32) if cosine else x
    nlist = lists_for(n) if nlist is None else int(max(1, min(nlist, n)))
    kind = faiss.METRIC_INNER_PRODUCT if cosine else faiss.METRIC_L2
    with _one_thread():
        kmeans = faiss.Kmeans(
            d,
            nlist,
            niter=KMEANS_ITERATIONS,
            seed=int(seed),
            spherical=cosine,
            max_points_per_centroid=TRAIN_PER_LIST,
            min_points_per_centroid=1,
        )
        kmeans.train(data)
        quantizer = faiss.IndexFlatIP(d) if cosine else faiss.IndexFlatL2(d)
        quantizer.add(kmeans.centroids)
        _, own = quantizer.search(data, 1)  # each row's list
        index = faiss.IndexIVFFlat(quantizer, d, nlist, kind)
        own = np.ascontiguousarray(own[:, 0])  # (held here: faiss reads it through a pointer)
        index.add_core(n, faiss.swig_ptr(data), None, faiss.swig_ptr(own))
    _threads(threads)
    if nprobe is None:
        nprobe = _enough_lists(index, quantizer, data, k, kind, nlist, seed=int(seed))
    nprobe = index.nprobe = int(max(1, min(nprobe, nlist)))
    with _one_thread():
        _, lists = quantizer.search(data, nprobe)  # each row's nearest lists, the first its own
    found, indices = in_batches(
        n,
        lambda rows: index.search_preassigned(data[rows], k, lists[rows], np.zeros(lists[rows].shape, "f4")),
        label="UMAP graph, approximate search",
    )
    short = np.flatnonzero((indices < 0).any(axis=1))
    if len(short):  # too few windows in its lists: searched exactly
        log.info("%d of %d windows found fewer than %d neighbours in their lists: searched exactly", len(short), n, k)
        indices[short], found[short] = _search(faiss, data[short], data, k, kind)
    if cosine:
        distances = np.clip(1.0 - found, 0.0, 2.0)
    else:
        distances = np.maximum(found, 0)
        if metric != "sqeuclidean":
            np.sqrt(distances, out=distances)
    return indices.astype(np.int32, copy=False), distances.astype(np.float32, copy=False)


SEARCH_BATCH = 16 * 4096  # queries per step of UMAP's graph search (the approximate scan gives
# the same bytes as one call; exact search's BLAS products differ in the last bits, the same on
# every run); a sample of at most this many windows is searched in one call


def in_batches(n: int, search, *, label: str, batch: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``search(rows)`` over ``n`` queries, ``batch`` (default :data:`SEARCH_BATCH`) rows at a
    time, its two result arrays concatenated; the queries done are logged every 30 s and at the
    end (:class:`audio_umaps.progress.Progress`), so a search of hundreds of thousands of
    windows shows its progress in the job's log."""
    from .progress import Progress

    batch = batch or SEARCH_BATCH
    progress = Progress(n, "windows", label=label, log=log)
    first, second = [], []
    for start in range(0, n, batch):
        rows = slice(start, min(n, start + batch))
        a, b = search(rows)
        first.append(a)
        second.append(b)
        progress.advance(rows.stop - rows.start)
    return np.concatenate(first), np.concatenate(second)


def _enough_lists(index, quantizer, data, k, kind, nlist, *, seed: int) -> int:
    """The fewest lists (``NPROBE_FIRST`` of them, doubled up to ``NPROBE_SHARE``) whose search
    finds ``RECALL_TARGET`` of the exact ``k`` nearest windows of ``RECALL_QUERIES`` seeded
    windows. How many a window needs depends on the data: on windows of DCASE-like machine clips
    (log-STFT stack 10, 162,736 windows) a tenth of the lists found 0.9998 and took as long as
    exact search; on a stationary synthetic fan a tenth gave 0.96. Seeded, so the choice repeats."""
    faiss = _faiss()
    n = len(data)
    most = max(NPROBE_MIN, int(np.ceil(NPROBE_SHARE * nlist)))
    probe = min(most, max(NPROBE_MIN, int(np.ceil(NPROBE_FIRST * nlist))))
    rows = np.sort(np.random.default_rng(seed).choice(n, min(n, RECALL_QUERIES), replace=False))
    truth, _ = _search(faiss, data[rows], data, k, kind)
    while True:
        with _one_thread():
            _, lists = quantizer.search(data[rows], probe)
        index.nprobe = probe
        _, found = index.search_preassigned(data[rows], k, lists, np.zeros(lists.shape, "f4"))
        share = np.mean([len(np.intersect1d(a, b)) / k for a, b in zip(found, truth)])
        log.info("approximate neighbours: %d of %d lists found %.4f of the exact ones", probe, nlist, share)
        if share >= RECALL_TARGET or probe >= most:
            return probe
        probe = min(most, 2 * probe)


def _search(faiss, query, base, k, kind):
    distances, indices = faiss.knn(query, base, k, metric=kind)
    return indices, distances


def recall(
    x: np.ndarray,
    indices: np.ndarray,
    *,
    metric: str = "euclidean",
    queries: int = RECALL_QUERIES,
    seed: int = 0,
    threads: int | None = None,
) -> tuple[float, int]:
    """The recall of a neighbour graph of ``x``: for ``queries`` seeded windows, the mean share
    of their exact ``k`` nearest windows (:func:`knn` against every window) that ``indices``
    holds. Returns the recall and the number of windows it was measured on."""
    n, k = indices.shape
    rows = np.arange(n) if n <= queries else np.sort(np.random.default_rng(seed).choice(n, queries, replace=False))
    truth, _ = knn(x[rows], x, k=k, metric=metric, threads=threads)
    hits = [len(np.intersect1d(a, b, assume_unique=True)) for a, b in zip(indices[rows], truth)]
    return float(np.sum(hits) / truth.size), len(rows)


def graph(
    x: np.ndarray,
    *,
    k: int,
    metric: str = "euclidean",
    threads: int | None = None,
    engine: str = "auto",
    exact_max: int = EXACT_MAX,
    seed: int | None = 0,
    queries: int = RECALL_QUERIES,
) -> Graph:
    """UMAP's neighbour graph of ``x`` (each row's ``k`` nearest rows, itself first), exact or
    approximate as :func:`choose` decides for ``engine`` and ``exact_max``; an approximate graph
    carries its recall against exact search on ``queries`` seeded windows (:func:`recall`)."""
    chosen = choose(len(x), engine, exact_max)
    seed = 0 if seed is None else int(seed)
    if chosen == "exact":
        found = in_batches(
            len(x), lambda rows: knn(x[rows], x, k=k, metric=metric, threads=threads), label="UMAP graph, exact search"
        )
        return Graph(*found, engine="exact")
    indices, distances = knn_approximate(x, k=k, metric=metric, threads=threads, seed=seed)
    found, checked = recall(x, indices, metric=metric, queries=queries, seed=seed, threads=threads)
    return Graph(indices, distances, engine="approximate", recall=found, queries=checked)


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
