"""The folder plot (runs without DCASE data): the windows of ``folder`` datasets, a colour per
sub-folder (or per dataset, on the global plot)."""

from __future__ import annotations

import pandas as pd

from .. import palette as P
from . import layout
from . import legends as L
from .style import FOLDER_GROUPS


def folder_groups(emb: pd.DataFrame, by: str, colours: dict[str, str] | None = None):
    """``(label, colour, rows)`` per value of ``by``, the largest first; beyond
    :data:`~.style.FOLDER_GROUPS` groups, the rest as one grey ``other`` group. A sub-folder
    of ``""`` is the dataset's top.

    Colours: sub-folders take :data:`audio_umaps.palette.IDENTITIES` in turn; datasets their
    colour in the palette (the configured ``colour`` in ``colours``, else
    :data:`audio_umaps.palette.DATASETS` in name order).
    """
    groups = sorted(emb.groupby(by, sort=True), key=lambda g: (-len(g[1]), str(g[0])))
    labelled = [(str(key) or "(top folder)", str(key), rows) for key, rows in groups]
    if len(labelled) > FOLDER_GROUPS:
        rest = pd.concat([rows for _, _, rows in labelled[FOLDER_GROUPS - 1 :]])
        labelled = labelled[: FOLDER_GROUPS - 1] + [(f"other ({len(groups) - FOLDER_GROUPS + 1})", None, rest)]
    if by == "dataset":
        named = P.build(datasets={str(k): (colours or {}).get(str(k)) for k, _ in groups}).datasets
    else:
        named = {key: P.IDENTITIES[i % len(P.IDENTITIES)] for i, (_, key, _) in enumerate(labelled)}
    return [(label, P.EXTERNAL if key is None else named[key], rows) for label, key, rows in labelled]


def plot_folder(ax, emb: pd.DataFrame, *, by: str = "subfolder", colours: dict[str, str] | None = None):
    """Draw the windows of ``folder`` datasets on ``ax``, a colour per value of ``by``
    (``subfolder`` or ``dataset``; :func:`folder_groups`), the largest groups first in the
    legend (:func:`folder_handles`).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    for _, colour, rows in folder_groups(emb, by, colours):
        ax.scatter(rows["x"], rows["y"], s=8, color=colour, alpha=0.8, linewidths=0)
    layout.set_view(ax, emb)
    return ax


def folder_handles(emb: pd.DataFrame, *, by: str = "subfolder", colours: dict[str, str] | None = None) -> list:
    """Legend entries of :func:`plot_folder`: one per group, with its window count."""
    return [L.handle(colour, f"{label} ({len(rows)})") for label, colour, rows in folder_groups(emb, by, colours)]


def folder_figure(
    emb: pd.DataFrame, style: dict, *, by: str = "subfolder", colours: dict[str, str] | None = None, title: str = ""
):
    """A folder plot: one panel (:func:`plot_folder`), its legend and a title."""
    fig, (ax,) = layout.figure(1, style)
    layout.compose(fig, [ax], folder_handles(emb, by=by, colours=colours), title, legend_title=None, title_lines=0)
    plot_folder(ax, emb, by=by, colours=colours)
    return layout.finish(fig)
