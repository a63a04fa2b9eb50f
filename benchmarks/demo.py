"""The demo workflow from clean, total and per rule: this checkout against an earlier commit.

    .venv/bin/python -m benchmarks.demo [--baseline 4ba69b1] [--cores 2] [--cold]

Each side runs in its own fresh working folder: the demo data written first (not timed), then
``snakemake --cores N`` on the default config (config/config.yaml), timed from start to end.
The baseline is the commit named (checked out in a temporary git worktree, its package put
first on PYTHONPATH, so its workflow and jobs run its own code in the same .venv). Per rule:
jobs and seconds summed over jobs (each run's results/reports/benchmarks.tsv). umap-learn's
compiled code is cached across processes in this checkout: by default the cache is warm (as on
every run after a machine's first); ``--cold`` empties it first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.common import PYTHON, ROOT, snakemake_command


def run(source: Path, work: Path, cores: int, env: dict) -> tuple[float, pd.DataFrame]:
    """(wall seconds of snakemake, per-rule table) of the demo of the checkout at ``source``."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    config = source / "config" / "config.yaml"
    subprocess.run(
        [PYTHON, "-m", "audio_umaps.demo", "--configfile", str(config), "--directory", str(work)],
        check=True,
        env=env,
        capture_output=True,
    )
    start = time.perf_counter()
    subprocess.run(
        snakemake_command(work, config, cores, "--quiet", source=source),
        check=True,
        env=env,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    table = pd.read_csv(work / "results" / "reports" / "benchmarks.tsv", sep="\t")
    return seconds, table.set_index("rule")[["jobs", "total_s"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="4ba69b1", help="commit to compare with")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="empty umap-learn's compile cache first")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="audio-umaps-demo-"))
    env = dict(os.environ)
    if args.cold:
        env["AUDIO_UMAPS_NUMBA_CACHE"] = str(tmp / "numba")
    try:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force", str(tmp / "baseline"), args.baseline],
            check=True,
            capture_output=True,
        )
        base_s, base = run(
            tmp / "baseline", tmp / "work_baseline", args.cores, {**env, "PYTHONPATH": str(tmp / "baseline" / "src")}
        )
        now_s, now = run(ROOT, tmp / "work", args.cores, env)
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "baseline")], capture_output=True
        )
        shutil.rmtree(tmp, ignore_errors=True)
    table = base.add_suffix("_baseline").join(now.add_suffix("_now"), how="outer").fillna(0)
    table["ratio"] = table["total_s_baseline"] / table["total_s_now"].where(table["total_s_now"] > 0)
    table = table.sort_values("total_s_baseline", ascending=False)
    print(
        f"demo from clean, {args.cores} cores, numba cache {'cold' if args.cold else 'warm'}; baseline {args.baseline}"
    )
    print(f"{'rule':<20}{'jobs then':>10}{'s then':>9}{'jobs now':>10}{'s now':>9}{'speed-up':>10}")
    for rule, row in table.iterrows():
        print(
            f"{rule:<20}{row['jobs_baseline']:>10.0f}{row['total_s_baseline']:>9.1f}"
            f"{row['jobs_now']:>10.0f}{row['total_s_now']:>9.1f}{row['ratio']:>9.2f}x"
        )
    print(f"{'wall (snakemake)':<20}{'':>10}{base_s:>9.1f}{'':>10}{now_s:>9.1f}{base_s / now_s:>9.2f}x")


if __name__ == "__main__":
    main()
