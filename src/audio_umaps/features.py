"""Feature stores: one zarr store per dataset x representation x part (a device, or a slice of
an external dataset), written atomically.

Layout of a store::

    features   float32 (frames x dims), chunked along frames
    energy     float32 (frames,)  sum of spectral power per frame (absent without energy)
    offsets    int64   (files + 1,) rows of file i are offsets[i]:offsets[i+1]
    attrs      representation, params, sample_rate, frame_hop_seconds, files (manifest paths), ...
               and, for a representation with pretrained weights, which weights made it
               (weights, weights_sha256, random_weights)

Frame ``j`` of a file is centred at ``j * frame_hop_seconds + frame_offset_seconds``.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zarr

from . import audio, representations

CHUNK_FRAMES = 1024
log = logging.getLogger(__name__)


@dataclass
class ExtractResult:
    files: list[str] = field(default_factory=list)
    frames: int = 0
    excluded: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def extract(
    paths: list[str],
    representation: str,
    params: dict,
    out: str | Path,
    *,
    sample_rate: int = 16000,
    normalisation: str = "absmax",
    channels="mix",
    attrs: dict | None = None,
    threads: int = 1,
) -> ExtractResult:
    """Compute ``representation`` for every file in ``paths`` into the zarr store ``out``.

    The store is written under ``<out>.partial`` and renamed when complete, so an interrupted
    job never leaves a store that looks done. Files that cannot be used (unreadable, silent)
    are logged, left out and returned in ``excluded``; the others keep their order.
    """
    module = representations.get(representation)
    if hasattr(module, "set_threads"):
        module.set_threads(threads)
    out = Path(out)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    group = zarr.open_group(str(tmp), mode="w")
    result = ExtractResult()
    offsets = [0]
    arr = energy_arr = None
    buffer, energy_buffer, buffered = [], [], 0

    def flush():
        nonlocal buffer, energy_buffer, buffered
        if buffered:
            arr.append(np.concatenate(buffer), axis=0)
            if energy_arr is not None:
                energy_arr.append(np.concatenate(energy_buffer), axis=0)
        buffer, energy_buffer, buffered = [], [], 0

    for i, path in enumerate(paths):
        try:
            y = audio.load(path, sample_rate, normalisation, channels)
        except audio.AudioError as exc:
            log.warning("left out %s: %s", path, exc)
            result.excluded.append((path, str(exc)))
            continue
        feats, energy = module.compute(y, sample_rate, params)
        if arr is None:
            arr = group.create_array(
                "features", shape=(0, feats.shape[1]), chunks=(CHUNK_FRAMES, feats.shape[1]),
                dtype="float32",
            )
            if energy is not None:
                energy_arr = group.create_array(
                    "energy", shape=(0,), chunks=(CHUNK_FRAMES * 16,), dtype="float32"
                )
        buffer.append(feats)
        if energy_arr is not None:
            energy_buffer.append(energy)
        buffered += len(feats)
        offsets.append(offsets[-1] + len(feats))
        result.files.append(path)
        if buffered >= CHUNK_FRAMES * 4:
            flush()
        if (i + 1) % 100 == 0:
            log.info("%d/%d files, %d frames", i + 1, len(paths), offsets[-1])
    if arr is None:  # nothing usable: an empty store, still well-formed
        arr = group.create_array("features", shape=(0, 0), chunks=(CHUNK_FRAMES, 1), dtype="float32")
    flush()
    group.create_array("offsets", data=np.asarray(offsets, dtype=np.int64), chunks=(len(offsets),))
    frame_times = module.frame_times(2, sample_rate, params)
    group.attrs.update(
        {
            "representation": representation,
            "params": params,
            "sample_rate": sample_rate,
            "normalisation": normalisation,
            "channels": channels,
            "frame_hop_seconds": float(frame_times[1] - frame_times[0]),
            "frame_offset_seconds": float(frame_times[0]),
            "has_energy": energy_arr is not None,
            "files": result.files,
            **(module.provenance(params) if hasattr(module, "provenance") else {}),
            **(attrs or {}),
        }
    )
    result.frames = offsets[-1]
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return result
