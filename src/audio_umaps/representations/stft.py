"""log-STFT: power spectrogram |STFT|^2 in dB (n_fft 1024 -> 513 bins, hop 512, zero padding)."""

from __future__ import annotations

import numpy as np

DEFAULTS = {
    "n_fft": 1024,
    "hop_length": 512,
    "window": "hann",
    "amin": 1e-10,  # power floor before the logarithm
    "top_db": None,  # None keeps the full dynamic range
}


def power_spectrogram(y: np.ndarray, params: dict) -> np.ndarray:
    """|STFT|^2, bins x frames; frames are centred, the edges padded with zeros."""
    import librosa

    spec = librosa.stft(
        y,
        n_fft=params["n_fft"],
        hop_length=params["hop_length"],
        window=params["window"],
        center=True,
        pad_mode="constant",
    )
    return np.abs(spec) ** 2


def to_db(power: np.ndarray, params: dict) -> np.ndarray:
    import librosa

    return librosa.power_to_db(power, ref=1.0, amin=params["amin"], top_db=params["top_db"])


def compute(y: np.ndarray, sample_rate: int, params: dict):
    """Frames x 513 dB features and the per-frame energy (sum of power over bins)."""
    power = power_spectrogram(y, params)
    energy = power.sum(axis=0)
    return to_db(power, params).T.astype(np.float32), energy.astype(np.float32)


def dims(params: dict) -> int:
    """Features per frame: n_fft / 2 + 1 frequency bins."""
    return params["n_fft"] // 2 + 1


def frame_times(n_frames: int, sample_rate: int, params: dict) -> np.ndarray:
    """Centre time (s) of each frame: frame t is centred on sample t * hop."""
    return np.arange(n_frames) * params["hop_length"] / sample_rate
