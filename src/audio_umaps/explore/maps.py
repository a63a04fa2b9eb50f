"""The maps of a scope as the explorer reads them: the config's ``explore`` block, each map's
frame geometry (which span of signal a window saw) and the metrics stage's per-file scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import representations, tables

SPLITS = ("train", "test", "external")
LABELS = ("normal", "anomaly", "unknown")
FILE_FIELDS = ("path", "dataset", "device", "section", "domain", "split", "label", "attributes")
# the map table's other columns that hold one value per file (a page's export writes them back)
FILE_EXTRA = ("kind", "part", "file_id", "subfolder", "store")


@dataclass(frozen=True)
class Settings:
    """The config's ``explore`` block."""

    margin: float = 0.25  # seconds played before and after a window's span
    linked_autoload_points: int = 150_000  # linked maps load with the page up to this many windows

    @classmethod
    def from_config(cls, block: dict | None) -> Settings:
        block = block or {}
        return cls(
            margin=float(block.get("margin", cls.margin)),
            linked_autoload_points=int(block.get("linked_autoload_points", cls.linked_autoload_points)),
        )


# The span of a window that is a whole file (a representation with one vector per file): longer
# than any file, so that its clip and its playing run to the file's end.
WHOLE_FILE = 86400.0


@dataclass(frozen=True)
class MapSpec:
    """One map of a scope and the frame geometry of its representation."""

    representation: str
    stack: int
    scope: str
    hop: float  # seconds between frames
    frame_seconds: float  # seconds of signal one frame sees (WHOLE_FILE: one vector per file)
    windowing: str = "stack"  # how a window's frames became one vector
    clip_level: bool = False  # one vector per file: its window is the whole file

    @classmethod
    def of(
        cls,
        representation: str,
        stack: int,
        scope: str,
        *,
        sample_rate: int,
        params: dict | None = None,
        windowing: str = "stack",
    ) -> MapSpec:
        """The spec of a map from its representation's parameters (resolved, with ``kind``,
        or the config's overrides of a built-in representation)."""
        merged = dict(params) if params and "kind" in params else representations.params(representation, params)
        module = representations.module_of(merged)
        clip_level = representations.clip_level(merged)
        times = module.frame_times(2, sample_rate, merged)
        return cls(
            representation,
            int(stack),
            scope,
            0.0 if clip_level else float(times[1] - times[0]),
            WHOLE_FILE if clip_level else float(module.frame_seconds(sample_rate, merged)),
            windowing,
            clip_level,
        )

    @property
    def title(self) -> str:
        """How pages name the map: ``mel, stack 5``, ``tkeo, mean of 5 frames``, ``my_model,
        one vector per file``."""
        if self.clip_level:
            return f"{self.representation}, one vector per file"
        return f"{self.representation}, {representations.window_title(self.stack, self.windowing)}"

    @property
    def name(self) -> str:
        return f"{self.representation}_stack{self.stack}"

    @property
    def page(self) -> str:
        return f"{self.name}.html"

    @property
    def data(self) -> str:
        return f"data/{self.name}.js"

    @property
    def window_seconds(self) -> float:
        """Span of signal a window's frames see."""
        return (self.stack - 1) * self.hop + self.frame_seconds

    def spans(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (s) of the signal each window of ``table`` (column ``start_time``, the
        centre of its first frame) sees; a first frame centred on 0 starts before the file (its
        padding), which playing leaves out."""
        if self.clip_level:  # the whole file
            start = np.zeros(len(table))
            return start, start + WHOLE_FILE
        start = table["start_time"].to_numpy(dtype=float) - self.frame_seconds / 2
        return start, start + self.window_seconds


class Map(NamedTuple):
    """One map of a scope as the explorer's jobs read it."""

    spec: MapSpec
    table: pd.DataFrame | None  # the UMAP table (windows with x, y and metadata)
    skipped: str | None  # why there is no map (None when there is one)
    scores: pd.DataFrame | None  # the metrics stage's per-file scores of its windows' files


def read_scores(paths) -> pd.DataFrame | None:
    """The metrics stage's per-file tables (``….files.tsv``) of a map, concatenated
    (:func:`audio_umaps.tables.read_many`: scores and decisions as numbers, empty: none); None
    for none."""
    paths = list(paths)
    return tables.read_many("metric_files", paths) if paths else None


def read_maps(
    maps,
    umaps,
    statuses,
    scope: str,
    *,
    sample_rate: int,
    representation_params: dict,
    scores: dict | None = None,
    log=None,
    windowing: dict | None = None,
) -> list[Map]:
    """A scope's maps as its explorer jobs read them: ``maps`` (``(representation, stack)`` in
    page order) with the UMAP table and status file of each (``umaps``, ``statuses``, same
    order), the representations' parameters (by representation), their windowing (``stack``
    where not given) and, for the
    pages, ``scores`` (``{map name: metrics file tables}``; None: no scores read). Tables made
    with random weights are flagged in ``log``."""
    import logging

    from ..tables import read_map

    log = log or logging.getLogger(__name__)
    out = []
    for (representation, stack), table, status in zip(maps, umaps, statuses, strict=True):
        spec = MapSpec.of(
            representation,
            stack,
            scope,
            sample_rate=sample_rate,
            params=representation_params.get(representation),
            windowing=(windowing or {}).get(representation, "stack"),
        )
        embedding, skipped = read_map(table, status, log)
        out.append(Map(spec, embedding, skipped, read_scores(scores[spec.name]) if scores is not None else None))
    return out
