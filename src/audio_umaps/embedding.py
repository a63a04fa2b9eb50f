"""2-D UMAP embeddings of sampled windows, aligned row for row with the sample table."""

from __future__ import annotations

import logging

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


def fit_umap(x: np.ndarray, params: dict, threads: int = 1) -> np.ndarray:
    """2-D UMAP of ``x`` with umap-learn; ``params`` are UMAP keyword arguments plus ``seed``.

    With a seed, umap-learn runs single-threaded and is reproducible.
    """
    import umap

    params = dict(params)
    seed = params.pop("seed", None)
    n_neighbors = min(int(params.pop("n_neighbors", 15)), max(2, len(x) - 1))
    reducer = umap.UMAP(
        n_components=2, n_neighbors=n_neighbors, random_state=seed,
        n_jobs=1 if seed is not None else threads, **params,
    )
    log.info("UMAP of %d points x %d dims, n_neighbors=%d, seed=%s", *x.shape, n_neighbors, seed)
    return reducer.fit_transform(x).astype(np.float32)


def embed(sample: pd.DataFrame, params: dict, threads: int = 1, stores=None) -> pd.DataFrame:
    """The sample table with ``x`` and ``y`` UMAP coordinates appended (``stores``: see
    :func:`gather`)."""
    coords = fit_umap(gather(sample, stores), params, threads)
    out = sample.copy()
    out["x"] = coords[:, 0]
    out["y"] = coords[:, 1]
    return out

