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

from .stacking import window_energy, windows_per_file
from .store import Store
from .tables import attribute_columns, columns

SAMPLE_COLUMNS = columns("sample")  # (then the manifest's attr_* columns)
METADATA = [c for c in SAMPLE_COLUMNS if c in columns("manifest")]  # what a window carries of its file
GROUP_KEYS = ["dataset", "device", "section", "domain", "split"]


class EmptyScope(ValueError):
    """A scope with no window to draw; the message says why (for its plots and the report)."""


def group_seed(seed: int, *key) -> np.random.Generator:
    """A generator seeded from the config seed and a readable key (stable across runs)."""
    digest = zlib.crc32("|".join(map(str, key)).encode())
    return np.random.default_rng(np.random.SeedSequence([int(seed), digest]))


def draw(counts: np.ndarray, take: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``take`` of the ``counts.sum()`` windows of some files (``counts[i]`` in file ``i``),
    uniformly without replacement: ``(file of each, its window number in that file)``, in file
    and time order. Only the drawn windows are listed, never all of them."""
    counts = np.asarray(counts, dtype=np.int64)
    flat = np.sort(rng.choice(int(counts.sum()), size=int(take), replace=False))
    ends = np.cumsum(counts)
    which = np.searchsorted(ends, flat, side="right")
    return which, flat - (ends[which] - counts[which])


def stored_files(manifest: pd.DataFrame, stores: dict[tuple[str, str], str]):
    """For each ``(dataset, part)`` of ``stores`` (sorted): its :class:`Store` and the manifest
    rows of its files that the store holds (files the feature step left out are dropped), with
    the file's ``file_index`` in the store and its ``n_frames``. Only file offsets are read."""
    keys = pd.MultiIndex.from_arrays([manifest["dataset"], manifest["part"]])
    rows = manifest[keys.isin(list(stores))]
    for (dataset, part), part_rows in rows.groupby(["dataset", "part"], sort=True):
        store = Store(stores[(dataset, part)])
        index_of = {path: i for i, path in enumerate(store.files)}
        part_rows = part_rows[part_rows["path"].isin(index_of)].copy()
        part_rows["file_index"] = part_rows["path"].map(index_of).astype(np.int64)
        part_rows["n_frames"] = store.n_frames[part_rows["file_index"].to_numpy()]
        yield store, part_rows


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
        Most windows per group of each split (``test``, ``train``, ``external``), and most
        windows of one file in an external group (``external_per_file``; absent or None: no
        cap per file).
    seed : int
        The sampling seed; each group's draw is seeded from it, the scope's name, the stack and
        the group.
    scope : str
        The scope's name (a device, or ``global``), for the seeds and messages.

    Returns
    -------
    DataFrame
        One row per window with its dataset, file, store, first frame, start time, energy,
        metadata (with the manifest's ``attr_*`` columns) and whether its store was made with
        random test weights, in a stable order.

    Raises
    ------
    EmptyScope
        When the scope has no window: every file was left out, or none is long enough.
    """
    metadata = METADATA + attribute_columns(manifest)
    tables, longest, stored = [], 0, 0
    for store, part_rows in stored_files(manifest, stores):
        frames = part_rows["n_frames"].to_numpy()
        stored += len(part_rows)
        longest = max(longest, int(frames.max(initial=0)))
        part_rows["n_windows"] = windows_per_file(frames, stack)
        for key, group in part_rows.groupby(GROUP_KEYS, sort=True):
            split = key[-1]
            counts = group["n_windows"].to_numpy()
            per_file = caps.get(f"{split}_per_file")
            allowed = counts if not per_file else np.minimum(counts, int(per_file))
            total = int(allowed.sum())
            take = min(int(caps[split]), total)
            if take == 0:
                continue
            rng = group_seed(seed, scope, stack, *key)
            which, first = draw(allowed, take, rng)
            if per_file:  # a capped file offers a seeded subset of its windows, in time order
                for f in np.unique(which[allowed[which] < counts[which]]):
                    subset = np.sort(rng.choice(counts[f], size=allowed[f], replace=False))
                    first[which == f] = subset[first[which == f]]
            chosen = group.iloc[which]
            table = chosen[metadata].reset_index(drop=True)
            table["store"] = store.path
            table["file_index"] = chosen["file_index"].to_numpy()
            table["first_frame"] = first
            table["start_time"] = np.round(store.frame_time(first), 6)
            table["stack"] = stack
            table["energy"] = window_energy(store, table["file_index"].to_numpy(), first, stack)
            table["random_weights"] = bool(store.attrs.get("random_weights", False))
            tables.append(table)
    if not tables:
        datasets = ", ".join(sorted({d for d, _ in stores}))
        if not stored:
            raise EmptyScope(
                f"no usable audio: every file of scope '{scope}' was left out (or none was "
                f"found); see the exclusion reports of {datasets} (results/reports/)"
            )
        raise EmptyScope(
            f"no file of scope '{scope}' is long enough for a window of {stack} frames: the "
            f"longest holds {longest}; use a smaller stack or longer files"
        )
    sample = pd.concat(tables, ignore_index=True)
    sample.insert(0, "point", np.arange(len(sample)))
    attrs = attribute_columns(sample)
    sample[attrs] = sample[attrs].fillna("")
    return sample[SAMPLE_COLUMNS + attrs]
