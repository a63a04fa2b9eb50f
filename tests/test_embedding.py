"""UMAP fitting: the precomputed exact graph (pynndescent never runs), the numba cache across
processes, the backend choice, and the config checks."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from audio_umaps import embedding


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 8, size=(3, 20))
    labels = rng.integers(0, 3, 300)
    return (centres[labels] + rng.normal(size=(300, 20))).astype(np.float32), labels


PARAMS = {"n_neighbors": 10, "min_dist": 0.1, "metric": "euclidean", "seed": 42,
          "backend": "umap-learn"}


def test_umap_uses_the_exact_graph_and_never_pynndescent(blobs, monkeypatch):
    umap = embedding.import_umap()
    x, labels = blobs

    def no_search(*args, **kwargs):
        raise AssertionError("pynndescent's search ran")

    monkeypatch.setattr(umap.umap_, "nearest_neighbors", no_search)
    coords = embedding.fit_umap(np.repeat(x, 15, axis=0), PARAMS)  # over 4,096: the large path
    assert coords.shape == (4500, 2) and np.isfinite(coords).all()
    coords = embedding.fit_umap(x, PARAMS)
    # the three blobs stay apart: each point's nearest map neighbour shares its blob
    from sklearn.neighbors import NearestNeighbors

    nearest = NearestNeighbors(n_neighbors=2).fit(coords).kneighbors(coords)[1][:, 1]
    assert (labels[nearest] == labels).mean() > 0.95
    again = embedding.fit_umap(x, PARAMS)
    np.testing.assert_array_equal(coords, again)  # seeded: reproducible


def test_other_metrics_fall_back_to_umap_learns_search(blobs):
    coords = embedding.fit_umap(blobs[0], {**PARAMS, "metric": "manhattan"})
    assert coords.shape == (300, 2) and np.isfinite(coords).all()


CACHE_PROBE = textwrap.dedent("""
    import json, numpy as np
    from audio_umaps import embedding
    umap = embedding.import_umap()
    x = np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32)
    embedding.fit_umap(x, {"n_neighbors": 10, "seed": 1, "backend": "umap-learn"})
    layout = umap.layouts._nb_optimize_layout_euclidean_single_epoch
    fuzzy = umap.umap_.smooth_knn_dist
    print(json.dumps({name: [sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values())]
                      for name, f in (("layout", layout), ("smooth_knn_dist", fuzzy))}))
""")


def test_a_second_fresh_process_loads_umap_learns_compiled_code(tmp_path):
    env = {"AUDIO_UMAPS_NUMBA_CACHE": str(tmp_path / "numba"), "PATH": "/usr/bin:/bin"}

    def probe():
        done = subprocess.run([sys.executable, "-c", CACHE_PROBE], capture_output=True, text=True,
                              env=env, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second = probe(), probe()
    for name in ("layout", "smooth_knn_dist"):
        hits, misses = second[name]
        assert hits >= 1 and misses == 0, (name, second)  # loaded from the cache, not compiled
        assert first[name] == [0, first[name][1]] and first[name][1] >= 1, (name, first)
    assert list((tmp_path / "numba").rglob("*.nbi"))


def test_backend_choice(monkeypatch):
    monkeypatch.setattr(embedding, "cuml_available", lambda: False)
    assert embedding.backend({}) == embedding.backend({"backend": "auto"}) == "umap-learn"
    with pytest.raises(ValueError, match="cuML is not installed here or sees no CUDA GPU"):
        embedding.backend({"backend": "cuml"})
    with pytest.raises(ValueError, match="'umap.backend': 'gpu'"):
        embedding.backend({"backend": "gpu"})
    monkeypatch.setattr(embedding, "cuml_available", lambda: True)
    assert embedding.backend({"backend": "auto"}) == "cuml"


def test_config_checks_name_the_key():
    problems = embedding.check_params({"backend": "gpu", "precomputed_knn": None, "seed": 1})
    assert any("'umap.backend': 'gpu'" in p for p in problems)
    assert any("'umap.precomputed_knn'" in p and "remove the key" in p for p in problems)
    assert embedding.check_params({"backend": "cuml", "seed": None, "n_neighbors": 15}) == []


def test_cuml_on_a_gpu_matches_the_cpu_map(blobs):
    """On a machine with cuML and a CUDA GPU: the GPU map keeps the CPU map's neighbourhoods."""
    if not embedding.cuml_available():
        pytest.skip("cuML with a CUDA GPU is not available here")
    from sklearn.manifold import trustworthiness

    x = np.repeat(blobs[0], 20, axis=0) + np.random.default_rng(1).normal(size=(6000, 20)).astype(np.float32)
    cpu = embedding.fit_umap(x, PARAMS)
    gpu = embedding.fit_umap(x, {**PARAMS, "backend": "cuml"})
    assert gpu.shape == cpu.shape and np.isfinite(gpu).all()
    assert abs(trustworthiness(x, gpu, n_neighbors=15) - trustworthiness(x, cpu, n_neighbors=15)) < 0.01
