"""A system's anomaly scores on a device plot (config key ``plots.colour_by_system``): test
windows coloured by their file's score, the system's wrong decisions ringed, a colour bar."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .style import DOTS_ZORDER, ERRORS, NO_SCORE_COLOUR, SCORE_CMAP, WRONG_DECISION_COLOUR, WRONG_DECISION_WIDTH


def with_scores(rows: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """``rows`` joined (on ``point``) with a system's ``score`` and ``decision``
    (:func:`audio_umaps.tables.read_scores`)."""
    if "point" not in rows.columns:
        raise ValueError("the embedding table has no 'point' column to join the system's scores on")
    return rows.merge(scores[["point", "score", "decision"]], on="point", how="left", validate="many_to_one")


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


def score_dots(ax, points: pd.DataFrame, norm: Normalize, style: dict, label: str) -> tuple[int, int]:
    """Draw test windows (joined with their scores) coloured by score (grey without one),
    wrong decisions ringed; returns (files wrongly decided, files) of the panel."""
    scored = points["score"].notna()
    if (~scored).any():
        ax.scatter(points.loc[~scored, "x"], points.loc[~scored, "y"], color=NO_SCORE_COLOUR, gid="no-score", **style)
    if scored.any():
        ax.scatter(
            points.loc[scored, "x"],
            points.loc[scored, "y"],
            c=points.loc[scored, "score"],
            cmap=SCORE_CMAP,
            norm=norm,
            gid="scores",
            **style,
        )
    if label not in ERRORS:
        return 0, points["path"].nunique()
    name, decision = ERRORS[label]
    wrong = points[points["decision"] == decision]
    if len(wrong):  # a black halo beneath their dots: dense files get an outline, keep their colour
        halo = (np.sqrt(style["s"]) + 2 * WRONG_DECISION_WIDTH) ** 2
        ax.scatter(
            wrong["x"],
            wrong["y"],
            s=halo,
            color=WRONG_DECISION_COLOUR,
            linewidths=0,
            zorder=DOTS_ZORDER - 0.1,
            gid=name.replace(" ", "-") + "s",
        )
    return wrong["path"].nunique(), points["path"].nunique()


def colour_bar(fig, axes, norm: Normalize, label: str):
    """A horizontal colour bar of ``norm`` centred under ``axes``."""
    for ax in axes:
        ax.apply_aspect()
    left = min(ax.get_position().x0 for ax in axes)
    right = max(ax.get_position().x1 for ax in axes)
    width = 0.5 * (right - left)
    cax = fig.add_axes([left + (right - left - width) / 2, 0.06, width, 0.025])
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=SCORE_CMAP), cax=cax, orientation="horizontal", extend="both")
    bar.set_label(label, fontsize=9)
    return bar
