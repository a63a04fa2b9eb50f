"""What the benchmarks share: synthetic DCASE-like clips, feature stores, window samples, and
timing a command in a fresh process (wall time and peak resident memory)."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from audio_umaps import demo, features, representations
from audio_umaps.store import Store

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SNAKEMAKE = str(Path(PYTHON).with_name("snakemake"))


def snakemake_command(run: Path, config: Path, cores: int, *args: str, source: Path = ROOT) -> list[str]:
    """The command line of snakemake on ``source``'s workflow in the folder ``run`` with the
    config file ``config`` on ``cores`` cores; ``args`` (targets, options) go after it."""
    return [
        SNAKEMAKE,
        *args,
        "--snakefile",
        str(source / "workflow" / "Snakefile"),
        "--directory",
        str(run),
        "--configfile",
        str(config),
        "--cores",
        str(cores),
    ]


def machine(
    root: Path,
    *,
    sections: int,
    source: int,
    target: int,
    test: int,
    seed: int,
    external: int = 0,
    seconds: float = 10.0,
) -> tuple[Path, Path]:
    """One synthetic machine (the demo's fan sound, :func:`audio_umaps.demo.synthesize`) under
    ``root``/dcase: per section ``source`` and ``target`` training clips and ``test`` normal and
    as many anomalous test clips per domain; and ``external`` clips of each external kind under
    ``root``/external. Written once (``done.json`` marks a complete folder, with the files
    written and the seconds it took). Returns the two folders."""
    dcase, outside = root / "dcase", root / "external"
    if not (root / "done.json").exists():
        shutil.rmtree(root, ignore_errors=True)
        start = time.perf_counter()
        written = demo.synthesize(
            dcase,
            outside if external else None,
            {"fan": "fan"},
            sections=sections,
            seconds=seconds,
            train_clips={"source": source, "target": target},
            test_clips=test,
            external_clips=external,
            seed=seed,
        )
        (root / "done.json").write_text(json.dumps({"files": written, "seconds": time.perf_counter() - start}))
    return dcase, outside


def clips(workdir: Path, count: int, seconds: float = 10.0) -> list[str]:
    """``count`` synthetic 10 s clips of one machine (the demo's fan sound, 4 sections, source
    and target domains, normal and anomalous), written once under ``workdir``."""
    root = workdir / f"machine_{count}x{seconds:g}s"
    per_section = max(1, -(-count // 4) - 12)  # 12 test clips per section besides the training
    dcase, _ = machine(root, sections=4, source=per_section, target=0, test=3, seed=3, seconds=seconds)
    found = sorted(str(p) for p in dcase.rglob("*.wav"))
    if len(found) < count:
        raise RuntimeError(f"{root} holds {len(found)} clips, not {count}; delete it")
    return found[:count]


def stores(workdir: Path, paths: list[str]) -> dict[str, str]:
    """log-STFT and log-mel stores of ``paths`` (the workflow's defaults), made once."""
    out = {name: str(workdir / f"{name}_{len(paths)}.zarr") for name in ("stft", "mel")}
    if not all(Path(p).exists() for p in out.values()):
        features.extract_many(paths, {n: (representations.params(n), p) for n, p in out.items()}, threads=2)
    return out


def sample(store: str, stack: int, windows: int, seed: int = 0) -> pd.DataFrame:
    """A uniform sample of ``windows`` windows of ``stack`` frames from one store, in the
    workflow's sample-table columns (store, file_index, first_frame, stack)."""
    frames = Store(store).n_frames
    per_file = np.maximum(frames - stack + 1, 0)
    total = int(per_file.sum())
    if windows > total:
        raise ValueError(f"{store} holds {total} windows of {stack} frames, fewer than {windows}")
    chosen = np.sort(np.random.default_rng(seed).choice(total, windows, replace=False))
    ends = np.cumsum(per_file)
    file_index = np.searchsorted(ends, chosen, side="right")
    first = chosen - (ends[file_index] - per_file[file_index])
    return pd.DataFrame({"store": store, "file_index": file_index, "first_frame": first, "stack": stack})


def fresh(code: str, *args: str, env: dict | None = None) -> tuple[float, float, str]:
    """Run ``code`` in a fresh Python process; (wall seconds, peak RSS in MB, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", code, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"benchmark process failed:\n{done.stderr[-3000:]}")
    # ru_maxrss of children is the largest of any child so far: run the biggest job last, or
    # read the child's own figure, which each benchmark's code prints as "rss_mb=<MB>"
    rss = next(
        (float(line.split("=", 1)[1]) for line in done.stdout.splitlines() if line.startswith("rss_mb=")),
        max(before, 0) / 1024,
    )
    return seconds, rss, done.stdout


RSS = "import resource; print(f'rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}')"
