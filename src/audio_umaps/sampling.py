"""Sampling windows per scope, uniformly without replacement, seeded and reproducible.

A scope draws from the feature stores the plan gives it (:meth:`audio_umaps.plan.Plan.stores`):
the manifest rows of those stores' parts are its files. Windows are drawn per group, each group
capped:

* test split: one group per dataset x device x section x domain (normal and anomalous together);
* train split: one group per dataset x device x section x domain;
* external: one group per external dataset.

Only file offsets and the chosen windows' energy are read from the stores, never features.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from .store import Store
from .stacking import window_energy, windows_per_file

METADATA = ["dataset", "kind", "part", "path", "device", "section", "domain", "split", "label",
            "file_id", "attributes", "subfolder"]
GROUP_KEYS = ["dataset", "device", "section", "domain", "split"]


def group_seed(seed: int, *key) -> np.random.Generator:
    """A generator seeded from the config seed and a readable key (stable across runs)."""
    digest = zlib.crc32("|".join(map(str, key)).encode())
    return np.random.default_rng(np.random.SeedSequence([int(seed), digest]))


def sample_scope(
    manifest: pd.DataFrame,
    stores: dict[tuple[str, str], str],
    stack: int,
    caps: dict[str, int],
    seed: int,
    *,
    scope: str,
) -> pd.DataFrame:
    """Choose windows of ``stack`` frames from a scope's stores.

    Parameters
    ----------
    manifest : DataFrame
        Manifest rows of (at least) the scope's datasets.
    stores : dict
        ``(dataset, part)`` -> feature store path: the scope's stores, as the plan gives them.
        Only the manifest rows of these parts are drawn from.
    stack : int
        Frames per window.
    caps : dict
        Most windows per group of each split (``test``, ``train``, ``external``).
    seed : int
        The sampling seed; each group's draw is seeded from it, the scope's name, the stack and
        the group.
    scope : str
        The scope's name (a device, or ``global``), for the seeds and messages.

    Returns
    -------
    DataFrame
        One row per window with its dataset, file, store, first frame, start time, energy,
        metadata and whether its store was made with random test weights, in a stable order.
    """
    keys = pd.MultiIndex.from_arrays([manifest["dataset"], manifest["part"]])
    rows = manifest[keys.isin(list(stores))]
    tables = []
    for (dataset, part), part_rows in rows.groupby(["dataset", "part"], sort=True):
        store = Store(stores[(dataset, part)])
        index_of = {path: i for i, path in enumerate(store.files)}
        part_rows = part_rows[part_rows["path"].isin(index_of)].copy()
        part_rows["file_index"] = part_rows["path"].map(index_of).astype(np.int64)
        part_rows["n_windows"] = windows_per_file(store.n_frames[part_rows["file_index"].to_numpy()], stack)
        for key, group in part_rows.groupby(GROUP_KEYS, sort=True):
            split = key[-1]
            counts = group["n_windows"].to_numpy()
            total = int(counts.sum())
            take = min(int(caps[split]), total)
            if take == 0:
                continue
            rng = group_seed(seed, scope, stack, *key)
            flat = np.sort(rng.choice(total, size=take, replace=False))
            ends = np.cumsum(counts)
            which = np.searchsorted(ends, flat, side="right")
            first = flat - (ends[which] - counts[which])
            chosen = group.iloc[which]
            table = chosen[METADATA].reset_index(drop=True)
            table["store"] = store.path
            table["file_index"] = chosen["file_index"].to_numpy()
            table["first_frame"] = first
            table["start_time"] = np.round(store.frame_time(first), 6)
            table["stack"] = stack
            table["energy"] = window_energy(store, table["file_index"].to_numpy(), first, stack)
            table["random_weights"] = bool(store.attrs.get("random_weights", False))
            tables.append(table)
    if not tables:
        raise ValueError(
            f"scope '{scope}' at stack {stack} has no windows: no file in it is long enough "
            f"for {stack} frames, or no data was found for it"
        )
    sample = pd.concat(tables, ignore_index=True)
    sample.insert(0, "point", np.arange(len(sample)))
    return sample
