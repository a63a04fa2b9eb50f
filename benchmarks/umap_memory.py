"""Peak memory and time of one UMAP job at the paper's caps against the rule's own estimate.

    .venv/bin/python -m benchmarks.umap_memory [--data stft:10:266000] [--pca 64]

Runs what the umap rule runs (``audio_umaps.umap.embed``: gathering from the zarr stores, PCA, exact
neighbours, umap-learn with the config's seed 42) in a fresh process on a uniform sample of
``windows`` windows of log-STFT stack 10 (the paper's caps give about 266,000 windows per
device scope), and prints its peak resident memory and wall time beside
``audio_umaps.resources.umap`` (the job's ``mem_mb`` and ``runtime`` requests) and their
ratios: a ratio below 1 means the job fits its request. Data: synthetic 10 s clips (304
windows of stack 10 each), made once under ``--workdir``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from audio_umaps import resources
from benchmarks.common import RSS, clips, fresh, sample, stores

STAGE = f"""
import sys, logging, pandas as pd
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
from audio_umaps import umap as umap_step
sample = pd.read_csv(sys.argv[1], sep="\\t")
params = {{"n_neighbors": 15, "min_dist": 0.1, "metric": "euclidean", "seed": 42,
           "backend": "umap-learn"}}
umap_step.embed(sample, params, threads=2, pca=int(sys.argv[2]) or None)
{RSS}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="stft:10:266000", help="representation:stack:windows")
    parser.add_argument("--pca", type=int, default=64, help="PCA components (0: none)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "audio-umaps-bench")
    args = parser.parse_args()
    name, stack, windows = args.data.split(":")
    stack, windows = int(stack), int(windows)
    args.workdir.mkdir(parents=True, exist_ok=True)
    paths = clips(args.workdir, -(-windows // (313 - stack + 1)) + 1)
    table = sample(stores(args.workdir, paths)[name], stack, windows)
    tsv = args.workdir / f"memory_{name}_{stack}_{windows}.tsv"
    table.to_csv(tsv, sep="\t", index=False)
    dims = {"stft": 513, "mel": 128}[name]
    estimate = resources.umap(windows, stack, dims, args.pca or None)
    seconds, peak, _ = fresh(
        STAGE, str(tsv), str(args.pca), env={"AUDIO_UMAPS_NUMBA_CACHE": str(args.workdir / "numba")}
    )
    print(
        f"{name} stack {stack}, {windows} windows x {stack * dims} dims "
        f"({windows * stack * dims * 4 / 1e9:.2f} GB float32), PCA {args.pca or 'none'}, "
        f"{len(paths)} clips"
    )
    print(f"{'':<12}{'measured':>10}{'estimate':>10}{'ratio':>8}")
    print(f"{'peak MB':<12}{peak:>10.0f}{estimate.mem_mb:>10.0f}{peak / estimate.mem_mb:>8.2f}")
    print(f"{'minutes':<12}{seconds / 60:>10.1f}{estimate.runtime:>10.1f}{seconds / 60 / estimate.runtime:>8.2f}")


if __name__ == "__main__":
    main()
