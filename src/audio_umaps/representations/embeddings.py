"""Precomputed embeddings: arrays a researcher's own model wrote, one per audio file.

The embedding of an audio file of dataset ``D`` with path ``rel/path/x.wav`` under the dataset's
root is ``<root>/D/rel/path/x.npy`` (or ``x.wav.npy``, ``x.npz``, ``x.wav.npz``): a frames x dims
array (``.npz``: the array named by ``key``, or its only array). Frame ``j`` covers
``[offset_seconds + j * hop_seconds, ... + frame_seconds)`` of the file: give ``offset_seconds``
``-frame_seconds / 2`` for frames centred on ``j * hop_seconds`` (librosa's ``center=True``).
With ``clip: true`` each file has one vector (``dims`` or ``1 x dims``) whose window is the whole
file; only stack 1 exists then.

A file is left out, with the reason in the dataset's exclusion report, when its embedding is
missing or unreadable, has another number of dimensions than ``dims`` (null: the first file's),
holds NaN or infinite values, or has a frame count that does not fit the audio's duration
``d``: between ``floor((d - frame_seconds) / hop_seconds) + 1`` (frames inside the file) and
``ceil(d / hop_seconds) + 1`` (frames centred on every hop, padded), one frame of slack each
side (:func:`frame_range`).

Nothing is computed from the audio: the feature job reads these files (``FROM_FILES``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

FROM_FILES = True
SUFFIXES = (".npy", ".npz")

DEFAULTS = {
    "root": None,  # folder holding a folder per dataset
    "frame_seconds": None,  # seconds of audio one frame saw
    "hop_seconds": None,  # seconds between frames
    "offset_seconds": 0.0,  # where frame 0 starts in the file (s)
    "clip": False,  # one vector per file
    "dims": None,  # features per frame; null: the first file's
    "key": None,  # the array of an .npz file; null: its only array
}


class EmbeddingError(ValueError):
    """An embedding file that cannot be used; the message says why."""


def check(params: dict, name: str = "embeddings") -> None:
    """Raise ValueError naming the config key when the parameters cannot describe frames."""
    key = f"representation_params.{name}"
    if not params.get("root"):
        raise ValueError(
            f"config key '{key}.root': the folder holding the embeddings (a folder per dataset) is missing"
        )
    if not Path(params["root"]).is_dir():
        raise ValueError(f"config key '{key}.root': {params['root']} is not a folder")
    if not params.get("clip"):
        for what in ("frame_seconds", "hop_seconds"):
            value = params.get(what)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"config key '{key}.{what}': seconds (> 0) are needed for frame embeddings "
                    f"(got {value!r}); or set clip: true for one vector per file"
                )


def clip_level(params: dict) -> bool:
    return bool(params.get("clip"))


def locate(root, dataset: str, relpath: str) -> Path | None:
    """The embedding file of an audio file, or None when there is none."""
    base = Path(root) / dataset / relpath
    for stem in (base.with_suffix(""), base):
        for suffix in SUFFIXES:
            candidate = stem.with_name(stem.name + suffix)
            if candidate.is_file():
                return candidate
    return None


def load(path, key: str | None = None) -> np.ndarray:
    """The array of an embedding file (``.npy``; ``.npz``: ``key``, or its only array)."""
    path = Path(path)
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                names = list(archive.files)
                if key is None:
                    if len(names) != 1:
                        raise EmbeddingError(
                            f"holds {len(names)} arrays ({', '.join(names)}); name one with the representation's 'key'"
                        )
                    key = names[0]
                if key not in names:
                    raise EmbeddingError(f"has no array {key!r} (it holds {', '.join(names)})")
                return np.asarray(archive[key])
        return np.load(path, allow_pickle=False)
    except EmbeddingError:
        raise
    except Exception as exc:  # numpy's own messages (truncated file, pickled object...)
        raise EmbeddingError(f"unreadable embedding {path.name}: {exc}") from exc


def frame_range(duration: float, params: dict) -> tuple[int, int]:
    """Fewest and most frames an embedding of a ``duration`` s file may have (with one frame of
    slack each side): frames inside the file, up to frames centred on every hop."""
    frame, hop = float(params["frame_seconds"]), float(params["hop_seconds"])
    inside = math.floor((duration - frame) / hop + 1e-9) + 1 if duration >= frame else 1
    centred = math.ceil(duration / hop - 1e-9) + 1
    return max(1, inside - 1), centred + 1


def read(path, params: dict, duration: float, dims: int | None = None) -> np.ndarray:
    """The frames x dims float32 array of one embedding file, checked against the audio's
    ``duration`` (s) and ``dims``; raises :class:`EmbeddingError` saying what is wrong."""
    array = load(path, params.get("key"))
    if array.dtype.kind not in "fiu":
        raise EmbeddingError(f"holds {array.dtype} values, not numbers")
    if params.get("clip"):
        if array.ndim == 2 and array.shape[0] == 1:
            array = array[0]
        if array.ndim != 1:
            raise EmbeddingError(f"has shape {array.shape}; clip: true expects one vector (dims, or 1 x dims)")
        array = array[None, :]
    elif array.ndim != 2:
        raise EmbeddingError(f"has shape {array.shape}; expected frames x dims (or set clip: true for one vector)")
    want = dims if dims is not None else params.get("dims")
    if want is not None and array.shape[1] != int(want):
        raise EmbeddingError(f"has {array.shape[1]} dimensions per frame, the others {int(want)}")
    if array.shape[0] == 0:
        raise EmbeddingError("has no frames")
    array = array.astype(np.float32, copy=False)
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).any(axis=1).sum())
        raise EmbeddingError(f"holds NaN or infinite values in {bad} of {len(array)} frames")
    if not params.get("clip"):
        low, high = frame_range(duration, params)
        if not low <= len(array) <= high:
            raise EmbeddingError(
                f"has {len(array)} frames; a {duration:.3f} s file at a hop of {params['hop_seconds']} s "
                f"and frames of {params['frame_seconds']} s has {low}-{high}: check hop_seconds and "
                "frame_seconds, or whether it belongs to this file"
            )
    return array


def dims(params: dict) -> int:
    """Features per frame: ``dims``, else those of the first embedding file under ``root``."""
    if params.get("dims") is not None:
        return int(params["dims"])
    root = Path(params["root"] or ".")
    for path in sorted(p for suffix in SUFFIXES for p in root.rglob(f"*{suffix}")):
        try:
            array = load(path, params.get("key"))
        except EmbeddingError:
            continue
        return int(array.shape[-1]) if array.ndim else 1
    raise ValueError(f"no readable embedding file (.npy, .npz) under {root}: set the representation's 'dims'")


def compute(y, sample_rate, params):  # pragma: no cover - the registry's contract
    raise TypeError("precomputed embeddings are read from files (features.import_embeddings), not computed")


def frame_seconds(sample_rate: int, params: dict) -> float:
    """Seconds of audio one frame saw (a clip-level vector: 0, its window being the file)."""
    return 0.0 if params.get("clip") else float(params["frame_seconds"])


def frame_times(n_frames: int, sample_rate: int, params: dict) -> np.ndarray:
    """Centre (s) of each frame in the file (a clip-level vector: 0, the file's start)."""
    if params.get("clip"):
        return np.zeros(n_frames)
    return (
        float(params["offset_seconds"])
        + np.arange(n_frames) * float(params["hop_seconds"])
        + frame_seconds(sample_rate, params) / 2
    )


def provenance(params: dict) -> dict:
    return {"embeddings_root": str(params["root"])}
