"""The explorer's pages in a real browser: Debian's Chromium driven by playwright-python (no
browser download). The page loads with no console error and draws its points; hovering a dot
shows its file; clicking one loads the right clip at the right time; a box selection in one map
highlights the same files' overlapping windows in the other; the pages work from disk and
through a web server.

Without /usr/bin/chromium these tests skip, unless AUDIO_UMAPS_BROWSER=1 (set by .ci/run, which
installs it) makes its absence a failure."""

import functools
import http.server
import threading
import urllib.parse
from pathlib import Path

import explorer_scope
import numpy as np
import pandas as pd
import pytest
from browser import Page, chromium, require_chromium

pytestmark = pytest.mark.browser

require_chromium()


@pytest.fixture(scope="module")
def scope(tmp_path_factory):
    base = tmp_path_factory.mktemp("explore")
    return explorer_scope.build(base / "explore" / "fan", base / "audio")


@pytest.fixture(scope="module")
def browser():
    with chromium() as context:
        yield context


def open_page(browser, folder, name="mel_stack5.html"):
    page = Page(browser, (folder / name).as_uri())
    page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=30000)
    return page


def first_window(table, **where):
    rows = table
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return int(rows.index[0])


def hover_card(page, i, panel="normal", key="mel_stack5"):
    """The card shown with the mouse on window ``i`` of a panel."""
    at = page.point(key, i, panel=panel)
    page.page.mouse.move(at["x"], at["y"])
    page.page.locator("#au-tip").wait_for(state="visible", timeout=10000)
    return page.page.locator("#au-tip").inner_text()


def test_page_loads_without_errors_and_draws_points(scope, browser, tmp_path):
    folder, tables = scope
    page = open_page(browser, folder)
    assert page.errors == []
    table = tables["mel_stack5"]
    i = first_window(table, split="test", label="normal")
    at = page.point("mel_stack5", i)
    shot = tmp_path / "page.png"
    page.page.screenshot(path=str(shot))
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3]
    x, y = int(round(at["x"])), int(round(at["y"]))
    patch = pixels[y - 3 : y + 4, x - 3 : x + 4]
    # a drawn test dot: saturated colour where the window lies, not the white background
    assert (patch.max(axis=2) - patch.min(axis=2)).max() > 0.3
    coloured = (pixels.max(axis=2) - pixels.min(axis=2)) > 0.3
    assert coloured.sum() > 500
    page.close()


def test_hovering_a_dot_shows_its_file(scope, browser):
    folder, tables = scope
    page = open_page(browser, folder)
    table = tables["mel_stack5"]
    i = first_window(table, split="test", label="anomaly")
    card = hover_card(page, i, panel="anomaly")
    name = Path(table.loc[i, "path"]).name
    # one window's card: its file, section, label and time, however many windows lie under it
    assert name in card and card.count(".wav") == 1 and "section 00" in card and "anomaly" in card
    assert page.errors == []
    page.close()


def test_hovering_a_shadow_shows_its_training_file(scope, browser):
    folder, tables = scope
    page = open_page(browser, folder)
    table = tables["mel_stack5"]
    i = first_window(table, split="train")
    card = hover_card(page, i)
    assert "train" in card and Path(table.loc[i, "path"]).parent.name == "train"
    assert card.splitlines()[0] in {Path(p).name for p in table.loc[table["split"] == "train", "path"]}
    page.close()


def test_a_file_name_with_url_characters_plays(scope, browser):
    folder, tables = scope
    page = open_page(browser, folder)
    table = tables["mel_stack5"]
    odd = explorer_scope.FILES[explorer_scope.ODD][1]
    i = int(table.index[table["path"].str.endswith(odd)][0])
    page.js(f"AudioUmaps.play('mel_stack5', {i})")
    page.page.wait_for_function("document.getElementById('au-player').readyState >= 1", timeout=10000)
    assert page.js("document.getElementById('au-player').error") is None
    assert odd in page.page.locator("#au-now").inner_text()
    assert page.errors == []
    page.close()


def test_clicking_a_dot_loads_its_clip_at_its_window(scope, browser):
    folder, tables = scope
    page = open_page(browser, folder)
    table = tables["mel_stack5"]
    # a window of a file's island chosen far from the file's start, so that the clip's offset
    # and the margin both count
    rows = table[(table["split"] == "test") & (table["label"] == "normal")]
    i = int(rows["start_time"].idxmax())
    at = page.point("mel_stack5", i)
    # only this window under the cursor: the other windows of the island are moved aside
    page.js(f"""(() => {{ const e = AudioUmaps.maps['mel_stack5'], s = e.source;
        const x = Float32Array.from(s.data.x); for (let j = 0; j < x.length; j++) if (j !== {i}) x[j] += 1000;
        s.data = Object.assign({{}}, s.data, {{x}}); }})()""")
    page.page.mouse.click(at["x"], at["y"])
    page.page.wait_for_function("document.getElementById('au-player').src !== ''", timeout=10000)
    clips = pd.read_csv(folder / "audio" / "clips.tsv", sep="\t", keep_default_na=False)
    clip = clips[clips["path"] == table.loc[i, "path"]].iloc[0]
    spec_frame, hop = 1024 / 16000, 512 / 16000
    start = table.loc[i, "start_time"] - spec_frame / 2
    end = start + 4 * hop + spec_frame
    src = page.js("document.getElementById('au-player').src")
    assert urllib.parse.unquote(src.split("#")[0]).endswith(clip["clip"])
    fragment = [float(v) for v in src.split("#t=")[1].split(",")]
    offset = float(clip["offset"])
    assert offset > 0  # the clip starts where the file's first sampled window needs it
    assert fragment == pytest.approx([start - 0.25 - offset, end + 0.25 - offset], abs=1e-3)
    page.page.wait_for_function("document.getElementById('au-player').readyState >= 1", timeout=10000)
    now = page.js("document.getElementById('au-player').currentTime")
    assert now == pytest.approx(fragment[0], abs=0.3)  # at the window (it may have started playing)
    assert Path(clip["path"]).name in page.page.locator("#au-now").inner_text()
    assert page.errors == []
    page.close()


def test_a_box_selection_highlights_the_same_windows_in_the_other_map(scope, browser):
    folder, tables = scope
    page = open_page(browser, folder)
    main, other = tables["mel_stack5"], tables["mel_stack1"]
    path = main.loc[first_window(main, split="test", label="normal"), "path"]
    island = main.index[main["path"] == path]
    page.box_select([page.point("mel_stack5", int(j)) for j in island])
    page.page.wait_for_function("window.AudioUmapsLinked && window.AudioUmapsLinked.selected > 0", timeout=10000)
    selected = sorted(page.js("Array.from(AudioUmaps.page.models.source.selected.indices)"))
    assert selected == sorted(int(j) for j in island)
    # expected: windows of the same file whose spans overlap a selected window's span
    frame, hop = 1024 / 16000, 512 / 16000
    chosen = main.loc[selected, "start_time"].to_numpy() - frame / 2
    spans = np.c_[chosen, chosen + 4 * hop + frame]
    same = other[other["path"] == path]
    starts = same["start_time"].to_numpy() - frame / 2
    ends = starts + frame
    expected = sorted(
        int(j)
        for j, a, b in zip(same.index, starts, ends)
        if (np.minimum(b, spans[:, 1]) - np.maximum(a, spans[:, 0]) > 1e-4).any()
    )
    assert expected  # the test's islands overlap in time
    highlighted = sorted(page.js("Array.from(AudioUmaps.page.models.linked['mel_stack1'].selected.indices)"))
    assert highlighted == expected
    assert page.errors == []
    page.close()


def test_linked_maps_wait_for_the_button_beyond_the_autoload_limit(tmp_path, browser):
    folder, _ = explorer_scope.build(tmp_path / "explore" / "fan", tmp_path / "audio", autoload=0)
    page = Page(browser, (folder / "mel_stack5.html").as_uri())
    assert page.js("window.AudioUmapsLinkedLoaded") is None
    page.page.get_by_role("button", name="show the scope's 1 other maps").click()
    page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=10000)
    assert page.errors == []
    page.close()


def test_pages_work_through_a_web_server(scope, browser):
    folder, _ = scope
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = Page(browser, f"http://127.0.0.1:{server.server_port}/fan/mel_stack1.html")
        page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=30000)
        assert page.errors == []
        page.js("AudioUmaps.play('mel_stack1', 0)")
        page.page.wait_for_function("document.getElementById('au-player').readyState >= 1", timeout=10000)
        page.close()
    finally:
        server.shutdown()


def test_colours_come_from_the_page(scope, browser, tmp_path):
    """The windows' palettes and the legend are the colours the page was written with (by
    default explorer_colours), whatever the option: fixed colours by name, the category cycle,
    the continuous ramp, the colour of no value and the errors' ring."""
    import json
    import shutil

    from audio_umaps import explore

    colours = explore.explorer_colours()
    colours.update(
        category=colours["category"][::-1],
        continuous=["#000010", "#808090", "#f0f0ff"],
        none="#010203",
        errors="#abcdef",
    )
    colours["fixed"]["label"] = {"normal": "#00aa00", "anomaly": "#aa00aa"}
    folder, _ = scope
    copy = tmp_path / "fan"
    shutil.copytree(folder, copy)
    maps = json.loads((copy / "maps.json").read_text())["maps"]
    own = next(m for m in maps if m["key"] == "mel_stack5")
    (copy / own["page"]).write_text(
        explore.page_html(
            own, [m for m in maps if m is not own], settings=explore.Settings(), title="custom", colours=colours
        )
    )
    page = open_page(browser, copy)

    def choose(option):
        page.js(f"AudioUmaps.page.models.colour.value = '{option}'")
        return page.js("Array.from(AudioUmaps.page.models.mapper.palette)")

    assert choose("label") == ["#aa00aa", "#00aa00"]  # anomaly, normal
    legend = page.js("AudioUmaps.page.models.legend.text")
    assert "#aa00aa" in legend and "#010203" in legend
    assert choose("section") == colours["category"][:2]
    assert choose("energy") == colours["continuous"]
    page.js("AudioUmaps.page.models.system.value = 'mysystem'")
    assert "solid #abcdef" in page.js("AudioUmaps.page.models.legend.text")
    assert page.errors == []
    page.close()
