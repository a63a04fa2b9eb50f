"""The status beside each sample and UMAP table: how many windows it holds and, when it is
empty or was skipped, why (a scope whose files were all left out, a stack longer than every
file, too few windows for UMAP). Plots draw the reason instead of a map, and the run's
``results/reports/skipped.tsv`` lists every skipped map, and every section of a DCASE dataset
whose files were all left out (its section plots show that note)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import tables
from .tables import columns


def write(
    path: str | Path, *, scope: str, representation: str, stack: int, windows: int, skipped: str | None = None, **facts
) -> dict:
    """Write a status file; ``skipped`` is the reason the table holds no map (None: it does)."""
    status = {
        "scope": scope,
        "representation": representation,
        "stack": int(stack),
        "windows": int(windows),
        "skipped": skipped,
        **facts,
    }
    Path(path).write_text(json.dumps(status, indent=1, sort_keys=True) + "\n")
    return status


def read(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


# A skipped map has its representation, stack and scope; a section whose files were all left out
# has its scope (the device), section and dataset, and no representation or stack (it is
# missing from every one).
SKIPPED_COLUMNS = columns("skipped")


def empty_sections(sections: dict, manifest: pd.DataFrame, left_out) -> list[tuple[str, str, str]]:
    """``(dataset, device, section)`` of every section, among those the file names show
    (``sections``: ``{dataset: {device: [sections]}}``, devices by their safe names, as
    :attr:`audio_umaps.plan.Dataset.sections`), none of whose files is left to map: every one
    was left out when it was listed (it has no ``manifest`` row) or when its features were
    computed (its path is in ``left_out``)."""
    left_out = set(left_out)
    usable = manifest[~manifest["path"].isin(left_out)]
    present = set(zip(usable["dataset"], usable["part"], usable["section"]))
    return [
        (dataset, device, section)
        for dataset, devices in sections.items()
        for device, found in devices.items()
        for section in found
        if (dataset, device, section) not in present
    ]


def read_empty_sections(sections: dict, manifests, excluded) -> list[tuple[str, str, str]]:
    """:func:`empty_sections` of ``sections`` from manifest files and exclusion tables (a
    dataset's report, or its feature jobs' tables: the rows of files left out)."""
    manifest = tables.read_many("manifest", manifests)
    left_out = set()
    for path in excluded:
        table = tables.read("excluded", path)
        left_out |= set(table.loc[table["outcome"] == tables.LEFT_OUT, "path"])
    return empty_sections(sections, manifest, left_out)


def section_reason(dataset: str, device: str, section: str) -> str:
    """Why a section of a dataset gives no window: every file of it was left out (``device``:
    the device's folder name)."""
    return (
        f"no usable audio: every file of {device} section {section} in dataset '{dataset}' was "
        f"left out; see results/reports/{dataset}.excluded.tsv for each file and why"
    )


def skipped_table(paths, sections=(), device_names=None) -> pd.DataFrame:
    """One row per skipped map among the status files ``paths``, then one per section of
    ``sections`` (``(dataset, device, section)``, as :func:`empty_sections` gives them; device
    safe names, shown by their folder names of ``device_names``); empty when nothing was
    skipped."""
    device_names = device_names or {}
    rows = [read(p) for p in paths]
    table = [
        [r["representation"], r["stack"], r["scope"], "", "", r["windows"], r["skipped"]]
        for r in rows
        if r.get("skipped")
    ]
    table += [
        ["", "", device, section, dataset, 0, section_reason(dataset, device_names.get(device, device), section)]
        for dataset, device, section in sorted(sections, key=lambda k: (k[1], k[2], k[0]))
    ]
    return pd.DataFrame(table, columns=SKIPPED_COLUMNS)
