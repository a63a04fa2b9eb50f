"""Load time and click-to-audio time of explorer pages at 10k, 100k and 300k windows, in headless
Chromium (Debian's, software rendering: ``--disable-gpu``) on this machine.

    .venv/bin/python -m benchmarks.explore_page [--points 10000 100000 300000] [--repeats 3]

Maps in the proportions of the paper's device scope (``config/paper.yaml``: 20,000 test windows
per section x domain group from ~100 files, 10,000 training windows per group from ~1,000 files):
78 % test windows (200 per file), 22 % training windows (10 per file), six sections x two domains.
Each map is written as the explore job writes it (:func:`audio_umaps.explore.map_payload`,
:func:`~audio_umaps.explore.page_html`) with a second, linked map of the same size; 20 real Opus
clips of 10 s are shared by the files (click-to-audio loads one clip, whichever file it is).

Measured per size, median of ``--repeats`` fresh page loads:

* load: navigation start to the page's own map drawn (``window.AudioUmapsDrawn``; the linked
  map loads with the page below ``explore.linked_autoload_points``, else on a button);
* click-to-audio: a real mouse click on a test window to the audio element's ``playing``
  event (its clip fetched, decoded and seeked to the window);
* recolour: choosing "colour by domain" to the repaint (a full redraw: the page's
  responsiveness);
* linked selection: a box selection to the other map's highlight (with the linked map loaded).

Baseline in the same run: the same two panels as Bokeh's own standalone output
(``bokeh.embed.file_html``: the data inline in the document, hover fields as per-point string
columns, as ``umap.plot.interactive`` builds its pages), its load to the drawn document.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from audio_umaps import explore

SECTIONS = ("00", "01", "02", "03", "04", "05")
DOMAINS = ("source", "target")


def synthetic_map(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_test, rows = int(n * 0.78), []
    parts = [("test", n_test, 200), ("train", n - n_test, 10)]
    for split, count, per_file in parts:
        files = -(-count // per_file)
        f = np.repeat(np.arange(files), per_file)[:count]
        group = f % (len(SECTIONS) * len(DOMAINS))
        label = np.where((split == "test") & (f % 2 == 1), "anomaly", "normal")
        centre = np.c_[np.cos(group), np.sin(group)] * 12 + (label == "anomaly")[:, None] * 2.5
        xy = centre + rng.normal(scale=1.2, size=(count, 2)) + rng.normal(scale=0.6, size=(files, 2))[f]
        rows.append(
            pd.DataFrame(
                {
                    "dataset": "dev",
                    "kind": "dcase2021",
                    "path": [f"/data/fan/{split}/file_{i:05d}.wav" for i in f],
                    "device": "fan",
                    "section": np.array(SECTIONS)[group // 2],
                    "domain": np.array(DOMAINS)[group % 2],
                    "split": split,
                    "label": label,
                    "attributes": "",
                    "subfolder": f"fan/{split}",
                    "start_time": np.round(rng.integers(0, 300, count) * 0.032, 6),
                    "energy": rng.uniform(1, 1e4, count),
                    "x": xy[:, 0],
                    "y": xy[:, 1],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def write_pages(folder: Path, n: int, clips: list[str]) -> tuple[Path, Path]:
    """The explorer page (own map + a linked map) and the Bokeh-standalone baseline of ``n`` windows."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    explore.copy_static(folder)
    summaries, tables = [], {}
    for stack, seed in ((5, 0), (10, 1)):
        spec = explore.MapSpec.of("mel", stack, "fan", sample_rate=16000)
        table = synthetic_map(n, seed)
        paths = table["path"].unique()
        clip_table = pd.DataFrame(
            {
                "dataset": "dev",
                "path": paths,
                "clip": [clips[i % len(clips)] for i in range(len(paths))],
                "offset": 0.0,
                "duration": 10.0,
                "problem": "",
            }
        )
        payload = explore.map_payload(spec, table, clips=clip_table)
        (folder / spec.data).write_text(explore.data_js(payload))
        summaries.append(explore.summary(payload))
        tables[spec.name] = table
    own, linked = summaries
    page = folder / own["page"]
    page.write_text(explore.page_html(own, [linked], settings=explore.Settings(), title=f"{n} windows"))
    baseline = folder / "baseline.html"
    baseline.write_text(bokeh_standalone(tables[own["key"]]))
    return page, baseline


def bokeh_standalone(table: pd.DataFrame) -> str:
    """The same dual plot as Bokeh's own standalone output: data inline, hover fields per point."""
    from bokeh.embed import file_html
    from bokeh.layouts import row
    from bokeh.models import BooleanFilter, CDSView, ColumnDataSource, HoverTool
    from bokeh.plotting import figure
    from bokeh.resources import Resources

    columns = ["x", "y", "path", "dataset", "section", "domain", "split", "label", "start_time", "energy"]
    source = ColumnDataSource({c: table[c].to_numpy() for c in columns})
    train = (table["split"] == "train").to_numpy()
    panels = []
    for label in ("normal", "anomaly"):
        fig = figure(width=520, height=460, output_backend="canvas", tools="pan,wheel_zoom,reset")
        fig.scatter(
            "x", "y", source=source, view=CDSView(filter=BooleanFilter(list(train))), size=8, alpha=0.03, color="grey"
        )
        test = ((table["split"] == "test") & (table["label"] == label)).to_numpy()
        r = fig.scatter(
            "x", "y", source=source, view=CDSView(filter=BooleanFilter(list(test))), size=3, color="#1f77b4"
        )
        fig.add_tools(HoverTool(renderers=[r], tooltips=[(c, f"@{c}") for c in columns[2:]]))
        panels.append(fig)
    panels[1].x_range, panels[1].y_range = panels[0].x_range, panels[0].y_range
    resources = Resources(mode="relative", root_dir=None)
    html = file_html(row(*panels), resources=resources, title="baseline")
    # Bokeh's relative resources point into site-packages: use the copies beside the page
    import re

    return (
        re.sub(r'src="[^"]*/(bokeh[^"/]*\.js)"', r'src="static/\1"', html)
        .replace("bokeh-3.9.2.min.js", "bokeh.min.js")
        .replace("bokeh-widgets-3.9.2.min.js", "bokeh-widgets.min.js")
    )


DRAWN_BASELINE = """new Promise((resolve) => { const check = () => {
  if (window.Bokeh && Bokeh.documents.length && Bokeh.documents[0].is_idle)
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
  else setTimeout(check, 5); }; check(); })"""


def load_browser():
    """tests/browser.py (Chromium through playwright, and the explorer-page helper the tests use)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "explorer_browser", Path(__file__).resolve().parents[1] / "tests" / "browser.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(browser, context, page_path: Path, baseline: Path) -> dict:
    Page = browser.Page
    out = {}
    p = context.new_page()
    p.goto(baseline.as_uri())
    out["baseline_load_s"] = p.evaluate(DRAWN_BASELINE) / 1000
    p.close()
    page = Page(context, page_path.as_uri())
    out["load_s"] = page.js("window.AudioUmapsDrawn") / 1000
    key = page.js("AudioUmaps.page.config.own.key")
    i = page.js(
        f"(() => {{ const m = AudioUmaps.maps['{key}'].map; for (let i = 0; i < m.n; i++) "
        "{ const f = m.files[m.file[i]]; if (f.split === 'test' && f.label === 'normal') return i; } })()"
    )
    at = page.point(key, i)
    # (a statement whose value is a promise would make playwright wait for it: end with 0)
    page.js(
        "window.auPlaying = new Promise((r) => document.getElementById('au-player').addEventListener('playing', () => r(performance.now()), {once: true})); 0"
    )
    t0 = page.js("performance.now()")
    page.page.mouse.click(at["x"], at["y"])
    out["click_to_audio_s"] = (
        page.js("Promise.race([window.auPlaying, new Promise((r) => setTimeout(() => r(NaN), 30000))])") - t0
    ) / 1000
    t0 = page.js("performance.now()")
    page.js("AudioUmaps.page.models.colour.value = 'domain'")
    out["recolour_s"] = (
        page.js("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))")
        - t0
    ) / 1000
    if page.js("AudioUmaps.page.config.autoload"):
        page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=120000)
    else:
        t0 = time.perf_counter()
        page.js("AudioUmaps.loadLinked(AudioUmaps.page.config.own.key)")
        page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=120000)
        out["linked_load_s"] = time.perf_counter() - t0
    page.js("window.AudioUmapsLinked = undefined")
    t0 = time.perf_counter()
    page.box_select([at], margin=15)
    page.page.wait_for_function("window.AudioUmapsLinked !== undefined", timeout=120000)
    page.js("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    out["select_to_linked_s"] = time.perf_counter() - t0
    out["selected"] = page.js("window.AudioUmapsLinked.selected")
    out["errors"] = len(page.errors)
    page.close()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    browser = load_browser()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="explore_bench_"))
    clips = []
    rng = np.random.default_rng(0)
    for i in range(20):
        clip = f"audio/clip_{i:02d}.ogg"
        path = work / "pages" / clip
        path.parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(160000) / 16000
        sf.write(
            path,
            (0.3 * np.sin(2 * np.pi * (200 + 20 * i) * t) + 0.05 * rng.normal(size=t.size)).astype("f4"),
            16000,
            format="OGG",
            subtype="OPUS",
        )
        clips.append(clip)
    rows = []
    with browser.chromium() as context:
        for n in args.points:
            folder = work / "pages" / f"n{n}"
            (folder / "audio").mkdir(parents=True, exist_ok=True)
            for clip in clips:
                target = folder / clip
                if not target.exists():
                    target.symlink_to(work / "pages" / clip)
            page, baseline = write_pages(folder, n, clips)
            runs = [measure(browser, context, page, baseline) for _ in range(args.repeats)]
            row = {
                "points": n,
                "page_mb": round(page.stat().st_size / 1e6, 2),
                "data_mb": round((folder / "data" / "mel_stack5.js").stat().st_size / 1e6, 1),
                "baseline_mb": round(baseline.stat().st_size / 1e6, 1),
            }
            for k in runs[0]:
                row[k] = statistics.median(r[k] for r in runs)
            row["load_ratio"] = round(row["load_s"] / row["baseline_load_s"], 2)
            rows.append(row)
            print(pd.DataFrame([row]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    print("\nmedian of", args.repeats, "loads each (seconds; ratio: explorer / Bokeh standalone load)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
