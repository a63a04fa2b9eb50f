"""The interactive explorer: a page per scope x representation x stack, where a click on a dot
plays the window behind it and a selection in one map highlights the same windows in the maps of
the other representations and stacks of the scope.

One job per scope writes a self-contained folder (``results/explore/<scope>/``)::

    index.html                       the scope's maps, with their windows and notes
    <representation>_stack<k>.html   a page (Bokeh, canvas rendering; see :func:`page_html`)
    data/<representation>_stack<k>.js  the map's windows: x, y, file, start time, energy
                                     (base64 typed arrays) and its files' metadata and scores
    audio/<dataset>/<subfolder>/<stem>.ogg  the normalised signal the features saw, only the
                                     span the sampled windows of every map of the scope need
                                     (plus a margin), Ogg Opus
    audio/clips.tsv                  which clip holds which file from which second, or why not
    static/                          Bokeh's JavaScript and the explorer's callbacks, so the
                                     pages work opened from disk, with no network
    maps.json                        what the top index (:func:`index_html`) lists

A page reads its own map's data with a ``<script>`` tag (so it works from ``file://`` as well as
through a web server) and the linked maps' data on demand. The JavaScript in
``explore_static/explore.js`` only decodes the arrays and runs the callbacks (filters, colours,
hover text, audio, linked selection); Bokeh draws.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import audio, representations

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "explore_static"
BOKEH_FILES = ("bokeh.min.js", "bokeh-widgets.min.js")
OWN_FILES = ("explore.js", "explore.css")
# Sample rates Opus encodes; at any other rate clips are FLAC (lossless, larger).
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
CLIP_COLUMNS = ["dataset", "path", "clip", "offset", "duration", "problem"]
SPLITS = ("train", "test", "external")
LABELS = ("normal", "anomaly", "unknown")
FILE_FIELDS = ("path", "dataset", "device", "section", "domain", "split", "label", "attributes")


@dataclass(frozen=True)
class Settings:
    """The config's ``explore`` block."""

    margin: float = 0.25  # seconds played before and after a window's span
    linked_autoload_points: int = 150_000  # linked maps load with the page up to this many windows

    @classmethod
    def from_config(cls, block: dict | None) -> "Settings":
        block = block or {}
        return cls(margin=float(block.get("margin", cls.margin)),
                   linked_autoload_points=int(block.get("linked_autoload_points", cls.linked_autoload_points)))


@dataclass(frozen=True)
class MapSpec:
    """One map of a scope and the frame geometry of its representation."""

    representation: str
    stack: int
    scope: str
    hop: float  # seconds between frames
    frame_seconds: float  # seconds of signal one frame sees

    @classmethod
    def of(cls, representation: str, stack: int, scope: str, *, sample_rate: int,
           params: dict | None = None) -> "MapSpec":
        """The spec of a map from its representation's parameters (config overrides)."""
        module = representations.get(representation)
        merged = representations.params(representation, params)
        times = module.frame_times(2, sample_rate, merged)
        return cls(representation, int(stack), scope, float(times[1] - times[0]),
                   float(module.frame_seconds(sample_rate, merged)))

    @property
    def name(self) -> str:
        return f"{self.representation}_stack{self.stack}"

    @property
    def page(self) -> str:
        return f"{self.name}.html"

    @property
    def data(self) -> str:
        return f"data/{self.name}.js"

    @property
    def window_seconds(self) -> float:
        """Span of signal a window's frames see."""
        return (self.stack - 1) * self.hop + self.frame_seconds

    def spans(self, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (s) of the signal each window of ``table`` (column ``start_time``, the
        centre of its first frame) sees; a first frame centred on 0 starts before the file (its
        padding), which playing leaves out."""
        start = table["start_time"].to_numpy(dtype=float) - self.frame_seconds / 2
        return start, start + self.window_seconds


class Map(NamedTuple):
    """One map of a scope as the explorer job reads it."""

    spec: MapSpec
    table: pd.DataFrame | None  # the UMAP table (windows with x, y and metadata)
    skipped: str | None  # why there is no map (None when there is one)
    scores: pd.DataFrame | None  # the metrics stage's per-file scores of its windows' files


def read_scores(paths) -> pd.DataFrame | None:
    """The metrics stage's per-file tables (``….files.tsv``) of a map, concatenated; None for
    none."""
    text = ["dataset", "device", "section", "domain", "label", "path"]
    parts = [pd.read_csv(p, sep="\t", dtype={c: str for c in text}, keep_default_na=False) for p in paths]
    if not parts:
        return None
    scores = pd.concat(parts, ignore_index=True)
    for column in scores.columns.difference(text):  # scores and decisions; empty: none
        scores[column] = pd.to_numeric(scores[column].replace("", np.nan), errors="coerce")
    return scores


def read_scopes(folders) -> dict[str, list[dict]]:
    """``{scope: map summaries}`` from the ``maps.json`` of each scope folder."""
    scopes = {}
    for folder in folders:
        meta = json.loads((Path(folder) / "maps.json").read_text())
        scopes[meta["scope"]] = meta["maps"]
    return scopes


# ---- audio --------------------------------------------------------------------------------------

def clip_spans(maps, margin: float) -> pd.DataFrame:
    """The span of each file the windows of ``maps`` (``(spec, table)`` pairs) need: from the
    earliest window start less ``margin`` to the latest window end plus ``margin``, one row per
    ``dataset``, ``path`` (columns ``begin``, ``end``, ``subfolder``)."""
    parts = []
    for spec, table in maps:
        if table is None or table.empty:
            continue
        start, end = spec.spans(table)
        parts.append(pd.DataFrame({"dataset": table["dataset"].to_numpy(), "path": table["path"].to_numpy(),
                                   "subfolder": table["subfolder"].to_numpy(),
                                   "begin": start - margin, "end": end + margin}))
    if not parts:
        return pd.DataFrame(columns=["dataset", "path", "subfolder", "begin", "end"])
    spans = (pd.concat(parts, ignore_index=True)
             .groupby(["dataset", "path"], sort=True, as_index=False)
             .agg(subfolder=("subfolder", "first"), begin=("begin", "min"), end=("end", "max")))
    spans["begin"] = spans["begin"].clip(lower=0.0)
    return spans


def clip_name(dataset: str, subfolder: str, path: str, sample_rate: int) -> str:
    """Where a file's clip lies in a scope folder, e.g. ``audio/demo/fan/source_test/x.wav.ogg``."""
    suffix = ".ogg" if sample_rate in OPUS_RATES else ".flac"
    folder = "/".join(p for p in str(subfolder).split("/") if p not in ("", ".", ".."))
    # the whole name (x.wav.ogg): x.wav and x.flac side by side get clips of their own
    return "/".join(p for p in ("audio", dataset, folder, Path(path).name + suffix) if p)


def write_clips(spans: pd.DataFrame, folder: str | Path, *, sample_rate: int = 16000,
                normalisation: str = "absmax", channels="mix", threads: int = 1) -> pd.DataFrame:
    """Write the part of each file that ``spans`` asks for, as the features saw it (mono,
    ``sample_rate``, normalised: :func:`audio_umaps.audio.load`), compressed: Ogg Opus at the
    rates Opus encodes, else FLAC. A file that cannot be read gets a row whose ``problem`` says
    why (and is logged); the others are written. Returns the clips table (:data:`CLIP_COLUMNS`;
    ``offset``: the second of the original file the clip starts at). Encoding dominates (Opus:
    about 30x real time a thread, measured); ``threads`` files are encoded at once (libsndfile
    runs without the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    import soundfile as sf

    def one(row):
        clip = clip_name(row.dataset, row.subfolder, row.path, sample_rate)
        try:
            y = audio.load(row.path, sample_rate, normalisation, channels)
            first = int(np.floor(row.begin * sample_rate))
            last = min(len(y), int(np.ceil(row.end * sample_rate)))
            piece = y[first:last]
            if piece.size == 0:
                raise audio.AudioError(f"shorter ({len(y) / sample_rate:.2f} s) than its windows' start "
                                       f"({row.begin:.2f} s): changed since its features were made?")
            # played as the features saw it, but within +-1 (std or no normalisation exceeds it)
            piece = piece / max(1.0, float(np.abs(piece).max()))
            target = Path(folder) / clip
            target.parent.mkdir(parents=True, exist_ok=True)
            if clip.endswith(".ogg"):
                sf.write(target, piece, sample_rate, format="OGG", subtype="OPUS")
            else:
                sf.write(target, piece, sample_rate, format="FLAC", subtype="PCM_16")
        except Exception as exc:  # one file's problem never stops the others: it is reported
            reason = str(exc).replace("\n", " ")
            log.warning("no clip of %s (dataset %s): %s; its windows play nothing", row.path, row.dataset, reason)
            return (row.dataset, row.path, "", np.nan, np.nan, reason)
        return (row.dataset, row.path, clip, first / sample_rate, len(piece) / sample_rate, "")

    with ThreadPoolExecutor(max_workers=max(int(threads), 1)) as pool:
        rows = list(pool.map(one, spans.itertuples(index=False)))
    return pd.DataFrame(rows, columns=CLIP_COLUMNS)


# ---- data -------------------------------------------------------------------------------------

def _b64(values: np.ndarray, dtype: str) -> dict:
    """A column as little-endian bytes in base64 (decoded into a typed array by explore.js)."""
    array = np.ascontiguousarray(np.asarray(values, dtype=np.dtype(dtype).newbyteorder("<")))
    return {"dtype": dtype, "b64": base64.b64encode(array.tobytes()).decode("ascii")}


def _number(value):
    value = float(value)
    return value if np.isfinite(value) else None


def map_payload(spec: MapSpec, table: pd.DataFrame | None, *, clips: pd.DataFrame,
                scores: pd.DataFrame | None = None, systems=(), skipped: str | None = None) -> dict:
    """Everything a page needs of one map: per window ``x``, ``y``, ``file`` (index into
    ``files``), ``t`` (start, s, of the signal the window sees) and ``energy``, as base64 typed
    arrays; per file its metadata, clip, clip offset, kNN score (file level, original space,
    from the metrics stage) and each system's score and decision."""
    table = table if table is not None else pd.DataFrame(columns=["dataset", "path", "x", "y", "start_time"])
    keys = list(zip(table["dataset"], table["path"]))
    files = list(dict.fromkeys(keys))
    index = {k: i for i, k in enumerate(files)}
    file_of = np.fromiter((index[k] for k in keys), dtype=np.uint32, count=len(keys))
    first = table.drop_duplicates(["dataset", "path"]).set_index(["dataset", "path"]) if len(table) else None
    clip_at = {(r.dataset, r.path): r for r in clips.itertuples(index=False)}
    score_at = {}
    if scores is not None and len(scores):
        score_at = {(r["dataset"], r["path"]): r for r in scores.to_dict("records")}
    records = []
    for key in files:
        meta = first.loc[key]
        clip = clip_at.get(key)
        score = score_at.get(key, {})
        records.append({
            **{f: str(meta.get(f, "")) for f in FILE_FIELDS if f not in ("dataset", "path")},
            "dataset": key[0], "path": key[1],
            "clip": clip.clip if clip is not None and clip.clip else "",
            "offset": _number(clip.offset) if clip is not None and clip.clip else None,
            "problem": clip.problem if clip is not None else "no clip: the explorer's audio job did not see this file",
            "knn": _number(score["knn_original"]) if "knn_original" in score else None,
            "systems": {s: [_number(score.get(f"score_{s}", np.nan)),
                            _number(score.get(f"decision_{s}", np.nan))] for s in systems},
        })
    start = spec.spans(table)[0] if len(table) else np.zeros(0)
    energy = table["energy"].to_numpy(dtype=float) if "energy" in table.columns else np.full(len(table), np.nan)
    categories = {c: sorted({r[c] for r in records if r[c]}) for c in ("device", "section", "domain", "split", "dataset")}
    categories["label"] = sorted({r["label"] for r in records if r["split"] == "test" and r["label"]})
    n_test = int((table["split"] == "test").sum()) if "split" in table.columns else 0
    return {
        "key": spec.name, "representation": spec.representation, "stack": spec.stack, "scope": spec.scope,
        "n": int(len(table)), "hop": spec.hop, "frame_seconds": spec.frame_seconds,
        "window_seconds": spec.window_seconds, "skipped": skipped, "systems": list(systems),
        "extent": _extent(table), "n_test": n_test, "n_shadow": int(len(table)) - n_test,
        "has_energy": bool(np.isfinite(energy).any()),
        "measures": ["knn"] if scores is not None and "knn_original" in scores.columns else [],
        "categories": categories, "files": records,
        "columns": {"x": _b64(table["x"].to_numpy(dtype=float), "float32"),
                    "y": _b64(table["y"].to_numpy(dtype=float), "float32"),
                    "file": _b64(file_of, "uint32"), "t": _b64(start, "float32"),
                    "energy": _b64(energy, "float32")},
    }


def data_js(payload: dict) -> str:
    """The script a page loads for one map: it adds the payload to ``AudioUmapsData``."""
    return ("window.AudioUmapsData = window.AudioUmapsData || {};\n"
            f"window.AudioUmapsData[{json.dumps(payload['key'])}] = {json.dumps(payload, separators=(',', ':'))};\n")


def summary(payload: dict) -> dict:
    """A map's payload without its arrays and files: what pages and indexes list."""
    keep = ("key", "representation", "stack", "scope", "n", "skipped", "systems", "categories", "window_seconds",
            "extent", "n_test", "n_shadow", "has_energy", "measures")
    return {**{k: payload[k] for k in keep}, "page": f"{payload['key']}.html",
            "data": f"data/{payload['key']}.js", "files": len(payload["files"])}


# ---- pages --------------------------------------------------------------------------------------

def shadow_style(n: int) -> tuple[float, float]:
    """Marker size (px) and alpha of ``n`` shadow windows: fewer, larger and more opaque marks
    for small maps; many small faint ones for dense maps, so that even a hundred marks on one
    spot stay translucent (alpha 0.02 at 100,000 windows: 1 - 0.98**100 = 0.87)."""
    n = max(int(n), 1)
    alpha = float(np.clip(6.0 / np.sqrt(n), 0.02, 0.25))
    size = float(np.clip(40.0 / n ** 0.25, 4.0, 14.0))
    return size, alpha


def test_size(n: int) -> float:
    """Marker size (px) of ``n`` test windows."""
    return float(np.clip(24.0 / max(int(n), 1) ** 0.25, 2.0, 6.0))


def _extent(table: pd.DataFrame | None) -> list[float]:
    """``[x0, x1, y0, y1]`` of a map's windows (a unit square for an empty map)."""
    if table is None or table.empty:
        return [-1.0, 1.0, -1.0, 1.0]
    x, y = table["x"].to_numpy(dtype=float), table["y"].to_numpy(dtype=float)
    return [float(x.min()), float(x.max()), float(y.min()), float(y.max())]


def _ranges(extent: list[float], width: int, height: int):
    """x and y limits holding a map's ``extent``, padded to the panels' aspect (equal units)."""
    x0, x1, y0, y1 = extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = max(x1 - x0, 1e-6) * 0.53, max(y1 - y0, 1e-6) * 0.53
    if half_w / width < half_h / height:
        half_w = half_h * width / height
    else:
        half_h = half_w * height / width
    return (cx - half_w, cx + half_w), (cy - half_h, cy + half_h)


def page_html(own: dict, linked: list[dict], *, settings: Settings, title: str) -> str:
    """The page of one map (``own``, a :func:`summary`) of a scope, with ``linked`` (the
    summaries of the scope's other maps) side by side below it.

    Views: the paper's dual plot (normal test windows left, anomalous right, an extra panel for
    unlabelled ones, training and external windows as shadows on every panel) or one combined
    panel (the left one, showing every test window); toggles for split, label, section and domain; colour by section, domain, label,
    energy, kNN score or a system's score; a system's false positives and negatives ringed. Hover
    shows a window's file and scores; a click plays it; a box or lasso selection highlights the
    windows of the same files at overlapping times in every other map (and theirs in this one).
    """
    from bokeh.document import Document
    from bokeh.embed import file_html
    from bokeh.events import DocumentReady
    from bokeh.layouts import column, row
    from bokeh.models import (BooleanFilter, BoxSelectTool, Button, CDSView, CheckboxButtonGroup,
                              ColumnDataSource, CustomJS, Div, HoverTool,
                              LassoSelectTool, LinearColorMapper, RadioButtonGroup, Range1d, Select,
                              TapTool)
    from bokeh.plotting import figure
    from jinja2 import Template

    cats = own["categories"]
    width, height = 520, 460
    (x0, x1), (y0, y1) = _ranges(own["extent"], width, height)
    xr, yr = Range1d(x0, x1), Range1d(y0, y1)
    src = ColumnDataSource(data={"x": [], "y": [], "c": [], "file": [], "t": [], "energy": []},
                           name=f"source {own['key']}")
    mapper = LinearColorMapper(palette=["#1f77b4"], low=0, high=1, nan_color="#9a9a9a")
    # shadows: the same colours, paler (explore.js mixes the palette with white)
    shadow_mapper = LinearColorMapper(palette=["#a6c8e0"], low=0, high=1, nan_color="#c8c8c8")
    layer_names = ["shadow", "normal", "anomaly", "unknown", "fp", "fn"]
    filters = {name: BooleanFilter(booleans=[]) for name in layer_names}
    shadow_size, shadow_alpha = shadow_style(own["n_shadow"])
    dot = test_size(own["n_test"])

    def panel(name, layers, fig_title, visible=True):
        fig = figure(width=width, height=height, x_range=xr, y_range=yr, title=fig_title,
                     tools="pan,wheel_zoom,reset,save", active_scroll="wheel_zoom",
                     output_backend="canvas", name=name, visible=visible, lod_threshold=20000)
        fig.xaxis.visible = fig.yaxis.visible = False
        fig.grid.visible = False
        renderers = []
        for layer in layers:
            view = CDSView(filter=filters[layer])
            if layer == "shadow":
                r = fig.scatter("x", "y", source=src, view=view, size=shadow_size,
                                fill_color={"field": "c", "transform": shadow_mapper}, line_color=None,
                                fill_alpha=shadow_alpha, selection_fill_alpha=min(1.0, shadow_alpha * 4),
                                nonselection_fill_alpha=shadow_alpha / 3, name=f"{name} shadows")
            elif layer in ("fp", "fn"):
                r = fig.scatter("x", "y", source=src, view=view, size=dot + 5, fill_color=None,
                                line_color="#d62728", line_width=1.2, line_alpha=0.8,
                                nonselection_line_alpha=0.25, name=f"{name} {layer}")
            else:
                r = fig.scatter("x", "y", source=src, view=view, size=dot,
                                fill_color={"field": "c", "transform": mapper}, line_color=None,
                                fill_alpha=0.85, selection_fill_alpha=1.0,
                                nonselection_fill_alpha=0.12, name=f"{name} {layer}")
            renderers.append(r)
        points = [r for r, layer in zip(renderers, layers) if layer not in ("fp", "fn")]
        fig.add_tools(
            # one window's card (the nearest), not Bokeh's list of every window under the cursor
            HoverTool(renderers=points, tooltips=None,
                      callback=CustomJS(args={"key": own["key"], "figure": fig,
                                              "layers": [la for la in layers if la not in ("fp", "fn")]},
                                        code="AudioUmaps.hover(key, cb_data, figure, layers);")),
            TapTool(renderers=points, callback=CustomJS(args={"key": own["key"]},
                                                       code="AudioUmaps.tap(key, cb_data);")),
            BoxSelectTool(renderers=points), LassoSelectTool(renderers=points))
        return fig

    # Every renderer indexes all of the source's windows for hit testing (Bokeh), the page's
    # largest cost at 300,000 windows (measured: 12 renderers took 2 s of a 4 s load): only the
    # layers a map can show are made, and the combined view reuses the left panel.
    errors = bool(own["systems"])
    panels = {
        "normal": panel("normal", ["shadow", "normal"] + (["fp"] if errors else []), "normal test windows"),
        "anomaly": panel("anomaly", ["shadow", "anomaly"] + (["fn"] if errors else []), "anomalous test windows"),
    }
    if "unknown" in cats["label"]:
        panels["unknown"] = panel("unknown", ["shadow", "unknown"], "unlabelled test windows")
    # first (the default): device on a map of several devices, else section
    colour_options = [("device", "device")] if len(cats["device"]) > 1 else []
    colour_options += [("section", "section"), ("domain", "domain"), ("label", "label"), ("split", "split")]
    colour_options += [("dataset", "dataset")] if len(cats["dataset"]) > 1 else []
    colour_options += [("energy", "energy")] if own["has_energy"] else []
    if "knn" in own["measures"]:
        colour_options.append(("knn", "kNN score (file, original space)"))
    colour_options += [(f"system:{s}", f"{s} score") for s in own["systems"]]
    view = RadioButtonGroup(labels=["dual plot", "combined"], active=0, name="view")
    # a map without sections (folder data) starts with its datasets, or splits
    first = next((o for o, _ in colour_options if o not in ("section", "domain") or cats[o]), "split")
    if not cats["section"]:
        first = "dataset" if len(cats["dataset"]) > 1 else "split"
    colour = Select(title="colour by", options=colour_options, value=first, name="colour", width=220)
    splits = [s for s in SPLITS if s in cats["split"]]
    labels = [lab for lab in LABELS if lab in cats["label"]]
    toggles = {
        "split": CheckboxButtonGroup(labels=splits, active=list(range(len(splits))), name="split"),
        "label": CheckboxButtonGroup(labels=labels, active=list(range(len(labels))), name="label"),
        "section": CheckboxButtonGroup(labels=cats["section"], active=list(range(len(cats["section"]))),
                                       name="section"),
        "domain": CheckboxButtonGroup(labels=cats["domain"], active=list(range(len(cats["domain"]))),
                                      name="domain"),
    }
    system = Select(title="ring a system's errors", options=["none"] + own["systems"],
                    value=own["systems"][0] if own["systems"] else "none", name="system", width=220,
                    visible=bool(own["systems"]))
    legend = Div(text="", name="legend", width=900, css_classes=["au-legend"])
    linked_total = sum(m["n"] for m in linked if not m["skipped"])
    loadable = sum(1 for m in linked if not m["skipped"] and m["n"])
    autoload = linked_total <= settings.linked_autoload_points
    load = Button(label=f"show the scope's {loadable} other maps ({linked_total:,} windows)", name="load_linked",
                  visible=bool(linked) and not autoload, button_type="primary")
    linked_sources, linked_figs = {}, []
    for m in linked:
        lsrc = ColumnDataSource(data={"x": [], "y": [], "c": [], "file": [], "t": [], "energy": []},
                                name=f"source {m['key']}")
        (lx0, lx1), (ly0, ly1) = _ranges(m["extent"], 300, 270)
        fig = figure(width=300, height=270, title=f"{m['representation']}, stack {m['stack']}"
                     + (f" (no map: {m['skipped']})" if m["skipped"] else ""),
                     tools="pan,wheel_zoom,reset", active_scroll="wheel_zoom", output_backend="canvas",
                     name=f"linked {m['key']}", x_range=Range1d(lx0, lx1), y_range=Range1d(ly0, ly1),
                     lod_threshold=20000)
        fig.xaxis.visible = fig.yaxis.visible = False
        fig.grid.visible = False
        lsize, lalpha = shadow_style(max(m["n"], 1))
        r = fig.scatter("x", "y", source=lsrc, size=max(2.0, lsize / 2), fill_color={"field": "c", "transform": mapper},
                        line_color=None, fill_alpha=min(0.6, lalpha * 3), selection_fill_alpha=1.0,
                        nonselection_fill_alpha=min(0.6, lalpha * 3) / 4, selection_line_color="black",
                        name=f"linked {m['key']} points")
        fig.add_tools(HoverTool(renderers=[r], tooltips=None,
                                callback=CustomJS(args={"key": m["key"], "figure": fig},
                                                  code="AudioUmaps.hover(key, cb_data, figure, null);")),
                      TapTool(renderers=[r], callback=CustomJS(args={"key": m["key"]},
                                                               code="AudioUmaps.tap(key, cb_data);")),
                      BoxSelectTool(renderers=[r]), LassoSelectTool(renderers=[r]))
        linked_sources[m["key"]] = lsrc
        linked_figs.append(fig)

    models = {"source": src, "mapper": mapper, "shadow_mapper": shadow_mapper, "filters": filters,
              "panels": panels, "view": view, "colour": colour, "toggles": toggles, "system": system,
              "legend": legend, "load": load, "linked": linked_sources,
              "linked_figures": dict(zip(linked_sources, linked_figs))}
    update = CustomJS(args={"key": own["key"]}, code="AudioUmaps.update(key);")
    for widget in (colour, system):
        widget.js_on_change("value", update)
    view.js_on_change("active", update)
    for widget in toggles.values():
        widget.js_on_change("active", update)
    load.js_on_event("button_click", CustomJS(args={"key": own["key"]}, code="AudioUmaps.loadLinked(key);"))
    for key, source in {own["key"]: src, **linked_sources}.items():
        source.selected.js_on_change("indices", CustomJS(args={"key": key}, code="AudioUmaps.linkFrom(key);"))

    controls = column(row(view, colour, system), row(*[w for w in toggles.values() if w.labels]), legend)
    dual = row(*panels.values())
    grid = [linked_figs[i:i + 3] for i in range(0, len(linked_figs), 3)]
    linked_block = column(load, *[row(*r) for r in grid]) if linked_figs else column(Div(text=""))
    doc = Document()
    doc.add_root(column(controls, dual, linked_block))
    config = {"own": own, "linked": linked, "autoload": autoload, "margin": settings.margin}
    doc.js_on_event(DocumentReady, CustomJS(args={"models": models, "config": config},
                                            code="AudioUmaps.init(models, config);"))
    scripts = [f"static/{f}" for f in BOKEH_FILES] + ["static/explore.js", own["data"]]
    template = Template(PAGE_TEMPLATE)
    return file_html(doc, resources=None, title=title, template=template,
                     template_variables={"scripts": scripts, "heading": title, "own": own,
                                         "settings": settings})


PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{{ title|e }}</title>
<link rel="stylesheet" href="static/explore.css">
{% for s in scripts %}<script src="{{ s }}"></script>
{% endfor %}</head>
<body>
<header>
<h1>{{ heading|e }}</h1>
<p class="au-nav"><a href="index.html">maps of this scope</a> · <a href="../index.html">all scopes</a></p>
<div class="au-player">
<audio id="au-player" controls preload="none"></audio>
<div id="au-tip" class="au-tip" hidden></div>
<div id="au-now">Click a dot to hear its window ({{ "%.2f"|format(settings.margin) }} s margin either side); drag a box or lasso (toolbar) to highlight the same windows in the other maps.</div>
</div>
{% if own.skipped %}<p class="au-note">No map: {{ own.skipped|e }}</p>{% endif %}
</header>
{{ plot_div }}
{{ plot_script }}
</body>
</html>
"""


# ---- scope folder and indexes --------------------------------------------------------------------

def copy_static(folder: str | Path) -> None:
    """Bokeh's JavaScript (from the installed package) and the explorer's own files."""
    import bokeh

    target = Path(folder) / "static"
    target.mkdir(parents=True, exist_ok=True)
    js = Path(bokeh.__file__).parent / "server" / "static" / "js"
    for name in BOKEH_FILES:
        shutil.copyfile(js / name, target / name)
    for name in OWN_FILES:
        shutil.copyfile(STATIC / name, target / name)


def scope_index_html(maps: list[dict], clips: pd.DataFrame, *, title: str) -> str:
    """A scope's own index: its maps with their windows, files and notes, and its files without a clip."""
    rows = []
    for m in maps:
        link = (f'<a href="{html.escape(m["page"])}">{html.escape(m["representation"])}, stack {m["stack"]}</a>')
        note = html.escape(m["skipped"]) if m["skipped"] else ""
        rows.append(f"<tr><td>{link}</td><td>{m['n']:,}</td><td>{m['files']:,}</td><td>{note}</td></tr>")
    missing = clips[clips["clip"] == ""] if len(clips) else clips
    problems = "".join(f"<li>{html.escape(r.path)}: {html.escape(r.problem)}</li>" for r in missing.itertuples())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>{html.escape(title)}</title>
<link rel="stylesheet" href="static/explore.css"></head><body>
<h1>{html.escape(title)}</h1><p class="au-nav"><a href="../index.html">all scopes</a></p>
<table class="au-index"><tr><th>map</th><th>windows</th><th>files</th><th>note</th></tr>
{''.join(rows)}</table>
<p>{len(clips) - len(missing):,} audio clips beside these pages.</p>
{f'<p>Files without a clip (their windows play nothing):</p><ul>{problems}</ul>' if problems else ''}
</body></html>
"""


def index_html(scopes: dict[str, list[dict]], *, title: str = "audio-umaps explorer") -> str:
    """The top index: every scope with a link to each of its maps."""
    if not scopes:
        body = "<p>No maps in this run.</p>"
    else:
        stacks = sorted({m["stack"] for maps in scopes.values() for m in maps})
        reps = list(dict.fromkeys(m["representation"] for maps in scopes.values() for m in maps))
        head = "".join(f"<th>{html.escape(r)} stack {s}</th>" for r in reps for s in stacks)
        lines = []
        for scope, maps in scopes.items():
            by = {(m["representation"], m["stack"]): m for m in maps}
            cells = []
            for r in reps:
                for s in stacks:
                    m = by.get((r, s))
                    if m is None:
                        cells.append("<td></td>")
                    elif m["skipped"]:
                        cells.append(f'<td><a href="{html.escape(scope)}/{m["page"]}" title="{html.escape(m["skipped"])}">no map</a></td>')
                    else:
                        cells.append(f'<td><a href="{html.escape(scope)}/{m["page"]}">{m["n"]:,} windows</a></td>')
            lines.append(f'<tr><th><a href="{html.escape(scope)}/index.html">{html.escape(scope)}</a></th>{"".join(cells)}</tr>')
        body = f'<table class="au-index"><tr><th>scope</th>{head}</tr>{"".join(lines)}</table>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Each link opens a map: click a dot to hear its window; select with a box or lasso to highlight
the same windows in the scope's other maps. Open this file from disk, or serve the folder with
<code>python -m http.server</code>.</p>
{body}</body></html>
"""


def build_scope(folder: str | Path, scope: str, maps: list[Map], *, systems=(), settings: Settings,
                audio_config: dict, subject: str, threads: int = 1) -> list[dict]:
    """Write a scope's folder (see the module docstring) atomically and return its maps'
    summaries. ``maps``: a :class:`Map` per representation x stack; ``audio_config``: the
    config's ``audio`` block."""
    folder = Path(folder)
    tmp = folder.with_name("." + folder.name + ".tmp")  # no scope starts with a dot
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    sample_rate = int(audio_config.get("sample_rate", 16000))
    spans = clip_spans([(m.spec, m.table) for m in maps if not m.skipped], settings.margin)
    clips = write_clips(spans, tmp, sample_rate=sample_rate,
                        normalisation=audio_config.get("normalisation", "absmax"),
                        channels=audio_config.get("channels", "mix"), threads=threads)
    (tmp / "audio").mkdir(exist_ok=True)
    clips.to_csv(tmp / "audio" / "clips.tsv", sep="\t", index=False)
    (tmp / "data").mkdir()
    summaries = []
    for spec, table, skipped, scores in maps:
        payload = map_payload(spec, None if skipped else table, clips=clips, scores=scores, systems=systems,
                              skipped=skipped)
        (tmp / spec.data).write_text(data_js(payload), encoding="utf-8")
        summaries.append(summary(payload))
    union = {c: sorted({v for m in summaries for v in m["categories"][c]}) for c in summaries[0]["categories"]} \
        if summaries else {}
    for s in summaries:
        s["scope_categories"] = union  # one colour per value on every map of the scope
    for s in summaries:
        linked = [m for m in summaries if m["key"] != s["key"]]
        page = page_html(s, linked, settings=settings, title=f"{subject}: {s['representation']}, stack {s['stack']}")
        (tmp / s["page"]).write_text(page, encoding="utf-8")
    (tmp / "index.html").write_text(scope_index_html(summaries, clips, title=f"{subject}: every map"),
                                    encoding="utf-8")
    copy_static(tmp)
    (tmp / "maps.json").write_text(json.dumps({"scope": scope, "subject": subject, "maps": summaries}, indent=1))
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)
    return summaries
