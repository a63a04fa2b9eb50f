"""UMAP fitting: the precomputed exact graph (pynndescent never runs), maps that repeat byte for
byte, the numba cache across processes, the backend choice, and the config checks."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from audio_umaps import umap as umap_step


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 8, size=(3, 20))
    labels = rng.integers(0, 3, 300)
    return (centres[labels] + rng.normal(size=(300, 20))).astype(np.float32), labels


PARAMS = {"n_neighbors": 10, "min_dist": 0.1, "metric": "euclidean", "seed": 42, "backend": "umap-learn"}


def test_umap_uses_the_exact_graph_and_never_pynndescent(blobs, monkeypatch):
    umap = umap_step.import_umap()
    x, labels = blobs

    def no_search(*args, **kwargs):
        raise AssertionError("pynndescent's search ran")

    monkeypatch.setattr(umap.umap_, "nearest_neighbors", no_search)
    coords = umap_step.fit_umap(np.repeat(x, 15, axis=0), PARAMS)  # over 4,096: the large path
    assert coords.shape == (4500, 2) and np.isfinite(coords).all()
    coords = umap_step.fit_umap(x, PARAMS)
    # the three blobs stay apart: each point's nearest map neighbour shares its blob
    from sklearn.neighbors import NearestNeighbors

    nearest = NearestNeighbors(n_neighbors=2).fit(coords).kneighbors(coords)[1][:, 1]
    assert (labels[nearest] == labels).mean() > 0.95
    again = umap_step.fit_umap(x, PARAMS)
    np.testing.assert_array_equal(coords, again)  # seeded: reproducible


@pytest.mark.slow
def test_other_metrics_fall_back_to_umap_learns_search(blobs):
    coords = umap_step.fit_umap(blobs[0], {**PARAMS, "metric": "manhattan"})
    assert coords.shape == (300, 2) and np.isfinite(coords).all()


FIT_PROBE = textwrap.dedent("""
    import hashlib, json, sys
    import numpy as np
    from scipy.sparse.csgraph import connected_components
    from audio_umaps import neighbours, umap as umap_step
    # twelve "files" far apart, each a slow random walk: windows of one file are each other's
    # neighbours, so the graph falls apart into islands (umap-learn's own placement of these
    # differed between two calls in one process)
    rng = np.random.default_rng(12)
    x = np.concatenate([np.cumsum(rng.normal(size=(70, 12)), axis=0) * 0.1 + rng.normal(0, 30, size=12)
                        for _ in range(12)]).astype(np.float32)
    threads = int(sys.argv[1])
    coords = umap_step.fit_umap(x, {"n_neighbors": 10, "seed": 7, "backend": "umap-learn"}, threads=threads)
    indices, distances = neighbours.knn(x, k=10, threads=threads)
    graph = umap_step.import_umap().umap_.fuzzy_simplicial_set(
        x, 10, np.random.RandomState(0), "precomputed", {}, indices, distances)[0]
    print(json.dumps({"components": int(connected_components(graph, directed=False)[0]),
                      "sha256": hashlib.sha256(coords.tobytes()).hexdigest()}))
""")


def test_a_seeded_map_is_byte_identical_in_fresh_processes_on_any_thread_count():
    def fit(threads):
        env = {
            **os.environ,
            **{
                v: str(threads)
                for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
            },
        }
        done = subprocess.run(
            [sys.executable, "-c", FIT_PROBE, str(threads)], capture_output=True, text=True, env=env, check=True
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second, two = fit(1), fit(1), fit(2)
    assert first["components"] >= 2  # a disconnected graph: the case that did not repeat
    assert first["sha256"] == second["sha256"] == two["sha256"]


@pytest.mark.parametrize("windows", [3, 4, 5])
def test_the_smallest_map_the_size_check_allows_is_drawn(windows):
    """n_neighbors + 1 windows pass :func:`too_small`; umap-learn's own spectral layout failed
    on them (k >= N); seeded or not, the map is drawn."""
    x = np.random.default_rng(windows).normal(size=(windows, 6)).astype(np.float32)
    params = {"n_neighbors": windows - 1, "backend": "umap-learn"}
    assert umap_step.too_small(windows, params) is None
    assert umap_step.too_small(windows - 1, params) is not None
    for seed in (3, None):
        coords = umap_step.fit_umap(x, {**params, "seed": seed}, threads=2)
        assert coords.shape == (windows, 2) and np.isfinite(coords).all()


def test_the_initial_layout_keeps_the_maps_neighbourhoods(blobs):
    """The deterministic initialisation is a spectral layout: the three blobs are apart in it
    already, and the map drawn from it keeps its neighbourhoods as umap-learn's own did."""
    from sklearn.manifold import trustworthiness

    from audio_umaps import neighbours

    x, labels = blobs
    near = neighbours.knn(x, k=10)
    init = umap_step.initial_layout(x, near, 10, seed=42)
    assert init.shape == (300, 2) and init.dtype == np.float32
    np.testing.assert_array_equal(init, umap_step.initial_layout(x, near, 10, seed=42))
    centres = np.stack([init[labels == b].mean(axis=0) for b in range(3)])
    spread = max(np.abs(init[labels == b] - centres[b]).max() for b in range(3))
    assert min(np.linalg.norm(centres[i] - centres[j]) for i in range(3) for j in range(i)) > spread
    ours = umap_step.fit_umap(x, PARAMS, neighbours=near)
    umap = umap_step.import_umap()
    theirs = umap.UMAP(n_neighbors=10, min_dist=0.1, random_state=42, precomputed_knn=(*near, None)).fit_transform(x)
    assert trustworthiness(x, ours, n_neighbors=10) > trustworthiness(x, theirs, n_neighbors=10) - 0.01


CACHE_PROBE = textwrap.dedent("""
    import json, numpy as np
    from audio_umaps import umap as umap_step
    umap = umap_step.import_umap()
    x = np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32)
    umap_step.fit_umap(x, {"n_neighbors": 10, "seed": 1, "backend": "umap-learn"})
    layout = umap.layouts._nb_optimize_layout_euclidean_single_epoch
    fuzzy = umap.umap_.smooth_knn_dist
    print(json.dumps({name: [sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values())]
                      for name, f in (("layout", layout), ("smooth_knn_dist", fuzzy))}))
""")


@pytest.mark.slow
def test_a_second_fresh_process_loads_umap_learns_compiled_code(tmp_path):
    env = {"AUDIO_UMAPS_NUMBA_CACHE": str(tmp_path / "numba"), "PATH": "/usr/bin:/bin"}

    def probe():
        done = subprocess.run([sys.executable, "-c", CACHE_PROBE], capture_output=True, text=True, env=env, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second = probe(), probe()
    for name in ("layout", "smooth_knn_dist"):
        hits, misses = second[name]
        assert hits >= 1 and misses == 0, (name, second)  # loaded from the cache, not compiled
        assert first[name] == [0, first[name][1]] and first[name][1] >= 1, (name, first)
    assert list((tmp_path / "numba").rglob("*.nbi"))


def test_backend_choice(monkeypatch):
    monkeypatch.setattr(umap_step, "cuml_available", lambda: False)
    assert umap_step.backend({}) == umap_step.backend({"backend": "auto"}) == "umap-learn"
    with pytest.raises(ValueError, match="cuML is not installed here or sees no CUDA GPU"):
        umap_step.backend({"backend": "cuml"})
    with pytest.raises(ValueError, match="'umap.backend': 'gpu'"):
        umap_step.backend({"backend": "gpu"})
    monkeypatch.setattr(umap_step, "cuml_available", lambda: True)
    assert umap_step.backend({"backend": "auto"}) == "cuml"


def test_config_checks_name_the_key():
    problems = umap_step.check_params({"backend": "gpu", "precomputed_knn": None, "seed": 1})
    assert any("'umap.backend': 'gpu'" in p for p in problems)
    assert any("'umap.precomputed_knn'" in p and "remove the key" in p for p in problems)
    assert umap_step.check_params({"backend": "cuml", "seed": None, "n_neighbors": 15}) == []


def test_cuml_on_a_gpu_matches_the_cpu_map(blobs):
    """On a machine with cuML and a CUDA GPU: the GPU map keeps the CPU map's neighbourhoods."""
    if not umap_step.cuml_available():
        pytest.skip("cuML with a CUDA GPU is not available here")
    from sklearn.manifold import trustworthiness

    x = np.repeat(blobs[0], 20, axis=0) + np.random.default_rng(1).normal(size=(6000, 20)).astype(np.float32)
    cpu = umap_step.fit_umap(x, PARAMS)
    gpu = umap_step.fit_umap(x, {**PARAMS, "backend": "cuml"})
    assert gpu.shape == cpu.shape and np.isfinite(gpu).all()
    assert abs(trustworthiness(x, gpu, n_neighbors=15) - trustworthiness(x, cpu, n_neighbors=15)) < 0.01
