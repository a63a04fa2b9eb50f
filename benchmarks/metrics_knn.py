"""kNN scoring of one device at the paper's caps: the metrics stage against scikit-learn.

    .venv/bin/python -m benchmarks.metrics_knn [--test-files 600] [--data stft:10] [--bank 10000]

One DCASE 2021 development device: 3 sections of 200 test files of 10 s (304 windows of stack
10 each: 182,400 test windows; log-STFT stack 10 is 5,130 dimensions, 3.7 GB as float32) and a
training bank of ``--bank`` windows per section. Each side runs in a fresh process:

* stage: ``audio_umaps.metrics.score_windows``, what the metrics job runs: per section the bank
  is read once, test windows are read from the zarr store and scored 8,192 at a time (exact
  kNN distances with faiss, and LOF from the same neighbours);
* baseline: scikit-learn's ``NearestNeighbors(algorithm="brute")`` fitted on the same bank and
  queried with the device's test windows of each section, read whole (kNN distances only).

Prints wall time and peak resident memory of each and their ratios, and checks that both give
the same kNN scores. Data: synthetic 10 s clips (the demo's fan sound), made once under
``--workdir``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from audio_umaps.store import Store
from benchmarks.common import RSS, clips, fresh, stores

SECTIONS = ("00", "01", "02")

STAGE = f"""
import sys, pandas as pd, numpy as np
from audio_umaps import metrics, stacking
test = pd.read_csv(sys.argv[1], sep="\\t", dtype={{"section": str}})
bank = pd.read_csv(sys.argv[2], sep="\\t", dtype={{"section": str}})
read = lambda table: stacking.gather(table)
scored, *_ = metrics.score_windows(test, bank, read, k=int(sys.argv[3]), percentile=95, threads=2)
np.save(sys.argv[4], scored["knn"].to_numpy())
{RSS}
"""

BASELINE = f"""
import sys, pandas as pd, numpy as np
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits
from audio_umaps.stacking import gather
test = pd.read_csv(sys.argv[1], sep="\\t", dtype={{"section": str}})
bank = pd.read_csv(sys.argv[2], sep="\\t", dtype={{"section": str}})
k = int(sys.argv[3])
every = gather(test)  # the device's test windows, read whole
scores = np.empty(len(test))
with threadpool_limits(2):
    for section, rows in test.groupby("section"):
        model = NearestNeighbors(n_neighbors=k, algorithm="brute", n_jobs=2)
        model.fit(gather(bank[bank["section"] == section]))
        where = rows.index.to_numpy()
        distances, _ = model.kneighbors(every[where])
        scores[where] = distances.mean(axis=1)
np.save(sys.argv[4], scores)
{RSS}
"""


def tables(store: str, test_files: int, stack: int, bank: int, seed: int = 0):
    """Test windows (every window of the first ``test_files`` files, in 3 sections) and a
    seeded bank of ``bank`` windows per section from the remaining files, as the metrics job
    draws them."""
    from audio_umaps import metrics

    frames = Store(store).n_frames
    files = pd.DataFrame({"store": store, "file_index": np.arange(len(frames)), "n_frames": frames})
    files["path"] = files["file_index"].map(lambda i: f"file_{i:05d}.wav")
    files["section"] = [SECTIONS[i % 3] for i in range(len(files))]
    test_files_table = files.iloc[:test_files]
    train_files = files.iloc[test_files:]
    test = metrics.windows_of_files(test_files_table, test_files_table["n_frames"].to_numpy(), stack)
    banks = [
        metrics.draw_windows(group, group["n_frames"].to_numpy(), stack, bank, seed=seed, key=(s,))
        for s, group in train_files.groupby("section")
    ]
    return test, pd.concat(banks, ignore_index=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test-files", type=int, default=600, help="test files of the device (3 sections)")
    parser.add_argument("--data", default="stft:10", help="representation:stack")
    parser.add_argument("--bank", type=int, default=10000, help="training windows per section (metrics.train_windows)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "audio-umaps-bench")
    args = parser.parse_args()
    name, stack = args.data.split(":")
    stack = int(stack)
    args.workdir.mkdir(parents=True, exist_ok=True)
    per_file = 313 - stack + 1
    train_files = 3 * -(-args.bank // per_file) + 3
    paths = clips(args.workdir, args.test_files + train_files)
    store = stores(args.workdir, paths)[name]
    test, bank = tables(store, args.test_files, stack, args.bank)
    test_tsv, bank_tsv = args.workdir / "metrics_test.tsv", args.workdir / "metrics_bank.tsv"
    test.to_csv(test_tsv, sep="\t", index=False)
    bank.to_csv(bank_tsv, sep="\t", index=False)
    width = stack * Store(store).dims
    print(
        f"{name} stack {stack}: {len(test)} test windows of {args.test_files} files x {width} dims "
        f"({len(test) * width * 4 / 1e9:.2f} GB float32), bank {len(bank)} windows "
        f"({args.bank} per section), k={args.k}, 2 threads"
    )
    results = {}
    for label, code in (("baseline", BASELINE), ("stage", STAGE)):
        out = args.workdir / f"metrics_{label}.npy"
        seconds, peak, _ = fresh(code, str(test_tsv), str(bank_tsv), str(args.k), str(out))
        results[label] = (seconds, peak, np.load(out))
        print(f"  {label:<9} {seconds:8.1f} s {peak:9.0f} MB peak")
    (base_s, base_mb, base), (stage_s, stage_mb, ours) = results["baseline"], results["stage"]
    print(
        f"  ratio     {base_s / stage_s:8.2f}x faster, {stage_mb / base_mb:.2f}x the memory "
        "(the stage also computes LOF scores)"
    )
    gap = np.max(np.abs(ours - base) / np.maximum(np.abs(base), 1e-12))
    print(f"  largest relative difference of the kNN scores: {gap:.1e}")
    if gap > 1e-3:
        raise SystemExit("the stage's kNN scores differ from scikit-learn's")


if __name__ == "__main__":
    main()
