"""The whole workflow at the size of a real DCASE edition, per rule, against the paper's way.

    .venv/bin/python -m benchmarks.scale [--clips 4209] [--external 2000] [--cores 2]
        [--workdir DIR] [--paper-clips 300] [--paper-maps stft:10:fan] [--l3-clips 6] [--fresh]

Data: one synthetic machine (the demo's fan sound, :func:`audio_umaps.demo.synthesize`) at DCASE
2021 development size by default: 3 sections, each with 1,000 source and 3 target training clips
and 400 test clips (100 normal and 100 anomalous per domain), 10 s at 16 kHz, 4,209 clips; and
about 2,000 external clips (three kinds, 22.05 kHz stereo, and one silent clip the workflow
leaves out). ``--clips N`` scales every count down (or up) in proportion; written once per size
under ``--workdir`` and reused.

Workflow: ``snakemake all benchmark_summary`` in a fresh folder with ``config/paper.yaml``'s
settings (its caps, UMAP and metrics settings) for log-STFT and log-mel at stacks 1, 5 and 10,
device and global scopes, plots, metrics and explorer. Per job it reads Snakemake's benchmark
file (wall ``s``, ``cpu_time``, peak ``max_rss``) and, from Snakemake's own log of the run, the
job's ``mem_mb`` and ``runtime`` requests; a job whose peak exceeded its memory request, or whose
wall time its runtime request, is flagged. Printed per rule: jobs, CPU seconds, wall seconds,
longest job, peak RSS against the largest request.

The paper's way, in the same run (andres-fr/dcase2021_umaps as ``benchmarks/`` reimplements it):
its feature precompute (librosa, one process per representation, lzf HDF5; needs ``h5py``) on a
seeded subset of ``--paper-clips`` clips, compared in clips per second; and
``umap.UMAP().fit_transform(X)`` in a fresh process on the very windows of each map named in
``--paper-maps`` (``representation:stack:scope``), compared with that map's UMAP job, with
trustworthiness@15 of both on one fixed 4,000-window subsample against the windows before any
PCA. L3 is not run through the workflow (hours on CPU): ``--l3-clips`` clips are extracted with
random weights (same cost as the real ones) beside log-mel, and the per-second rate is
extrapolated to the machine's audio; the printout says so.

Writes ``jobs.tsv``, ``rules.tsv`` and ``summary.json`` (the measured rates) into the run folder.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from benchmarks.common import ROOT, RSS, fresh, machine, snakemake_command
from benchmarks.edition import estimate, report

SECTIONS = 3
FULL = {"source": 1000, "target": 3, "test": 400}  # clips per section (DCASE 2021 development)
FULL_CLIPS = SECTIONS * sum(FULL.values())  # 4,209
FULL_EXTERNAL = 2000
SECONDS = 10.0

PAPER_UMAP = f"""
import sys, numpy as np, umap
x = np.load(sys.argv[1], mmap_mode="r")
y = umap.UMAP().fit_transform(np.asarray(x))
np.save(sys.argv[2], y)
{RSS}
"""


def layout(clips: int, external: int | None = None) -> dict:
    """Clip counts of a machine of ``clips`` clips in DCASE 2021 development's proportions: per
    section, source and target training clips and ``test`` normal and as many anomalous test
    clips per domain; and the external clips (``external``, default in proportion too)."""
    per_section = clips / SECTIONS
    test = max(2, round(FULL["test"] / 4 * per_section / sum(FULL.values())))
    target = FULL["target"]
    source = max(2, round(per_section) - target - 4 * test)
    if external is None:
        external = max(6, round(FULL_EXTERNAL * clips / FULL_CLIPS))
    return {"source": source, "target": target, "test": test, "external": max(1, external // 3)}


def write_data(workdir: Path, counts: dict) -> tuple[Path, Path]:
    """The machine's and the external clips, written once per layout (``done.json`` marks it)."""
    name = f"data_{counts['source']}s{counts['target']}t{counts['test']}x{counts['external']}e"
    return machine(workdir / name, sections=SECTIONS, seconds=SECONDS, seed=21, **counts)


def config(dcase: Path, external: Path, caps: str = "paper") -> dict:
    """config/paper.yaml with its paths filled in, for log-STFT and log-mel; with ``caps`` "demo"
    the sampling caps of config/config.yaml instead (a quick run of the same machinery)."""
    cfg = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    if caps == "demo":
        demo = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
        cfg["sampling"] = demo["sampling"]
    cfg["representations"] = ["stft", "mel"]
    cfg["datasets"] = {
        "dcase2021": {"kind": "dcase2021", "root": str(dcase)},
        "external": {"kind": "folder", "root": str(external), "colour": "#8c8c8c"},
    }
    cfg["predictions"] = {}
    return cfg


def run_workflow(run: Path, cfg: dict, cores: int) -> float:
    """``snakemake all benchmark_summary`` in ``run``; its output goes to ``run/snakemake.log``.
    Returns the wall seconds; raises with the log's tail when snakemake fails."""
    run.mkdir(parents=True, exist_ok=True)
    (run / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    start = time.perf_counter()
    with open(run / "snakemake.log", "a") as log:
        done = subprocess.run(
            snakemake_command(run, run / "config.yaml", cores, "all", "benchmark_summary", "--rerun-incomplete"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    seconds = time.perf_counter() - start
    if done.returncode:
        tail = (run / "snakemake.log").read_text()[-4000:]
        raise RuntimeError(f"snakemake failed (exit {done.returncode}); its log ends:\n{tail}")
    return seconds


JOB_START = re.compile(r"^(?:local)?rule (\w+):$")


def requests(log_text: str) -> dict[str, dict]:
    """Per benchmark file named in Snakemake's log: the job's rule, threads and its
    ``mem_mb`` and ``runtime`` requests (from the job's block, as Snakemake prints it)."""
    jobs, job = {}, None
    for line in log_text.splitlines():
        found = JOB_START.match(line.strip())
        if found:
            job = {"rule": found.group(1), "threads": 1}
            continue
        if job is None or ":" not in line:
            continue
        key, _, value = line.strip().partition(": ")
        if key == "benchmark":
            job["benchmark"] = value.strip()
            jobs[job["benchmark"]] = job
        elif key == "threads":
            job["threads"] = int(value)
        elif key == "resources":
            for item in value.split(", "):
                name, _, amount = item.partition("=")
                if name in ("mem_mb", "runtime"):
                    job[name] = float(amount)
    return jobs


def job_table(run: Path) -> pd.DataFrame:
    """One row per job that ran: rule, benchmark file, threads, wall/CPU seconds, peak RSS (MB),
    requests and whether the peak or the wall time exceeded them."""
    rows = []
    for path, job in requests((run / "snakemake.log").read_text()).items():
        file = run / path
        if not file.exists():
            continue
        bench = pd.read_csv(file, sep="\t").iloc[-1]
        rows.append(
            {
                "rule": job["rule"],
                "job": path.removeprefix("results/benchmarks/").removesuffix(".tsv"),
                "threads": job["threads"],
                "wall_s": float(bench["s"]),
                "cpu_s": pd.to_numeric(bench.get("cpu_time"), errors="coerce"),
                "peak_mb": pd.to_numeric(bench.get("max_rss"), errors="coerce"),
                "mem_mb": job.get("mem_mb", np.nan),
                "runtime_min": job.get("runtime", np.nan),
            }
        )
    jobs = pd.DataFrame(rows)
    if jobs.empty:
        raise RuntimeError(f"no job of {run} left a benchmark file named in its snakemake.log")
    jobs["over_mem"] = jobs["peak_mb"] > jobs["mem_mb"]
    jobs["over_time"] = jobs["wall_s"] > 60 * jobs["runtime_min"]
    return jobs.sort_values(["rule", "job"]).reset_index(drop=True)


def rule_table(jobs: pd.DataFrame) -> pd.DataFrame:
    """Per rule: jobs, CPU and wall seconds summed, longest job, largest peak and request,
    and the number of jobs over a request."""
    table = jobs.groupby("rule").agg(
        jobs=("job", "size"),
        cpu_s=("cpu_s", "sum"),
        wall_s=("wall_s", "sum"),
        longest_s=("wall_s", "max"),
        peak_mb=("peak_mb", "max"),
        request_mb=("mem_mb", "max"),
        runtime_min=("runtime_min", "max"),
        over=("over_mem", "sum"),
        late=("over_time", "sum"),
    )
    return table.sort_values("wall_s", ascending=False)


def paper_features(paths: list[str], workdir: Path) -> float | None:
    """Seconds of the paper's feature precompute (both representations) of ``paths``, or None
    without h5py."""
    try:
        import h5py  # noqa: F401
    except ImportError:
        print("paper features: skipped (needs h5py: .venv/bin/pip install h5py)")
        return None
    from benchmarks.features import PAPER

    seconds = 0.0
    for kind in ("stft", "mel"):
        out = workdir / f"paper_{kind}.h5"
        seconds += fresh(PAPER, kind, str(out), *paths)[0]
        out.unlink()
    return seconds


def trust(x: np.ndarray, y: np.ndarray, subset: np.ndarray) -> float:
    from sklearn.manifold import trustworthiness

    return float(trustworthiness(x[subset], y[subset], n_neighbors=15))


def paper_umap(run: Path, key: str, workdir: Path) -> dict | None:
    """The paper's ``umap.UMAP().fit_transform`` on the windows of one map of the run, in a
    fresh process, beside the workflow's job: seconds, peak MB and trustworthiness of both."""
    from audio_umaps import tables
    from audio_umaps.stacking import gather

    representation, stack, scope = key.split(":")
    umap_table = run / "results" / "umap" / representation / f"stack{stack}" / f"{scope}.tsv"
    bench = run / "results" / "benchmarks" / "umap" / representation / f"stack{stack}" / f"{scope}.tsv"
    if not umap_table.exists():
        print(f"paper UMAP of {key}: no such map in the run")
        return None
    ours = tables.read("map", umap_table)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        windows = Path(tmp) / "windows.npy"
        x = gather(ours.assign(store=[str(run / s) for s in ours["store"]]))
        np.save(windows, x)
        seconds, peak, _ = fresh(PAPER_UMAP, str(windows), str(Path(tmp) / "paper.npy"))
        paper = np.load(Path(tmp) / "paper.npy")
    subset = np.sort(np.random.default_rng(0).choice(len(x), min(4000, len(x)), replace=False))
    job = pd.read_csv(bench, sep="\t").iloc[-1]
    return {
        "map": key,
        "windows": len(x),
        "dims": x.shape[1],
        "paper_s": seconds,
        "paper_mb": peak,
        "paper_trust": trust(x, paper, subset),
        "workflow_s": float(job["s"]),
        "workflow_mb": float(job["max_rss"]),
        "workflow_trust": trust(x, ours[["x", "y"]].to_numpy(np.float32), subset),
    }


def l3_rate(paths: list[str], workdir: Path) -> dict | None:
    """Seconds of L3 (random weights) and log-mel work per second of audio on ``paths``, with the
    workflow's feature code, or None without the L3 packages."""
    from audio_umaps import features, representations

    try:
        from audio_umaps.representations import l3
    except ImportError:
        print("L3: skipped (needs the L3 packages: bin/setup-venv --l3)")
        return None
    import soundfile as sf

    params = representations.params("l3")
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        from audio_umaps import weights

        params["weights"] = str(Path(tmp) / weights.file_name(params))
        l3.write_random_weights(params["weights"], params)
        l3.load_model(params["weights"], params["content_type"], params["input_repr"], int(params["embedding_size"]))
        features.extract(paths[:1], "l3", params, Path(tmp) / "warm.zarr", threads=2)  # first call's set-up
        paths = paths[1:] or paths
        audio = sum(sf.info(p).duration for p in paths)
        out = {}
        for name, p in (("mel", representations.params("mel")), ("l3", params)):
            start = time.perf_counter()
            features.extract(paths, name, p, Path(tmp) / f"{name}.zarr", threads=2)
            out[name] = (time.perf_counter() - start) / audio
    return {"clips": len(paths), "audio_s": audio, "l3_s_per_audio_s": out["l3"], "mel_s_per_audio_s": out["mel"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=FULL_CLIPS, help="machine clips (default: DCASE 2021 dev size)")
    parser.add_argument("--external", type=int, help="external clips (default: in proportion, 2,000 at full size)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "audio-umaps-scale")
    parser.add_argument("--paper-clips", type=int, default=300, help="clips of the paper's feature precompute")
    parser.add_argument("--paper-maps", nargs="*", default=["stft:10:fan"], help="representation:stack:scope")
    parser.add_argument("--l3-clips", type=int, default=6)
    parser.add_argument("--caps", choices=["paper", "demo"], default="paper", help="sampling caps (demo: quick)")
    parser.add_argument("--fresh", action="store_true", help="delete the run folder first (the data is kept)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    counts = layout(args.clips, args.external)
    dcase, external = write_data(args.workdir, counts)
    run = args.workdir / f"run_{args.clips}"
    if args.fresh:
        shutil.rmtree(run, ignore_errors=True)
    machine = sorted(str(p) for p in dcase.rglob("*.wav"))
    outside = sorted(str(p) for p in external.rglob("*.wav"))
    print(
        f"machine: {len(machine)} clips of {SECONDS:g} s ({counts['source']} source + {counts['target']} target "
        f"training, {4 * counts['test']} test per section, {SECTIONS} sections); external: {len(outside)} clips"
    )
    wall = run_workflow(run, config(dcase, external, args.caps), args.cores)
    jobs = job_table(run)
    rules = rule_table(jobs)
    jobs.to_csv(run / "jobs.tsv", sep="\t", index=False)
    rules.to_csv(run / "rules.tsv", sep="\t")
    print(f"\nworkflow: {len(jobs)} jobs, {wall:.0f} s wall on {args.cores} cores (config/paper.yaml, stft + mel)")
    print(f"{'rule':<18}{'jobs':>5}{'CPU s':>9}{'wall s':>9}{'longest':>9}{'peak MB':>9}{'asked MB':>9}{'over':>6}")
    for rule, row in rules.iterrows():
        print(
            f"{rule:<18}{row.jobs:>5}{row.cpu_s:>9.0f}{row.wall_s:>9.0f}{row.longest_s:>9.0f}"
            f"{row.peak_mb:>9.0f}{row.request_mb:>9.0f}{row.over + row.late:>6.0f}"
        )
    flagged = jobs[jobs["over_mem"] | jobs["over_time"]]
    for job in flagged.itertuples():
        print(
            f"  over its request: {job.job}: peak {job.peak_mb:.0f} MB of {job.mem_mb:.0f}, "
            f"{job.wall_s:.0f} s of {60 * job.runtime_min:.0f}"
        )
    largest = jobs.loc[jobs["peak_mb"].idxmax()]
    print(f"largest peak: {largest['job']} {largest['peak_mb']:.0f} MB (asked {largest['mem_mb']:.0f})")

    summary = {
        "clips": len(machine),
        "external": len(outside),
        "test_files": SECTIONS * 4 * counts["test"],
        "cores": args.cores,
        "wall_s": wall,
    }
    feature_jobs = jobs[jobs["rule"] == "features"]
    clips_total = len(machine) + len(outside)
    summary["features"] = {"clips": clips_total, "wall_s": float(feature_jobs["wall_s"].sum())}
    rate = clips_total / summary["features"]["wall_s"]
    print(f"\nfeatures (log-STFT + log-mel): {rate:.0f} clips/s through the rule (job seconds summed)")
    subset = [str(p) for p in np.random.default_rng(0).choice(machine, min(args.paper_clips, len(machine)), False)]
    paper_s = paper_features(subset, args.workdir)
    if paper_s:
        summary["features"]["paper_clips_per_s"] = len(subset) / paper_s
        print(
            f"paper's precompute on {len(subset)} of them: {len(subset) / paper_s:.1f} clips/s; "
            f"workflow / paper {rate * paper_s / len(subset):.1f}x"
        )
    summary["paper_umap"] = []
    for key in args.paper_maps:
        result = paper_umap(run, key, args.workdir)
        if result:
            summary["paper_umap"].append(result)
            print(
                f"UMAP {key} ({result['windows']} windows x {result['dims']} dims): paper {result['paper_s']:.0f} s "
                f"{result['paper_mb']:.0f} MB trust {result['paper_trust']:.4f}; workflow job {result['workflow_s']:.0f} s "
                f"{result['workflow_mb']:.0f} MB trust {result['workflow_trust']:.4f}; "
                f"{result['paper_s'] / result['workflow_s']:.2f}x faster, trust "
                f"{result['workflow_trust'] - result['paper_trust']:+.4f}"
            )
    if args.l3_clips:
        l3 = l3_rate(machine[: args.l3_clips], args.workdir)
        if l3:
            summary["l3"] = l3
            hours = l3["l3_s_per_audio_s"] * len(machine) * SECONDS / 3600
            print(
                f"L3 (measured on {l3['clips']} clips, random weights, extrapolated): {l3['l3_s_per_audio_s']:.3f} s per "
                f"second of audio ({l3['l3_s_per_audio_s'] / l3['mel_s_per_audio_s']:.0f}x log-mel), so about "
                f"{hours:.1f} h of feature work for this machine's {len(machine)} clips on {args.cores} cores"
            )
    (run / "summary.json").write_text(json.dumps(summary, indent=1, default=float))
    edition = estimate(run)
    summary["edition"] = report(edition, args.cores)
    print(f"\nthe whole DCASE 2021 grid (dev + eval, 7 machines, stft + mel + l3), extrapolated: {summary['edition']}")
    (run / "summary.json").write_text(json.dumps(summary, indent=1, default=float))
    return summary


if __name__ == "__main__":
    main()
