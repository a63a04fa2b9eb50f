"""The onnx representation: tiny models built here with onnx.helper, whose outputs are computed
again directly with numpy."""

import hashlib
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from audio_umaps.representations import mel
from audio_umaps.representations import onnx as rep

SR = 16000
FRAME, HOP, DIMS = 400, 160, 6  # waveform model: 25 ms frames every 10 ms, 6 features


def save(path, nodes, inputs, outputs, initialisers):
    graph = helper.make_graph(nodes, "test", inputs, outputs, initializer=initialisers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return str(path)


def conv_weights(seed=0, dims=DIMS, frame=FRAME):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((dims, 1, frame)).astype(np.float32) * 0.1, rng.standard_normal(dims).astype(np.float32)


def waveform_model(path, seed=0, *, clip=False, batch="batch", out_shape=None):
    """batch x samples -> Conv (kernel FRAME, stride HOP) + Relu -> batch x frames x DIMS; with
    ``clip`` the mean over frames (batch x DIMS)."""
    w, b = conv_weights(seed)
    nodes = [
        helper.make_node("Unsqueeze", ["wave", "axis1"], ["wave3"]),
        helper.make_node("Conv", ["wave3", "w", "b"], ["conv"], strides=[HOP]),
        helper.make_node("Relu", ["conv"], ["relu"]),
    ]
    if clip:
        nodes.append(helper.make_node("ReduceMean", ["relu"], ["emb"], axes=[2], keepdims=0))
        shape = [batch, DIMS]
    else:
        nodes.append(helper.make_node("Transpose", ["relu"], ["emb"], perm=[0, 2, 1]))
        shape = [batch, "frames", DIMS]
    return save(
        path,
        nodes,
        [helper.make_tensor_value_info("wave", TensorProto.FLOAT, [batch, "samples"])],
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, out_shape if out_shape is not None else shape)],
        [
            numpy_helper.from_array(w, "w"),
            numpy_helper.from_array(b, "b"),
            numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        ],
    )


def numpy_waveform(y, seed=0, clip=False):
    w, b = conv_weights(seed)
    frames = np.lib.stride_tricks.sliding_window_view(y.astype(np.float64), FRAME)[::HOP]
    out = np.maximum(frames @ w[:, 0, :].T.astype(np.float64) + b, 0)
    return out.mean(axis=0, keepdims=True) if clip else out


def logmel_model(path, n_mels=128, dims=5, seed=1, n_mels_declared=None):
    """batch x frames x n_mels -> MatMul by a fixed n_mels x dims matrix."""
    m = np.random.default_rng(seed).standard_normal((n_mels, dims)).astype(np.float32) * 0.01
    declared = n_mels if n_mels_declared is None else n_mels_declared
    save(
        path,
        [helper.make_node("MatMul", ["logmel", "m"], ["emb"])],
        [helper.make_tensor_value_info("logmel", TensorProto.FLOAT, ["batch", "frames", declared])],
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["batch", "frames", dims])],
        [numpy_helper.from_array(m, "m")],
    )
    return str(path), m


def signal(seconds, seed=0, sr=SR):
    y = np.random.default_rng(seed).standard_normal(int(round(seconds * sr))).astype(np.float32)
    return y / np.abs(y).max()


def wave_params(path, **more):
    return {**rep.DEFAULTS, "model": path, "frame_seconds": FRAME / SR, "hop_seconds": HOP / SR, **more}


@pytest.fixture(autouse=True)
def one_thread():
    rep.set_threads(1)


@pytest.fixture
def wave(tmp_path):
    return waveform_model(tmp_path / "wave.onnx")


def test_waveform_frames_equal_numpy_and_their_times(wave):
    params = wave_params(wave)
    y = signal(1.0)
    feats, energy = rep.compute(y, SR, params)
    expected = numpy_waveform(y)
    n = (len(y) - FRAME) // HOP + 1
    assert energy is None and feats.dtype == np.float32 and feats.shape == (n, DIMS) == expected.shape
    assert np.allclose(feats, expected, atol=1e-5) and (feats > 0).any()
    assert rep.dims(params) == DIMS and not rep.clip_level(params)
    assert rep.frame_seconds(SR, params) == pytest.approx(0.025)
    # frame j covers [j * 0.01, j * 0.01 + 0.025): its centre
    assert np.allclose(rep.frame_times(n, SR, params), np.arange(n) * 0.01 + 0.0125)


def test_frame_counts_must_fit_frame_seconds_and_hop_seconds(wave):
    y = signal(1.0)  # 98 frames of 25 ms every 10 ms
    assert rep.frame_range(1.0, SR, wave_params(wave)) == (97, 102)
    with pytest.raises(ValueError, match=r"gave 98 frames for a 1\.000 s file; frames of 0\.025 s every 0\.005 s give"):
        rep.compute(y, SR, wave_params(wave, hop_seconds=0.005))
    with pytest.raises(ValueError, match=r"gave 98 frames .* frames of 0\.001 s every 0\.01 s give 99-102"):
        rep.compute(y, SR, wave_params(wave, frame_seconds=0.001))


def test_compute_batch_groups_equal_lengths_and_keeps_the_order(wave, monkeypatch):
    params = wave_params(wave, batch_size=2)
    lengths = [16000, 16000, 12000, 16000, 12000, 8000, 16000]
    ys = [signal(n / SR, seed=i) for i, n in enumerate(lengths)]
    runs = []
    run = rep._run
    monkeypatch.setattr(rep, "_run", lambda s, layout, batch: runs.append(batch.shape) or run(s, layout, batch))
    batched = rep.compute_batch(ys, SR, params)
    assert runs == [(2, 16000), (2, 16000), (2, 12000), (1, 8000)]
    assert len(batched) == len(ys)
    for y, (feats, energy) in zip(ys, batched):
        assert energy is None
        assert np.array_equal(feats, rep.compute(y, SR, params)[0])
        assert np.allclose(feats, numpy_waveform(y), atol=1e-5)


def test_a_fixed_batch_size_is_padded(tmp_path, monkeypatch):
    path = waveform_model(tmp_path / "three.onnx", batch=3)
    params = wave_params(path, batch_size=8)
    ys = [signal(0.5, seed=i) for i in range(4)]
    runs = []
    run = rep._run
    monkeypatch.setattr(rep, "_run", lambda s, layout, batch: runs.append(batch.shape) or run(s, layout, batch))
    out = rep.compute_batch(ys, SR, params)
    assert rep.check(params).batch == 3 and runs == [(3, 8000), (3, 8000)]
    for y, (feats, _) in zip(ys, out):
        assert np.allclose(feats, numpy_waveform(y), atol=1e-5)


def test_logmel_input_is_the_workflows_log_mel(tmp_path):
    path, m = logmel_model(tmp_path / "mel.onnx", n_mels=40)
    params = {
        **rep.DEFAULTS,
        "model": path,
        "input": "logmel",
        "mel": {"n_mels": 40, "fmax": 7000.0},
        "frame_seconds": 0.064,
        "hop_seconds": 0.032,
    }
    y = signal(2.0, seed=3)
    feats, _ = rep.compute(y, SR, params)
    logmel = mel.compute(y, SR, {**mel.DEFAULTS, "n_mels": 40, "fmax": 7000.0})[0]
    assert feats.shape == (1 + len(y) // 512, 5) == (logmel.shape[0], 5)
    assert np.allclose(feats, logmel.astype(np.float64) @ m, atol=1e-3, rtol=1e-5)
    # one mel frame per output frame: frame t is centred on t * hop_length, as the mel's own
    assert np.allclose(rep.frame_times(4, SR, params), mel.frame_times(4, SR, mel.DEFAULTS))
    assert rep.offset_seconds(SR, params) == pytest.approx(-0.032)
    assert np.allclose(rep.frame_times(3, SR, {**params, "offset_seconds": 0.0}), [0.032, 0.064, 0.096])


def test_model_sample_rate_resamples_with_soxr(tmp_path, caplog):
    import soxr

    path = waveform_model(tmp_path / "wave8k.onnx")
    params = wave_params(path, sample_rate=8000, frame_seconds=FRAME / 8000, hop_seconds=HOP / 8000)
    y = signal(1.0, seed=4)
    with caplog.at_level("INFO", logger=rep.log.name):
        feats, _ = rep.compute(y, SR, params)
    y8 = soxr.resample(y, SR, 8000, quality="soxr_hq")[:8000]
    assert len(y8) == 8000
    assert np.allclose(feats, numpy_waveform(y8), atol=1e-5)
    assert "resampling 16000 Hz to its 8000 Hz" in caplog.text


def test_clip_model_gives_one_vector_per_file(tmp_path):
    path = waveform_model(tmp_path / "clip.onnx", clip=True)
    params = {**rep.DEFAULTS, "model": path, "clip": True}
    ys = [signal(1.0, seed=5), signal(0.7, seed=6), signal(1.0, seed=7)]
    out = rep.compute_batch(ys, SR, params)
    for y, (feats, _) in zip(ys, out):
        assert feats.shape == (1, DIMS)
        assert np.allclose(feats, numpy_waveform(y, clip=True), atol=1e-5)
    assert rep.clip_level(params) and rep.dims(params) == DIMS
    assert rep.frame_seconds(SR, params) == 0.0 and rep.frame_times(1, SR, params).tolist() == [0.0]


def test_clip_must_match_the_outputs_rank(tmp_path, wave, monkeypatch):
    clip = waveform_model(tmp_path / "clip.onnx", clip=True)
    with pytest.raises(ValueError, match=r"representation_params\.m\.clip'.* rank 2; set clip: true"):
        rep.check(wave_params(clip), "m")
    with pytest.raises(ValueError, match=r"representation_params\.m\.clip'.* rank 3; set clip: false"):
        rep.check({**rep.DEFAULTS, "model": wave, "clip": True}, "m")
    # an output whose shape the model does not tell is checked when it runs
    signature = rep._signature

    def unknown_output(path, sha):
        inputs, outputs = signature(path, sha)
        return inputs, (rep.Tensor(outputs[0].name, None, outputs[0].dtype),)

    monkeypatch.setattr(rep, "_signature", unknown_output)
    params = {**wave_params(clip), "dims": DIMS}
    assert rep.check(params).output.shape is None
    with pytest.raises(ValueError, match=r"gave output 'emb' of shape \[1, 6\] .* rank 3 \(set clip: true\)"):
        rep.compute(signal(0.5), SR, params)
    with pytest.raises(ValueError, match=r"of shape \[1, 6\] .*; expected 1 in the batch and 5 features"):
        rep.compute(signal(0.5), SR, {**params, "clip": True, "dims": 5})


def test_dims_are_read_from_the_model_or_given_when_symbolic(tmp_path, wave, monkeypatch):
    path, _ = logmel_model(tmp_path / "mel.onnx", dims=7)
    params = {**rep.DEFAULTS, "model": path, "input": "logmel", "frame_seconds": 0.064, "hop_seconds": 0.032}
    assert rep.dims(params) == 7
    with pytest.raises(ValueError, match=r"'representation_params\.<name>\.dims': 8, but .* has 7 features"):
        rep.dims({**params, "dims": 8})
    # a model over any number of mel bands (Relu): its features per frame are symbolic
    symbolic = save(
        tmp_path / "symbolic.onnx",
        [helper.make_node("Relu", ["logmel"], ["emb"])],
        [helper.make_tensor_value_info("logmel", TensorProto.FLOAT, ["batch", "frames", "bands"])],
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["batch", "frames", "bands"])],
        [],
    )
    params_symbolic = {**params, "model": symbolic, "mel": {"n_mels": 16}}
    with pytest.raises(ValueError, match=r"representation_params\.x\.dims'.*last dimension .* symbolic; set dims"):
        rep.check(params_symbolic, "x")
    assert rep.dims({**params_symbolic, "dims": 16}) == 16
    y = signal(0.2)
    feats = rep.compute(y, SR, {**params_symbolic, "dims": 16})[0]
    assert np.allclose(feats, np.maximum(mel.compute(y, SR, {**mel.DEFAULTS, "n_mels": 16})[0], 0), atol=1e-5)
    with pytest.raises(ValueError, match=r"expected 1 in the batch and 17 features"):
        rep.compute(y, SR, {**params_symbolic, "dims": 17})
    # without the onnx package the signature comes from onnxruntime, the same
    with_onnx = rep._signature(*rep._model_file(params, "x"))
    rep._signature.cache_clear()
    monkeypatch.setitem(sys.modules, "onnx", None)
    try:
        assert rep._signature(*rep._model_file(params, "x")) == with_onnx
        assert rep.dims(params) == 7
    finally:
        rep._signature.cache_clear()


def test_provenance_hash_follows_the_file(tmp_path):
    path = waveform_model(tmp_path / "model.onnx", seed=0)
    params = wave_params(path)
    y = signal(0.5)
    first = rep.provenance(params)
    assert first == {"model": path, "model_sha256": hashlib.sha256(open(path, "rb").read()).hexdigest()}
    assert rep.model_sha256(path) == first["model_sha256"]
    before = rep.compute(y, SR, params)[0]
    waveform_model(tmp_path / "model.onnx", seed=1)  # other weights at the same path
    second = rep.provenance(params)
    assert second["model_sha256"] == hashlib.sha256(open(path, "rb").read()).hexdigest() != first["model_sha256"]
    after = rep.compute(y, SR, params)[0]  # the new model, not the cached session of the old one
    assert not np.allclose(before, after) and np.allclose(after, numpy_waveform(y, seed=1), atol=1e-5)


def test_a_missing_or_unusable_model_is_named(tmp_path, wave):
    with pytest.raises(ValueError, match=r"'representation_params\.m\.model': the path of the \.onnx model file"):
        rep.check(wave_params(None), "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.model': .*nothing\.onnx does not exist"):
        rep.check(wave_params(str(tmp_path / "nothing.onnx")), "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.model': .* is not a file"):
        rep.check(wave_params(str(tmp_path)), "m")
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x08\x07 this is not a model")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.model': .*garbage\.onnx is not a loadable"):
        rep.check(wave_params(str(garbage)), "m")
    with pytest.raises(ValueError, match=r"garbage\.onnx is not a loadable ONNX model"):
        rep._load(str(garbage), "x", 1)


def test_parameters_that_do_not_fit_the_model_are_named(tmp_path, wave):
    mel_path, _ = logmel_model(tmp_path / "mel.onnx", n_mels=40)
    with pytest.raises(ValueError, match=r"'representation_params\.m\.input': .* rank 2; input: logmel .* waveform"):
        rep.check({**wave_params(wave), "input": "logmel"}, "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.input': .* rank 3; .* set input: logmel"):
        rep.check(wave_params(mel_path), "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.mel\.n_mels': .* 40 mel bands, .* 128"):
        rep.check({**wave_params(mel_path), "input": "logmel"}, "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.mel\.bands': not a log-mel parameter"):
        rep.check({**wave_params(mel_path), "input": "logmel", "mel": {"bands": 40}}, "m")
    with pytest.raises(
        ValueError, match=r"'representation_params\.m\.input_name': .* no input 'x'; its inputs: 'wave'"
    ):
        rep.check(wave_params(wave, input_name="x"), "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.output_name': .* no output 'y'"):
        rep.check(wave_params(wave, output_name="y"), "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.hop_seconds': seconds \(> 0\) are needed"):
        rep.check(wave_params(wave, hop_seconds=None), "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.frame_seconds'"):
        rep.check(wave_params(wave, frame_seconds=0), "m")
    with pytest.raises(ValueError, match=r"'representation_params\.<name>\.frame_seconds'"):
        rep.frame_seconds(SR, wave_params(wave, frame_seconds=None))
    with pytest.raises(ValueError, match=r"'representation_params\.m\.batch_size'"):
        rep.check(wave_params(wave, batch_size=0), "m")
    with pytest.raises(ValueError, match=r"'representation_params\.m\.input': 'spectrogram' is not one of"):
        rep.check(wave_params(wave, input="spectrogram"), "m")


def test_a_fixed_input_length_and_a_too_short_file_are_reported(tmp_path, wave):
    fixed = tmp_path / "fixed.onnx"
    w, b = conv_weights()
    save(
        fixed,
        [
            helper.make_node("Unsqueeze", ["wave", "axis1"], ["wave3"]),
            helper.make_node("Conv", ["wave3", "w", "b"], ["conv"], strides=[HOP]),
            helper.make_node("Transpose", ["conv"], ["emb"], perm=[0, 2, 1]),
        ],
        [helper.make_tensor_value_info("wave", TensorProto.FLOAT, ["batch", 8000])],
        [helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["batch", "frames", DIMS])],
        [
            numpy_helper.from_array(w, "w"),
            numpy_helper.from_array(b, "b"),
            numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        ],
    )
    assert rep.compute(signal(0.5), SR, wave_params(str(fixed)))[0].shape == (48, DIMS)
    with pytest.raises(ValueError, match=r"takes input 'wave' of shape \[\?, 8000\]; a file gives \[7999\]"):
        rep.compute(signal(7999 / SR), SR, wave_params(str(fixed)))
    with pytest.raises(ValueError, match=r"wave\.onnx failed on an input of shape \[1, 100\]"):
        rep.compute(signal(100 / SR), SR, wave_params(wave))


def test_threads_set_the_sessions_options(wave):
    params = wave_params(wave)
    rep.set_threads(2)
    options = rep.session(params).get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (2, 1)
    rep.set_threads(1)
    assert rep.session(params).get_session_options().intra_op_num_threads == 1
    assert rep.session(params) is rep.session(params)  # built once per process
    assert rep.session(params).get_providers()[-1] == "CPUExecutionProvider"


@pytest.mark.l3  # (torch exports the example)
def test_example_export_gives_the_frames_its_config_says(tmp_path, capsys):
    """examples/export_onnx.py: its model runs here, and output frame j depends on exactly the
    mel frames its printed frame_seconds and hop_seconds say."""
    import importlib.util

    import torch
    import yaml
    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("export_onnx", ROOT / "examples" / "export_onnx.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = tmp_path / "conv.onnx"
    example.main(["--out", str(out), "--seed", "3"])
    printed = capsys.readouterr().out
    diff = float(printed.split("max abs difference ")[1].split()[0])
    assert diff < 1e-5
    config = yaml.safe_load(printed.split("configuration (config.yaml):")[1])
    params = {**rep.DEFAULTS, **{k: v for k, v in config["representation_params"]["my_model"].items() if k != "kind"}}
    assert params["model"] == str(out) and rep.dims(params) == 64
    # which mel frames each output frame sees: the outputs a change of mel frame k moves
    torch.manual_seed(3)
    net = example.ConvEncoder().eval()
    x = torch.randn(1, 60, 128) * 20 - 40
    seen = {}
    with torch.inference_mode():
        base = net(x)
        for k in range(60):
            moved = x.clone()
            moved[0, k] += 50.0
            for j in torch.nonzero((net(moved) - base).abs().amax(dim=2)[0] > 0).flatten().tolist():
                seen.setdefault(j, []).append(k)
    hop, frame = 512 / 16000, 1024 / 16000
    for j, ks in seen.items():
        # mel frame k spans [k hop - n_fft / 2, k hop + n_fft / 2) (centred frames)
        start, end = ks[0] * hop - frame / 2, ks[-1] * hop + frame / 2
        assert ks == list(range(ks[0], ks[-1] + 1))
        assert start == pytest.approx(rep.offset_seconds(16000, params) + j * params["hop_seconds"])
        assert end - start == pytest.approx(params["frame_seconds"])
    assert len(seen) == len(base[0])
