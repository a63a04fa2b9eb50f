"""The status beside each sample and UMAP table: how many windows it holds and, when it is
empty or was skipped, why (a scope whose files were all left out, a stack longer than every
file, too few windows for UMAP). Plots draw the reason instead of a map, and the run's
``results/reports/skipped.tsv`` lists every skipped map."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def write(path: str | Path, *, scope: str, representation: str, stack: int, windows: int,
          skipped: str | None = None, **facts) -> dict:
    """Write a status file; ``skipped`` is the reason the table holds no map (None: it does)."""
    status = {"scope": scope, "representation": representation, "stack": int(stack),
              "windows": int(windows), "skipped": skipped, **facts}
    Path(path).write_text(json.dumps(status, indent=1, sort_keys=True) + "\n")
    return status


def read(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


SKIPPED_COLUMNS = ["representation", "stack", "scope", "windows", "skipped"]


def skipped_table(paths) -> pd.DataFrame:
    """One row per skipped map among the status files ``paths`` (empty when none was)."""
    rows = [read(p) for p in paths]
    return pd.DataFrame([[r[c] for c in SKIPPED_COLUMNS] for r in rows if r.get("skipped")],
                        columns=SKIPPED_COLUMNS)
