import librosa
import numpy as np
import pytest
from conftest import tone

from audio_umaps import representations


@pytest.fixture
def signal():
    rng = np.random.default_rng(1)
    return (tone(1.3, 800) + 0.1 * rng.standard_normal(int(1.3 * 16000))).astype(np.float32)


def test_stft_against_direct_librosa(signal):
    params = representations.params("stft")
    feats, energy = representations.get("stft").compute(signal, 16000, params)
    power = np.abs(librosa.stft(signal, n_fft=1024, hop_length=512, center=True, pad_mode="constant")) ** 2
    expected = 10 * np.log10(np.maximum(power, 1e-10)).T
    assert feats.shape == (1 + len(signal) // 512, 513) and representations.get("stft").dims(params) == 513
    np.testing.assert_allclose(feats, expected, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(energy, power.sum(axis=0), rtol=1e-5)


def test_mel_against_direct_librosa(signal):
    params = representations.params("mel")
    feats, energy = representations.get("mel").compute(signal, 16000, params)
    mel = librosa.feature.melspectrogram(
        y=signal, sr=16000, n_fft=1024, hop_length=512, n_mels=128, power=2.0, center=True, pad_mode="constant"
    )
    assert feats.shape == (1 + len(signal) // 512, 128) and representations.get("mel").dims(params) == 128
    np.testing.assert_allclose(feats, librosa.power_to_db(mel, top_db=None).T, rtol=1e-5, atol=1e-3)
    stft_energy = representations.get("stft").compute(signal, 16000, representations.params("stft"))[1]
    np.testing.assert_allclose(energy, stft_energy)


def test_tone_peaks_in_its_bin(signal):
    feats, _ = representations.get("stft").compute(signal, 16000, representations.params("stft"))
    assert np.bincount(feats.argmax(axis=1)).argmax() == round(800 * 1024 / 16000)


def test_overrides_and_unknown_name():
    assert representations.params("mel", {"n_mels": 64})["n_mels"] == 64
    assert representations.params("mel")["n_mels"] == 128
    with pytest.raises(ValueError, match="unknown representation"):
        representations.get("cqt")


def test_frame_times():
    times = representations.get("stft").frame_times(3, 16000, representations.params("stft"))
    np.testing.assert_allclose(times, [0, 0.032, 0.064])
