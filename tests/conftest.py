import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml

from audio_umaps import demo
from audio_umaps.config import check

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "workflow" / "Snakefile"
TEST_CONFIG = ROOT / ".test" / "config" / "config.yaml"
SHARED = ROOT.parent / "shared" / "real-audio"


def write_wav(path, y, sr=16000):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.asarray(y, dtype=np.float32), sr, subtype="FLOAT")
    return path


def tone(seconds, freq=440.0, sr=16000, amp=0.5):
    t = np.arange(int(seconds * sr)) / sr
    return amp * np.sin(2 * np.pi * freq * t)


def tiny_demo(representations=None, stacks=None, devices=None, sections=None, test_clips=None,
              external_clips=None, colour=None, **sampling):
    """The tiny demo configuration of ``.test/config/config.yaml`` (one device, two sections of
    2 s clips, log-mel, stack 5), varied per test."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    if representations is not None:
        config["representations"] = list(representations)
    if stacks is not None:
        config["stacks"] = list(stacks)
    if colour is not None:
        config["datasets"]["demo_external"]["colour"] = colour
    config["sampling"].update(sampling)
    for key, value in dict(devices=devices, sections=sections, test_clips=test_clips,
                           external_clips=external_clips).items():
        if value is not None:
            config["demo"][key] = value
    return config


def prepare(work, config: dict) -> Path:
    """Write ``config`` to ``work/config.yaml`` and the demo data it describes under ``work``
    (what bin/demo does before running the workflow); returns the config's path."""
    work = Path(work)
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    demo.write_from_config(check(yaml.safe_load(path.read_text())), work)
    return path


def snakemake(*args, cwd=ROOT, check=True, timeout=900, env=None):
    """Run snakemake from this interpreter's environment (plus ``env``); returns the
    CompletedProcess."""
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


@pytest.fixture
def dcase_root(tmp_path):
    """A tiny DCASE 2021 tree: one device, sections 00 and 01, train and test files."""
    root = tmp_path / "dcase"
    rng = np.random.default_rng(0)
    names = [
        "pump/train/section_00_source_train_normal_0000_a_1.wav",
        "pump/train/section_00_target_train_normal_0001_a_2.wav",
        "pump/train/section_01_source_train_normal_0002.wav",
        "pump/source_test/section_00_source_test_normal_0000.wav",
        "pump/source_test/section_00_source_test_anomaly_0001.wav",
        "pump/target_test/section_01_target_test_anomaly_0000.wav",
        "pump/test/section_03_0000.wav",
        "pump/test/section_03_0001.wav",
    ]
    for i, name in enumerate(names):
        write_wav(root / name, 0.3 * rng.standard_normal(8000 + 1000 * i))
    return root
