"""Legend entries: a shadow swatch, a test dot, or both overlaid as one entry (a tuple of
handles), each in the colour and opacity of what the panels draw."""

from __future__ import annotations

import pandas as pd
from matplotlib.lines import Line2D

from . import rows as R
from .style import EXTERNAL_OPACITY, SHADOW_OPACITY


def handle(colour, label, alpha=1.0, size=7, marker="o", **kwargs) -> Line2D:
    """A legend mark without a line."""
    return Line2D(
        [], [], linestyle="", marker=marker, markersize=size, color=colour, alpha=alpha, label=label, **kwargs
    )


def shadow_handle(colour, label, top=SHADOW_OPACITY) -> Line2D:
    """A legend swatch of a shadow: its colour at the opacity of its densest places."""
    return handle(colour, label, alpha=top, size=13, marker="s", markeredgewidth=0)


def dot_handle(colour, label, style: dict) -> Line2D:
    """A legend dot in the colour and opacity of the test dots (a fixed, legible size)."""
    return handle(colour, label, alpha=style["alpha"], size=5, markeredgewidth=0)


def text_handle(label) -> Line2D:
    """A legend line without a mark (a heading or a note)."""
    return Line2D([], [], linestyle="", marker="", label=label)


def entry(label: str, shadow=None, dot=None):
    """One legend entry: a shadow swatch and/or a dot, overlaid (a tuple) when both."""
    parts = [h for h in (shadow, dot) if h is not None]
    for h in parts:
        h.set_label(label)
    return parts[0] if len(parts) == 1 else tuple(parts)


def label_of(h) -> str:
    """The text of a legend entry (a handle or a tuple of them)."""
    return (h[0] if isinstance(h, tuple) else h).get_label()


def counts(train: int, test: int) -> str:
    """``train 80 · test 120``, leaving out a zero."""
    return " · ".join(f"{name} {n:,}" for name, n in (("train", train), ("test", test)) if n)


def group_name(section: str, domain: str, dataset: str | None = None) -> str:
    """A legend's name of a section and domain of a device's map (DCASE 2020 has machine ids
    and no domains), after the dataset's name when datasets share the device."""
    name = f"id {section}" if domain == "none" else f"{section} {domain}"
    return f"{dataset} {name}" if dataset else name


def external_label(dataset: str, n: int) -> str:
    """``demo_external: 200 windows``; ``audioset (external): 200 windows`` (the word external
    only where the name lacks it)."""
    name = dataset if "external" in dataset.lower() else f"{dataset} (external)"
    return f"{name}: {n:,} windows"


def external_handles(emb: pd.DataFrame, colours: dict[str, str]) -> list[Line2D]:
    """A shadow swatch per external dataset, in ``colours[dataset]``."""
    return [
        shadow_handle(colours[dataset], external_label(dataset, len(rows)), top=EXTERNAL_OPACITY)
        for dataset, rows in R.external(emb).groupby("dataset", sort=True)
    ]
