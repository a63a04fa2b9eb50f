"""Audio loading: mono, resampled, mean-subtracted and normalised, as in the paper."""

from __future__ import annotations

import numpy as np
import soundfile as sf

NORMALISATIONS = ("absmax", "std", "none")


class AudioError(ValueError):
    """An audio file that cannot be used (unreadable, silent, too short after loading)."""


def normalise(y: np.ndarray, method: str = "absmax") -> np.ndarray:
    """Subtract the mean, then divide by the absolute maximum (``absmax``), the standard
    deviation (``std``) or nothing (``none``).

    Raises :class:`AudioError` for a signal that is constant (silent after mean removal),
    since it cannot be normalised and carries nothing to look at.
    """
    if method not in NORMALISATIONS:
        raise ValueError(f"audio.normalisation must be one of {NORMALISATIONS}, got {method!r}")
    y = np.asarray(y, dtype=np.float64)
    y = y - y.mean()
    scale = {"absmax": lambda: np.abs(y).max(), "std": lambda: y.std(), "none": lambda: 1.0}[method]()
    if not np.isfinite(y).all():
        raise AudioError("signal holds NaN or infinite samples")
    if np.abs(y).max() == 0 or scale == 0:
        raise AudioError("silent: every sample is equal (all zeros after mean removal)")
    return (y / scale).astype(np.float32)


def load(path: str, sample_rate: int = 16000, normalisation: str = "absmax", channels="mix") -> np.ndarray:
    """Read ``path`` as mono float32 at ``sample_rate``, normalised (see :func:`normalise`).

    ``channels`` (config key ``audio.channels``): ``mix`` averages every channel to mono; a
    number picks that channel (counted from 0). Other rates are resampled with soxr (librosa's
    default). Raises :class:`AudioError` naming the reason when the file cannot be used.
    """
    try:
        y, sr = sf.read(path, dtype="float32", always_2d=True)
    except Exception as exc:
        from .manifest import open_error  # (manifests tell the same files the same way)

        raise AudioError(open_error(path, exc)) from exc
    if y.shape[0] == 0:
        raise AudioError("empty: no samples")
    if channels == "mix":
        y = y.mean(axis=1)
    elif int(channels) < y.shape[1]:
        y = y[:, int(channels)]
    else:
        raise AudioError(f"has {y.shape[1]} channel(s); audio.channels asks for channel {channels}")
    if sr != sample_rate:
        import soxr  # librosa.resample's default (soxr_hq), without importing librosa

        n = int(np.ceil(len(y) * sample_rate / sr))  # librosa's length (fix=True)
        y = soxr.resample(y, sr, sample_rate, quality="soxr_hq")[:n]
        y = np.pad(y, (0, n - len(y)))
    return normalise(y, normalisation)
