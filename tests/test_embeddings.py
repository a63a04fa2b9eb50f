"""Precomputed embeddings (kind ``embeddings``), the representation registry's kinds, and pooled
windows (``windowing``)."""

import numpy as np
import pandas as pd
import pytest

from audio_umaps import features, representations, stacking
from audio_umaps.representations import embeddings
from audio_umaps.store import Store

PARAMS = {**embeddings.DEFAULTS, "kind": "embeddings", "frame_seconds": 0.96, "hop_seconds": 0.48}


@pytest.mark.parametrize(
    ("duration", "frame", "hop", "low", "high"),
    [
        # inside the file: floor((10 - 0.96) / 0.48) + 1 = 19; centred on every hop: ceil(10 / 0.48) + 1 = 22
        (10.0, 0.96, 0.48, 18, 23),
        # L3's frames of 1 s every 0.1 s: 91 inside, 101 centred
        (10.0, 1.0, 0.1, 90, 102),
        (0.5, 1.0, 0.1, 1, 7),  # a file shorter than a frame: one (padded) frame
    ],
)
def test_frame_range(duration, frame, hop, low, high):
    assert embeddings.frame_range(duration, {"frame_seconds": frame, "hop_seconds": hop}) == (low, high)


def test_read_checks_shape_dims_values_and_frames(tmp_path):
    good = np.arange(20 * 3, dtype=np.float64).reshape(20, 3)
    np.save(tmp_path / "good.npy", good)
    out = embeddings.read(tmp_path / "good.npy", PARAMS, 10.0)
    assert out.dtype == np.float32 and np.array_equal(out, good)
    cases = {
        "dims": (good[:, :2], "has 2 dimensions per frame, the others 3"),
        "nan": (np.where(np.arange(60).reshape(20, 3) == 7, np.nan, good), "NaN or infinite values in 1 of 20 frames"),
        "frames": (np.vstack([good, good]), "has 40 frames; a 10.000 s file"),
        "rank": (good[None], "expected frames x dims"),
        "text": (np.array([["a", "b"]]), "not numbers"),
    }
    for name, (array, message) in cases.items():
        np.save(tmp_path / f"{name}.npy", array)
        with pytest.raises(embeddings.EmbeddingError, match=message):
            embeddings.read(tmp_path / f"{name}.npy", PARAMS, 10.0, dims=3)
    (tmp_path / "torn.npy").write_bytes((tmp_path / "good.npy").read_bytes()[:100])
    with pytest.raises(embeddings.EmbeddingError, match="unreadable embedding torn.npy"):
        embeddings.read(tmp_path / "torn.npy", PARAMS, 10.0)


def test_npz_key_and_clip_vectors(tmp_path):
    np.savez(tmp_path / "two.npz", a=np.ones((20, 3)), b=np.zeros((20, 3)))
    with pytest.raises(embeddings.EmbeddingError, match="holds 2 arrays"):
        embeddings.read(tmp_path / "two.npz", PARAMS, 10.0)
    assert embeddings.read(tmp_path / "two.npz", {**PARAMS, "key": "b"}, 10.0).sum() == 0
    clip = {**PARAMS, "clip": True}
    np.save(tmp_path / "vector.npy", np.arange(5.0))
    assert embeddings.read(tmp_path / "vector.npy", clip, 3.0).shape == (1, 5)
    with pytest.raises(embeddings.EmbeddingError, match="clip: true expects one vector"):
        embeddings.read(tmp_path / "two.npz", {**clip, "key": "a"}, 10.0)
    assert embeddings.frame_times(1, 16000, clip).tolist() == [0.0]


def test_locate_tries_both_names_and_both_formats(tmp_path):
    root = tmp_path / "emb"
    (root / "d/fan/train").mkdir(parents=True)
    np.save(root / "d/fan/train/a.npy", np.ones((2, 2)))
    np.savez(root / "d/fan/train/b.wav.npz", x=np.ones((2, 2)))
    assert embeddings.locate(root, "d", "fan/train/a.wav") == root / "d/fan/train/a.npy"
    assert embeddings.locate(root, "d", "fan/train/b.wav") == root / "d/fan/train/b.wav.npz"
    assert embeddings.locate(root, "d", "fan/train/c.wav") is None
    assert embeddings.dims({**PARAMS, "root": str(root)}) == 2


def test_import_embeddings_writes_a_store_and_reports_bad_files(tmp_path):
    root = tmp_path / "emb"
    rows = []
    rng = np.random.default_rng(0)
    written = {}
    for i, problem in enumerate([None, "missing", None, "dims", None]):
        rel = f"fan/train/f{i}.wav"
        rows.append({"dataset": "d", "path": f"data/{rel}", "relpath": rel, "duration": 10.0})
        if problem == "missing":
            continue
        array = rng.standard_normal((19, 4 if problem != "dims" else 5)).astype(np.float32)
        (root / "d/fan/train").mkdir(parents=True, exist_ok=True)
        np.save(root / f"d/fan/train/f{i}.npy", array)
        written[f"data/{rel}"] = array
    params = representations.params(
        "emb", {"kind": "embeddings", "root": str(root), "frame_seconds": 0.96, "hop_seconds": 0.48}
    )
    result = features.import_embeddings(pd.DataFrame(rows), "emb", params, tmp_path / "s.zarr")
    assert result.files == ["data/fan/train/f0.wav", "data/fan/train/f2.wav", "data/fan/train/f4.wav"]
    reasons = dict(result.excluded)
    assert reasons["data/fan/train/f1.wav"].startswith("no embedding of emb")
    assert "has 5 dimensions per frame, the others 4" in reasons["data/fan/train/f3.wav"]
    store = Store(tmp_path / "s.zarr")
    assert store.attrs["kind"] == "embeddings" and store.attrs["frame_hop_seconds"] == pytest.approx(0.48)
    assert store.attrs["frame_offset_seconds"] == pytest.approx(0.48)  # the centre of [0, 0.96)
    for i, path in enumerate(store.files):
        np.testing.assert_array_equal(store.features[store.offsets[i] : store.offsets[i + 1]], written[path])


def test_kinds_names_and_their_keys():
    assert representations.params("mel")["kind"] == "mel"
    mine = representations.params("mel_pooled", {"kind": "mel", "n_mels": 64, "windowing": "mean"})
    assert mine["kind"] == "mel" and mine["n_mels"] == 64 and "windowing" not in mine
    assert representations.windowing("mel_pooled", {"kind": "mel", "windowing": "mean"}) == "mean"
    with pytest.raises(ValueError, match=r"representation_params.my_model.kind"):
        representations.params("my_model", {})
    with pytest.raises(ValueError, match=r"'representation_params.mel.n_bins': not a parameter of kind 'mel'"):
        representations.params("mel", {"n_bins": 3})
    with pytest.raises(ValueError, match=r"representation_params.x.kind': unknown kind 'cqt'"):
        representations.params("x", {"kind": "cqt"})
    with pytest.raises(ValueError, match="windowing': 'median' is not one of stack, mean, meanstd"):
        representations.windowing("mel", {"windowing": "median"})
    assert representations.window_title(5, "stack") == "stack 5"
    assert representations.window_title(5, "meanstd") == "mean and std of 5 frames"


def test_pooled_windows_equal_numpy_over_the_stacked_frames(tmp_path):
    frames = np.random.default_rng(1).standard_normal((30, 4)).astype(np.float32)
    stacked = np.stack([frames[i : i + 5].ravel() for i in range(0, 26, 5)])
    mean = stacking.pool(stacked, 5, "mean")
    meanstd = stacking.pool(stacked, 5, "meanstd")
    expected = np.stack([frames[i : i + 5].mean(0) for i in range(0, 26, 5)])
    np.testing.assert_allclose(mean, expected, rtol=1e-6)
    np.testing.assert_allclose(meanstd[:, 4:], np.stack([frames[i : i + 5].std(0) for i in range(0, 26, 5)]), rtol=1e-5)
    assert stacking.pool(stacked, 5, "stack") is stacked
    assert representations.window_dims(4, 5, "meanstd") == meanstd.shape[1] == 8
