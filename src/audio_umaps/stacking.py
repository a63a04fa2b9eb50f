"""Stacking: a window is ``k`` consecutive frames of one file; windows never cross files.
:func:`gather` reads the windows of a table (sample, metrics) from their stores, each window as
its frames flattened (windowing ``stack``, the paper's), their mean (``mean``) or their mean
and standard deviation (``meanstd``), as the representation's ``windowing`` says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .representations import window_dims


def windows_per_file(n_frames: np.ndarray, stack: int) -> np.ndarray:
    """Number of windows of ``stack`` frames that fit in each file (0 when it is too short)."""
    return np.maximum(np.asarray(n_frames, dtype=np.int64) - stack + 1, 0)


def window_rows(offsets: np.ndarray, file_index: np.ndarray, first_frame: np.ndarray, stack: int) -> np.ndarray:
    """Row numbers in the store of every frame of every window: shape (windows, stack).

    Raises ``ValueError`` if a window would run past the end of its file.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    file_index = np.asarray(file_index, dtype=np.int64)
    first_frame = np.asarray(first_frame, dtype=np.int64)
    n_frames = offsets[file_index + 1] - offsets[file_index]
    if np.any(first_frame < 0) or np.any(first_frame + stack > n_frames):
        raise ValueError("a window runs past the end of its file")
    start = offsets[file_index] + first_frame
    return start[:, None] + np.arange(stack)[None, :]


def stack_windows(store, file_index: np.ndarray, first_frame: np.ndarray, stack: int) -> np.ndarray:
    """Gather flattened windows (windows x stack*dims) from a :class:`features.Store`.

    Only the chunks holding the needed frames are read.
    """
    rows = window_rows(store.offsets, file_index, first_frame, stack)
    frames = store.read_rows("features", rows.ravel())
    return frames.reshape(len(rows), stack * store.dims)


def window_energy(store, file_index: np.ndarray, first_frame: np.ndarray, stack: int) -> np.ndarray:
    """Sum of the per-frame energy over each window; NaN where the store has no energy."""
    if not store.attrs.get("has_energy", False):
        return np.full(len(file_index), np.nan)
    rows = window_rows(store.offsets, file_index, first_frame, stack)
    return store.read_rows("energy", rows.ravel()).reshape(rows.shape).astype(np.float64).sum(axis=1)


GATHER_CHUNK = 8192  # windows read at once: memory stays at the output plus one chunk's frames


def pool(windows: np.ndarray, stack: int, windowing: str = "stack") -> np.ndarray:
    """Flattened windows (windows x stack*dims) as ``windowing`` makes them: unchanged
    (``stack``), the mean of their frames (``mean``, windows x dims) or the mean then the
    standard deviation (``meanstd``, windows x 2*dims; population std)."""
    if windowing == "stack":
        return windows
    frames = windows.reshape(len(windows), stack, -1)
    mean = frames.mean(axis=1, dtype=np.float64)
    if windowing == "mean":
        return mean.astype(np.float32)
    if windowing == "meanstd":
        return np.concatenate([mean, frames.std(axis=1, dtype=np.float64)], axis=1).astype(np.float32)
    raise ValueError(f"unknown windowing {windowing!r}; expected stack, mean or meanstd")


def gather(sample: pd.DataFrame, stores=None, windowing: str = "stack") -> np.ndarray:
    """The windows of a sample table (rows in table order), read store by store and
    ``GATHER_CHUNK`` windows at a time, with vectorised reads of just the zarr chunks that
    hold them, into one float32 array (the only full-size copy): each window its frames
    flattened, or pooled as ``windowing`` says (:func:`pool`).

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
    positions = np.arange(len(sample))
    for store_path, rows in sample.groupby("store", sort=False):
        from .store import Store

        store = Store(store_path)
        width = window_dims(store.dims, stack, windowing)
        if out is None:
            out = np.empty((len(sample), width), dtype=np.float32)
            dims = store.dims
        elif store.dims != dims:
            raise ValueError(
                f"{store_path} has {store.dims} features per frame, other stores "
                f"{dims}: stores of one representation must share parameters"
            )
        where = positions[sample.index.get_indexer(rows.index)]
        files = rows["file_index"].to_numpy()
        firsts = rows["first_frame"].to_numpy()
        for start in range(0, len(rows), GATHER_CHUNK):
            part = slice(start, start + GATHER_CHUNK)
            out[where[part]] = pool(stack_windows(store, files[part], firsts[part], stack), stack, windowing)
    return out
