"""Resource estimates: growing with what a job reads, and with each retry."""

import pytest

from audio_umaps import resources


def test_a_retry_asks_for_more():
    assert [resources.on_attempt(800.2, a) for a in (1, 2, 3)] == [801, 1601, 2401]
    with pytest.raises(ValueError):
        resources.on_attempt(100, 0)


@pytest.mark.parametrize(
    "estimate, small, large",
    [
        (resources.features, (10, 100), (600, 100_000)),
        (lambda longest, total: resources.l3(longest, total, 128), (10, 100), (600, 100_000)),
        (resources.sample, (100,), (1_000_000,)),
        (lambda n, stack: resources.umap(n, stack, 513), (1000, 1), (100_000, 10)),
        (resources.plot, (1000,), (1_000_000,)),
    ],
)
def test_estimates_grow_with_the_input(estimate, small, large):
    a, b = estimate(*small), estimate(*large)
    assert 0 < a.mem_mb < b.mem_mb and 0 < a.runtime < b.runtime


def test_estimates_cover_what_was_measured():
    # L3, 5 s demo clips: 860-870 MB peak, 57 clips (285 s of audio) in 194-236 s
    l3 = resources.l3(5.0, 285.0, 128)
    assert l3.mem_mb > 870 and l3.runtime * 60 > 236
    # the paper-scale run: a UMAP of ~26,000 stack-10 STFT windows peaked at 1.2 GB
    assert resources.umap(26_000, 10, 513).mem_mb > 1200


def test_umap_estimates_cover_the_benchmarks_peaks():
    # benchmarks/umap_stage.py, fresh processes on this machine: peak resident memory in MB
    assert resources.umap(24_000, 10, 513).mem_mb > 1740  # log-STFT stack 10, no PCA
    assert resources.umap(96_000, 5, 128).mem_mb > 1222  # log-mel stack 5, no PCA
    assert resources.umap(96_000, 5, 128, pca=64).mem_mb > 828
    # PCA bounds the working set: at the paper's caps it costs a fraction of the full windows
    full, reduced = resources.umap(266_000, 10, 513), resources.umap(266_000, 10, 513, pca=64)
    assert full.mem_mb > 266_000 * 5130 * 4 / 1e6 > reduced.mem_mb
    assert resources.umap(1000, 1, 128, pca=256) == resources.umap(1000, 1, 128)  # nothing to reduce


def test_umap_estimates_cover_a_dcase_size_map():
    # benchmarks/scale.py, log-STFT stack 10 device map (162,736 windows, PCA 64), alone:
    # 393 s, peak 1,184 MB
    job = resources.umap(162_736, 10, 513, pca=64)
    assert job.mem_mb > 1184 and job.runtime * 60 > 393


def test_metrics_estimates_cover_a_dcase_size_machine():
    # benchmarks/scale.py: one machine at DCASE 2021 development size (1,200 test files and
    # 3,009 training files of 10 s, 6 groups); peaks of its metrics jobs in MB
    peaks = {(1, 513): 1055, (5, 128): 1039, (10, 128): 1044, (10, 513): 2081, (5, 513): 1404, (1, 128): 493}
    for (stack, dims), peak in peaks.items():
        job = resources.metrics(1200, 3009, 10.0, stack, dims, 31.25, {"train_windows": 10000}, groups=6)
        assert job.mem_mb > 1.05 * peak, (stack, dims)


def test_metrics_estimates_cover_the_measured_peaks_and_times():
    # benchmarks/metrics_knn.py at the paper's caps (600 test files of 10 s, bank 10,000 per
    # section, log-STFT stack 10): the kNN scoring alone peaked at 876 MB in 125 s
    paper = resources.metrics(600, 105, 10.0, 10, 513, 31.25, {"train_windows": 10000}, groups=6)
    assert paper.mem_mb > 876 and paper.runtime * 60 > 125
    # one group's SVM of 5,000 such windows (6 fits): 1,028 MB, 69 s; 7 groups at the caps
    assert paper.mem_mb > 1028 and paper.runtime * 60 > 125 + 7 * 69
    # the demo's log-STFT stack-10 job (36 test files of 5 s, 50 windows each): 570 MB
    demo = resources.metrics(36, 21, 5.0, 10, 513, 31.25, {"windows_per_file": 50}, groups=6)
    assert 570 < demo.mem_mb < paper.mem_mb and demo.runtime < paper.runtime
    # fewer windows per file, fewer SVM windows: less work
    lighter = resources.metrics(600, 105, 10.0, 10, 513, 31.25, {"windows_per_file": 20, "svm": {"windows": 500}}, 6)
    assert lighter.runtime < paper.runtime and lighter.mem_mb < paper.mem_mb
