"""What each job asks a cluster for: memory (MB) and runtime (minutes), estimated from what the
job reads, and grown on each retry.

The rates come from runs on a 2-core machine (docs/benchmarks.md); every estimate adds
a fixed base (Python, imports, the job's own snakemake) and a margin over the measured rate. A
job that still exceeds its request is killed by the cluster and, with the SLURM profile's
``retries``, resubmitted with the request times the attempt (x2, then x3). Local runs do not
retry: a job that fails there fails the same way again.
"""

from __future__ import annotations

import math
from typing import NamedTuple

RETRIES = 2  # resubmissions of a job the cluster killed (profiles/slurm/config.yaml: retries)
L3_RATE = 0.86  # measured: seconds of L3 work per second of audio on 2 CPU cores
MEL_RATE = 0.01  # measured: seconds of log-mel / log-STFT work per second of audio


UMAP_THREADS_FROM = 2000  # windows per group (test + train + external caps) from which a
# seeded UMAP job takes two threads (the demo's caps: 440; the paper's: 40,000)


class Estimate(NamedTuple):
    mem_mb: float
    runtime: float  # minutes


def on_attempt(value: float, attempt: int) -> int:
    """The request for ``attempt`` (1 for the first run): ``value`` times the attempt."""
    if attempt < 1:
        raise ValueError(f"attempt must be at least 1, not {attempt}")
    return int(math.ceil(value * attempt))


FILES_IN_FLIGHT = 4  # files a two-thread feature job holds decoded at once (features.py)


def features(longest_s: float, total_s: float) -> Estimate:
    """log-STFT and log-mel of one part in one job: up to FILES_IN_FLIGHT files' audio, framed
    signal and spectrogram at a time (~40 MB per minute of the longest file each) plus the
    stores' frame buffers; runtime at 20x the measured rate."""
    return Estimate(800 + FILES_IN_FLIGHT * 40 * longest_s / 60, 5 + total_s * MEL_RATE * 20 / 60)


def l3(longest_s: float, total_s: float, chunk_frames: int) -> Estimate:
    """L3: torch and the model (0.86-0.87 GB measured), one piece of ``chunk_frames`` 1 s windows
    at 48 kHz (float64 and float32 copies) and the longest file at 48 kHz; runtime at 3x the
    measured CPU rate (an upper bound on a GPU)."""
    mem = 1200 + chunk_frames * 48000 * 12 / 1e6 + longest_s * 48000 * 8 / 1e6
    return Estimate(mem, 5 + total_s * L3_RATE * 3 / 60)


def sample(manifest_rows: int) -> Estimate:
    """Sampling: manifests and file offsets in memory; features are never read."""
    return Estimate(800 + 0.01 * manifest_rows, 5 + manifest_rows / 10000)


# UMAP job, measured (benchmarks/umap_stage.py, docs/benchmarks.md "Speed"): a fresh process with
# umap-learn, faiss and scikit-learn imported holds about UMAP_BASE_MB; the neighbour search
# costs about KNN_S seconds per window pair per dimension (faiss, 2 threads), the seeded layout
# about LAYOUT_S seconds per window (200 epochs, one thread: 0.83-1.30 ms a window on the
# device maps of benchmarks/scale.py's DCASE-size run, 135-211 s for ~162,800 windows);
# umap-learn's graph and layout bookkeeping about UMAP_PER_WINDOW_MB per window.
UMAP_BASE_MB = 700
UMAP_PER_WINDOW_MB = 0.005
KNN_S = 1.2e-11
LAYOUT_S = 1.3e-3


def umap(windows: int, stack: int, dims: int, pca: int | None = None) -> Estimate:
    """UMAP of ``windows`` windows of ``stack`` frames of ``dims`` features, reduced to ``pca``
    components first when set. Memory: without PCA the gathered windows once (float32; faiss
    and umap-learn work on that array without copies) plus a gather chunk's copies; with PCA the
    seeded fitting subset, a few batches and the projected windows. Runtime: the exact
    neighbour search (quadratic in windows) and the layout (linear), with a 3x margin."""
    from .neighbours import PCA_BATCH, PCA_FIT_WINDOWS
    from .stacking import GATHER_CHUNK

    width = stack * dims
    if pca and pca < width:  # (windows of fewer dimensions are not reduced)
        working = (min(windows, PCA_FIT_WINDOWS) + 3 * PCA_BATCH) * width * 4 / 1e6 + windows * pca * 4 / 1e6
        searched = pca
    else:
        working = (windows + 3 * min(windows, GATHER_CHUNK)) * width * 4 / 1e6
        searched = width
    mem = UMAP_BASE_MB + 1.25 * working + windows * UMAP_PER_WINDOW_MB
    seconds = KNN_S * windows**2 * searched + LAYOUT_S * windows
    return Estimate(mem, 5 + 3 * seconds / 60)


def plot(windows: int) -> Estimate:
    return Estimate(800 + 0.005 * windows, 5 + windows / 20000)


def explore(windows: int) -> Estimate:
    """A scope's explorer pages: the largest of its maps (``windows``; its table, payload and
    base64 text held at once)."""
    return Estimate(EXPLORE_BASE_MB + EXPLORE_PER_WINDOW_MB * windows, 5)


# Explorer clips (benchmarks/explore_clips.py, docs/benchmarks.md "Explorer clips at scale"):
# libopus (through libsndfile, which releases the GIL) encodes a 10 s clip at 16 kHz in 0.39-0.59
# s of one core (measured on a shared 2-core machine; cutting and the Ogg serial add ~5 ms):
# EXPLORE_CLIP_S takes the slowest. A thread holds one file decoded at a time: float32 frames of
# every channel, its mono mix and resampled copy, measured at 3-3.5x the size of a 16-bit WAV or
# FLAC file (EXPLORE_FILE_FACTOR allows files compressed twice as well).
EXPLORE_BASE_MB = 600
EXPLORE_PER_WINDOW_MB = 0.004
EXPLORE_CLIP_S = 0.6
EXPLORE_FILE_FACTOR = 8
EXPLORE_CLIPS_S = 240  # seconds of encoding a clips job aims at: threads enough for it, up to
EXPLORE_MAX_THREADS = 16  # (a DCASE 2021 device at the paper's caps: ~6,200 files, 16 threads)


def explore_clips_threads(files: int) -> int:
    """Threads of a scope's clips job: enough to encode ``files`` clips (10 s each, as in DCASE)
    in about EXPLORE_CLIPS_S seconds, one to EXPLORE_MAX_THREADS (the demo's scopes: one)."""
    return max(1, min(EXPLORE_MAX_THREADS, math.ceil(files * EXPLORE_CLIP_S / EXPLORE_CLIPS_S)))


def explore_clips(windows: int, files: int, threads: int, largest_mb: float) -> Estimate:
    """A scope's clips job: its maps read as for the pages (the largest, ``windows``), and
    ``threads`` files in flight, each up to EXPLORE_FILE_FACTOR times the largest audio file
    (``largest_mb``) decoded; runtime: ``files`` clips of EXPLORE_CLIP_S on ``threads`` threads,
    with a 3x margin."""
    mem = EXPLORE_BASE_MB + EXPLORE_PER_WINDOW_MB * windows + threads * EXPLORE_FILE_FACTOR * largest_mb
    return Estimate(mem, 5 + 3 * EXPLORE_CLIP_S * files / max(threads, 1) / 60)


# Metrics job (benchmarks/metrics_knn.py, docs/benchmarks.md "Metrics"): the bank of one
# section and one chunk of test windows (float32) for the exact search; the SVM's subset, its
# standardised copy and liblinear's own copy (an index and a double per value: 16 bytes).
METRICS_BASE_MB = 950  # (800 left the DCASE-size run's log-STFT stack-1 job at 1,055 MB of 991 asked)
METRICS_THREADS_FROM = 500  # audio files of a device from which its metrics jobs take 2 threads
SVM_S = 5.5e-7  # seconds per window per dimension of one SVM fit (liblinear, hinge, C 0.01):
# measured on a hard, made-up split of 5,000 log-STFT stack-10 windows (6 fits, 69 s); the
# demo's easy ones took 4e-8


def metrics(
    test_files: int,
    train_files: int,
    longest_s: float,
    stack: int,
    dims: int,
    frame_rate: float,
    settings: dict,
    groups: int = 1,
) -> Estimate:
    """SEP and DSUP of one device: ``test_files`` and ``train_files`` of at most ``longest_s``
    seconds, ``frame_rate`` frames a second, windows of ``stack`` frames of ``dims`` features,
    ``groups`` section x domain groups; ``settings`` is the config's ``metrics`` block. Memory:
    one section's bank and two chunks of test windows (float32, with a margin), and the SVM's
    subset with its standardised and liblinear copies (24 bytes a value, measured). Runtime:
    the exact search of every test window against its section's bank, and the SVM fits (folds
    plus one) of each group and of the whole device, each on at most ``svm.windows`` windows,
    with a 3x margin."""
    from .metrics import CHUNK

    svm_settings = settings.get("svm") or {}
    width = stack * dims
    per_file = max(int(longest_s * frame_rate) - stack + 1, 1)
    tested = per_file if not settings.get("windows_per_file") else min(per_file, settings["windows_per_file"])
    test_windows = test_files * tested
    bank = min(int(settings.get("train_windows", 10000)), train_files * per_file)
    most = int(svm_settings.get("windows", 5000))
    svm = min(most, test_windows)
    fitted = svm + groups * min(most, -(-test_windows // max(groups, 1)))
    # (two SVM fits at once: a job of 2 threads fits a group's folds in 2 processes)
    mem = METRICS_BASE_MB + 1.25 * (bank + 2 * min(CHUNK, test_windows)) * width * 4 / 1e6 + 2 * svm * width * 24 / 1e6
    folds = int(svm_settings.get("folds", 5))
    seconds = KNN_S * test_windows * bank * width + SVM_S * fitted * width * (folds + 1)
    return Estimate(mem, 5 + 3 * seconds / 60)
