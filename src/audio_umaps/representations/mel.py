"""log-mel: the log-STFT's power spectrogram through a mel filter bank (128 bands), in dB."""

from __future__ import annotations

import numpy as np

from . import stft

DEFAULTS = {**stft.DEFAULTS, "n_mels": 128, "fmin": 0.0, "fmax": None}


def compute(y: np.ndarray, sample_rate: int, params: dict):
    """Frames x n_mels dB features and the per-frame energy of the power spectrogram."""
    import librosa

    power = stft.power_spectrogram(y, params)
    mel = librosa.feature.melspectrogram(
        S=power, sr=sample_rate, n_mels=params["n_mels"], fmin=params["fmin"], fmax=params["fmax"]
    )
    energy = power.sum(axis=0)
    return stft.to_db(mel, params).T.astype(np.float32), energy.astype(np.float32)


def dims(params: dict) -> int:
    """Features per frame: the number of mel bands."""
    return params["n_mels"]


frame_times = stft.frame_times
