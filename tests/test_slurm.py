"""The demo through a real SLURM cluster with profiles/slurm, compared with a local run.

Needs a running cluster with accounting (sacct): `.ci/run` starts a single-node one on localhost
with ../shared/slurm/start-local-slurm.sh and sets AUDIO_UMAPS_SLURM=1, which turns a missing
cluster into a failure instead of a skip. The profile is used as a user would use it: copied,
with only its FILL IN places edited (account, partition) plus a short first status check.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
import zarr
from conftest import ROOT, SNAKEFILE, prepare, tiny_demo
from PIL import Image

REQUIRED = os.environ.get("AUDIO_UMAPS_SLURM") == "1"
ACCOUNT = os.environ.get("AUDIO_UMAPS_SLURM_ACCOUNT", "ci")
PARTITION = os.environ.get("AUDIO_UMAPS_SLURM_PARTITION", "debug")
TIMEOUT_S = 900

CONFIG = tiny_demo()  # fan, sections 00 and 01, log-mel, stack 5
# jobs the cluster runs: 2 feature stores, 2 samples, 2 UMAPs (fan, global), 4 plots, fan's metrics,
# the explorer of both scopes
SLURM_RULES = {
    "features": 2,
    "sample": 2,
    "umap": 2,
    "plot_global": 1,
    "plot_device": 1,
    "plot_section": 2,
    "metrics": 1,
    "explore_clips": 2,
    "explore": 2,
}


def cluster_state() -> str | None:
    """None when a SLURM cluster with accounting answers, else why not."""
    if not shutil.which("sbatch") or not shutil.which("sacct"):
        return "sbatch/sacct not found"
    for cmd in (["scontrol", "ping"], ["sacct", "-n", "-X", "--starttime", "now-1minutes"]):
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        except subprocess.TimeoutExpired:
            return f"{' '.join(cmd)} timed out"
        if proc.returncode != 0:
            return f"{' '.join(cmd)}: {proc.stderr.strip() or proc.stdout.strip()}"
    return None


_why = cluster_state()
if _why and REQUIRED:
    raise RuntimeError(f"AUDIO_UMAPS_SLURM=1 but no usable SLURM cluster: {_why}")
pytestmark = [
    pytest.mark.slurm,
    pytest.mark.workflow,
    pytest.mark.skipif(
        _why is not None,
        reason=f"no SLURM cluster ({_why}); .ci/run starts one, see README 'Running on SLURM'",
    ),
]


def user_profile(folder: Path) -> Path:
    """profiles/slurm as a user fills it in: account and partition set, nothing else changed
    but a short wait before the first status check (the default 40 s is for busy clusters)."""
    profile = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text())
    profile["default-resources"].update(slurm_account=ACCOUNT, slurm_partition=PARTITION)
    # set-resources (the GPU partition for features_l3) stays: this run has no l3 jobs
    profile["slurm-init-seconds-before-status-checks"] = 2
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(profile))
    return folder


def run_snakemake(work: Path, *args: str) -> subprocess.CompletedProcess:
    config = prepare(work, CONFIG)
    # snakemake ignores SIGTERM while it waits on SLURM: always under timeout -k
    cmd = [
        "timeout",
        "-k",
        "10",
        str(TIMEOUT_S),
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(work),
        "--configfile",
        str(config),
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}")
    return proc


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("slurm")
    local = base / "local"
    cluster = base / "cluster"
    local.mkdir()
    cluster.mkdir()
    run_snakemake(local, "--cores", "2")
    proc = run_snakemake(cluster, "--profile", str(user_profile(base / "profile")))
    for work in (local, cluster):  # the benchmark summary, a target of its own (a local rule)
        run_snakemake(work, "--cores", "1", "benchmark_summary")  # (after --configfile's values)
    return local, cluster, proc.stdout + proc.stderr


def sacct(run_id: str) -> pd.DataFrame:
    out = subprocess.run(
        [
            "sacct",
            "-n",
            "-P",
            "-X",
            "--name",
            run_id,
            "--starttime",
            "now-2hours",
            "--format=JobID,JobName,State,ExitCode,AllocCPUS,ReqMem,Partition,Account",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line.split("|") for line in out.strip().splitlines()]
    return pd.DataFrame(rows, columns=["job", "name", "state", "exit", "cpus", "mem", "partition", "account"])


def test_jobs_ran_as_slurm_jobs(runs):
    _, cluster, log = runs
    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", log))
    jobs = sacct(run_id)
    print(jobs.to_string())  # shown with -rA / on failure: the cluster's own record
    assert sorted(jobs["job"]) == sorted(submitted.values())
    assert len(jobs) == sum(SLURM_RULES.values())
    assert (jobs["state"] == "COMPLETED").all() and (jobs["exit"] == "0:0").all()
    assert set(jobs["partition"]) == {PARTITION} and set(jobs["account"]) == {ACCOUNT}
    # which rules went to the cluster, from snakemake's job blocks ("rule x:" / "localrule x:")
    jobs_of = {}
    for kind, rule, body in re.findall(r"^(localrule|rule) (\w+):\n((?:    .*\n)+)", log, flags=re.M):
        jobid = re.search(r"jobid: (\d+)", body)
        if jobid:
            jobs_of[jobid.group(1)] = (rule, kind == "localrule")
    ran = {}
    for jobid in submitted:
        ran[jobs_of[jobid][0]] = ran.get(jobs_of[jobid][0], 0) + 1
    assert ran == SLURM_RULES
    # bookkeeping rules stayed on this node and were never submitted
    local = {rule for rule, is_local in jobs_of.values() if is_local}
    assert local == {"manifest", "excluded_report", "skipped_report", "metrics_summary", "explore_index", "all"}


def test_outputs_match_a_local_run(runs):
    local, cluster, _ = runs
    res_l, res_c = local / "results", cluster / "results"
    for kind in ("manifest", "samples", "umap", "metrics", "reports", "clips", "explore"):
        # the benchmark summary holds times, which differ; its job counts are compared below
        files = sorted(p.relative_to(res_l) for p in (res_l / kind).rglob("*.tsv") if p.name != "benchmarks.tsv")
        assert files and files == sorted(
            p.relative_to(res_c) for p in (res_c / kind).rglob("*.tsv") if p.name != "benchmarks.tsv"
        )
        for rel in files:
            a = pd.read_csv(res_l / rel, sep="\t", keep_default_na=False)
            b = pd.read_csv(res_c / rel, sep="\t", keep_default_na=False)
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-5, atol=1e-4, obj=str(rel))
    jobs = [
        pd.read_csv(r / "reports/benchmarks.tsv", sep="\t").set_index("rule")["jobs"].sort_index()
        for r in (res_l, res_c)
    ]
    pd.testing.assert_series_equal(*jobs)
    for store in (res_l / "features").rglob("*.zarr"):
        a = zarr.open_group(str(store), mode="r")
        b = zarr.open_group(str(res_c / store.relative_to(res_l)), mode="r")
        for name in ("features", "energy", "offsets"):
            assert np.array_equal(a[name][:], b[name][:]), f"{store} {name}"
    pngs = sorted(p.relative_to(res_l) for p in (res_l / "plots").rglob("*.png"))
    assert len(pngs) == 4 and pngs == sorted(p.relative_to(res_c) for p in (res_c / "plots").rglob("*.png"))
    for rel in pngs:
        with Image.open(res_l / rel) as a, Image.open(res_c / rel) as b:
            assert np.array_equal(np.asarray(a), np.asarray(b)), rel
    # every cluster job wrote its benchmark, as locally
    assert sorted(p.relative_to(res_l) for p in (res_l / "benchmarks").rglob("*.tsv")) == sorted(
        p.relative_to(res_c) for p in (res_c / "benchmarks").rglob("*.tsv")
    )


def memory_enforced() -> bool:
    config = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True).stdout
    return bool(re.search(r"^TaskPlugin\s*=.*task/cgroup", config, flags=re.M))


def test_a_job_over_its_memory_is_killed_and_retried_with_more(runs, tmp_path):
    """With memory enforced (cgroups), a UMAP job given too little memory is killed by SLURM
    (OUT_OF_MEMORY), and the rule's retries run it again with more until it fits."""
    if not memory_enforced():
        if REQUIRED:
            raise AssertionError("AUDIO_UMAPS_SLURM=1 but the cluster does not enforce memory (cgroups)")
        pytest.skip("the cluster does not enforce memory limits (start it with SLURM_CGROUPS=1)")
    local, cluster, _ = runs
    target = "results/umap/mel/stack5/fan.tsv"
    (cluster / target).unlink()
    profile = user_profile(tmp_path / "profile")
    settings = yaml.safe_load((profile / "config.yaml").read_text())
    settings["set-resources"]["umap"] = {"mem_mb": "300 * 3 ** (attempt - 1)"}  # 300, 900, 2700 MB
    (profile / "config.yaml").write_text(yaml.safe_dump(settings))
    proc = run_snakemake(cluster, "--profile", str(profile), target)
    log = proc.stdout + proc.stderr
    jobs = sacct(re.search(r"SLURM run ID: (\S+)", log).group(1))
    print(jobs.to_string())
    assert jobs["mem"].tolist() == ["300M", "900M"] and jobs["state"].tolist() == ["FAILED", "COMPLETED"]
    steps = subprocess.run(
        ["sacct", "-n", "-P", "-j", jobs["job"].iloc[0], "--format=JobID,State"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print(steps)
    assert "OUT_OF_MEMORY" in steps  # the cgroup killed the step that ran over 300 MB
    pd.testing.assert_frame_equal(
        pd.read_csv(cluster / target, sep="\t"),
        pd.read_csv(local / target, sep="\t"),
        check_exact=False,
        rtol=1e-5,
        atol=1e-4,
    )
