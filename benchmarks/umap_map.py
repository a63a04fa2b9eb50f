"""The UMAP stage on one map of a workflow run: neighbour engines and layout epochs.

    .venv/bin/python -m benchmarks.umap_map RUN_FOLDER [--map stft:10:fan] [--epochs 100 50]
        [--exact] [--exact-epochs 200] [--subset 4000]

On the very windows of the run's map (its sample table, gathered and reduced by PCA as the
umap rule does, seed 42): the approximate graph (``audio_umaps.neighbours.graph`` with engine
``approximate``: its recall@15 on 1,000 seeded windows), with ``--exact`` exact search too and
their ratio; then umap-learn's layout (``fit_umap``, seed 42) on the approximate graph with each
``--epochs``, and on the exact graph with each ``--exact-epochs`` (umap-learn's default, 200
above 10,000 windows: the map the exact engine would have made). Trustworthiness@15 (scikit-learn) of each map and
of the run's own map (umap-learn's default epochs: 200 above 10,000 windows), on the same
seeded ``--subset`` windows in the original (not reduced) space. Everything runs in this one
process on 2 threads; run it with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from audio_umaps import neighbours, tables
from audio_umaps.stacking import gather
from audio_umaps.umap import fit_umap, windows_for_umap

SEED = 42
K = 15


def main(argv=None):
    from sklearn.manifold import trustworthiness

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--map", default="stft:10:fan", help="representation:stack:scope")
    parser.add_argument("--epochs", type=int, nargs="*", default=[100, 50])
    parser.add_argument("--exact", action="store_true", help="time exact search too")
    parser.add_argument("--exact-epochs", type=int, nargs="*", default=[], help="layouts on the exact graph")
    parser.add_argument("--subset", type=int, default=4000, help="windows of the trustworthiness check")
    parser.add_argument("--pca", type=int, default=64)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    representation, stack, scope = args.map.split(":")
    ours = tables.read("map", args.run / "results" / "umap" / representation / f"stack{stack}" / f"{scope}.tsv")
    ours["store"] = [str(args.run / s) for s in ours["store"]]
    subset = np.sort(np.random.default_rng(0).choice(len(ours), min(args.subset, len(ours)), replace=False))
    original = gather(ours.iloc[subset].reset_index(drop=True))

    def trust(coords: np.ndarray) -> float:
        return float(trustworthiness(original, coords[subset], n_neighbors=K))

    print(f"{args.map}: {len(ours):,} windows x {original.shape[1]:,} dims", flush=True)
    print(f"the run's map (default epochs): trust {trust(ours[['x', 'y']].to_numpy()):.4f}", flush=True)
    start = time.perf_counter()
    x = windows_for_umap(ours.drop(columns=["x", "y", "umap_seed"]), pca=args.pca, seed=SEED)
    print(f"gather + PCA to {x.shape[1]}: {time.perf_counter() - start:.1f} s", flush=True)
    start = time.perf_counter()
    g = neighbours.graph(x, k=K, threads=2, engine="approximate", seed=SEED)
    approximate = time.perf_counter() - start
    print(f"approximate graph: {approximate:.1f} s, {g.describe()}", flush=True)
    graphs = {"approximate": (g, args.epochs)}
    if args.exact or args.exact_epochs:
        start = time.perf_counter()
        e = neighbours.graph(x, k=K, threads=2, engine="exact", seed=SEED)
        exact = time.perf_counter() - start
        print(f"exact graph: {exact:.1f} s; exact / approximate {exact / approximate:.2f}", flush=True)
        graphs["exact"] = (e, args.exact_epochs)
    for engine, (found, epochs_list) in graphs.items():
        for epochs in epochs_list:
            params = {"n_neighbors": K, "min_dist": 0.1, "metric": "euclidean", "seed": SEED, "n_epochs": epochs}
            start = time.perf_counter()
            y = fit_umap(x, params, threads=2, neighbours=(found.indices, found.distances))
            seconds = time.perf_counter() - start
            print(f"{engine} graph, n_epochs {epochs}: {seconds:.1f} s (initialisation + layout), trust {trust(y):.4f}")


if __name__ == "__main__":
    main()
