"""2-D UMAP embeddings of sampled windows, aligned row for row with the sample table."""

from __future__ import annotations

import ast
import contextlib
import difflib
import functools
import importlib.util
import logging
import os
import time
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .stacking import gather
from .store import Store

log = logging.getLogger(__name__)


# Keys of the config's `umap` block that umap.UMAP's own arguments do not cover, or that the
# workflow sets itself.
OWN_KEYS = {
    "seed": "the workflow's seed (umap.UMAP's random_state)",
    "backend": "which UMAP implementation: auto, umap-learn or cuml",
}
SET_BY_WORKFLOW = {
    "n_components": "the maps are 2-D: n_components is always 2; remove the key",
    "random_state": "use the key umap.seed instead",
    "n_jobs": "set by the job's threads (1 when umap.seed is set); remove the key",
    "precomputed_knn": "the workflow computes the neighbours itself (faiss; see neighbours.engine); remove the key",
}


@cache
def umap_arguments() -> tuple[str, ...] | None:
    """The keyword arguments of ``umap.UMAP``, read from umap-learn's source without importing
    it (importing compiles numba code for seconds, too slow for every parse of the workflow).
    None when umap-learn is not installed here (e.g. it lives only in the jobs' conda envs)."""
    spec = importlib.util.find_spec("umap")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations)), "umap_.py")
    if not source.is_file():
        return None
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ClassDef) and node.name == "UMAP":
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args.args[1:] + item.args.kwonlyargs
                    return tuple(a.arg for a in args)
    return None


def check_params(params: dict) -> list[str]:
    """Every problem of the config's ``umap`` block, naming the key: keys that are not
    arguments of ``umap.UMAP`` (with the nearest one), keys the workflow sets itself, and an
    ``n_neighbors`` below 2."""
    known = umap_arguments()
    problems = []
    for key in params:
        if key in OWN_KEYS:
            continue
        if key in SET_BY_WORKFLOW:
            problems.append(f"config key 'umap.{key}': {SET_BY_WORKFLOW[key]}")
        elif known is not None and key not in known:
            near = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            problems.append(f"config key 'umap.{key}': not an argument of umap-learn's UMAP{hint}")
    if params.get("backend", "auto") not in BACKENDS:
        problems.append(f"config key 'umap.backend': {params['backend']!r} is not one of {', '.join(BACKENDS)}")
    n = params.get("n_neighbors", 15)
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        problems.append(f"config key 'umap.n_neighbors': must be an integer of at least 2, not {n!r}")
    return problems


def too_small(windows: int, params: dict) -> str | None:
    """Why a sample of ``windows`` windows is too small for a UMAP with ``params`` (None when
    it is not): UMAP needs more windows than ``n_neighbors``."""
    n_neighbors = int(params.get("n_neighbors", 15))
    if windows <= n_neighbors:
        return (
            f"only {windows} window(s): a UMAP with n_neighbors={n_neighbors} needs at least "
            f"{n_neighbors + 1}; raise the sampling caps, add data, or lower umap.n_neighbors"
        )
    return None


DISCONNECTED = (
    "the neighbour graph is not fully connected ({components} components): windows of "
    "one file are each other's nearest neighbours, so files (or groups of similar "
    "files) form islands that UMAP places apart; distances between islands mean little"
)

BACKENDS = ("auto", "umap-learn", "cuml")
# umap.UMAP arguments that cuML's UMAP takes as well (the others are umap-learn's own)
CUML_ARGUMENTS = (
    "min_dist",
    "spread",
    "metric",
    "n_epochs",
    "learning_rate",
    "init",
    "negative_sample_rate",
    "repulsion_strength",
    "set_op_mix_ratio",
    "local_connectivity",
    "a",
    "b",
)


def numba_cache_dir() -> Path:
    """Where compiled umap-learn code is cached between processes: ``$AUDIO_UMAPS_NUMBA_CACHE``,
    else ``audio-umaps/numba`` under ``$XDG_CACHE_HOME`` (``~/.cache``). numba keys each entry by
    the source file, its timestamp and the processor, so one cache serves every job, and a
    cluster's different machines each get their own entries."""
    if os.environ.get("AUDIO_UMAPS_NUMBA_CACHE"):
        return Path(os.environ["AUDIO_UMAPS_NUMBA_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base, "audio-umaps", "numba")


def import_umap():
    """umap-learn, imported so that its numba functions are cached on disk.

    umap-learn compiles its numba functions (graph, layout, spectral helpers) in every fresh
    process: 6.3 s of a 2,000-window fit here, whatever the fit's size (1.8 s once cached). Its
    decorators do not ask for numba's on-disk cache, so while umap-learn's modules are first
    imported, ``numba.njit`` and ``numba.jit`` default to ``cache=True``; the first job compiles
    and writes the cache, every later process loads it (tests/test_umap.py reads numba's
    cache counters in a second fresh process). Functions numba cannot cache (dynamic globals)
    are simply compiled as before. A process that imported umap-learn before keeps it as it is.
    """
    import sys

    if "umap" in sys.modules:  # already imported (with or without the cache): use it as it is
        return sys.modules["umap"]
    cache = numba_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache))
    import numba

    numba.config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
    njit, jit = numba.njit, numba.jit

    def cached(decorator):
        @functools.wraps(decorator)
        def wrapper(*args, **kwargs):
            kwargs.setdefault("cache", True)
            return decorator(*args, **kwargs)

        return wrapper

    numba.njit, numba.jit = cached(njit), cached(jit)
    try:
        with warnings.catch_warnings():
            # "cannot cache function ...: it uses dynamic globals" names functions that stay
            # compiled per process; nothing to act on
            warnings.filterwarnings("ignore", message=".*cannot cache.*")
            import umap
    finally:
        numba.njit, numba.jit = njit, jit
    return umap


def cuml_available() -> bool:
    """Whether cuML is installed and sees a CUDA device."""
    if importlib.util.find_spec("cuml") is None:
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, no device
        return False


def backend(params: dict) -> str:
    """The UMAP implementation ``params`` (the config's ``umap`` block) asks for, resolved:
    ``umap-learn`` or ``cuml`` (``auto``: cuML when it is installed and sees a GPU).

    Raises ``ValueError`` when ``cuml`` is asked for and cannot run here."""
    name = params.get("backend", "auto")
    if name not in BACKENDS:
        raise ValueError(f"config key 'umap.backend': {name!r} is not one of {', '.join(BACKENDS)}")
    if name == "auto":
        return "cuml" if cuml_available() else "umap-learn"
    if name == "cuml" and not cuml_available():
        raise ValueError(
            "config key 'umap.backend' is 'cuml', but cuML is not installed here or "
            "sees no CUDA GPU: install RAPIDS cuML (e.g. pip install cuml-cu12) on "
            "a GPU machine, or set umap.backend to auto or umap-learn"
        )
    return name


def fit_umap(
    x: np.ndarray, params: dict, threads: int = 1, neighbours=None, search: dict | None = None, report=None
) -> np.ndarray:
    """2-D UMAP of ``x``; ``params`` are UMAP keyword arguments plus ``seed`` and ``backend``.

    ``neighbours``: precomputed ``(indices, distances)`` of each row's ``n_neighbors`` nearest
    rows (itself first), as :func:`audio_umaps.neighbours.knn` gives them; None computes them
    here (for the metrics the engine supports, with :func:`audio_umaps.neighbours.graph`: exact
    or approximate by the sample's size, as ``search`` asks, the config's ``neighbours`` block
    with ``engine`` and ``exact_max``; else with umap-learn's own search, seeded). The graph's
    engine, and an approximate graph's recall against exact search, are logged in one line and,
    when ``report`` is a dict, stored in it (:meth:`audio_umaps.neighbours.Graph.facts`).

    The layout starts from :func:`initial_layout`, a deterministic spectral initialisation
    computed here with BLAS on one thread (umap-learn's own places the components of a
    disconnected graph differently on every call, and fails on a graph of 3 windows), unless
    ``params`` name another ``init``. With a seed the map is then the same on every run, in
    every process, whatever the thread count (umap-learn's layout runs single-threaded);
    without one umap-learn's layout runs on ``threads`` and differs between runs. A neighbour
    graph of more than one component is explained in the log in one line, with the number of
    components.
    Raises ``ValueError`` for fewer windows than ``n_neighbors`` + 1 (:func:`too_small`).
    """
    from scipy.sparse.csgraph import connected_components

    from . import neighbours as engine

    params = dict(params)
    seed = params.pop("seed", None)
    chosen = backend(params)
    params.pop("backend", None)
    reason = too_small(len(x), params)
    if reason:
        raise ValueError(reason)
    n_neighbors = int(params.pop("n_neighbors", 15))
    metric = params.get("metric", "euclidean")
    if chosen == "cuml":
        return _fit_cuml(x, params, n_neighbors, seed)
    umap = import_umap()
    if neighbours is None:
        start = time.perf_counter()
        if engine.supports(metric):
            found = engine.graph(x, k=n_neighbors, metric=metric, threads=threads, seed=seed, **(search or {}))
            neighbours = (found.indices, found.distances)
            how = f"faiss, {found.describe()}"
            if report is not None:
                report.update(found.facts())
        else:  # umap-learn's own (approximate) search, seeded and single-threaded when seeded
            indices, distances, _ = umap.umap_.nearest_neighbors(
                x,
                n_neighbors,
                metric,
                params.get("metric_kwds") or {},
                False,
                np.random.RandomState(seed),
                n_jobs=1 if seed is not None else threads,
            )
            neighbours = (indices, distances)
            how = "umap-learn's search"
        log.info(
            "%d-nearest neighbours of %d windows x %d dims, %s: %.1f s",
            n_neighbors,
            *x.shape,
            how,
            time.perf_counter() - start,
        )
    init = params.pop("init", "spectral")
    with one_blas_thread():
        if isinstance(init, str) and init == "spectral":  # umap-learn's default, made repeatable
            start = time.perf_counter()
            init = initial_layout(x, neighbours, n_neighbors, seed=0 if seed is None else seed, params=params)
            log.info("spectral initialisation: %.1f s", time.perf_counter() - start)
        reducer = umap.UMAP(
            n_components=2,
            n_neighbors=n_neighbors,
            random_state=seed,
            n_jobs=1 if seed is not None else threads,
            precomputed_knn=tuple(neighbours)[:2] + (None,),
            init=init,
            **params,
        )
        log.info("UMAP of %d points x %d dims, n_neighbors=%d, seed=%s", *x.shape, n_neighbors, seed)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            coords = reducer.fit_transform(x).astype(np.float32)
    log.info("umap-learn fit: %.1f s", time.perf_counter() - start)
    # umap-learn (through scikit-learn's spectral embedding) warns "Graph is not fully connected"
    # without saying what it means for these maps; one line here says it, with the count.
    components = connected_components(reducer.graph_, directed=False)[0]
    if components > 1:
        log.warning("umap-learn: %s", DISCONNECTED.format(components=components))
    for warning in caught:
        if "not fully connected" in str(warning.message):
            continue
        if "n_jobs value 1 overridden" in str(warning.message):
            continue  # umap-learn's note that a seed means one thread: the docs say so
        if "knn_search_index" in str(warning.message):
            continue  # no search index with precomputed neighbours: the maps never transform
        log.warning("%s: %s", warning.category.__name__, warning.message)
    return coords


@contextlib.contextmanager
def one_blas_thread():
    """BLAS (OpenBLAS, MKL) on one thread inside the block.

    OpenBLAS's results depend on its thread count: here the same PCA projection of 1,200
    windows differed in its last bits between 1 and 2 threads, and so did the Lanczos
    eigenvectors of a spectral layout; UMAP's layout turns such differences into a different
    map. Every BLAS call whose result enters a seeded map runs inside this block. (faiss's
    exact search gave identical neighbours on 1 and 2 threads and keeps its threads.) The
    libraries are imported first: threadpoolctl limits only those already loaded."""
    import scipy.linalg  # noqa: F401
    import scipy.sparse.linalg  # noqa: F401
    import sklearn.utils.extmath  # noqa: F401
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


DENSE_SPECTRAL = 256  # components up to this many windows get a dense eigendecomposition


def _spectral(graph, dim: int, seed: int) -> np.ndarray:
    """Spectral coordinates of one connected component (its normalised Laplacian's eigenvectors
    of the ``dim`` smallest non-zero eigenvalues), as umap-learn computes them: its own
    ``spectral_layout`` (sparse Lanczos) for large components, a dense eigendecomposition for
    small ones (the sparse solver cannot take fewer than ``dim`` + 2 vertices)."""
    n = graph.shape[0]
    if n > DENSE_SPECTRAL:
        umap = import_umap()
        return umap.spectral.spectral_layout(None, graph, dim, np.random.RandomState(seed))
    w = np.asarray(graph.todense(), dtype=np.float64)
    inv_sqrt = 1.0 / np.sqrt(np.maximum(w.sum(axis=0), np.finfo(np.float64).tiny))
    laplacian = np.eye(n) - inv_sqrt[:, None] * w * inv_sqrt[None, :]
    _, vectors = np.linalg.eigh(laplacian)
    return vectors[:, 1 : dim + 1]


def initial_layout(
    x: np.ndarray, neighbours, n_neighbors: int, *, seed: int, params: dict | None = None, dim: int = 2
) -> np.ndarray:
    """A deterministic initial layout of a UMAP: the same bytes on every run and thread count.

    umap-learn's default ``spectral`` initialisation lays out each connected component of the
    fuzzy neighbour graph spectrally, and places the components by a spectral embedding of
    their centroids' Gaussian affinities; between distant centroids those affinities are 0, the
    eigenproblem is degenerate and ARPACK returns different vectors on every call (the demo's
    fan log-mel stack-5 map, 5 components, moved windows by 25-30 units between two runs with
    one seed). Here each component gets the same spectral layout (:func:`_spectral`) and the
    components are placed by a principal-component projection of their centroids (for up to
    ``2 * dim`` components, umap-learn's own fixed places), each scaled, as umap-learn scales
    them, to half the distance to its nearest neighbour component; components too small for a
    spectral layout (``dim`` + 1 windows or fewer) are spread at random (seeded) there. Then,
    as umap-learn does for its spectral initialisation, coordinates are scaled to at most 10
    and get seeded noise of scale 1e-4.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        The windows the map is fitted on.
    neighbours : tuple of ndarray
        Each window's ``n_neighbors`` nearest windows and their distances (itself first).
    n_neighbors : int
        UMAP's ``n_neighbors``.
    seed : int
        The map's seed.
    params : dict, optional
        Further UMAP keyword arguments (the graph's ``set_op_mix_ratio``, ``local_connectivity``).
    dim : int
        Dimensions of the map.
    """
    from scipy.sparse.csgraph import connected_components

    umap = import_umap()
    params = params or {}
    indices, distances = (np.asarray(a) for a in tuple(neighbours)[:2])
    graph, _, _ = umap.umap_.fuzzy_simplicial_set(
        x,
        n_neighbors,
        np.random.RandomState(seed),
        "precomputed",
        {},
        indices,
        distances,
        set_op_mix_ratio=params.get("set_op_mix_ratio", 1.0),
        local_connectivity=params.get("local_connectivity", 1.0),
    )
    # umap-learn lays out the graph without its weakest edges (below the strongest / epochs):
    # the components and the spectral layout are those of the same pruned graph
    default_epochs = 500 if graph.shape[0] <= 10000 else 200
    epochs = params.get("n_epochs") or default_epochs
    epochs = max(epochs) if isinstance(epochs, (list, tuple)) else epochs
    graph = graph.tocsr()
    graph.data[graph.data < graph.data.max() / float(epochs if epochs > 10 else default_epochs)] = 0.0
    graph.eliminate_zeros()
    rng = np.random.RandomState(seed)
    n_components, labels = connected_components(graph, directed=False)
    if n_components <= 2 * dim:
        k = int(np.ceil(n_components / 2.0))
        base = np.hstack([np.eye(k), np.zeros((k, max(dim - k, 0)))])[:, :dim]
        places = np.vstack([base, -base])[:n_components]
    else:
        centroids = np.stack([x[labels == c].mean(axis=0, dtype=np.float64) for c in range(n_components)])
        centred = centroids - centroids.mean(axis=0)
        u, s, vt = np.linalg.svd(centred, full_matrices=False)
        rank = min(dim, len(s))  # (windows of fewer dimensions than the map: the rest stay 0)
        signs = np.sign(vt[np.arange(rank), np.abs(vt[:rank]).argmax(axis=1)])  # a sign convention
        places = np.zeros((n_components, dim))
        places[:, :rank] = (u[:, :rank] * s[:rank]) * signs
        places /= max(np.abs(places).max(), np.finfo(np.float64).tiny)
    out = np.zeros((len(x), dim), dtype=np.float64)
    for c in range(n_components):
        members = labels == c
        gaps = np.linalg.norm(places - places[c], axis=1)
        gaps = gaps[gaps > 0]
        radius = gaps.min() / 2.0 if len(gaps) else 1.0
        if members.sum() <= dim + 1:
            out[members] = rng.uniform(-radius, radius, size=(int(members.sum()), dim)) + places[c]
            continue
        layout = _spectral(graph[members][:, members], dim, seed)
        out[members] = layout * (radius / max(np.abs(layout).max(), np.finfo(np.float64).tiny)) + places[c]
    out *= 10.0 / max(np.abs(out).max(), np.finfo(np.float64).tiny)
    return (out + rng.normal(scale=0.0001, size=out.shape)).astype(np.float32)


def _fit_cuml(x: np.ndarray, params: dict, n_neighbors: int, seed) -> np.ndarray:
    """2-D UMAP of ``x`` with cuML on the GPU, exact (brute-force) neighbours."""
    from cuml.manifold import UMAP

    kwargs = {k: v for k, v in params.items() if k in CUML_ARGUMENTS}
    ignored = sorted(set(params) - set(kwargs))
    if ignored:
        log.warning("cuML's UMAP does not take %s: ignored", ", ".join(ignored))
    reducer = UMAP(n_components=2, n_neighbors=n_neighbors, random_state=seed, build_algo="brute_force_knn", **kwargs)
    log.info("cuML UMAP of %d points x %d dims, n_neighbors=%d, seed=%s", *x.shape, n_neighbors, seed)
    start = time.perf_counter()
    coords = np.asarray(reducer.fit_transform(np.ascontiguousarray(x, dtype=np.float32)), dtype=np.float32)
    log.info("cuML fit: %.1f s", time.perf_counter() - start)
    return coords


def windows_for_umap(
    sample: pd.DataFrame, stores=None, pca: int | None = None, seed: int | None = 0, windowing: str = "stack"
) -> np.ndarray:
    """The windows a UMAP of ``sample`` is fitted on: the gathered windows (made as
    ``windowing`` says: :func:`audio_umaps.stacking.gather`), or with ``pca`` components their
    projection, fitted on a seeded subset and computed chunk by chunk
    (:mod:`audio_umaps.neighbours`), so the full windows are never all in memory at once."""
    from . import neighbours as engine
    from .representations import window_dims

    stack = int(sample["stack"].iloc[0]) if len(sample) else 1
    width = window_dims(Store(sample["store"].iloc[0]).dims, stack, windowing) if len(sample) else 0
    if not pca or pca >= width:  # nothing to reduce
        return gather(sample, stores, windowing)
    sample = sample.reset_index(drop=True)

    def windows(rows):
        return gather(sample.iloc[rows].reset_index(drop=True), stores, windowing)

    start = time.perf_counter()
    with one_blas_thread():  # (the projection's last bits depend on BLAS's thread count)
        model = engine.fit_pca(windows, len(sample), int(pca), seed=seed)
        out = engine.project(model, windows, len(sample))
    log.info("PCA of %d windows: %.1f s", len(sample), time.perf_counter() - start)
    return out


def embed(
    sample: pd.DataFrame,
    params: dict,
    threads: int = 1,
    stores=None,
    pca: int | None = None,
    search: dict | None = None,
    report=None,
    windowing: str = "stack",
) -> pd.DataFrame:
    """The sample table with ``x`` and ``y`` UMAP coordinates and ``umap_seed`` appended
    (``stores``: see :func:`gather`; ``pca``: components to reduce the windows to first, None
    for none; ``search``, ``report``: the neighbour engine's settings and facts, see
    :func:`fit_umap`; ``windowing``: how a window's frames become one vector). ``umap_seed`` is the config's ``umap.seed``, empty for an unseeded map,
    whose coordinates differ between runs."""
    start = time.perf_counter()
    x = windows_for_umap(sample, stores, pca, seed=params.get("seed"), windowing=windowing)
    log.info("%d windows x %d dims ready: %.1f s", *x.shape, time.perf_counter() - start)
    coords = fit_umap(x, params, threads, search=search, report=report)
    out = sample.copy()
    out["x"] = coords[:, 0]
    out["y"] = coords[:, 1]
    out["umap_seed"] = pd.array([params.get("seed")] * len(out), dtype="Int64")
    return out


def empty_embedding(sample: pd.DataFrame) -> pd.DataFrame:
    """The sample's columns plus ``x`` and ``y``, without rows: a skipped map."""
    return sample.iloc[:0].assign(x=np.float32(0), y=np.float32(0), umap_seed=pd.array([], dtype="Int64"))
