"""The global plot: a dual plot like the device plots (the paper's Figure 2) of every device.

Every device's normal test windows on the left panel, its anomalous ones on the right (a third
panel for unlabelled evaluation windows, if any), each device in its hue family with a shade per
section (:mod:`audio_umaps.palette`); the training windows are shadows in the same shades on
every panel, and external datasets fainter shadows beneath them in their configured colour (or
grey).
"""

from __future__ import annotations

import pandas as pd

from .. import palette as P
from . import layout
from . import legends as L
from . import rows as R
from .shadows import external_shadows, train_shadows
from .style import PANEL_LABELS, check_label, dot_style


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
    return R.panels(R.split(R.internal(emb))[1])


def global_groups(emb: pd.DataFrame, pal: P.Palette | None = None):
    """``(name, colour, rows)`` of every section of every device (of every dataset holding a
    device's name), in device, dataset and section order: the colour is the section's shade of
    the device's family, the name ``"fan section 00"`` (``"slider (dcase2020) section 00"``
    where datasets share the name)."""
    pal = pal or P.from_table(emb)
    for (device, dataset, section), rows in R.internal(emb).groupby(["device", "dataset", "section"], sort=True):
        yield (f"{pal.label(device, dataset)} section {section}", pal.section(device, section, dataset), rows)


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
        Colour of each external dataset, by name; :data:`audio_umaps.palette.EXTERNAL` otherwise.

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
    check_label(label)
    pal = P.from_table(emb, colours)
    layout.set_view(ax, emb)
    groups = list(global_groups(emb, pal))
    test = R.split(R.internal(emb))[1]
    style = dot_style(len(test), label)
    external_shadows(ax, emb, pal.external, note=False)
    train_shadows(ax, [(colour, *R.xy(R.split(rows)[0])) for _, colour, rows in groups])
    points = test[test["label"] == label]
    for _, colour, rows in groups:
        pts = rows[(rows["split"] == "test") & (rows["label"] == label)]
        if len(pts):
            ax.scatter(pts["x"], pts["y"], color=colour, **style)
    ax.set_title(f"{PANEL_LABELS[label]} ({len(points):,})", fontsize=11)
    if points.empty:
        layout.explain_empty(ax, R.why_empty(test, label, "in this map"))
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
    pal = P.from_table(emb, colours)
    test = R.split(R.internal(emb))[1]
    style = dot_style(len(test), "normal")
    handles = L.external_handles(emb, pal.external)
    for name, colour, rows in global_groups(emb, pal):
        train, tests = R.split(rows)
        handles.append(
            L.entry(
                f"{name}: {L.counts(len(train), len(tests))}",
                L.shadow_handle(colour, "") if len(train) else None,
                L.dot_handle(colour, "", style) if len(tests) else None,
            )
        )
    return handles


def global_figure(emb: pd.DataFrame, style: dict, *, colours: dict[str, str] | None = None, title: str = ""):
    """The global dual plot: a panel per :func:`global_panels` label (normal test windows
    left, anomalous right), the legend and a title.

    Parameters
    ----------
    emb : pandas.DataFrame
        An embedding table.
    style : dict
        ``width`` (inches, of two panels), ``height`` (inches); ``dpi`` is used by
        :func:`~.layout.save`.
    colours : dict, optional
        Colour of each external dataset, by name.
    title : str, optional
        The figure's title (see :func:`~.layout.title`).

    Returns
    -------
    matplotlib.figure.Figure
        Not saved; write it with :func:`~.layout.save`.
    """
    panels = global_panels(emb)
    fig, axes = layout.figure(len(panels), style)
    layout.compose(fig, axes, global_handles(emb, colours=colours), title)
    for label, ax in zip(panels, axes):
        plot_global_panel(ax, emb, label, colours=colours)
    return layout.finish(fig)
