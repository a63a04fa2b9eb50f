"""The UMAP stage against plain umap-learn, each in a fresh process, on the same windows.

    .venv/bin/python -m benchmarks.umap_stage [--sizes mel:5:12000 ...] [--stage 64:42 0:42 64:none]

Baseline: what the paper's code does, ``umap.UMAP().fit_transform(X)`` with umap-learn's
default settings (no seed: its layout runs on every core) in a fresh Python process, on windows
loaded from a .npy file. The workflow's stage: a fresh process running what the umap rule runs,
``audio_umaps.umap.embed`` on the sample table (windows gathered from the zarr stores, optional PCA,
exact neighbours with faiss, umap-learn with the precomputed graph), by default as the config
sets it (PCA to 64, seed 42), without PCA, and unseeded (as the baseline is), with the numba
cache warm (a first process fills it; its time is printed too).

For each size: wall time, peak resident memory and trustworthiness@15 (scikit-learn, on the
same fixed 4,000-window subsample, against the windows before any PCA) of both, and the
ratios. Data: synthetic 10 s clips of the demo's fan (4 sections), 313 frames each; 312 clips
give the 96,000 windows of log-mel stack 5.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from audio_umaps.stacking import gather
from benchmarks.common import RSS, clips, fresh, sample, stores

BASELINE = f"""
import sys, numpy as np, umap
x = np.load(sys.argv[1])
y = umap.UMAP().fit_transform(x)
np.save(sys.argv[2], y)
{RSS}
"""

STAGE = f"""
import sys, json, logging, numpy as np, pandas as pd
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
from audio_umaps import umap as umap_step
sample = pd.read_csv(sys.argv[1], sep="\\t")
seed = None if sys.argv[4] == "none" else int(sys.argv[4])
params = {{"n_neighbors": 15, "min_dist": 0.1, "metric": "euclidean", "seed": seed,
           "backend": "umap-learn"}}
pca = int(sys.argv[3]) or None
out = umap_step.embed(sample, params, threads=2, pca=pca)
np.save(sys.argv[2], out[["x", "y"]].to_numpy())
{RSS}
"""


def trustworthiness(x: np.ndarray, y: np.ndarray, subset: np.ndarray) -> float:
    from sklearn.manifold import trustworthiness as tw

    return float(tw(x[subset], y[subset], n_neighbors=15))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        default=["mel:5:12000", "mel:5:48000", "mel:5:96000", "stft:10:24000"],
        help="representation:stack:windows",
    )
    parser.add_argument(
        "--stage",
        nargs="+",
        default=["64:42", "0:42", "64:none"],
        help="ways of running the workflow's stage, PCA:SEED (PCA 0: none; SEED "
        "none: unseeded, umap-learn's layout on every core, as the baseline)",
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "audio-umaps-bench")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    paths = clips(args.workdir, 312)
    made = stores(args.workdir, paths)
    cache = {"AUDIO_UMAPS_NUMBA_CACHE": str(args.workdir / "numba")}
    results = []
    warmed = False
    print(
        f"{'data':<16}{'way':<20}{'seconds':>9}{'peak MB':>9}{'trust@15':>10}{'speed-up':>10}"
        f"{'memory':>8}{'trust diff':>12}"
    )
    for size in args.sizes:
        name, stack, windows = size.split(":")
        table = sample(made[name], int(stack), int(windows))
        tsv = args.workdir / f"sample_{name}_{stack}_{windows}.tsv"
        table.to_csv(tsv, sep="\t", index=False)
        x = gather(table)
        npy = args.workdir / "windows.npy"
        np.save(npy, x)
        subset = np.sort(np.random.default_rng(1).choice(len(x), min(4000, len(x)), replace=False))
        if not warmed:  # fill the numba cache once, as the first job of a run does
            seconds, _, _ = fresh(STAGE, str(tsv), str(args.workdir / "y.npy"), "64", "42", env=cache)
            print(f"(first stage process, filling the numba cache: {seconds:.1f} s)")
            warmed = True
        base_s, base_mb, _ = fresh(BASELINE, str(npy), str(args.workdir / "y.npy"))
        base_tw = trustworthiness(x, np.load(args.workdir / "y.npy"), subset)
        label = f"{name} s{stack} {int(windows) // 1000}k"
        print(f"{label:<16}{'plain umap-learn':<20}{base_s:>9.1f}{base_mb:>9.0f}{base_tw:>10.4f}")
        row = {"data": size, "dims": int(x.shape[1]), "baseline": {"seconds": base_s, "mb": base_mb, "trust": base_tw}}
        for way in args.stage:
            pca, seed = way.split(":")
            s, mb, _ = fresh(STAGE, str(tsv), str(args.workdir / "y.npy"), pca, seed, env=cache)
            t = trustworthiness(x, np.load(args.workdir / "y.npy"), subset)
            way = f"pca {pca or 'none'}, seed {seed}".replace("pca 0,", "no pca,")
            print(
                f"{'':<16}{way:<20}{s:>9.1f}{mb:>9.0f}{t:>10.4f}{base_s / s:>9.2f}x"
                f"{mb / base_mb:>7.2f}x{t - base_tw:>+12.4f}"
            )
            row[way] = {"seconds": s, "mb": mb, "trust": t}
        results.append(row)
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
