import numpy as np
import pytest
import soundfile as sf

from audio_umaps import audio
from conftest import tone, write_wav


def test_absmax_removes_mean_and_scales_to_one():
    y = audio.normalise(np.array([1.0, 3.0, 5.0, 3.0]), "absmax")
    assert y.mean() == pytest.approx(0)
    assert np.abs(y).max() == pytest.approx(1)
    np.testing.assert_allclose(y, [-1, 0, 1, 0])


def test_std_and_none():
    x = np.array([2.0, 4.0, 6.0, 8.0])
    assert audio.normalise(x, "std").std() == pytest.approx(1)
    np.testing.assert_allclose(audio.normalise(x, "none"), x - 5)


def test_silent_and_constant_signals_are_rejected():
    for y in (np.zeros(100), np.full(100, 0.3)):
        with pytest.raises(audio.AudioError, match="silent"):
            audio.normalise(y)


def test_unknown_normalisation():
    with pytest.raises(ValueError, match="normalisation"):
        audio.normalise(np.ones(3), "peak")


def test_load_downmixes_and_resamples(tmp_path):
    left = tone(1.0, 1000, sr=44100)
    path = tmp_path / "s.wav"
    sf.write(str(path), np.stack([left, 0.5 * left], axis=1), 44100)
    y = audio.load(str(path), 16000)
    assert y.dtype == np.float32 and len(y) == 16000
    assert np.abs(y).max() == pytest.approx(1, abs=1e-6)
    spectrum = np.abs(np.fft.rfft(y))
    assert np.argmax(spectrum) == pytest.approx(1000, abs=2)  # 1 Hz per bin for 1 s


def test_load_reports_unreadable_and_silent(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(audio.AudioError, match="unreadable"):
        audio.load(str(bad))
    with pytest.raises(audio.AudioError, match="silent"):
        audio.load(str(write_wav(tmp_path / "zero.wav", np.zeros(1600))))
