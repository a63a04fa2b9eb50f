"""Parse DCASE 2021 Task 2 file names and ground-truth tables.

Development and additional-training files are named::

    <root>/<device>/<train|source_test|target_test|test>/
        section_<SS>_<source|target>_<train|test>[_<normal|anomaly>]_<NNNN>[_<attributes>].wav

Evaluation test files hide domain and label (``section_03_0004.wav``); their split and domain
then come from the folder when it says them, and their label from an optional ground-truth
table (``ground_truth_<device>_section_<SS>_test.csv``, rows ``<file name>,<0|1>``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

NAME_RE = re.compile(
    r"^section_(?P<section>\d{2})"
    r"(?:_(?P<domain>source|target))?"
    r"(?:_(?P<split>train|test))?"
    r"(?:_(?P<label>normal|anomaly))?"
    r"_(?P<file_id>\d+)"
    r"(?:_(?P<attributes>.+))?"
    r"\.wav$",
    re.IGNORECASE,
)

FOLDERS = {
    "train": ("train", None),
    "source_test": ("test", "source"),
    "target_test": ("test", "target"),
    "test": ("test", None),
}

GROUND_TRUTH_RE = re.compile(r"^ground_truth_(?P<device>.+)_section_(?P<section>\d{2})_test\.csv$")


class FileNameError(ValueError):
    """A file name that does not follow the DCASE 2021 convention."""


@dataclass(frozen=True)
class DcaseName:
    """What a DCASE 2021 file name (and its folder) says about the file."""

    device: str
    section: str
    domain: str  # source | target | unknown
    split: str  # train | test
    label: str  # normal | anomaly | unknown
    file_id: str
    attributes: str


def parse_dcase2021(relpath: str | Path) -> DcaseName:
    """Parse ``<device>/<folder>/<file name>`` relative to a DCASE 2021 root.

    Raises :class:`FileNameError` with the reason when the path does not follow the convention,
    or when the folder and the name disagree on split or domain.

    >>> parse_dcase2021("fan/train/section_00_source_train_normal_0001_strength_1.wav").domain
    'source'
    """
    parts = Path(relpath).parts
    if len(parts) != 3:
        raise FileNameError(
            f"expected <device>/<train|source_test|target_test|test>/<file>.wav, got {relpath}"
        )
    device, folder, name = parts
    if folder not in FOLDERS:
        raise FileNameError(
            f"folder '{folder}' is none of {', '.join(FOLDERS)} (in {relpath})"
        )
    m = NAME_RE.match(name)
    if m is None:
        raise FileNameError(
            f"file name '{name}' does not match "
            "section_<SS>[_<source|target>][_<train|test>][_<normal|anomaly>]_<NNNN>[_<attributes>].wav"
        )
    folder_split, folder_domain = FOLDERS[folder]
    split = (m["split"] or folder_split).lower()
    if split != folder_split:
        raise FileNameError(f"file name says split '{split}' but it lies in folder '{folder}'")
    domain = (m["domain"] or folder_domain or "unknown").lower()
    if folder_domain and domain != folder_domain:
        raise FileNameError(f"file name says domain '{domain}' but it lies in folder '{folder}'")
    label = (m["label"] or "unknown").lower()
    if split == "train" and label == "unknown":
        label = "normal"  # DCASE training data is normal by definition
    return DcaseName(
        device=device,
        section=m["section"],
        domain=domain,
        split=split,
        label=label,
        file_id=m["file_id"],
        attributes=m["attributes"] or "",
    )


def ground_truth_tables(folder: str | Path) -> list[Path]:
    """The ``ground_truth_<device>_section_<SS>_test.csv`` tables in ``folder``, sorted."""
    return [t for t in sorted(Path(folder).glob("ground_truth_*_section_*_test.csv"))
            if GROUND_TRUTH_RE.match(t.name)]


def read_ground_truth(folder: str | Path) -> dict[tuple[str, str], str]:
    """Read every ``ground_truth_<device>_section_<SS>_test.csv`` under ``folder``.

    Returns ``{(device, file name): label}`` with labels ``normal`` (0) or ``anomaly`` (1).
    Raises ``ValueError`` naming the file and line for a row that is not ``<name>,<0|1>``.
    """
    labels: dict[tuple[str, str], str] = {}
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"ground-truth folder {folder} does not exist; fix 'ground_truth' in the dataset's "
            "config entry or remove the key"
        )
    for table in ground_truth_tables(folder):
        m = GROUND_TRUTH_RE.match(table.name)
        with open(table, newline="") as handle:
            for lineno, row in enumerate(csv.reader(handle), start=1):
                if not row or not "".join(row).strip():
                    continue
                if len(row) < 2 or row[1].strip() not in ("0", "1"):
                    raise ValueError(
                        f"{table}:{lineno}: expected '<file name>,<0|1>', got {','.join(row)!r}"
                    )
                labels[(m["device"], Path(row[0].strip()).name)] = (
                    "anomaly" if row[1].strip() == "1" else "normal"
                )
    return labels
