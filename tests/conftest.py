import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SHARED = ROOT.parent / "shared" / "real-audio"


def write_wav(path, y, sr=16000):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.asarray(y, dtype=np.float32), sr, subtype="FLOAT")
    return path


def tone(seconds, freq=440.0, sr=16000, amp=0.5):
    t = np.arange(int(seconds * sr)) / sr
    return amp * np.sin(2 * np.pi * freq * t)


def tiny_demo(representations=("mel",), stacks=(5,), devices=None, sections=2, test_clips=1,
              external_clips=1, colour="#8c8c8c", **sampling):
    """A small configuration of the built-in demo (2 s clips) for workflow tests."""
    return {
        "representations": list(representations),
        "stacks": list(stacks),
        "datasets": {
            "demo": {"kind": "dcase2021", "root": "results/demo/dcase2021", "source": "demo"},
            "demo_external": {"kind": "folder", "root": "results/demo/external", "source": "demo",
                              "colour": colour},
        },
        "sampling": {"seed": 0, "device": {"test": 40, "train": 40, "external": 40},
                     "global": {"test": 20, "train": 20, "external": 40}, **sampling},
        "umap": {"n_neighbors": 10, "seed": 1},
        "plots": {"width": 8, "height": 4, "dpi": 50, "origin": {"skip": 5, "take": 5}},
        "demo": {"seed": 3, "devices": devices or {"fan": "fan"}, "sections": sections, "seconds": 2.0,
                 "train_clips": {"source": 3, "target": 1}, "test_clips": test_clips,
                 "external_clips": external_clips},
    }


def snakemake(*args, cwd=ROOT, check=True, timeout=900, env=None):
    """Run snakemake from this interpreter's environment (plus ``env``); returns the
    CompletedProcess."""
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), *args]
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
