"""The explorer's pages in a real browser: Debian's Chromium driven by playwright-python (no
browser download), opened from disk and through Python's web server (which answers no Range
requests). Each test names the item of the listening loop it shows: a click listens, a drag
selects; the selection's table, export and counts; the player; search and filters; linked maps;
the view in the URL; keyboard stepping; scopes and index.

Without /usr/bin/chromium these tests skip, unless AUDIO_UMAPS_BROWSER=1 (set by .ci/run, which
installs it) makes its absence a failure."""

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import explorer_scope
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from browser import Page, chromium, require_chromium

pytestmark = pytest.mark.browser

require_chromium()

FRAME, HOP = 1024 / 16000, 512 / 16000  # log-mel's frame and hop (the scope's maps)
KEY, OTHER = "mel_stack5", "mel_stack1"


@pytest.fixture(scope="module")
def scope(tmp_path_factory):
    base = tmp_path_factory.mktemp("explore")
    folder, tables = explorer_scope.build(base / "explore" / "fan", base / "audio")
    (folder.parent / "scopes.js").write_text('window.AudioUmapsScopes = [{"folder": "fan", "name": "fan"}];\n')
    return folder, tables


@pytest.fixture(scope="module")
def browser():
    with chromium() as context:
        yield context


@pytest.fixture(scope="module")
def server(scope):
    """Python's web server on the explorer folder (no Range support): its base URL."""
    folder, _ = scope
    handler = functools.partial(QuietHandler, directory=str(folder.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def open_page(browser, url, linked=True):
    page = Page(browser, url)
    if linked:
        page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=30000)
    return page


@pytest.fixture
def page(scope, browser, server):
    p = open_page(browser, f"{server}/fan/{KEY}.html")
    yield p
    assert p.errors == []
    p.close()


def first_window(table, **where):
    rows = table
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return int(rows.index[0])


def island(table, i):
    """The windows of the file of window i (an island of its own in the test's maps)."""
    return [int(j) for j in table.index[table["path"] == table.loc[i, "path"]]]


def spans(table, rows, stack):
    start = table.loc[rows, "start_time"].to_numpy() - FRAME / 2
    return np.c_[start, start + (stack - 1) * HOP + FRAME]


def overlapping(main, chosen, other, stack_main=5, stack_other=1):
    """Windows of ``other`` of the same files as ``chosen`` windows of ``main`` whose spans
    overlap theirs by more than 0.1 ms."""
    out = []
    for path in main.loc[chosen, "path"].unique():
        mine = spans(main, [j for j in chosen if main.loc[j, "path"] == path], stack_main)
        same = other.index[other["path"] == path]
        theirs = spans(other, same, stack_other)
        for j, (a, b) in zip(same, theirs):
            if (np.minimum(b, mine[:, 1]) - np.maximum(a, mine[:, 0]) > 1e-4).any():
                out.append(int(j))
    return sorted(out)


def test_page_loads_without_errors_and_draws_points(page, scope, tmp_path):
    _, tables = scope
    i = first_window(tables[KEY], split="test", label="normal")
    at = page.point(i)
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


def test_hover_cards_name_one_window_and_stay_inside_the_viewport(page, scope):
    _, tables = scope
    table = tables[KEY]
    i = first_window(table, split="test", label="anomaly")
    at = page.point(i, "anomaly")
    page.page.mouse.move(at["x"], at["y"])
    tip = page.page.locator("#au-tip")
    tip.wait_for(state="visible", timeout=10000)
    card = tip.inner_text()
    assert Path(table.loc[i, "path"]).name in card and card.count(".wav") == 1
    assert "section 00" in card and "anomaly" in card
    j = first_window(table, split="train")
    at = page.point(j)
    page.page.mouse.move(at["x"], at["y"])
    page.page.wait_for_function("document.getElementById('au-tip').textContent.includes('train')", timeout=10000)
    # a card near the right edge opens to the left of the cursor
    page.page.set_viewport_size({"width": 1000, "height": 1300})
    page.js("AudioUmaps.redraw()")
    page.page.wait_for_timeout(300)
    right = max(island(table, i), key=lambda k: page.point(k, "anomaly")["x"])
    at = page.point(right, "anomaly")
    page.page.mouse.move(at["x"], at["y"])
    page.page.wait_for_timeout(200)
    box = tip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1000


def test_a_click_after_a_box_selection_keeps_the_selection_and_plays(page, scope):
    _, tables = scope
    table = tables[KEY]
    i = first_window(table, split="test", label="normal")
    members = island(table, i)
    page.box_select([page.point(j) for j in members])
    assert page.selected() == members
    at = page.point(members[0])
    page.page.mouse.click(at["x"], at["y"])
    page.page.wait_for_function(
        "window.AudioUmapsPlayback && window.AudioUmapsPlayback.started !== null", timeout=10000
    )
    assert page.selected() == members  # listening leaves the selection alone
    assert Path(table.loc[i, "path"]).name in page.page.locator("#au-now").inner_text()


def test_shift_adds_alt_removes_and_escape_clears(page, scope):
    _, tables = scope
    table = tables[KEY]
    a = island(table, first_window(table, split="test", label="normal"))
    b = island(table, first_window(table, split="train"))
    page.box_select([page.point(j) for j in a])
    page.box_select([page.point(j) for j in b], modifier="Shift")
    assert page.selected() == sorted(a + b)
    page.box_select([page.point(j) for j in a], modifier="Alt")
    assert page.selected() == b
    page.page.keyboard.press("Escape")
    assert page.selected() == [] and page.js("AudioUmaps.sel") is None


def test_a_lasso_selects_the_windows_inside_it(page, scope):
    _, tables = scope
    table = tables[KEY]
    members = island(table, first_window(table, split="test", label="normal"))
    pts = [page.point(j) for j in members]
    cx, cy = np.mean([p["x"] for p in pts]), np.mean([p["y"] for p in pts])
    r = 8 + max(np.hypot(p["x"] - cx, p["y"] - cy) for p in pts)
    ring = [{"x": cx + r * np.cos(t), "y": cy + r * np.sin(t)} for t in np.linspace(0, 2 * np.pi, 24)]
    page.page.get_by_role("button", name="◌ lasso").click()
    page.drag(ring)
    assert page.selected() == members


def test_a_box_selection_highlights_the_same_windows_in_the_other_map(page, scope):
    _, tables = scope
    main, other = tables[KEY], tables[OTHER]
    members = island(main, first_window(main, split="test", label="normal"))
    page.box_select([page.point(j) for j in members])
    expected = overlapping(main, members, other)
    assert expected  # the test's islands overlap in time
    assert page.highlighted(OTHER) == expected
    # and back: a selection in the linked map lights up this map's windows
    page.page.keyboard.press("Escape")
    theirs = island(other, first_window(other, split="test", label="anomaly"))
    page.box_select([page.point(j, f"linked {OTHER}") for j in theirs])
    assert page.selected() == theirs
    assert page.highlighted(KEY) == overlapping(other, theirs, main, 1, 5)


def test_the_table_lists_exactly_the_selected_windows_and_export_equals_it(page, scope, tmp_path):
    _, tables = scope
    table = tables[KEY]
    members = island(table, first_window(table, split="test", label="anomaly")) + island(
        table, first_window(table, split="train")
    )
    page.box_select([page.point(j, "anomaly") for j in members[:12]])
    page.box_select([page.point(j) for j in members[12:]], modifier="Shift")
    assert page.selected() == sorted(members)
    # the table: every selected window once, file then time (the default order)
    rows = page.js("AudioUmaps.tableRows()")
    expected = table.loc[members].sort_values(["path", "start_time"])
    assert [r["file"] for r in rows] == [Path(p).name for p in expected["path"]]
    assert np.allclose([r["start s"] for r in rows], expected["start_time"] - FRAME / 2, atol=1e-5)
    counts = page.page.locator("#au-counts").inner_text()
    assert f"{len(members)} windows selected" in counts and "from 2 files" in counts
    assert "anomaly: 12" in counts and "train: 12" in counts
    for path in table.loc[members, "path"].unique():
        assert f"{Path(path).name}: 12" in counts  # windows per file
    # the export: a map table (audio_umaps.tables reads it as one), the selected rows in the
    # table's order
    from audio_umaps import tables as kinds

    (tmp_path / "selection.tsv").write_text(page.js("AudioUmaps.exportRows()"))
    exported = kinds.read("map", tmp_path / "selection.tsv")
    assert exported["point"].tolist() == expected["point"].tolist()
    for column in ("dataset", "path", "section", "domain", "split", "label", "attributes"):
        assert exported[column].astype(str).tolist() == expected[column].astype(str).tolist(), column
    for column in ("start_time", "energy", "x", "y"):
        assert np.allclose(exported[column], expected[column], rtol=1e-6, atol=1e-5), column
    # sorting by a column re-orders the table
    page.page.locator("#au-thead th", has_text="energy").click()
    energies = [r["energy"] for r in page.js("AudioUmaps.tableRows()")]
    assert energies == sorted(energies)


def test_the_player_ends_at_the_announced_end_and_knows_the_duration(page, scope):
    folder, tables = scope
    table = tables[KEY]
    rows = table[(table["split"] == "test") & (table["label"] == "normal")]
    i = int(rows["start_time"].idxmax())
    page.js(f"AudioUmaps.play('{KEY}', {i})")
    page.page.wait_for_function("window.AudioUmapsPlayback && window.AudioUmapsPlayback.ended !== null", timeout=15000)
    played = page.js("window.AudioUmapsPlayback")
    clips = pd.read_csv(folder / "audio" / "clips.tsv", sep="\t", keep_default_na=False)
    clip = clips[clips["path"] == table.loc[i, "path"]].iloc[0]
    offset = float(clip["offset"])
    assert offset > 0  # the clip starts where the file's first sampled window needs it
    start = table.loc[i, "start_time"] - FRAME / 2
    end = start + 4 * HOP + FRAME
    info = sf.info(str(folder / clip["clip"]))
    duration = info.frames / info.samplerate
    assert played["mode"] == "webaudio"
    # the window and its margins, within the clip (which ends where its file does)
    expected = [start - 0.25 - offset, min(end + 0.25 - offset, duration)]
    assert [played["from"], played["to"]] == pytest.approx(expected, abs=1e-3)
    # the audio clock: what was heard lasted what was announced (within 10 ms)
    assert played["ended"] - played["started"] == pytest.approx(played["to"] - played["from"], abs=0.010)
    # the duration of the decoded clip, though the server sends no Range answers
    assert played["duration"] == pytest.approx(duration, abs=0.02)
    # the waveform: drawn from the decoded samples
    assert page.js("AudioUmaps.player.now.buffer.peaks.some(v => v !== 0)")


def test_a_file_name_with_url_characters_plays(page, scope):
    _, tables = scope
    table = tables[KEY]
    odd = explorer_scope.FILES[explorer_scope.ODD][1]
    i = int(table.index[table["path"].str.endswith(odd)][0])
    page.js(f"AudioUmaps.play('{KEY}', {i})")
    page.page.wait_for_function(
        "window.AudioUmapsPlayback && window.AudioUmapsPlayback.started !== null", timeout=10000
    )
    assert odd in page.page.locator("#au-now").inner_text()


def test_pages_opened_from_disk_play_through_the_audio_element(scope, browser):
    folder, tables = scope
    page = open_page(browser, (folder / f"{KEY}.html").as_uri())
    table = tables[KEY]
    i = first_window(table, split="test", label="normal")
    page.js(f"AudioUmaps.play('{KEY}', {i})")
    page.page.wait_for_function(
        "window.AudioUmapsPlayback && window.AudioUmapsPlayback.started !== null", timeout=10000
    )
    assert page.js("window.AudioUmapsPlayback.mode") == "element"
    assert page.errors == []
    page.close()


def test_search_selects_the_windows_of_a_file(page, scope):
    _, tables = scope
    table = tables[KEY]
    i = first_window(table, split="test", label="anomaly", section="01")
    name = Path(table.loc[i, "path"]).name
    page.page.locator("#au-search").fill(name[:-4])
    page.page.locator("#au-search").press("Enter")
    assert page.selected() == island(table, i)
    assert f"{len(island(table, i))} windows match" in page.page.locator("#au-search-note").inner_text()


def test_filters_hide_windows_in_every_map(page, scope):
    _, tables = scope
    main = tables[KEY]
    drawn = lambda key: page.js(f"Array.from(AudioUmaps.maps['{key}'].cls)")  # noqa: E731
    page.page.locator(".au-chip[data-field=split][data-value=train]").click()
    assert page.page.locator(".au-chip[data-field=split][data-value=train]").get_attribute("aria-pressed") == "false"
    for key in (KEY, OTHER):
        t = tables[key]
        assert [c > 0 for c in drawn(key)] == (t["split"] != "train").tolist()
    page.page.locator(".au-chip[data-field=split][data-value=train]").click()
    # a score range: kNN scores of the files (1 + their index) from 5 on
    page.page.locator(".au-range[data-measure=knn][data-bound=min]").fill("5")
    page.page.locator(".au-range[data-measure=knn][data-bound=min]").press("Enter")
    page.page.locator("body").click(position={"x": 5, "y": 5})
    scores = explorer_scope.scores(list(main["path"].unique()))  # the files in the scope's order
    kept = set(scores.loc[scores["knn_original"] >= 5, "path"])
    assert [c > 0 for c in drawn(KEY)] == main["path"].isin(kept).tolist()


def test_the_view_round_trips_through_the_url(page, scope, browser, server):
    _, tables = scope
    table = tables[KEY]
    members = island(table, first_window(table, split="test", label="normal"))
    page.page.select_option("#au-colour", "domain")
    page.page.locator(".au-chip[data-field=domain][data-value=target]").click()
    page.box_select([page.point(j) for j in members])
    at = page.point(members[0])
    page.page.mouse.move(at["x"], at["y"])
    page.page.mouse.wheel(0, -300)
    page.page.wait_for_timeout(600)  # the hash is written a moment after the last change
    url = page.js("location.href")
    assert "#" in url
    view = page.js("AudioUmaps.views.normal.scatter.view")
    again = open_page(browser, url)
    assert again.js("AudioUmaps.state.colour") == "domain"
    assert again.js("AudioUmaps.state.off.domain") == ["target"]
    assert again.selected() == members
    assert again.js("AudioUmaps.views.normal.scatter.view") == pytest.approx(view, rel=1e-4)
    assert again.errors == []
    # a selection made in a linked map comes back in that map
    again.page.keyboard.press("Escape")
    other = tables[OTHER]
    theirs = island(other, first_window(other, split="train"))
    again.box_select([again.point(j, f"linked {OTHER}") for j in theirs])
    again.page.wait_for_timeout(600)
    third = open_page(browser, again.js("location.href"))
    assert third.js("AudioUmaps.sel.key") == OTHER and third.selected() == theirs
    assert third.highlighted(KEY) == overlapping(other, theirs, table, 1, 5)
    assert third.errors == []
    third.close()
    again.close()


def test_keyboard_steps_through_the_selection(page, scope):
    _, tables = scope
    table = tables[KEY]
    members = island(table, first_window(table, split="test", label="normal"))
    page.box_select([page.point(j) for j in members])
    rows = page.js("AudioUmaps.tableRows()")
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("ArrowRight")
    assert page.js("AudioUmaps.cursor") == 1
    assert page.js("AudioUmaps.current.i") == page.js("AudioUmaps.rowsOf()[1]")
    assert f"window {max(rows[1]['start s'], 0):.3f}" in page.page.locator("#au-now").inner_text()
    page.page.keyboard.press("ArrowLeft")
    assert page.js("AudioUmaps.cursor") == 0
    page.page.keyboard.press(" ")
    assert page.js("AudioUmaps.queue") is True
    page.page.wait_for_function("AudioUmaps.cursor >= 1", timeout=15000)  # it moves on by itself


def test_linked_maps_say_they_load_and_wait_for_the_button_beyond_the_limit(tmp_path, browser):
    folder, _ = explorer_scope.build(tmp_path / "explore" / "fan", tmp_path / "audio", autoload=0)
    page = Page(browser, (folder / f"{KEY}.html").as_uri())
    assert page.js("window.AudioUmapsLinkedLoaded") is None
    assert "press the button" in page.page.locator(".au-linked-maps .au-message").first.inner_text()
    page.page.get_by_role("button", name="show the scope's other map").click()
    page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=10000)
    # a lone scope folder (no scopes.js beside it) says so instead of linking to a missing page;
    # the browser logs the missing file, and nothing else goes wrong
    assert "on its own" in page.page.locator("#au-scopes").inner_text()
    assert page.errors == ["Failed to load resource: net::ERR_FILE_NOT_FOUND"]
    page.close()


def test_scopes_beside_the_folder_are_linked_by_name(page):
    text = page.page.locator("#au-scopes").inner_text()
    assert "fan" in text and "all scopes" in text


def test_colours_come_from_the_page(scope, browser, tmp_path):
    """The windows' palettes and the legend are the colours the page was written with (by
    default explorer_colours), whatever the option: fixed colours by name, the category cycle,
    the continuous ramp, the colour of no value and the errors' ring."""
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
    copy = tmp_path / "explore" / "fan"
    shutil.copytree(folder, copy)
    shutil.copy(folder.parent / "scopes.js", copy.parent)
    maps = json.loads((copy / "maps.json").read_text())["maps"]
    own = next(m for m in maps if m["key"] == KEY)
    (copy / own["page"]).write_text(
        explore.page_html(
            own, [m for m in maps if m is not own], settings=explore.Settings(), title="custom", colours=colours
        )
    )
    page = open_page(browser, (copy / own["page"]).as_uri())

    def choose(option):
        page.page.select_option("#au-colour", option)
        return page.js("AudioUmaps.colouring.palette || null")

    assert choose("label") == ["#aa00aa", "#00aa00"]  # anomaly, normal
    legend = page.page.locator("#au-legend").inner_html()
    assert "#aa00aa" in legend and "#010203" in legend
    assert choose("section") == colours["category"][:2]
    choose("energy")
    assert "#808090" in page.page.locator("#au-legend").inner_html()
    assert "solid #abcdef" in page.page.locator("#au-legend").inner_html()  # mysystem's errors ringed
    assert page.errors == []
    page.close()
