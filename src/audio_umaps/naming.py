"""DCASE Task 2 file names of every edition (2020-2025), their ground truth, and safe names.

Editions and their layouts (``<root>`` is the dataset's configured root):

2020
    ``<machine>/[train|test/]<normal|anomaly>_id_<II>_<NNNNNNNN>.wav``; the machine id plays
    the role of a section and there is no domain (``none``). Evaluation files are anonymised
    (``id_<II>_<NNNNNNNN>.wav``) and labelled by the published ``eval_data_list.csv``: a line
    holding a machine name, then ``<file name>,<original name>,<0|1>`` rows for that machine.
    Files outside a ``train``/``test`` folder are test files.
2021
    ``<device>/<train|source_test|target_test|test>/
    section_<SS>_<source|target>_<train|test>[_<normal|anomaly>]_<NNNN>[_<attributes>].wav``;
    evaluation names (``section_<SS>_<NNNN>.wav``) hide domain and label; the ground truth is a
    folder of ``ground_truth_<device>_section_<SS>_test.csv`` tables (``<file name>,<0|1>``).
2022-2025
    ``<machine>/<train|test>/section_<SS>_<source|target>_<train|test>_<normal|anomaly>_<NNNN>_<attributes>.wav``;
    evaluation names (``section_<SS>[_test]_<NNNN>.wav``) hide domain, label and attributes;
    the ground truth comes as the folders ``ground_truth_data/`` (label, 1 = anomaly),
    ``ground_truth_domain/`` (1 = target) and ``ground_truth_attributes/`` (the file's full
    development-style name) of ``ground_truth_<machine>_section_<SS>_test.csv`` tables.

Devices (machines) are folder names, so they may hold any character; :func:`safe_name` gives
the name that file paths and Snakemake wildcards carry.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

EDITIONS = ("2020", "2021", "2022", "2023", "2024", "2025")
# What a tree of 2022-2025 names is labelled when neither its kind nor its machines and sections
# tell the year (those editions share one layout; their development sets share the machines)
UNDECIDED = "2022-2025"
# The machine types (folder names) and sections of each edition with the 2022-2025 layout, from
# the task pages; 2026's evaluation machines are listed so that a 2026 tree is never taken for
# the year of a machine it shares (ToyDrone, ToothBrush).
DEVELOPMENT_MACHINES = ("ToyCar", "ToyTrain", "bearing", "fan", "gearbox", "slider", "valve")
MACHINES = {
    "2022": DEVELOPMENT_MACHINES,
    "2023": DEVELOPMENT_MACHINES + ("ToyDrone", "ToyNscale", "ToyTank", "Vacuum", "bandsaw", "grinder", "shaker"),
    "2024": DEVELOPMENT_MACHINES
    + (
        "3DPrinter",
        "AirCompressor",
        "Scanner",
        "ToyCircuit",
        "HoveringDrone",
        "HairDryer",
        "ToothBrush",
        "RoboticArm",
        "BrushlessMotor",
    ),
    "2025": DEVELOPMENT_MACHINES
    + ("AutoTrash", "HomeCamera", "ToyPet", "ToyRCCar", "BandSealer", "Polisher", "ScrewFeeder", "CoffeeGrinder"),
    "2026": ("ToyDrone", "ToothBrush", "SewingMachine", "BlowerDustCollector", "Sander"),
}
SECTIONS = {"2022": ("00", "01", "02", "03", "04", "05")}  # other years: section 00 only

SECTION_RE = re.compile(
    r"^section_(?P<section>\d{2})"
    r"(?:_(?P<domain>source|target))?"
    r"(?:_(?P<split>train|test))?"
    r"(?:_(?P<label>normal|anomaly))?"
    r"_(?P<file_id>\d+)"
    r"(?:_(?P<attributes>.+))?"
    r"\.wav$",
    re.IGNORECASE,
)
ID_RE = re.compile(r"^(?:(?P<label>normal|anomaly)_)?id_(?P<section>\d{2})_(?P<file_id>\d+)\.wav$", re.IGNORECASE)

FOLDERS_2021 = {
    "train": ("train", None),
    "source_test": ("test", "source"),
    "target_test": ("test", "target"),
    "test": ("test", None),
}
FOLDERS_2022 = {"train": ("train", None), "test": ("test", None)}
FOLDERS_2020 = {"train": "train", "test": "test"}

EXPECTED = {
    "2020": "<machine>/[train|test/]<normal|anomaly>_id_<II>_<NNNNNNNN>.wav (evaluation: id_<II>_<NNNNNNNN>.wav)",
    "2021": "<device>/<train|source_test|target_test|test>/"
    "section_<SS>_<source|target>_<train|test>_[<normal|anomaly>_]<NNNN>[_<attributes>].wav "
    "(evaluation: section_<SS>_<NNNN>.wav)",
    "2022": "<machine>/<train|test>/"
    "section_<SS>_<source|target>_<train|test>_<normal|anomaly>_<NNNN>_<attributes>.wav "
    "(evaluation: section_<SS>[_test]_<NNNN>.wav)",
}

# ground_truth_<device>_section_<SS>_test.csv; 2021's evaluator has a table per domain:
# ground_truth_<device>_section_<SS>_<source|target>_test.csv
GROUND_TRUTH_RE = re.compile(
    r"^ground_truth_(?P<device>.+?)_section_(?P<section>\d{2})"
    r"(?:_(?P<domain>source|target))?_test\.csv$"
)
GROUND_TRUTH_FOLDERS = ("ground_truth_data", "ground_truth_domain", "ground_truth_attributes")
EVAL_DATA_LIST = "eval_data_list.csv"
NO_DOMAIN = "none"  # DCASE 2020 has no domains


class FileNameError(ValueError):
    """A file name that does not follow its edition's convention."""


@dataclass(frozen=True)
class DcaseName:
    """What a DCASE file name (and its folder) says about the file."""

    device: str
    section: str
    domain: str  # source | target | none (2020) | unknown
    split: str  # train | test
    label: str  # normal | anomaly | unknown
    file_id: str
    attributes: str


def layout(edition: str) -> str:
    """The layout family of an edition: ``2020``, ``2021`` or ``2022`` (2022-2025, also
    :data:`UNDECIDED`)."""
    if str(edition) not in EDITIONS + (UNDECIDED,):
        raise ValueError(f"unknown DCASE edition '{edition}'; known: {', '.join(EDITIONS)}")
    return str(edition) if str(edition) in ("2020", "2021") else "2022"


def year_of(machines) -> str:
    """The edition a tree of 2022-2025 names is from, as far as its ``machines`` (``{machine:
    sections}``) tell: the one year whose machine types hold every machine and whose sections
    hold every section (the 2022 sets had sections 00-05, later ones section 00 alone), else
    :data:`UNDECIDED` (e.g. a development set of 2023, 2024 or 2025: the same seven machines,
    section 00).

    >>> year_of({"fan": {"00", "01"}, "valve": {"00"}})
    '2022'
    >>> year_of({"ToyDrone": {"00"}, "shaker": {"00"}})
    '2023'
    >>> year_of({"fan": {"00"}})
    '2022-2025'
    """
    years = set(MACHINES)
    for machine, sections in machines.items():
        years = {y for y in years if machine in MACHINES[y] and set(sections) <= set(SECTIONS.get(y, ("00",)))}
    return years.pop() if len(years) == 1 and years <= set(EDITIONS) else UNDECIDED


def parse(relpath: str | Path, edition: str) -> DcaseName:
    """Parse a path relative to a DCASE root of ``edition`` (see the module's docstring).

    Raises :class:`FileNameError` with the reason when the path does not follow the convention,
    or when the folder and the name disagree on split or domain.

    >>> parse("fan/train/section_00_source_train_normal_0001_strength_1.wav", "2021").domain
    'source'
    >>> parse("ToyCar/anomaly_id_02_00000194.wav", "2020").section
    '02'
    """
    family = layout(edition)
    if family == "2020":
        return _parse_2020(relpath)
    return _parse_sections(relpath, FOLDERS_2021 if family == "2021" else FOLDERS_2022, family)


def parse_dcase2021(relpath: str | Path) -> DcaseName:
    """:func:`parse` for the 2021 layout."""
    return parse(relpath, "2021")


def _parse_2020(relpath) -> DcaseName:
    parts = Path(relpath).parts
    if len(parts) == 3 and parts[1] in FOLDERS_2020:
        device, folder, name = parts
    elif len(parts) == 2:
        (device, name), folder = parts, None
    else:
        raise FileNameError(f"expected {EXPECTED['2020']}, got {relpath}")
    m = ID_RE.match(name)
    if m is None:
        raise FileNameError(f"file name '{name}' does not match {EXPECTED['2020']}")
    split = FOLDERS_2020[folder] if folder else "test"
    label = (m["label"] or "unknown").lower()
    if split == "train" and label == "unknown":
        label = "normal"
    return DcaseName(
        device=device,
        section=m["section"],
        domain=NO_DOMAIN,
        split=split,
        label=label,
        file_id=m["file_id"],
        attributes="",
    )


def _parse_sections(relpath, folders: dict, family: str) -> DcaseName:
    parts = Path(relpath).parts
    if len(parts) != 3:
        raise FileNameError(f"expected {EXPECTED[family]}, got {relpath}")
    device, folder, name = parts
    if folder not in folders:
        raise FileNameError(f"folder '{folder}' is none of {', '.join(folders)} (in {relpath})")
    m = SECTION_RE.match(name)
    if m is None:
        raise FileNameError(f"file name '{name}' does not match {EXPECTED[family]}")
    folder_split, folder_domain = folders[folder]
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


def detect_edition(relpaths) -> str | None:
    """The edition whose names the files follow: ``2020`` (``..._id_<II>_...`` names), ``2021``
    (``source_test``/``target_test`` folders, or evaluation names without split), ``2022``
    (section names in ``train``/``test`` folders: the 2022-2025 convention; a 2021 additional
    training tree reads the same). None when no file follows any convention."""
    votes = {"2020": 0, "2021": 0, "2022": 0, "unsplit": 0}
    for rel in relpaths:
        parts = Path(rel).parts
        name = parts[-1]
        if ID_RE.match(name) and len(parts) in (2, 3):
            votes["2020"] += 1
        elif (m := SECTION_RE.match(name)) and len(parts) == 3:
            if parts[1] in ("source_test", "target_test"):
                votes["2021"] += 1
            elif parts[1] in FOLDERS_2022:
                # evaluation names without split or domain (section_03_0000.wav) occur in 2021
                # and 2023+ alike: they decide nothing on their own
                votes["unsplit" if not m["split"] and not m["domain"] else "2022"] += 1
    if votes["2020"] and votes["2020"] >= votes["2021"] + votes["2022"] + votes["unsplit"]:
        return "2020"
    if votes["2021"]:
        return "2021"
    if votes["2022"]:
        return "2022"
    return "2021" if votes["unsplit"] else None


def attribute_columns(attributes: str) -> dict[str, str]:
    """The attribute string of a file name as ``{name: value}`` pairs.

    Tokens are read in ``<name>_<value>`` pairs; a token left over at the end is kept under
    ``extra``; ``noAttribute`` (DCASE 2024/2025) means none.

    >>> attribute_columns("car_A2_spd_28V_mic_1")
    {'car': 'A2', 'spd': '28V', 'mic': '1'}
    """
    tokens = [t for t in str(attributes or "").split("_") if t]
    if not tokens or tokens == ["noAttribute"]:
        return {}
    pairs = {}
    for i in range(0, len(tokens) - 1, 2):
        pairs[tokens[i]] = tokens[i + 1]
    if len(tokens) % 2:
        pairs["extra"] = tokens[-1]
    return pairs


# ---- ground truth ------------------------------------------------------------------------------
def ground_truth_tables(path: str | Path) -> list[Path]:
    """Every ground-truth file under ``path`` that :func:`read_ground_truth` reads, sorted: an
    ``eval_data_list.csv`` (2020; ``path`` may be the file itself), the
    ``ground_truth_<device>_section_<SS>_test.csv`` tables in ``path`` (2021) and in its
    ``ground_truth_data/``, ``ground_truth_domain/``, ``ground_truth_attributes/`` folders
    (2022-2025)."""
    path = Path(path)
    if path.is_file():
        return [path]
    found = [path / EVAL_DATA_LIST] if (path / EVAL_DATA_LIST).is_file() else []
    for folder in [path] + [path / sub for sub in GROUND_TRUTH_FOLDERS]:
        found += [t for t in sorted(folder.glob("ground_truth_*_section_*_test.csv")) if GROUND_TRUTH_RE.match(t.name)]
    return found


def read_ground_truth(path: str | Path) -> dict[tuple[str, str], dict[str, str]]:
    """Read the ground truth of an evaluation set of any edition (:func:`ground_truth_tables`).

    Returns ``{(device, file name): facts}`` where facts may hold ``label`` (``normal`` or
    ``anomaly``), ``domain`` (``source`` or ``target``), ``section``, ``attributes`` (the
    attribute part of the file's full name) and ``full_names`` (the file's full
    development-style names the attributes table gives, with ``.wav``: the names a submission
    may use for it, as the 2023-2024 evaluators map them). Raises ``ValueError`` naming the file
    and line of a row it cannot read, ``FileNotFoundError`` when ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"ground truth {path} does not exist; fix 'ground_truth' in the dataset's config entry or remove the key"
        )
    truth: dict[tuple[str, str], dict[str, str]] = {}
    for table in ground_truth_tables(path):
        if table.name == EVAL_DATA_LIST or not GROUND_TRUTH_RE.match(table.name):
            _read_eval_data_list(table, truth)
            continue
        named = GROUND_TRUTH_RE.match(table.name)
        device = named["device"]
        kind = table.parent.name if table.parent.name in GROUND_TRUTH_FOLDERS else "ground_truth_data"
        for lineno, row in _rows(table):
            name = Path(row[0].strip()).name
            facts = truth.setdefault((device, name), {})
            facts["section"] = named["section"]
            if named["domain"]:
                facts["domain"] = named["domain"]
            if kind == "ground_truth_attributes":
                full = (
                    SECTION_RE.match(Path(row[1].strip()).name.removesuffix(".wav") + ".wav") if len(row) > 1 else None
                )
                if full is None:
                    raise ValueError(
                        f"{table}:{lineno}: expected '<file name>,<full file name>', got {','.join(row)!r}"
                    )
                # (2024's tables add a third column: the name with the real attributes)
                facts["full_names"] = [
                    Path(r.strip()).name.removesuffix(".wav") + ".wav" for r in row[1:3] if r.strip()
                ]
                facts.update(attributes=full["attributes"] or "")
                if full["domain"]:
                    facts.setdefault("domain", full["domain"].lower())
                if full["label"]:
                    facts.setdefault("label", full["label"].lower())
            else:
                value = _flag(table, lineno, row)
                if kind == "ground_truth_domain":
                    facts["domain"] = "target" if value else "source"
                else:
                    facts["label"] = "anomaly" if value else "normal"
    return truth


def _rows(table: Path):
    try:
        with open(table, newline="", encoding="utf-8-sig") as handle:
            for lineno, row in enumerate(csv.reader(handle), start=1):
                if row and "".join(row).strip():
                    yield lineno, row
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{table}: not a readable CSV table ({exc})") from None


def _flag(table, lineno, row) -> bool:
    if len(row) < 2 or row[-1].strip() not in ("0", "1"):
        raise ValueError(f"{table}:{lineno}: expected '<file name>,<0|1>', got {','.join(row)!r}")
    return row[-1].strip() == "1"


def _read_eval_data_list(table: Path, truth: dict) -> None:
    """DCASE 2020's ``eval_data_list.csv``: a machine's name alone on a line, then its files."""
    machine = None
    for lineno, row in _rows(table):
        if len(row) == 1:
            machine = row[0].strip()
            continue
        if machine is None:
            raise ValueError(f"{table}:{lineno}: a file row before any machine-name line")
        name = Path(row[0].strip()).name
        facts = truth.setdefault((machine, name), {})
        facts["label"] = "anomaly" if _flag(table, lineno, row) else "normal"
        if m := ID_RE.match(name):
            facts["section"] = m["section"]


# ---- safe names --------------------------------------------------------------------------------
SAFE_CHARS = re.compile(r"[A-Za-z0-9_.-]")
RESERVED = ("global",)


def safe_name(name: str) -> str:
    """The name a device carries in file paths and wildcards: letters, digits, ``_``, ``.``
    and ``-`` as they are, every other character as ``~`` and the hex of its UTF-8 bytes
    (``my fan`` -> ``my~20fan``); a reserved scope name (``global``) gets a trailing ``~``.
    Distinct names stay distinct."""
    out = "".join(c if SAFE_CHARS.fullmatch(c) else "".join(f"~{b:02X}" for b in c.encode()) for c in name)
    return out + "~" if out in RESERVED else out
