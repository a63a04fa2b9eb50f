"""Load, click-to-audio, recolour and linked-highlight times of explorer pages at 10k, 100k and
300k windows (and more), in headless Chromium (Debian's, software rendering: ``--disable-gpu``),
against the previous explorer and Bokeh's own standalone page of the same maps, in one run.

    .venv/bin/python -m benchmarks.explore_page [--points 10000 100000 300000] [--repeats 3]
        [--baseline 4b62552] [--only-new 1000000 3000000]

Maps in the proportions of the paper's device scope (``config/paper.yaml``: 20,000 test windows
per section x domain group from ~100 files, 10,000 training windows per group from ~1,000 files):
78 % test windows (200 per file), 22 % training windows (10 per file), six sections x two domains.
Each map is written as the explore job writes it (:func:`audio_umaps.explore.map_payload`,
:func:`~audio_umaps.explore.page_html`) with a second, linked map of the same size; 20 real Opus
clips of 10 s are shared by the files (click-to-audio loads one clip, whichever file it is).

Three pages per size, each opened ``--repeats`` times (median), from disk:

* this checkout's page: load (navigation start to the own map drawn, ``AudioUmapsDrawn``),
  click-to-audio (a real click on a test window to its clip playing), recolour (colour by domain
  to the repaint), linked highlight (from the release of a box dragged around a test window,
  holding ``--share`` of the map's windows, to the other map's highlight drawn, with the linked
  map loaded) and the windows the box selected;
* the previous explorer's page (Bokeh; ``--baseline``: the commit, its package taken with
  ``git archive`` and run in a subprocess to write its pages): load and linked highlight after a
  box around the same data (the same windows);
* Bokeh's standalone page of the same two panels (``bokeh.embed.file_html``: the data inline,
  hover fields as per-point string columns, as ``umap.plot.interactive`` builds its pages): load.

Ratios printed: load / Bokeh standalone's, and linked highlight / the previous explorer's.
``--only-new``: sizes where only this checkout's page is timed (where the page's limit lies).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from audio_umaps import explore
from benchmarks.common import ROOT

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


def write_pages(folder: Path, n: int, clips: list[str], *, baseline_html: bool = True) -> Path:
    """The explorer page (own map + a linked map) of ``n`` windows, with whichever
    ``audio_umaps.explore`` is imported (this checkout's, or the baseline's in its subprocess),
    and the Bokeh-standalone baseline page beside it (``baseline.html``)."""
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
        summaries.append({**explore.summary(payload), "scope_categories": payload["categories"]})
        tables[spec.name] = table
    own, linked = summaries
    page = folder / own["page"]
    page.write_text(explore.page_html(own, [linked], settings=explore.Settings(), title=f"{n} windows"))
    if baseline_html:
        (folder / "baseline.html").write_text(bokeh_standalone(tables[own["key"]]))
        js = Path(__import__("bokeh").__file__).parent / "server" / "static" / "js"
        for name in ("bokeh.min.js", "bokeh-widgets.min.js"):
            shutil.copyfile(js / name, folder / "static" / name)
    return page


def write_previous(folder: Path, n: int, clips: list[str], revision: str, work: Path) -> Path:
    """The previous explorer's page of the same maps: ``revision``'s package (``git archive``)
    first on the path of a subprocess that runs :func:`write_pages`."""
    source = work / f"previous_{revision}"
    if not source.exists():
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "src/audio_umaps"], capture_output=True, check=True
        ).stdout
        tarfile.open(fileobj=BytesIO(archive)).extractall(source)
    code = (
        "import sys; from pathlib import Path; import benchmarks.explore_page as b; "
        "print(b.write_pages(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:], baseline_html=False))"
    )
    env = {**os.environ, "PYTHONPATH": f"{source / 'src'}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(n), *clips], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"the previous explorer ({revision}) did not write its page:\n{done.stderr[-2000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


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


FRAMES = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"


def drag(page, corners: list[dict]) -> float:
    """A box dragged from one client point to the other; returns the time (``perf_counter``)
    just before the button is released, which makes the selection."""
    (x0, y0), (x1, y1) = [(c["x"], c["y"]) for c in corners]
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 2, y0 + 2, steps=2)
    page.mouse.move(x1, y1, steps=8)
    start = time.perf_counter()
    page.mouse.up()
    return start


def box_around(table: pd.DataFrame, i: int, share: float) -> tuple[float, float, float, float]:
    """A square in data coordinates around window ``i`` holding ``share`` of the windows the
    normal panel draws (training windows and normal test windows): ``(x0, y0, x1, y1)``."""
    drawn = table[(table["split"] != "test") | (table["label"] == "normal")]
    reach = np.maximum(np.abs(drawn["x"] - table.loc[i, "x"]), np.abs(drawn["y"] - table.loc[i, "y"])).to_numpy()
    d = float(np.sort(reach)[max(0, int(share * len(table)) - 1)]) * 1.0001
    return table.loc[i, "x"] - d, table.loc[i, "y"] + d, table.loc[i, "x"] + d, table.loc[i, "y"] - d


def measure(browser, context, page_path: Path, i: int, box) -> dict:
    """This checkout's page: load, click-to-audio, recolour, linked highlight."""
    out = {}
    page = browser.Page(context, page_path.as_uri())
    out["load_s"] = page.js("window.AudioUmapsDrawn") / 1000
    at = page.point(i)
    t0 = page.js("performance.now()")
    page.page.mouse.click(at["x"], at["y"])
    page.page.wait_for_function(
        "window.AudioUmapsPlayback && window.AudioUmapsPlayback.started !== null", timeout=30000
    )
    out["click_to_audio_s"] = (page.js("performance.now()") - t0) / 1000
    t0 = page.js("performance.now()")
    page.page.select_option("#au-colour", "domain")
    out["recolour_s"] = (page.js(FRAMES) - t0) / 1000
    if not page.js("AudioUmaps.cfg.autoload"):  # beyond explore.linked_autoload_points: the button
        t0 = time.perf_counter()
        page.page.locator("#au-load").click()
        page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=120000)
        page.js(FRAMES)
        out["linked_load_s"] = time.perf_counter() - t0
    page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=120000)
    page.js("AudioUmaps.redraw()")
    page.js(FRAMES)
    page.js("window.AudioUmapsLinked = undefined")
    x0, y0, x1, y1 = box
    t0 = drag(page.page, [page.js(f"AudioUmaps.screenXY('normal', {x}, {y})") for x, y in ((x0, y0), (x1, y1))])
    page.page.wait_for_function("window.AudioUmapsLinked !== undefined", timeout=120000)
    page.js(FRAMES)
    out["select_to_linked_s"] = time.perf_counter() - t0
    out["selected"] = page.js("window.AudioUmapsLinked.selected")
    out["errors"] = len(page.errors)
    page.close()
    return out


def measure_previous(context, page_path: Path, box) -> dict:
    """The previous (Bokeh) explorer's page: load and linked highlight after the same box."""
    out, errors = {}, []
    p = context.new_page()
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(page_path.as_uri())
    p.wait_for_function("window.AudioUmapsDrawn !== undefined", timeout=120000)
    out["previous_load_s"] = p.evaluate("window.AudioUmapsDrawn") / 1000
    if not p.evaluate("AudioUmaps.page.config.autoload"):
        p.evaluate("AudioUmaps.loadLinked(AudioUmaps.page.config.own.key)")
    p.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=120000)
    x0, y0, x1, y1 = box
    where = (
        "(() => { const v = Bokeh.index.find_one(AudioUmaps.page.models.panels.normal), "
        "r = v.canvas_view.el.getBoundingClientRect(); return {x: r.left + v.frame.x_scale.compute(%r), "
        "y: r.top + v.frame.y_scale.compute(%r)}; })()"
    )
    p.locator(".bk-tool-icon-box-select").first.click()
    p.evaluate("window.AudioUmapsLinked = undefined")
    t0 = drag(p, [p.evaluate(where % (float(x), float(y))) for x, y in ((x0, y0), (x1, y1))])
    p.wait_for_function("window.AudioUmapsLinked !== undefined", timeout=120000)
    p.evaluate(FRAMES)
    out["previous_select_to_linked_s"] = time.perf_counter() - t0
    out["previous_selected"] = p.evaluate("window.AudioUmapsLinked.selected")
    out["previous_errors"] = len(errors)
    p.close()
    return out


def measure_bokeh(context, baseline: Path) -> dict:
    p = context.new_page()
    p.goto(baseline.as_uri())
    out = {"bokeh_load_s": p.evaluate(DRAWN_BASELINE) / 1000}
    p.close()
    return out


def write_clips(work: Path) -> list[str]:
    clips = []
    rng = np.random.default_rng(0)
    for i in range(20):
        clip = f"audio/clip_{i:02d}.ogg"
        path = work / "pages" / clip
        path.parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(160000) / 16000
        signal = 0.3 * np.sin(2 * np.pi * (200 + 20 * i) * t) + 0.05 * rng.normal(size=t.size)
        sf.write(path, signal.astype("f4"), 16000, format="OGG", subtype="OPUS")
        clips.append(clip)
    return clips


def folder_for(work: Path, name: str, clips: list[str]) -> Path:
    folder = work / "pages" / name
    (folder / "audio").mkdir(parents=True, exist_ok=True)
    for clip in clips:
        target = folder / clip
        if not target.exists():
            target.symlink_to(work / "pages" / clip)
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--only-new", type=int, nargs="*", default=[], help="sizes timed on this page alone")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default="4b62552", help="the previous explorer's commit")
    parser.add_argument(
        "--share", type=float, default=0.04, help="windows in the selection box (share of the map; 12,000 of 300,000)"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    browser = load_browser()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="explore_bench_"))
    clips = write_clips(work)
    # the list of scopes the pages link (as explore_index writes it)
    (work / "pages" / "scopes.js").write_text("window.AudioUmapsScopes = [];\n")
    rows = []
    with browser.chromium() as context:
        for n in [*args.points, *args.only_new]:
            folder = folder_for(work, f"n{n}", clips)
            full = n not in args.only_new
            page = write_pages(folder, n, clips, baseline_html=full)
            table = synthetic_map(n, 0)  # the page's own map
            i = int(table.index[(table["split"] == "test") & (table["label"] == "normal")][0])
            box = box_around(table, i, args.share)
            if full:
                previous = write_previous(folder_for(work, f"previous_n{n}", clips), n, clips, args.baseline, work)
            runs = []
            for _ in range(args.repeats):
                run = measure(browser, context, page, i, box)
                if full:
                    run |= measure_previous(context, previous, box) | measure_bokeh(context, folder / "baseline.html")
                runs.append(run)
            row = {
                "points": n,
                "data_mb": round((folder / "data" / "mel_stack5.js").stat().st_size / 1e6, 1),
            }
            for k in runs[0]:
                row[k] = statistics.median(r[k] for r in runs)
            if full:
                row["load_vs_bokeh"] = round(row["load_s"] / row["bokeh_load_s"], 2)
                row["linked_vs_previous"] = round(row["select_to_linked_s"] / row["previous_select_to_linked_s"], 2)
            rows.append(row)
            print(pd.DataFrame([row]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    print(f"\nmedian of {args.repeats} loads each (seconds); previous explorer: {args.baseline}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
