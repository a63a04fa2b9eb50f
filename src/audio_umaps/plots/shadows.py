"""Shadows: training (and external) windows as density shading, not markers.

Each panel's training (or external) windows are counted on a fine grid and smoothed with a
Gaussian kernel (:func:`shadow_width`), and the smoothed count ``v`` becomes an opacity
(:func:`shadow_opacity`) that never exceeds :data:`~.style.SHADOW_OPACITY`
(:data:`~.style.EXTERNAL_OPACITY` for external data) however many windows pile up in one place,
while a lone window stays visible as a faint blob. Where groups overlap their colours mix in
proportion to their windows. Test windows are small dots drawn on top in full colour
(:func:`~.style.dot_style`), so they never blend into the paler shadows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb

from . import rows as R
from .style import (
    EXTERNAL_OPACITY,
    EXTERNAL_WIDTH,
    GID_OUTSIDE,
    GID_SHADOWS,
    SHADOW_CELLS,
    SHADOW_FLOOR,
    SHADOW_NARROWEST,
    SHADOW_OPACITY,
    SHADOW_SIGMA_CELLS,
    SHADOW_WIDE_UP_TO,
    SHADOW_WIDTH,
    SHADOW_ZORDER,
)


def shadow_width(n: int) -> float:
    """Standard deviation of a shadow's Gaussian kernel, as a share of the view's longer side.

    :data:`~.style.SHADOW_WIDTH` (about the radius of the paper's shadow markers) up to
    :data:`~.style.SHADOW_WIDE_UP_TO` windows, then shrinking as ``n ** -0.2`` (the rate of
    Scott's rule in two dimensions) down to :data:`~.style.SHADOW_NARROWEST` of it, so that
    dense maps keep their detail.

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
    :data:`~.style.SHADOW_FLOOR`: the densest place of the layer (``v = vmax``) gets ``top``, a
    lone window (``v = 1`` at its centre) ``top * (F + (1 - F) * log 2 / log(1 + vmax))``, which
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


def shadow_layer(ax, groups: list, *, kind: str, top: float, width: float):
    """Draw ``groups`` (``(colour, x, y)`` each) as one density-shaded image over the axis'
    limits (windows outside them are left out).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Its limits must be set (:func:`~.layout.set_view`).
    groups : list of (colour, x, y)
    kind : {"train", "external"}
        Sets the image's z-order and gid (:data:`~.style.GID_SHADOWS`).
    top : float
        The layer's most opacity.
    width : float
        Kernel s.d. as a share of the view's longer side (:func:`shadow_width`).

    Returns
    -------
    matplotlib.image.AxesImage or None
        The image (its attribute ``windows`` counts what it holds), None without windows.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    groups = [(c, np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for c, x, y in groups if len(x)]
    if not groups:
        return None
    side = max(x1 - x0, y1 - y0)
    cell = side / float(np.clip(np.ceil(SHADOW_SIGMA_CELLS / width), *SHADOW_CELLS))
    nx, ny = max(int(np.ceil((x1 - x0) / cell)), 2), max(int(np.ceil((y1 - y0) / cell)), 2)
    colours = np.array([to_rgb(c) for c, _, _ in groups])
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
    im = ax.imshow(
        image,
        extent=(x0, x1, y0, y1),
        origin="lower",
        interpolation="bilinear",
        zorder=SHADOW_ZORDER[kind],
        gid=GID_SHADOWS[kind],
    )
    im.windows = n  # what the layer holds, for legends and tests
    return im


def inside(ax, rows: pd.DataFrame) -> np.ndarray:
    """Which of ``rows`` lie within the axis' limits."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    x, y = R.xy(rows)
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def external_shadows(ax, emb: pd.DataFrame, colours: dict[str, str], *, note: bool):
    """External datasets as the faintest, thinnest shadows, beneath everything, each in
    ``colours[dataset]`` (:attr:`audio_umaps.palette.Palette.external`); with ``note``, a line
    in the panel's corner says how many external windows lie outside its limits."""
    ext = R.external(emb)
    groups = [(colours[dataset], *R.xy(rows)) for dataset, rows in ext.groupby("dataset", sort=True)]
    n = sum(len(x) for _, x, _ in groups)
    layer = shadow_layer(ax, groups, kind="external", top=EXTERNAL_OPACITY, width=EXTERNAL_WIDTH * shadow_width(n))
    outside = int((~inside(ax, ext)).sum())
    if note and outside:
        ax.text(
            0.01,
            0.01,
            f"{outside:,} of {n:,} external windows lie outside this view",
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=8,
            color="0.3",
            gid=GID_OUTSIDE,
            zorder=6,
        )
    return layer


def train_shadows(ax, groups: list):
    """Training windows, ``(colour, x, y)`` per group, as shadows above the external ones."""
    n = sum(len(x) for _, x, _ in groups)
    return shadow_layer(ax, groups, kind="train", top=SHADOW_OPACITY, width=shadow_width(n))
