"""Feature extraction, log-STFT + log-mel: the paper's way against the workflow's rule, in one run.

    .venv/bin/python -m benchmarks.features [--clips 156] [--cores 2]

Paper's way (andres-fr/dcase2021_umaps, 00a_precompute_dcase_fixed.py, described here in our
own code): one fresh Python process per representation, one after the other, each loading every
clip with ``librosa.load``, computing it with librosa (``librosa.stft`` / ``melspectrogram``
and ``power_to_db``, bins x frames) and appending it to an lzf-compressed HDF5 dataset in
chunks of 20 frames, flushed after each clip and read back to check. Needs h5py, which the
workflow does not: ``.venv/bin/pip install h5py``. Workflow: ``snakemake`` run on a config whose one
dataset holds the clips, asked for the two feature stores; the features job's own time comes
from its benchmark file (Snakemake's), the whole run's (parse, manifest, features) is printed
too. Floor: numpy's real FFT and a mel matrix product on one core, in this process, without
decoding or storing anything.

Clips: synthetic 10 s clips of the demo's fan (16 kHz), the same for every way. Prints clips
per second and the ratios.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from benchmarks.common import clips, fresh, snakemake_command

PAPER = """
import sys, json, h5py, librosa, numpy as np
kind, out, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
height = 513 if kind == "stft" else 128
with h5py.File(out, "w") as h5:
    data = h5.create_dataset("data", shape=(height, 0), maxshape=(height, None), dtype="float32",
                             compression="lzf", chunks=(height, 20))
    meta = h5.create_dataset("metadata", shape=(0,), maxshape=(None,), compression="lzf",
                             dtype=h5py.string_dtype(), chunks=(20,))
    for i, path in enumerate(paths):
        y, sr = librosa.load(path, sr=16000, mono=True)
        if kind == "stft":
            s = np.abs(librosa.stft(y, n_fft=1024, hop_length=512, pad_mode="constant")) ** 2
        else:
            s = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=1024, hop_length=512, n_mels=128,
                                               pad_mode="constant", power=2.0)
        s = librosa.power_to_db(s)
        width = data.shape[1]
        data.resize((height, width + s.shape[1]))
        data[:, width:] = s
        meta.resize((i + 1,))
        meta[i] = json.dumps({"path": path})
        h5.flush()
        assert (data[:, width:] == s).all()  # read back what was written
"""


def floor(paths: list[str]) -> float:
    """Seconds for numpy rfft + mel matmul of every clip on one core (decoded beforehand)."""
    import soundfile as sf
    from threadpoolctl import threadpool_limits

    from audio_umaps.representations import mel

    signals = [sf.read(p, dtype="float32")[0] for p in paths]
    bank = mel.filter_bank(16000, 1024, 128, 0.0, None)
    window = np.hanning(1025)[:-1].astype(np.float32)
    with threadpool_limits(1):
        start = time.perf_counter()
        for y in signals:
            frames = np.lib.stride_tricks.sliding_window_view(np.pad(y, 512), 1024)[::512]
            spec = np.fft.rfft(frames * window, axis=1)
            power = spec.real**2 + spec.imag**2
            10 * np.log10(np.maximum(power, 1e-10))
            10 * np.log10(np.maximum(power @ bank, 1e-10))
        return time.perf_counter() - start


def workflow(paths: list[str], workdir: Path, cores: int) -> tuple[float, float]:
    """(features job seconds, whole run seconds) of snakemake asked for the two stores."""
    root = Path(paths[0]).parents[2]  # <root>/<device>/<split>/<file>
    config = {
        "representations": ["stft", "mel"],
        "stacks": [1],
        "datasets": {"bench": {"kind": "dcase2021", "root": str(root)}},
        "sampling": {
            "seed": 0,
            "device": {"test": 10, "train": 10, "external": 10},
            "global": {"test": 10, "train": 10, "external": 10},
        },
    }
    run = workdir / "workflow_run"
    subprocess.run(["rm", "-rf", str(run)], check=True)
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    targets = [f"results/features/bench/{r}/fan.zarr" for r in ("stft", "mel")]
    start = time.perf_counter()
    subprocess.run(
        snakemake_command(run, run / "config.yaml", cores, *targets, "--quiet"),
        check=True,
        capture_output=True,
    )
    total = time.perf_counter() - start
    with open(run / "results" / "benchmarks" / "features" / "bench" / "fan.tsv") as handle:
        job = float(next(csv.DictReader(handle, delimiter="\t"))["s"])
    return job, total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=156)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "audio-umaps-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    paths = clips(args.workdir, args.clips)
    n = len(paths)
    paper = sum(fresh(PAPER, kind, str(args.workdir / f"paper_{kind}.h5"), *paths)[0] for kind in ("stft", "mel"))
    job, total = workflow(paths, args.workdir, args.cores)
    numpy_floor = floor(paths)
    print(f"{n} clips of 10 s, log-STFT + log-mel, {args.cores} cores")
    print(f"{'way':<44}{'seconds':>9}{'clips/s':>9}{'vs paper':>10}")
    for way, seconds in [
        ("paper: librosa, a process per representation", paper),
        ("workflow: the features job (its benchmark)", job),
        ("workflow: whole snakemake run (parse, manifest)", total),
        ("floor: numpy rfft + mel matmul, 1 core, no I/O", numpy_floor),
    ]:
        print(f"{way:<44}{seconds:>9.2f}{n / seconds:>9.1f}{paper / seconds:>9.1f}x")


if __name__ == "__main__":
    main()
