"""Gathering sampled windows from a feature store: chunk-wise vectorised reads (what the
workflow does) against loading the whole store first (the baseline), in one run.

    .venv/bin/python benchmarks/gather_windows.py [--files 400] [--windows 2000] [--stack 10]

Builds a log-STFT-shaped store (313 frames of 513 bins per 10 s file) of random features in a
temporary folder, samples windows as the workflow does, and reports time and peak Python
memory (tracemalloc) of both ways, and their ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import zarr

from audio_umaps import stacking
from audio_umaps.features import CHUNK_FRAMES
from audio_umaps.store import Store


def build_store(path: Path, files: int, frames: int, dims: int) -> None:
    group = zarr.open_group(str(path), mode="w")
    arr = group.create_array("features", shape=(files * frames, dims), chunks=(CHUNK_FRAMES, dims), dtype="float32")
    rng = np.random.default_rng(0)
    step = CHUNK_FRAMES * 8
    for start in range(0, files * frames, step):
        stop = min(start + step, files * frames)
        arr[start:stop] = rng.normal(-40, 10, size=(stop - start, dims)).astype(np.float32)
    group.create_array("offsets", data=np.arange(files + 1, dtype=np.int64) * frames)
    group.attrs.update(
        {
            "files": [f"f{i}.wav" for i in range(files)],
            "frame_hop_seconds": 0.032,
            "frame_offset_seconds": 0.0,
            "has_energy": False,
        }
    )


def measure(fn):
    tracemalloc.start()
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return out, seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--frames", type=int, default=313)
    parser.add_argument("--dims", type=int, default=513)
    parser.add_argument("--windows", type=int, default=2000)
    parser.add_argument("--stack", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.zarr"
        build_store(path, args.files, args.frames, args.dims)
        store = Store(path)
        rng = np.random.default_rng(1)
        per_file = args.frames - args.stack + 1
        flat = np.sort(rng.choice(args.files * per_file, size=args.windows, replace=False))
        file_index, first = flat // per_file, flat % per_file

        def baseline():
            everything = store.features[:]
            rows = stacking.window_rows(store.offsets, file_index, first, args.stack)
            return everything[rows.ravel()].reshape(len(rows), -1)

        def vectorised():
            return stacking.stack_windows(store, file_index, first, args.stack)

        expected, base_s, base_mb = measure(baseline)
        got, vec_s, vec_mb = measure(vectorised)
        assert np.array_equal(expected, got)
        size_mb = args.files * args.frames * args.dims * 4 / 1e6
        print(
            f"store: {args.files} files x {args.frames} frames x {args.dims} = {size_mb:.0f} MB float32; "
            f"{args.windows} windows of stack {args.stack}"
        )
        print(f"{'method':<28}{'seconds':>10}{'peak MB':>10}")
        print(f"{'baseline: load whole store':<28}{base_s:>10.2f}{base_mb:>10.0f}")
        print(f"{'vectorised chunk reads':<28}{vec_s:>10.2f}{vec_mb:>10.0f}")
        print(f"ratio vectorised/baseline: time {vec_s / base_s:.2f}, peak memory {vec_mb / base_mb:.2f}")


if __name__ == "__main__":
    main()
