"""One metrics job at the size of a real DCASE 2021 machine: where its time goes.

    .venv/bin/python -m benchmarks.metrics_scale [--sections 1] [--data stft:10] [--profile]

Writes one synthetic machine (the demo's fan sound) in the DCASE 2021 layout with, per
section, the development set's counts (1,000 source and 3 target training clips, 100 normal
and 100 anomalous test clips per domain: 400 test clips; 10 s each, 313 frames at hop 512 and
16 kHz), its manifest and its log-STFT store, once, under ``--workdir``. A UMAP table of the
device is stood in for by the paper's device sample (``sampling.device``) with seeded random
2-D coordinates: the 2-D part's cost depends on its windows, not on where they lie.

Then runs :func:`audio_umaps.metrics.measure_device` with config/paper.yaml's ``metrics``
block (``--windows-per-file`` overrides ``metrics.windows_per_file``) on ``--threads``
threads, and prints the time of each of its parts (reading windows, kNN and LOF of the
original space, each SEP group's SVM fits, the 2-D part) and the total. ``--profile`` prints
cProfile's largest cumulative times as well. A real machine has 3 sections: the original
space's costs grow linearly with the sections (its test windows, its banks, its SEP groups),
so a job of ``--sections 1`` times 3, plus the device group's SVM, is the full machine's.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from audio_umaps import features, representations
from audio_umaps.manifest import build_manifest
from benchmarks.common import ROOT, machine

TIMES: dict[str, float] = defaultdict(float)


def dataset(workdir: Path, sections: int, representation: str) -> tuple[pd.DataFrame, dict]:
    """The synthetic machine's manifest and ``{(dataset, part): store}``, made once."""
    root, _ = machine(workdir / f"machine_{sections}s", sections=sections, source=1000, target=3, test=100, seed=5)
    manifest_path = workdir / f"manifest_{sections}s.tsv"
    if manifest_path.exists():
        manifest = pd.read_csv(manifest_path, sep="\t", dtype={"section": str}, keep_default_na=False)
    else:
        manifest, _ = build_manifest("dcase2021", {"kind": "dcase2021", "root": str(root)}, 0.5)
        manifest.to_csv(manifest_path, sep="\t", index=False)
    store = workdir / f"{representation}_{sections}s.zarr"
    if not store.exists():
        features.extract_many(
            manifest["path"].tolist(), {representation: (representations.params(representation), store)}, threads=2
        )
    return manifest, {("dcase2021", "fan"): str(store)}


def stand_in_map(manifest: pd.DataFrame, stores: dict, stack: int, caps: dict, seed: int = 0) -> pd.DataFrame:
    """The paper's device sample of the machine with seeded random coordinates ``x``, ``y``."""
    from audio_umaps.sampling import sample_scope

    sample = sample_scope(manifest, stores, stack, caps, seed, scope="fan")
    rng = np.random.default_rng(seed)
    return sample.assign(x=rng.normal(size=len(sample)), y=rng.normal(size=len(sample)), umap_seed=42)


@contextlib.contextmanager
def timed(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        TIMES[name] += time.perf_counter() - start


def instrument():
    """Wrap the parts of a metrics job in timers (reading, detectors, SVM, 2-D)."""
    from audio_umaps import detector, metrics, stacking

    def wrap(module, name, label):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            with timed(label(args, kwargs) if callable(label) else label):
                return original(*args, **kwargs)

        setattr(module, name, wrapper)

    wrap(stacking, "gather", "read windows (gather)")
    wrap(detector.Detector, "__init__", lambda a, kw: f"detector fit: bank kNN, LOF fit ({a[1].shape[1]} dims)")
    wrap(detector.Detector, "score", lambda a, kw: f"detector score: test kNN + LOF ({a[1].shape[1]} dims)")
    wrap(metrics, "separability", lambda a, kw: f"SEP: SVM fits ({a[0].shape[1]} dims)")


def gemm_rate(dims: int, bank: int, threads: int) -> float:
    """GFLOP/s of faiss's exact search here and now: 4,096 random queries against ``bank``."""
    from audio_umaps.neighbours import knn

    rng = np.random.default_rng(0)
    query = rng.standard_normal((4096, dims), dtype=np.float32)
    base = rng.standard_normal((bank, dims), dtype=np.float32)
    start = time.perf_counter()
    knn(query, base, k=5, threads=threads)
    return 2 * 4096 * bank * dims / (time.perf_counter() - start) / 1e9


def extrapolate(times: dict, total: float, sections: int, dims: int, tested: int, settings, threads: int):
    """The job of a machine of 3 sections from this one's parts, and the exact search's floor:
    the original space's reading and detectors grow with the sections, its SEP with the groups
    (each section x domain, and the device: 2 * sections + 1), the 2-D part not at all (the
    map's sample has its caps whatever the sections)."""
    original = sum(v for k, v in times.items() if f"({dims} dims)" in k or k.startswith("read"))
    sep = sum(v for k, v in times.items() if k.startswith("SEP") and f"({dims} dims)" in k)
    rest = total - original
    full = 3 / sections * (original - sep) + 7 / (2 * sections + 1) * sep + rest
    rate = gemm_rate(dims, settings.train_windows, threads)
    per_section = tested / sections
    flops = 3 * 2 * dims * settings.train_windows * (per_section + settings.train_windows)
    print(
        f"  a machine of 3 sections: about {full:.0f} s; its exact searches (test windows and banks, "
        f"{flops / 1e12:.1f} TFLOP) take {flops / rate / 1e9:.0f} s at the {rate:.0f} GFLOP/s faiss "
        f"reaches here now (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=1)
    parser.add_argument("--data", default="stft:10", help="representation:stack")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--windows-per-file", type=int, default=None)
    parser.add_argument("--svm-windows", type=int, default=None, help="overrides metrics.svm.windows")
    parser.add_argument("--train-windows", type=int, default=None, help="overrides metrics.train_windows")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "metricspeed")
    args = parser.parse_args()
    name, stack = args.data.split(":")
    stack = int(stack)
    args.workdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    manifest, stores = dataset(args.workdir, args.sections, name)
    print(f"data ready in {time.perf_counter() - start:.0f} s: {len(manifest)} files")
    paper = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    from audio_umaps import metrics

    block = dict(paper["metrics"])
    if args.windows_per_file:
        block["windows_per_file"] = args.windows_per_file
    if args.svm_windows:
        block["svm"] = {**block["svm"], "windows": args.svm_windows}
    if args.train_windows:
        block["train_windows"] = args.train_windows
    settings = metrics.Settings.from_config(block)
    embedding = stand_in_map(manifest, stores, stack, paper["sampling"]["device"], paper["sampling"]["seed"])
    instrument()
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    rows, files, _ = metrics.measure_device(
        manifest, stores, stack, settings, embedding=embedding, threads=args.threads
    )
    if profiler:
        profiler.disable()
    total = time.perf_counter() - start
    print(
        f"{name} stack {stack}, {args.sections} section(s), windows_per_file={settings.windows_per_file}, "
        f"{args.threads} threads: measure_device {total:.1f} s ({len(rows)} rows, {files['windows'].sum()} test windows)"
    )
    for label, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<48} {seconds:8.1f} s")
    extrapolate(TIMES, total, args.sections, stack * 513, int(files["windows"].sum()), settings, args.threads)
    device = rows[(rows["section"] == "all") & rows["measure"].isin(["auc", "support"]) & (rows["level"] == "window")]
    print(device[["space", "method", "measure", "value"]].to_string(index=False))
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
