"""What a page draws of one map (``data/<representation>_stack<k>.js``): its windows as base64
typed arrays and its files' metadata, clip and scores, and the summary pages and indexes list."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd

from .maps import FILE_EXTRA, FILE_FIELDS, MapSpec


def _b64(values: np.ndarray, dtype: str) -> dict:
    """A column as little-endian bytes in base64 (decoded into a typed array by explore.js)."""
    array = np.ascontiguousarray(np.asarray(values, dtype=np.dtype(dtype).newbyteorder("<")))
    return {"dtype": dtype, "b64": base64.b64encode(array.tobytes()).decode("ascii")}


def _number(value):
    """A finite number, or None (NaN, pandas' <NA> of an empty integer field, None)."""
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _text(value) -> str:
    """A table's text value as the page shows it ("" for a missing one)."""
    return "" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)


def attribute_columns(table: pd.DataFrame) -> list[str]:
    """The map table's attribute columns (``attr_*``: a DCASE file name's attributes), in order."""
    return [c for c in table.columns if c.startswith("attr_")]


def extent(table: pd.DataFrame | None) -> list[float]:
    """``[x0, x1, y0, y1]`` of a map's windows (a unit square for an empty map)."""
    if table is None or table.empty:
        return [-1.0, 1.0, -1.0, 1.0]
    x, y = table["x"].to_numpy(dtype=float), table["y"].to_numpy(dtype=float)
    return [float(x.min()), float(x.max()), float(y.min()), float(y.max())]


def _file_records(
    table: pd.DataFrame, files: list, clips: pd.DataFrame, scores: pd.DataFrame | None, systems
) -> list[dict]:
    """Per file (``(dataset, path)`` of ``files``): its metadata, clip, clip offset, kNN score and
    each system's score and decision."""
    first = table.drop_duplicates(["dataset", "path"]).set_index(["dataset", "path"]) if len(table) else None
    clip_at = {(r.dataset, r.path): r for r in clips.itertuples(index=False)}
    score_at = {}
    if scores is not None and len(scores):
        score_at = {(r["dataset"], r["path"]): r for r in scores.to_dict("records")}
    attributes = attribute_columns(table)
    records = []
    for key in files:
        meta = first.loc[key]
        clip = clip_at.get(key)
        score = score_at.get(key, {})
        records.append(
            {
                **{f: str(meta.get(f, "")) for f in FILE_FIELDS if f not in ("dataset", "path")},
                "dataset": key[0],
                "path": key[1],
                **{f: _text(meta.get(f, "")) for f in FILE_EXTRA},
                "file_index": int(meta["file_index"]) if "file_index" in meta else None,
                "random_weights": bool(meta.get("random_weights", False)),
                "attrs": {a: _text(meta.get(a, "")) for a in attributes},
                "clip": clip.clip if clip is not None and clip.clip else "",
                "offset": _number(clip.offset) if clip is not None and clip.clip else None,
                "problem": clip.problem
                if clip is not None
                else "no clip: the explorer's audio job did not see this file",
                "knn": _number(score["knn_original"]) if "knn_original" in score else None,
                "systems": {
                    s: [_number(score.get(f"score_{s}", np.nan)), _number(score.get(f"decision_{s}", np.nan))]
                    for s in systems
                },
            }
        )
    return records


def map_payload(
    spec: MapSpec,
    table: pd.DataFrame | None,
    *,
    clips: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    systems=(),
    skipped: str | None = None,
) -> dict:
    """Everything a page needs of one map: per window ``x``, ``y``, ``file`` (index into
    ``files``), ``t`` (start, s, of the signal the window sees) and ``energy``, as base64 typed
    arrays; per file its metadata, clip (``clips``: the table with each clip's path from the
    page), clip offset, kNN score (file level, original space, from the metrics stage) and each
    system's score and decision."""
    table = table if table is not None else pd.DataFrame(columns=["dataset", "path", "x", "y", "start_time"])
    keys = list(zip(table["dataset"], table["path"]))
    files = list(dict.fromkeys(keys))
    index = {k: i for i, k in enumerate(files)}
    file_of = np.fromiter((index[k] for k in keys), dtype=np.uint32, count=len(keys))
    records = _file_records(table, files, clips, scores, systems)
    start = spec.spans(table)[0] if len(table) else np.zeros(0)
    energy = table["energy"].to_numpy(dtype=float) if "energy" in table.columns else np.full(len(table), np.nan)
    categories = {
        c: sorted({r[c] for r in records if r[c]}) for c in ("device", "section", "domain", "split", "dataset")
    }
    categories["label"] = sorted({r["label"] for r in records if r["split"] == "test" and r["label"]})
    n_test = int((table["split"] == "test").sum()) if "split" in table.columns else 0
    seeds = table["umap_seed"].dropna().unique() if "umap_seed" in table.columns else []
    first_frame = table["first_frame"].to_numpy() if "first_frame" in table.columns else np.zeros(len(table))
    return {
        "key": spec.name,
        "representation": spec.representation,
        "stack": spec.stack,
        "windowing": spec.windowing,
        "clip_level": spec.clip_level,
        "title": spec.title,
        "scope": spec.scope,
        "n": int(len(table)),
        "hop": spec.hop,
        "frame_seconds": spec.frame_seconds,
        "window_seconds": spec.window_seconds,
        "skipped": skipped,
        "systems": list(systems),
        "extent": extent(table),
        "n_test": n_test,
        "n_shadow": int(len(table)) - n_test,
        "has_energy": bool(np.isfinite(energy).any()),
        "measures": ["knn"] if scores is not None and "knn_original" in scores.columns else [],
        "categories": categories,
        "attribute_columns": attribute_columns(table),
        "umap_seed": int(seeds[0]) if len(seeds) == 1 else None,
        "files": records,
        "columns": {
            "x": _b64(table["x"].to_numpy(dtype=float), "float32"),
            "y": _b64(table["y"].to_numpy(dtype=float), "float32"),
            "file": _b64(file_of, "uint32"),
            "t": _b64(start, "float32"),
            "energy": _b64(energy, "float32"),
            "first_frame": _b64(first_frame, "uint32"),
        },
    }


def data_js(payload: dict) -> str:
    """The script a page loads for one map: it adds the payload to ``AudioUmapsData``."""
    return (
        "window.AudioUmapsData = window.AudioUmapsData || {};\n"
        f"window.AudioUmapsData[{json.dumps(payload['key'])}] = {json.dumps(payload, separators=(',', ':'))};\n"
    )


def summary(payload: dict) -> dict:
    """A map's payload without its arrays and files: what pages and indexes list."""
    keep = (
        "key",
        "representation",
        "stack",
        "windowing",
        "clip_level",
        "title",
        "scope",
        "n",
        "skipped",
        "systems",
        "categories",
        "window_seconds",
        "frame_seconds",
        "extent",
        "n_test",
        "n_shadow",
        "has_energy",
        "measures",
    )
    return {
        **{k: payload[k] for k in keep},
        "page": f"{payload['key']}.html",
        "data": f"data/{payload['key']}.js",
        "files": len(payload["files"]),
    }
