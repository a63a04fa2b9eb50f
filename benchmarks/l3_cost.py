"""What L3 costs per clip: the l3 representation against log-mel (the baseline), in one run.

    .venv/bin/python benchmarks/l3_cost.py [--clips 6] [--folder DIR] [--threads 2] [--weights FILE]

Extracts both representations from the same clips (the first ``--clips`` wav files below
``--folder``, by default the DCASE clips in ../shared/real-audio, else synthesized 10 s noise
clips) with the workflow's code and reports seconds per clip, seconds per second of audio, peak
resident memory of this process, and the ratio L3 / mel. Without ``--weights`` the L3 model has
random weights (made in a temporary TORCH_HOME): the cost is the same as with the real ones.
Uses the GPU when torch sees one.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from audio_umaps import features, representations, weights
from audio_umaps.representations import l3

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = ROOT.parent / "shared" / "real-audio" / "dcase2020-dev-lite"


def clips(folder: Path | None, count: int, tmp: Path) -> list[str]:
    if folder is not None and folder.is_dir():
        found = sorted(str(p) for p in folder.rglob("*.wav"))[:count]
        if found:
            return found
    rng = np.random.default_rng(0)
    made = []
    for i in range(count):
        path = tmp / f"noise_{i}.wav"
        sf.write(str(path), (0.1 * rng.standard_normal(160000)).astype(np.float32), 16000)
        made.append(str(path))
    return made


def run(paths, representation, params, out, threads):
    start = time.perf_counter()
    result = features.extract(paths, representation, params, out, threads=threads)
    return time.perf_counter() - start, result.frames


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--weights", help="a weights file (default: random weights)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = clips(args.folder, args.clips, tmp)
        seconds = sum(sf.info(p).duration for p in paths)
        l3_params = representations.params("l3")
        if args.weights:
            l3_params["weights"] = args.weights
        else:
            l3_params["weights"] = str(tmp / weights.file_name(l3_params))
            l3.write_random_weights(l3_params["weights"], l3_params)
        mel_s, mel_frames = run(paths, "mel", representations.params("mel"), tmp / "mel.zarr", args.threads)
        l3.load_model(
            l3_params["weights"], l3_params["content_type"], l3_params["input_repr"], int(l3_params["embedding_size"])
        )  # model loading is not per clip
        l3_s, l3_frames = run(paths, "l3", l3_params, tmp / "l3.zarr", args.threads)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import torch

    device = "cuda" if torch.cuda.is_available() else f"cpu, {args.threads} threads"
    print(
        f"{len(paths)} clips, {seconds:.1f} s of audio ({'random' if not args.weights else 'given'} weights, {device})"
    )
    print(
        f"mel (baseline): {mel_s / len(paths):7.3f} s per clip, {mel_s / seconds:.4f} s per audio second, {mel_frames} frames"
    )
    print(
        f"l3:             {l3_s / len(paths):7.3f} s per clip, {l3_s / seconds:.4f} s per audio second, {l3_frames} frames"
    )
    print(f"ratio l3 / mel: {l3_s / mel_s:.0f}x; peak RSS of the run {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
