"""A whole DCASE edition's cost, extrapolated from a run of :mod:`benchmarks.scale`.

    .venv/bin/python -m benchmarks.edition [RUN_FOLDER]

The grid: DCASE 2021 Task 2 development + evaluation data, 7 machines, each 6 sections of 1,000
source and 3 target training clips, 400 test clips in sections 00-02 (development) and 200 in
03-05 (evaluation), 10 s each; one external dataset of 2,000 clips; log-STFT, log-mel and L3 at
stacks 1, 5 and 10; device and global maps, plots, metrics, explorer; config/paper.yaml's caps.

How each rule is scaled from the measured run (one machine at development size, log-STFT and
log-mel): features by clips (log-STFT + log-mel per clip, L3 per second of audio from the run's
L3 subset); sample, UMAP, plots and explorer pages by the windows of the map (linear: the
approximate neighbour search and the layout grow about linearly; exact search would not), per
representation and stack, with L3's maps costed as log-STFT's at the same stack (not measured:
L3 windows are 512 x stack wide, not reduced by PCA); metrics by the test files scored; the
explorer's clips by clips encoded; reports as measured. CPU seconds scale with wall seconds by
each job's measured ratio. Wall on N cores is the larger of the CPU seconds over N and the
longest chain of jobs (features -> sample -> UMAP -> the slowest of plot, metrics, explorer).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import yaml

MACHINES = 7
SECTIONS = {"dev": 3, "eval": 3}
TRAIN = {"source": 1000, "target": 3}
TEST = {"dev": 400, "eval": 200}  # test clips per section (both domains, normal and anomalous)
EXTERNAL = 2000
SECONDS = 10.0
FRAMES = {"stft": 313, "mel": 313, "l3": 101}  # frames of a 10 s clip (hop 512 at 16 kHz; L3 0.1 s)
REPRESENTATIONS = ("stft", "mel", "l3")
STACKS = (1, 5, 10)
CLUSTER_CORES = 10 * 16


def capped(clips: int, per_clip: int, cap: int) -> int:
    return min(clips * per_clip, cap)


def map_windows(representation: str, stack: int, scope: str, caps: dict, without_external: list) -> int:
    """Windows of one map of the edition at the config's caps (per group: dataset x device x
    section x domain x split; external: per dataset)."""
    per_clip = FRAMES[representation] - stack + 1
    cap = caps["global" if scope == "global" else "device"]
    machines = MACHINES if scope == "global" else 1
    test = sum(SECTIONS[part] * 2 * capped(TEST[part] // 2, per_clip, cap["test"]) for part in SECTIONS)  # two domains
    train = sum(SECTIONS.values()) * sum(capped(n, per_clip, cap["train"]) for n in TRAIN.values())
    external = 0 if (scope == "global" and stack in without_external) else capped(EXTERNAL, per_clip, cap["external"])
    return machines * (test + train) + external


def measured_windows(run: Path) -> dict[str, int]:
    """Windows of each map of the run, by its job name (``umap/stft/stack10/fan``)."""
    out = {}
    for status in (run / "results" / "samples").glob("*/stack*/*.json"):
        rep, stack, scope = status.parent.parent.name, status.parent.name, status.stem
        windows = json.loads(status.read_text()).get("windows") or 0
        for rule in ("sample", "umap", "plot_device", "plot_global", "explore"):
            out[f"{rule}/{rep}/{stack}/{scope}"] = windows
    return out


def estimate(run: Path) -> pd.DataFrame:
    """One row per edition job group: rule, jobs, wall and CPU seconds of each, from ``run``."""
    jobs = pd.read_csv(run / "jobs.tsv", sep="\t")
    summary = json.loads((run / "summary.json").read_text())
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    caps, without = cfg["sampling"], cfg["sampling"].get("global_without_external_at_stacks") or []
    jobs["cpu_ratio"] = (jobs["cpu_s"] / jobs["wall_s"]).clip(lower=0.05)
    by_job = jobs.set_index("job")
    machine_clips = sum(SECTIONS.values()) * sum(TRAIN.values()) + sum(SECTIONS[p] * TEST[p] for p in SECTIONS)
    run_test = summary["test_files"]
    rows = []

    def add(rule, count, wall, cpu_ratio):
        rows.append({"rule": rule, "jobs": count, "wall_s": wall, "cpu_s": wall * cpu_ratio})

    feat = jobs[jobs["rule"] == "features"]
    per_clip = feat["wall_s"].sum() / summary["features"]["clips"]
    ratio = float(feat["cpu_s"].sum() / feat["wall_s"].sum())
    add("features (stft, mel)", MACHINES, per_clip * machine_clips, ratio)
    add("features (stft, mel) external", 1, per_clip * EXTERNAL, ratio)
    l3 = summary.get("l3")
    if l3:
        add("features (l3, CPU)", MACHINES, l3["l3_s_per_audio_s"] * machine_clips * SECONDS, 1.8)
        add("features (l3, CPU) external", 1, l3["l3_s_per_audio_s"] * EXTERNAL * SECONDS, 1.8)
    windows = measured_windows(run)
    for rule in ("sample", "umap", "plot_device", "plot_global", "explore"):
        for rep in REPRESENTATIONS:
            for stack in STACKS:
                for scope in ("fan", "global"):
                    if (rule == "plot_global" and scope != "global") or (rule == "plot_device" and scope == "global"):
                        continue
                    measured_rep = "stft" if rep == "l3" else rep
                    key = f"{rule}/{measured_rep}/stack{stack}/{scope}"
                    if rule == "explore":  # one pages job per scope, all maps: scaled by its largest map
                        if rep != "stft" or stack != 1:
                            continue
                        key = f"explore/{scope}"
                        ref = max(windows.get(f"umap/{r}/stack{s}/{scope}", 0) for r in ("stft", "mel") for s in STACKS)
                        new = max(map_windows(r, s, scope, caps, without) for r in REPRESENTATIONS for s in STACKS)
                    else:
                        ref = windows.get(key, 0)
                        new = map_windows(rep, stack, "global" if scope == "global" else "device", caps, without)
                    if key not in by_job.index or not ref:
                        continue
                    job = by_job.loc[key]
                    count = 1 if scope == "global" else MACHINES
                    add(f"{rule}", count, float(job["wall_s"]) * new / ref, float(job["cpu_ratio"]))
        if rule == "plot_device":  # section plots: the device's windows over its sections
            section = jobs[jobs["rule"] == "plot_section"]
            if len(section):
                add(
                    "plot_section",
                    9 * MACHINES * 6,
                    float(section["wall_s"].mean()),
                    float(section["cpu_ratio"].mean()),
                )
    for rep in REPRESENTATIONS:
        for stack in STACKS:
            key = f"metrics/{'stft' if rep == 'l3' else rep}/stack{stack}/fan"
            if key in by_job.index:
                job = by_job.loc[key]
                test_files = sum(SECTIONS[p] * TEST[p] for p in SECTIONS)
                add("metrics", MACHINES, float(job["wall_s"]) * test_files / run_test, float(job["cpu_ratio"]))
    clips = jobs[jobs["rule"] == "explore_clips"].set_index("job")
    if "explore_clips/fan" in clips.index:
        per = float(clips.loc["explore_clips/fan", "wall_s"]) / (summary["clips"] + summary["external"])
        add(
            "explore_clips",
            MACHINES,
            per * (machine_clips + EXTERNAL),
            float(clips.loc["explore_clips/fan", "cpu_ratio"]),
        )
        add("explore_clips (global)", 1, per * (MACHINES * machine_clips + EXTERNAL), 1.0)
    rest = jobs[
        ~jobs["rule"].isin(
            [
                "features",
                "sample",
                "umap",
                "plot_device",
                "plot_global",
                "plot_section",
                "explore",
                "metrics",
                "explore_clips",
            ]
        )
    ]
    for job in rest.itertuples():
        add(job.rule, 1, job.wall_s, job.cpu_ratio)
    table = pd.DataFrame(rows)
    table["total_wall_s"] = table["wall_s"] * table["jobs"]
    table["total_cpu_s"] = table["cpu_s"] * table["jobs"]
    return table


def report(table: pd.DataFrame, cores: int = 2) -> dict:
    """CPU hours, wall on ``cores`` cores and on the cluster, the longest job."""
    cpu = table["total_cpu_s"].sum()
    longest = table.loc[table["wall_s"].idxmax()]
    per_rule = table.groupby("rule")["wall_s"].max()
    chain = max(per_rule.filter(like="features").max(), 0) + per_rule.get("sample", 0) + per_rule.get("umap", 0)
    chain += max(per_rule.get("metrics", 0), per_rule.get("explore_clips (global)", 0), per_rule.get("plot_global", 0))
    return {
        "cpu_hours": cpu / 3600,
        "wall_hours_local": max(cpu / cores, chain) / 3600,
        "wall_hours_cluster": max(cpu / CLUSTER_CORES, chain) / 3600,
        "longest_job": str(longest["rule"]),
        "longest_job_hours": float(longest["wall_s"]) / 3600,
        "chain_hours": chain / 3600,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, nargs="?", default=Path("/tmp/audio-umaps-scale/run_4209"))
    args = parser.parse_args(argv)
    table = estimate(args.run)
    grouped = table.groupby("rule")[["jobs", "total_cpu_s", "total_wall_s"]].sum()
    grouped["longest_s"] = table.groupby("rule")["wall_s"].max()
    print(grouped.sort_values("total_cpu_s", ascending=False).round(0).to_string())
    print(json.dumps(report(table), indent=1))


if __name__ == "__main__":
    main()
