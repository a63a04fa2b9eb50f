"""Plots in the style of Fernandez & Plumbley (DCASE 2021).

* global: a dual plot like the device plots (the paper's Figure 2): every device's normal test
  windows on the left panel, its anomalous ones on the right (a third panel for unlabelled
  evaluation windows, if any), each device in its own colour family with a shade per section;
  the training windows are shadows in the same shades on every panel, and external datasets
  fainter shadows beneath them in their configured colour (grey for AudioSet-style data,
  violet for IDMT-ISA-EE).
* device: panels sharing axes; training data as shadows on every panel (a shade per section,
  blues for the source domain, oranges for the target domain); normal test windows on the
  left, anomalous ones (smaller dots) on the right, and a third panel for evaluation windows
  without a label, if any. External data is context only: fainter, thinner shadows beneath,
  and the limits follow the device's own windows. Optionally (config key
  ``plots.colour_by_system``) the test windows are coloured by a system's anomaly score, its
  wrong decisions ringed.
* section: one section of one device, test windows coloured per audio file (the legend names
  the files), the section's training data as shadows, and the "approximate origin" cross.
* folder (runs without DCASE data): the windows of ``folder`` datasets, a colour per
  sub-folder (or per dataset, on the global plot).
* note: a map that could not be drawn (no windows, too few for UMAP) says why instead; an
  empty panel says why inside it.

Shadows are density shading, not markers: each panel's training (or external) windows are
counted on a fine grid and smoothed with a Gaussian kernel (:func:`shadow_width`), and the
smoothed count ``v`` becomes an opacity (:func:`shadow_opacity`) that never exceeds
:data:`SHADOW_OPACITY` (:data:`EXTERNAL_OPACITY` for external data) however many windows pile
up in one place, while a lone window stays visible as a faint blob. Where groups overlap their
colours mix in proportion to their windows. Test windows are small dots drawn on top in full
colour (:func:`dot_style`), so they never blend into the paler shadows.

Layout, in the style of umap-learn's ``umap/plot.py``:

* panel functions (:func:`plot_global_panel`, :func:`plot_device_panel`,
  :func:`plot_section_panel`, :func:`plot_folder`) draw on a given :class:`matplotlib.axes.Axes`
  and return it;
* handle functions (:func:`global_handles`, :func:`device_handles`, :func:`section_handles`)
  give the legend entries that go with those panels (a tuple of handles is one entry, drawn
  overlaid: a shadow swatch with a dot on it);
* figure builders (:func:`global_figure`, :func:`device_figure`, :func:`section_figure`)
  compose panels, legend and title into a :class:`matplotlib.figure.Figure` and save nothing;
  the caller writes it with :func:`save`.
"""

from __future__ import annotations

import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.colors import ListedColormap, Normalize  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .tables import stores_flagged  # noqa: E402

# Base colours of the device families (tab10 without its grey and purple: grey and violet are
# kept for external data).
DEVICE_FAMILIES = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:brown", "tab:pink",
                   "tab:olive", "tab:cyan"]
DOMAIN_FAMILIES = {"source": "tab:blue", "target": "tab:orange", "unknown": "tab:green",
                   "none": "tab:blue"}  # none: DCASE 2020, which has no domains
DEFAULT_EXTERNAL_COLOUR = "#8c8c8c"
PANEL_LABELS = {"normal": "normal test windows", "anomaly": "anomalous test windows",
                "unknown": "unlabelled test windows"}

# ---- shadows (density shading; see the module docstring) ------------------------------------
SHADOW_OPACITY = 0.45    # most opacity training shadows reach (their densest place)
EXTERNAL_OPACITY = 0.28  # most opacity external shadows reach: fainter, beneath the training's
SHADOW_FLOOR = 0.3       # share of that most a lone window reaches at its centre (before the ramp)
SHADOW_WIDTH = 0.006     # kernel s.d. as a share of the view's longer side, up to SHADOW_WIDE_UP_TO windows
SHADOW_WIDE_UP_TO = 2000
SHADOW_NARROWEST = 0.5   # the kernel shrinks with the count down to this share of SHADOW_WIDTH
EXTERNAL_WIDTH = 0.7     # external kernels: this share of the training's ("thinner")
SHADOW_SIGMA_CELLS = 1.6          # grid cells per kernel s.d. (finer grids for narrower kernels)
SHADOW_CELLS = (250, 720)         # fewest and most grid cells along the longer side of a view
SHADOW_ZORDER = {"external": 0.5, "train": 1.0}
DOTS_ZORDER = 3

# ---- test dots --------------------------------------------------------------------------------
DOT_SIZE = {"normal": 6.0, "anomaly": 3.0, "unknown": 3.0}  # points^2, up to DOTS_FULL_UP_TO windows
DOTS_FULL_UP_TO = 2000
DOT_SMALLEST = 0.8
DOT_ALPHA = (0.5, 0.9)   # (densest, sparse)

# ---- a system's scores (config key plots.colour_by_system) ----------------------------------
SCORE_BAR_SPACE = 0.14  # share of a device figure's height kept for the colour bar
SCORE_CMAP = ListedColormap(plt.get_cmap("plasma")(np.linspace(0.0, 0.85, 256)), name="plasma_to_orange")
NO_SCORE_COLOUR = "#9e9e9e"
WRONG_DECISION_COLOUR = "black"  # the outline (a halo beneath the dots) of a wrong decision
WRONG_DECISION_WIDTH = 1.0       # its width in points on each side of a dot
ERRORS = {"normal": ("false positive", 1), "anomaly": ("false negative", 0)}  # (name, its decision)

# ---- section legends ----------------------------------------------------------------------------
# tab20 without its two greys (the section's shadows are grey): 18 colours, in turn
FILE_COLOURS = [c for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (14, 15)]
FILES_LISTED = len(FILE_COLOURS)  # files named in a section legend (the colours repeat beyond)

RANDOM_WEIGHTS_TITLE = " (RANDOM TEST WEIGHTS, not OpenL3)"
SECTION_SHADOW_COLOUR = "#7a7a7a"
VIEW_MARGIN = 0.04  # share of the longer side of the windows' extent added around it
# gids of what the panels draw (tests and readers of a figure can find them)
GID_SHADOWS = {"external": "shadows-external", "train": "shadows-train"}
GID_EMPTY = "empty-panel-note"
GID_OUTSIDE = "outside-view-note"
LEGEND_TITLE = "shadows: training windows\ndots: test windows"


def shade(base: str, i: int, n: int) -> tuple:
    """The i-th of n shades of a base colour, from lighter (i = 0) to darker (i = n - 1)."""
    rgb = np.array(matplotlib.colors.to_rgb(base))
    t = 0.45 - 0.9 * (i / (n - 1)) if n > 1 else 0.0
    rgb = rgb + (1 - rgb) * t if t > 0 else rgb * (1 + t)
    return tuple(rgb.clip(0, 1))


def origin_cross(points: pd.DataFrame, skip: int = 500, take: int = 100):
    """The "approximate origin": mean (x, y) of the windows ranked ``skip+1`` to
    ``skip+take`` by ascending energy (the ``skip`` quietest windows are left out).

    Returns ``None`` when the windows carry no energy or there are no more than ``skip``.
    """
    energy = points["energy"].to_numpy(dtype=float)
    if len(points) <= skip or not np.isfinite(energy).all():
        return None
    order = np.argsort(energy, kind="stable")[skip:skip + take]
    return float(points["x"].to_numpy()[order].mean()), float(points["y"].to_numpy()[order].mean())


# --------------------------------------------------------------------------------------------
# Shadows and dots: how much ink, from how many windows
# --------------------------------------------------------------------------------------------

def shadow_width(n: int) -> float:
    """Standard deviation of a shadow's Gaussian kernel, as a share of the view's longer side.

    :data:`SHADOW_WIDTH` (about the radius of the paper's shadow markers) up to
    :data:`SHADOW_WIDE_UP_TO` windows, then shrinking as ``n ** -0.2`` (the rate of Scott's rule
    in two dimensions) down to :data:`SHADOW_NARROWEST` of it, so that dense maps keep their
    detail.

    Parameters
    ----------
    n : int
        Windows drawn in the shadow layer.

    Returns
    -------
    float
    """
    shrink = (max(n, 1) / SHADOW_WIDE_UP_TO) ** -0.2
    return SHADOW_WIDTH * float(np.clip(shrink, SHADOW_NARROWEST, 1.0))


def shadow_opacity(v, vmax: float, top: float = SHADOW_OPACITY):
    """Opacity of a shadow where the smoothed window count is ``v``.

    ``top * min(v, 1) * (F + (1 - F) * log(1 + v) / log(1 + vmax))`` with ``F`` =
    :data:`SHADOW_FLOOR`: the densest place of the layer (``v = vmax``) gets ``top``, a lone
    window (``v = 1`` at its centre) ``top * (F + (1 - F) * log 2 / log(1 + vmax))``, which
    falls as the layer's densest pile grows, and the kernel's tails fade out (``min(v, 1)``).
    The logarithm keeps small groups (a target domain's few files) visible beside large ones.
    Never more than ``top``, however many windows pile up.

    Parameters
    ----------
    v : float or numpy.ndarray
        Smoothed counts (a kernel with peak 1: a lone window has ``v = 1`` at its centre).
    vmax : float
        The layer's largest smoothed count.
    top : float, optional
        The most opacity of the layer.

    Returns
    -------
    float or numpy.ndarray
    """
    v = np.asarray(v, dtype=float)
    ramp = np.minimum(np.log1p(v) / np.log1p(max(float(vmax), 1.0)), 1.0)
    return top * np.minimum(v, 1.0) * (SHADOW_FLOOR + (1 - SHADOW_FLOOR) * ramp)


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
    return dict(s=max(DOT_SIZE[label] * scale ** 0.5, DOT_SMALLEST),
                alpha=float(np.clip(high * scale ** 0.25, low, high)), linewidths=0, zorder=DOTS_ZORDER)


def _blur(grids: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing (peak 1, not unit mass) of ``(c, ny, nx)`` grids, ``sigma`` in cells:
    two plain matrix products (batched matmul is several times slower)."""
    def kernel(n):
        i = np.arange(n, dtype=float)
        return np.exp(-0.5 * ((i[:, None] - i[None, :]) / sigma) ** 2)

    c, ny, nx = grids.shape
    columns = kernel(ny) @ grids.transpose(1, 0, 2).reshape(ny, c * nx)
    rows = columns.reshape(ny, c, nx).transpose(1, 0, 2).reshape(c * ny, nx) @ kernel(nx).T
    return rows.reshape(c, ny, nx)


def _shadow_layer(ax, groups: list, *, kind: str, top: float, width: float):
    """Draw ``groups`` (``(colour, x, y)`` each) as one density-shaded image over the axis'
    limits (windows outside them are left out); returns the image, or None without windows."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    groups = [(c, np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for c, x, y in groups if len(x)]
    if not groups:
        return None
    side = max(x1 - x0, y1 - y0)
    cell = side / float(np.clip(np.ceil(SHADOW_SIGMA_CELLS / width), *SHADOW_CELLS))
    nx, ny = max(int(np.ceil((x1 - x0) / cell)), 2), max(int(np.ceil((y1 - y0) / cell)), 2)
    colours = np.array([matplotlib.colors.to_rgb(c) for c, _, _ in groups])
    mixed = len(np.unique(colours, axis=0)) > 1
    grids = np.zeros((4 if mixed else 1, ny, nx))  # count, then count-weighted r, g, b
    for (_, x, y), rgb in zip(groups, colours):
        counts, _, _ = np.histogram2d(y, x, bins=[ny, nx], range=[[y0, y1], [x0, x1]])
        grids[0] += counts
        if mixed:
            grids[1:] += counts[None] * rgb[:, None, None]
    n = int(sum(len(x) for _, x, _ in groups))
    smooth = _blur(grids, width * side / cell)
    v = np.maximum(smooth[0], 0.0)
    image = np.empty((ny, nx, 4))
    if mixed:
        mean = grids[1:].sum(axis=(1, 2)) / max(grids[0].sum(), 1.0)
        for i in range(3):
            image[..., i] = np.where(v > 1e-9, smooth[1 + i] / np.maximum(v, 1e-9), mean[i])
        image[..., :3] = image[..., :3].clip(0, 1)
    else:
        image[..., :3] = colours[0]
    image[..., 3] = shadow_opacity(v, v.max(), top)
    im = ax.imshow(image, extent=(x0, x1, y0, y1), origin="lower", interpolation="bilinear",
                   zorder=SHADOW_ZORDER[kind], gid=GID_SHADOWS[kind])
    im.windows = n  # what the layer holds, for legends and tests
    return im


# --------------------------------------------------------------------------------------------
# Selections and colours
# --------------------------------------------------------------------------------------------

def _external(emb: pd.DataFrame) -> pd.DataFrame:
    return emb[emb["kind"] == "folder"]


def _internal(emb: pd.DataFrame) -> pd.DataFrame:
    return emb[emb["kind"] != "folder"]


def _device_rows(emb: pd.DataFrame, device: str) -> pd.DataFrame:
    rows = emb[(emb["kind"] != "folder") & (emb["device"] == device)]
    if rows.empty:
        raise ValueError(f"no windows of device '{device}' in this embedding")
    return rows


def _section_rows(emb: pd.DataFrame, device: str, section: str) -> pd.DataFrame:
    rows = emb[(emb["kind"] != "folder") & (emb["device"] == device) & (emb["section"] == section)]
    if rows.empty:
        raise ValueError(f"no windows of device '{device}' section '{section}' in this embedding")
    return rows


def _split(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return rows[rows["split"] == "train"], rows[rows["split"] == "test"]


def _check_label(label: str) -> None:
    if label not in PANEL_LABELS:
        raise ValueError(f"unknown panel label {label!r}; expected one of {sorted(PANEL_LABELS)}")


def _external_groups(emb: pd.DataFrame, colours: dict[str, str] | None):
    """(dataset, colour, rows) of every external dataset, by name."""
    colours = colours or {}
    for dataset, rows in _external(emb).groupby("dataset", sort=True):
        yield dataset, colours.get(dataset, DEFAULT_EXTERNAL_COLOUR), rows


def _global_groups(emb: pd.DataFrame):
    """(device, section, colour, rows) of every section of every device: a colour family per
    device (in name order), a shade per section."""
    internal = _internal(emb)
    for d, (device, rows) in enumerate(internal.groupby("device", sort=True)):
        family = DEVICE_FAMILIES[d % len(DEVICE_FAMILIES)]
        sections = sorted(rows["section"].unique())
        for i, section in enumerate(sections):
            yield device, section, shade(family, i, len(sections)), rows[rows["section"] == section]


def _domain_colours(rows: pd.DataFrame) -> dict[tuple[str, str], tuple]:
    colours = {}
    sections = sorted(rows["section"].unique())
    for domain in sorted(rows["domain"].unique()):
        family = DOMAIN_FAMILIES.get(domain, "tab:green")
        for i, section in enumerate(sections):
            colours[(section, domain)] = shade(family, i, len(sections))
    return colours


def _file_colours(test: pd.DataFrame) -> dict[str, tuple]:
    """A colour per test file of a section (the same on every panel): :data:`FILE_COLOURS`
    in turn, by path."""
    return {path: FILE_COLOURS[i % len(FILE_COLOURS)]
            for i, path in enumerate(sorted(test["path"].unique()))}


def _cross(rows: pd.DataFrame, origin: dict | None):
    return None if origin is None else origin_cross(rows, origin["skip"], origin["take"])


def _panels(test: pd.DataFrame) -> list[str]:
    labels = ["normal", "anomaly"]
    if (test["label"] == "unknown").any():
        labels.append("unknown")
    return labels


# --------------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------------

def _set_view(ax, points: pd.DataFrame):
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


def _xy(rows: pd.DataFrame):
    return rows["x"].to_numpy(dtype=float), rows["y"].to_numpy(dtype=float)


def _inside(ax, rows: pd.DataFrame) -> np.ndarray:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    x, y = rows["x"].to_numpy(dtype=float), rows["y"].to_numpy(dtype=float)
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def _external_shadows(ax, emb: pd.DataFrame, colours: dict[str, str] | None, *, note: bool):
    """External datasets as the faintest, thinnest shadows, beneath everything; with ``note``,
    a line in the panel's corner says how many external windows lie outside its limits."""
    groups = [(colour, rows["x"], rows["y"]) for _, colour, rows in _external_groups(emb, colours)]
    n = sum(len(x) for _, x, _ in groups)
    _shadow_layer(ax, groups, kind="external", top=EXTERNAL_OPACITY,
                  width=EXTERNAL_WIDTH * shadow_width(n))
    outside = int((~_inside(ax, _external(emb))).sum())
    if note and outside:
        ax.text(0.01, 0.01, f"{outside:,} of {n:,} external windows lie outside this view",
                transform=ax.transAxes, ha="left", va="bottom", fontsize=8, color="0.3",
                gid=GID_OUTSIDE, zorder=6)


def _train_shadows(ax, groups: list):
    """Training windows, ``(colour, x, y)`` per group, as shadows above the external ones."""
    n = sum(len(x) for _, x, _ in groups)
    return _shadow_layer(ax, groups, kind="train", top=SHADOW_OPACITY, width=shadow_width(n))


def _why_empty(test: pd.DataFrame, label: str, where: str) -> str:
    """Why a panel has no test windows of ``label``."""
    what = PANEL_LABELS[label]
    if test.empty:
        return f"No {what} {where}: it holds no test windows at all."
    unknown = int((test["label"] == "unknown").sum())
    if unknown == len(test):
        return (f"No {what} {where}: its test windows are evaluation data without ground truth "
                "(labels unknown; they are on the unlabelled panel).")
    if label == "unknown":
        return f"No {what} {where}: every test window has a label."
    name = {"normal": "normal", "anomaly": "anomalous"}[label]
    text = f"No {what} {where}: the scope's test data has none labelled {name}"
    if unknown:
        text += (f" ({unknown:,} test windows are evaluation data without ground truth, "
                 "on the unlabelled panel)")
    return text + "."


def _explain_empty(ax, text: str):
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap(text, 42)), transform=ax.transAxes, ha="center",
            va="center", fontsize=10, color="0.15", gid=GID_EMPTY, zorder=7,
            bbox=dict(boxstyle="round", facecolor="white", edgecolor="0.6", alpha=0.9))


def _group(section: str, domain: str) -> str:
    """A legend's name of a section and domain: DCASE 2020 has machine ids and no domains."""
    return f"id {section}" if domain == "none" else f"{section} {domain}"


def _handle(colour, label, alpha=1.0, size=7, marker="o", **kwargs):
    return Line2D([], [], linestyle="", marker=marker, markersize=size, color=colour, alpha=alpha,
                  label=label, **kwargs)


def _shadow_handle(colour, label, top=SHADOW_OPACITY):
    """A legend swatch of a shadow: its colour at the opacity of its densest places."""
    return _handle(colour, label, alpha=top, size=13, marker="s", markeredgewidth=0)


def _dot_handle(colour, label, style: dict):
    """A legend dot in the colour and opacity of the test dots (a fixed, legible size)."""
    return _handle(colour, label, alpha=style["alpha"], size=5, markeredgewidth=0)


def _text_handle(label):
    """A legend line without a mark (a heading or a note)."""
    return Line2D([], [], linestyle="", marker="", label=label)


def _entry(label: str, shadow=None, dot=None):
    """One legend entry: a shadow swatch and/or a dot, overlaid (a tuple) when both."""
    parts = [h for h in (shadow, dot) if h is not None]
    for h in parts:
        h.set_label(label)
    return parts[0] if len(parts) == 1 else tuple(parts)


def _counts(train: int, test: int) -> str:
    return " · ".join(f"{name} {n:,}" for name, n in (("train", train), ("test", test)) if n)


def _external_label(dataset: str, n: int) -> str:
    """``demo_external: 200 windows``; ``audioset (external): 200 windows`` (the word external
    only where the name lacks it)."""
    name = dataset if "external" in dataset.lower() else f"{dataset} (external)"
    return f"{name}: {n:,} windows"


def _external_handles(emb: pd.DataFrame, colours: dict[str, str] | None) -> list[Line2D]:
    return [_shadow_handle(colour, _external_label(dataset, len(rows)), top=EXTERNAL_OPACITY)
            for dataset, colour, rows in _external_groups(emb, colours)]


def _label_of(handle) -> str:
    return (handle[0] if isinstance(handle, tuple) else handle).get_label()


def _figure(ncols: int, style: dict):
    """``style['width']`` is the width of two panels; a figure has 1 to 3."""
    fig, axes = plt.subplots(1, ncols, figsize=(style["width"] / 2 * ncols, style["height"]),
                             squeeze=False)
    return fig, list(axes[0])


def _compose(fig, axes, handles: list, title: str, *, legend_title: str | None = LEGEND_TITLE,
             bottom: float = 0.0, title_lines: int = 1):
    """Suptitle, a legend to the right of the panels and a tight layout (above ``bottom``, a
    share of the figure's height kept free for a colour bar), before the panels are drawn: with
    tick-less axes and stand-in titles of ``title_lines`` lines, the panels get their final
    places, so that their limits fit their shape (see :func:`_set_view`). :func:`_finish` lays
    the figure out again once drawn."""
    fig.suptitle(title, fontsize=13)
    if handles:
        fig.legend(handles=handles, labels=[_label_of(h) for h in handles], loc="center left",
                   bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=9,
                   ncol=1 + len(handles) // 28, title=legend_title, title_fontsize=9,
                   alignment="left")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("\n".join(["Xg"] * title_lines), fontsize=11)
    fig.tight_layout(rect=(0, bottom, 1, 1))


def _finish(fig, bottom: float = 0.0):
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


# --------------------------------------------------------------------------------------------
# Global plot
# --------------------------------------------------------------------------------------------

def global_panels(emb: pd.DataFrame) -> list[str]:
    """The panels of the global plot, left to right.

    Parameters
    ----------
    emb : pandas.DataFrame
        An embedding table.

    Returns
    -------
    list of str
        ``["normal", "anomaly"]``, plus ``"unknown"`` when some device has unlabelled test
        windows.
    """
    return _panels(_split(_internal(emb))[1])


def plot_global_panel(ax, emb: pd.DataFrame, label: str, *, colours: dict[str, str] | None = None):
    """Draw one panel of the global dual plot on ``ax``.

    External datasets (rows with ``kind == "folder"``) are the faintest shadows, beneath, in
    their configured colour; every device's training windows are shadows in its colour
    family, a shade per section (the same on every panel); then the test windows with the
    given label as dots in the same shades. The limits hold every window of ``emb``
    (external ones too: the global plot shows where machine sounds sit among general
    sounds), so panels drawn from the same table share them. A panel without test windows
    says why inside it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axis to draw on.
    emb : pandas.DataFrame
        An embedding table (columns x, y, kind, dataset, device, section, split, label, ...).
    label : {"normal", "anomaly", "unknown"}
        Which test windows to draw.
    colours : dict, optional
        Colour of each external dataset, by name; :data:`DEFAULT_EXTERNAL_COLOUR` otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, titled with the label and the number of its test windows. Its legend entries
        are given by :func:`global_handles`.

    Raises
    ------
    ValueError
        When ``label`` is not a panel label.
    """
    _check_label(label)
    _set_view(ax, emb)
    groups = list(_global_groups(emb))
    test = _split(_internal(emb))[1]
    style = dot_style(len(test), label)
    _external_shadows(ax, emb, colours, note=False)
    _train_shadows(ax, [(colour, *_xy(_split(rows)[0])) for _, _, colour, rows in groups])
    points = test[test["label"] == label]
    for _, _, colour, rows in groups:
        pts = rows[(rows["split"] == "test") & (rows["label"] == label)]
        if len(pts):
            ax.scatter(pts["x"], pts["y"], color=colour, **style)
    ax.set_title(f"{PANEL_LABELS[label]} ({len(points):,})", fontsize=11)
    if points.empty:
        _explain_empty(ax, _why_empty(test, label, "in this map"))
    return ax


def global_handles(emb: pd.DataFrame, *, colours: dict[str, str] | None = None) -> list:
    """Legend entries of :func:`plot_global_panel`: external datasets, then one per device
    section (its shadow swatch with its test dot on it, and their counts).

    Parameters
    ----------
    emb : pandas.DataFrame
        The embedding table given to :func:`plot_global_panel`.
    colours : dict, optional
        The colours given to :func:`plot_global_panel`.

    Returns
    -------
    list
        :class:`matplotlib.lines.Line2D` handles, and tuples of them (one entry, overlaid).
    """
    test = _split(_internal(emb))[1]
    style = dot_style(len(test), "normal")
    handles = _external_handles(emb, colours)
    for device, section, colour, rows in _global_groups(emb):
        train, tests = _split(rows)
        handles.append(_entry(f"{device} section {section}: {_counts(len(train), len(tests))}",
                              _shadow_handle(colour, "") if len(train) else None,
                              _dot_handle(colour, "", style) if len(tests) else None))
    return handles


def global_figure(emb: pd.DataFrame, style: dict, *, colours: dict[str, str] | None = None,
                  title: str = ""):
    """The global dual plot: a panel per :func:`global_panels` label (normal test windows
    left, anomalous right), the legend and a title.

    Parameters
    ----------
    emb : pandas.DataFrame
        An embedding table.
    style : dict
        ``width`` (inches, of two panels), ``height`` (inches); ``dpi`` is used by :func:`save`.
    colours : dict, optional
        Colour of each external dataset, by name.
    title : str, optional
        The figure's title (see :func:`title`).

    Returns
    -------
    matplotlib.figure.Figure
        Not saved; write it with :func:`save`.
    """
    panels = global_panels(emb)
    fig, axes = _figure(len(panels), style)
    _compose(fig, axes, global_handles(emb, colours=colours), title)
    for label, ax in zip(panels, axes):
        plot_global_panel(ax, emb, label, colours=colours)
    return _finish(fig)


# --------------------------------------------------------------------------------------------
# A system's scores (config key plots.colour_by_system)
# --------------------------------------------------------------------------------------------

def system_problem(system: str | None, systems) -> str | None:
    """What is wrong with the config key ``plots.colour_by_system`` (None when nothing).

    Parameters
    ----------
    system : str or None
        The key's value (None: colour by section and domain).
    systems : iterable of str
        The systems of the config key ``predictions``.

    Returns
    -------
    str or None
        A message naming the key and the systems it may name.
    """
    systems = list(systems)
    if system is None or system in systems:
        return None
    listed = ", ".join(map(repr, systems)) or "none configured"
    return (f"config key 'plots.colour_by_system' is {system!r}, which is not a system of config key "
            f"'predictions' (systems: {listed}): name one of them, or set it to null to colour the "
            "test windows by section and domain")


def read_scores(path, system: str) -> pd.DataFrame:
    """A system's file score and decision of every window of a device's map, from the points
    table the metrics stage writes (``paths.METRICS_POINTS``).

    Parameters
    ----------
    path : str or path-like
        The points table (columns ``point``, ``score_<system>``, ``decision_<system>``, ...).
    system : str
        A name of the config key ``predictions``.

    Returns
    -------
    pandas.DataFrame
        Columns ``point``, ``score`` and ``decision`` (1: anomalous, 0: normal; NaN where the
        system gave none). Empty when the table is (a map that was skipped).

    Raises
    ------
    ValueError
        When a non-empty table lacks the system's columns.
    """
    table = pd.read_csv(path, sep="\t")
    columns = {"point": "point", f"score_{system}": "score", f"decision_{system}": "decision"}
    if table.empty:
        return pd.DataFrame({"point": pd.Series(dtype=int), "score": pd.Series(dtype=float),
                             "decision": pd.Series(dtype=float)})
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{path} has no column {', '.join(missing)}: its metrics job ran without "
                         f"system '{system}' in config key 'predictions'")
    scores = table[list(columns)].rename(columns=columns)
    for column in ("score", "decision"):
        scores[column] = pd.to_numeric(scores[column], errors="coerce")
    return scores


def _with_scores(rows: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    if "point" not in rows.columns:
        raise ValueError("the embedding table has no 'point' column to join the system's scores on")
    return rows.merge(scores[["point", "score", "decision"]], on="point", how="left",
                      validate="many_to_one")


def score_norm(scores) -> Normalize:
    """The colour scale of a system's scores: their 1st to 99th percentile (a few extreme
    scores would otherwise squash the rest into one colour)."""
    values = np.asarray(scores, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return Normalize(0.0, 1.0)
    low, high = np.percentile(values, [1, 99])
    if high <= low:
        low, high = low - 0.5, high + 0.5
    return Normalize(float(low), float(high))


def _score_dots(ax, points: pd.DataFrame, norm: Normalize, style: dict, label: str) -> tuple[int, int]:
    """Test windows coloured by score (grey without one), wrong decisions ringed; returns
    (files wrongly decided, files) of the panel."""
    scored = points["score"].notna()
    if (~scored).any():
        ax.scatter(points.loc[~scored, "x"], points.loc[~scored, "y"], color=NO_SCORE_COLOUR,
                   gid="no-score", **style)
    if scored.any():
        ax.scatter(points.loc[scored, "x"], points.loc[scored, "y"], c=points.loc[scored, "score"],
                   cmap=SCORE_CMAP, norm=norm, gid="scores", **style)
    if label not in ERRORS:
        return 0, points["path"].nunique()
    name, decision = ERRORS[label]
    wrong = points[points["decision"] == decision]
    if len(wrong):  # a black halo beneath their dots: dense files get an outline, keep their colour
        halo = (np.sqrt(style["s"]) + 2 * WRONG_DECISION_WIDTH) ** 2
        ax.scatter(wrong["x"], wrong["y"], s=halo, color=WRONG_DECISION_COLOUR, linewidths=0,
                   zorder=DOTS_ZORDER - 0.1, gid=name.replace(" ", "-") + "s")
    return wrong["path"].nunique(), points["path"].nunique()


# --------------------------------------------------------------------------------------------
# Device plot
# --------------------------------------------------------------------------------------------

def device_panels(emb: pd.DataFrame, device: str) -> list[str]:
    """The panels of a device plot, left to right.

    Parameters
    ----------
    emb : pandas.DataFrame
        An embedding table.
    device : str

    Returns
    -------
    list of str
        ``["normal", "anomaly"]``, plus ``"unknown"`` when the device has unlabelled test
        windows.

    Raises
    ------
    ValueError
        When ``emb`` has no windows of ``device``.
    """
    return _panels(_split(_device_rows(emb, device))[1])


def plot_device_panel(ax, emb: pd.DataFrame, device: str, label: str, *,
                      colours: dict[str, str] | None = None, scores: pd.DataFrame | None = None,
                      system: str = "the system"):
    """Draw one panel of a device plot on ``ax``.

    The device's training windows are shadows (the same on every panel; a shade per section,
    a colour family per domain), then its test windows with the given label are dots (smaller
    unless ``label`` is "normal") in the same shades, or, given ``scores``, coloured by the
    system's anomaly score with its wrong decisions ringed (false positives on the normal
    panel, false negatives on the anomalous one).

    External datasets are context, not the subject: they are drawn beneath everything as the
    faintest and thinnest shadows (:data:`EXTERNAL_OPACITY`, :data:`EXTERNAL_WIDTH`), and the
    limits follow the device's own windows (training and test), so that a large external set
    cannot shrink the device's map to a corner. External windows beyond the limits are left
    out, and a note in the panel's corner says how many. Panels drawn from the same table
    share their limits. A panel without test windows says why inside it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axis to draw on.
    emb : pandas.DataFrame
        An embedding table.
    device : str
    label : {"normal", "anomaly", "unknown"}
        Which test windows to draw.
    colours : dict, optional
        Colour of each external dataset, by name.
    scores : pandas.DataFrame, optional
        A system's ``point``, ``score`` and ``decision`` (:func:`read_scores`); the colour
        scale is :func:`score_norm` of the device's test windows, the same on every panel.
    system : str, optional
        The system's name, for the panel's title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, titled with the label and the number of its test windows (and, with
        ``scores``, the files the system decided wrongly).

    Raises
    ------
    ValueError
        When ``emb`` has no windows of ``device``, or ``label`` is not a panel label.
    """
    _check_label(label)
    rows = _device_rows(emb, device)
    train, test = _split(rows)
    palette = _domain_colours(rows)
    _set_view(ax, rows)
    _external_shadows(ax, emb, colours, note=True)
    _train_shadows(ax, [(palette[key], *_xy(pts))
                        for key, pts in train.groupby(["section", "domain"], sort=True)])
    points = test[test["label"] == label]
    style = dot_style(len(test), label)
    title = f"{PANEL_LABELS[label]} ({len(points):,})"
    if scores is None:
        for (section, domain), pts in points.groupby(["section", "domain"], sort=True):
            ax.scatter(pts["x"], pts["y"], color=palette[(section, domain)], **style)
    else:
        norm = score_norm(_with_scores(test, scores)["score"])
        wrong, files = _score_dots(ax, _with_scores(points, scores), norm, style, label)
        if label in ERRORS and files:
            title += f"\n{wrong} of {files} files {ERRORS[label][0]}s of {system}"
    ax.set_title(title, fontsize=11)
    if points.empty:
        _explain_empty(ax, _why_empty(test, label, "in this map"))
    return ax


def device_handles(emb: pd.DataFrame, device: str, *, colours: dict[str, str] | None = None,
                   scores: pd.DataFrame | None = None, system: str = "the system") -> list:
    """Legend entries of the device panels: external datasets, then one per section and
    domain (its shadow swatch with its test dot on it, and their counts); with ``scores``,
    the training swatches alone, the ring of a wrong decision and, if any, the dot of a
    window without a score.

    Parameters
    ----------
    emb : pandas.DataFrame
    device : str
    colours : dict, optional
        The colours given to :func:`plot_device_panel`.
    scores : pandas.DataFrame, optional
        The scores given to :func:`plot_device_panel`.
    system : str, optional
        The system's name.

    Returns
    -------
    list
        :class:`matplotlib.lines.Line2D` handles, and tuples of them (one entry, overlaid).

    Raises
    ------
    ValueError
        When ``emb`` has no windows of ``device``.
    """
    rows = _device_rows(emb, device)
    train, test = _split(rows)
    palette = _domain_colours(rows)
    style = dot_style(len(test), "normal")
    handles = _external_handles(emb, colours)
    for (section, domain), pts in rows.groupby(["section", "domain"], sort=True):
        n_train, n_test = int((pts["split"] == "train").sum()), int((pts["split"] == "test").sum())
        colour = palette[(section, domain)]
        if scores is not None:
            if n_train:
                handles.append(_shadow_handle(colour, f"train {_group(section, domain)}: {n_train:,}"))
            continue
        handles.append(_entry(f"{_group(section, domain)}: {_counts(n_train, n_test)}",
                              _shadow_handle(colour, "") if n_train else None,
                              _dot_handle(colour, "", style) if n_test else None))
    if scores is not None:
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=5,
                              markerfacecolor=SCORE_CMAP(0.5), markeredgecolor=WRONG_DECISION_COLOUR,
                              markeredgewidth=WRONG_DECISION_WIDTH,
                              label=f"outlined: a wrong decision of {system}\n(false positive left, "
                                    "false negative right)"))
        if _with_scores(test, scores)["score"].isna().any():
            handles.append(_dot_handle(NO_SCORE_COLOUR, f"no score from {system}", style))
    return handles


def device_figure(emb: pd.DataFrame, device: str, style: dict, *,
                  colours: dict[str, str] | None = None, title: str = "",
                  scores: pd.DataFrame | None = None, system: str = "the system"):
    """The device plot: a panel per :func:`device_panels` label, a legend and a title (and,
    with ``scores``, a colour bar of the system's scores below the panels).

    Parameters
    ----------
    emb : pandas.DataFrame
        An embedding table.
    device : str
    style : dict
        ``width`` (inches, of two panels), ``height`` (inches); ``dpi`` is used by :func:`save`.
    colours : dict, optional
        Colour of each external dataset, by name.
    title : str, optional
        The figure's title (see :func:`title`).
    scores : pandas.DataFrame, optional
        A system's scores (:func:`read_scores`): colour the test windows by them.
    system : str, optional
        The system's name.

    Returns
    -------
    matplotlib.figure.Figure
        Not saved; write it with :func:`save`.

    Raises
    ------
    ValueError
        When ``emb`` has no windows of ``device``.
    """
    panels = device_panels(emb, device)
    handles = device_handles(emb, device, colours=colours, scores=scores, system=system)
    fig, axes = _figure(len(panels), style)
    if scores is None:
        _compose(fig, axes, handles, title)
    else:
        _compose(fig, axes, handles, title, legend_title="shadows: training windows\n"
                 "dots: test windows, by score", bottom=SCORE_BAR_SPACE, title_lines=2)
    for label, ax in zip(panels, axes):
        plot_device_panel(ax, emb, device, label, colours=colours, scores=scores, system=system)
    if scores is None:
        return _finish(fig)
    _finish(fig, SCORE_BAR_SPACE)
    test = _split(_device_rows(emb, device))[1]
    _colour_bar(fig, axes, score_norm(_with_scores(test, scores)["score"]),
                f"anomaly score of {system} (its score of the window's file; colours span the "
                "1st-99th percentile)")
    return fig


def _colour_bar(fig, axes, norm: Normalize, label: str):
    """A horizontal colour bar of ``norm`` centred under ``axes``."""
    for ax in axes:
        ax.apply_aspect()
    left = min(ax.get_position().x0 for ax in axes)
    right = max(ax.get_position().x1 for ax in axes)
    width = 0.5 * (right - left)
    cax = fig.add_axes([left + (right - left - width) / 2, 0.06, width, 0.025])
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=SCORE_CMAP), cax=cax, orientation="horizontal",
                       extend="both")
    bar.set_label(label, fontsize=9)
    return bar


# --------------------------------------------------------------------------------------------
# Section plot
# --------------------------------------------------------------------------------------------

def section_panels(emb: pd.DataFrame, device: str, section: str) -> list[str]:
    """The panels of a section plot, left to right (as :func:`device_panels`, for one section).

    Raises
    ------
    ValueError
        When ``emb`` has no windows of that device section.
    """
    return _panels(_split(_section_rows(emb, device, section))[1])


def plot_section_panel(ax, emb: pd.DataFrame, device: str, section: str, label: str, *,
                       origin: dict | None = None):
    """Draw one panel of a section plot on ``ax``.

    The section's training windows are grey shadows; its test windows with the given label
    get a colour per audio file (tab20 without its greys, :data:`FILE_COLOURS`; the same file
    has the same colour on every panel; the legend, :func:`section_handles`, names the files).
    The panel's limits hold every window of the section. A panel without test windows says
    why inside it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axis to draw on.
    emb : pandas.DataFrame
        An embedding table.
    device, section : str
    label : {"normal", "anomaly", "unknown"}
        Which test windows to draw.
    origin : dict, optional
        ``{"skip": ..., "take": ...}``: draw the approximate-origin cross of the section
        (:func:`origin_cross`) when it has one. ``None``: no cross.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, titled with the label and the numbers of files and windows.

    Raises
    ------
    ValueError
        When ``emb`` has no windows of that device section, or ``label`` is not a panel label.
    """
    _check_label(label)
    rows = _section_rows(emb, device, section)
    train, test = _split(rows)
    cross = _cross(rows, origin)
    files = _file_colours(test)
    _set_view(ax, rows)
    _train_shadows(ax, [(SECTION_SHADOW_COLOUR, *_xy(train))])
    points = test[test["label"] == label]
    if len(points):
        ax.scatter(points["x"], points["y"], c=[files[p] for p in points["path"]],
                   **dot_style(len(test), "normal"))  # one size: the files are what matters
    if cross is not None:
        ax.scatter([cross[0]], [cross[1]], marker="X", s=260, color="black",
                   edgecolors="white", linewidths=1.5, zorder=5)
    n_files = points["path"].nunique()
    ax.set_title(f"{PANEL_LABELS[label]}: {n_files} file{'' if n_files == 1 else 's'}, "
                 f"{len(points):,} windows", fontsize=11)
    if points.empty:
        _explain_empty(ax, _why_empty(test, label, "in this section"))
    return ax


def file_names(paths) -> tuple[str, list[str]]:
    """Short names of audio files for a legend: their stems without the prefix they all share
    (cut after an underscore, e.g. ``section_00_``).

    Parameters
    ----------
    paths : iterable of str

    Returns
    -------
    prefix : str
        The shared prefix left out ("" when none).
    names : list of str
        The short names, in the order of ``paths``.
    """
    stems = [os.path.splitext(os.path.basename(str(p)))[0] for p in paths]
    prefix = os.path.commonprefix(stems) if len(stems) > 1 else ""
    prefix = prefix[:prefix.rfind("_") + 1]
    if any(len(s) == len(prefix) for s in stems):
        prefix = ""
    return prefix, [s[len(prefix):] for s in stems]


def section_handles(emb: pd.DataFrame, device: str, section: str, *,
                    origin: dict | None = None) -> list[Line2D]:
    """Legend entries of the section panels: training shadows, the approximate origin when
    there is one, then the test files by short name (:func:`file_names`) in their colours,
    at most :data:`FILES_LISTED` of them and a line saying how many more there are.

    Parameters
    ----------
    emb : pandas.DataFrame
    device, section : str
    origin : dict, optional
        As for :func:`plot_section_panel`.

    Returns
    -------
    list of matplotlib.lines.Line2D

    Raises
    ------
    ValueError
        When ``emb`` has no windows of that device section.
    """
    rows = _section_rows(emb, device, section)
    train, test = _split(rows)
    cross = _cross(rows, origin)
    handles = []
    if len(train):
        handles.append(_shadow_handle(SECTION_SHADOW_COLOUR, f"train section {section}: {len(train):,}"))
    if cross is not None:
        handles.append(_handle("black", f"approximate origin (energy ranks {origin['skip'] + 1}-"
                                        f"{origin['skip'] + origin['take']})", marker="X", size=10))
    files = _file_colours(test)
    listed = list(files)[:FILES_LISTED]
    prefix, names = file_names(listed)
    style = dot_style(len(test), "normal")
    if listed:
        handles.append(_text_handle(f"test files{f' ({prefix}…)' if prefix else ''}:"))
    handles += [_dot_handle(files[path], name, style) for path, name in zip(listed, names)]
    if len(files) > len(listed):
        handles.append(_text_handle(f"… and {len(files) - len(listed)} more files, not listed\n"
                                    f"(colours repeat every {len(FILE_COLOURS)} files)"))
    return handles


def section_figure(emb: pd.DataFrame, device: str, section: str, style: dict, *,
                   title: str = ""):
    """The section plot: a panel per :func:`section_panels` label, a legend and a title.

    Parameters
    ----------
    emb : pandas.DataFrame
        An embedding table.
    device, section : str
    style : dict
        ``width`` (inches, of two panels), ``height`` (inches); ``dpi`` is used by :func:`save`;
        ``origin`` (``{"skip": ..., "take": ...}``, optional) for the approximate-origin cross,
        none without it.
    title : str, optional
        The figure's title (see :func:`title`).

    Returns
    -------
    matplotlib.figure.Figure
        Not saved; write it with :func:`save`.

    Raises
    ------
    ValueError
        When ``emb`` has no windows of that device section.
    """
    origin = style.get("origin")
    panels = section_panels(emb, device, section)
    fig, axes = _figure(len(panels), style)
    _compose(fig, axes, section_handles(emb, device, section, origin=origin), title,
             legend_title="shadows: training windows\ndots: test windows, a colour per file")
    for label, ax in zip(panels, axes):
        plot_section_panel(ax, emb, device, section, label, origin=origin)
    return _finish(fig)


# --------------------------------------------------------------------------------------------
# Folder plot (runs without DCASE data) and notes
# --------------------------------------------------------------------------------------------

FOLDER_GROUPS = 20  # most colours on a folder plot; the rest are drawn grey as "other"


def _folder_groups(emb: pd.DataFrame, by: str) -> list[tuple[str, pd.DataFrame]]:
    """(label, rows) per value of ``by``, the largest first; beyond :data:`FOLDER_GROUPS`
    groups, the rest as one ``other`` group. A sub-folder of ``""`` is the dataset's top."""
    groups = sorted(emb.groupby(by, sort=True), key=lambda g: (-len(g[1]), str(g[0])))
    labelled = [(str(key) or "(top folder)", rows) for key, rows in groups]
    if len(labelled) > FOLDER_GROUPS:
        rest = pd.concat([rows for _, rows in labelled[FOLDER_GROUPS - 1:]])
        labelled = labelled[:FOLDER_GROUPS - 1] + [(f"other ({len(groups) - FOLDER_GROUPS + 1})", rest)]
    return labelled


def _folder_colours(n: int) -> list:
    """Distinct colours: tab10 (without its grey, kept for "other") up to 9 groups, else tab20."""
    if n <= 9:
        return [plt.get_cmap("tab10")(i) for i in (0, 1, 2, 3, 4, 5, 6, 8, 9)[:n]]
    cmap = plt.get_cmap("tab20")
    return [cmap(i % 20) for i in range(n)]


def plot_folder(ax, emb: pd.DataFrame, *, by: str = "subfolder"):
    """Draw the windows of ``folder`` datasets on ``ax``, a colour per value of ``by``
    (``subfolder`` or ``dataset``), the largest groups first in the legend
    (:func:`folder_handles`).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    groups = _folder_groups(emb, by)
    for (label, rows), colour in zip(groups, _folder_colours(len(groups))):
        if label.startswith("other ("):
            colour = DEFAULT_EXTERNAL_COLOUR
        ax.scatter(rows["x"], rows["y"], s=8, color=colour, alpha=0.8, linewidths=0)
    _set_view(ax, emb)
    return ax


def folder_handles(emb: pd.DataFrame, *, by: str = "subfolder") -> list[Line2D]:
    """Legend entries of :func:`plot_folder`: one per group, with its window count."""
    groups = _folder_groups(emb, by)
    return [_handle(DEFAULT_EXTERNAL_COLOUR if label.startswith("other (") else colour,
                    f"{label} ({len(rows)})")
            for (label, rows), colour in zip(groups, _folder_colours(len(groups)))]


def folder_figure(emb: pd.DataFrame, style: dict, *, by: str = "subfolder", title: str = ""):
    """A folder plot: one panel (:func:`plot_folder`), its legend and a title."""
    fig, (ax,) = _figure(1, style)
    _compose(fig, [ax], folder_handles(emb, by=by), title, legend_title=None, title_lines=0)
    plot_folder(ax, emb, by=by)
    return _finish(fig)


def note_figure(style: dict, *, title: str, note: str):
    """A figure that says why there is no map (an empty scope or section, too few windows for
    UMAP), in place of the plot: the report and the results folder keep one file per target."""
    fig, (ax,) = _figure(1, style)
    ax.set_axis_off()
    ax.text(0.5, 0.5, "No map: " + "\n".join(textwrap.wrap(note, 70)), ha="center", va="center",
            fontsize=12, transform=ax.transAxes,
            bbox=dict(boxstyle="round", facecolor="#fff3cd", edgecolor="#b58900"))
    fig.suptitle(title, fontsize=13)
    return fig


def section_note(emb: pd.DataFrame, device: str, section: str, *, datasets=(), empty_in=(),
                 stack=None) -> str | None:
    """Why a device's map holds no window of one of its sections (None when it holds some).

    ``datasets`` are those whose file names hold the section, ``empty_in`` those of them whose
    every file of the section was left out (:func:`audio_umaps.status.empty_sections`): when
    that is all of them the note says so and names their exclusion reports; otherwise the files
    left are too short for a window of ``stack`` frames (or the sampling caps draw none). Without
    ``datasets`` the note names both causes.
    """
    if ((emb["kind"] != "folder") & (emb["device"] == device) & (emb["section"] == section)).any():
        return None
    if datasets and set(datasets) <= set(empty_in):
        reports = ", ".join(f"results/reports/{d}.excluded.tsv" for d in datasets)
        return (f"no usable audio: every file of {device} section {section} was left out; see "
                f"{reports} for each file and why")
    if datasets:
        return (f"the map of {device} holds no window of section {section}: its usable files are "
                f"shorter than a window of {stack} frames, or the caps of config key sampling.device "
                "draw none of them")
    return (f"the map of {device} holds no window of section {section}: its files were left out "
            "(see the dataset's exclusion report in results/reports/) or are too short for the stack")


# --------------------------------------------------------------------------------------------
# Titles and output
# --------------------------------------------------------------------------------------------

def title(subject: str, representation: str, stack, emb: pd.DataFrame) -> str:
    """A figure title, e.g. ``"fan: mel, stack 5"``.

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

    Returns
    -------
    str
    """
    text = f"{subject}: {representation}, stack {stack}"
    if stores_flagged(emb):
        text += RANDOM_WEIGHTS_TITLE
    return text


def write_map(path, emb: pd.DataFrame, *, title: str, style: dict, skipped: str | None, figure) -> None:
    """Write a plot job's output: ``figure()`` (a figure builder bound to its arguments), or,
    when the map was ``skipped``, a :func:`note_figure` saying why."""
    fig = note_figure(style, title=title, note=skipped) if skipped else figure()
    save(fig, path, dpi=style["dpi"])


def save(fig, path, *, dpi: float) -> None:
    """Write ``fig`` to ``path`` (tight bounding box) and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure from :func:`global_figure`, :func:`device_figure` or :func:`section_figure`.
    path : str or path-like
        The output file; its suffix chooses the format.
    dpi : float
        Resolution, normally ``style["dpi"]``.
    """
    try:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
