"""The run's own cost: Snakemake's per-job benchmark files summarised per rule."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from . import tables  # noqa: E402

COLUMNS = tables.columns("benchmarks")


def summarise(files: dict[str, list[str]]) -> pd.DataFrame:
    """One row per rule: number of jobs, total, mean and longest wall time (s), and the largest
    peak resident memory (MB, ``max_rss``) of its jobs, from ``{rule: [benchmark file, …]}``.
    Rules without jobs are left out; rows are sorted by total time, longest first (a table of
    kind ``benchmarks``; a file without a number, e.g. ``NA``, counts as none)."""
    rows = []
    for rule, paths in files.items():
        if not paths:
            continue
        table = tables.read_many("benchmark", paths)
        seconds, rss = table["s"], table["max_rss"]
        rows.append([rule, len(paths), seconds.sum(), seconds.mean(), seconds.max(), rss.max()])
    summary = pd.DataFrame(rows, columns=COLUMNS)
    return summary.sort_values("total_s", ascending=False, kind="stable").round(2).reset_index(drop=True)


def plot_summary(ax, summary: pd.DataFrame):
    """Total wall time per rule as horizontal bars, labelled with jobs and peak memory; returns
    the axis."""
    order = summary.iloc[::-1]
    ax.barh(order["rule"], order["total_s"], color="tab:blue")
    for y, row in enumerate(order.itertuples()):
        ax.text(
            row.total_s,
            y,
            f"  {row.jobs} job{'' if row.jobs == 1 else 's'}, max {row.max_s:.1f} s, {row.max_rss_mb:.0f} MB",
            va="center",
            fontsize=8,
        )
    ax.set_xlabel("wall time summed over the rule's jobs (s)")
    ax.margins(x=0.45)
    return ax


def save_chart(summary: pd.DataFrame, out):
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(summary) + 1.2))
    plot_summary(ax, summary)
    ax.set_title(f"{int(summary['jobs'].sum())} jobs, {summary['total_s'].sum():.0f} s of job time")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
