"""log-mel: the log-STFT's power spectrogram through a mel filter bank (128 bands), in dB.

The filter bank is librosa's (``librosa.filters.mel``, Slaney scale and normalisation), built
once per process; applying it is one matrix product over the shared power spectrogram
(:func:`audio_umaps.representations.stft.power_spectrogram`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import stft

DEFAULTS = {**stft.DEFAULTS, "n_mels": 128, "fmin": 0.0, "fmax": None}

stft_key = stft.stft_key


@lru_cache(maxsize=8)
def filter_bank(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax) -> np.ndarray:
    """librosa's mel filter bank, transposed: bins x n_mels, float32."""
    import librosa

    bank = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    return np.ascontiguousarray(bank.T, dtype=np.float32)


def from_power(power: np.ndarray, sample_rate: int, params: dict):
    """Frames x n_mels dB features and the per-frame energy of the power spectrogram."""
    bank = filter_bank(sample_rate, int(params["n_fft"]), int(params["n_mels"]), float(params["fmin"]), params["fmax"])
    return stft.to_db(power @ bank, params), power.sum(axis=1, dtype=np.float32)


def compute(y: np.ndarray, sample_rate: int, params: dict):
    """Frames x n_mels dB features and the per-frame energy of the power spectrogram."""
    return from_power(stft.power_spectrogram(y, params), sample_rate, params)


def dims(params: dict) -> int:
    """Features per frame: the number of mel bands."""
    return params["n_mels"]


frame_times = stft.frame_times
frame_seconds = stft.frame_seconds
