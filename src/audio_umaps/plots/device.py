"""The device plot: panels sharing axes, training data as shadows on every panel, normal test
windows on the left, anomalous ones (smaller dots) on the right, and a third panel for
evaluation windows without a label, if any.

Colours: a section's windows of the source domain in its shade of blue, of the target domain in
its shade of orange (:meth:`audio_umaps.palette.Palette.domain`). External data is context only:
fainter, thinner shadows beneath, and the limits follow the device's own windows. Optionally
(config key ``plots.colour_by_system``) the test windows are coloured by a system's anomaly
score, its wrong decisions ringed.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.lines import Line2D

from .. import palette as P
from . import layout
from . import legends as L
from . import rows as R
from .scores import colour_bar, score_dots, score_norm, with_scores
from .shadows import external_shadows, train_shadows
from .style import (
    ERRORS,
    NO_SCORE_COLOUR,
    PANEL_LABELS,
    SCORE_BAR_SPACE,
    SCORE_CMAP,
    WRONG_DECISION_COLOUR,
    WRONG_DECISION_WIDTH,
    check_label,
    dot_style,
)

GROUP = ["dataset", "section", "domain"]


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
    return R.panels(R.split(R.device_rows(emb, device))[1])


def domain_groups(rows: pd.DataFrame, device: str, pal: P.Palette):
    """``(name, colour, group)`` of a device's windows per dataset, section and domain, sorted:
    the colour is the domain's at the section's shade, the name ``"00 source"`` (``"id 00"``
    for DCASE 2020, after the dataset's name where datasets share the device's name)."""
    shared = pal.shared(device)
    for (dataset, section, domain), group in rows.groupby(GROUP, sort=True):
        yield (
            L.group_name(section, domain, dataset if shared else None),
            pal.domain(domain, device, section, dataset),
            group,
        )


def plot_device_panel(
    ax,
    emb: pd.DataFrame,
    device: str,
    label: str,
    *,
    colours: dict[str, str] | None = None,
    scores: pd.DataFrame | None = None,
    system: str = "the system",
):
    """Draw one panel of a device plot on ``ax``.

    The device's training windows are shadows (the same on every panel; a shade per section,
    blue for the source domain, orange for the target), then its test windows with the given
    label are dots (smaller unless ``label`` is "normal") in the same shades, or, given
    ``scores``, coloured by the system's anomaly score with its wrong decisions ringed (false
    positives on the normal panel, false negatives on the anomalous one).

    External datasets are context, not the subject: they are drawn beneath everything as the
    faintest and thinnest shadows, and the limits follow the device's own windows (training and
    test), so that a large external set cannot shrink the device's map to a corner. External
    windows beyond the limits are left out, and a note in the panel's corner says how many.
    Panels drawn from the same table share their limits. A panel without test windows says why
    inside it.

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
        A system's ``point``, ``score`` and ``decision``
        (:func:`audio_umaps.tables.read_scores`); the colour scale is
        :func:`~.scores.score_norm` of the device's test windows, the same on every panel.
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
    check_label(label)
    rows = R.device_rows(emb, device)
    train, test = R.split(rows)
    pal = P.from_table(emb, colours)
    layout.set_view(ax, rows)
    external_shadows(ax, emb, pal.external, note=True)
    train_shadows(ax, [(colour, *R.xy(group)) for _, colour, group in domain_groups(train, device, pal)])
    points = test[test["label"] == label]
    style = dot_style(len(test), label)
    title = f"{PANEL_LABELS[label]} ({len(points):,})"
    if scores is None:
        for _, colour, group in domain_groups(points, device, pal):
            ax.scatter(group["x"], group["y"], color=colour, **style)
    else:
        norm = score_norm(with_scores(test, scores)["score"])
        wrong, files = score_dots(ax, with_scores(points, scores), norm, style, label)
        if label in ERRORS and files:
            title += f"\n{wrong} of {files} files {ERRORS[label][0]}s of {system}"
    ax.set_title(title, fontsize=11)
    if points.empty:
        layout.explain_empty(ax, R.why_empty(test, label, "in this map"))
    return ax


def device_handles(
    emb: pd.DataFrame,
    device: str,
    *,
    colours: dict[str, str] | None = None,
    scores: pd.DataFrame | None = None,
    system: str = "the system",
) -> list:
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
    rows = R.device_rows(emb, device)
    test = R.split(rows)[1]
    pal = P.from_table(emb, colours)
    style = dot_style(len(test), "normal")
    handles = L.external_handles(emb, pal.external)
    for name, colour, group in domain_groups(rows, device, pal):
        n_train, n_test = int((group["split"] == "train").sum()), int((group["split"] == "test").sum())
        if scores is not None:
            if n_train:
                handles.append(L.shadow_handle(colour, f"train {name}: {n_train:,}"))
            continue
        handles.append(
            L.entry(
                f"{name}: {L.counts(n_train, n_test)}",
                L.shadow_handle(colour, "") if n_train else None,
                L.dot_handle(colour, "", style) if n_test else None,
            )
        )
    if scores is not None:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markersize=5,
                markerfacecolor=SCORE_CMAP(0.5),
                markeredgecolor=WRONG_DECISION_COLOUR,
                markeredgewidth=WRONG_DECISION_WIDTH,
                label=f"outlined: a wrong decision of {system}\n(false positive left, false negative right)",
            )
        )
        if with_scores(test, scores)["score"].isna().any():
            handles.append(L.dot_handle(NO_SCORE_COLOUR, f"no score from {system}", style))
    return handles


def device_figure(
    emb: pd.DataFrame,
    device: str,
    style: dict,
    *,
    colours: dict[str, str] | None = None,
    title: str = "",
    scores: pd.DataFrame | None = None,
    system: str = "the system",
):
    """The device plot: a panel per :func:`device_panels` label, a legend and a title (and,
    with ``scores``, a colour bar of the system's scores below the panels).

    Parameters
    ----------
    emb : pandas.DataFrame
        An embedding table.
    device : str
    style : dict
        ``width`` (inches, of two panels), ``height`` (inches); ``dpi`` is used by
        :func:`~.layout.save`.
    colours : dict, optional
        Colour of each external dataset, by name.
    title : str, optional
        The figure's title (see :func:`~.layout.title`).
    scores : pandas.DataFrame, optional
        A system's scores (:func:`audio_umaps.tables.read_scores`): colour the test windows
        by them.
    system : str, optional
        The system's name.

    Returns
    -------
    matplotlib.figure.Figure
        Not saved; write it with :func:`~.layout.save`.

    Raises
    ------
    ValueError
        When ``emb`` has no windows of ``device``.
    """
    panels = device_panels(emb, device)
    handles = device_handles(emb, device, colours=colours, scores=scores, system=system)
    fig, axes = layout.figure(len(panels), style)
    if scores is None:
        layout.compose(fig, axes, handles, title)
    else:
        layout.compose(
            fig,
            axes,
            handles,
            title,
            legend_title="shadows: training windows\ndots: test windows, by score",
            bottom=SCORE_BAR_SPACE,
            title_lines=2,
        )
    for label, ax in zip(panels, axes):
        plot_device_panel(ax, emb, device, label, colours=colours, scores=scores, system=system)
    if scores is None:
        return layout.finish(fig)
    layout.finish(fig, SCORE_BAR_SPACE)
    test = R.split(R.device_rows(emb, device))[1]
    colour_bar(
        fig,
        axes,
        score_norm(with_scores(test, scores)["score"]),
        f"anomaly score of {system} (its score of the window's file; colours span the 1st-99th percentile)",
    )
    return fig
