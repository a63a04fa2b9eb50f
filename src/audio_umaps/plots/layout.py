"""Figures: panels side by side with a legend to their right, fixed square views, titles, the
note that replaces a map that could not be drawn, and writing the file."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..representations import window_title
from ..tables import stores_flagged
from .legends import label_of
from .style import GID_EMPTY, LEGEND_TITLE, RANDOM_WEIGHTS_TITLE, VIEW_MARGIN


def set_view(ax, points: pd.DataFrame):
    """Fix the limits to hold all of ``points`` (a margin around them), widened to the panel's
    shape, with equal aspect and no ticks: panels of the same shape given the same points share
    limits. The limits stay fixed whatever is drawn later (shadow images are cut to them)."""
    x, y = points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float)
    x, y = x[np.isfinite(x) & np.isfinite(y)], y[np.isfinite(x) & np.isfinite(y)]
    if len(x):
        (x0, x1), (y0, y1) = (x.min(), x.max()), (y.min(), y.max())
    else:
        (x0, x1), (y0, y1) = (0.0, 1.0), (0.0, 1.0)
    span = max(x1 - x0, y1 - y0) or 1.0
    pad = VIEW_MARGIN * span
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    box = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    shape = round((box.height * fh) / (box.width * fw), 3)  # height / width of the panel
    # (rounded: panels of one figure whose sizes differ in the last bits get the same limits)
    w, h = x1 - x0, y1 - y0
    if h / w < shape:
        grow = (w * shape - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = (h / shape - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def explain_empty(ax, text: str):
    """Say inside a panel why it has no test windows."""
    ax.text(
        0.5,
        0.5,
        "\n".join(textwrap.wrap(text, 42)),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color="0.15",
        gid=GID_EMPTY,
        zorder=7,
        bbox=dict(boxstyle="round", facecolor="white", edgecolor="0.6", alpha=0.9),
    )
    return ax


def figure(ncols: int, style: dict):
    """A figure of ``ncols`` panels in a row; ``style['width']`` is the width of two panels, a
    figure has 1 to 3. Returns the figure and its axes as a list."""
    fig, axes = plt.subplots(1, ncols, figsize=(style["width"] / 2 * ncols, style["height"]), squeeze=False)
    return fig, list(axes[0])


def compose(
    fig,
    axes,
    handles: list,
    title: str,
    *,
    legend_title: str | None = LEGEND_TITLE,
    bottom: float = 0.0,
    title_lines: int = 1,
):
    """Suptitle, a legend to the right of the panels and a tight layout (above ``bottom``, a
    share of the figure's height kept free for a colour bar), before the panels are drawn: with
    tick-less axes and stand-in titles of ``title_lines`` lines, the panels get their final
    places, so that their limits fit their shape (see :func:`set_view`). :func:`finish` lays
    the figure out again once drawn."""
    fig.suptitle(title, fontsize=13)
    if handles:
        fig.legend(
            handles=handles,
            labels=[label_of(h) for h in handles],
            loc="center left",
            bbox_to_anchor=(1.0, 0.5),
            frameon=False,
            fontsize=9,
            ncol=1 + len(handles) // 28,
            title=legend_title,
            title_fontsize=9,
            alignment="left",
        )
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("\n".join(["Xg"] * title_lines), fontsize=11)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def finish(fig, bottom: float = 0.0):
    """Lay the drawn figure out again (above ``bottom``) and return it."""
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def note_figure(style: dict, *, title: str, note: str):
    """A figure that says why there is no map (an empty scope or section, too few windows for
    UMAP), in place of the plot: the report and the results folder keep one file per target."""
    fig, (ax,) = figure(1, style)
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        "No map: " + "\n".join(textwrap.wrap(note, 70)),
        ha="center",
        va="center",
        fontsize=12,
        transform=ax.transAxes,
        bbox=dict(boxstyle="round", facecolor="#fff3cd", edgecolor="#b58900"),
    )
    fig.suptitle(title, fontsize=13)
    return fig


def title(subject: str, representation: str, stack, emb: pd.DataFrame, *, windowing: str = "stack") -> str:
    """A figure title, e.g. ``"fan: mel, stack 5"`` (``"fan: tkeo, mean of 5 frames"`` for a
    representation whose windows are pooled).

    Parameters
    ----------
    subject : str
        What is shown: ``"All devices"``, ``"fan"``, ``"fan section 00"``, ...
    representation : str
    stack : int or str
        Frames per window.
    emb : pandas.DataFrame
        The embedding table. When it has a ``random_weights`` column (bool, or the strings
        "True"/"False") with any true value, the title says so.
    windowing : str
        How a window's frames became one vector: ``stack``, ``mean`` or ``meanstd``.

    Returns
    -------
    str
    """
    text = f"{subject}: {representation}, {window_title(int(stack), windowing)}"
    if stores_flagged(emb):
        text += RANDOM_WEIGHTS_TITLE
    return text


def save(fig, path, *, dpi: float) -> None:
    """Write ``fig`` to ``path`` (tight bounding box) and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure of this package's figure builders.
    path : str or path-like
        The output file; its suffix chooses the format.
    dpi : float
        Resolution, normally ``style["dpi"]``.
    """
    try:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)


def write_map(path, emb: pd.DataFrame, *, title: str, style: dict, skipped: str | None, figure) -> None:
    """Write a plot job's output: ``figure()`` (a figure builder bound to its arguments), or,
    when the map was ``skipped``, a :func:`note_figure` saying why."""
    fig = note_figure(style, title=title, note=skipped) if skipped else figure()
    save(fig, path, dpi=style["dpi"])
