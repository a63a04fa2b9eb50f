"""Teager-Kaiser energy: the Teager-Kaiser energy operator on mel-spaced band-pass signals, in dB.

The paper (Fernandez & Plumbley, DCASE 2021) suggests the Teager-Kaiser energy operator
(TKEO) as a representation to try. For a signal ``x`` it is

    psi[x](n) = x(n)^2 - x(n - 1) x(n + 1),

which for ``A cos(Omega n + phi)`` is ``A^2 sin^2(Omega)`` at every sample: amplitude and
frequency together, weighted towards ``sample_rate / 4`` and falling to 0 at DC and Nyquist.

Here the signal is split into ``n_bands`` band-pass signals on the mel scale: the band edges
are ``librosa.mel_frequencies(n_bands + 2, fmin, fmax)`` and band ``b`` runs from edge ``b`` to
edge ``b + 2``, the support of a mel filter. Each band is a Butterworth band-pass of ``order``
(``scipy.signal.butter(order, ..., btype="bandpass", output="sos")``, so order 2 is a 4th-order
band-pass), run causally with ``scipy.signal.sosfilt`` from rest, in float64. ``fmin`` may be 0
and ``fmax`` the Nyquist frequency: a band whose lower edge is 0 is a low-pass, one whose upper
edge is Nyquist a high-pass (of ``order``; edges within a millionth of Nyquist of those count
as them). The filters are designed once per sample rate and parameters.

Edges: the operator is applied to the band signal with zeros outside ``[0, N)``, so
``psi(0) = x(0)^2``, ``psi(N - 1) = x(N - 1)^2`` (the energy of an end sample; the operator's
three-sample estimate needs both neighbours) and ``psi`` is 0 outside ``[0, N)``.

Frames are the log-STFT's and log-mel's: ``1 + len(y) // hop_length`` frames (for an even
``n_fft``), frame ``t`` centred on sample ``t * hop_length``, averaging ``psi`` over the
``n_fft`` samples ``[t * hop_length - n_fft // 2, t * hop_length - n_fft // 2 + n_fft)`` of the
zero-padded signal (a rectangular window). Window sums are differences of cumulative sums over
the segments between window ends (``np.add.reduceat``), so a band costs O(N) whatever
``n_fft``. The features are ``10 log10(max(mean psi, amin))`` per band, clipped ``top_db``
below the clip's peak when that is set (:func:`audio_umaps.representations.stft.to_db`); the
mean can be negative (the operator is not a power), and then the feature is the floor. The energy of a frame is the sum over bands of its
mean ``psi`` clipped at 0: the plots rank frames by energy (the "approximate origin" cross).

``PER_FILE_THREADS = True``: files can be computed one per thread in a thread pool. ``compute``
keeps no state between calls but the filter cache (never written after it is built), and its
time goes to ``sosfilt`` and numpy's elementwise operations, which release the GIL (a Python
thread kept running while ``sosfilt`` filtered; 8 clips took 0.38-0.47 s on 2 threads against
0.67-0.80 s on one in most runs on a shared 2-core machine). It uses no BLAS.

Cost: about 0.09 s per 10 s clip at 16 kHz with the defaults (see ``n_bands``), 80 % of it
``sosfilt``: about 30 times log-mel's ``compute`` (3.3 ms, measured the same way).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import stft

# soxr_hq, which audio.load resamples with, passes up to about 0.95 of the Nyquist frequency
# (-3 dB at 7.6 kHz for 48 -> 16 kHz white noise, measured), and a band-pass needs an upper edge
# below Nyquist: fmax None is this fraction of sample_rate / 2.
FMAX_FRACTION = 0.95

PER_FILE_THREADS = True

DEFAULTS = {
    "n_fft": 1024,  # samples each frame averages over (log-mel's window)
    "hop_length": 512,  # log-mel's frame hop
    # bands 50 Hz - 7.6 kHz at 16 kHz, about 90 Hz wide at the bottom, 670 Hz at the top; the
    # cost is linear in n_bands: 0.087-0.097 s per 10 s clip at 16 kHz with 64, 0.17-0.20 s with
    # 128, 0.044-0.046 s with 32 (time.perf_counter, best of 5, over runs on one core of a
    # shared 2-core machine): 128 bands (log-mel's count) would double it
    "n_bands": 64,
    "fmin": 50.0,  # Hz; lower edge of the lowest band (0 makes that band a low-pass)
    "fmax": None,  # Hz; upper edge of the highest band; None: FMAX_FRACTION * sample_rate / 2
    "order": 2,  # Butterworth order; a band-pass of order 2 is 4th order
    "amin": 1e-10,  # floor of the mean operator before the logarithm
    "top_db": None,  # None keeps the full dynamic range
}


def _key(name: str) -> str:
    return f"representation_params.tkeo.{name}"


def _check(sample_rate: int, params: dict) -> tuple:
    """The filter bank's arguments ``(sample_rate, n_bands, fmin, fmax, order)``, checked."""
    nyquist = sample_rate / 2
    n_bands, order, n_fft, hop = (params[k] for k in ("n_bands", "order", "n_fft", "hop_length"))
    for name, value in (("n_bands", n_bands), ("order", order), ("n_fft", n_fft), ("hop_length", hop)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{_key(name)} must be a positive integer, got {value!r}")
    for name, allowed in (("fmin", "a number of Hz"), ("fmax", "a number of Hz or None")):
        value = params[name]
        number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
        if not (number or (value is None and name == "fmax")):
            raise ValueError(f"{_key(name)} must be {allowed}, got {value!r}")
    fmin = float(params["fmin"])
    fmax = FMAX_FRACTION * nyquist if params["fmax"] is None else float(params["fmax"])
    if not 0 <= fmin < nyquist:
        raise ValueError(f"{_key('fmin')} must be in [0, {nyquist:g}) Hz (sample rate {sample_rate}), got {fmin:g}")
    if fmax > nyquist:
        raise ValueError(
            f"{_key('fmax')} = {fmax:g} Hz is above the Nyquist frequency {nyquist:g} Hz "
            f"(sample rate {sample_rate}); use at most {nyquist:g} or None"
        )
    if fmax <= fmin:
        raise ValueError(f"{_key('fmax')} = {fmax:g} Hz must be above {_key('fmin')} = {fmin:g} Hz")
    return int(sample_rate), int(n_bands), fmin, fmax, int(order)


def check(params: dict, name: str = "tkeo", sample_rate: int = 16000) -> None:
    """Raise ValueError naming the config key (``representation_params.<name>.<key>``) when the
    parameters cannot make a filter bank at ``sample_rate`` (the workflow checks this when it
    is parsed, before any job)."""
    try:
        _check(sample_rate, params)
    except ValueError as exc:
        raise ValueError(
            "config key " + str(exc).replace("representation_params.tkeo.", f"representation_params.{name}.", 1)
        ) from None


def _edges(n_bands: int, fmin: float, fmax: float) -> np.ndarray:
    import librosa

    edges = librosa.mel_frequencies(n_bands + 2, fmin=fmin, fmax=fmax)
    edges[[0, -1]] = fmin, fmax  # exactly (the mel round trip gives 7999.999999999998 for 8000)
    return edges


def band_edges(sample_rate: int, params: dict) -> np.ndarray:
    """Band edges (Hz), ``n_bands + 2`` of them: band ``b`` runs from edge ``b`` to ``b + 2``."""
    _, n_bands, fmin, fmax, _ = _check(sample_rate, params)
    return _edges(n_bands, fmin, fmax)


@lru_cache(maxsize=8)
def _filters(sample_rate: int, n_bands: int, fmin: float, fmax: float, order: int) -> tuple:
    from scipy.signal import butter

    edges = _edges(n_bands, fmin, fmax)
    nyquist = sample_rate / 2
    filters = []
    for lo, hi in zip(edges[:-2], edges[2:]):
        lo, hi = (0.0 if lo <= 1e-6 * nyquist else lo), (nyquist if hi >= (1 - 1e-6) * nyquist else hi)
        if lo <= 0 and hi >= nyquist:
            sos = np.array([[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]])  # the whole band: pass through
        elif lo <= 0:
            sos = butter(order, hi, btype="lowpass", fs=sample_rate, output="sos")
        elif hi >= nyquist:
            sos = butter(order, lo, btype="highpass", fs=sample_rate, output="sos")
        else:
            sos = butter(order, [lo, hi], btype="bandpass", fs=sample_rate, output="sos")
        filters.append(sos)
    return tuple(filters)


def filters(sample_rate: int, params: dict) -> tuple:
    """The bands' filters, second-order sections (``scipy.signal.sosfilt``'s ``sos``), one array
    per band, built once per sample rate and parameters."""
    return _filters(*_check(sample_rate, params))


def teager_kaiser(x: np.ndarray) -> np.ndarray:
    """``psi[x](n) = x(n)^2 - x(n - 1) x(n + 1)`` for ``n`` in ``[0, len(x))``, ``x`` taken as 0
    outside: the end samples get ``x(n)^2``. float64."""
    x = np.array(x, dtype=np.float64)
    return _teager_kaiser_in_place(x, np.zeros(len(x)))


def _teager_kaiser_in_place(x: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """:func:`teager_kaiser` written over ``x`` (float64), with ``neighbours`` (as long as
    ``x``, its ends 0) as scratch: no temporaries, whose allocation took 60 % of
    :func:`band_means`' time (0.22 against 0.09 s for a 10 s clip, measured)."""
    np.multiply(x[:-2], x[2:], out=neighbours[1:-1])
    np.multiply(x, x, out=x)
    x -= neighbours
    return x


def _n_frames(n_samples: int, params: dict) -> int:
    n_fft, hop = int(params["n_fft"]), int(params["hop_length"])
    padded = n_samples + 2 * (n_fft // 2)
    if n_samples == 0 or padded < n_fft:
        raise ValueError(f"signal of {n_samples} samples is too short for n_fft={n_fft}")
    return 1 + (padded - n_fft) // hop


def _segments(n_samples: int, params: dict) -> tuple:
    """Where frames' windows start and end in the signal: ``(bounds, lo, hi)``, the sorted
    distinct window ends clipped to ``[0, n_samples)`` (segments for ``np.add.reduceat``) and,
    per frame, the positions in ``bounds + [n_samples]`` of its window's first and last ends."""
    n_fft, hop = int(params["n_fft"]), int(params["hop_length"])
    starts = np.arange(_n_frames(n_samples, params)) * hop - n_fft // 2
    lo, hi = np.clip(starts, 0, n_samples), np.clip(starts + n_fft, 0, n_samples)
    bounds = np.unique(np.concatenate([lo, hi, [0]]))
    bounds = bounds[bounds < n_samples]
    ends = np.append(bounds, n_samples)
    return bounds, np.searchsorted(ends, lo), np.searchsorted(ends, hi)


def band_means(y: np.ndarray, sample_rate: int, params: dict) -> np.ndarray:
    """Mean of the operator per frame and band, frames x n_bands, float64 (before the dB)."""
    sos_bands = filters(sample_rate, params)
    from scipy.signal import sosfilt

    y = np.asarray(y, dtype=np.float64)
    bounds, lo, hi = _segments(len(y), params)
    means = np.empty((len(lo), len(sos_bands)))
    neighbours = np.zeros(len(y))  # scratch for the operator, reused by every band
    cumulative = np.zeros(len(bounds) + 1)  # sums of psi over [0, bounds[k])
    for band, sos in enumerate(sos_bands):
        psi = _teager_kaiser_in_place(sosfilt(sos, y), neighbours)
        # window sums as differences of cumulative sums over the segments between window ends
        # (a few hundred), not over every sample: np.cumsum over the samples took 0.6 ms a band
        np.cumsum(np.add.reduceat(psi, bounds), out=cumulative[1:])
        means[:, band] = cumulative[hi] - cumulative[lo]
    means /= int(params["n_fft"])
    return means


def compute(y: np.ndarray, sample_rate: int, params: dict):
    """Frames x n_bands dB features (mean Teager-Kaiser energy per band) and the per-frame energy
    (the sum over bands of the mean clipped at 0)."""
    means = band_means(y, sample_rate, params)
    energy = np.maximum(means, 0).sum(axis=1).astype(np.float32)
    return stft.to_db(means, params), energy


def dims(params: dict) -> int:
    """Features per frame: the number of bands."""
    return int(params["n_bands"])


frame_times = stft.frame_times
frame_seconds = stft.frame_seconds
