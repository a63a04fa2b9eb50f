"""The explorer's clips job at scale: speed and size of its Opus clips, against the way it
encoded them before (libsndfile's default bitrate, random Ogg serials), in the same run, and what
a listener still hears at each bitrate.

    .venv/bin/python -m benchmarks.explore_clips [--clips 24] [--threads 1 2]

Clips: ``--clips`` synthetic 10 s DCASE-like clips at 16 kHz (:func:`benchmarks.common.clips`,
the demo's fan sound), cut and encoded whole, as at the paper's caps (their windows cover
nearly every file). Printed per way and thread count: clips per second (wall), CPU seconds per
clip (the process's, all threads), the cores kept busy (CPU over wall time: above 1 only
when the threads encode at once, which libsndfile allows, as it runs without the GIL), kbit/s and kB per second of audio, and the extrapolation to a
DCASE 2021 device at the paper's caps: 6,200 clips of 10 s (an extrapolation, not a run at
that scale), encoded on the threads the job now asks for
(:func:`audio_umaps.resources.explore_clips_threads`) at the measured CPU time per clip.

What a listener still hears (``--sweep``, on 4 of the clips and a machine-like test sound with a
7 kHz whine): per bitrate, the audio bandwidth Opus coded (each packet's TOC byte: 8 kHz is
wideband, the whole band of 16 kHz audio), the level of the 6-8 kHz mel bands decoded against
the original, and the mean absolute log-mel difference (64 bands to 8 kHz, floored 80 dB below
the clip's peak).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from audio_umaps import audio, explore, resources
from audio_umaps.explore import clips as clip_module
from audio_umaps.explore import ogg

from .common import clips

SR = 16000
SCALE_CLIPS = 6200  # a DCASE 2021 device at the paper's caps, external clips included


def current_way(spans: pd.DataFrame, folder: Path, threads: int) -> None:
    """The clips as the job wrote them before: libsndfile's default bitrate (its random serial)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(row):
        y = audio.load(row.path, SR)[int(row.begin * SR) : int(row.end * SR)]
        target = folder / f"{Path(row.path).name}.ogg"
        sf.write(target, y / max(1.0, float(np.abs(y).max())), SR, format="OGG", subtype="OPUS")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, spans.itertuples(index=False)))


def timed(way: str, spans: pd.DataFrame, threads: int, workdir: Path) -> dict:
    folder = Path(tempfile.mkdtemp(dir=workdir))
    wall, cpu = time.perf_counter(), time.process_time()
    if way == "before":
        current_way(spans, folder, threads)
    else:
        explore.write_clips(spans, folder, threads=threads)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    size = sum(p.stat().st_size for p in folder.rglob("*.ogg"))
    seconds = float((spans["end"] - spans["begin"]).sum())
    per_clip = cpu / len(spans)
    scale_threads = 2 if way == "before" else resources.explore_clips_threads(SCALE_CLIPS)
    return {
        "way": way,
        "threads": threads,
        "clips_per_s": len(spans) / wall,
        "cores_busy": cpu / wall,
        "cpu_s_per_clip": per_clip,
        "kbit_s": size * 8 / seconds / 1000,
        "kB_per_audio_s": size / seconds / 1000,
        f"MB_at_{SCALE_CLIPS}": size / seconds * SCALE_CLIPS * 10 / 1e6,
        "job_threads": scale_threads,
        f"min_at_{SCALE_CLIPS}": SCALE_CLIPS * per_clip / scale_threads / 60,
    }


def gil_free(y: np.ndarray, repeats: int = 3) -> tuple[float, float]:
    """(CPU seconds the main thread spent running Python, wall seconds) while another thread
    encoded ``y`` ``repeats`` times: near 0 CPU if the encoder held the GIL."""
    import threading

    def encode():
        for _ in range(repeats):
            clip_module.opus(y, SR, clip_module.BITRATE, serial=1)

    worker = threading.Thread(target=encode)
    wall, cpu = time.perf_counter(), time.thread_time()
    worker.start()
    spins = 0
    while worker.is_alive():
        spins += 1
    return time.thread_time() - cpu, time.perf_counter() - wall


def machine_sound(seconds: float = 10.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    y = 0.05 * rng.normal(size=t.size) + 0.2 * np.sin(2 * np.pi * 120 * t) + 0.05 * np.sin(2 * np.pi * 7000 * t)
    return y / np.abs(y).max()


def heard(signals: list[np.ndarray], bitrate: float | None) -> dict:
    import librosa

    bank = librosa.filters.mel(sr=SR, n_fft=1024, n_mels=64, fmax=8000)
    top = librosa.mel_frequencies(66, fmax=8000)[1:-1] > 6000

    def mel(y):
        return 10 * np.log10(bank @ np.abs(librosa.stft(y, n_fft=1024, hop_length=512)) ** 2 + 1e-10)

    rows = []
    for y in signals:
        if bitrate is None:  # libsndfile's default
            buffer = io.BytesIO()
            sf.write(buffer, y, SR, format="OGG", subtype="OPUS")
            data = buffer.getvalue()
        else:
            data = clip_module.opus(y, SR, bitrate, serial=1)
        x, _ = sf.read(io.BytesIO(data))
        n = min(len(x), len(y))
        a, b = mel(y[:n]), mel(x[:n])
        floor = a.max() - 80
        a, b = np.maximum(a, floor), np.maximum(b, floor)
        bands = np.array(ogg.opus_bandwidths(data))
        rows.append(
            (
                len(data) * 8 / (n / SR) / 1000,
                np.mean(bands == 8000),
                b[top].mean() - a[top].mean(),
                np.abs(a - b).mean(),
            )
        )
    kbit, wideband, top_db, err = np.array(rows).T
    return {
        "bitrate": "default" if bitrate is None else bitrate,
        "kbit_s": kbit.mean(),
        "kbit_s_max": kbit.max(),
        "wideband_packets": wideband.min(),
        "level_6_8kHz_dB": top_db.mean(),
        "logmel_abs_dB": err.mean(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=24)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sweep", type=float, nargs="*", default=[8, 9, 11, 16, 24])
    parser.add_argument("--workdir", default="/tmp/audio_umaps_bench")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    paths = clips(workdir, args.clips)
    spans = pd.DataFrame({"dataset": "bench", "path": paths, "subfolder": "fan", "begin": 0.0, "end": 10.0})

    rows = [timed(way, spans, t, workdir) for t in args.threads for way in ("before", "now")]
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(f"{args.clips} clips of 10 s at 16 kHz; extrapolated to {SCALE_CLIPS} clips on job_threads")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    for t in args.threads:
        before, now = (table[(table["way"] == w) & (table["threads"] == t)].iloc[0] for w in ("before", "now"))
        print(
            f"threads {t}: ratio now/before: size {now['kbit_s'] / before['kbit_s']:.2f}, "
            f"CPU per clip {now['cpu_s_per_clip'] / before['cpu_s_per_clip']:.2f}, "
            f"clips/s {now['clips_per_s'] / before['clips_per_s']:.2f}"
        )
    python_s, wall_s = gil_free(audio.load(paths[0], SR))
    print(f"GIL: the main thread ran Python for {python_s:.2f} s of CPU during {wall_s:.2f} s of encoding in another")
    if args.sweep:
        signals = [audio.load(p, SR) for p in paths[:: max(1, len(paths) // 4)][:4]] + [machine_sound()]
        sweep = pd.DataFrame([heard(signals, b) for b in [None, *args.sweep]])
        print("\nwhat a listener still hears (4 demo clips and a machine-like sound with a 7 kHz whine)")
        print(sweep.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
