"""The nearest-neighbour engines and the PCA: exact search checked against scikit-learn, the
approximate one against exact search (recall, bytes on any thread count), the choice between
them, and what the UMAP log says of the graph."""

import logging
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from audio_umaps import neighbours


@pytest.fixture
def windows():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 5, size=(4, 40))
    return (centres[rng.integers(0, 4, 600)] + rng.normal(size=(600, 40))).astype(np.float32)


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "sqeuclidean"])
def test_exact_neighbours_equal_scikit_learns(windows, metric):
    indices, distances = neighbours.knn(windows, k=15, metric=metric, threads=2)
    sk_metric = "euclidean" if metric == "sqeuclidean" else metric
    ref_d, ref_i = (
        NearestNeighbors(n_neighbors=15, algorithm="brute", metric=sk_metric).fit(windows).kneighbors(windows)
    )
    if metric == "sqeuclidean":
        ref_d = ref_d**2
    assert indices.shape == distances.shape == (600, 15) and indices.dtype == np.int32
    np.testing.assert_allclose(distances, ref_d, rtol=1e-3, atol=1e-3)
    # the same neighbour sets (ties aside: the data has none)
    assert np.mean([set(a) == set(b) for a, b in zip(indices, ref_i)]) > 0.99
    assert (indices[:, 0] == np.arange(600)).all() and np.allclose(distances[:, 0], 0, atol=1e-2)


def test_queries_against_another_base(windows):
    indices, distances = neighbours.knn(windows[:50], windows[100:], k=3)
    ref_d, ref_i = NearestNeighbors(n_neighbors=3).fit(windows[100:]).kneighbors(windows[:50])
    np.testing.assert_array_equal(indices, ref_i)
    np.testing.assert_allclose(distances, ref_d, rtol=1e-4, atol=1e-3)


def test_bad_requests_are_named(windows):
    with pytest.raises(ValueError, match="metric 'manhattan'"):
        neighbours.knn(windows, k=5, metric="manhattan")
    with pytest.raises(ValueError, match="k=601"):
        neighbours.knn(windows, k=601)
    with pytest.raises(ValueError, match="equal widths"):
        neighbours.knn(windows, windows[:, :3], k=2)
    assert neighbours.supports("cosine") and not neighbours.supports("manhattan")


def test_pca_reads_bounded_batches_and_matches_full_pca(windows):
    seen = []

    def read(rows):
        seen.append(len(rows))
        return windows[rows]

    model = neighbours.fit_pca(read, len(windows), 5, seed=0, fit_windows=400, batch=128)
    assert max(seen) <= 128 and sum(seen) == 400  # a 400-window subset, read 128 at a time
    seen.clear()
    projected = neighbours.project(model, read, len(windows), batch=100)
    assert projected.shape == (600, 5) and projected.dtype == np.float32 and max(seen) <= 100
    # the same subspace as a full PCA of every window, for the 3 directions the 4 blobs span
    full = PCA(5).fit(windows)
    overlap = np.linalg.svd(model.components_[:3] @ full.components_[:3].T, compute_uv=False)
    assert overlap.min() > 0.98
    # seeded: the same subset, the same projection
    again = neighbours.project(
        neighbours.fit_pca(read, len(windows), 5, seed=0, fit_windows=400, batch=128), read, len(windows)
    )
    np.testing.assert_array_equal(projected, again)


def test_pca_keeps_the_neighbours_of_low_rank_windows():
    # windows that vary along 6 directions of 40 (spectra do along a few), with a little noise
    rng = np.random.default_rng(2)
    windows = (rng.normal(size=(600, 6)) @ rng.normal(size=(6, 40)) + 0.05 * rng.normal(size=(600, 40))).astype(
        np.float32
    )
    model = neighbours.fit_pca(lambda rows: windows[rows], len(windows), 8, seed=0)
    reduced = neighbours.project(model, lambda rows: windows[rows], len(windows))
    full, _ = neighbours.knn(windows, k=10)
    small, _ = neighbours.knn(reduced, k=10)
    shared = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(full, small)])
    assert shared > 0.9


# The approximate engine (IVF-Flat) and the choice between the two


def clustered(n=6000, dims=24, seed=3):
    """Windows like a sample's: files of 100 windows (a slow walk each) around a few states."""
    rng = np.random.default_rng(seed)
    states = rng.normal(0, 4, size=(8, dims))
    files = [
        states[rng.integers(8)] + rng.normal(0, 1, dims) + np.cumsum(rng.normal(0, 0.2, (100, dims)), axis=0)
        for _ in range(n // 100)
    ]
    return (np.concatenate(files) + rng.normal(0, 3, (n, dims))).astype(np.float32)  # (recall ~0.99)


def test_auto_searches_exactly_up_to_exact_max_and_approximately_above():
    assert neighbours.choose(50000) == "exact" and neighbours.choose(50001) == "approximate"
    assert neighbours.choose(10, "auto", exact_max=9) == "approximate"
    assert neighbours.choose(10, "auto", exact_max=10) == "exact"
    # the config's engine overrides the size
    assert neighbours.choose(10**6, "exact") == "exact" and neighbours.choose(10, "approximate") == "approximate"
    with pytest.raises(ValueError, match="'neighbours.engine': 'fast'"):
        neighbours.choose(10, "fast")


def test_graph_follows_the_engine_and_measures_an_approximate_graphs_recall():
    x = clustered()
    exact = neighbours.graph(x, k=15, exact_max=len(x))
    assert exact.engine == "exact" and exact.recall is None and exact.describe() == "exact"
    truth, _ = neighbours.knn(x, k=15)
    np.testing.assert_array_equal(exact.indices, truth)
    approx = neighbours.graph(x, k=15, exact_max=len(x) - 1, queries=500)
    assert approx.engine == "approximate" and approx.queries == 500
    # its recall against every window's exact neighbours, and the one measured on 500 of them
    found = np.mean([len(np.intersect1d(a, b)) / 15 for a, b in zip(approx.indices, truth)])
    assert 0.95 <= found < 1 and abs(approx.recall - found) < 0.03
    assert re.fullmatch(r"approximate, recall@15 0\.9\d{3} on 500 windows", approx.describe())
    assert approx.facts() == {"engine": "approximate", "recall": approx.recall, "recall_queries": 500}
    forced = neighbours.graph(x, k=15, engine="exact", exact_max=0)
    assert forced.engine == "exact"


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cosine"])
def test_approximate_neighbours_are_close_to_exact_ones(metric):
    x = clustered()
    indices, distances = neighbours.knn_approximate(x, k=15, metric=metric, threads=2)
    truth, exact_d = neighbours.knn(x, k=15, metric=metric)
    assert indices.shape == distances.shape == (len(x), 15) and indices.dtype == np.int32
    assert distances.dtype == np.float32 and (np.diff(distances, axis=1) >= 0).all()
    assert (indices[:, 0] == np.arange(len(x))).all()  # each window its own first neighbour
    assert np.mean([len(np.intersect1d(a, b)) for a, b in zip(indices, truth)]) / 15 >= 0.95
    # where a neighbour is the exact one, so is its distance (computed directly: 0 to itself,
    # where exact search's BLAS expansion leaves up to ~0.02)
    same = indices[:, 1:] == truth[:, 1:]
    np.testing.assert_allclose(distances[:, 1:][same], exact_d[:, 1:][same], rtol=1e-3, atol=1e-3)
    assert (distances[:, 0] < 1e-5).all()


def test_windows_short_of_neighbours_in_their_lists_are_searched_exactly():
    x = clustered(n=200)
    # 200 lists of one window each, one searched: every window is searched exactly
    indices, distances = neighbours.knn_approximate(x, k=10, nlist=200, nprobe=1)
    truth, exact_d = neighbours.knn(x, k=10)
    np.testing.assert_array_equal(indices, truth)
    np.testing.assert_allclose(distances, exact_d, rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match="k=201"):
        neighbours.knn_approximate(x, k=201)


GRAPH_PROBE = textwrap.dedent("""
    import hashlib, sys
    import numpy as np
    from audio_umaps import neighbours
    rng = np.random.default_rng(5)
    x = (rng.normal(0, 3, (6, 16))[rng.integers(0, 6, 8000)] + rng.normal(size=(8000, 16))).astype(np.float32)
    g = neighbours.graph(x, k=15, engine="approximate", threads=int(sys.argv[1]), seed=42)
    print(hashlib.sha256(g.indices.tobytes() + g.distances.tobytes()).hexdigest(), repr(g.recall))
""")


def test_the_approximate_graph_is_byte_identical_in_fresh_processes_on_any_thread_count():
    def run(threads):
        env = {**os.environ, **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}
        done = subprocess.run(
            [sys.executable, "-c", GRAPH_PROBE, str(threads)], capture_output=True, text=True, env=env, check=True
        )
        return done.stdout.strip().splitlines()[-1]

    first, again, two = run(1), run(1), run(2)
    assert first == again == two
    assert float(first.split()[1]) >= 0.9


def test_the_umap_log_and_report_name_the_graphs_engine_and_recall(caplog):
    from audio_umaps import umap as umap_step

    x = clustered(n=600, dims=12)
    params = {"n_neighbors": 10, "seed": 1, "backend": "umap-learn", "n_epochs": 20}
    caplog.set_level(logging.INFO, logger="audio_umaps")
    report = {}
    umap_step.fit_umap(x, params, search={"engine": "approximate"}, report=report)
    line = next(r.getMessage() for r in caplog.records if "nearest neighbours of 600" in r.getMessage())
    assert "faiss, approximate, recall@10 " in line and "on 600 windows" in line
    assert report["engine"] == "approximate" and 0.9 <= report["recall"] <= 1 and report["recall_queries"] == 600
    caplog.clear()
    report = {}
    umap_step.fit_umap(x, params, search={"engine": "auto", "exact_max": 600}, report=report)
    line = next(r.getMessage() for r in caplog.records if "nearest neighbours of 600" in r.getMessage())
    assert "faiss, exact:" in line
    assert report == {"engine": "exact", "recall": None, "recall_queries": 0}


@pytest.mark.parametrize("engine", ["exact", "approximate"])
def test_the_graph_search_in_batches_equals_one_search_and_logs_its_progress(engine, monkeypatch, caplog):
    x = clustered(n=10000)
    whole = neighbours.graph(x, k=15, engine=engine, queries=100)
    monkeypatch.setattr(neighbours, "SEARCH_BATCH", 4096)  # several batches (one faiss block each)
    monkeypatch.setattr("audio_umaps.progress.EVERY", 0)
    with caplog.at_level(logging.INFO, logger="audio_umaps.neighbours"):
        batched = neighbours.graph(x, k=15, engine=engine, queries=100)
    assert len(x) > 2 * 4096
    if engine == "approximate":  # (the scan is per query: the same bytes)
        np.testing.assert_array_equal(batched.indices, whole.indices)
        np.testing.assert_array_equal(batched.distances, whole.distances)
    else:  # BLAS blocks of other sizes: the same neighbours, distances to the last bits
        assert (batched.indices == whole.indices).mean() > 0.999
        np.testing.assert_allclose(batched.distances**2, whole.distances**2, rtol=1e-5, atol=1e-3)  # (self: ~0)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"UMAP graph, {engine} search")]
    assert any(f"4,096 of {len(x):,} windows" in line for line in lines), lines
    assert "done in" in lines[-1]
