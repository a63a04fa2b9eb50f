"""Every table the workflow's steps pass to each other, as TSV: one schema per kind of table,
one reader and one writer. Read and write the workflow's tables only through them::

    from audio_umaps import tables

    sample = tables.read("sample", path)         # checked and typed
    manifest = tables.read_many("manifest", paths)  # several, one after the other
    tables.write("map", frame, path)             # checked, ordered, typed and formatted
    tables.empty("sample")                       # no rows; the kind's columns and dtypes
    tables.columns("metrics")                    # the kind's named columns, in file order

Kinds (:data:`SCHEMAS` holds each one's columns, in file order):

- ``manifest``: ``results/manifest/<dataset>.tsv``, one row per audio file (``attr_*``: the
  attributes of a DCASE file name).
- ``excluded``: files left out or kept damaged, ``results/manifest/<dataset>.excluded.tsv``, the
  feature jobs' ``….excluded.tsv`` and the report ``results/reports/<dataset>.excluded.tsv``.
- ``sample``: ``results/samples/…``, the windows a map is drawn from.
- ``map``: ``results/umap/…``, the sample's columns then ``x``, ``y`` and ``umap_seed`` (empty:
  an unseeded map).
- ``metrics``: tidy numbers, one a row: ``results/metrics/<rep>/stack<n>/<device>.tsv``, a
  system's ``results/metrics/predictions/<system>.scores.tsv`` (representation and stack
  empty) and ``results/metrics/all.tsv``.
- ``metric_files``: ``….files.tsv``, each test file's scores (``*_umap``: files in the map;
  ``score_*``, ``decision_*``: each system's).
- ``points``: ``….points.tsv``, the map's test windows with their scores; a skipped map's
  table is the column ``point`` alone.
- ``prediction_files``: a system's ``results/metrics/predictions/<system>.tsv`` (and the
  scorer's ``files.tsv``); ``problems``: its ``….problems.tsv`` (and the scorer's).
- ``clips``: the explorer's ``audio/clips.tsv``.
- ``skipped``: ``results/reports/skipped.tsv``.
- ``official``: ``results/metrics/official.tsv`` (floats to 6 significant digits).
- ``summary``: ``results/metrics/summary.tsv`` (floats to 4 decimals; ``*_files_*`` integers).
- ``benchmarks``: ``results/reports/benchmarks.tsv``; ``benchmark``: one of Snakemake's own
  benchmark files (read only).
- ``scorer_scores``, ``scorer_machines``, ``scorer_comparison``, ``scorer_bootstrap``: the
  scorer's ``scores.tsv``, ``machines.tsv``, ``comparison.tsv``, ``bootstrap.tsv``.

Column types: ``text`` (an empty field is ``""``, never NaN: sections keep their leading zero),
``int`` (never empty), ``Int64`` (an integer or empty: ``<NA>``), ``float`` (empty: NaN; written
as the shortest text that reads back to the same number), ``bool`` (``True``/``False``) and
``number`` (Snakemake's files: a number where there is one, else NaN). What :func:`read` gives,
:func:`write` writes back to the same bytes.

Strict on both sides: a table that lacks a named column, or holds one its kind does not know, is
refused with a :class:`TableError` naming the file, the kind and the columns. Groups of columns
named by a pattern take any number of columns, kept in the frame's order: ``attr_*``,
``score_*`` / ``decision_*`` (a system's predictions), the summary's measures, the scorer's
machine columns. A new column is added to its kind's schema here, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from itertools import groupby
from pathlib import Path

import pandas as pd

TEXT, INT, NULLABLE_INT, FLOAT, BOOL, NUMBER = "text", "int", "Int64", "float", "bool", "number"
_READ = {TEXT: str, INT: "int64", NULLABLE_INT: "Int64", FLOAT: "float64", BOOL: "bool", NUMBER: str}

# The attribute string of a DCASE file name, one column per attribute (attr_car, attr_spd, ...).
ATTRIBUTE_PREFIX = "attr_"
# Every file left out of a dataset, and every damaged file kept: at which stage, why, and what
# was done with it (outcome "left out", or "kept ..." saying how).
LEFT_OUT = "left out"
KEPT = "kept"


class TableError(ValueError):
    """A table that is not of the kind it is read or written as; the message names the file."""


@dataclass(frozen=True)
class Column:
    """A column of a kind of table: a name, or a pattern (``attr_*``) for any number of columns
    whose names match it (kept in their own order; consecutive patterns form one group)."""

    name: str
    type: str = TEXT
    required: bool = True

    @property
    def pattern(self) -> bool:
        return "*" in self.name


@dataclass(frozen=True)
class Schema:
    """A kind of table: its columns in file order, how its floats are written, and (for a kind
    whose table without rows holds fewer columns) the columns such a table holds."""

    kind: str
    columns: tuple[Column, ...]
    float_format: str | None = None
    empty_columns: tuple[str, ...] | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns if not c.pattern]

    def type_of(self, name: str) -> str | None:
        """The type of column ``name``; None when the kind has no such column."""
        for column in self.columns:
            if column.name == name:
                return column.type
        for column in self.columns:
            if column.pattern and _matches(name, [column.name]) and name not in self.names:
                return column.type
        return None

    def arrange(self, names, where: str) -> list[str]:
        """``names`` (a table's columns) in file order; a :class:`TableError` (``where``: the
        file and what was done) for a missing or unknown column."""
        names = list(names)
        if self.empty_columns is not None and names == list(self.empty_columns):
            return names
        missing = [c.name for c in self.columns if c.required and not c.pattern and c.name not in names]
        unknown = [n for n in names if self.type_of(n) is None]
        if missing or unknown:
            said = [f"lacks column(s) {', '.join(missing)}"] if missing else []
            said += [f"has column(s) {', '.join(unknown)} that a {self.kind} table has not"] if unknown else []
            raise TableError(
                f"{where}: not a {self.kind} table: it {' and '.join(said)} "
                f"(expected: {', '.join(c.name for c in self.columns)})"
            )
        order = []
        for is_pattern, group in groupby(self.columns, key=lambda c: c.pattern):
            group = [c.name for c in group]
            if not is_pattern:
                order += [n for n in group if n in names]
            else:  # (a group of patterns: the matching columns in the table's order)
                order += [n for n in names if n not in self.names and n not in order and _matches(n, group)]
        return order


def _matches(name: str, patterns) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


def _schema(kind: str, *parts, **options) -> Schema:
    """A :class:`Schema` of ``parts`` in order: columns, lists of them, or text columns' names
    (one string, space-separated)."""
    columns = []
    for part in parts:
        if isinstance(part, str):
            columns += _typed(TEXT, part)
        else:
            columns += [part] if isinstance(part, Column) else list(part)
    return Schema(kind, tuple(columns), **options)


def _typed(type_: str, names: str, required: bool = True) -> list[Column]:
    """Columns of type ``type_`` named in ``names`` (space-separated)."""
    return [Column(name, type_, required) for name in names.split()]


ATTRIBUTES = Column(ATTRIBUTE_PREFIX + "*")
SYSTEMS = [Column("score_*", FLOAT), Column("decision_*", NULLABLE_INT)]  # a system's, per file
MANIFEST = [
    *_typed(TEXT, "dataset kind edition part path relpath device section domain split label file_id attributes"),
    *_typed(TEXT, "subfolder"),
    Column("duration", FLOAT),
    *_typed(INT, "samplerate channels"),
]
SAMPLE = [
    Column("point", INT),
    *_typed(TEXT, "dataset kind part path device section domain split label file_id attributes subfolder store"),
    *_typed(INT, "file_index first_frame"),
    Column("start_time", FLOAT),
    Column("stack", INT),
    Column("energy", FLOAT),
    Column("random_weights", BOOL),
    ATTRIBUTES,
]
MAP = [*SAMPLE, *_typed(FLOAT, "x y"), Column("umap_seed", NULLABLE_INT)]
TIDY = [
    *_typed(TEXT, "representation stack"),
    Column("windowing", TEXT, required=False),  # stack, mean or meanstd (absent: stack)
    *_typed(TEXT, "device dataset section domain space method level measure"),
    Column("value", FLOAT),
    *_typed(NULLABLE_INT, "normal anomalous files train"),
    *_typed(TEXT, "edition note"),
]

SCHEMAS: dict[str, Schema] = {
    s.kind: s
    for s in [
        _schema("manifest", MANIFEST, ATTRIBUTES),
        _schema("excluded", "dataset path stage reason outcome"),
        _schema("sample", SAMPLE),
        _schema("map", MAP),
        _schema("metrics", TIDY),
        _schema(
            "metric_files",
            "dataset device section domain label path",
            Column("windows", INT),
            _typed(FLOAT, "knn_original lof_original"),
            Column("windows_umap", NULLABLE_INT, required=False),
            _typed(FLOAT, "knn_umap lof_umap", required=False),
            SYSTEMS,
        ),
        # (a map that was skipped has no points: its table is the column point alone)
        _schema(
            "points",
            MAP,
            "bank",
            _typed(FLOAT, "knn_umap lof_umap"),
            SYSTEMS,
            _typed(FLOAT, "knn_original lof_original"),
            empty_columns=("point",),
        ),
        _schema(
            "prediction_files",
            "dataset edition device section domain label path file",
            Column("score", FLOAT),
            Column("decision", NULLABLE_INT),
        ),
        _schema("problems", "system file", Column("line", INT), "problem"),
        _schema("clips", "dataset path clip", _typed(FLOAT, "offset duration"), "problem"),
        # (a skipped map has a representation and stack; a section whose files were all left
        # out has neither: it is missing from every one)
        _schema("skipped", "representation stack scope section dataset", Column("windows", INT), "skipped"),
        _schema(
            "official",
            "dataset edition representation stack space method machine",
            _typed(FLOAT, "auc_source auc_target auc pauc hmean"),
            "note",
            float_format="%.6g",
        ),
        _schema(
            "summary",
            "representation",
            Column("stack", INT),
            "device",
            Column("*_files_*", NULLABLE_INT),
            Column("*", FLOAT),
            float_format="%.4f",
        ),
        _schema("benchmarks", "rule", Column("jobs", INT), _typed(FLOAT, "total_s mean_s max_s max_rss_mb")),
        _schema("benchmark", _typed(NUMBER, "s max_rss"), Column("*")),
        _schema(
            "scorer_scores",
            "device section domain measure",
            Column("value", FLOAT),
            _typed(NULLABLE_INT, "normal anomalous"),
            "note",
        ),
        _schema("scorer_machines", "machine", Column("*", FLOAT), "note"),
        _schema("scorer_comparison", "machine", Column("*", FLOAT)),
        _schema(
            "scorer_bootstrap",
            "first second",
            _typed(FLOAT, "difference low high p"),
            Column("resamples", INT),
            "note",
        ),
    ]
}
KINDS = tuple(SCHEMAS)


def schema(kind: str) -> Schema:
    """The :class:`Schema` of ``kind``; a ``ValueError`` naming the kinds for an unknown one."""
    try:
        return SCHEMAS[kind]
    except KeyError:
        raise ValueError(f"no kind of table '{kind}': one of {', '.join(KINDS)}") from None


def columns(kind: str) -> list[str]:
    """The named (not pattern) columns of ``kind``, in file order."""
    return schema(kind).names


def empty(kind: str) -> pd.DataFrame:
    """A table of ``kind`` without rows: its required columns (or the columns such a table
    holds, points: ``point``) with their dtypes."""
    s = schema(kind)
    names = (
        list(s.empty_columns)
        if s.empty_columns is not None
        else [c.name for c in s.columns if c.required and not c.pattern]
    )
    return pd.DataFrame({n: pd.Series(dtype=_READ[s.type_of(n)]) for n in names})


def read(kind: str, path: str | Path) -> pd.DataFrame:
    """Read a table of ``kind`` (see :data:`SCHEMAS`) with its columns typed.

    Text stays text (``"00"``, ``""``); an empty number field is NaN (``float``) or ``<NA>``
    (``Int64``). Raises :class:`TableError` naming ``path`` when the file is empty, lacks a
    column of the kind, holds a column the kind does not know, or holds a value its column's
    type cannot take; ``FileNotFoundError`` when it does not exist.
    """
    s = schema(kind)
    try:
        header = pd.read_csv(path, sep="\t", nrows=0).columns
    except pd.errors.EmptyDataError:
        raise TableError(
            f"{path}: empty file, not a {kind} table (expected a header with {', '.join(s.names)})"
        ) from None
    s.arrange(header, str(path))
    types = {name: s.type_of(name) for name in header}
    try:
        table = pd.read_csv(
            path,
            sep="\t",
            keep_default_na=False,
            dtype={n: _READ[t] for n, t in types.items()},
            na_values={n: [""] for n, t in types.items() if t in (FLOAT, NULLABLE_INT)},
        )
    except (ValueError, TypeError) as exc:
        raise TableError(f"{path}: a value does not fit its column of a {kind} table ({exc})") from None
    if s.empty_columns is not None and list(header) == list(s.empty_columns) and len(table):
        raise TableError(f"{path}: a {kind} table with rows needs the columns {', '.join(s.names)}")
    for name in [n for n, t in types.items() if t == NUMBER]:
        table[name] = pd.to_numeric(table[name], errors="coerce")
    return table


def read_many(kind: str, paths) -> pd.DataFrame:
    """The tables of ``kind`` at ``paths``, one after the other (:func:`read`); a column that
    only some hold (``attr_*``) is missing (NaN) in the others' rows. No path: :func:`empty`."""
    parts = [read(kind, path) for path in paths]
    return pd.concat(parts, ignore_index=True) if parts else empty(kind)


def arrange(kind: str, frame: pd.DataFrame, where: str = "table") -> pd.DataFrame:
    """``frame`` as a table of ``kind`` is written: its columns checked and put in file order,
    integer columns as integers (a whole float such as 21.0 is 21; a missing value of an ``int``
    column, or a fraction in any integer column, is a :class:`TableError` naming ``where``)."""
    s = schema(kind)
    frame = frame[s.arrange(frame.columns, where)]
    out = {}
    for name in frame.columns:
        type_ = s.type_of(name)
        if type_ in (INT, NULLABLE_INT) and frame[name].dtype != "int64":
            try:
                values = pd.to_numeric(frame[name]).astype("Int64")
            except (ValueError, TypeError) as exc:
                raise TableError(
                    f"{where}: column {name} of a {kind} table holds a value that is no integer ({exc})"
                ) from None
            if type_ == INT and values.isna().any():
                raise TableError(f"{where}: column {name} of a {kind} table has an empty value")
            out[name] = values
    return frame.assign(**out) if out else frame


def write(kind: str, frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as a table of ``kind`` (see :func:`arrange`; floats as the kind
    writes them). What :func:`read` gives back, written, is the same bytes."""
    arrange(kind, frame, f"{path} (written)").to_csv(
        path, sep="\t", index=False, float_format=schema(kind).float_format
    )


def attribute_columns(table: pd.DataFrame) -> list[str]:
    """The ``attr_*`` columns of a table, in table order."""
    return [c for c in table.columns if c.startswith(ATTRIBUTE_PREFIX)]


def read_tsv(path: str | Path) -> pd.DataFrame:
    """Read a manifest, sample or map TSV leniently (nothing is checked): the manifest's text
    columns, ``store`` and ``attr_*`` as text, an empty energy NaN, other columns as pandas finds
    them. For looking at any such table by hand, and for tests; the workflow reads with
    :func:`read`."""
    header = pd.read_csv(path, sep="\t", nrows=0).columns
    text = [c for c in header if SCHEMAS["manifest"].type_of(c) == TEXT or c == "store"]
    return pd.read_csv(
        path, sep="\t", dtype=dict.fromkeys(text, str), keep_default_na=False, na_values={"energy": [""]}
    )


RANDOM_WEIGHTS_NOTE = "RANDOM WEIGHTS: made with a randomly initialised test model, not pretrained embeddings"


def _true(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value is not None and not pd.isna(value) and bool(value)


def stores_flagged(table: pd.DataFrame) -> list[str]:
    """The stores of a sample or map table whose rows say (column ``random_weights``) that
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
    """A map table (:func:`read` ``"map"``; tables made with random weights are flagged in
    ``log``) and why its map was skipped (None when there is a map): what plot, metrics and
    explorer jobs read."""
    from . import status

    emb = read("map", table)
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
        return pd.DataFrame(
            {"point": pd.Series(dtype=int), "score": pd.Series(dtype=float), "decision": pd.Series(dtype=float)}
        )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{path} has no column {', '.join(missing)}: its metrics job ran without "
            f"system '{system}' in config key 'predictions'"
        )
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
            tables.append(
                pd.read_csv(path, sep="\t", dtype=METRIC_TEXT, keep_default_na=False, na_values={"value": [""]})
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise ValueError(f"{path}: not a metrics table ({exc})") from None
    if not tables:
        raise ValueError("no metrics tables to read")
    return pd.concat(tables, ignore_index=True)
