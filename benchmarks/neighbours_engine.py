"""Exact against approximate nearest neighbours for UMAP's graph: seconds and recall@15.

    .venv/bin/python -m benchmarks.neighbours_engine [--data synthetic|mel] [--sizes 50000 ...]
        [--engines exact ivf hnsw] [--nprobe 16 32] [--umap 100000]

For each size, in one process on 2 threads: faiss's exact search (``faiss.knn``, the
``exact`` engine); the ``approximate`` engine (``audio_umaps.neighbours.knn_approximate``:
IVF-Flat, about 4 * sqrt(n) lists; k-means, assignment and filing on one thread, the scan on
two; each window searching ``NPROBE_SHARE`` of the lists, or each ``--nprobe``); and faiss's
HNSW (``IndexHNSWFlat``, M 32, built on one thread, as its result repeats only then; searched
on two with efSearch 128). Printed: seconds (wall, and CPU of all threads), exact's over the
engine's (wall, CPU), and recall@15 against the exact graph. Above ``--exact-full`` windows
exact search is timed on 4,096 seeded queries and scaled to all (its cost is linear in the
queries), and recall is measured on those queries.

Data: ``synthetic`` windows of 64 dimensions with the structure of windows of audio files
(files of a few machine states, each a slow walk, plus noise: see :func:`synthetic`), or
``mel``: log-mel stack-5 windows of the synthetic fan clips (``benchmarks.common``) reduced by
PCA to 64 as the workflow does (816 clips give 252,000 windows; made once under --workdir).

``--umap N``: the UMAP stage (``audio_umaps.umap.fit_umap``, seed 42) on N log-mel stack-5
windows (PCA 64) with the exact and with the approximate graph: seconds, and
trustworthiness@15 (scikit-learn) of each map on the same fixed 4,000-window subsample.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from audio_umaps import neighbours as engine

K = 15


def synthetic(n: int, dims: int = 64, seed: int = 0) -> np.ndarray:
    """``n`` windows of ``dims`` dimensions shaped like a sample of audio windows: files of 300
    windows, each of one of 16 machine states (centres in a 12-dimensional subspace), its own
    offset, a slow random walk along the file, and noise in every dimension."""
    rng = np.random.default_rng(seed)
    latent = 12
    states = rng.normal(0, 3, size=(16, latent))
    mixing = rng.normal(size=(latent, dims)) * np.linspace(1.5, 0.3, latent)[:, None]
    files = -(-n // 300)
    parts = []
    for _ in range(files):
        walk = np.cumsum(rng.normal(0, 0.08, size=(300, latent)), axis=0)
        z = states[rng.integers(16)] + rng.normal(0, 1, size=latent) + walk
        parts.append(z @ mixing + rng.normal(0, 3.0, size=(300, dims)))
    return np.concatenate(parts)[:n].astype(np.float32)


def mel_windows(workdir: Path, n: int) -> np.ndarray:
    """``n`` log-mel stack-5 windows of the synthetic clips, reduced by PCA to 64 (seed 42)."""
    from audio_umaps import umap as umap_step
    from benchmarks.common import clips, sample, stores

    paths = clips(workdir, 816)
    table = sample(stores(workdir, paths)["mel"], 5, n, seed=0)
    return umap_step.windows_for_umap(table, pca=64, seed=42)


def overlap(found: np.ndarray, truth: np.ndarray) -> float:
    """recall@k: the mean share of each row's exact neighbours that ``found`` holds."""
    hits = sum(len(np.intersect1d(a, b)) for a, b in zip(found, truth))
    return hits / truth.size


def hnsw(x: np.ndarray, ef_search: int = 128) -> np.ndarray:
    faiss = engine._faiss()
    index = faiss.IndexHNSWFlat(x.shape[1], 32)
    faiss.omp_set_num_threads(1)  # one thread: the graph is then the same on every run
    index.add(x)
    faiss.omp_set_num_threads(2)
    index.hnsw.efSearch = ef_search
    return index.search(x, K)[1]


def timed(fn):
    """``fn()``, its wall seconds and its CPU seconds (all threads)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - start, time.process_time() - cpu


def compare(x: np.ndarray, engines, nprobes, exact_full: int) -> None:
    n = len(x)
    if n <= exact_full:
        truth, exact_s, exact_cpu = timed(lambda: engine.knn(x, k=K, threads=2)[0])
        rows = slice(None)
        label = "exact (faiss.knn)"
    else:  # exact search is linear in the queries: timed on 4,096 of them (one faiss block)
        rows = np.sort(np.random.default_rng(0).choice(n, 4096, replace=False))
        truth, exact_s, exact_cpu = timed(lambda: engine.knn(x[rows], x, k=K, threads=2)[0])
        exact_s, exact_cpu = exact_s * n / len(rows), exact_cpu * n / len(rows)
        label = "exact, from 4,096 queries"
    row = "{:>14} {:<28} {:8.1f} {:8.1f} {:6.2f}x {:6.2f}x   {:.4f}"
    print(row.format(f"{n} x {x.shape[1]}", label, exact_s, exact_cpu, 1, 1, 1), flush=True)
    runs = []
    if "ivf" in engines:
        for nprobe in nprobes:
            lists = engine.lists_for(n)
            probes = nprobe or max(engine.NPROBE_MIN, int(np.ceil(engine.NPROBE_SHARE * lists)))
            name = f"ivf nlist {lists} nprobe {probes}"
            runs.append((name, lambda p=probes: engine.knn_approximate(x, k=K, threads=2, nprobe=p)[0]))
    if "hnsw" in engines:
        runs.append(("hnsw M 32 efSearch 128", lambda: hnsw(x)))
    for name, fn in runs:
        found, s, cpu = timed(fn)
        print(row.format("", name, s, cpu, exact_s / s, exact_cpu / cpu, overlap(found[rows], truth)), flush=True)


def umap_check(x: np.ndarray) -> None:
    from sklearn.manifold import trustworthiness

    from audio_umaps import umap as umap_step

    params = {"n_neighbors": K, "min_dist": 0.1, "metric": "euclidean", "seed": 42, "backend": "umap-learn"}
    subset = np.sort(np.random.default_rng(0).choice(len(x), 4000, replace=False))
    scores = {}
    for name in ("exact", "approximate"):
        start = time.perf_counter()
        g = engine.graph(x, k=K, threads=2, engine=name, seed=42)
        graph_s = time.perf_counter() - start
        coords = umap_step.fit_umap(x, params, threads=2, neighbours=(g.indices, g.distances))
        total = time.perf_counter() - start
        scores[name] = trustworthiness(x[subset], coords[subset], n_neighbors=K)
        print(
            f"umap {len(x)} windows, {g.describe():<45} graph {graph_s:6.1f} s, stage {total:6.1f} s, "
            f"trustworthiness@15 {scores[name]:.4f}",
            flush=True,
        )
    print(f"trustworthiness@15 approximate - exact: {scores['approximate'] - scores['exact']:+.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=("synthetic", "mel"), default="synthetic")
    parser.add_argument("--sizes", type=int, nargs="*", default=[50000, 150000, 250000])
    parser.add_argument("--engines", nargs="*", default=["ivf", "hnsw"], choices=("ivf", "hnsw"))
    parser.add_argument("--nprobe", type=int, nargs="*", default=[0], help="lists searched (0: the engine's share)")
    parser.add_argument(
        "--exact-full", type=int, default=60000, help="above this many windows, exact's time is from 4,096 queries"
    )
    parser.add_argument("--umap", type=int, default=0, help="windows of the UMAP check (0: none)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/audio-umaps-bench"))
    args = parser.parse_args()
    engine._threads(2)
    print(f"{'windows':>14} {'engine':<28} {'wall s':>8} {'cpu s':>8} {'wall':>7} {'cpu':>7} recall@15")
    for n in args.sizes:
        x = synthetic(n) if args.data == "synthetic" else mel_windows(args.workdir, n)
        compare(x, args.engines, args.nprobe, args.exact_full)
    if args.umap:
        umap_check(mel_windows(args.workdir, args.umap))


if __name__ == "__main__":
    main()
