"""The audio a scope's explorer plays (rule ``explore_clips``): one clip per file a sampled window
of any map of the scope comes from, the span those windows need plus a margin, as the features
saw it, compressed.

A scope's clips folder (``results/clips/<scope>/``)::

    clips.tsv                              which clip holds which file from which second, or why not
    <dataset>/<subfolder>/<name>.ogg       Ogg Opus at explore.bitrate (FLAC at rates Opus does
                                           not take), the same bytes on every run

The pages job (:func:`audio_umaps.explore.site.write_scope_pages`) links these into the scope's
explorer folder, under ``audio/``, so that re-rendering pages never re-encodes audio.
"""

from __future__ import annotations

import io
import logging
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from .. import audio, tables
from ..progress import Progress
from . import ogg
from .folders import atomic_folder, link_or_copy

log = logging.getLogger(__name__)

# Sample rates Opus encodes; at any other rate clips are FLAC (lossless, larger).
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
# kbit/s of the Opus clips (config key explore.bitrate): at 16 kHz, libopus keeps the whole band
# (wideband, 0-8 kHz) from 9 kbit/s and drops to narrowband (0-4 kHz) at 8.5 (measured: docs/
# benchmarks.md "Explorer clips at scale"); 11 leaves a margin, about 1.4 kB per second of audio
BITRATE = 11.0
MIN_BITRATE, MAX_BITRATE = 6.0, 256.0  # what libsndfile's compression level reaches
CLIP_COLUMNS = tables.columns("clips")
CLIPS_TABLE = "clips.tsv"  # in a clips folder, and in a scope's explorer folder under AUDIO
AUDIO = "audio"  # the clips' folder within a scope's explorer folder


def clip_spans(maps, margin: float) -> pd.DataFrame:
    """The span of each file the windows of ``maps`` (``(spec, table)`` pairs) need: from the
    earliest window start less ``margin`` to the latest window end plus ``margin``, one row per
    ``dataset``, ``path`` (columns ``begin``, ``end``, ``subfolder``)."""
    parts = []
    for spec, table in maps:
        if table is None or table.empty:
            continue
        start, end = spec.spans(table)
        parts.append(
            pd.DataFrame(
                {
                    "dataset": table["dataset"].to_numpy(),
                    "path": table["path"].to_numpy(),
                    "subfolder": table["subfolder"].to_numpy(),
                    "begin": start - margin,
                    "end": end + margin,
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["dataset", "path", "subfolder", "begin", "end"])
    spans = (
        pd.concat(parts, ignore_index=True)
        .groupby(["dataset", "path"], sort=True, as_index=False)
        .agg(subfolder=("subfolder", "first"), begin=("begin", "min"), end=("end", "max"))
    )
    spans["begin"] = spans["begin"].clip(lower=0.0)
    return spans


def clip_name(dataset: str, subfolder: str, path: str, sample_rate: int) -> str:
    """Where a file's clip lies in a clips folder, e.g. ``demo/fan/source_test/x.wav.ogg``
    (and under ``audio/`` in an explorer folder)."""
    suffix = ".ogg" if sample_rate in OPUS_RATES else ".flac"
    folder = "/".join(p for p in str(subfolder).split("/") if p not in ("", ".", ".."))
    # the whole name (x.wav.ogg): x.wav and x.flac side by side get clips of their own
    return "/".join(p for p in (dataset, folder, Path(path).name + suffix) if p)


def check_bitrate(bitrate: float) -> None:
    """Raise ValueError naming ``explore.bitrate`` unless ``bitrate`` (kbit/s) is one libsndfile
    can ask of Opus."""
    if not MIN_BITRATE <= bitrate <= MAX_BITRATE:
        raise ValueError(f"explore.bitrate: {bitrate} kbit/s is outside {MIN_BITRATE:g}-{MAX_BITRATE:g} (Opus)")


def opus(piece: np.ndarray, sample_rate: int, bitrate: float, serial: int) -> bytes:
    """``piece`` (mono, within +-1) as Ogg Opus at ``bitrate`` kbit/s (libsndfile's target;
    Opus's variable rate lands near it), its stream serial set to ``serial`` so that the same
    audio always gives the same bytes (libsndfile draws a random serial: :mod:`.ogg`)."""
    import soundfile as sf

    check_bitrate(bitrate)
    # libsndfile (>= 1.1) maps its compression level q to int((1 - q) * 250000 + 6000) bit/s a
    # channel; the half bit keeps the truncation from landing one below the rate asked for
    level = 1.0 - (bitrate * 1000.0 - 6000.0 + 0.5) / 250000.0
    buffer = io.BytesIO()
    sf.write(buffer, piece, sample_rate, format="OGG", subtype="OPUS", compression_level=min(max(level, 0.0), 1.0))
    return ogg.with_serial(buffer.getvalue(), serial)


def write_clips(
    spans: pd.DataFrame,
    folder: str | Path,
    *,
    sample_rate: int = 16000,
    normalisation: str = "absmax",
    channels="mix",
    bitrate: float = BITRATE,
    threads: int = 1,
) -> pd.DataFrame:
    """Write the part of each file that ``spans`` asks for, as the features saw it (mono,
    ``sample_rate``, normalised: :func:`audio_umaps.audio.load`), compressed: Ogg Opus at
    ``bitrate`` kbit/s at the rates Opus encodes (:func:`opus`), else FLAC. A file that cannot
    be read gets a row whose ``problem`` says why (and is logged); the others are written. Returns
    the clips table (:data:`CLIP_COLUMNS`; ``clip``: the path in ``folder``; ``offset``: the
    second of the original file the clip starts at). Encoding dominates (Opus: about 0.3-0.5 s
    a 10 s clip on one core, measured); ``threads`` files are encoded at once (libsndfile runs
    without the GIL), and the files written are the same bytes whatever ``threads``. Progress
    (clips written of all, rate, time left) is logged every 30 s and at the end."""
    from concurrent.futures import ThreadPoolExecutor

    import soundfile as sf

    check_bitrate(bitrate)  # (before any file: a clip's own problem is reported, not raised)

    def one(row):
        clip = clip_name(row.dataset, row.subfolder, row.path, sample_rate)
        try:
            y = audio.load(row.path, sample_rate, normalisation, channels)
            first = int(np.floor(row.begin * sample_rate))
            last = min(len(y), int(np.ceil(row.end * sample_rate)))
            piece = y[first:last]
            if piece.size == 0:
                raise audio.AudioError(
                    f"shorter ({len(y) / sample_rate:.2f} s) than its windows' start "
                    f"({row.begin:.2f} s): changed since its features were made?"
                )
            # played as the features saw it, but within +-1 (std or no normalisation exceeds it)
            piece = piece / max(1.0, float(np.abs(piece).max()))
            target = Path(folder) / clip
            target.parent.mkdir(parents=True, exist_ok=True)
            if clip.endswith(".ogg"):
                target.write_bytes(opus(piece, sample_rate, bitrate, zlib.crc32(clip.encode())))
            else:
                sf.write(target, piece, sample_rate, format="FLAC", subtype="PCM_16")
        except Exception as exc:  # one file's problem never stops the others: it is reported
            reason = str(exc).replace("\n", " ")
            log.warning("no clip of %s (dataset %s): %s; its windows play nothing", row.path, row.dataset, reason)
            return (row.dataset, row.path, "", np.nan, np.nan, reason)
        return (row.dataset, row.path, clip, first / sample_rate, len(piece) / sample_rate, "")

    rows = []
    with ThreadPoolExecutor(max_workers=max(int(threads), 1)) as pool:
        progress = Progress(len(spans), "clips", label="clips", log=log)
        # the pool's clips come back in the order of spans, each once it is written: counted here
        for row in pool.map(one, spans.itertuples(index=False)):
            rows.append(row)
            progress.advance()
    return pd.DataFrame(rows, columns=CLIP_COLUMNS)


def write_scope_clips(
    folder: str | Path, maps, *, margin: float, audio_config: dict, bitrate: float = BITRATE, threads: int = 1
) -> pd.DataFrame:
    """A scope's clips folder (see the module docstring), written atomically: the clips every
    map of ``maps`` (:class:`~audio_umaps.explore.maps.Map`; skipped ones need none) needs with
    ``margin`` seconds either side, at ``bitrate`` kbit/s, and their table. ``audio_config``:
    the config's ``audio`` block. Returns the table."""
    spans = clip_spans([(m.spec, m.table) for m in maps if not m.skipped], margin)
    with atomic_folder(folder) as tmp:
        clips = write_clips(
            spans,
            tmp,
            sample_rate=int(audio_config.get("sample_rate", 16000)),
            normalisation=audio_config.get("normalisation", "absmax"),
            channels=audio_config.get("channels", "mix"),
            bitrate=bitrate,
            threads=threads,
        )
        tables.write("clips", clips, tmp / CLIPS_TABLE)
    return clips


def read_clips(folder: str | Path) -> pd.DataFrame:
    """The table of a clips folder (:func:`write_scope_clips`), as it was written; a missing
    table, a missing column or a clip path leaving the folder is named."""
    table = Path(folder) / CLIPS_TABLE
    if not table.is_file():
        raise FileNotFoundError(f"{table}: no clips table (the scope's explore_clips job writes it)")
    # (floats read back exactly as written: the pages' offsets are the clips')
    clips = tables.read("clips", table)
    for clip in clips.loc[clips["clip"] != "", "clip"]:
        parts = PurePosixPath(clip).parts
        if not parts or parts[0] == "/" or ".." in parts:
            raise ValueError(f"{table}: clip {clip!r} is not a path inside the clips folder")
    return clips[CLIP_COLUMNS]


def link_clips(clips: pd.DataFrame, source: str | Path, target: str | Path) -> pd.DataFrame:
    """Place the clips of ``source`` (a clips folder whose table is ``clips``) under
    ``target``/audio/ by hard link (a copy where that fails), write their table there, and
    return it with each clip's path as a page sees it (``audio/…``)."""
    source, target = Path(source), Path(target)
    linked = copied = 0
    for clip in clips.loc[clips["clip"] != "", "clip"]:
        if not (source / clip).is_file():
            raise FileNotFoundError(f"{source / clip}: listed in {source / CLIPS_TABLE} but missing")
        if link_or_copy(source / clip, target / AUDIO / clip):
            linked += 1
        else:
            copied += 1
    if copied:
        log.info("%d clips copied (no hard link possible), %d linked", copied, linked)
    pages = clips.assign(clip=[f"{AUDIO}/{c}" if c else "" for c in clips["clip"]])
    (target / AUDIO).mkdir(parents=True, exist_ok=True)
    tables.write("clips", pages, target / AUDIO / CLIPS_TABLE)
    return pages
