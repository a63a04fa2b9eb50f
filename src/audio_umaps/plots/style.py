"""Sizes, opacities and fixed colours of the static plots, and the size of test dots.

Colours that encode something (devices, sections, domains, datasets, files) come from
:mod:`audio_umaps.palette`; this module holds how much ink each kind of mark gets.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from .. import palette  # noqa: E402

PANEL_LABELS = {
    "normal": "normal test windows",
    "anomaly": "anomalous test windows",
    "unknown": "unlabelled test windows",
}
LEGEND_TITLE = "shadows: training windows\ndots: test windows"
RANDOM_WEIGHTS_TITLE = " (RANDOM TEST WEIGHTS, not OpenL3)"
VIEW_MARGIN = 0.04  # share of the longer side of the windows' extent added around it

# ---- shadows (density shading; see audio_umaps.plots.shadows) --------------------------------
SHADOW_OPACITY = 0.45  # most opacity training shadows reach (their densest place)
EXTERNAL_OPACITY = 0.28  # most opacity external shadows reach: fainter, beneath the training's
SHADOW_FLOOR = 0.3  # share of that most a lone window reaches at its centre (before the ramp)
SHADOW_WIDTH = 0.006  # kernel s.d. as a share of the view's longer side, up to SHADOW_WIDE_UP_TO windows
SHADOW_WIDE_UP_TO = 2000
SHADOW_NARROWEST = 0.5  # the kernel shrinks with the count down to this share of SHADOW_WIDTH
EXTERNAL_WIDTH = 0.7  # external kernels: this share of the training's ("thinner")
SHADOW_SIGMA_CELLS = 1.6  # grid cells per kernel s.d. (finer grids for narrower kernels)
SHADOW_CELLS = (250, 720)  # fewest and most grid cells along the longer side of a view
SHADOW_ZORDER = {"external": 0.5, "train": 1.0}
DOTS_ZORDER = 3

# ---- test dots --------------------------------------------------------------------------------
DOT_SIZE = {"normal": 6.0, "anomaly": 3.0, "unknown": 3.0}  # points^2, up to DOTS_FULL_UP_TO windows
DOTS_FULL_UP_TO = 2000
DOT_SMALLEST = 0.8
DOT_ALPHA = (0.5, 0.9)  # (densest, sparse)

# ---- a system's scores (config key plots.colour_by_system) ----------------------------------
SCORE_BAR_SPACE = 0.14  # share of a device figure's height kept for the colour bar
SCORE_CMAP = ListedColormap(plt.get_cmap("plasma")(np.linspace(0.0, 0.85, 256)), name="plasma_to_orange")
NO_SCORE_COLOUR = "#9e9e9e"
WRONG_DECISION_COLOUR = "black"  # the outline (a halo beneath the dots) of a wrong decision
WRONG_DECISION_WIDTH = 1.0  # its width in points on each side of a dot
ERRORS = {"normal": ("false positive", 1), "anomaly": ("false negative", 0)}  # (name, its decision)

# ---- section and folder plots ---------------------------------------------------------------
FILE_COLOURS = list(palette.IDENTITIES)  # a section's test files, in turn
FILES_LISTED = len(FILE_COLOURS)  # files named in a section legend (the colours repeat beyond)
FOLDER_GROUPS = 20  # most groups on a folder plot; the rest are drawn grey as "other"
ORIGIN_STYLE = dict(marker="X", s=260, color="black", edgecolors="white", linewidths=1.5, zorder=5)

# gids of what the panels draw (tests and readers of a figure can find them)
GID_SHADOWS = {"external": "shadows-external", "train": "shadows-train"}
GID_EMPTY = "empty-panel-note"
GID_OUTSIDE = "outside-view-note"


def dot_style(n: int, label: str) -> dict:
    """Size and opacity of test dots when ``n`` test windows are drawn on a figure.

    The paper's sizes (:data:`DOT_SIZE`: normal windows larger, anomalies smaller) up to
    :data:`DOTS_FULL_UP_TO` windows, then shrinking as ``n ** -0.5`` (the ink stays about
    constant) down to :data:`DOT_SMALLEST`; opacity 0.9 falling as ``n ** -0.25`` to 0.5.

    Parameters
    ----------
    n : int
        Test windows of the figure (every panel's, so that all panels use the same dots).
    label : {"normal", "anomaly", "unknown"}

    Returns
    -------
    dict
        Keyword arguments of :meth:`matplotlib.axes.Axes.scatter` (``s``, ``alpha``,
        ``linewidths``, ``zorder``).
    """
    scale = min(1.0, DOTS_FULL_UP_TO / max(n, 1))
    low, high = DOT_ALPHA
    return dict(
        s=max(DOT_SIZE[label] * scale**0.5, DOT_SMALLEST),
        alpha=float(np.clip(high * scale**0.25, low, high)),
        linewidths=0,
        zorder=DOTS_ZORDER,
    )


def check_label(label: str) -> None:
    """Raise ValueError unless ``label`` is a panel label (:data:`PANEL_LABELS`)."""
    if label not in PANEL_LABELS:
        raise ValueError(f"unknown panel label {label!r}; expected one of {sorted(PANEL_LABELS)}")
