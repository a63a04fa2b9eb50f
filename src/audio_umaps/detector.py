"""The kNN-distance and LOF detectors of one section (:class:`Detector`), fitted on its
training windows, whose own scores are taken against other files' windows only: a file's
windows are near-copies of each other, and a test window never has such neighbours.

Read by :mod:`audio_umaps.metrics` (DSUP and the official scores of the kNN and LOF detectors).
"""

from __future__ import annotations

import numpy as np

from .neighbours import knn


def _graph(indices: np.ndarray, distances: np.ndarray, n_base: int):
    """Neighbours as the sparse distance graph scikit-learn's ``metric="precomputed"`` reads."""
    import scipy.sparse as sp
    from sklearn.neighbors import sort_graph_by_row_values

    rows = np.repeat(np.arange(len(indices)), indices.shape[1])
    graph = sp.csr_matrix((distances.ravel().astype(np.float64), (rows, indices.ravel())), shape=(len(indices), n_base))
    return sort_graph_by_row_values(graph, warn_when_not_sorted=False)


class Detector:
    """The kNN-distance and LOF detectors of one section, fitted on its training windows.

    A training window's own scores (the kNN distance the support threshold is taken from, and
    the k-distances and local reachability densities LOF compares a test window with) are taken
    against the training windows of *other* files (:func:`audio_umaps.neighbours.knn_other_groups`):
    windows of one file are near-copies of each other, a test window has no such neighbours in
    the bank, and scores against them made the threshold too tight, the more so the longer the
    stack (on the demo, log-mel, ToyCar's support read 0.78, 0.63, 0.56 at stacks 1, 5, 10
    instead of 0.90, 0.89, 0.89).

    Parameters
    ----------
    bank : ndarray, shape (m, d)
        The section's training windows (source and target together).
    files : array-like, shape (m,)
        Which file each training window comes from.
    k : int
        Neighbours of each score; lowered to the windows outside the largest file when the bank
        has fewer (``k`` then says what was used).
    threads : int, optional
        Threads of the neighbour search.
    progress : str, optional
        A label: the training windows' search is logged as it goes
        (:func:`audio_umaps.neighbours.knn_other_groups`).

    Raises ``ValueError`` for a bank of fewer than two files.
    """

    def __init__(self, bank: np.ndarray, files, *, k: int, threads: int | None = None, progress: str | None = None):
        from sklearn.neighbors import LocalOutlierFactor

        from .neighbours import knn_other_groups

        files = np.asarray(files)
        _, counts = np.unique(files, return_counts=True)
        if len(counts) < 2:
            raise ValueError(f"a detector needs training windows of at least 2 files, not {len(counts)}")
        self.bank = np.ascontiguousarray(bank, dtype=np.float32)
        self.k = min(int(k), len(bank) - int(counts.max()))
        self.threads = threads
        indices, distances = knn_other_groups(self.bank, files, k=self.k, threads=threads, progress=progress)
        self.train_scores = distances.mean(axis=1, dtype=np.float64)
        # LOF reads each training window's neighbours from a graph whose rows start with the
        # window itself (distance 0), which it drops: the k after it are of other files
        own = np.arange(len(self.bank), dtype=np.int32)[:, None]
        self.lof = LocalOutlierFactor(n_neighbors=self.k, novelty=True, metric="precomputed")
        self.lof.fit(
            _graph(
                np.hstack([own, indices]), np.hstack([np.zeros_like(own, dtype=np.float32), distances]), len(self.bank)
            )
        )

    def score(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(knn, lof)`` scores of ``windows``: mean distance to the ``k`` nearest training
        windows, and the local outlier factor (both higher for more anomalous)."""
        indices, distances = knn(windows, self.bank, k=self.k, threads=self.threads)
        lof = -self.lof.score_samples(_graph(indices, distances, len(self.bank)))
        return distances.mean(axis=1, dtype=np.float64), lof

    def threshold(self, percentile: float) -> float:
        """The ``percentile`` of the training windows' own kNN scores (each against the
        training windows of other files)."""
        return float(np.percentile(self.train_scores, percentile))
