"""The l3 representation (OpenL3 through torchopenl3) and its weights, without any network.

Every model here has random weights, made by the test and saved at the exact path torch.hub
(and so torchopenl3) uses inside a temporary TORCH_HOME; downloads are made to fail.
"""

import io
import logging
import os
import urllib.request

import numpy as np
import pytest
import zarr
from conftest import ROOT, tone, write_wav

from audio_umaps import features, representations, weights
from audio_umaps import store as store_module
from audio_umaps.representations import l3
from audio_umaps.stacking import stack_windows, windows_per_file
from audio_umaps.store import Store, random_weight_stores

pytestmark = pytest.mark.l3

torch = pytest.importorskip("torch", reason="bin/test installs torch (requirements-l3.txt)")
torchopenl3 = pytest.importorskip("torchopenl3")

PARAMS = representations.params("l3")
LOAD_FROM_URL = torch.hub.load_state_dict_from_url


def no_download(*args, **kwargs):
    raise AssertionError(f"a download was attempted: {args[:1]}")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Any attempt to fetch weights fails the test."""
    monkeypatch.setattr(urllib.request, "urlopen", no_download)
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_download)
    monkeypatch.setattr(torch.hub, "download_url_to_file", no_download)


@pytest.fixture(scope="session")
def torch_home(tmp_path_factory):
    """A TORCH_HOME whose hub cache holds random L3 weights."""
    home = tmp_path_factory.mktemp("torch_home")
    path = weights.cache_path(PARAMS, {"TORCH_HOME": str(home)})
    path.parent.mkdir(parents=True)
    l3.write_random_weights(path, PARAMS, seed=0)
    return home


@pytest.fixture(scope="session")
def l3_params(torch_home):
    return {**PARAMS, "weights": str(weights.cache_path(PARAMS, {"TORCH_HOME": str(torch_home)}))}


def test_cache_path_is_where_torch_hub_and_torchopenl3_look(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    source = torchopenl3.core.get_model_path("linear", "env", 512)
    assert weights.url(PARAMS) == source
    expected = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(source))
    assert str(weights.cache_path(PARAMS)) == expected
    assert weights.file_name(PARAMS) == "torchopenl3_linear_env_512.pth.tar"
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert str(weights.cache_path(PARAMS)) == os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(source))


def test_random_weights_load_through_torchopenl3_and_are_flagged(l3_params, tmp_path, monkeypatch):
    model, random = l3.load_model(l3_params["weights"], "env", "linear", 512)
    assert random and not model.training
    # the state dict without the marker is what torchopenl3's own loader reads from the cache
    state = torch.load(l3_params["weights"], weights_only=True)
    del state[l3.RANDOM_MARKER]
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(state, checkpoints / weights.file_name(PARAMS))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    # torchopenl3's real loader, reading torch.hub's cache; downloading still fails the test
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", LOAD_FROM_URL)
    reference = torchopenl3.core.load_audio_embedding_model("linear", "env", 512)
    unmarked, random = l3.load_model(str(checkpoints / weights.file_name(PARAMS)), "env", "linear", 512)
    assert not random
    for (name, a), (_, b) in zip(reference.state_dict().items(), unmarked.state_dict().items()):
        assert torch.equal(a, b), name


def test_a_damaged_weights_file_is_named(tmp_path):
    damaged = tmp_path / weights.file_name(PARAMS)
    damaged.write_bytes(b"not a state dict")
    with pytest.raises(ValueError, match=f"{damaged} is not a usable torchopenl3 linear/env/512 weights file"):
        l3.load_model(str(damaged), "env", "linear", 512)


@pytest.mark.parametrize("seconds, frames", [(0.5, 1), (10.0, 91), (10.05, 92)])
def test_frame_counts_times_and_dims(l3_params, seconds, frames):
    y = np.random.default_rng(1).standard_normal(int(round(seconds * 16000))).astype(np.float32) * 0.1
    feats, energy = l3.compute(y, 16000, l3_params)
    assert feats.shape == (frames, 512) and feats.dtype == np.float32 and energy is None
    assert np.isfinite(feats).all() and feats.std() > 0
    assert l3.n_frames(seconds, PARAMS) == frames
    times = l3.frame_times(frames, 16000, PARAMS)
    assert np.allclose(times, 0.5 + 0.1 * np.arange(frames))  # centres of the 1 s windows
    assert times[-1] - 0.5 < max(seconds, 0.0) and l3.dims(PARAMS) == 512


def test_pieces_match_one_torchopenl3_call(l3_params):
    """Chunked framing and our resampling give torchopenl3's own result for the whole clip."""
    y = tone(2.05, 300) + 0.05 * np.random.default_rng(2).standard_normal(int(2.05 * 16000))
    ours, _ = l3.compute(y.astype(np.float32), 16000, {**l3_params, "chunk_frames": 4})
    model, _ = l3.load_model(l3_params["weights"], "env", "linear", 512)
    with torch.inference_mode():
        ref, ts = torchopenl3.get_audio_embedding(
            y.astype(np.float32).astype(np.float64),
            16000,
            model=model,
            input_repr="linear",
            content_type="env",
            embedding_size=512,
            center=False,
            hop_size=0.1,
            batch_size=2,
            verbose=False,
            sampler="resampy",
        )
    ref = ref[0].numpy()
    assert ours.shape == ref.shape == (12, 512)
    assert np.allclose(ours, ref, atol=1e-4)
    assert np.allclose(ts[0].numpy() + 0.5, l3.frame_times(12, 16000, PARAMS))


def test_store_stacking_and_sampling_of_l3_windows(l3_params, tmp_path):
    paths = [str(write_wav(tmp_path / f"c{i}.wav", tone(s, 200 + 100 * i))) for i, s in enumerate([1.6, 2.0])]
    out = tmp_path / "l3.zarr"
    result = features.extract(paths, "l3", l3_params, out, threads=2)
    assert result.frames == 7 + 11
    store = Store(out)
    assert store.dims == 512 and store.n_frames.tolist() == [7, 11]
    assert store.attrs["has_energy"] is False and "energy" not in store.group
    assert store.attrs["random_weights"] is True
    assert store.attrs["weights_sha256"] == weights.sha256(l3_params["weights"])
    assert np.isclose(store.attrs["frame_hop_seconds"], 0.1) and np.isclose(store.attrs["frame_offset_seconds"], 0.5)
    assert random_weight_stores([out, out]) == [str(out)]
    assert windows_per_file(store.n_frames, 5).tolist() == [3, 7]
    windows = stack_windows(store, np.array([1, 0]), np.array([6, 2]), 5)
    raw = zarr.open_group(str(out), mode="r")["features"][:]
    assert windows.shape == (2, 5 * 512)
    assert np.array_equal(windows[0], raw[7 + 6 : 7 + 11].reshape(-1))
    assert np.array_equal(windows[1], raw[2:7].reshape(-1))


def test_stores_made_with_random_weights_are_flagged_in_logs(tmp_path, caplog):
    log = logging.getLogger("test_l3")
    random, plain = str(tmp_path / "random.zarr"), str(tmp_path / "plain.zarr")
    zarr.open_group(random, mode="w").attrs.update(random_weights=True)
    zarr.open_group(plain, mode="w").attrs.update(random_weights=False)
    with caplog.at_level(logging.WARNING, logger="test_l3"):
        assert store_module.flag_random_weights(log, [random, plain, random]) is True
        assert store_module.flag_random_weights(log, [plain]) is False
    flagged = [r.getMessage() for r in caplog.records]
    assert flagged == [f"{store_module.RANDOM_WEIGHTS_NOTE} ({random})"]


# ---- weights: locate, check, fetch ---------------------------------------------------------
def test_missing_configured_file_names_it(tmp_path):
    w = weights.locate({"weights": str(tmp_path / "nowhere.pth.tar")}, PARAMS)
    with pytest.raises(weights.WeightsError, match="nowhere.pth.tar.*'l3.weights'.*remove 'l3'"):
        weights.check(w)


def test_download_forbidden_names_the_cache_path(tmp_path):
    w = weights.locate({"download": False}, PARAMS, {"TORCH_HOME": str(tmp_path)})
    with pytest.raises(weights.WeightsError) as err:
        weights.check(w)
    assert str(tmp_path / "hub/checkpoints/torchopenl3_linear_env_512.pth.tar") in str(err.value)
    assert "TORCH_HOME" in str(err.value) and "'l3.download'" in str(err.value)


def test_checksum_is_verified(l3_params):
    good = weights.sha256(l3_params["weights"])
    assert weights.check(weights.locate({"weights": l3_params["weights"], "sha256": good.upper()}, PARAMS)) == good
    with pytest.raises(weights.WeightsError, match="sha256"):
        weights.check(weights.locate({"weights": l3_params["weights"], "sha256": "0" * 64}, PARAMS))


def test_failed_download_says_what_to_do_and_leaves_nothing(tmp_path):
    w = weights.locate({}, PARAMS, {"TORCH_HOME": str(tmp_path)})
    assert weights.check(w) is None  # absent, may be downloaded

    def refused(url, timeout):
        raise OSError("Connection refused")

    with pytest.raises(weights.WeightsError) as err:
        weights.fetch(w, PARAMS, opener=refused)
    message = str(err.value)
    assert str(w.path) in message and weights.url(PARAMS) in message and "Connection refused" in message
    assert not list(w.path.parent.iterdir())  # no partial file left behind


def test_fetch_opens_the_address_with_urlopen_as_patched_at_call_time(tmp_path, monkeypatch):
    payload = b"weights from the patched urlopen"
    opened = []

    def fake_urlopen(address, timeout):
        opened.append((address, timeout))
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    w = weights.locate({}, PARAMS, {"TORCH_HOME": str(tmp_path)})
    weights.fetch(w, PARAMS)
    assert opened == [(weights.url(PARAMS), weights.DOWNLOAD_TIMEOUT_S)]
    assert w.path.read_bytes() == payload


def test_fetch_writes_atomically_and_checks_the_sum(tmp_path):
    payload = b"not really weights"
    import hashlib

    digest = hashlib.sha256(payload).hexdigest()
    w = weights.locate({"sha256": digest}, PARAMS, {"TORCH_HOME": str(tmp_path)})
    assert weights.fetch(w, PARAMS, opener=lambda url, timeout: io.BytesIO(payload)) == digest
    assert w.path.read_bytes() == payload
    w.path.unlink()
    bad = weights.locate({"sha256": "f" * 64}, PARAMS, {"TORCH_HOME": str(tmp_path)})
    with pytest.raises(weights.WeightsError, match="sha256"):
        weights.fetch(bad, PARAMS, opener=lambda url, timeout: io.BytesIO(payload))
    assert not bad.path.exists() and not list(bad.path.parent.iterdir())


def test_l3_env_file_pins_what_torchopenl3_needs():
    text = (ROOT / "workflow/envs/l3.yaml").read_text()
    assert "torchopenl3==1.0.1" in text and "resampy =0.2.2" in text and "setuptools <82" in text
