"""Plots in the style of Fernandez & Plumbley (DCASE 2021).

* global: every device in its own colour family with a shade per section; external datasets
  as large translucent shadows in their configured colour (grey for AudioSet-style data,
  violet for IDMT-ISA-EE).
* device: panels sharing axes; training data as large translucent shadows on every panel
  (a shade per section, blues for the source domain, oranges for the target domain); normal
  test windows on the left, anomalous ones (smaller dots) on the right, and a third panel for
  evaluation windows without a label, if any.
* section: one section of one device, test windows coloured per audio file, the section's
  training data as shadows, and the "approximate origin" cross.
* folder (runs without DCASE data): the windows of ``folder`` datasets, a colour per
  sub-folder (or per dataset, on the global plot).
* note: a map that could not be drawn (no windows, too few for UMAP) says why instead.

Layout, in the style of umap-learn's ``umap/plot.py``:

* panel functions (:func:`plot_global`, :func:`plot_device_panel`, :func:`plot_section_panel`)
  draw on a given :class:`matplotlib.axes.Axes` and return it;
* handle functions (:func:`global_handles`, :func:`device_handles`, :func:`section_handles`)
  give the legend entries that go with those panels;
* figure builders (:func:`global_figure`, :func:`device_figure`, :func:`section_figure`)
  compose panels, legend and title into a :class:`matplotlib.figure.Figure` and save nothing;
  the caller writes it with :func:`save`.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .tables import stores_flagged  # noqa: E402

# Base colours of the device families (tab10 without its grey and purple: grey and violet are
# kept for external data).
DEVICE_FAMILIES = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:brown", "tab:pink",
                   "tab:olive", "tab:cyan"]
DOMAIN_FAMILIES = {"source": "tab:blue", "target": "tab:orange", "unknown": "tab:green",
                   "none": "tab:blue"}  # none: DCASE 2020, which has no domains
DEFAULT_EXTERNAL_COLOUR = "#8c8c8c"
SHADOW = dict(s=70, alpha=0.10, linewidths=0)
PANEL_LABELS = {"normal": "normal test windows", "anomaly": "anomalous test windows",
                "unknown": "unlabelled test windows"}


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



RANDOM_WEIGHTS_TITLE = " (RANDOM TEST WEIGHTS, not OpenL3)"
SECTION_SHADOW_COLOUR = "#9e9e9e"
# gid of the invisible scatter that gives every panel the same limits (see _finish_axis).
LIMITS_GID = "shared-limits"


# --------------------------------------------------------------------------------------------
# Selections and colours
# --------------------------------------------------------------------------------------------

def _external(emb: pd.DataFrame) -> pd.DataFrame:
    return emb[emb["kind"] == "folder"]


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
    internal = emb[emb["kind"] != "folder"]
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
    """A tab20 colour per test file of a section (the same on every panel)."""
    cmap = plt.get_cmap("tab20")
    return {path: cmap(i % 20) for i, path in enumerate(sorted(test["path"].unique()))}


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

def _finish_axis(ax, points: pd.DataFrame):
    """Limits that hold all of ``points`` (so panels given the same points share limits),
    equal aspect, no ticks."""
    x, y = points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float)
    corners = ([x.min(), x.max()], [y.min(), y.max()])
    ax.scatter(*corners, alpha=0, gid=LIMITS_GID)  # invisible: autoscales to all points
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])


def _shadows(ax, emb: pd.DataFrame, colours: dict[str, str] | None):
    for _, colour, rows in _external_groups(emb, colours):
        ax.scatter(rows["x"], rows["y"], color=colour, **SHADOW)


def _group(section: str, domain: str) -> str:
    """A legend's name of a section and domain: DCASE 2020 has machine ids and no domains."""
    return f"id {section}" if domain == "none" else f"{section} {domain}"


def _handle(colour, label, alpha=1.0, size=7, marker="o"):
    return Line2D([], [], linestyle="", marker=marker, markersize=size, color=colour, alpha=alpha,
                  label=label)


def _external_handles(emb: pd.DataFrame, colours: dict[str, str] | None) -> list[Line2D]:
    return [_handle(colour, f"{dataset} (external)", alpha=0.4, size=11)
            for dataset, colour, _ in _external_groups(emb, colours)]


def _figure(ncols: int, style: dict):
    """``style['width']`` is the width of two panels; a figure has 1 to 3."""
    fig, axes = plt.subplots(1, ncols, figsize=(style["width"] / 2 * ncols, style["height"]),
                             squeeze=False)
    return fig, list(axes[0])


def _decorate(fig, handles: list, title: str):
    """Suptitle, a legend to the right of the panels, tight layout."""
    fig.suptitle(title, fontsize=13)
    if handles:
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
                   fontsize=9, ncol=1 + len(handles) // 28)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# Global plot
# --------------------------------------------------------------------------------------------

def plot_global(ax, emb: pd.DataFrame, *, colours: dict[str, str] | None = None):
    """Draw every device in its own colour family, a shade per section, on ``ax``.

    External datasets (rows with ``kind == "folder"``) are drawn first, as large translucent
    shadows in their configured colour.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axis to draw on.
    emb : pandas.DataFrame
        An embedding table (columns x, y, kind, dataset, device, section, ...).
    colours : dict, optional
        Colour of each external dataset, by name; :data:`DEFAULT_EXTERNAL_COLOUR` otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``. Its legend entries are given by :func:`global_handles`.
    """
    _shadows(ax, emb, colours)
    for _, _, colour, pts in _global_groups(emb):
        ax.scatter(pts["x"], pts["y"], s=3, color=colour, alpha=0.7, linewidths=0)
    _finish_axis(ax, emb)
    return ax


def global_handles(emb: pd.DataFrame, *, colours: dict[str, str] | None = None) -> list[Line2D]:
    """Legend entries of :func:`plot_global`: external datasets, then one per device section.

    Parameters
    ----------
    emb : pandas.DataFrame
        The embedding table given to :func:`plot_global`.
    colours : dict, optional
        The colours given to :func:`plot_global`.

    Returns
    -------
    list of matplotlib.lines.Line2D
    """
    return _external_handles(emb, colours) + [
        _handle(colour, f"{device} section {section}")
        for device, section, colour, _ in _global_groups(emb)]


def global_figure(emb: pd.DataFrame, style: dict, *, colours: dict[str, str] | None = None,
                  title: str = ""):
    """The global plot: one panel (:func:`plot_global`), its legend and a title.

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
    fig, (ax,) = _figure(1, style)
    plot_global(ax, emb, colours=colours)
    return _decorate(fig, global_handles(emb, colours=colours), title)


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
                      colours: dict[str, str] | None = None):
    """Draw one panel of a device plot on ``ax``.

    External datasets and the device's training windows are drawn as translucent shadows
    (the same on every panel; a shade per section, a colour family per domain), then the
    device's test windows with the given label (smaller dots unless ``label`` is "normal").
    The panel's limits hold every window of ``emb``, so panels drawn from the same table
    share them.

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

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, titled with the label and the number of its test windows.

    Raises
    ------
    ValueError
        When ``emb`` has no windows of ``device``, or ``label`` is not a panel label.
    """
    _check_label(label)
    rows = _device_rows(emb, device)
    train, test = _split(rows)
    palette = _domain_colours(rows)
    _shadows(ax, emb, colours)
    for (section, domain), pts in train.groupby(["section", "domain"], sort=True):
        ax.scatter(pts["x"], pts["y"], color=palette[(section, domain)], **SHADOW)
    points = test[test["label"] == label]
    for (section, domain), pts in points.groupby(["section", "domain"], sort=True):
        ax.scatter(pts["x"], pts["y"], s=6 if label == "normal" else 3,
                   color=palette[(section, domain)], alpha=0.9, linewidths=0)
    ax.set_title(f"{PANEL_LABELS[label]} ({len(points)})", fontsize=11)
    _finish_axis(ax, emb)
    return ax


def device_handles(emb: pd.DataFrame, device: str, *,
                   colours: dict[str, str] | None = None) -> list[Line2D]:
    """Legend entries of the device panels: external datasets, training groups, test groups.

    Parameters
    ----------
    emb : pandas.DataFrame
    device : str
    colours : dict, optional
        The colours given to :func:`plot_device_panel`.

    Returns
    -------
    list of matplotlib.lines.Line2D

    Raises
    ------
    ValueError
        When ``emb`` has no windows of ``device``.
    """
    rows = _device_rows(emb, device)
    train, test = _split(rows)
    palette = _domain_colours(rows)
    handles = _external_handles(emb, colours)
    for (section, domain), _ in train.groupby(["section", "domain"], sort=True):
        handles.append(_handle(palette[(section, domain)], f"train {_group(section, domain)}", alpha=0.4,
                               size=11))
    for (section, domain), _ in test.groupby(["section", "domain"], sort=True):
        handles.append(_handle(palette[(section, domain)], f"test {_group(section, domain)}"))
    return handles


def device_figure(emb: pd.DataFrame, device: str, style: dict, *,
                  colours: dict[str, str] | None = None, title: str = ""):
    """The device plot: a panel per :func:`device_panels` label, a legend and a title.

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
    fig, axes = _figure(len(panels), style)
    for label, ax in zip(panels, axes):
        plot_device_panel(ax, emb, device, label, colours=colours)
    return _decorate(fig, device_handles(emb, device, colours=colours), title)


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
    get a tab20 colour per audio file (the same file has the same colour on every panel).
    The panel's limits hold every window of the section.

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
    ax.scatter(train["x"], train["y"], color=SECTION_SHADOW_COLOUR, **SHADOW)
    points = test[test["label"] == label]
    ax.scatter(points["x"], points["y"], s=6, c=[files[p] for p in points["path"]], alpha=0.9,
               linewidths=0)
    if cross is not None:
        ax.scatter([cross[0]], [cross[1]], marker="X", s=260, color="black",
                   edgecolors="white", linewidths=1.5, zorder=5)
    n_files = points["path"].nunique()
    ax.set_title(f"{PANEL_LABELS[label]}: {n_files} file{'' if n_files == 1 else 's'}, "
                 f"{len(points)} windows", fontsize=11)
    _finish_axis(ax, rows)
    return ax


def section_handles(emb: pd.DataFrame, device: str, section: str, *,
                    origin: dict | None = None) -> list[Line2D]:
    """Legend entries of the section panels: training shadows, test windows, and the
    approximate origin when there is one.

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
    cross = _cross(_section_rows(emb, device, section), origin)
    handles = [_handle(SECTION_SHADOW_COLOUR, f"train section {section}", alpha=0.4, size=11),
               _handle(plt.get_cmap("tab20")(0), "test windows, a colour per file")]
    if cross is not None:
        handles.append(_handle("black", f"approximate origin (energy ranks {origin['skip'] + 1}-"
                                        f"{origin['skip'] + origin['take']})", marker="X", size=10))
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
    for label, ax in zip(panels, axes):
        plot_section_panel(ax, emb, device, section, label, origin=origin)
    return _decorate(fig, section_handles(emb, device, section, origin=origin), title)


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
    _finish_axis(ax, emb)
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
    plot_folder(ax, emb, by=by)
    return _decorate(fig, folder_handles(emb, by=by), title)


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


def section_note(emb: pd.DataFrame, device: str, section: str) -> str | None:
    """Why a device's map holds no window of one of its sections (None when it holds some)."""
    if ((emb["kind"] != "folder") & (emb["device"] == device) & (emb["section"] == section)).any():
        return None
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


def read_map(table, status_file, log) -> tuple[pd.DataFrame, str | None]:
    """A plot job's inputs: the UMAP table (tables made with random weights are flagged in
    ``log``) and why its map was skipped (None when there is a map)."""
    from . import status, tables

    emb = tables.read_tsv(table)
    tables.warn_flagged(log, emb)
    return emb, status.read(status_file)["skipped"]


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
