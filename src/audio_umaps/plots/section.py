"""The section plot: one section of one device, its test windows coloured per audio file (the
legend names the files), its training windows as shadows in their domain's colour (source
blue, target orange), and the "approximate origin" cross."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .. import palette as P
from . import layout
from . import legends as L
from . import rows as R
from .shadows import train_shadows
from .style import FILE_COLOURS, FILES_LISTED, ORIGIN_STYLE, PANEL_LABELS, check_label, dot_style


def origin_cross(points: pd.DataFrame, skip: int = 500, take: int = 100):
    """The "approximate origin": mean (x, y) of the windows ranked ``skip+1`` to
    ``skip+take`` by ascending energy (the ``skip`` quietest windows are left out).

    Returns ``None`` when the windows carry no energy or there are no more than ``skip``.
    """
    energy = points["energy"].to_numpy(dtype=float)
    if len(points) <= skip or not np.isfinite(energy).all():
        return None
    order = np.argsort(energy, kind="stable")[skip : skip + take]
    return float(points["x"].to_numpy()[order].mean()), float(points["y"].to_numpy()[order].mean())


def _cross(rows: pd.DataFrame, origin: dict | None):
    return None if origin is None else origin_cross(rows, origin["skip"], origin["take"])


def file_colours(test: pd.DataFrame) -> dict[str, str]:
    """A colour per test file of a section (the same on every panel):
    :data:`audio_umaps.palette.IDENTITIES` in turn, by path."""
    return {path: FILE_COLOURS[i % len(FILE_COLOURS)] for i, path in enumerate(sorted(test["path"].unique()))}


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
    prefix = prefix[: prefix.rfind("_") + 1]
    if any(len(s) == len(prefix) for s in stems):
        prefix = ""
    return prefix, [s[len(prefix) :] for s in stems]


def shadow_groups(train: pd.DataFrame, device: str, pal: P.Palette):
    """``(name, colour, rows)`` of a section's training windows per domain (and dataset, where
    datasets share the device's name): the domain's own colour (the dataset's shade of it when
    shared), named ``"00 source"`` (``"id 00"`` for DCASE 2020) as on the device plot."""
    shared = pal.shared(device)
    for (dataset, section, domain), rows in train.groupby(["dataset", "section", "domain"], sort=True):
        yield (
            L.group_name(section, domain, dataset if shared else None),
            pal.domain(domain, device, dataset=dataset),
            rows,
        )


def section_panels(emb: pd.DataFrame, device: str, section: str) -> list[str]:
    """The panels of a section plot, left to right (as the device plot's, for one section).

    Raises
    ------
    ValueError
        When ``emb`` has no windows of that device section.
    """
    return R.panels(R.split(R.section_rows(emb, device, section))[1])


def plot_section_panel(ax, emb: pd.DataFrame, device: str, section: str, label: str, *, origin: dict | None = None):
    """Draw one panel of a section plot on ``ax``.

    The section's training windows are shadows in their domain's colour (the source
    domain's blue, the target's orange); its test windows with the
    given label get a colour per audio file (:func:`file_colours`; the same file has the same
    colour on every panel; the legend, :func:`section_handles`, names the files). The panel's
    limits hold every window of the section. A panel without test windows says why inside it.

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
    check_label(label)
    rows = R.section_rows(emb, device, section)
    train, test = R.split(rows)
    cross = _cross(rows, origin)
    files = file_colours(test)
    layout.set_view(ax, rows)
    pal = P.from_table(emb)
    train_shadows(ax, [(colour, *R.xy(group)) for _, colour, group in shadow_groups(train, device, pal)])
    points = test[test["label"] == label]
    if len(points):
        ax.scatter(
            points["x"], points["y"], c=[files[p] for p in points["path"]], **dot_style(len(test), "normal")
        )  # one size: the files are what matters
    if cross is not None:
        ax.scatter([cross[0]], [cross[1]], **ORIGIN_STYLE)
    n_files = points["path"].nunique()
    ax.set_title(
        f"{PANEL_LABELS[label]}: {n_files} file{'' if n_files == 1 else 's'}, {len(points):,} windows", fontsize=11
    )
    if points.empty:
        layout.explain_empty(ax, R.why_empty(test, label, "in this section"))
    return ax


def section_handles(emb: pd.DataFrame, device: str, section: str, *, origin: dict | None = None) -> list:
    """Legend entries of the section panels: the training shadows of each domain, the
    approximate origin when there is one, then the test files by short name (:func:`file_names`)
    in their colours, at most :data:`~.style.FILES_LISTED` of them and a line saying how many
    more there are.

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
    rows = R.section_rows(emb, device, section)
    train, test = R.split(rows)
    cross = _cross(rows, origin)
    pal = P.from_table(emb)
    handles = [
        L.shadow_handle(colour, f"train {name}: {len(group):,}")
        for name, colour, group in shadow_groups(train, device, pal)
    ]
    if cross is not None:
        handles.append(
            L.handle(
                "black",
                f"approximate origin (energy ranks {origin['skip'] + 1}-{origin['skip'] + origin['take']})",
                marker="X",
                size=10,
            )
        )
    files = file_colours(test)
    listed = list(files)[:FILES_LISTED]
    prefix, names = file_names(listed)
    style = dot_style(len(test), "normal")
    if listed:
        handles.append(L.text_handle(f"test files{f' ({prefix}…)' if prefix else ''}:"))
    handles += [L.dot_handle(files[path], name, style) for path, name in zip(listed, names)]
    if len(files) > len(listed):
        handles.append(
            L.text_handle(
                f"… and {len(files) - len(listed)} more files, not listed\n"
                f"(colours repeat every {len(FILE_COLOURS)} files)"
            )
        )
    return handles


def section_figure(emb: pd.DataFrame, device: str, section: str, style: dict, *, title: str = ""):
    """The section plot: a panel per :func:`section_panels` label, a legend and a title.

    Parameters
    ----------
    emb : pandas.DataFrame
        An embedding table.
    device, section : str
    style : dict
        ``width`` (inches, of two panels), ``height`` (inches); ``dpi`` is used by
        :func:`~.layout.save`; ``origin`` (``{"skip": ..., "take": ...}``, optional) for the
        approximate-origin cross, none without it.
    title : str, optional
        The figure's title (see :func:`~.layout.title`).

    Returns
    -------
    matplotlib.figure.Figure
        Not saved; write it with :func:`~.layout.save`.

    Raises
    ------
    ValueError
        When ``emb`` has no windows of that device section.
    """
    origin = style.get("origin")
    panels = section_panels(emb, device, section)
    fig, axes = layout.figure(len(panels), style)
    layout.compose(
        fig,
        axes,
        section_handles(emb, device, section, origin=origin),
        title,
        legend_title="shadows: training windows\ndots: test windows, a colour per file",
    )
    for label, ax in zip(panels, axes):
        plot_section_panel(ax, emb, device, section, label, origin=origin)
    return layout.finish(fig)


def section_note(emb: pd.DataFrame, device: str, section: str, *, datasets=(), empty_in=(), stack=None) -> str | None:
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
        return (
            f"no usable audio: every file of {device} section {section} was left out; see "
            f"{reports} for each file and why"
        )
    if datasets:
        return (
            f"the map of {device} holds no window of section {section}: its usable files are "
            f"shorter than a window of {stack} frames, or the caps of config key sampling.device "
            "draw none of them"
        )
    return (
        f"the map of {device} holds no window of section {section}: its files were left out "
        "(see the dataset's exclusion report in results/reports/) or are too short for the stack"
    )
