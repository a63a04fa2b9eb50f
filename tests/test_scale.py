"""The scale benchmark (benchmarks/scale.py): its layout, its reading of Snakemake's log, and a
small run of the whole of it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from benchmarks import edition, scale

LOG = """\
Select jobs to execute...
[Thu Dec  3 00:56:09 2026]
localrule manifest:
    input: a.wav, b.wav
    output: results/manifest/demo.tsv
    log: results/logs/manifest/demo.log
    jobid: 2
    benchmark: results/benchmarks/manifest/demo.tsv
    wildcards: dataset=demo
    resources: tmpdir=/tmp, runtime=30, mem_mb=1000, mem=1 GB, mem_mib=954
[Thu Dec  3 00:56:11 2026]
rule umap:
    input: results/samples/mel/stack5/fan.tsv
    output: results/umap/mel/stack5/fan.tsv
    jobid: 7
    benchmark: results/benchmarks/umap/mel/stack5/fan.tsv
    threads: 2
    resources: tmpdir=/tmp, mem_mb=1669, mem_mib=1592, runtime=12
"""


def test_layout_is_dcase_2021_development_at_full_size():
    counts = scale.layout(scale.FULL_CLIPS)
    assert counts == {"source": 1000, "target": 3, "test": 100, "external": 666}
    assert scale.SECTIONS * (counts["source"] + counts["target"] + 4 * counts["test"]) == 4209
    small = scale.layout(60)
    assert scale.SECTIONS * (small["source"] + small["target"] + 4 * small["test"]) == 60
    assert small["test"] >= 2  # two files of each class per section and domain: SEP can cross-validate


def test_requests_are_read_from_each_job_block():
    jobs = scale.requests(LOG)
    assert jobs["results/benchmarks/manifest/demo.tsv"] == {
        "rule": "manifest",
        "threads": 1,
        "benchmark": "results/benchmarks/manifest/demo.tsv",
        "runtime": 30.0,
        "mem_mb": 1000.0,
    }
    umap = jobs["results/benchmarks/umap/mel/stack5/fan.tsv"]
    assert (umap["rule"], umap["threads"], umap["mem_mb"], umap["runtime"]) == ("umap", 2, 1669.0, 12.0)


def test_jobs_over_their_requests_are_flagged(tmp_path):
    (tmp_path / "snakemake.log").write_text(LOG)
    for path, seconds, rss in [("manifest/demo", 2.0, 80.0), ("umap/mel/stack5/fan", 900.0, 2000.0)]:
        file = tmp_path / "results" / "benchmarks" / f"{path}.tsv"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"s\th:m:s\tmax_rss\tcpu_time\n{seconds}\t0:00:02\t{rss}\t{seconds / 2}\n")
    jobs = scale.job_table(tmp_path).set_index("job")
    assert not jobs.loc["manifest/demo", "over_mem"] and not jobs.loc["manifest/demo", "over_time"]
    assert jobs.loc["umap/mel/stack5/fan", "over_mem"]  # 2000 MB of 1669
    assert jobs.loc["umap/mel/stack5/fan", "over_time"]  # 900 s of 12 min
    rules = scale.rule_table(jobs.reset_index())
    assert rules.loc["umap", "over"] == 1 and rules.loc["umap", "late"] == 1


def test_edition_map_windows_follow_the_caps():
    caps = {
        "device": {"test": 20000, "train": 10000, "external": 10000},
        "global": {"test": 2000, "train": 1000, "external": 50000},
    }
    # 6 sections x 2 domains, each min(clips x 313 windows, 20000): 200 clips (development), 100 (evaluation)
    test = 12 * 20000
    train = 6 * (10000 + 3 * 313)
    assert edition.map_windows("mel", 1, "device", caps, [10]) == test + train + 10000
    assert edition.map_windows("mel", 10, "global", caps, [10]) == 7 * (12 * 2000 + 6 * (1000 + 3 * 304))


@pytest.mark.workflow
@pytest.mark.slow
def test_small_run_of_the_benchmark(tmp_path, capsys):
    summary = scale.main(
        ["--clips", "60", "--caps", "demo", "--workdir", str(tmp_path), "--paper-clips", "4"]
        + ["--paper-maps", "mel:1:fan", "--l3-clips", "0"]
    )
    out = capsys.readouterr().out
    run = tmp_path / "run_60"
    jobs = pd.read_csv(run / "jobs.tsv", sep="\t")
    heavy = jobs[jobs["rule"].isin(["features", "sample", "umap", "metrics", "explore_clips", "explore"])]
    assert set(heavy["rule"]) == {"features", "sample", "umap", "metrics", "explore_clips", "explore"}
    assert (heavy["wall_s"] > 0).all() and (heavy["peak_mb"] > 0).all() and (heavy["mem_mb"] > 0).all()
    assert len(jobs[jobs["rule"] == "umap"]) == 12  # 2 representations x 3 stacks x (fan, global)
    assert not jobs["over_mem"].any(), jobs[jobs["over_mem"]]
    (paper,) = summary["paper_umap"]
    assert paper["windows"] > 0 and paper["paper_s"] > 0 and 0.5 < paper["workflow_trust"] <= 1
    assert "clips/s through the rule" in out and "UMAP mel:1:fan" in out
    try:  # the paper's precompute needs h5py, which the workflow does not
        import h5py  # noqa: F401
    except ImportError:
        assert "paper features: skipped (needs h5py" in out
    else:
        assert "workflow / paper" in out
    assert json.loads((run / "summary.json").read_text())["edition"]["cpu_hours"] > 0
