"""The metrics summary and its figures: heatmaps of SEP and DSUP (representation x stack
against device, the original space and the UMAP's 2-D coordinates side by side) and the paper's
hypothesis 2 (SEP against DSUP as the stack grows).

Panel functions draw on a given axis and return it; figure builders compose them.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..metrics import ALL, ORIGINAL, UMAP  # noqa: E402
from ..representations import window_title  # noqa: E402

# Summary columns: (method, level, measure) of each device row (section and domain "all").
SUMMARY_MEASURES = {
    "sep_auc": ("svm", "window", "auc"),
    "sep_hinge": ("svm", "window", "hinge"),
    "sep_hinge_cv": ("svm", "window", "hinge_cv"),
    "dsup_auc": ("knn", "window", "auc"),
    "dsup_pauc": ("knn", "window", "pauc"),
    "dsup_file_auc": ("knn", "file", "auc"),
    "dsup_file_pauc": ("knn", "file", "pauc"),
    "lof_auc": ("lof", "window", "auc"),
    "support": ("knn", "window", "support"),
    "support_anomalous": ("knn", "window", "support_anomalous"),
}


class Scale(NamedTuple):
    """A heatmap's title, colour-bar label, colour map and value range (``vmin`` to ``vmax``)."""

    title: str
    label: str
    cmap: str
    vmin: float
    vmax: float


# AUCs on 0..1 with a diverging map whose neutral middle is chance (0.5): below-chance values
# (red) stand apart from chance (white) and from good ones (blue). Support: a share, 0..1.
HEATMAPS = {
    "sep_auc": Scale(
        "SEP: cross-validated ROC-AUC of a linear SVM (windows)",
        "ROC-AUC (0.5: chance; below: inverted)",
        "RdBu",
        0.0,
        1.0,
    ),
    "dsup_auc": Scale(
        "DSUP: ROC-AUC of the kNN distance to training windows (windows)",
        "ROC-AUC (0.5: chance; below: inverted)",
        "RdBu",
        0.0,
        1.0,
    ),
    "dsup_pauc": Scale(
        "DSUP: pAUC (max FPR 0.1) of the kNN distance (windows)", "standardised pAUC (0.5: chance)", "RdBu", 0.0, 1.0
    ),
    "support": Scale(
        "Support: share of normal test windows within the training data's own kNN distances",
        "share of normal test windows",
        "viridis",
        0.0,
        1.0,
    ),
}
SPACE_TITLES = {ORIGINAL: "original space (every test file)", UMAP: "UMAP 2-D (the map's sample)"}


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per representation x stack x device: each of ``SUMMARY_MEASURES`` in each space
    (``<measure>_<space>``), and the official DCASE score of the kNN detector's file scores in
    the original space (``dcase_knn``: the harmonic mean of the device's AUCs and pAUCs from
    2021 on, the mean AUC for 2020); then, for each measure of ``HEATMAPS``, the files its
    device row rests on (``<measure>_files_<space>``: for SEP the test files the SVM used, for
    DSUP the test files scored, for support the files of the normal windows; empty where the
    measure has no row)."""
    keys = ["representation", "stack", "device"]
    devices = rows[(rows["section"] == ALL) & (rows["domain"] == ALL) & (rows["level"] != "official")]
    out = rows[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)

    def chosen(name, space):
        method, level, measure = SUMMARY_MEASURES[name]
        return devices[
            (devices["method"] == method)
            & (devices["level"] == level)
            & (devices["measure"] == measure)
            & (devices["space"] == space)
        ].groupby(keys)

    for name in SUMMARY_MEASURES:
        for space in (ORIGINAL, UMAP):
            values = chosen(name, space)["value"].mean().rename(f"{name}_{space}")
            out = out.merge(values, left_on=keys, right_index=True, how="left")
    official = rows[
        (rows["level"] == "official")
        & (rows["method"] == "knn")
        & (rows["space"] == ORIGINAL)
        & (rows["section"] == ALL)
    ]
    main = official[official["measure"] == "hmean"]
    main = pd.concat(
        [
            main,
            official[
                (official["measure"] == "amean_auc") & ~official.set_index(keys).index.isin(main.set_index(keys).index)
            ],
        ]
    )
    out = out.merge(main.groupby(keys)["value"].mean().rename("dcase_knn"), left_on=keys, right_index=True, how="left")
    if "windowing" in rows:  # how each representation's windows were made, for the labels
        how = rows.dropna(subset=["windowing"]).groupby("representation")["windowing"].first()
        out.insert(2, "windowing", out["representation"].map(how).fillna("stack"))
    for name in HEATMAPS:
        for space in (ORIGINAL, UMAP):
            files = chosen(name, space)["files"].sum(min_count=1).astype("Int64").rename(f"{name}_files_{space}")
            out = out.merge(files, left_on=keys, right_index=True, how="left")
    return out


OFFICIAL_KEYS = ["dataset", "edition", "representation", "stack", "space", "method"]


def official_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The official DCASE scores as DCASE results pages show them, from the per-section and
    per-machine rows the metrics and predictions jobs wrote: for each dataset, representation x
    stack x space x detector (kNN, LOF) and each system's predictions, one row per machine type
    and one over all (``machine`` ``all``) with :func:`audio_umaps.scoring.machine_table`'s
    columns (2021 on: harmonic means of the source AUCs, target AUCs, pAUCs and of all, over
    all machine types the official score; 2020: the mean AUC and pAUC) and why a number is
    missing."""
    from ..scoring import machine_table, overall

    official = rows[rows["level"] == "official"]
    out = []
    for key, group in official.groupby(OFFICIAL_KEYS, sort=False, dropna=False):
        table = group[group["device"] != ALL]
        table = pd.concat([table, overall(table, key[1])], ignore_index=True)
        out.append(
            machine_table(table.assign(note=table["note"].fillna("")), key[1]).assign(**dict(zip(OFFICIAL_KEYS, key)))
        )
    columns = OFFICIAL_KEYS + ["machine", "auc_source", "auc_target", "auc", "pauc", "hmean", "note"]
    if not out:
        return pd.DataFrame(columns=columns)
    table = pd.concat(out, ignore_index=True).reindex(columns=columns)
    order = table.assign(
        _stack=pd.to_numeric(table["stack"], errors="coerce"),
        _system=table["space"] == "system",
        _all=table["machine"] == ALL,
    )
    return table.loc[
        order.sort_values(
            ["dataset", "_system", "representation", "_stack", "space", "method", "_all"], kind="stable"
        ).index
    ].reset_index(drop=True)


def _entry(row) -> str:
    if row["space"] == "system":
        return f"system {row['method']}"
    space = "2-D UMAP" if row["space"] == UMAP else "original"
    return f"{row['method']} · {row['representation']} stack {int(float(row['stack']))} · {space}"


def official_html(table: pd.DataFrame) -> str:
    """:func:`official_table` rendered as a DCASE results page renders a ranking: per dataset a
    table with a row per detector (representation, stack, space) and system, and for each
    machine type its numbers, then the official score; missing numbers show as n/a with the
    reason below the table."""
    import html

    parts = [
        "<html><head><meta charset='utf-8'><title>Official DCASE scores</title><style>"
        "body{font-family:sans-serif;font-size:13px} table{border-collapse:collapse;margin:8px 0 4px}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right} th{background:#f3f3f3}"
        "td:first-child{text-align:left} caption{text-align:left;font-weight:bold}"
        "p.notes{color:#666;font-size:12px;max-width:1100px}</style></head><body>",
        "<h2>Official DCASE Task 2 scores</h2><p>As each dataset's edition scores them (checked "
        "against the official evaluators). From 2021 on: per machine type the harmonic means "
        "of its source AUCs, target AUCs and pAUCs and of all of them (h-mean); over all, the "
        "official score. 2020: mean AUC and pAUC. Detectors score a file by the mean of its "
        "windows' kNN or LOF scores.</p>",
    ]
    from ..scoring import MACHINE_COLUMNS, layout

    for (dataset, edition), group in table.groupby(["dataset", "edition"], sort=False):
        columns = list(MACHINE_COLUMNS[layout(edition)])
        names = {
            "auc_source": "AUC source",
            "auc_target": "AUC target",
            "auc": "AUC",
            "pauc": "pAUC",
            "hmean": "h-mean",
        }
        machines = [m for m in dict.fromkeys(group["machine"]) if m != ALL]
        head = "".join(f"<th colspan='{len(columns)}'>{html.escape(str(m))}</th>" for m in machines)
        sub = "".join(f"<th>{names[c]}</th>" for m in machines for c in columns)
        total = "official score" if "hmean" in columns else "mean AUC, pAUC"
        parts.append(
            f"<table><caption>{html.escape(str(dataset))} (DCASE {html.escape(str(edition))})</caption>"
            f"<tr><th rowspan='2'>detector or system</th>{head}<th rowspan='2'>{total}</th></tr>"
            f"<tr>{sub}</tr>"
        )
        notes = []
        for _, entry in group.groupby(OFFICIAL_KEYS[2:], sort=False, dropna=False):
            by = entry.set_index("machine")
            cells = []
            for m in machines:
                for c in columns:
                    v = by[c].get(m, np.nan) if m in by.index else np.nan
                    cells.append("n/a" if pd.isna(v) else f"{v:.4f}")
            last = by.loc[ALL]
            overall = [last[c] for c in (("hmean",) if "hmean" in columns else ("auc", "pauc"))]
            cells.append(", ".join("n/a" if pd.isna(v) else f"{v:.4f}" for v in overall))
            parts.append(
                f"<tr><td>{html.escape(_entry(entry.iloc[0]))}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
            )
            notes += [n for n in entry["note"].fillna("") if n]
        parts.append("</table>")
        if notes:
            said = list(dict.fromkeys(notes))
            parts.append(
                "<p class='notes'>n/a: "
                + html.escape("; ".join(said[:6]))
                + (f"; and {len(said) - 6} more (official.tsv)" if len(said) > 6 else "")
                + "</p>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def _label(representation: str, stack, windowing: str = "stack") -> str:
    """A heatmap row's label: ``mel stack 5``, ``tkeo mean of 5 frames``."""
    return f"{representation} {window_title(int(stack), windowing)}"


def _legend_label(representation: str, windowing: str) -> str:
    """A representation in the hypothesis figure's legend, with its windowing when its windows
    are pooled (``tkeo (mean)``)."""
    return representation if windowing == "stack" else f"{representation} ({windowing})"


def _windowing(table: pd.DataFrame) -> dict:
    """``{representation: its windowing}`` of a summary (``stack`` where it does not say)."""
    if "windowing" not in table:
        return {}
    return table.dropna(subset=["windowing"]).groupby("representation")["windowing"].first().to_dict()


def _grid(table: pd.DataFrame, column: str, rows: pd.DataFrame, devices: list) -> np.ndarray:
    """``table[column]`` as a representation x stack (``rows``) by ``devices`` array, NaN where
    the table has no value (or no such column)."""
    if column not in table:
        return np.full((len(rows), len(devices)), np.nan)
    values = table.groupby(["representation", "stack", "device"])[column].first()
    index = pd.MultiIndex.from_tuples([(r, s, d) for r, s in rows.itertuples(index=False) for d in devices])
    return values.reindex(index).to_numpy(dtype=float, na_value=np.nan).reshape(len(rows), len(devices))


def _dark(rgba) -> bool:
    """Whether white text contrasts more with a colour than black does: its relative luminance
    lies below 0.179, where both contrast ratios are equal (sqrt(1.05 * 0.05) - 0.05); the
    better of the two is then always at least 4.58:1 (WCAG AA asks for 4.5)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.179


def _files(n: float) -> str:
    return "" if np.isnan(n) else f"\n{int(n)} file" + ("" if int(n) == 1 else "s")


def plot_heatmap(
    ax,
    table: pd.DataFrame,
    column: str,
    *,
    vmin: float = 0.0,
    vmax: float = 1.0,
    cmap="viridis",
    files: str | None = None,
):
    """A heatmap of ``table[column]``: representation x stack (rows) against device (columns).

    Parameters
    ----------
    ax : matplotlib Axes
    table : DataFrame
        The summary (``summary``): one row per representation x stack x device.
    column : str
        The column to draw.
    vmin, vmax : float
        The colour map's range (values outside it take its end colours).
    cmap : str or Colormap
    files : str, optional
        A column of file counts: each cell's second line (``12 files``).

    Returns
    -------
    ax, with the image as ``ax.image``. Each cell is annotated with its value (``n/a``, on
    grey hatching, where it could not be measured) in black or white, whichever the cell's
    colour leaves readable.
    """
    rows = table[["representation", "stack"]].drop_duplicates().sort_values(["representation", "stack"])
    devices = sorted(table["device"].unique())
    grid = _grid(table, column, rows, devices)
    counts = _grid(table, files, rows, devices) if files else np.full(grid.shape, np.nan)
    colours = plt.get_cmap(cmap).with_extremes(bad="0.9")
    image = ax.imshow(grid, cmap=colours, vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            value = grid[i, j]
            if np.isnan(value):
                ax.add_patch(
                    plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="0.75", linewidth=0)
                )
                ax.text(
                    j,
                    i,
                    "n/a" + _files(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    linespacing=1.3,
                    color="0.2",
                    bbox=dict(boxstyle="round,pad=0.2", facecolor="0.9", edgecolor="none"),
                )
                continue
            dark = _dark(image.cmap(image.norm(value)))
            ax.text(
                j,
                i,
                f"{value:.3f}" + _files(counts[i, j]),
                ha="center",
                va="center",
                fontsize=8.5,
                linespacing=1.3,
                color="white" if dark else "black",
            )
    ax.set_xticks(range(len(devices)), devices)
    how = _windowing(table)
    ax.set_yticks(range(len(rows)), [_label(r, s, how.get(r, "stack")) for r, s in rows.itertuples(index=False)])
    ax.tick_params(length=0)
    ax.image = image
    return ax


def heatmap_figure(table: pd.DataFrame, name: str) -> plt.Figure:
    """The heatmap of summary measure ``name`` (a key of ``HEATMAPS``): original space left,
    UMAP 2-D right, one colour scale (``HEATMAPS[name]``); each cell gives the value and the
    files it rests on (``<name>_files_<space>``)."""
    scale = HEATMAPS[name]
    n_rows = table[["representation", "stack"]].drop_duplicates().shape[0]
    n_devices = table["device"].nunique()
    fig, axes = plt.subplots(
        1,
        2,
        figsize=(3 + 2.4 * max(n_devices, 1) * 2, 1.6 + 0.6 * max(n_rows, 1)),
        sharey=True,
        constrained_layout=True,
    )
    for ax, space in zip(axes, (ORIGINAL, UMAP)):
        plot_heatmap(
            ax,
            table,
            f"{name}_{space}",
            vmin=scale.vmin,
            vmax=scale.vmax,
            cmap=scale.cmap,
            files=f"{name}_files_{space}",
        )
        ax.set_title(SPACE_TITLES[space], fontsize=10)
    bar = fig.colorbar(axes[-1].image, ax=axes, shrink=0.9)
    bar.set_ticks(np.linspace(scale.vmin, scale.vmax, 5))
    bar.set_label(scale.label, fontsize=9)
    fig.suptitle(scale.title, fontsize=11)
    return fig


def _arrow(ax, tail, head, *, colour, size: float, alpha: float = 1.0, gid: str = ""):
    """An arrowhead halfway from ``tail`` to ``head`` (data coordinates), pointing at ``head``."""
    tail, head = np.asarray(tail, float), np.asarray(head, float)
    if np.allclose(tail, head):
        return None
    middle, step = (tail + head) / 2, (head - tail) * 0.01
    return ax.annotate(
        "",
        xy=middle + step,
        xytext=middle - step,
        gid=gid,
        arrowprops=dict(
            arrowstyle="-|>", color=colour, alpha=alpha, linewidth=0, mutation_scale=size, shrinkA=0, shrinkB=0
        ),
    )


def plot_hypothesis(ax, table: pd.DataFrame, space: str):
    """SEP-AUC against DSUP-AUC in one space.

    Per representation: the mean over devices at each stack, joined in stack order with an
    arrowhead on each segment pointing to the larger stack and the stack at each point (with
    ``(n/N)`` where only n of the representation's N devices have both measures there), and
    each device's own path dotted behind it with lighter arrowheads (named at its longest
    stack). Grey dashed lines mark chance (0.5) on either axis.

    Returns
    -------
    ax. The arrows are annotations with gid ``arrow <representation> <device or mean>
    <stack>><stack>``.
    """
    colours = plt.get_cmap("tab10")
    x, y = f"dsup_auc_{space}", f"sep_auc_{space}"
    for i, (rep, rows) in enumerate(table.groupby("representation", sort=True)):
        colour = colours(i % 10)
        for device, path in rows.sort_values("stack").groupby("device", sort=True):
            ax.plot(path[x], path[y], ":", marker=".", color=colour, alpha=0.45, linewidth=1)
            points = list(path[["stack", x, y]].itertuples(index=False))
            for (s0, x0, y0), (s1, x1, y1) in zip(points, points[1:]):
                if not np.isnan([x0, y0, x1, y1]).any():
                    _arrow(
                        ax,
                        (x0, y0),
                        (x1, y1),
                        colour=colour,
                        size=11,
                        alpha=0.6,
                        gid=f"arrow {rep} {device} {int(s0)}>{int(s1)}",
                    )
            last = path.dropna(subset=[x, y]).tail(1)
            if len(last):  # the device's name at its longest stack
                ax.annotate(
                    device,
                    (last[x].iloc[0], last[y].iloc[0]),
                    textcoords="offset points",
                    xytext=(4, -9),
                    fontsize=7,
                    color=colour,
                    alpha=0.8,
                )
        n_devices = rows["device"].nunique()
        complete = rows.dropna(subset=[x, y])
        means = complete.groupby("stack")[[x, y]].mean().sort_index()
        counts = complete.groupby("stack")["device"].nunique()
        ax.plot(means[x], means[y], "-o", color=colour, linewidth=1.8, markersize=6)
        for (s0, p0), (s1, p1) in zip(means.iterrows(), list(means.iterrows())[1:]):
            _arrow(ax, p0, p1, colour=colour, size=18, gid=f"arrow {rep} mean {int(s0)}>{int(s1)}")
        for stack, point in means.iterrows():
            text = f"{int(stack)}" + ("" if counts[stack] == n_devices else f" ({counts[stack]}/{n_devices})")
            ax.annotate(
                text,
                (point[x], point[y]),
                textcoords="offset points",
                xytext=(5, 4),
                fontsize=9,
                color=colour,
                fontweight="bold",
            )
    ax.axhline(0.5, color="0.5", linestyle="--", linewidth=0.8, zorder=0)
    ax.axvline(0.5, color="0.5", linestyle="--", linewidth=0.8, zorder=0)
    ax.set_xlabel("DSUP: kNN ROC-AUC (windows)")
    ax.set_ylabel("SEP: linear SVM ROC-AUC (windows, cross-validated)")
    ax.set_title(SPACE_TITLES[space], fontsize=10)
    ax.grid(alpha=0.3)
    return ax


def _limits(table: pd.DataFrame, measure: str) -> tuple[float, float]:
    """Limits for ``measure`` in both spaces: from chance (0.5, or the lowest value below
    it) to 1, with a margin."""
    values = table[[f"{measure}_{space}" for space in (ORIGINAL, UMAP)]].to_numpy(dtype=float)
    values = values[~np.isnan(values)]
    low = min(0.5, values.min()) if len(values) else 0.5
    return low - 0.03, 1.03


def hypothesis_figure(table: pd.DataFrame) -> plt.Figure:
    """The paper's hypothesis 2 ("longer stacks give better SEP but worse DSUP"): SEP against
    DSUP per representation as the stack grows (``plot_hypothesis``), in the original space and
    in the UMAP's 2-D coordinates, on the same axes (from chance, or below, to 1). Under the
    hypothesis each line climbs (SEP up) while moving left (DSUP down), in the arrows'
    direction."""
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(1, 2, figsize=(12.5, 5.6), sharex=True, sharey=True, layout="constrained")
    for ax, space in zip(axes, (ORIGINAL, UMAP)):
        plot_hypothesis(ax, table, space)
    axes[0].set_xlim(*_limits(table, "dsup_auc"))
    axes[0].set_ylim(*_limits(table, "sep_auc"))
    axes[1].set_ylabel("")
    colours = plt.get_cmap("tab10")
    how = _windowing(table)
    handles = [
        Line2D(
            [], [], color=colours(i % 10), marker="o", linewidth=1.8, label=_legend_label(rep, how.get(rep, "stack"))
        )
        for i, rep in enumerate(sorted(table["representation"].unique()))
    ]
    handles += [
        Line2D([], [], color="0.3", marker="o", linewidth=1.8, label="mean over devices"),
        Line2D([], [], color="0.3", marker=".", linestyle=":", alpha=0.6, label="one device"),
        Line2D([], [], color="0.5", linestyle="--", linewidth=0.8, label="chance (0.5)"),
    ]
    fig.legend(handles=handles, loc="outside right upper", fontsize=9)
    fig.suptitle(
        "Hypothesis 2: SEP against DSUP as the stack grows (arrows: towards longer stacks; numbers: frames per window)",
        fontsize=11,
    )
    return fig


def save(fig, path, *, dpi: float = 110) -> None:
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
