"""Read access to feature stores (see :mod:`audio_umaps.features` for their layout).

Only zarr and numpy are needed here, so sampling and UMAP jobs do not import audio code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import zarr


class Store:
    """Read access to one feature store without loading its features."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.group = zarr.open_group(self.path, mode="r")
        self.attrs = dict(self.group.attrs)
        self.offsets = np.asarray(self.group["offsets"][:], dtype=np.int64)
        self.files: list[str] = list(self.attrs["files"])
        self.features = self.group["features"]

    @property
    def n_frames(self) -> np.ndarray:
        """Frames per file, in store order."""
        return np.diff(self.offsets)

    @property
    def dims(self) -> int:
        return int(self.features.shape[1])

    def frame_time(self, frame: np.ndarray) -> np.ndarray:
        return np.asarray(frame) * self.attrs["frame_hop_seconds"] + self.attrs["frame_offset_seconds"]

    def read_rows(self, name: str, rows: np.ndarray) -> np.ndarray:
        """Rows ``rows`` (any order, repeats allowed) of array ``name``, reading only the
        chunks that hold them."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            shape = (0,) + tuple(self.group[name].shape[1:])
            return np.empty(shape, dtype=np.float32)
        unique, inverse = np.unique(rows, return_inverse=True)
        return self.group[name].oindex[unique][inverse]


from .tables import RANDOM_WEIGHTS_NOTE  # noqa: E402  (one note, for stores and tables)


def random_weight_stores(paths) -> list[str]:
    """The stores among ``paths`` whose features were made with random (test) weights."""
    return [
        str(p)
        for p in dict.fromkeys(map(str, paths))
        if zarr.open_group(str(p), mode="r").attrs.get("random_weights", False)
    ]


def flag_random_weights(log, paths) -> bool:
    """Log a warning naming the stores made with random weights; True when there are any."""
    flagged = random_weight_stores(paths)
    if flagged:
        log.warning("%s (%s)", RANDOM_WEIGHTS_NOTE, ", ".join(flagged))
    return bool(flagged)
