"""The explorer's pieces without a browser: window spans, audio clips, the maps' data, pages that
need no network, the scope folder and the index; the split between the clips job and the pages
job; the templates and static files as package data (tests/test_explore_browser.py drives the
pages in Chromium)."""

import base64
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import explorer_scope
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from audio_umaps import audio, explore


def test_spans_cover_the_frames_of_a_window():
    stft = explore.MapSpec.of("stft", 5, "fan", sample_rate=16000)
    assert stft.hop == pytest.approx(0.032) and stft.frame_seconds == pytest.approx(0.064)
    start, end = stft.spans(pd.DataFrame({"start_time": [1.0, 0.0]}))
    # first frame centred at 1.0 sees 0.968..1.032; the fifth, centred at 1.128, ends at 1.16
    assert start == pytest.approx([0.968, -0.032]) and end == pytest.approx([1.16, 0.16])
    l3 = explore.MapSpec.of("l3", 1, "fan", sample_rate=16000, params={"hop_seconds": 0.1})
    start, end = l3.spans(pd.DataFrame({"start_time": [0.5]}))  # L3's first 1 s window
    assert start == pytest.approx([0.0]) and end == pytest.approx([1.0])


def test_clip_spans_join_every_map_of_a_file_with_the_margin():
    spec1 = explore.MapSpec.of("mel", 1, "fan", sample_rate=16000)
    spec5 = explore.MapSpec.of("mel", 5, "fan", sample_rate=16000)
    one = pd.DataFrame(
        {"dataset": ["d", "d"], "path": ["a.wav", "b.wav"], "subfolder": ["x", "x"], "start_time": [2.0, 0.1]}
    )
    five = pd.DataFrame({"dataset": ["d"], "path": ["a.wav"], "subfolder": ["x"], "start_time": [3.0]})
    spans = explore.clip_spans([(spec1, one), (spec5, five)], margin=0.25).set_index("path")
    assert spans.loc["a.wav", "begin"] == pytest.approx(2.0 - 0.032 - 0.25)
    assert spans.loc["a.wav", "end"] == pytest.approx(3.0 - 0.032 + spec5.window_seconds + 0.25)
    assert spans.loc["b.wav", "begin"] == 0.0  # never before the file's start


def test_clips_hold_the_normalised_signal_from_their_offset_and_name_unreadable_files(tmp_path):
    paths = explorer_scope.write_audio(tmp_path / "audio")
    spans = pd.DataFrame(
        {
            "dataset": "dev",
            "path": [paths[0], paths[-1]],
            "subfolder": ["fan/train", "fan/x"],
            "begin": [1.0, 0.0],
            "end": [2.5, 1.0],
        }
    )
    clips = explore.write_clips(spans, tmp_path / "out", sample_rate=16000, threads=2)
    good, bad = clips.iloc[0], clips.iloc[1]
    assert good["clip"].endswith(".ogg") and good["offset"] == 1.0 and good["duration"] == pytest.approx(1.5)
    decoded, sr = sf.read(tmp_path / "out" / good["clip"])
    assert sr == 16000 and len(decoded) == pytest.approx(1.5 * 16000, abs=400)
    original = audio.load(paths[0], 16000)[16000 : int(2.5 * 16000)]
    n = min(len(decoded), len(original))
    # lossy (Opus) but the same signal at the same time: strongly correlated, same level
    assert np.corrcoef(decoded[:n], original[:n])[0, 1] > 0.9
    assert np.abs(decoded).max() == pytest.approx(np.abs(original).max(), rel=0.2)
    assert bad["clip"] == "" and "not a readable audio file" in bad["problem"]
    # a file shorter than its windows' start (changed since its features were made) is named too
    late = pd.DataFrame(
        {"dataset": "dev", "path": [paths[1]], "subfolder": ["fan/train"], "begin": [50.0], "end": [51.0]}
    )
    row = explore.write_clips(late, tmp_path / "out").iloc[0]
    assert row["clip"] == "" and "shorter" in row["problem"]


def test_payload_arrays_decode_to_the_table_and_files_carry_scores(tmp_path):
    paths = explorer_scope.write_audio(tmp_path / "audio")
    table = explorer_scope.table(paths, 5, 4, seed=0)
    spec = explore.MapSpec.of("mel", 5, "fan", sample_rate=16000)
    clips = pd.DataFrame(
        [("dev", p, f"audio/{i}.ogg", 0.5, 2.0, "") for i, p in enumerate(paths)], columns=explore.CLIP_COLUMNS
    )
    payload = explore.map_payload(spec, table, clips=clips, scores=explorer_scope.scores(paths), systems=["mysystem"])

    def column(name, dtype):
        return np.frombuffer(base64.b64decode(payload["columns"][name]["b64"]), dtype=dtype)

    assert np.allclose(column("x", "<f4"), table["x"], atol=1e-5)
    files = payload["files"]
    assert [files[i]["path"] for i in column("file", "<u4")] == list(table["path"])
    assert np.allclose(column("t", "<f4"), table["start_time"] - spec.frame_seconds / 2, atol=1e-6)
    first_normal = files[[f["path"] for f in files].index(paths[3])]
    assert first_normal["knn"] == 4.0 and first_normal["systems"]["mysystem"] == [pytest.approx(0.3), 1.0]
    assert first_normal["clip"] == "audio/3.ogg" and first_normal["offset"] == 0.5
    assert files[0]["knn"] is None  # training files have no score
    assert payload["categories"]["label"] == ["anomaly", "normal"]  # of test files only
    script = explore.data_js(payload)
    assert script.startswith("window.AudioUmapsData") and json.loads(script.split("] = ", 1)[1].rstrip(";\n"))[
        "n"
    ] == len(table)


def test_shadows_stay_translucent_however_many_windows():
    alphas = [explore.shadow_style(n)[1] for n in (100, 10_000, 100_000, 1_000_000)]
    assert alphas == sorted(alphas, reverse=True) and alphas[0] > alphas[-1]
    size, alpha = explore.shadow_style(100_000)
    assert 1 - (1 - alpha) ** 100 < 0.9  # a hundred marks on one spot are not opaque


@pytest.fixture(scope="module")
def scope(tmp_path_factory):
    base = tmp_path_factory.mktemp("explore")
    folder, tables = explorer_scope.build(base / "explore" / "fan", base / "audio")
    return folder, tables


def test_scope_folder_is_self_contained_and_needs_no_network(scope):
    folder, tables = scope
    assert not folder.with_name("fan.tmp").exists()
    pages = sorted(p.name for p in folder.glob("*.html"))
    assert pages == ["index.html", "mel_stack1.html", "mel_stack5.html"]
    for page in ("mel_stack1.html", "mel_stack5.html"):
        text = (folder / page).read_text()
        # (../scopes.js is the explorer's list of scopes beside the folder: optional, a lone
        # folder's pages say the other scopes are not there)
        refs = [
            r
            for r in re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', text)
            if r not in ("data:,", "../scopes.js")
        ]
        assert refs and all(not r.startswith(("http:", "https:", "//")) for r in refs)
        assert all((folder / r).is_file() for r in refs), refs
    for name, table in tables.items():
        data = (folder / "data" / f"{name}.js").read_text()
        assert f'"n":{len(table)}' in data


def test_clips_lie_beside_the_pages_and_the_index_names_the_file_without_one(scope):
    folder, tables = scope
    clips = pd.read_csv(folder / "audio" / "clips.tsv", sep="\t", keep_default_na=False)
    assert len(clips) == len(explorer_scope.FILES) + 1
    assert set(clips.loc[clips["clip"] != "", "clip"].map(lambda c: Path(c).name)) == {
        name + ".ogg" for _, name, *_ in explorer_scope.FILES
    }
    written = clips[clips["clip"] != ""]
    assert len(written) == len(explorer_scope.FILES)
    assert all((folder / c).is_file() for c in written["clip"])
    index = (folder / "index.html").read_text()
    assert explorer_scope.BROKEN[1] in index and 'href="mel_stack5.html"' in index


def test_top_index_links_every_map_of_every_scope(scope):
    folder, _ = scope
    scopes = explore.read_scopes([folder])
    page = explore.index_html(scopes)
    links = [link for link in re.findall(r'href="([^"]+)"', page) if link != "data:,"]
    assert {"fan/index.html", "fan/mel_stack1.html", "fan/mel_stack5.html"} <= set(links)
    assert all((folder.parent / link).is_file() for link in links)
    assert "No maps" in explore.index_html({})


def test_the_index_names_devices_and_scopes_js_lists_them(tmp_path):
    """Scope folders carry safe names; the index and the pages' list of scopes show the
    device's own name."""
    folder = tmp_path / "my~20fan~2B~C3~BC"
    folder.mkdir()
    (folder / "maps.json").write_text(json.dumps({"scope": folder.name, "subject": "my fan+ü", "maps": []}))
    scopes = explore.read_scopes([folder])
    assert scopes == {folder.name: {"subject": "my fan+ü", "maps": []}}
    index = explore.index_html(scopes)
    assert ">my fan+ü</a>" in index and 'href="my~20fan~2B~C3~BC/index.html"' in index
    listed = explore.scopes_js(scopes)
    assert listed.startswith("window.AudioUmapsScopes = ")
    assert json.loads(listed.split(" = ", 1)[1].rstrip(";\n")) == [{"folder": folder.name, "name": "my fan+ü"}]


def test_the_same_maps_give_the_same_explorer_bytes(tmp_path):
    """Two scope folders written from the same audio and maps are identical, byte for byte
    (pages, data, clips, tables)."""
    audio = tmp_path / "audio"
    first, _ = explorer_scope.build(tmp_path / "a" / "explore" / "fan", audio)
    second, _ = explorer_scope.build(tmp_path / "b" / "explore" / "fan", audio)

    def files(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    a, b = files(first), files(second)
    assert sorted(a) == sorted(b) and len(a) > 10
    assert [name for name in a if a[name] != b[name]] == []


def test_scores_read_with_missing_system_scores_as_none(tmp_path):
    table = tmp_path / "fan.files.tsv"
    table.write_text(
        "dataset\tdevice\tsection\tdomain\tlabel\tpath\twindows\tknn_original\tlof_original\t"
        "windows_umap\tknn_umap\tlof_umap\tscore_s\tdecision_s\n"
        "dev\tfan\t00\tsource\tnormal\ta.wav\t4\t1.5\t1.1\t\t\t\t\t\n"
        "dev\tfan\t00\tsource\tanomaly\tb.wav\t4\t2.5\t1.9\t\t\t\t0.7\t1\n"
    )
    scores = explore.read_scores([table])
    assert scores["section"].tolist() == ["00", "00"] and np.isnan(scores.loc[0, "score_s"])
    spec = explore.MapSpec.of("mel", 1, "fan", sample_rate=16000)
    windows = pd.DataFrame(
        {
            "dataset": "dev",
            "path": ["a.wav", "b.wav"],
            "x": [0.0, 1.0],
            "y": [0.0, 1.0],
            "start_time": [0.0, 0.5],
            "split": "test",
            "label": ["normal", "anomaly"],
            "section": "00",
            "domain": "source",
            "device": "fan",
            "attributes": "",
            "subfolder": "",
        }
    )
    clips = pd.DataFrame(columns=explore.CLIP_COLUMNS)
    files = explore.map_payload(spec, windows, clips=clips, scores=scores, systems=["s"])["files"]
    assert files[0]["systems"]["s"] == [None, None] and files[1]["systems"]["s"] == [0.7, 1.0]
    assert files[0]["knn"] == 1.5 and files[0]["clip"] == "" and "no clip" in files[0]["problem"]


def test_a_skipped_map_gets_a_page_that_says_why():
    spec = explore.MapSpec.of("mel", 5, "fan", sample_rate=16000)
    payload = explore.map_payload(
        spec, None, clips=pd.DataFrame(columns=explore.CLIP_COLUMNS), skipped="fewer windows than umap.n_neighbors + 1"
    )
    own = {**explore.summary(payload), "scope_categories": payload["categories"]}
    assert (own["n"], own["n_test"], own["n_shadow"], own["has_energy"]) == (0, 0, 0, False)
    page = explore.page_html(own, [], settings=explore.Settings(), title="fan: mel, stack 5")
    assert "No map: fewer windows than umap.n_neighbors + 1" in page


# ---- clips and pages apart: the explore_clips and explore jobs --------------------------------


def snapshot(folder: Path) -> dict:
    """Every file of a folder with its inode, modification time and bytes."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def clips_and_maps(tmp_path):
    """A scope's maps and its clips folder, written as the explore_clips job writes it."""
    paths = explorer_scope.write_audio(tmp_path / "audio")
    maps, tables = explorer_scope.maps(paths)
    clips = tmp_path / "clips" / "fan"
    table = explore.write_scope_clips(clips, maps, margin=0.25, audio_config={"sample_rate": 16000})
    return clips, table, maps, tables


def write_pages(folder, clips, maps):
    return explore.write_scope_pages(
        folder, clips, "fan", maps, systems=["mysystem"], settings=explore.Settings(), subject="fan"
    )


def test_the_clips_folder_holds_every_clip_and_its_table(clips_and_maps):
    clips, table, _, _ = clips_and_maps
    assert not clips.with_name(".fan.tmp").exists()
    read = explore.read_clips(clips)
    written = read[read["clip"] != ""]
    assert len(written) == len(explorer_scope.FILES) and len(read) == len(explorer_scope.FILES) + 1
    assert all((clips / c).is_file() for c in written["clip"])
    assert not any(c.startswith("audio/") for c in written["clip"])  # paths within the clips folder
    # read back exactly as written: the pages' offsets are the clips'
    assert read["offset"].tolist() == pytest.approx(table["offset"].tolist(), nan_ok=True, rel=0, abs=0)
    assert sorted(p.relative_to(clips).as_posix() for p in clips.rglob("*") if p.is_file()) == sorted(
        list(written["clip"]) + ["clips.tsv"]
    )


def test_pages_are_made_from_the_clips_folder_without_encoding(clips_and_maps, tmp_path, monkeypatch):
    clips, _, maps, tables = clips_and_maps

    def refuse(*args, **kwargs):
        raise AssertionError("the pages job decoded or encoded audio")

    monkeypatch.setattr(audio, "load", refuse)
    monkeypatch.setattr(sf, "write", refuse)
    before = snapshot(clips)
    folder = tmp_path / "explore" / "fan"
    summaries = write_pages(folder, clips, maps)
    assert [s["key"] for s in summaries] == ["mel_stack1", "mel_stack5"]
    assert snapshot(clips) == before  # read, never written
    page_clips = pd.read_csv(folder / "audio" / "clips.tsv", sep="\t", keep_default_na=False)
    source = explore.read_clips(clips)
    assert page_clips["clip"].tolist() == [f"audio/{c}" if c else "" for c in source["clip"]]
    for clip in source.loc[source["clip"] != "", "clip"]:  # hard links: the same bytes, stored once
        assert os.path.samefile(folder / "audio" / clip, clips / clip)
    payload = json.loads((folder / "data/mel_stack5.js").read_text().split("] = ", 1)[1].rstrip(";\n"))
    by_path = {f["path"]: f for f in payload["files"]}
    for row in source.itertuples():
        f = by_path[row.path]
        assert f["clip"] == (f"audio/{row.clip}" if row.clip else "") and f["problem"] == row.problem
        assert f["offset"] == (row.offset if row.clip else None)
    assert len(payload["files"]) == len(set(tables["mel_stack5"]["path"]))


def test_a_template_change_remakes_the_pages_and_leaves_the_clips(clips_and_maps, tmp_path, monkeypatch):
    import jinja2

    clips, _, maps, _ = clips_and_maps
    folder = tmp_path / "explore" / "fan"
    write_pages(folder, clips, maps)
    before = snapshot(clips)
    # the package's templates, one of them changed
    templates = tmp_path / "templates"
    shutil.copytree(Path(explore.__file__).parent / "templates", templates)
    page = templates / "page.html"
    page.write_text(page.read_text().replace("<body>", "<body>\n<p>changed template</p>"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters["thousands"] = explore.assets.thousands
    monkeypatch.setattr(explore.assets, "environment", lambda: env)
    write_pages(folder, clips, maps)
    assert "<p>changed template</p>" in (folder / "mel_stack5.html").read_text()
    assert snapshot(clips) == before
    # the pages rule declares every template and static file as an input: a change reruns it
    files = explore.assets.files()
    package = Path(explore.__file__).parent
    assert set(files) == {str(p) for d in ("templates", "static") for p in (package / d).iterdir() if p.is_file()}
    assert {Path(f).name for f in files} >= {"page.html", "scope_index.html", "index.html", "explore.js", "explore.css"}


def test_clips_are_copied_where_the_file_system_cannot_link(clips_and_maps, tmp_path, monkeypatch):
    clips, _, maps, _ = clips_and_maps

    def no_link(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    folder = tmp_path / "explore" / "fan"
    write_pages(folder, clips, maps)
    source = explore.read_clips(clips)
    for clip in source.loc[source["clip"] != "", "clip"]:
        copy = folder / "audio" / clip
        assert not os.path.samefile(copy, clips / clip) and copy.read_bytes() == (clips / clip).read_bytes()


def test_a_bad_clips_folder_is_named(clips_and_maps, tmp_path):
    clips, _, maps, _ = clips_and_maps
    with pytest.raises(FileNotFoundError, match=r"nowhere/clips.tsv: no clips table"):
        explore.read_clips(tmp_path / "nowhere")
    table = pd.read_csv(clips / "clips.tsv", sep="\t", keep_default_na=False)
    broken = tmp_path / "broken"
    broken.mkdir()
    table.drop(columns="offset").to_csv(broken / "clips.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"broken/clips.tsv: not a clips table: it lacks column\(s\) offset"):
        explore.read_clips(broken)
    table.assign(clip="../../escape.ogg").to_csv(broken / "clips.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match="not a path inside the clips folder"):
        explore.read_clips(broken)
    first = explore.read_clips(clips).query("clip != ''")["clip"].iloc[0]
    (clips / first).unlink()
    with pytest.raises(FileNotFoundError, match="listed in .*clips.tsv but missing"):
        write_pages(tmp_path / "explore" / "fan", clips, maps)
    assert not (tmp_path / "explore" / "fan").exists() and not (tmp_path / "explore" / ".fan.tmp").exists()


def test_names_are_escaped_in_every_page():
    spec = explore.MapSpec.of("mel", 5, "a<b>", sample_rate=16000)
    payload = explore.map_payload(
        spec, None, clips=pd.DataFrame(columns=explore.CLIP_COLUMNS), skipped="<script>alert(1)</script>"
    )
    own = {**explore.summary(payload), "scope_categories": payload["categories"]}
    page = explore.page_html(own, [], settings=explore.Settings(), title="<i>fan</i> & co")
    assert "<script>alert(1)" not in page and "No map: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<title>&lt;i&gt;fan&lt;/i&gt; &amp; co</title>" in page
    index = explore.index_html({"a<b>": {"subject": "my <fan>", "maps": [own]}})
    assert "a<b>" not in index and 'href="a%3Cb%3E/index.html"' in index and ">my &lt;fan&gt;<" in index
    assert 'title="&lt;script&gt;alert(1)&lt;/script&gt;"' in index
    clips = pd.DataFrame([("d", "x<y>.wav", "", np.nan, np.nan, "not <audio>")], columns=explore.CLIP_COLUMNS)
    scope = explore.scope_index_html([own], clips, title="t")
    assert "<li>x&lt;y&gt;.wav: not &lt;audio&gt;</li>" in scope and "0 audio clips" in scope


def test_the_colours_live_in_one_place():
    """The pages' scripts hold no colour of their own: every colour of a page comes from
    explorer_colours."""
    for name in ("explore.js", "player.js", "scatter.js"):
        script = (Path(explore.__file__).parent / "static" / name).read_text()
        assert re.findall(r"#[0-9a-fA-F]{3,6}\b", script) == [], name
    own = {
        **explore.summary(
            explore.map_payload(
                explore.MapSpec.of("mel", 1, "f", sample_rate=16000),
                None,
                clips=pd.DataFrame(columns=explore.CLIP_COLUMNS),
            )
        ),
        "scope_categories": {},
    }
    colours = {**explore.explorer_colours(), "none": "#0a0b0c", "shadow_none": "#0d0e0f"}
    page = explore.page_html(own, [], settings=explore.Settings(), title="t", colours=colours)
    assert '"none":"#0a0b0c"' in page and '"shadow_none":"#0d0e0f"' in page


def test_the_package_ships_its_templates_and_static_files(tmp_path):
    """A wheel (a non-editable install) holds the templates and static files, and the explorer
    finds them there through the package."""
    root, project = Path(__file__).resolve().parents[1], tmp_path / "project"
    # built from a copy: a build leaves build/ and *.egg-info in the tree it builds
    shutil.copytree(root / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(root / name, project / name)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path / "wheel"),
            str(project),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next((tmp_path / "wheel").glob("audio_umaps-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for name in (
        "templates/page.html",
        "templates/index.html",
        "templates/scope_index.html",
        "static/explore.js",
        "static/scatter.js",
        "static/player.js",
        "static/explore.css",
    ):
        assert f"audio_umaps/explore/{name}" in names, name
    code = (
        "import audio_umaps.explore as e; from pathlib import Path; import sys; "
        "assert Path(e.__file__).is_relative_to(sys.argv[1]), e.__file__; "
        "assert len(e.assets.files()) == 7 and all(Path(f).is_relative_to(sys.argv[1]) for f in e.assets.files()); "
        "print(e.index_html({}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "site")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "No maps in this run." in proc.stdout


def test_the_pages_colour_named_values_as_the_static_plots_do():
    """One colour language: a device page's sections, devices, domains, labels, splits and
    datasets take the run's palette (the PNGs' colours)."""
    from audio_umaps import palette
    from audio_umaps.explore import explorer_colours

    run = palette.as_json(
        ["fan", "ToyCar"],
        {"fan": ["00", "01"], "ToyCar": ["00"]},
        datasets={"dev": None, "ext": "violet"},
        external=["ext"],
    )
    fan = explorer_colours(run, device="fan")
    assert fan["fixed"]["section"] == {"00": run["section"]["fan/00"], "01": run["section"]["fan/01"]}
    assert fan["fixed"]["section"]["00"] != fan["fixed"]["section"]["01"]
    assert fan["fixed"]["device"]["fan"] == run["device"]["fan"] != run["device"]["ToyCar"]
    assert fan["fixed"]["domain"]["source"] == palette.DOMAINS["source"]
    assert fan["fixed"]["label"]["anomaly"] == palette.LABELS["anomaly"]
    assert fan["fixed"]["dataset"]["ext"] == run["external"]["ext"] == palette.to_hex("violet")
    assert "section" not in explorer_colours(run)["fixed"]  # a global page: sections share numbers
