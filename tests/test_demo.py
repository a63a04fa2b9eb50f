import hashlib

import numpy as np
import pytest
import soundfile as sf

from audio_umaps import demo, manifest


def _digest(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.wav"))}


@pytest.fixture(scope="module")
def demo_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    n = demo.synthesize(root / "dcase", root / "ext", {"fan": "fan", "ToyCar": "motor", "valve": "valve"},
                        sections=2, seconds=1.0, train_clips={"source": 2, "target": 1}, test_clips=2,
                        external_clips=1, seed=4)
    return root, n


def test_layout_parses_as_dcase2021(demo_tree):
    root, n = demo_tree
    table, excluded = manifest.build_manifest("demo", {"kind": "dcase2021", "root": str(root / "dcase")}, 0.5)
    assert excluded.empty
    assert n == len(table) + 3 + 1  # three external kinds, one silent clip
    assert manifest.scan_dcase2021(root / "dcase") == {d: ["00", "01"] for d in ("ToyCar", "fan", "valve")}
    counts = table.groupby(["device", "split", "domain", "label"]).size()
    assert counts[("fan", "train", "source", "normal")] == 4
    assert counts[("fan", "train", "target", "normal")] == 2
    assert counts[("valve", "test", "target", "anomaly")] == 4
    info = sf.info(str(next((root / "ext").rglob("chirps_00.wav"))))
    assert (info.samplerate, info.channels) == (22050, 2)


def test_deterministic_from_seed(demo_tree, tmp_path):
    root, _ = demo_tree
    args = dict(devices={"fan": "fan", "ToyCar": "motor", "valve": "valve"}, sections=2, seconds=1.0,
                train_clips={"source": 2, "target": 1}, test_clips=2, external_clips=1)
    demo.synthesize(tmp_path / "dcase", tmp_path / "ext", seed=4, **args)
    assert _digest(tmp_path / "dcase") == _digest(root / "dcase")
    demo.synthesize(tmp_path / "other", tmp_path / "ext2", seed=5, **args)
    assert _digest(tmp_path / "other") != _digest(root / "dcase")


def test_domains_and_anomalies_differ():
    def spectrum(**kw):
        y = demo.machine_sound("motor", 1, seconds=2.0, sr=16000, rng=np.random.default_rng(0), **kw)
        return np.abs(np.fft.rfft(y))

    source, target = spectrum(domain="source"), spectrum(domain="target")
    assert abs(np.argmax(target) / np.argmax(source) - 1.3) < 0.05  # target runs 1.3x faster
    shifted = spectrum(domain="source", anomaly="harmonics")
    assert np.argmax(shifted) != np.argmax(source)
    with pytest.raises(ValueError, match="demo sound"):
        demo.machine_sound("drill", 0, "source", 1.0, 16000, np.random.default_rng(0))
