"""A small synthetic dataset in the DCASE 2021 layout, plus an external ``folder`` dataset.

The demo is data the workflow is pointed at, written before the workflow runs
(``python -m audio_umaps.demo --configfile config/config.yaml``, which ``bin/demo`` calls): the
config's ``demo`` block says what to synthesize and which two of its ``datasets`` receive it
(``demo.dcase_dataset``, a ``dcase2021`` dataset, and ``demo.external_dataset``, a ``folder``
one); the demo is written to those datasets' ``root``, which the workflow then reads like any
other data. Where the demo goes is therefore said once, by the datasets' roots.

Every device has its own sound character; its sections differ in pitch and timbre; the
target domain differs from the source domain in speed and background noise; anomalies add
clicks, amplitude modulation or shifted harmonics. Everything is drawn from one seed.

Sound characters (``sound`` of a demo device):

``fan``
    airflow (low-passed noise) with a blade-pass tone and its harmonics;
``motor``
    a bright harmonic whine with gear modulation (a toy car's motor);
``valve``
    periodic open/close impacts ringing at a resonance over a faint hiss.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import lfilter

SOUNDS = ("fan", "motor", "valve")
ANOMALIES = ("clicks", "modulation", "harmonics")


def _noise(rng, n, smooth):
    """White noise through a one-pole low-pass (``smooth`` in [0, 1))."""
    return lfilter([1 - smooth], [1, -smooth], rng.standard_normal(n))


def _harmonics(t, f0, n, decay, detune=1.0, rng=None):
    phase = rng.uniform(0, 2 * np.pi, n) if rng is not None else np.zeros(n)
    return sum(np.sin(2 * np.pi * f0 * (k + 1) * detune * t + phase[k]) / (k + 1) ** decay for k in range(n))


def machine_sound(sound, section, domain, seconds, sr, rng, anomaly=None):
    """One clip of a machine. ``section`` is an int, ``domain`` 'source' or 'target'."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    speed = 1.0 if domain == "source" else 1.3
    background = 0.02 if domain == "source" else 0.12
    jitter = 1 + 0.002 * rng.standard_normal()
    detune = 1.07 if anomaly == "harmonics" else 1.0
    if sound == "fan":
        f0 = (60 + 25 * section) * speed * jitter
        y = 0.6 * _noise(rng, n, 0.97) * 8 + 0.5 * _harmonics(t, f0, 6, 1.2, detune, rng)
    elif sound == "motor":
        f0 = (260 + 90 * section) * speed * jitter
        gear = 1 + 0.35 * np.sin(2 * np.pi * (9 + 3 * section) * speed * t)
        y = gear * _harmonics(t, f0, 14, 0.6, detune, rng) + 0.1 * _noise(rng, n, 0.5)
    elif sound == "valve":
        period = int(sr * (0.5 - 0.08 * section) / speed)
        y = 0.05 * _noise(rng, n, 0.3)
        ring = np.exp(-np.arange(int(0.08 * sr)) / (0.012 * sr)) * np.sin(
            2 * np.pi * (1800 + 500 * section) * detune * np.arange(int(0.08 * sr)) / sr
        )
        for start in range(int(rng.integers(0, period)), n - len(ring), period):
            y[start : start + len(ring)] += ring
    else:
        raise ValueError(f"demo sound must be one of {SOUNDS}, got {sound!r}")
    if anomaly == "clicks":
        for start in rng.integers(0, n - 200, size=int(6 * seconds)):
            y[start : start + 200] += 3 * np.abs(y).max() * np.exp(-np.arange(200) / 20) * rng.choice([-1, 1])
    elif anomaly == "modulation":
        y = y * (1 + 0.9 * np.sin(2 * np.pi * 4.0 * t))
    elif anomaly == "harmonics":
        y = y + 0.4 * np.abs(y).max() * np.sin(2 * np.pi * 3100 * t)
    y = y / np.abs(y).max() + background * _noise(rng, n, 0.9) * 4
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def external_sound(kind, seconds, sr, rng):
    """General sounds for the external demo dataset."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    if kind == "chirps":
        f = 300 * 2 ** (3 * (t % 1.25) / 1.25)
        y = np.sin(2 * np.pi * np.cumsum(f) / sr)
    elif kind == "rain":
        y = _noise(rng, n, 0.2) * (1 + 0.5 * _noise(rng, n, 0.999) * 20)
    elif kind == "voices":
        f0 = 140 + 40 * np.sin(2 * np.pi * 0.7 * t)
        y = np.sin(2 * np.pi * np.cumsum(f0) / sr) * (np.sin(2 * np.pi * 3 * t) > 0)
        y = lfilter([1], [1, -0.9], y)
    else:
        raise ValueError(kind)
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def synthesize(
    dcase_root,
    external_root,
    devices: dict[str, str],
    sections: int = 3,
    seconds: float = 5.0,
    train_clips: dict | None = None,
    test_clips: int = 3,
    external_clips: int = 4,
    seed: int = 0,
    sample_rate: int = 16000,
) -> int:
    """Write the demo dataset; returns the number of files written.

    ``devices`` maps device names to sound characters (:data:`SOUNDS`). ``train_clips`` gives
    training clips per section and domain; ``test_clips`` normal and as many anomalous clips
    per section and domain. The external dataset holds ``external_clips`` clips of each of three
    kinds at 22.05 kHz stereo (so the workflow's resampling and downmix are exercised) and one
    silent clip, which the workflow reports and leaves out; with ``external_root`` None there is
    no external dataset.
    """
    train_clips = train_clips or {"source": 5, "target": 2}
    dcase_root = Path(dcase_root)
    written = 0
    for d, (device, sound) in enumerate(sorted(devices.items())):
        rng = np.random.default_rng([seed, d])
        counter = 0
        for section in range(sections):
            for domain in ("source", "target"):
                for _ in range(train_clips[domain]):
                    speed = "1.0" if domain == "source" else "1.3"
                    name = f"section_{section:02d}_{domain}_train_normal_{counter:04d}_speed_{speed}.wav"
                    counter += 1
                    y = machine_sound(sound, section, domain, seconds, sample_rate, rng)
                    written += _write(dcase_root / device / "train" / name, y, sample_rate)
                for label in ("normal", "anomaly"):
                    for i in range(test_clips):
                        anomaly = ANOMALIES[(i + section) % len(ANOMALIES)] if label == "anomaly" else None
                        attr = f"_{anomaly}" if anomaly else ""
                        name = f"section_{section:02d}_{domain}_test_{label}_{i:04d}{attr}.wav"
                        y = machine_sound(sound, section, domain, seconds, sample_rate, rng, anomaly)
                        written += _write(dcase_root / device / f"{domain}_test" / name, y, sample_rate)
    if external_root is None:
        return written
    external_root = Path(external_root)
    rng = np.random.default_rng([seed, 1000])
    ext_sr = 22050
    for kind in ("chirps", "rain", "voices"):
        for i in range(external_clips):
            y = external_sound(kind, seconds, ext_sr, rng)
            stereo = np.stack([y, 0.8 * y], axis=1)
            written += _write(external_root / kind / f"{kind}_{i:02d}.wav", stereo, ext_sr)
    written += _write(external_root / "silence" / "silent_00.wav", np.zeros(int(seconds * ext_sr), np.float32), ext_sr)
    return written


def _write(path: Path, y, sr) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), y, sr, subtype="PCM_16")
    return 1


SETTINGS_FILE = ".demo-settings.json"  # in each root the demo wrote; list_audio skips it
DEFAULT_DEVICES = {"fan": "fan", "ToyCar": "motor"}
DATASET_KEYS = {"dcase_dataset": "dcase2021", "external_dataset": "folder"}


class DemoError(ValueError):
    """A demo block or folder the demo cannot be written to; the message names the key."""


def settings_of(config: dict) -> dict:
    """The synthesis settings of a config's ``demo`` block (defaults filled in), and the
    sample rate it is written at."""
    settings = {k: v for k, v in (config.get("demo") or {}).items() if k not in DATASET_KEYS}
    settings.setdefault("devices", DEFAULT_DEVICES)
    settings["sample_rate"] = int(config.get("audio", {}).get("sample_rate", 16000))
    return settings


def roots_of(config: dict, directory: str | Path = ".") -> dict[str, Path | None]:
    """``{"dcase_dataset": root, "external_dataset": root or None}``: the roots of the datasets the
    demo block names, relative to ``directory``. Raises :class:`DemoError` naming the key when a
    named dataset is missing, of the wrong kind, or has its root outside ``directory/results``
    (the demo replaces what it writes; ``..`` in a root must not reach other folders)."""
    block = config.get("demo") or {}
    datasets = config.get("datasets") or {}
    roots = {}
    for key, kind in DATASET_KEYS.items():
        name = block.get(key, "demo" if key == "dcase_dataset" else "demo_external")
        if name is None and key == "external_dataset":
            roots[key] = None
            continue
        entry = datasets.get(name)
        if entry is None or entry.get("kind") != kind:
            raise DemoError(
                f"config key 'demo.{key}': '{name}' must name a dataset of kind '{kind}' in "
                f"'datasets' (found: {', '.join(datasets) or 'none'}); the demo is written to its root"
            )
        root = Path(directory) / entry["root"]
        results = (Path(directory) / "results").resolve()
        if not root.resolve().is_relative_to(results):
            raise DemoError(
                f"config key 'datasets.{name}.root': the demo writes (and replaces) its data only "
                f"inside results/, but '{entry['root']}' lies outside it; use e.g. "
                f"results/demo/{name}"
            )
        roots[key] = root
    return roots


def _claim(root: Path, key: str):
    """Make sure ``root`` may be (re)written: absent, empty, or written by the demo before."""
    if root.is_dir() and any(root.iterdir()) and not (root / SETTINGS_FILE).is_file():
        raise DemoError(
            f"config key 'demo.{key}': folder {root} holds files the demo did not write (or wrote "
            "before it kept a record of its settings); the demo only writes into an empty folder or "
            f"one it made. Name another dataset, or delete {root} to let the demo write it."
        )


def write_from_config(config: dict, directory: str | Path = ".", force: bool = False) -> tuple[dict, int]:
    """Write the demo a config describes into the roots of the datasets it names (see
    :func:`roots_of`), relative to ``directory``.

    Nothing is rewritten when the roots already hold a demo made with the same settings (so
    file times stay and the workflow reruns nothing); otherwise the roots are replaced, but only
    when they are empty or were written by the demo. Returns the roots and the number of files
    written (0 when up to date).
    """
    roots = roots_of(config, directory)
    settings = settings_of(config)
    wanted = json.dumps(settings, sort_keys=True)
    present = [r for r in roots.values() if r is not None]
    if not force and all((r / SETTINGS_FILE).is_file() and (r / SETTINGS_FILE).read_text() == wanted for r in present):
        return roots, 0
    for key, root in roots.items():
        if root is not None:
            _claim(root, key)
            shutil.rmtree(root, ignore_errors=True)
    n = synthesize(roots["dcase_dataset"], roots["external_dataset"], **settings)
    for root in present:
        (root / SETTINGS_FILE).write_text(wanted)
    return roots, n


def main(argv=None) -> int:
    """``python -m audio_umaps.demo [--configfile FILE] [--directory DIR] [--force]``."""
    import yaml

    from .config import ConfigError, check

    parser = argparse.ArgumentParser(
        prog="python -m audio_umaps.demo",
        description="Write the synthetic demo dataset described by a config's 'demo' block.",
    )
    parser.add_argument("--configfile", default="config/config.yaml", help="config with a 'demo' block")
    parser.add_argument("--directory", default=".", help="working directory the datasets' roots are relative to")
    parser.add_argument("--force", action="store_true", help="rewrite even when up to date")
    args = parser.parse_args(argv)
    try:
        config = check(yaml.safe_load(Path(args.configfile).read_text()))
        roots, n = write_from_config(config, args.directory, force=args.force)
    except (OSError, yaml.YAMLError, ConfigError, DemoError) as exc:
        print(f"{args.configfile}: {exc}", file=sys.stderr)
        return 2
    where = " and ".join(str(r) for r in roots.values() if r is not None)
    print(f"demo: wrote {n} files to {where}" if n else f"demo: {where} up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
