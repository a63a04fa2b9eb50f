"""The tables passed between steps (manifest, excluded files, samples, embeddings) as TSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = [
    "dataset", "kind", "edition", "part", "path", "relpath", "device", "section", "domain",
    "split", "label", "file_id", "attributes", "subfolder", "duration", "samplerate", "channels",
]
# The attribute string of a DCASE file name, one column per attribute (attr_car, attr_spd, ...).
ATTRIBUTE_PREFIX = "attr_"
# Every file left out of a dataset, and every damaged file kept: at which stage, why, and what
# was done with it (outcome "left out", or "kept ..." saying how).
EXCLUDED_COLUMNS = ["dataset", "path", "stage", "reason", "outcome"]
LEFT_OUT = "left out"
KEPT = "kept"

TEXT_COLUMNS = [c for c in COLUMNS if c not in ("duration", "samplerate", "channels")] + ["store"]
# Numbers that may be absent: a window's energy (representations without energy, e.g. l3).
OPTIONAL_NUMBERS = ["energy"]


def read_tsv(path: str | Path) -> pd.DataFrame:
    """Read a manifest, sample or embedding TSV with every metadata column as text
    (sections keep their leading zero, empty fields stay empty strings); an empty optional
    number (energy) is NaN."""
    header = pd.read_csv(path, sep="\t", nrows=0).columns
    text = TEXT_COLUMNS + [c for c in header if c.startswith(ATTRIBUTE_PREFIX)]
    return pd.read_csv(path, sep="\t", dtype={c: str for c in text}, keep_default_na=False,
                       na_values={c: [""] for c in OPTIONAL_NUMBERS})


def attribute_columns(table: pd.DataFrame) -> list[str]:
    """The ``attr_*`` columns of a table, in table order."""
    return [c for c in table.columns if c.startswith(ATTRIBUTE_PREFIX)]


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


def read_map(table, status_file, log) -> tuple[pd.DataFrame, str | None]:
    """A UMAP table (tables made with random weights are flagged in ``log``) and why its map
    was skipped (None when there is a map): what plot, metrics and explorer jobs read."""
    from . import status

    emb = read_tsv(table)
    warn_flagged(log, emb)
    return emb, status.read(status_file)["skipped"]


def read_scores(path, system: str) -> pd.DataFrame:
    """A system's file score and decision of every window of a device's map, from the points
    table the metrics stage writes (``<device>.points.tsv``).

    Parameters
    ----------
    path : str or path-like
        The points table (columns ``point``, ``score_<system>``, ``decision_<system>``, ...).
    system : str
        A name of the config key ``predictions``.

    Returns
    -------
    pandas.DataFrame
        Columns ``point``, ``score`` and ``decision`` (1: anomalous, 0: normal; NaN where the
        system gave none). Empty when the table is (a map that was skipped).

    Raises
    ------
    ValueError
        When a non-empty table lacks the system's columns.
    """
    table = pd.read_csv(path, sep="\t")
    columns = {"point": "point", f"score_{system}": "score", f"decision_{system}": "decision"}
    if table.empty:
        return pd.DataFrame({"point": pd.Series(dtype=int), "score": pd.Series(dtype=float),
                             "decision": pd.Series(dtype=float)})
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{path} has no column {', '.join(missing)}: its metrics job ran without "
                         f"system '{system}' in config key 'predictions'")
    scores = table[list(columns)].rename(columns=columns)
    for column in ("score", "decision"):
        scores[column] = pd.to_numeric(scores[column], errors="coerce")
    return scores


# Metric rows (the metrics and predictions jobs' tables): these columns stay text.
METRIC_TEXT = {"section": str, "stack": str, "edition": str, "representation": str}


def read_metric_rows(paths) -> pd.DataFrame:
    """The tidy metric rows of every table in ``paths``, in one table: sections, stacks,
    editions and representations as text (``"00"`` keeps its zero; prediction rows have no
    representation), an empty ``value`` as NaN, other empty fields as empty strings."""
    tables = []
    for path in paths:
        try:
            tables.append(pd.read_csv(path, sep="\t", dtype=METRIC_TEXT, keep_default_na=False,
                                      na_values={"value": [""]}))
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValueError(f"{path}: not a metrics table ({exc})") from None
    if not tables:
        raise ValueError("no metrics tables to read")
    return pd.concat(tables, ignore_index=True)
