"""Manifests: one row per audio file of a dataset, with the metadata every later step carries.

Dataset kinds:

``dcase`` and ``dcase2020`` ... ``dcase2025``
    A DCASE Task 2 tree of that edition (``dcase``: the edition found from the file names; see
    :mod:`audio_umaps.naming`). Devices and sections come from the folders and names found,
    never from a fixed list. Its feature jobs are split per device (the ``part`` column, the
    device's safe name). Attribute strings of the names become ``attr_<name>`` columns.
``folder``
    Every audio file under a root, used as external data (or, in a run without DCASE data, as
    scopes of their own); sub-folders become the ``subfolder`` column. Its feature jobs are
    split into ``jobs`` parts by a stable hash of the path.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

import pandas as pd
import soundfile as sf

from . import naming, tables
from .naming import FileNameError, read_ground_truth
from .tables import ATTRIBUTE_PREFIX, KEPT, LEFT_OUT

AUDIO_EXTENSIONS = {".wav", ".flac", ".ogg", ".aif", ".aiff", ".mp3"}
DCASE_KINDS = ("dcase",) + tuple(f"dcase{e}" for e in naming.EDITIONS)
KINDS = DCASE_KINDS + ("folder",)


# libsndfile's message for a file it cannot open whose bytes look like an MPEG frame it then
# fails to decode (random bytes, a damaged file): it speaks of a missing file, which misleads.
_NOT_A_FILE = "does not exist or is not a regular file"
REPLACE = "replace it with a good copy, or remove it"


def open_error(path, exc: Exception) -> str:
    """Why ``path`` could not be opened by libsndfile (``exc``, what soundfile raised), for the
    exclusion report and logs: a missing file or broken link, a file without read permission, an
    empty file, or a file that is not readable audio, with libsndfile's own words on its format
    and what to do."""
    p = Path(path)
    if not p.exists():
        if p.is_symlink():
            return f"missing: a link to '{os.readlink(p)}', which does not exist; fix or remove the link"
        return "missing: the file does not exist (moved or deleted after it was listed?)"
    if not p.is_file():
        return "not a regular file (a folder, pipe or device): remove it or rename it"
    if not os.access(p, os.R_OK):
        return "permission denied: let the user running the workflow read it, or remove it"
    if p.stat().st_size == 0:
        return f"empty: the file holds 0 bytes; {REPLACE}"
    said = getattr(exc, "error_string", None) or str(exc)
    said = " ".join(said.split()).rstrip(".")
    if _NOT_A_FILE in said:
        said = "it matches no audio format it can decode"
    return f"not a readable audio file (libsndfile: {said}); {REPLACE}"


def edition_of(kind: str, relpaths) -> str | None:
    """The edition a dataset of ``kind`` is read as: the one its kind names, or (``dcase``) the
    one its file names follow (None when they follow none); for the names shared by 2022-2025,
    the year when its machines and sections decide it (:func:`audio_umaps.naming.year_of`),
    else ``2022-2025``."""
    if kind != "dcase":
        return kind.removeprefix("dcase")
    edition = naming.detect_edition(relpaths)
    if edition != "2022":
        return edition
    machines: dict[str, set[str]] = {}
    for rel in relpaths:
        try:
            name = naming.parse(rel, edition)
        except naming.FileNameError:
            continue
        machines.setdefault(name.device, set()).add(name.section)
    return naming.year_of(machines)


def list_audio(root: str | Path) -> list[str]:
    """Sorted paths (relative to ``root``, '/'-separated) of the audio files below ``root``."""
    root = Path(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in AUDIO_EXTENSIONS:
                found.append(Path(dirpath, name).relative_to(root).as_posix())
    return sorted(found)


BRACES_REASON = (
    "file name holds '{' or '}', which Snakemake reads as a wildcard in the job's "
    "declared inputs: rename the file to use it"
)


def declarable(relpath: str) -> bool:
    """Whether a file can be declared as a job's input: Snakemake fills wildcards into every
    input path (including those input functions return) and has no escape for braces."""
    return "{" not in relpath and "}" not in relpath


def folder_part(relpath: str, jobs: int) -> str:
    """The feature job a file of a ``folder`` dataset belongs to: stable across runs."""
    if jobs <= 1:
        return "all"
    return f"part{zlib.crc32(relpath.encode()) % jobs}"


def folder_parts(jobs: int) -> list[str]:
    return ["all"] if jobs <= 1 else [f"part{i}" for i in range(jobs)]


SHOULD_BE = re.compile(r"^(?P<chunk>\S+)\s*:\s*(?P<declared>\d+)\s*\(should be (?P<real>\d+)\)", re.M)


def _damage(info) -> str | None:
    """What libsndfile's log says is wrong with a file it can still read: a data chunk shorter
    than its header says (a truncated file), or its warnings."""
    text = getattr(info, "extra_info", "") or ""
    for m in SHOULD_BE.finditer(text):
        if m["chunk"].lower() in ("data", "ssnd"):
            align = re.search(r"Block Align\s*:\s*(\d+)", text)
            block = int(align[1]) if align else max(info.channels, 1) * 2
            declared = int(m["declared"]) / block / info.samplerate
            return (
                f"truncated: the header says {declared:.3f} s of audio, the file holds "
                f"{info.frames / info.samplerate:.3f} s"
            )
    # "*** <chunk> : <n> (unknown marker)": a chunk libsndfile skips (ID3 tags, ...), harmless
    warnings = [
        line.strip(" *")
        for line in text.splitlines()
        if line.lstrip().startswith("***") and "unknown marker" not in line
    ]
    if warnings:
        return "decoder warning: " + "; ".join(warnings)
    return None


def probe(path: str | Path, min_duration: float, channels="mix") -> tuple[dict | None, str | None, str | None]:
    """Header facts of one audio file: ``(facts, reason it is left out, damage it is kept with)``.

    ``channels`` is ``audio.channels``: ``mix`` or the channel (counted from 0) to use; a file
    without that channel is left out. A damaged file that still holds enough audio (e.g. one
    truncated after its header was written) is kept with its real length, and the damage is
    returned for the exclusion report.
    """
    try:
        info = sf.info(str(path), verbose=True)
    except Exception as exc:  # soundfile raises RuntimeError/LibsndfileError/TypeError
        return None, open_error(path, exc), None
    damage = _damage(info)
    if info.frames == 0 or info.samplerate <= 0:
        return None, "empty: no samples" + (f" ({damage})" if damage else ""), None
    duration = info.frames / info.samplerate
    if duration < min_duration:
        return (
            None,
            (f"too short: {duration:.3f} s < audio.min_duration {min_duration} s" + (f" ({damage})" if damage else "")),
            None,
        )
    if channels != "mix" and int(channels) >= info.channels:
        return (
            None,
            (
                f"has {info.channels} channel(s); config key audio.channels asks for channel "
                f"{channels} (counted from 0): set it to mix or a channel the file has"
            ),
            None,
        )
    facts = {"duration": duration, "samplerate": info.samplerate, "channels": info.channels}
    return facts, None, damage


def build_manifest(dataset: str, entry: dict, min_duration: float, channels="mix") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Manifest and excluded-file table of one configured dataset.

    ``entry`` is the dataset's config entry (``kind``, ``root``, and for DCASE kinds an
    optional ``ground_truth`` folder or file, for ``folder`` an optional ``jobs``).
    Files with odd names, unreadable, empty, too short files or files without the channel
    ``channels`` asks for are not raised on: they go to the excluded table with the reason
    (outcome ``left out``), and the manifest goes on without them. Damaged files that are still
    usable are kept and listed there too (outcome ``kept``). A dataset left with no usable file
    gives an empty manifest.
    """
    kind = entry["kind"]
    root = Path(entry["root"])
    if kind not in KINDS:
        raise ValueError(f"datasets.{dataset}.kind: '{kind}' is none of {', '.join(KINDS)}")
    if not root.is_dir():
        raise FileNotFoundError(
            f"datasets.{dataset}.root: folder {root} does not exist; point it at the data "
            f"in config/config.yaml or remove the dataset"
        )
    truth = read_ground_truth(entry["ground_truth"]) if entry.get("ground_truth") else {}
    found = list_audio(root)
    edition = edition_of(kind, [f for f in found if declarable(f)]) if kind != "folder" else None
    rows, excluded = [], []
    for rel in found:
        path = root / rel
        meta = {"dataset": dataset, "kind": kind, "path": path.as_posix(), "relpath": rel}
        if not declarable(rel):
            excluded.append([dataset, meta["path"], "manifest", BRACES_REASON, LEFT_OUT])
            continue
        if kind != "folder":
            try:
                if edition is None:
                    raise FileNameError(
                        "no file follows a DCASE layout; expected one of: " + "; ".join(naming.EXPECTED.values())
                    )
                name = naming.parse(rel, edition)
            except FileNameError as exc:
                excluded.append([dataset, meta["path"], "manifest", f"odd file name: {exc}", LEFT_OUT])
                continue
            facts = truth.get((name.device, Path(rel).name), {})
            label = facts.get("label", "unknown") if name.label == "unknown" else name.label
            domain = facts.get("domain", "unknown") if name.domain == "unknown" else name.domain
            attributes = name.attributes or facts.get("attributes", "")
            meta.update(
                part=naming.safe_name(name.device),
                device=name.device,
                section=name.section,
                domain=domain,
                split=name.split,
                label=label,
                file_id=name.file_id,
                attributes=attributes,
                subfolder=str(Path(rel).parent.as_posix()),
                edition=edition,
                **{ATTRIBUTE_PREFIX + k: v for k, v in naming.attribute_columns(attributes).items()},
            )
        else:
            subfolder = Path(rel).parent.as_posix()
            meta.update(
                part=folder_part(rel, int(entry.get("jobs", 1))),
                device="",
                section="",
                domain="",
                split="external",
                label="unknown",
                file_id=Path(rel).stem,
                attributes="",
                subfolder="" if subfolder == "." else subfolder,
                edition="",
            )
        facts, reason, damage = probe(path, min_duration, channels)
        if reason:
            excluded.append([dataset, meta["path"], "manifest", reason, LEFT_OUT])
            continue
        if damage:
            excluded.append(
                [dataset, meta["path"], "manifest", damage, f"{KEPT} with its real length, {facts['duration']:.3f} s"]
            )
        meta.update(facts)
        rows.append(meta)
    extra = sorted({k for row in rows for k in row if k.startswith(ATTRIBUTE_PREFIX)})
    manifest = pd.DataFrame(rows, columns=tables.columns("manifest") + extra)
    manifest[extra] = manifest[extra].fillna("")
    return manifest, pd.DataFrame(excluded, columns=tables.columns("excluded"))


def exclusion_report(paths) -> pd.DataFrame:
    """A dataset's exclusion report: the rows of its ``excluded`` tables at ``paths`` (the
    manifest's, then its feature jobs'), each file and stage once."""
    parts = [tables.read("excluded", path) for path in paths]
    return pd.concat(parts, ignore_index=True).drop_duplicates(["path", "stage"])
