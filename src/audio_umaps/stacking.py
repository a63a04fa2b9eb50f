"""Stacking: a window is ``k`` consecutive frames of one file, flattened; windows never cross
files.
"""

from __future__ import annotations

import numpy as np


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
