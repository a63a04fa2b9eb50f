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


def tiny_demo(
    representations=None,
    stacks=None,
    devices=None,
    sections=None,
    test_clips=None,
    external_clips=None,
    colour=None,
    **sampling,
):
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
    for key, value in dict(
        devices=devices, sections=sections, test_clips=test_clips, external_clips=external_clips
    ).items():
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


def write_config(folder: Path, config: dict) -> Path:
    path = Path(folder) / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table that snakemake prints, as {rule: count}."""
    table = output.split("Job stats:")[1]
    counts = {}
    for line in table.splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def expected_jobs(config_path, work) -> dict[str, int]:
    """The jobs a full run of a config makes, per rule and in total, derived from what its plan
    lists (representations x stacks x scopes, devices, sections, parts, systems): the
    independent count that the workflow's 'Job stats' must equal."""
    from audio_umaps.plan import L3, Plan

    here = os.getcwd()
    os.chdir(work)
    try:
        plan = Plan(check(yaml.safe_load(Path(config_path).read_text())))
    finally:
        os.chdir(here)
    maps = len(plan.maps())
    parts = sum(len(plan.parts(d)) for d in plan.datasets)
    counts = {
        "manifest": len(plan.datasets),
        "features": parts if plan.spectral else 0,
        "features_l3": parts if L3 in plan.representations else 0,
        "features_onnx": parts * len(plan.stored_of_kind("onnx")),
        "features_embeddings": parts * len(plan.stored_of_kind("embeddings")),
        "excluded_report": len(plan.datasets),
        "sample": maps * len(plan.scopes),
        "umap": maps * len(plan.scopes),
        "plot_global": maps,
        "plot_device": maps * len(plan.devices),
        "plot_section": maps * sum(len(s) for s in plan.sections.values()),
        "plot_folder": maps * len(plan.folders),
        "metrics": maps * len(plan.devices),
        "predictions": len(plan.systems) if plan.measured else 0,
        "metrics_summary": int(plan.measured),
        "explore_clips": len(plan.scopes),
        "explore": len(plan.scopes),
        "explore_index": 1,
        "skipped_report": 1,
        "all": 1,
    }
    counts = {rule: n for rule, n in counts.items() if n}
    return {**counts, "total": sum(counts.values())}


def tinted_pixels(png: Path, width: float = 0.5, spread: int = 20) -> int:
    """Pixels of any tint, however pale (their RGB channels more than ``spread`` apart), in the
    left ``width`` of a figure: a heatmap's cells near chance are too pale to count as
    :func:`coloured_pixels`; an empty frame (white, black text, grey) has none."""
    from PIL import Image

    with Image.open(png) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=int)
    left = rgb[:, : int(rgb.shape[1] * width)]
    return int((left.max(axis=2) - left.min(axis=2) > spread).sum())


def coloured_pixels(png: Path, width: float = 0.4) -> int:
    """Saturated (coloured, not grey, white or black) pixels in the left ``width`` of a plot: its
    first panel, left of the legend. Titles and frames are black; a blank panel has none."""
    from PIL import Image

    with Image.open(png) as im:
        hsv = np.asarray(im.convert("RGB").convert("HSV"), dtype=float)
    left = hsv[:, : int(hsv.shape[1] * width)]
    return int(((left[..., 1] > 80) & (left[..., 2] > 60)).sum())


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
