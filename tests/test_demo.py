import hashlib
import shutil

import numpy as np
import pytest
import soundfile as sf

from audio_umaps import demo, manifest, plan


def _digest(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.wav"))
    }


@pytest.fixture(scope="module")
def demo_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    n = demo.synthesize(
        root / "dcase",
        root / "ext",
        {"fan": "fan", "ToyCar": "motor", "valve": "valve"},
        sections=2,
        seconds=1.0,
        train_clips={"source": 2, "target": 1},
        test_clips=2,
        external_clips=1,
        seed=4,
    )
    return root, n


def test_layout_parses_as_dcase2021(demo_tree):
    root, n = demo_tree
    table, excluded = manifest.build_manifest("demo", {"kind": "dcase2021", "root": str(root / "dcase")}, 0.5)
    assert excluded.empty
    assert n == len(table) + 3 + 1  # three external kinds, one silent clip
    scanned = plan.scan_dataset("demo", {"kind": "dcase2021", "root": str(root / "dcase")})
    assert scanned.sections == {d: ("00", "01") for d in ("ToyCar", "fan", "valve")}
    assert set(table["part"]) == set(scanned.parts)
    for part, files in scanned.parts.items():  # the plan's parts are the manifest's
        assert sorted(table.loc[table["part"] == part, "relpath"]) == sorted(files)
    counts = table.groupby(["device", "split", "domain", "label"]).size()
    assert counts[("fan", "train", "source", "normal")] == 4
    assert counts[("fan", "train", "target", "normal")] == 2
    assert counts[("valve", "test", "target", "anomaly")] == 4
    info = sf.info(str(next((root / "ext").rglob("chirps_00.wav"))))
    assert (info.samplerate, info.channels) == (22050, 2)


def test_deterministic_from_seed(demo_tree, tmp_path):
    root, _ = demo_tree
    args = dict(
        devices={"fan": "fan", "ToyCar": "motor", "valve": "valve"},
        sections=2,
        seconds=1.0,
        train_clips={"source": 2, "target": 1},
        test_clips=2,
        external_clips=1,
    )
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


def test_written_from_a_config_once_into_the_roots_of_its_datasets(tmp_path):
    config = {
        "audio": {"sample_rate": 16000},
        "datasets": {
            "dev": {"kind": "dcase2021", "root": "results/data/dev"},
            "ext": {"kind": "folder", "root": "results/data/ext"},
        },
        "demo": {
            "dcase_dataset": "dev",
            "external_dataset": "ext",
            "seed": 2,
            "devices": {"pump": "valve"},
            "sections": 1,
            "seconds": 1.0,
            "train_clips": {"source": 1, "target": 1},
            "test_clips": 1,
            "external_clips": 1,
        },
    }
    roots, n = demo.write_from_config(config, tmp_path)
    assert roots == {"dcase_dataset": tmp_path / "results/data/dev", "external_dataset": tmp_path / "results/data/ext"}
    assert n == 2 + 4 + 3 + 1
    assert sorted(p.name for p in (tmp_path / "results/data/dev/pump").iterdir()) == [
        "source_test",
        "target_test",
        "train",
    ]
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.wav")}
    assert demo.write_from_config(config, tmp_path) == (roots, 0)  # up to date: nothing rewritten
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.wav")} == before
    config["demo"]["devices"] = {"fan": "fan"}  # other settings: the demo is replaced
    assert demo.write_from_config(config, tmp_path)[1] == n
    assert [p.name for p in (tmp_path / "results/data/dev").iterdir() if not p.name.startswith(".")] == ["fan"]
    shutil.rmtree(tmp_path / "results/data/ext")  # a deleted root is written again
    assert demo.write_from_config(config, tmp_path)[1] == n
    assert len(list((tmp_path / "results/data/ext").rglob("*.wav"))) == 4


def test_never_overwrites_folders_it_did_not_write(tmp_path):
    (tmp_path / "results/mine").mkdir(parents=True)
    (tmp_path / "results/mine" / "precious.wav").write_bytes(b"RIFF")
    config = {
        "datasets": {"demo": {"kind": "dcase2021", "root": "results/mine"}},
        "demo": {"dcase_dataset": "demo", "external_dataset": None, "sections": 1, "seconds": 1.0},
    }
    with pytest.raises(demo.DemoError, match=r"demo\.dcase_dataset.*holds files the demo did not write"):
        demo.write_from_config(config, tmp_path)
    assert (tmp_path / "results/mine" / "precious.wav").read_bytes() == b"RIFF"
    for outside in ("mine", "results/../mine", "/tmp/elsewhere"):  # never outside results/
        config["datasets"]["demo"]["root"] = outside
        with pytest.raises(demo.DemoError, match=r"datasets\.demo\.root.*only inside results/"):
            demo.write_from_config(config, tmp_path)
    config["datasets"]["demo"]["root"] = "results/mine"
    config["demo"]["dcase_dataset"] = "nope"
    with pytest.raises(demo.DemoError, match=r"'demo\.dcase_dataset': 'nope' must name a dataset of kind 'dcase2021'"):
        demo.write_from_config(config, tmp_path)


def test_command_line_reads_the_config(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text(
        "representations: [mel]\nstacks: [1]\nsampling: {seed: 0, device: {test: 1, train: 1, external: 1},"
        " global: {test: 1, train: 1, external: 1}}\ndatasets: {d: {kind: dcase2021, root: results/d}}\n"
        "demo: {dcase_dataset: d, external_dataset: null, devices: {fan: fan}, sections: 1, seconds: 1.0,"
        " test_clips: 1, train_clips: {source: 1, target: 0}}\n"
    )
    assert demo.main(["--configfile", str(tmp_path / "c.yaml"), "--directory", str(tmp_path)]) == 0
    assert len(list((tmp_path / "results/d/fan").rglob("*.wav"))) == 1 + 4
    assert "wrote 5 files" in capsys.readouterr().err
    assert demo.main(["--configfile", str(tmp_path / "c.yaml"), "--directory", str(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text("stacks: ten\n")
    assert demo.main(["--configfile", str(tmp_path / "bad.yaml")]) == 2
    assert "config key 'stacks'" in capsys.readouterr().err
