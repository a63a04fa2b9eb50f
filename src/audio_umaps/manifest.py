"""Manifests: one row per audio file of a dataset, with the metadata every later step carries.

Two dataset kinds exist:

``dcase2021``
    The DCASE 2021 Task 2 layout (see :mod:`audio_umaps.naming`). Devices and sections come
    from the folders and names found, never from a fixed list. Its feature jobs are split per
    device (the ``part`` column).
``folder``
    Every audio file under a root, used as external data; sub-folders become the ``subfolder``
    column. Its feature jobs are split into ``jobs`` parts by a stable hash of the path.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pandas as pd
import soundfile as sf

from .naming import FileNameError, parse_dcase2021, read_ground_truth
from .tables import COLUMNS, EXCLUDED_COLUMNS

AUDIO_EXTENSIONS = {".wav", ".flac", ".ogg", ".aif", ".aiff", ".mp3"}
KINDS = ("dcase2021", "folder")



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


BRACES_REASON = ("file name holds '{' or '}', which Snakemake reads as a wildcard in the job's "
                 "declared inputs: rename the file to use it")


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


def _probe(path: Path, min_duration: float) -> tuple[dict | None, str | None]:
    """Header facts of one audio file, or the reason it is left out."""
    try:
        info = sf.info(str(path))
    except Exception as exc:  # soundfile raises RuntimeError/LibsndfileError/TypeError
        return None, f"unreadable: {exc}".replace("\n", " ")
    if info.frames == 0 or info.samplerate <= 0:
        return None, "empty: no samples"
    duration = info.frames / info.samplerate
    if duration < min_duration:
        return None, f"too short: {duration:.3f} s < audio.min_duration {min_duration} s"
    return {"duration": duration, "samplerate": info.samplerate, "channels": info.channels}, None


def build_manifest(
    dataset: str, entry: dict, min_duration: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Manifest and excluded-file table of one configured dataset.

    ``entry`` is the dataset's config entry (``kind``, ``root``, and for ``dcase2021`` an
    optional ``ground_truth`` folder, for ``folder`` an optional ``jobs``).
    Files with odd names, unreadable, empty or too short files are not raised on: they go to
    the excluded table with the reason, and the manifest goes on without them.
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
    rows, excluded = [], []
    for rel in list_audio(root):
        path = root / rel
        meta = {"dataset": dataset, "kind": kind, "path": path.as_posix(), "relpath": rel}
        if not declarable(rel):
            excluded.append([dataset, meta["path"], "manifest", BRACES_REASON])
            continue
        if kind == "dcase2021":
            try:
                name = parse_dcase2021(rel)
            except FileNameError as exc:
                excluded.append([dataset, meta["path"], "manifest", f"odd file name: {exc}"])
                continue
            label = name.label
            if label == "unknown":
                label = truth.get((name.device, Path(rel).name), "unknown")
            meta.update(
                part=name.device, device=name.device, section=name.section, domain=name.domain,
                split=name.split, label=label, file_id=name.file_id,
                attributes=name.attributes, subfolder=str(Path(rel).parent.as_posix()),
            )
        else:
            subfolder = Path(rel).parent.as_posix()
            meta.update(
                part=folder_part(rel, int(entry.get("jobs", 1))), device="", section="",
                domain="", split="external", label="unknown", file_id=Path(rel).stem,
                attributes="", subfolder="" if subfolder == "." else subfolder,
            )
        facts, reason = _probe(path, min_duration)
        if reason:
            excluded.append([dataset, meta["path"], "manifest", reason])
            continue
        meta.update(facts)
        rows.append(meta)
    manifest = pd.DataFrame(rows, columns=COLUMNS)
    return manifest, pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS)
