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
