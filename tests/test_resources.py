"""Resource estimates: growing with what a job reads, and with each retry."""

import re

import pytest

from conftest import ROOT
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


def test_compute_rules_retry_with_growing_requests_and_bookkeeping_stays_local():
    rules = {}
    for smk in (ROOT / "workflow/rules").glob("*.smk"):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            rules[block.split(":")[0].strip()] = block
    compute = {"features", "features_l3", "sample", "umap", "plot_global", "plot_device", "plot_section"}
    for name in compute:
        body = rules[name]
        assert "retries: RETRIES" in body, name
        assert re.search(r'mem_mb=resource\("\w+", "mem_mb"\)', body), name
        assert re.search(r'runtime=resource\("\w+", "runtime"\)', body), name
    local = re.search(r"^localrules:\n((?:    \w+,\n)+)", (ROOT / "workflow/rules/data.smk").read_text(), flags=re.M)
    assert set(re.findall(r"\w+", local.group(1))) == {"demo_data", "manifest", "excluded_report"}
