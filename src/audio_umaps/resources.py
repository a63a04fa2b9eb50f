"""What each job asks a cluster for: memory (MB) and runtime (minutes), estimated from what the
job reads, and grown on each retry.

The rates come from runs on a 2-core machine (README, "Running on SLURM"); every estimate adds
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


class Estimate(NamedTuple):
    mem_mb: float
    runtime: float  # minutes


def on_attempt(value: float, attempt: int) -> int:
    """The request for ``attempt`` (1 for the first run): ``value`` times the attempt."""
    if attempt < 1:
        raise ValueError(f"attempt must be at least 1, not {attempt}")
    return int(math.ceil(value * attempt))


def features(longest_s: float, total_s: float) -> Estimate:
    """log-STFT / log-mel: one file's audio and spectrogram at a time (~40 MB per minute of the
    longest file) plus a frame buffer; runtime at 20x the measured rate."""
    return Estimate(800 + 40 * longest_s / 60, 5 + total_s * MEL_RATE * 20 / 60)


def l3(longest_s: float, total_s: float, chunk_frames: int) -> Estimate:
    """L3: torch and the model (0.86-0.87 GB measured), one piece of ``chunk_frames`` 1 s windows
    at 48 kHz (float64 and float32 copies) and the longest file at 48 kHz; runtime at 3x the
    measured CPU rate (an upper bound on a GPU)."""
    mem = 1200 + chunk_frames * 48000 * 12 / 1e6 + longest_s * 48000 * 8 / 1e6
    return Estimate(mem, 5 + total_s * L3_RATE * 3 / 60)


def sample(manifest_rows: int) -> Estimate:
    """Sampling: manifests and file offsets in memory; features are never read."""
    return Estimate(800 + 0.01 * manifest_rows, 5 + manifest_rows / 10000)


def umap(windows: int, stack: int, dims: int) -> Estimate:
    """UMAP: the gathered windows (float32) three times over (copies, graph) plus per-window
    bookkeeping (UMAPs of 9,600-26,000 windows took 33-44 s and at most 1.2 GB here)."""
    data_mb = windows * stack * dims * 4 / 1e6
    return Estimate(1500 + 3 * data_mb + windows * 0.02, 10 + windows * stack / 2000)


def plot(windows: int) -> Estimate:
    return Estimate(800 + 0.005 * windows, 5 + windows / 20000)
