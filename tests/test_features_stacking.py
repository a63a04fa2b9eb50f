import numpy as np
import pytest
from conftest import tone, write_wav

from audio_umaps import features, representations, stacking
from audio_umaps.store import Store


def _files(tmp_path, seconds=(1.0, 0.5, 2.0)):
    rng = np.random.default_rng(3)
    return [
        str(write_wav(tmp_path / f"f{i}.wav", tone(s, 300 * (i + 1)) + 0.01 * rng.standard_normal(int(s * 16000))))
        for i, s in enumerate(seconds)
    ]


def test_store_layout_offsets_and_energy(tmp_path):
    paths = _files(tmp_path)
    silent = str(write_wav(tmp_path / "silent.wav", np.zeros(16000)))
    out = tmp_path / "mel.zarr"
    result = features.extract(
        paths[:1] + [silent] + paths[1:], "mel", representations.params("mel"), out, attrs={"dataset": "d", "part": "p"}
    )
    assert result.excluded == [(silent, "silent: every sample is equal (all zeros after mean removal)")]
    store = Store(out)
    assert store.files == paths
    assert store.n_frames.tolist() == [1 + 16000 // 512, 1 + 8000 // 512, 1 + 32000 // 512]
    assert store.dims == 128 and store.attrs["dataset"] == "d" and store.attrs["has_energy"]
    assert store.attrs["frame_hop_seconds"] == pytest.approx(0.032)
    y = __import__("audio_umaps.audio", fromlist=["load"]).load(paths[2])
    direct, energy = representations.get("mel").compute(y, 16000, representations.params("mel"))
    # (the job's mel product runs on one BLAS thread, this one on BLAS's default: last bits differ)
    np.testing.assert_allclose(store.features[store.offsets[2] : store.offsets[3]], direct, rtol=1e-6)
    np.testing.assert_allclose(store.group["energy"][store.offsets[2] : store.offsets[3]], energy)
    assert not (tmp_path / "mel.zarr.partial").exists()


def test_interrupted_extraction_leaves_no_store(tmp_path, monkeypatch):
    paths = _files(tmp_path)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    real = representations.get("stft").from_power
    monkeypatch.setattr(representations.get("stft"), "from_power", failing)
    with pytest.raises(KeyboardInterrupt):
        features.extract(paths, "stft", representations.params("stft"), tmp_path / "s.zarr")
    assert not (tmp_path / "s.zarr").exists()


def test_windows_never_cross_files(tmp_path):
    paths = _files(tmp_path, seconds=(0.1, 0.2))  # 4 and 7 frames
    out = tmp_path / "s.zarr"
    features.extract(paths, "stft", representations.params("stft"), out)
    store = Store(out)
    assert store.n_frames.tolist() == [4, 7]
    assert stacking.windows_per_file(store.n_frames, 5).tolist() == [0, 3]
    assert stacking.windows_per_file(store.n_frames, 1).tolist() == [4, 7]
    win = stacking.stack_windows(store, np.array([1, 1]), np.array([0, 2]), 5)
    assert win.shape == (2, 5 * 513)
    np.testing.assert_array_equal(win[1].reshape(5, 513), store.features[4 + 2 : 4 + 7])
    with pytest.raises(ValueError, match="past the end"):
        stacking.window_rows(store.offsets, np.array([0]), np.array([0]), 5)
    with pytest.raises(ValueError, match="past the end"):
        stacking.window_rows(store.offsets, np.array([1]), np.array([3]), 5)
    energy = stacking.window_energy(store, np.array([1]), np.array([2]), 5)
    assert energy[0] == pytest.approx(store.group["energy"][6:11].sum(), rel=1e-6)


def test_read_rows_any_order_with_repeats(tmp_path):
    paths = _files(tmp_path)
    features.extract(paths, "mel", representations.params("mel"), tmp_path / "m.zarr")
    store = Store(tmp_path / "m.zarr")
    rows = np.array([40, 3, 40, 0])
    np.testing.assert_array_equal(store.read_rows("features", rows), store.features[:][rows])


def test_one_decoding_and_one_stft_for_every_spectral_representation(tmp_path, monkeypatch):
    from audio_umaps import audio
    from audio_umaps.representations import stft

    paths = _files(tmp_path, seconds=(1.0, 0.5, 2.0, 1.5, 0.7))
    silent = str(write_wav(tmp_path / "silent.wav", np.zeros(16000)))
    paths = paths[:2] + [silent] + paths[2:]
    separate = {}
    for name in ("stft", "mel"):
        separate[name] = tmp_path / f"alone_{name}.zarr"
        features.extract(paths, name, representations.params(name), separate[name])
    calls = {"load": 0, "stft": 0}

    def counted(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(audio, "load", counted("load", audio.load))
    monkeypatch.setattr(stft, "power_spectrogram", counted("stft", stft.power_spectrogram))
    outputs = {name: (representations.params(name), tmp_path / f"both_{name}.zarr") for name in ("stft", "mel")}
    result = features.extract_many(paths, outputs, threads=2)
    assert calls == {"load": 6, "stft": 5}  # each file decoded once, one STFT per usable file
    assert [p for p, _ in result.excluded] == [silent] and len(result.files) == 5
    for name in ("stft", "mel"):
        together, alone = Store(outputs[name][1]), Store(separate[name])
        assert together.files == alone.files == [p for p in paths if p != silent]
        np.testing.assert_array_equal(together.offsets, alone.offsets)
        np.testing.assert_array_equal(together.features[:], alone.features[:])  # threads: same order
        np.testing.assert_array_equal(together.group["energy"][:], alone.group["energy"][:])
        assert together.attrs["representation"] == name
