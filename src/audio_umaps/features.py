"""Feature stores: one zarr store per dataset x representation x part (a device, or a slice of
an external dataset), written atomically.

Layout of a store::

    features   float32 (frames x dims), chunked along frames
    energy     float32 (frames,)  sum of spectral power per frame (absent without energy)
    offsets    int64   (files + 1,) rows of file i are offsets[i]:offsets[i+1]
    attrs      representation, params, sample_rate, frame_hop_seconds, files (manifest paths), ...
               and, for a representation with pretrained weights, which weights made it
               (weights, weights_sha256, random_weights)

Frame ``j`` of a file is centred at ``j * frame_hop_seconds + frame_offset_seconds``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import shutil
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zarr
from threadpoolctl import threadpool_limits

from . import audio, representations
from .progress import Progress

CHUNK_FRAMES = 1024
# Chunks are stored uncompressed: zstd saved 11 % of a log-STFT store and 12 % of a log-mel one
# (a DCASE-sized machine, 2.7 GB -> 2.4 GB) and took a third of the feature job's time; reading
# them back (sampling, UMAP, metrics) is faster uncompressed too.
COMPRESSORS = None
log = logging.getLogger(__name__)


@dataclass
class ExtractResult:
    files: list[str] = field(default_factory=list)
    frames: int = 0
    excluded: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    def excluded_table(self, dataset: str):
        """The files left out, as an ``excluded`` table (:mod:`audio_umaps.tables`) of stage
        ``features``."""
        import pandas as pd

        from .tables import LEFT_OUT, columns

        return pd.DataFrame(
            [(dataset, path, "features", reason, LEFT_OUT) for path, reason in self.excluded],
            columns=columns("excluded"),
        )


class _StoreWriter:
    """Appends one representation's frames to a store under ``<out>.partial``; :meth:`close`
    writes offsets and attributes and renames it to ``out``."""

    def __init__(self, representation: str, params: dict, out):
        self.representation, self.params, self.out = representation, params, Path(out)
        self.module = representations.module_of(params)
        self.tmp = self.out.with_name(self.out.name + ".partial")
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.group = zarr.open_group(str(self.tmp), mode="w")
        self.arr = self.energy_arr = None
        self.buffer, self.energy_buffer, self.buffered = [], [], 0
        self.offsets = [0]

    def add(self, feats: np.ndarray, energy: np.ndarray | None) -> None:
        if self.arr is None:
            self.arr = self.group.create_array(
                "features",
                shape=(0, feats.shape[1]),
                chunks=(CHUNK_FRAMES, feats.shape[1]),
                dtype="float32",
                compressors=COMPRESSORS,
            )
            if energy is not None:
                self.energy_arr = self.group.create_array(
                    "energy", shape=(0,), chunks=(CHUNK_FRAMES * 16,), dtype="float32", compressors=COMPRESSORS
                )
        self.buffer.append(feats)
        if self.energy_arr is not None:
            self.energy_buffer.append(energy)
        self.buffered += len(feats)
        self.offsets.append(self.offsets[-1] + len(feats))
        if self.buffered >= CHUNK_FRAMES * 4:
            self.flush()

    def flush(self) -> None:
        if self.buffered:
            self.arr.append(np.concatenate(self.buffer), axis=0)
            if self.energy_arr is not None:
                self.energy_arr.append(np.concatenate(self.energy_buffer), axis=0)
        self.buffer, self.energy_buffer, self.buffered = [], [], 0

    def close(self, files: list[str], sample_rate: int, normalisation: str, channels, attrs: dict | None) -> None:
        if self.arr is None:  # nothing usable: an empty store, still well-formed
            self.arr = self.group.create_array("features", shape=(0, 0), chunks=(CHUNK_FRAMES, 1), dtype="float32")
        self.flush()
        self.group.create_array("offsets", data=np.asarray(self.offsets, dtype=np.int64), chunks=(len(self.offsets),))
        module, params = self.module, self.params
        frame_times = module.frame_times(2, sample_rate, params)
        self.group.attrs.update(
            {
                "representation": self.representation,
                "kind": params["kind"],
                "clip_level": representations.clip_level(params),
                "params": params,
                "sample_rate": sample_rate,
                "normalisation": normalisation,
                "channels": channels,
                "frame_hop_seconds": float(frame_times[1] - frame_times[0]),
                "frame_offset_seconds": float(frame_times[0]),
                "has_energy": self.energy_arr is not None,
                "files": files,
                **(module.provenance(params) if hasattr(module, "provenance") else {}),
                **(attrs or {}),
            }
        )
        shutil.rmtree(self.out, ignore_errors=True)
        os.replace(self.tmp, self.out)


def _compute_all(y: np.ndarray, sample_rate: int, specs: dict) -> dict:
    """Every representation of one signal; spectral ones that share STFT parameters share one
    power spectrogram."""
    from .representations import stft

    powers = {}
    out = {}
    for name, params in specs.items():
        module = representations.module_of(params)
        if hasattr(module, "from_power"):
            key = module.stft_key(params)
            if key not in powers:
                powers[key] = stft.power_spectrogram(y, params)
            out[name] = module.from_power(powers[key], sample_rate, params)
        else:
            out[name] = module.compute(y, sample_rate, params)
    return out


def _in_order(pool, work, paths, *, in_flight: int):
    """``(path, work(path))`` for every path, in order. With ``in_flight`` > 0 that many files
    are computed on ``pool`` ahead of the one handed back (a bounded window, so memory does not
    grow with the file count), so that the caller's writes overlap the next files' work (a
    batch-by-batch loop left the threads idle while the main thread wrote); with 0, serially."""
    if not in_flight:
        yield from ((path, work(path)) for path in paths)
        return
    pending = deque()
    upcoming = iter(paths)
    for path in itertools.islice(upcoming, in_flight):
        pending.append((path, pool.submit(work, path)))
    while pending:
        path, future = pending.popleft()
        following = next(upcoming, None)
        if following is not None:
            pending.append((following, pool.submit(work, following)))
        yield path, future.result()


def extract_many(
    paths: list[str],
    outputs: dict[str, tuple[dict, str | Path]],
    *,
    sample_rate: int = 16000,
    normalisation: str = "absmax",
    channels="mix",
    attrs: dict | None = None,
    threads: int = 1,
) -> ExtractResult:
    """Compute several representations of every file in ``paths``, decoding each file once.

    ``outputs`` maps a representation to ``(params, store path)``. Spectral representations
    with equal STFT parameters (log-STFT and log-mel by default) share one STFT per file. With
    ``threads`` > 1 and only representations that may run one file per thread (spectral ones,
    TKEO), files are decoded and transformed on that many threads (soundfile, scipy's FFT and
    filters and BLAS release the GIL); a representation with its own threading (L3's torch, an
    ONNX model) gets the threads instead, and one with ``compute_batch`` gets its
    ``batch_size`` files at a time.

    Each store is written under ``<out>.partial`` and renamed when complete, so an interrupted
    job never leaves a store that looks done. Files that cannot be used (unreadable, silent,
    or whose frames hold NaN or infinite values) are logged, left out of every store and
    returned in ``excluded``; the others keep their order. Progress (files done of all, rate, time left) is logged every 30 s and at the end
    (:class:`audio_umaps.progress.Progress`).
    """
    specs = {name: params for name, (params, _) in outputs.items()}
    modules = {name: representations.module_of(params) for name, params in specs.items()}
    per_file = all(hasattr(m, "from_power") or getattr(m, "PER_FILE_THREADS", False) for m in modules.values())
    # a kind that runs several files at once (an ONNX model) gets them in batches of its size
    batch = max(
        (int(specs[n].get("batch_size") or 1) for n, m in modules.items() if hasattr(m, "compute_batch")), default=1
    )
    for module in modules.values():
        if hasattr(module, "set_threads"):
            module.set_threads(threads)
    writers = {name: _StoreWriter(name, params, out) for name, (params, out) in outputs.items()}
    result = ExtractResult()

    def work(chunk):
        loaded = []
        for path in chunk:
            try:
                loaded.append(audio.load(path, sample_rate, normalisation, channels))
            except audio.AudioError as exc:
                loaded.append(exc)
        signals = [y for y in loaded if not isinstance(y, Exception)]
        try:
            computed = iter(_compute_many(signals, sample_rate, specs, modules) if signals else [])
        except ValueError:
            if batch == 1:  # (a file alone: the error is not a file's, it is raised)
                raise
            # a model that fails on one file of a batch (e.g. shorter than its receptive field):
            # the files one by one, each one's error its own reason to be left out
            computed = iter([_one(y) for y in signals])
        return [y if isinstance(y, Exception) else _finite(next(computed)) for y in loaded]

    def _one(y):
        try:
            return _compute_many([y], sample_rate, specs, modules)[0]
        except ValueError as exc:
            return exc

    chunks = [paths[i : i + batch] for i in range(0, len(paths), batch)]
    workers = max(1, int(threads)) if per_file else 1
    # spectral work runs one file per thread, each file's small matrix products (the mel bank)
    # on one BLAS thread: BLAS's own threads on top oversubscribed the cores (0.42 ms a mel
    # product on one thread against 0.65 ms on two, measured on a 10 s clip)
    # (and beside an ONNX model's own threads, its log-mel input's on one: 1.9 ms a clip against
    # 8.5 ms with BLAS's threads on top, measured)
    blas = threadpool_limits(1, user_api="blas") if per_file or batch > 1 else contextlib.nullcontext()
    with blas, ThreadPoolExecutor(workers) as pool:
        progress = Progress(len(paths), "files", label=f"features ({', '.join(outputs)})", log=log)
        for chunk, results in _in_order(pool, work, chunks, in_flight=2 * workers if workers > 1 else 0):
            for path, computed in zip(chunk, results, strict=True):
                progress.advance()
                if isinstance(computed, Exception):
                    log.warning("left out %s: %s", path, computed)
                    result.excluded.append((path, str(computed)))
                    continue
                for name, (feats, energy) in computed.items():
                    writers[name].add(feats, energy)
                result.files.append(path)
    for writer in writers.values():
        writer.close(result.files, sample_rate, normalisation, channels, attrs)
    result.frames = next(iter(writers.values())).offsets[-1] if writers else 0
    return result


def _compute_many(signals: list, sample_rate: int, specs: dict, modules: dict) -> list[dict]:
    """Every representation of each of ``signals``: a kind with ``compute_batch`` gets them all
    in one call, the others one signal at a time (:func:`_compute_all`)."""
    batched = {n: p for n, p in specs.items() if hasattr(modules[n], "compute_batch")}
    single = {n: p for n, p in specs.items() if n not in batched}
    out = [_compute_all(y, sample_rate, single) for y in signals]
    for name, params in batched.items():
        for row, value in zip(out, modules[name].compute_batch(signals, sample_rate, params), strict=True):
            row[name] = value
    return [{n: row[n] for n in specs} for row in out]


def _finite(computed):
    """``computed``, or a ValueError naming the representation whose frames hold NaN or
    infinite values (the file is then left out of every store of the job); an error stays."""
    if isinstance(computed, Exception):
        return computed
    for name, (feats, _) in computed.items():
        if not np.isfinite(feats).all():
            bad = int((~np.isfinite(feats)).any(axis=1).sum())
            return ValueError(f"{name} gave NaN or infinite values in {bad} of {len(feats)} frames")
    return computed


def import_embeddings(
    rows,
    representation: str,
    params: dict,
    out: str | Path,
    *,
    sample_rate: int = 16000,
    normalisation: str = "absmax",
    channels="mix",
    attrs: dict | None = None,
) -> ExtractResult:
    """Write the precomputed embeddings of the files of ``rows`` (manifest rows: ``dataset``,
    ``path``, ``relpath``, ``duration``) into the zarr store ``out``, as :func:`extract_many`
    writes computed features (kind ``embeddings``, :mod:`.representations.embeddings`). A file
    whose embedding is missing, unreadable, of other dims, not finite or of a frame count that
    does not fit its duration is logged and returned in ``excluded``; the others keep their
    order. The dims are the representation's ``dims``, else the first usable file's."""
    from .representations import embeddings

    writer = _StoreWriter(representation, params, out)
    result = ExtractResult()
    dims = params.get("dims")
    progress = Progress(len(rows), "files", label=f"embeddings ({representation})", log=log)
    for row in rows.itertuples(index=False):
        progress.advance()
        found = embeddings.locate(params["root"], row.dataset, row.relpath)
        try:
            if found is None:
                raise embeddings.EmbeddingError(
                    f"no embedding of {representation}: looked for "
                    f"{Path(params['root']) / row.dataset / row.relpath}(.npy|.npz) and the name "
                    "without the audio suffix"
                )
            feats = embeddings.read(found, params, float(row.duration), dims)
        except embeddings.EmbeddingError as exc:
            reason = str(exc) if found is None else f"{found}: {exc}"
            log.warning("left out %s: %s", row.path, reason)
            result.excluded.append((row.path, reason))
            continue
        dims = feats.shape[1]
        writer.add(feats, None)
        result.files.append(row.path)
    writer.close(result.files, sample_rate, normalisation, channels, attrs)
    result.frames = writer.offsets[-1]
    return result


def extract(paths: list[str], representation: str, params: dict, out: str | Path, **options) -> ExtractResult:
    """Compute ``representation`` for every file in ``paths`` into the zarr store ``out``: one
    representation of :func:`extract_many`, which takes the same keyword ``options``."""
    return extract_many(paths, {representation: (params, out)}, **options)
