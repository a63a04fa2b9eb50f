"""How a page draws a map's windows (explore.js and scatter.js draw them on a canvas): the size
and alpha of shadows and the size of test dots for a map's counts, so that a dense map stays
readable (shadows translucent where a hundred overlap) and a sparse one visible."""

from __future__ import annotations

import numpy as np


def shadow_style(n: int) -> tuple[float, float]:
    """Marker size (px) and alpha of ``n`` shadow windows: fewer, larger and more opaque marks
    for small maps; many small faint ones for dense maps, so that even a hundred marks on one
    spot stay translucent (alpha 0.02 at 100,000 windows: 1 - 0.98**100 = 0.87)."""
    n = max(int(n), 1)
    alpha = float(np.clip(6.0 / np.sqrt(n), 0.02, 0.25))
    size = float(np.clip(40.0 / n**0.25, 4.0, 14.0))
    return size, alpha


def test_size(n: int) -> float:
    """Marker size (px) of ``n`` test windows."""
    return float(np.clip(24.0 / max(int(n), 1) ** 0.25, 2.0, 6.0))


def style(summary: dict) -> dict:
    """The marks of a map (its :func:`~audio_umaps.explore.data.summary`): ``shadow_size``,
    ``shadow_alpha`` and ``dot`` (test windows' size), in CSS px."""
    size, alpha = shadow_style(summary["n_shadow"])
    return {"shadow_size": size, "shadow_alpha": alpha, "dot": test_size(summary["n_test"])}
