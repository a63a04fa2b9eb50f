"""Resource estimates: growing with what a job reads, and with each retry."""


import pytest

from audio_umaps import resources


def test_a_retry_asks_for_more():
    assert [resources.on_attempt(800.2, a) for a in (1, 2, 3)] == [801, 1601, 2401]
    with pytest.raises(ValueError):
        resources.on_attempt(100, 0)


@pytest.mark.parametrize("estimate, small, large", [
    (resources.features, (10, 100), (600, 100_000)),
    (lambda longest, total: resources.l3(longest, total, 128), (10, 100), (600, 100_000)),
    (resources.sample, (100,), (1_000_000,)),
    (lambda n, stack: resources.umap(n, stack, 513), (1000, 1), (100_000, 10)),
    (resources.plot, (1000,), (1_000_000,)),
])
def test_estimates_grow_with_the_input(estimate, small, large):
    a, b = estimate(*small), estimate(*large)
    assert 0 < a.mem_mb < b.mem_mb and 0 < a.runtime < b.runtime


def test_estimates_cover_what_was_measured():
    # L3, 5 s demo clips: 860-870 MB peak, 57 clips (285 s of audio) in 194-236 s
    l3 = resources.l3(5.0, 285.0, 128)
    assert l3.mem_mb > 870 and l3.runtime * 60 > 236
    # the paper-scale run: a UMAP of ~26,000 stack-10 STFT windows peaked at 1.2 GB
    assert resources.umap(26_000, 10, 513).mem_mb > 1200
