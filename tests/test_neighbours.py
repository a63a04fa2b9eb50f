"""The exact nearest-neighbour engine and its PCA: checked against scikit-learn."""

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
