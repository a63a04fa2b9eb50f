"""2-D UMAP embeddings of sampled windows, aligned row for row with the sample table."""

from __future__ import annotations

import ast
import difflib
import importlib.util
import logging
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .store import Store
from .stacking import stack_windows

log = logging.getLogger(__name__)


def gather(sample: pd.DataFrame, stores=None) -> np.ndarray:
    """The flattened windows of a sample table (rows in table order), read store by store
    with vectorised reads of just the chunks that hold them.

    ``stores``, when given, are the stores the caller declared it reads (a rule's inputs); a
    table naming any other store is refused rather than read behind the workflow's back.
    """
    if stores is not None:
        undeclared = sorted(set(sample["store"]) - {str(s) for s in stores})
        if undeclared:
            raise ValueError(
                f"the sample names feature stores that are not among the job's inputs: "
                f"{', '.join(undeclared)}; rebuild the sample (its scope's stores changed)"
            )
    stack = int(sample["stack"].iloc[0])
    out = None
    for store_path, rows in sample.groupby("store", sort=False):
        store = Store(store_path)
        windows = stack_windows(store, rows["file_index"].to_numpy(), rows["first_frame"].to_numpy(), stack)
        if out is None:
            out = np.empty((len(sample), windows.shape[1]), dtype=np.float32)
        elif windows.shape[1] != out.shape[1]:
            raise ValueError(
                f"{store_path} has {windows.shape[1] // stack} features per frame, other stores "
                f"{out.shape[1] // stack}: stores of one representation must share parameters"
            )
        out[rows.index.to_numpy()] = windows
    return out


# Keys of the config's `umap` block that umap.UMAP's own arguments do not cover, or that the
# workflow sets itself.
OWN_KEYS = {"seed": "the workflow's seed (umap.UMAP's random_state)"}
SET_BY_WORKFLOW = {
    "n_components": "the maps are 2-D: n_components is always 2; remove the key",
    "random_state": "use the key umap.seed instead",
    "n_jobs": "set by the job's threads (1 when umap.seed is set); remove the key",
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
    n = params.get("n_neighbors", 15)
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        problems.append(f"config key 'umap.n_neighbors': must be an integer of at least 2, not {n!r}")
    return problems


def too_small(windows: int, params: dict) -> str | None:
    """Why a sample of ``windows`` windows is too small for a UMAP with ``params`` (None when
    it is not): UMAP needs more windows than ``n_neighbors``."""
    n_neighbors = int(params.get("n_neighbors", 15))
    if windows <= n_neighbors:
        return (f"only {windows} window(s): a UMAP with n_neighbors={n_neighbors} needs at least "
                f"{n_neighbors + 1}; raise the sampling caps, add data, or lower umap.n_neighbors")
    return None


DISCONNECTED = ("the neighbour graph is not fully connected ({components} components): windows of "
                "one file are each other's nearest neighbours, so files (or groups of similar "
                "files) form islands that UMAP places apart; distances between islands mean little")


def fit_umap(x: np.ndarray, params: dict, threads: int = 1) -> np.ndarray:
    """2-D UMAP of ``x`` with umap-learn; ``params`` are UMAP keyword arguments plus ``seed``.

    With a seed, umap-learn runs single-threaded and is reproducible. A neighbour graph of more
    than one component (umap-learn warns "Graph is not fully connected") is explained in the
    log in one line, with the number of components.
    Raises ``ValueError`` for fewer windows than ``n_neighbors`` + 1 (:func:`too_small`).
    """
    import umap
    from scipy.sparse.csgraph import connected_components

    params = dict(params)
    seed = params.pop("seed", None)
    reason = too_small(len(x), params)
    if reason:
        raise ValueError(reason)
    n_neighbors = int(params.pop("n_neighbors", 15))
    reducer = umap.UMAP(
        n_components=2, n_neighbors=n_neighbors, random_state=seed,
        n_jobs=1 if seed is not None else threads, **params,
    )
    log.info("UMAP of %d points x %d dims, n_neighbors=%d, seed=%s", *x.shape, n_neighbors, seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coords = reducer.fit_transform(x).astype(np.float32)
    # umap-learn (through scikit-learn's spectral embedding) warns "Graph is not fully connected"
    # without saying what it means for these maps; one line here says it, with the count.
    components = connected_components(reducer.graph_, directed=False)[0]
    if components > 1:
        log.warning("umap-learn: %s", DISCONNECTED.format(components=components))
    for warning in caught:
        if "not fully connected" not in str(warning.message):
            log.warning("%s: %s", warning.category.__name__, warning.message)
    return coords


def embed(sample: pd.DataFrame, params: dict, threads: int = 1, stores=None) -> pd.DataFrame:
    """The sample table with ``x`` and ``y`` UMAP coordinates appended (``stores``: see
    :func:`gather`)."""
    coords = fit_umap(gather(sample, stores), params, threads)
    out = sample.copy()
    out["x"] = coords[:, 0]
    out["y"] = coords[:, 1]
    return out


def empty_embedding(sample: pd.DataFrame) -> pd.DataFrame:
    """The sample's columns plus ``x`` and ``y``, without rows: a skipped map."""
    return sample.iloc[:0].assign(x=np.float32(0), y=np.float32(0))

