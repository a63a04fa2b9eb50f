"""Support with and without the leak of same-file neighbours, on a run's own feature stores.

    .venv/bin/python -m benchmarks.support_leak [--representation mel] [--stacks 1 5 10]

For every device of the run's DCASE datasets (default: the demo's, after ``bin/demo``) and each
stack: the windows the metrics stage scores (``metrics.windows_per_file`` test windows per file,
a bank of at most ``metrics.train_windows`` training windows per edition x section, as
``config/config.yaml`` sets them), scored with :class:`audio_umaps.detector.Detector`, and the
share of normal test windows within the 95th percentile (``metrics.support_percentile``) of the
training windows' own kNN scores taken two ways:

* other windows: each training window against every other training window (leave one window
  out, what the stage did before), whose nearest neighbours are windows of its own file;
* other files: against the training windows of other files only (what the stage does).

Printed: the mean over the device's sections of each (as the device's support row), per device
and stack.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import yaml

from benchmarks.common import ROOT


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(ROOT / "config/config.yaml"))
    parser.add_argument("--representation", default="mel")
    parser.add_argument("--stacks", type=int, nargs="+", default=[1, 5, 10])
    args = parser.parse_args(argv)

    from audio_umaps import metrics, tables
    from audio_umaps.detector import Detector
    from audio_umaps.neighbours import knn
    from audio_umaps.plan import Plan
    from audio_umaps.stacking import gather

    config = yaml.safe_load(open(args.config))
    from audio_umaps.config import check

    config = check(config)
    plan = Plan(config)
    settings = metrics.Settings.from_config(config["metrics"])
    print(
        f"{'device':10s} {'stack':>5s} {'other windows':>14s} {'other files':>12s}   (support of normal test "
        f"windows, {args.representation}, mean over sections)"
    )
    for device in plan.devices:
        manifest = pd.concat([tables.read_tsv(ROOT / p) for p in plan.device_manifests(device)], ignore_index=True)
        for stack in args.stacks:
            stores = {k: str(ROOT / v) for k, v in plan.device_stores(args.representation, stack, device).items()}
            files = metrics.device_files(manifest, stores)
            files["bank"] = [
                metrics.bank_key(e, s, d) for e, s, d in zip(files["edition"], files["section"], files["dataset"])
            ]
            test_files = files[files["split"] == "test"].reset_index(drop=True)
            train_files = files[files["split"] == "train"].reset_index(drop=True)
            test = metrics.windows_of_files(
                test_files,
                test_files["n_frames"].to_numpy(),
                stack,
                per_file=settings.windows_per_file,
                seed=settings.seed,
                key=("test",),
            )
            shares = {"windows": [], "files": []}
            for key, group in train_files.groupby("bank", sort=True):
                bank = metrics.draw_windows(
                    group,
                    group["n_frames"].to_numpy(),
                    stack,
                    settings.train_windows,
                    seed=settings.seed,
                    key=("train", key),
                )
                x = gather(bank, stores.values())
                detector = Detector(x, (bank["dataset"] + "/" + bank["path"]).to_numpy(), k=settings.k)
                normal = test[(test["bank"] == key) & (test["label"] == "normal")]
                scores = detector.score(gather(normal, stores.values()))[0]
                own = knn(x, None, k=detector.k + 1)[1][:, 1:].mean(axis=1)
                shares["windows"].append(np.mean(scores <= np.percentile(own, settings.percentile)))
                shares["files"].append(np.mean(scores <= detector.threshold(settings.percentile)))
            print(
                f"{plan.device_name(device):10s} {stack:5d} {np.mean(shares['windows']):14.3f} "
                f"{np.mean(shares['files']):12.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
