"""A run of the tiny configuration with every kind a researcher adds by editing the config:
TKEO (pooled windows), an ONNX model the test builds, precomputed embeddings (frames, and one
vector per file) with bad files among them, next to log-mel."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import expected_jobs, job_counts, prepare, snakemake, tiny_demo
from models import framing_conv, framing_conv_numpy

pytestmark = pytest.mark.workflow

HOP, FRAME = 0.125, 0.25  # the precomputed embeddings' frames (s)
STACK = 3
BAD = {  # train files of the demo whose embedding is broken, and the reason the report gives
    "section_00_source_train_normal_0000_speed_1.0": ("missing", "no embedding of emb"),
    "section_00_source_train_normal_0001_speed_1.0": ("dims", "has 5 dimensions per frame, the others 4"),
    "section_01_source_train_normal_0004_speed_1.0": ("nan", "holds NaN or infinite values in 1 of"),
    "section_01_source_train_normal_0005_speed_1.0": ("frames", "has 45 frames; a 2.000 s file"),
}


def summary_features(y: np.ndarray, sr: int = 16000) -> np.ndarray:
    """A stand-in for a researcher's model: per frame of FRAME s every HOP s (inside the file),
    mean |y|, standard deviation, peak and zero-crossing rate."""
    frame, hop = int(FRAME * sr), int(HOP * sr)
    frames = np.lib.stride_tricks.sliding_window_view(y, frame)[::hop]
    crossings = (np.diff(np.signbit(frames), axis=1) != 0).mean(axis=1)
    return np.stack([np.abs(frames).mean(1), frames.std(1), np.abs(frames).max(1), crossings], axis=1)


def write_embeddings(work: Path, manifest: pd.DataFrame) -> dict:
    """Frame embeddings (.npy, one .npz) and clip vectors of every file, broken for BAD."""
    from audio_umaps import audio

    written = {}
    for row in manifest.itertuples():
        try:
            y = audio.load(row.path)
        except audio.AudioError:  # the demo's silent external clip: the workflow leaves it out
            continue
        feats = summary_features(y).astype(np.float32)
        written[row.dataset, row.relpath] = feats
        stem = Path(row.relpath).with_suffix("")
        frames = work / "emb" / row.dataset / stem.parent / (stem.name + ".npy")
        clip = work / "emb_clip" / row.dataset / stem.parent / (stem.name + ".npy")
        frames.parent.mkdir(parents=True, exist_ok=True)
        clip.parent.mkdir(parents=True, exist_ok=True)
        np.save(clip, feats.mean(axis=0))
        bad = BAD.get(stem.name, (None,))[0]
        if bad == "missing":
            continue
        if bad == "dims":
            feats = np.hstack([feats, feats[:, :1]])
        elif bad == "nan":
            feats = feats.copy()
            feats[3, 1] = np.nan
        elif bad == "frames":
            feats = np.vstack([feats, feats, feats])
        if stem.name == "section_00_source_train_normal_0002_speed_1.0":  # the .npz form
            np.savez(frames.with_suffix(".npz"), embedding=feats)
        else:
            np.save(frames, feats)
    return written


@pytest.fixture(scope="module")
def own_run(tmp_path_factory):
    from audio_umaps import manifest as manifest_module

    work = tmp_path_factory.mktemp("own")
    model = framing_conv(work / "models/conv.onnx")
    config = tiny_demo(representations=["mel", "tkeo", "conv", "emb", "emb_clip", "mel_mean"], stacks=[STACK])
    config["representation_params"] = {
        "mel_mean": {"kind": "mel", "windowing": "mean"},  # log-mel's own stores, pooled
        "tkeo": {"n_bands": 16, "windowing": "mean"},
        "conv": {
            "kind": "onnx",
            "model": "models/conv.onnx",
            "input": "waveform",
            "frame_seconds": 0.04,
            "hop_seconds": 0.02,
            "windowing": "meanstd",
        },
        "emb": {"kind": "embeddings", "root": "emb", "frame_seconds": FRAME, "hop_seconds": HOP},
        "emb_clip": {"kind": "embeddings", "root": "emb_clip", "clip": True},
    }
    config_path = prepare(work, config)
    # the embeddings are made from the demo's audio, as a researcher's own model would
    here = os.getcwd()
    os.chdir(work)
    try:
        tables = [manifest_module.build_manifest(name, entry, 0.5)[0] for name, entry in config["datasets"].items()]
    finally:
        os.chdir(here)
    written = write_embeddings(work, pd.concat(tables).assign(path=lambda t: [str(work / p) for p in t["path"]]))
    proc = snakemake("--directory", str(work), "--configfile", str(config_path), "--cores", "2")
    return work, config_path, proc, model, written


def store_rows(store_path, manifest_path: str):
    """A store's features of one file (by its manifest path)."""
    from audio_umaps.store import Store

    store = Store(store_path)
    i = store.files.index(manifest_path)
    return store, store.features[store.offsets[i] : store.offsets[i + 1]]


def test_every_kind_maps_measures_and_explores(own_run):
    work, config, proc, *_ = own_run
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts == expected_jobs(config, work)
    # five representations on two scopes (fan, global); one vector per file: stack 1 only
    assert counts["features_onnx"] == counts["features_embeddings"] / 2 == 2  # (demo + external)
    umaps = sorted(p.relative_to(work / "results/umap").as_posix() for p in (work / "results/umap").rglob("*.tsv"))
    assert umaps == sorted(
        [f"{r}/stack{STACK}/{s}.tsv" for r in ("mel", "tkeo", "conv", "emb", "mel_mean") for s in ("fan", "global")]
        + [f"emb_clip/stack1/{s}.tsv" for s in ("fan", "global")]
    )
    assert pd.read_csv(work / "results/reports/skipped.tsv", sep="\t").empty  # every map was drawn
    summary = pd.read_csv(work / "results/metrics/summary.tsv", sep="\t")
    assert sorted(summary["representation"].unique()) == ["conv", "emb", "emb_clip", "mel", "mel_mean", "tkeo"]
    assert dict(zip(summary["representation"], summary["windowing"])) == {
        "mel_mean": "mean",
        "mel": "stack",
        "tkeo": "mean",
        "conv": "meanstd",
        "emb": "stack",
        "emb_clip": "stack",
    }
    assert summary["sep_auc_original"].notna().all() and summary["dsup_auc_original"].notna().all()
    # a name that differs from another only in its windowing reads that one's stores
    assert sorted(p.name for p in (work / "results/features/demo").iterdir()) == [
        "conv",
        "emb",
        "emb_clip",
        "mel",
        "tkeo",
    ]
    from audio_umaps.tables import read_tsv

    sample = read_tsv(work / f"results/samples/mel_mean/stack{STACK}/fan.tsv")
    assert set(sample["store"]) == {"results/features/demo/mel/fan.zarr", "results/features/demo_external/mel/all.zarr"}


def test_values_equal_direct_computation(own_run):
    """Each kind's store holds what computing it directly gives: TKEO from the module on the
    loaded audio, the ONNX model's frames by numpy, the embeddings as written."""
    import hashlib

    from audio_umaps import audio, representations
    from audio_umaps.tables import read_tsv

    work, _, _, model, written = own_run
    manifest = read_tsv(work / "results/manifest/demo.tsv")
    row = manifest[manifest["split"] == "test"].iloc[0]
    y = audio.load(str(work / row["path"]))
    _, tkeo = store_rows(work / "results/features/demo/tkeo/fan.zarr", row["path"])
    params = representations.params("tkeo", {"n_bands": 16})
    np.testing.assert_allclose(tkeo, representations.get("tkeo").compute(y, 16000, params)[0], rtol=1e-5, atol=1e-4)
    store, conv = store_rows(work / "results/features/demo/conv/fan.zarr", row["path"])
    np.testing.assert_allclose(conv, framing_conv_numpy(y, model), rtol=1e-4, atol=1e-4)
    assert store.attrs["model_sha256"] == hashlib.sha256((work / "models/conv.onnx").read_bytes()).hexdigest()
    assert store.attrs["frame_hop_seconds"] == pytest.approx(0.02)
    _, emb = store_rows(work / "results/features/demo/emb/fan.zarr", row["path"])
    np.testing.assert_array_equal(emb, written["demo", row["relpath"]])
    _, clip = store_rows(work / "results/features/demo/emb_clip/fan.zarr", row["path"])
    np.testing.assert_allclose(clip, written["demo", row["relpath"]].mean(axis=0, keepdims=True), rtol=1e-6)
    npz = manifest[manifest["path"].str.endswith("section_00_source_train_normal_0002_speed_1.0.wav")].iloc[0]
    np.testing.assert_array_equal(
        store_rows(work / "results/features/demo/emb/fan.zarr", npz["path"])[1], written["demo", npz["relpath"]]
    )


def test_bad_embeddings_are_reported_and_the_rest_runs(own_run):
    work, *_ = own_run
    from audio_umaps.store import Store

    report = pd.read_csv(work / "results/reports/demo.excluded.tsv", sep="\t")
    found = {Path(p).stem: reason for p, reason in zip(report["path"], report["reason"])}
    assert set(found) == set(BAD)
    for stem, (_, reason) in BAD.items():
        assert reason in found[stem], found[stem]
    assert set(report["stage"]) == {"features"} and set(report["outcome"]) == {"left out"}
    emb = {Path(p).stem for p in Store(work / "results/features/demo/emb/fan.zarr").files}
    mel = {Path(p).stem for p in Store(work / "results/features/demo/mel/fan.zarr").files}
    assert emb == mel - set(BAD) and len(emb) == len(mel) - 4


def test_pooled_windows_say_so_and_have_their_dims(own_run, monkeypatch):
    work, *_ = own_run
    monkeypatch.chdir(work)  # (a sample names its stores relative to the working folder)
    from audio_umaps import umap
    from audio_umaps.tables import read_tsv

    for rep, how, dims in (("tkeo", "mean", 16), ("conv", "meanstd", 12), ("mel", "stack", STACK * 128)):
        status = json.loads((work / f"results/umap/{rep}/stack{STACK}/fan.json").read_text())
        assert status["windowing"] == how
        sample = read_tsv(work / f"results/samples/{rep}/stack{STACK}/fan.tsv")
        assert umap.windows_for_umap(sample.head(50), windowing=how).shape == (50, dims)
        rows = pd.read_csv(work / f"results/metrics/{rep}/stack{STACK}/fan.tsv", sep="\t")
        assert set(rows["windowing"]) == {how}
    page = (work / f"results/explore/fan/tkeo_stack{STACK}.html").read_text()
    assert f"fan: tkeo, mean of {STACK} frames" in page
    assert "fan: emb_clip, one vector per file" in (work / "results/explore/fan/emb_clip_stack1.html").read_text()


def explorer_payload(work: Path, scope: str, name: str) -> dict:
    text = (work / f"results/explore/{scope}/data/{name}.js").read_text()
    return json.loads(re.search(r"= (\{.*\});\s*$", text, re.S).group(1))


def test_explorer_spans_follow_each_representations_hop(own_run):
    """A window of the ONNX model (hop 0.02 s, frames of 0.04 s) starts at its first frame's
    start and spans two hops and a frame; a clip vector's window is its whole file."""
    import base64

    work, *_ = own_run
    from audio_umaps.tables import read_tsv

    payload = explorer_payload(work, "fan", f"conv_stack{STACK}")
    assert payload["hop"] == pytest.approx(0.02) and payload["frame_seconds"] == pytest.approx(0.04)
    assert payload["window_seconds"] == pytest.approx((STACK - 1) * 0.02 + 0.04)
    umap = read_tsv(work / f"results/umap/conv/stack{STACK}/fan.tsv")
    t = np.frombuffer(base64.b64decode(payload["columns"]["t"]["b64"]), dtype=np.float32)
    np.testing.assert_allclose(t, umap["first_frame"] * 0.02, atol=1e-5)
    clip = explorer_payload(work, "fan", "emb_clip_stack1")
    assert clip["clip_level"] is True
    clips = read_tsv(work / "results/clips/fan/clips.tsv")
    assert (clips["offset"] == 0).all()  # every clip starts at its file's start (emb_clip's window)


@pytest.mark.browser
def test_a_click_on_a_model_window_plays_its_span_and_marks_the_same_sound_in_every_map(own_run):
    """In Chromium: a click on a window of the ONNX map (hop 0.02 s) plays that window's own
    span, and marks in the log-mel map (hop 0.032 s) exactly the windows of its file that
    overlap it, in the clip map every window of its file."""
    import browser

    from audio_umaps.tables import read_tsv

    browser.require_chromium()
    work, *_ = own_run
    conv = read_tsv(work / f"results/umap/conv/stack{STACK}/fan.tsv")
    mel = read_tsv(work / f"results/umap/mel/stack{STACK}/fan.tsv")
    clip = read_tsv(work / "results/umap/emb_clip/stack1/fan.tsv")
    with browser.chromium() as context:
        page = browser.Page(context, (work / f"results/explore/fan/conv_stack{STACK}.html").as_uri())
        assert (
            page.page.evaluate("() => AudioUmaps.loadLinked().then(() => window.AudioUmapsLinkedLoaded)") == 5
        )  # the other maps
        i = int(conv.index[(conv["split"] == "test") & (conv["first_frame"] > 10)][0])
        page.js(f"AudioUmaps.play('conv_stack{STACK}', {i})")
        page.page.wait_for_function("window.AudioUmapsPlayback && window.AudioUmapsPlayback.started !== null")
        played = page.js("window.AudioUmapsPlayback")
        start = conv.loc[i, "first_frame"] * 0.02
        end = start + (STACK - 1) * 0.02 + 0.04
        offset = page.js(
            f"AudioUmaps.maps['conv_stack{STACK}'].files[AudioUmaps.maps['conv_stack{STACK}'].file[{i}]].offset"
        )
        assert played["from"] == pytest.approx(max(0, start - 0.25) - offset, abs=1e-4)
        assert played["to"] == pytest.approx(end + 0.25 - offset, abs=1e-4)
        same = mel["path"] == conv.loc[i, "path"]
        mel_start = mel["first_frame"] * 0.032 - 0.032
        mel_end = mel_start + (STACK - 1) * 0.032 + 0.064
        overlap = np.minimum(mel_end, end) - np.maximum(mel_start, start)
        expected = sorted(mel.index[same & (overlap > 1e-4)].tolist())
        assert expected and page.js(f"AudioUmaps.marked['mel_stack{STACK}']") == expected
        assert (
            page.js("AudioUmaps.marked['emb_clip_stack1']") == clip.index[clip["path"] == conv.loc[i, "path"]].tolist()
        )
        assert page.errors == []
        page.close()
