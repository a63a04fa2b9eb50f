"""A small scope for the explorer's tests: real audio files (tones in noise), two maps (log-mel
stack 1 and stack 5) whose windows lie in one island per file, kNN scores and a system's
scores and decisions, and one unreadable file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from audio_umaps import explore

SR = 16000
HOP = 512
FILES = [  # (subfolder, name, split, label, section, domain)
    ("fan/train", "section_00_source_train_normal_0000_a.wav", "train", "normal", "00", "source"),
    ("fan/train", "section_00_source_train_normal_0001_a.wav", "train", "normal", "00", "source"),
    ("fan/train", "section_01_target_train_normal_0000_b.wav", "train", "normal", "01", "target"),
    ("fan/source_test", "section_00_source_test_normal_0000_a.wav", "test", "normal", "00", "source"),
    ("fan/source_test", "section_00_source_test_anomaly_0000_a.wav", "test", "anomaly", "00", "source"),
    ("fan/target_test", "section_01_target_test_normal_0000_b.wav", "test", "normal", "01", "target"),
    ("fan/target_test", "section_01_target_test_anomaly_0000_b.wav", "test", "anomaly", "01", "target"),
    # characters a URL reads otherwise: the clip must still load
    ("fan/source_test", "section_00_source_test_normal_0001_a #1 %41?.wav", "test", "normal", "00", "source"),
]
ODD = 7  # index of that file
BROKEN = ("fan/target_test", "section_01_target_test_anomaly_0001_b.wav", "test", "anomaly", "01", "target")


def write_audio(root: Path) -> list[str]:
    paths = []
    rng = np.random.default_rng(3)
    for i, (sub, name, *_rest) in enumerate(FILES):
        path = root / sub / name
        path.parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(3 * SR) / SR
        y = 0.3 * np.sin(2 * np.pi * (300 + 150 * i) * t) + 0.05 * rng.normal(size=t.size)
        sf.write(path, y.astype(np.float32), SR)
        paths.append(str(path))
    broken = root / BROKEN[0] / BROKEN[1]
    broken.write_bytes(b"RIFF this is not audio")
    return paths + [str(broken)]


def table(paths: list[str], stack: int, windows_per_file: int, seed: int) -> pd.DataFrame:
    """Windows of every file: each file an island of its own around a point on a circle."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, (path, (sub, name, split, label, section, domain)) in enumerate(zip(paths, FILES + [BROKEN])):
        # windows from 0.47 s on: every clip then starts after its file does
        frames = np.sort(rng.choice(np.arange(15, 3 * SR // HOP - stack), windows_per_file, replace=False))
        angle = 2 * np.pi * i / (len(FILES) + 1) + seed
        for f in frames:
            rows.append(
                {
                    "dataset": "dev",
                    "kind": "dcase2021",
                    "part": "fan",
                    "path": path,
                    "device": "fan",
                    "section": section,
                    "domain": domain,
                    "split": split,
                    "label": label,
                    "file_id": name.split("_")[5],
                    "attributes": name.split("_")[-1][:-4],
                    "subfolder": sub,
                    "store": "results/features/dev/mel/fan.zarr",
                    "file_index": i,
                    "first_frame": int(f),
                    "start_time": round(f * HOP / SR, 6),
                    "stack": stack,
                    "energy": float(rng.uniform(10, 1000)),
                    "random_weights": False,
                    "attr_letter": name.split("_")[-1][:1],
                    "x": 10 * np.cos(angle) + rng.normal(scale=0.4),
                    "y": 10 * np.sin(angle) + rng.normal(scale=0.4),
                    "umap_seed": 42,
                }
            )
    out = pd.DataFrame(rows)
    out.insert(0, "point", np.arange(len(out)))
    return out


def scores(paths: list[str]) -> pd.DataFrame:
    rows = []
    for i, (path, (_, _, split, label, section, domain)) in enumerate(zip(paths, FILES + [BROKEN])):
        if split != "test":
            continue
        # the system calls the first normal file anomalous (a false positive) and misses the
        # first anomaly (a false negative)
        decision = {3: 1, 4: 0}.get(i, int(label == "anomaly"))
        rows.append(
            {
                "dataset": "dev",
                "device": "fan",
                "section": section,
                "domain": domain,
                "label": label,
                "path": path,
                "knn_original": 1.0 + i,
                "score_mysystem": 0.1 * i,
                "decision_mysystem": decision,
            }
        )
    return pd.DataFrame(rows)


def maps(paths: list[str], windows_per_file: int = 12) -> tuple[list, dict]:
    """The scope's two maps (mel stack 1 and 5) and their tables by name."""
    out, tables = [], {}
    for stack, seed in ((1, 0), (5, 1)):
        spec = explore.MapSpec.of("mel", stack, "fan", sample_rate=SR)
        t = table(paths, stack, windows_per_file, seed)
        tables[spec.name] = t
        out.append(explore.Map(spec, t, None, scores(paths)))
    return out, tables


def build(
    folder: Path,
    audio_root: Path,
    *,
    windows_per_file: int = 12,
    margin: float = 0.25,
    autoload: int = 150_000,
    clips_folder: Path | None = None,
) -> tuple[Path, dict]:
    """Write the scope's clips folder (``clips_folder``, else ``clips/fan`` beside the explore
    folder's parent) and its explorer folder, as the explore_clips and explore jobs do; returns
    the explorer folder and the maps' tables by name."""
    paths = write_audio(audio_root)
    scope_maps, tables = maps(paths, windows_per_file)
    settings = explore.Settings(margin=margin, linked_autoload_points=autoload)
    clips_folder = clips_folder or folder.parent.parent / "clips" / folder.name
    explore.write_scope_clips(
        clips_folder, scope_maps, margin=margin, audio_config={"sample_rate": SR, "normalisation": "absmax"}
    )
    explore.write_scope_pages(
        folder, clips_folder, "fan", scope_maps, systems=["mysystem"], settings=settings, subject="fan"
    )
    return folder, tables
