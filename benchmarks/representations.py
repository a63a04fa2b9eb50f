"""What each kind of representation costs in a feature job, against log-mel in the same run.

    .venv/bin/python -m benchmarks.representations [--clips 48] [--threads 1 2]

Every way runs ``audio_umaps.features.extract_many`` (decoding, computing and writing a zarr store,
as the feature rules do) on the same synthetic 10 s clips of one machine (16 kHz), in this
process, after a warm-up on two clips:

* ``mel``: log-mel, the baseline (one STFT, a mel matrix product);
* ``tkeo``: the Teager-Kaiser energy of 64 mel-spaced band-pass signals (scipy ``sosfilt``);
* ``onnx``: ``examples/export_onnx.py``'s untrained convolutional encoder over the workflow's
  log-mel (exported here with torch), through onnxruntime, 8 clips a run;
* ``embeddings``: reading the ``onnx`` store's frames back from one ``.npy`` file per clip
  (``features.import_embeddings``, with its checks), the cost of bringing one's own arrays.

Prints seconds per clip, clips per second and each way's ratio to log-mel on the same threads.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from audio_umaps import features, representations
from audio_umaps.store import Store
from benchmarks.common import ROOT, clips


def export_model(out: Path) -> dict:
    """The example's encoder, exported: its configuration block's onnx parameters."""
    spec = importlib.util.spec_from_file_location("export_onnx", ROOT / "examples/export_onnx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.ConvEncoder()
    module.export(model, out)
    frame, hop = module.frame_geometry(model)
    return {"kind": "onnx", "model": str(out), "input": "logmel", "frame_seconds": frame, "hop_seconds": hop}


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=48)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "audio-umaps-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    paths = clips(args.workdir, args.clips + 2)
    warm, paths = paths[:2], paths[2:]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        params = {
            "mel": representations.params("mel"),
            "tkeo": representations.params("tkeo"),
            "onnx": representations.params("conv", export_model(tmp / "conv.onnx")),
        }
        rows = []
        for threads in args.threads:
            for name, p in params.items():
                features.extract_many(warm, {name: (p, tmp / f"warm_{name}.zarr")}, threads=threads)
                seconds = timed(
                    lambda name=name, p=p, threads=threads: features.extract_many(
                        paths, {name: (p, tmp / f"{name}_{threads}.zarr")}, threads=threads
                    )
                )
                rows.append((name, threads, seconds))
            # the onnx store's frames, written back as one .npy per clip, read as embeddings
            store = Store(tmp / f"onnx_{threads}.zarr")
            (tmp / "emb" / "d").mkdir(parents=True, exist_ok=True)
            table = []
            for i, path in enumerate(store.files):
                rel = Path(path).name
                np.save(
                    tmp / "emb" / "d" / Path(rel).with_suffix(".npy"),
                    store.features[store.offsets[i] : store.offsets[i + 1]],
                )
                table.append({"dataset": "d", "path": path, "relpath": rel, "duration": 10.0})
            emb = representations.params(
                "emb",
                {
                    "kind": "embeddings",
                    "root": str(tmp / "emb"),
                    "frame_seconds": params["onnx"]["frame_seconds"],
                    "hop_seconds": params["onnx"]["hop_seconds"],
                    # the example's frames start at the mel's padding (onnx offset_seconds)
                    "offset_seconds": -0.032,
                },
            )
            seconds = timed(
                lambda emb=emb, threads=threads, table=table: features.import_embeddings(
                    pd.DataFrame(table), "emb", emb, tmp / f"emb_{threads}.zarr"
                )
            )
            rows.append(("embeddings", threads, seconds))
    n = len(paths)
    print(f"{n} clips of 10 s at 16 kHz; extract_many (import_embeddings for embeddings), after a 2-clip warm-up")
    print(f"{'way':<12}{'threads':>8}{'s/clip':>10}{'clips/s':>10}{'x log-mel':>11}")
    base = {t: s for name, t, s in rows if name == "mel"}
    for name, threads, seconds in rows:
        print(f"{name:<12}{threads:>8}{seconds / n:>10.4f}{n / seconds:>10.1f}{seconds / base[threads]:>11.2f}")


if __name__ == "__main__":
    main()
