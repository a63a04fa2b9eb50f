import librosa
import numpy as np
import pytest
from conftest import tone
from scipy.signal import butter, sosfilt, sosfreqz

from audio_umaps import representations
from audio_umaps.representations import tkeo

SR = 16000


def params(**overrides):
    return {**tkeo.DEFAULTS, **overrides}


@pytest.mark.parametrize("amp, omega, phi", [(1.0, 0.3, 0.0), (0.5, 1.2, 0.7), (2.0, 2.9, -1.1), (0.01, 0.02, 2.0)])
def test_operator_on_a_cosine_is_its_closed_form(amp, omega, phi):
    n = np.arange(400)
    x = amp * np.cos(omega * n + phi)
    psi = tkeo.teager_kaiser(x)
    np.testing.assert_allclose(psi[1:-1], amp**2 * np.sin(omega) ** 2, rtol=1e-9, atol=1e-15 * amp**2)
    # the ends see zeros outside the signal: x(n)^2
    np.testing.assert_allclose(psi[[0, -1]], x[[0, -1]] ** 2)


@pytest.mark.parametrize("band", [2, 20, 60])
def test_tone_in_one_band(band):
    p = params()
    edges = tkeo.band_edges(SR, p)
    freq = edges[band + 1]  # the middle edge of the band's support, an edge of both neighbours
    amp = 0.5
    feats, energy = tkeo.compute(tone(2.0, freq, amp=amp).astype(np.float32), SR, p)
    sos = tkeo.filters(SR, p)[band]
    gain = np.abs(sosfreqz(sos, worN=[freq], fs=SR)[1][0])
    omega = 2 * np.pi * freq / SR
    expected = 10 * np.log10((gain * amp) ** 2 * np.sin(omega) ** 2)
    inner = slice(4, -4)  # away from the filter's start and the signal's zero-padded ends
    np.testing.assert_allclose(feats[inner, band], expected, atol=1e-3)  # dB
    assert np.all(feats[inner].argmax(axis=1) == band)
    # the neighbours see the tone at their band edges, about 3 dB down
    assert np.all(feats[inner, band] - feats[inner][:, [band - 1, band + 1]].max(axis=1) > 2)
    # the energy is the sum of the bands' clipped means, so at least this band's mean
    means = tkeo.band_means(tone(2.0, freq, amp=amp).astype(np.float32), SR, p)
    np.testing.assert_allclose(energy, np.maximum(means, 0).sum(axis=1), rtol=1e-6)
    assert np.all(energy[inner] > 10 ** (expected / 10))


def naive(y, sr, n_bands, fmin, fmax, order, n_fft, hop):
    """Direct implementation: each band filtered, each frame's window averaged sample by sample;
    frames x bands means of the operator."""
    edges = librosa.mel_frequencies(n_bands + 2, fmin=fmin, fmax=fmax)
    n = len(y)
    n_frames = 1 + n // hop
    out = np.zeros((n_frames, n_bands))
    for b in range(n_bands):
        x = sosfilt(
            butter(order, [edges[b], edges[b + 2]], btype="bandpass", fs=sr, output="sos"), y.astype(np.float64)
        )

        def at(i, x=x):
            return x[i] if 0 <= i < n else 0.0

        for t in range(n_frames):
            total = 0.0
            for i in range(t * hop - n_fft // 2, t * hop + n_fft // 2):
                total += at(i) ** 2 - at(i - 1) * at(i + 1)
            out[t, b] = total / n_fft
    return out


@pytest.mark.parametrize("length, n_fft, hop", [(3000, 256, 128), (3071, 256, 128), (3000, 16, 8)])
def test_against_naive_loops(length, n_fft, hop):
    rng = np.random.default_rng(3)
    y = (tone(length / SR, 1500.0) + 0.3 * rng.standard_normal(length)).astype(np.float32)
    p = params(n_bands=12, fmin=80.0, fmax=7000.0, n_fft=n_fft, hop_length=hop, order=3)
    feats, energy = tkeo.compute(y, SR, p)
    means = naive(y, SR, 12, 80.0, 7000.0, 3, n_fft, hop)
    assert feats.dtype == np.float32 and energy.dtype == np.float32
    assert feats.shape == means.shape == (1 + length // hop, 12)
    np.testing.assert_allclose(feats, 10 * np.log10(np.maximum(means, 1e-10)), rtol=1e-4)
    np.testing.assert_allclose(energy, np.maximum(means, 0).sum(axis=1), rtol=1e-6)
    if n_fft == 16:  # 16-sample means of the operator can be negative: floored, left out of the energy
        assert (means < 0).any()
        np.testing.assert_array_equal(feats[means < 0], np.float32(-100))


def test_frames_match_log_mel():
    rng = np.random.default_rng(1)
    y = (tone(1.3, 800) + 0.1 * rng.standard_normal(int(1.3 * SR))).astype(np.float32)
    mel = representations.get("mel")
    mel_params = representations.params("mel")
    p = params()
    feats, energy = tkeo.compute(y, SR, p)
    mel_feats, _ = mel.compute(y, SR, mel_params)
    assert feats.shape == (len(mel_feats), 64) == (1 + len(y) // 512, tkeo.dims(p))
    assert energy.shape == (len(mel_feats),)
    np.testing.assert_array_equal(tkeo.frame_times(len(feats), SR, p), mel.frame_times(len(mel_feats), SR, mel_params))
    assert tkeo.frame_seconds(SR, p) == mel.frame_seconds(SR, mel_params)
    assert tkeo.PER_FILE_THREADS is True


def test_top_db_and_defaults():
    y = tone(1.0, 1000).astype(np.float32)
    feats = tkeo.compute(y, SR, params(top_db=30.0))[0]
    assert feats.min() >= feats.max() - 30.0 - 1e-4
    edges = tkeo.band_edges(SR, params())
    assert edges[0] == pytest.approx(50.0) and edges[-1] == pytest.approx(0.95 * SR / 2)


def test_edges_at_zero_and_nyquist():
    # fmin 0 makes the lowest band a low-pass, fmax at Nyquist the highest a high-pass
    p = params(n_bands=8, fmin=0.0, fmax=SR / 2)
    sos, edges = tkeo.filters(SR, p), tkeo.band_edges(SR, p)
    assert edges[0] == 0 and edges[-1] == SR / 2
    _, h = sosfreqz(sos[0], worN=[0.0, edges[2], 4 * edges[2]], fs=SR)
    np.testing.assert_allclose(np.abs(h[:2]), [1, np.sqrt(0.5)], rtol=1e-6)
    assert np.abs(h[2]) < 0.1
    _, h = sosfreqz(sos[-1], worN=[edges[-3] / 4, edges[-3], SR / 2], fs=SR)
    np.testing.assert_allclose(np.abs(h[1:]), [np.sqrt(0.5), 1], rtol=1e-6)
    assert np.abs(h[0]) < 0.1
    feats, _ = tkeo.compute(tone(0.5, 3000).astype(np.float32), SR, p)
    assert np.isfinite(feats).all()


def test_clear_errors():
    y = tone(0.5, 440).astype(np.float32)
    with pytest.raises(ValueError, match=r"representation_params\.tkeo\.fmax = 9000 Hz is above the Nyquist"):
        tkeo.compute(y, SR, params(fmax=9000.0))
    with pytest.raises(ValueError, match=r"representation_params\.tkeo\.fmin"):
        tkeo.compute(y, SR, params(fmin=-1.0))
    with pytest.raises(ValueError, match=r"representation_params\.tkeo\.fmin must be a number of Hz, got None"):
        tkeo.compute(y, SR, params(fmin=None))
    with pytest.raises(ValueError, match=r"representation_params\.tkeo\.fmax = 40 Hz must be above"):
        tkeo.compute(y, SR, params(fmax=40.0))
    with pytest.raises(ValueError, match=r"representation_params\.tkeo\.n_bands must be a positive integer"):
        tkeo.compute(y, SR, params(n_bands=0))
    with pytest.raises(ValueError, match="too short"):
        tkeo.compute(y[:0], SR, params())
