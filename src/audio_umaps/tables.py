"""The tables passed between steps (manifest, excluded files, samples, embeddings) as TSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = [
    "dataset", "kind", "part", "path", "relpath", "device", "section", "domain", "split",
    "label", "file_id", "attributes", "subfolder", "duration", "samplerate", "channels",
]
EXCLUDED_COLUMNS = ["dataset", "path", "stage", "reason"]

TEXT_COLUMNS = [c for c in COLUMNS if c not in ("duration", "samplerate", "channels")] + ["store"]
# Numbers that may be absent: a window's energy (representations without energy, e.g. l3).
OPTIONAL_NUMBERS = ["energy"]


def read_tsv(path: str | Path) -> pd.DataFrame:
    """Read a manifest, sample or embedding TSV with every metadata column as text
    (sections keep their leading zero, empty fields stay empty strings); an empty optional
    number (energy) is NaN."""
    return pd.read_csv(path, sep="\t", dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False,
                       na_values={c: [""] for c in OPTIONAL_NUMBERS})


RANDOM_WEIGHTS_NOTE = "RANDOM WEIGHTS: made with a randomly initialised test model, not pretrained embeddings"


def _true(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value is not None and not pd.isna(value) and bool(value)


def stores_flagged(table: pd.DataFrame) -> list[str]:
    """The stores of a sample or embedding table whose rows say (column ``random_weights``) that
    they were made with random test weights, in table order."""
    if "random_weights" not in table.columns or table.empty:
        return []
    stores = table["store"] if "store" in table.columns else pd.Series("?", index=table.index)
    return list(dict.fromkeys(stores[table["random_weights"].map(_true)]))


def warn_flagged(log, table: pd.DataFrame) -> bool:
    """Log a warning naming the table's stores made with random weights; True when any are."""
    flagged = stores_flagged(table)
    if flagged:
        log.warning("%s (%s)", RANDOM_WEIGHTS_NOTE, ", ".join(flagged))
    return bool(flagged)
