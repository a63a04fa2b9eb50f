"""The Snakemake workflow itself: DAG, an end-to-end run, single targets, the report, config
errors, and what every rule declares."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import (
    ROOT,
    SNAKEFILE,
    coloured_pixels,
    expected_jobs,
    job_counts,
    prepare,
    snakemake,
    tinted_pixels,
    tiny_demo,
    tone,
    write_config,
    write_wav,
)

from audio_umaps.resources import RETRIES

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def demo_work(tmp_path_factory):
    """A working folder with the default config's demo data written in it (as bin/demo does)."""
    work = tmp_path_factory.mktemp("demo")
    config = prepare(work, yaml.safe_load((ROOT / "config/config.yaml").read_text()))
    return work, config


def test_default_dag(demo_work):
    work, config = demo_work
    proc = snakemake("-n", "--directory", str(work), "--configfile", str(config))
    assert job_counts(proc.stdout) == expected_jobs(config, work)
    # the demo: 2 representations x 3 stacks x 3 scopes (ToyCar, fan, global), 3 sections each
    assert job_counts(proc.stdout)["plot_section"] == 2 * 3 * 2 * 3


def test_single_target_dag_only_needs_its_inputs(demo_work):
    work, config = demo_work
    proc = snakemake("results/plots/mel/stack5/fan.png", "-n", "--directory", str(work), "--configfile", str(config))
    assert job_counts(proc.stdout) == {
        "manifest": 2,
        "features": 2,
        "sample": 1,
        "umap": 1,
        "plot_device": 1,
        "total": 7,
    }


def test_without_demo_data_the_message_says_how_to_make_it(tmp_path):
    config = write_config(tmp_path, yaml.safe_load((ROOT / "config/config.yaml").read_text()))
    proc = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(config), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "datasets.demo.root: folder 'results/demo/dcase2021' does not exist" in out and "bin/demo" in out


TINY = tiny_demo(
    stacks=(1, 4),
    devices={"fan": "fan", "valve": "valve"},
    test_clips=2,
    external_clips=2,
    colour="violet",
    global_without_external_at_stacks=[4],
)


def write_submission(work: Path):
    """A system's DCASE submission for the tiny demo: fan scored well (every anomaly above every
    normal), valve section 00 with malformed rows, valve section 01 missing, and a file for a
    machine the data does not have."""
    folder = work / "submission"
    folder.mkdir()
    for device, section in (("fan", "00"), ("fan", "01"), ("valve", "00")):
        names = sorted(
            p.name for p in (work / "results/demo/dcase2021" / device).glob(f"*_test/section_{section}_*.wav")
        )
        rows = [f"{n},{(2.0 if '_anomaly_' in n else 0.0) + i / 100}" for i, n in enumerate(names)]
        decisions = [f"{n},{int('_anomaly_' in n)}" for n in names]
        if device == "valve":
            rows[1] = rows[1].split(",")[0] + ",high"  # line 2: not a number
            rows.pop(0)  # a test file without a score
            rows.append("section_00_source_test_normal_9999.wav,0.5")  # no such test file
        (folder / f"anomaly_score_{device}_section_{section}_test.csv").write_text("\n".join(rows) + "\n")
        (folder / f"decision_result_{device}_section_{section}_test.csv").write_text("\n".join(decisions) + "\n")
    (folder / "anomaly_score_pump_section_00_test.csv").write_text("a.wav,1\n")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The tiny demo plus an external folder with bad files in it."""
    work = tmp_path_factory.mktemp("tiny")
    broken = work / "broken"
    write_wav(broken / "good.wav", tone(2.0, 500))
    write_wav(broken / "odd name #1 ü.wav", tone(2.0, 700))
    write_wav(broken / "braces {1} and {part}.wav", tone(2.0, 900))  # Snakemake cannot declare it
    write_wav(broken / "short.wav", tone(0.1, 500))
    write_wav(broken / "silent.wav", np.zeros(16000))
    (broken / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    datasets = {**TINY["datasets"], "broken": {"kind": "folder", "root": str(broken)}}
    config = prepare(work, {**TINY, "datasets": datasets, "predictions": {"mysystem": "submission"}})
    write_submission(work)
    proc = snakemake("--directory", str(work), "--configfile", str(config), "--cores", "2")
    # the benchmark summary is a target of its own: it sums results/benchmarks/ as the run left it
    summary = snakemake("benchmark_summary", "--directory", str(work), "--configfile", str(config), "--cores", "1")
    return work, config, proc, summary


def test_end_to_end(tiny_run):
    work, config, proc, _ = tiny_run
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts == expected_jobs(config, work)
    # log-mel at stacks 1 and 4; scopes fan, valve and global (a folder dataset beside DCASE
    # devices is external data, not a scope)
    assert counts["umap"] == 2 * 3 and counts["metrics"] == 2 * 2 and counts["predictions"] == 1
    plots = sorted(p.relative_to(work / "results/plots").as_posix() for p in (work / "results/plots").rglob("*.png"))
    expected = counts["plot_global"] + counts["plot_device"] + counts["plot_section"]
    assert len(plots) == expected and "mel/stack4/valve_section_01.png" in plots
    for png in (work / "results/plots").rglob("*.png"):
        # dots drawn in the (left) panel, not only text: a blank panel has none; 43 overlapping
        # dots of a tiny section map gave 17 distinct coloured pixels
        assert coloured_pixels(png) > 10, png
    # the demo's silent external clip is reported, not fatal
    report = pd.read_csv(work / "results/reports/demo_external.excluded.tsv", sep="\t")
    assert report["path"].str.endswith("silent_00.wav").tolist() == [True]
    # bad files are listed with the reason, the good ones (odd names too) are used
    report = pd.read_csv(work / "results/reports/broken.excluded.tsv", sep="\t")
    reasons = {
        Path(p).name: (stage, reason.split(":")[0])
        for p, stage, reason in zip(report["path"], report["stage"], report["reason"])
    }
    assert reasons == {
        "corrupt.wav": ("manifest", "not a readable audio file (libsndfile"),
        "short.wav": ("manifest", "too short"),
        "silent.wav": ("features", "silent"),
        "braces {1} and {part}.wav": (
            "manifest",
            "file name holds '{' or '}', which Snakemake reads as a wildcard in the job's declared inputs",
        ),
    }
    from audio_umaps.tables import read_tsv

    used = set(read_tsv(work / "results/samples/mel/stack1/fan.tsv")["path"])
    assert {str(work / "broken/good.wav"), str(work / "broken/odd name #1 ü.wav")} <= used
    # every job wrote its log and benchmark (the summary's own included); the summary counts
    # every job of the run
    jobs = counts["total"] - counts["all"]
    assert len(list((work / "results/benchmarks").rglob("*.tsv"))) == jobs + 1
    assert len(list((work / "results/logs").rglob("*.log"))) == jobs + 1
    assert pd.read_csv(work / "results/reports/skipped.tsv", sep="\t").empty  # every map was drawn
    summary = pd.read_csv(work / "results/reports/benchmarks.tsv", sep="\t").set_index("rule")
    assert summary["jobs"].to_dict() == {rule: n for rule, n in counts.items() if rule not in ("all", "total")}
    # Snakemake samples a job's memory while it runs: a sub-second job may end before the first
    # sample (explore_index, 0.4 s, read 0 MB in one CI run), so memory is asserted for the others
    assert (summary["total_s"] > 0).all() and (summary["max_rss_mb"] >= 0).all()
    assert (summary.loc[summary["total_s"] >= 1, "max_rss_mb"] > 0).all()


def test_embedding_traces_back_to_files_and_times(tiny_run):
    work, *_ = tiny_run
    from audio_umaps.tables import read_tsv

    sample = read_tsv(work / "results/samples/mel/stack4/fan.tsv")
    emb = read_tsv(work / "results/umap/mel/stack4/fan.tsv")
    pd.testing.assert_frame_equal(emb[sample.columns], sample)
    assert emb[["x", "y"]].notna().all().all()
    assert set(emb["split"]) == {"train", "test", "external"}
    assert all((work / p).is_file() for p in emb["path"].unique())
    # a window's start time is its first frame's time: hop 512 at 16 kHz
    assert np.allclose(emb["start_time"], emb["first_frame"] * 512 / 16000)
    glob4 = read_tsv(work / "results/samples/mel/stack4/global.tsv")
    assert "folder" not in set(glob4["kind"])  # global_without_external_at_stacks: [4]
    glob1 = read_tsv(work / "results/samples/mel/stack1/global.tsv")
    assert (glob1["dataset"] == "demo_external").sum() == 40


def test_metrics_measure_both_spaces_and_join_the_systems_predictions(tiny_run):
    work, *_ = tiny_run
    from audio_umaps.tables import read_tsv

    read = dict(sep="\t", dtype={"section": str}, keep_default_na=False, na_values={"value": [""]})
    rows = pd.read_csv(work / "results/metrics/mel/stack4/fan.tsv", **read)
    device = rows[(rows["section"] == "all") & (rows["level"] != "official")]
    picked = device.set_index(["space", "method", "level", "measure"])["value"]
    for space in ("original", "umap"):
        for key in (
            ("svm", "window", "auc"),
            ("svm", "window", "hinge"),
            ("knn", "window", "auc"),
            ("knn", "file", "pauc"),
            ("lof", "file", "auc"),
            ("knn", "window", "support"),
        ):
            assert 0 <= picked[(space, *key)] <= 1 or key[2] == "hinge", (space, key)
    # per section x domain too, each with its counts; the original space scores every test window
    sections = rows[
        (rows["section"] != "all")
        & (rows["method"] == "knn")
        & (rows["level"] == "window")
        & (rows["measure"] == "auc")
    ]
    assert set(zip(sections["space"], sections["section"], sections["domain"])) == {
        (s, c, d) for s in ("original", "umap") for c in ("00", "01") for d in ("source", "target", "all")
    }
    original = sections[sections["space"] == "original"]
    assert (original["normal"] > 40).all() and (original["anomalous"] > 40).all()  # not the map's 40-window caps
    files = read_tsv(work / "results/metrics/mel/stack4/fan.files.tsv")
    assert len(files) == 16 and files["knn_original"].notna().all()
    assert files["score_mysystem"].notna().all() and set(files["decision_mysystem"]) == {0, 1}
    points = read_tsv(work / "results/metrics/mel/stack4/fan.points.tsv")
    emb = read_tsv(work / "results/umap/mel/stack4/fan.tsv")
    test = emb[emb["split"] == "test"]
    assert sorted(points["point"]) == sorted(test["point"]) and points["knn_umap"].notna().all()
    assert points["score_mysystem"].notna().all()
    # the system: fan scored perfectly, valve section 00 with its bad rows named, the rest used
    problems = pd.read_csv(work / "results/metrics/predictions/mysystem.problems.tsv", sep="\t")
    said = {
        (Path(f).name, line): text for f, line, text in zip(problems["file"], problems["line"], problems["problem"])
    }
    valve = "anomaly_score_valve_section_00_test.csv"
    assert "not a finite number" in said[(valve, 1)]
    assert "is no test file of valve section 00" in said[(valve, 8)]
    assert "no score for 2 of the 8 test files" in said[(valve, 0)]
    assert "no test files of machine 'pump'" in said[("anomaly_score_pump_section_00_test.csv", 0)]
    assert "valve section 01 have no score" in said[("submission", 0)]
    scores = pd.read_csv(work / "results/metrics/predictions/mysystem.scores.tsv", **read)
    fan = scores[(scores["device"] == "fan") & (scores["measure"] == "auc")]
    assert len(fan) == 4 and (fan["value"] == 1.0).all()
    assert len(scores[(scores["device"] == "valve") & (scores["section"] == "00") & (scores["measure"] == "auc")]) == 2
    official = pd.read_csv(work / "results/metrics/official.tsv", sep="\t", dtype={"stack": str})
    assert {"knn", "lof", "mysystem"} <= set(official["method"])
    system = official[official["method"] == "mysystem"].set_index("machine")
    assert list(system.index) == ["fan", "valve", "all"] and system.loc["fan", "hmean"] == 1.0
    # valve section 01 has no score at all: its share and the official score are absent, and say why
    assert pd.isna(system.loc["valve", "hmean"]) and "valve section 01" in system.loc["valve", "note"]
    assert pd.isna(system.loc["all", "hmean"]) and "incomplete" in system.loc["all", "note"]
    assert len(official[official["method"] == "knn"]) == 3 * 2 * 2  # machines x stacks x spaces
    page = (work / "results/metrics/official.html").read_text()
    assert "system mysystem" in page and "knn · mel stack 4 · original" in page and "n/a" in page
    summary = pd.read_csv(work / "results/metrics/summary.tsv", sep="\t")
    assert len(summary) == 4 and summary["sep_auc_original"].between(0, 1).all()
    for png in (work / "results/metrics").rglob("*.png"):
        # cells or lines drawn, not an empty frame (the tiny run's SEP cells lie near chance, pale)
        assert tinted_pixels(png) > 100, png


def test_the_workflows_official_table_equals_the_scorers_on_the_same_submission(tiny_run, tmp_path):
    """audio-umaps-score, given the tiny demo's labels as an official 2021 ground truth (a table
    per machine type, section and domain), scores the workflow's submission as the workflow's
    predictions stage did: every number equal."""
    from audio_umaps import scorer
    from audio_umaps.tables import read_tsv

    work, *_ = tiny_run
    manifest = read_tsv(work / "results/manifest/demo.tsv")
    test = manifest[manifest["split"] == "test"]
    truth = tmp_path / "ground_truth_data"
    truth.mkdir()
    for (device, section, domain), group in test.groupby(["device", "section", "domain"]):
        rows = [f"{Path(p).name},{int(label == 'anomaly')}" for p, label in zip(group["path"], group["label"])]
        (truth / f"ground_truth_{device}_section_{section}_{domain}_test.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    assert scorer.main([str(work / "submission"), "--ground-truth", str(tmp_path), "--out", str(out)]) == 0
    ours = pd.read_csv(
        out / "scores.tsv", sep="\t", dtype={"section": str}, keep_default_na=False, na_values={"value": [""]}
    )
    read = dict(sep="\t", dtype={"section": str}, keep_default_na=False, na_values={"value": [""]})
    workflow = pd.read_csv(work / "results/metrics/predictions/mysystem.scores.tsv", **read)
    keys = ["device", "section", "domain", "measure"]
    both = workflow.merge(ours, on=keys, suffixes=("", "_scorer"), validate="one_to_one")
    assert len(both) == len(workflow) > 40
    assert np.allclose(both["value"], both["value_scorer"], rtol=0, atol=1e-12, equal_nan=True)
    assert both["value"].isna().any()  # (valve section 01 has no score: absent in both)
    assert set(ours["measure"]) - set(workflow["measure"]) == set()  # (2021: no ci95)


def test_explorer_index_leads_to_every_map_where_a_click_plays_and_a_selection_links(tiny_run):
    """The workflow's explorer in Chromium: the index links every map of every scope; each page
    draws its windows without an error; a click on a dot of a device's map plays that window of
    its file; a box selection highlights the same files' overlapping windows in the other map."""
    import browser

    from audio_umaps.tables import read_tsv

    if not Path(browser.CHROMIUM).exists() and os.environ.get("AUDIO_UMAPS_BROWSER") != "1":
        pytest.skip(f"{browser.CHROMIUM} is missing (apt-get install -y chromium)")
    work = tiny_run[0]
    explore = work / "results/explore"
    links = re.findall(r'href="([^"]+\.html)"', (explore / "index.html").read_text())
    pages = sorted(link for link in links if not link.endswith("index.html"))
    assert pages == [f"{scope}/mel_stack{stack}.html" for scope in ("fan", "global", "valve") for stack in (1, 4)]
    with browser.chromium() as context:
        for link in pages:
            page = browser.Page(context, (explore / link).as_uri())
            scope, name = link[:-5].split("/")
            umap = read_tsv(work / f"results/umap/mel/stack{name[-1]}/{scope}.tsv")
            assert page.js(f"AudioUmaps.maps['{name}'].n") == len(umap) > 0
            assert page.errors == [], link
            page.close()
        page = browser.Page(context, (explore / "fan/mel_stack4.html").as_uri())
        page.page.wait_for_function("window.AudioUmapsLinkedLoaded === 1", timeout=30000)
        main = read_tsv(work / "results/umap/mel/stack4/fan.tsv")
        other = read_tsv(work / "results/umap/mel/stack1/fan.tsv")
        i = int(main.index[(main["split"] == "test") & (main["label"] == "normal")][0])
        at = page.point(i)
        page.page.mouse.click(at["x"], at["y"])
        page.page.wait_for_function(
            "window.AudioUmapsPlayback && window.AudioUmapsPlayback.started !== null", timeout=10000
        )
        # the window played is one drawn under the cursor, and its file's clip plays
        j = page.js("AudioUmaps.current.i")
        near = page.point(j)
        assert abs(near["x"] - at["x"]) < 9 and abs(near["y"] - at["y"]) < 9
        assert Path(main.loc[j, "path"]).name in page.page.locator("#au-now").inner_text()
        page.box_select([at], margin=10)
        selected = page.selected()
        assert selected and page.js("AudioUmaps.sel.key") == "mel_stack4"
        spans = {}
        for j in selected:
            spans.setdefault(main.loc[j, "path"], []).append(main.loc[j, "start_time"] - 0.032)
        # windows sharing more than 0.1 ms (explore.js): stack 4 sees 3 hops + a frame, stack 1 a frame
        expected = sorted(
            int(j)
            for j in other.index
            if any(
                min(s + 3 * 0.032 + 0.064, other.loc[j, "start_time"] + 0.032)
                - max(s, other.loc[j, "start_time"] - 0.032)
                > 1e-4
                for s in spans.get(other.loc[j, "path"], [])
            )
        )
        assert page.highlighted("mel_stack1") == expected
        assert page.errors == []
        page.close()


def forcerun(folder, config, targets, rules, *args):
    """Snakemake in ``folder`` remaking ``targets`` by rerunning ``rules`` only (``--forcerun``)."""
    return snakemake(
        *targets,
        "--directory",
        str(folder),
        "--configfile",
        str(config),
        "--forcerun",
        *rules,
        "--allowed-rules",
        *rules,
        *args,
    )


def test_explorer_reruns_give_byte_identical_folders(tiny_run, tmp_path):
    """The same maps give the same explorer, byte for byte: clips, pages, data and indexes
    rewritten with --forcerun (in a copy of the run) equal the first run's."""
    work, config, *_ = tiny_run
    copy = tmp_path / "run"
    shutil.copytree(work, copy, symlinks=True, ignore=shutil.ignore_patterns("plots"))
    forcerun(
        copy, config, ["results/explore/index.html"], ["explore_clips", "explore", "explore_index"], "--cores", "2"
    )

    def files(root):
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for folder in ("results/explore", "results/clips")
            for p in sorted((root / folder).rglob("*"))
            if p.is_file()
        }

    first, again = files(work), files(copy)
    assert len(first) > 20 and sorted(first) == sorted(again)
    assert [name for name in first if first[name] != again[name]] == []


def test_rebuild_one_target(tiny_run):
    work, config, *_ = tiny_run
    target = work / "results/plots/mel/stack1/fan_section_00.png"
    target.unlink()
    proc = snakemake(
        "results/plots/mel/stack1/fan_section_00.png",
        "--directory",
        str(work),
        "--configfile",
        str(config),
        "--cores",
        "1",
    )
    assert job_counts(proc.stdout + proc.stderr) == {"plot_section": 1, "total": 1}
    assert target.is_file()
    # nothing else is left to redo: the benchmark summary is not a target of the run
    proc = snakemake("-n", "--directory", str(work), "--configfile", str(config))
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_umap_reruns_give_byte_identical_maps_on_any_thread_count(tiny_run, tmp_path):
    """The same samples and seed give the same maps, byte for byte: the UMAP jobs rerun with
    --forcerun (in a copy of the run), on one core and on two threads per job, and with a PCA
    before the neighbour search (whose BLAS results depend on the thread count)."""
    work, *_ = tiny_run
    copy = tmp_path / "run"
    shutil.copytree(work, copy, symlinks=True, ignore=shutil.ignore_patterns("explore", "plots", "metrics"))
    maps = sorted(p.relative_to(copy).as_posix() for p in (copy / "results/umap").rglob("*.tsv"))
    assert len(maps) == 6

    def rerun(config, *args):
        forcerun(copy, config, maps, ["umap"], *args)
        return {m: (copy / m).read_bytes() for m in maps}

    first = {m: (work / m).read_bytes() for m in maps}
    assert rerun(copy / "config.yaml", "--cores", "1") == first
    (copy / "pca").mkdir()
    with_pca = write_config(
        copy / "pca", {**yaml.safe_load((copy / "config.yaml").read_text()), "neighbours": {"pca": {"mel": 8}}}
    )
    one = rerun(with_pca, "--cores", "1")
    assert one != first  # (the PCA changed the maps: it was used)
    assert rerun(with_pca, "--cores", "2", "--set-threads", "umap=2") == one


def test_report_lists_every_plot_with_its_caption(tiny_run):
    work, config, *_ = tiny_run
    # the run's targets and the benchmark summary, a target of its own
    snakemake(
        "all",
        "benchmark_summary",
        "--directory",
        str(work),
        "--configfile",
        str(config),
        "--report",
        "results/report.zip",
    )
    with zipfile.ZipFile(work / "results/report.zip") as archive:
        names = archive.namelist()
        html = archive.read("report/report.html").decode()
    plots = sorted(p.relative_to(work).as_posix() for p in (work / "results/plots").rglob("*.png"))
    assert len(plots) == 2 * (1 + 2 + 4)  # 2 maps x (global, 2 devices, 4 sections)
    for plot in plots:
        assert plot in html, plot  # listed, and its file is in the archive
        assert any(name.endswith("/" + Path(plot).name) for name in names), plot
    assert any(name.endswith("/benchmarks.png") for name in names)
    assert any(name.endswith("/benchmarks.tsv") for name in names)
    for figure in ("hypothesis2.png", "sep_auc.png", "support.png", "summary.tsv", "official.html"):
        assert any(name.endswith("/" + figure) for name in names), figure
    # each scope's explorer folder, with its pages, data and clips (htmlindex: its index.html)
    folders = {}
    for name in names:
        parts = name.split("/")
        if len(parts) > 4 and parts[:3] == ["report", "data", "raw"]:
            folders.setdefault(parts[3], set()).add("/".join(parts[4:]))
    explorers = [
        f for f in folders.values() if {"index.html", "mel_stack4.html", "data/mel_stack1.js", "static/explore.js"} <= f
    ]
    assert len(explorers) == 3 and all(any(n.endswith(".ogg") for n in f) for f in explorers)
    for scope in ("fan", "valve", "global"):
        assert f"Explorer of scope <strong>{scope}</strong>" in html, scope
    for caption in (
        "normal test windows",
        "approximate origin",
        "colour family",
        "peak resident memory",
        "hypothesis 2",
        "discriminative support",
        "official DCASE",
        "click a dot to hear",
    ):
        assert caption in html, caption
    # captions are rendered with each plot's wildcards, none left as template
    assert "UMAP of device <strong>fan</strong>" in html and "{{ snakemake" not in html


def test_the_workflow_runs_as_a_module_of_another_workflow(tmp_path):
    """Deployed as the snakemake-workflows catalog's workflows are (snakedeploy): a fresh folder
    whose Snakefile uses this workflow as a module with its own config runs it whole."""
    config = prepare(tmp_path, tiny_demo())
    (tmp_path / "Snakefile").write_text(
        f'configfile: "{config.name}"\n\n\n'
        f"module audio_umaps:\n    snakefile:\n        {str(SNAKEFILE)!r}\n    config:\n        config\n\n\n"
        "use rule * from audio_umaps\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2"], cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert job_counts(proc.stdout + proc.stderr) == expected_jobs(config, tmp_path)
    assert (tmp_path / "results/plots/mel/stack5/fan.png").is_file()
    assert (tmp_path / "results/explore/index.html").is_file()


def test_every_job_declares_what_it_reads(tmp_path):
    """With --all-temp every intermediate file is deleted as soon as no declared reader is left:
    a job reading an undeclared file (a store, a table) would find it gone."""
    config = prepare(tmp_path, tiny_demo())
    proc = snakemake("--directory", str(tmp_path), "--configfile", str(config), "--cores", "2", "--all-temp")
    # with the metrics job and summary, and the explorer of both scopes and its index
    assert job_counts(proc.stdout + proc.stderr) == expected_jobs(config, tmp_path)
    assert not (tmp_path / "results/features").exists() or not any((tmp_path / "results/features").rglob("*.zarr"))
    assert not any((tmp_path / "results/umap").rglob("*.tsv"))
    assert len(list((tmp_path / "results/plots").rglob("*.png"))) == 4


@pytest.mark.parametrize(
    "change, message",
    [
        ({"umap": {"n_neighbors": "fifteen"}}, r"n_neighbors"),
        ({"stacks": [1, "ten"]}, r"stacks"),
        (
            {
                "sampling": {
                    "seed": 0,
                    "device": {"test": 1, "train": 1},
                    "global": {"test": 1, "train": 1, "external": 1},
                }
            },
            r"'external' is a required property",
        ),
        ({"audio": {"normalisaton": "absmax"}}, r"normalisaton"),
        ({"representations": ["stft", "cqt"]}, r"cqt"),
        (
            {"umap": {"n_neighbours": 15, "seed": 1}},
            r"config key 'umap\.n_neighbours': not an argument of umap-learn's UMAP; did you mean 'n_neighbors'\?",
        ),
        ({"umap": {"n_components": 3}}, r"config key 'umap\.n_components': the maps are 2-D"),
        ({"audio": {"channels": "left"}}, r"audio\.channels"),
        (
            {"representations": ["mel", "mine"], "representation_params": {"mine": {"windowing": "mean"}}},
            r"representation_params.mine.* 'kind' is a required property",
        ),
        (
            {
                "representations": ["mel", "mine"],
                "representation_params": {"mine": {"kind": "onnx", "frame_seconds": 1, "hop_seconds": 1}},
            },
            r"config key 'representation_params\.mine\.model'",
        ),
        (
            {
                "representations": ["mel", "e"],
                "representation_params": {"e": {"kind": "embeddings", "root": "nowhere"}},
            },
            r"config key 'representation_params\.e\.root': nowhere is not a folder",
        ),
        (
            {"representations": ["tkeo"], "representation_params": {"tkeo": {"fmax": 9000}}},
            r"config key representation_params\.tkeo\.fmax = 9000 Hz is above the Nyquist frequency 8000 Hz",
        ),
        (
            {"representations": ["mel", "m2"], "representation_params": {"m2": {"kind": "mel", "n_bands": 3}}},
            r"config key 'representation_params\.m2\.n_bands': not a parameter of kind 'mel'",
        ),
        ({"representation_params": {"mel": {"windowing": "median"}}}, r"windowing"),
    ],
)
def test_malformed_config_names_the_key(tmp_path, change, message):
    config = write_config(tmp_path, {**TINY, **change})
    proc = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(config), check=False)
    assert proc.returncode != 0
    assert re.search(message, proc.stdout + proc.stderr), proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_missing_dataset_folder_is_named(tmp_path):
    config = write_config(
        tmp_path, {**TINY, "datasets": {"dev": {"kind": "dcase2021", "root": str(tmp_path / "no_such_folder")}}}
    )
    proc = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(config), check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "datasets.dev.root" in out and "no_such_folder" in out


@pytest.mark.parametrize("what", ["missing", "file"])
def test_missing_submission_folder_is_named(tmp_path, what):
    """predictions.<system> is checked when the workflow is parsed, like a dataset's root."""
    config = prepare(tmp_path, tiny_demo())
    path = tmp_path / "no/such/folder"
    if what == "file":
        path = tmp_path / "anomaly_score_fan_section_00_test.csv"
        path.write_text("a.wav,1\n")
    config.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text()), "predictions": {"my_system": str(path)}}))
    proc = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(config), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    said = "does not exist" if what == "missing" else "is a file, not a folder"
    assert f"predictions.my_system: {'folder ' if what == 'missing' else ''}'{path}' {said}" in out, out[-2000:]
    assert "or remove the key 'predictions.my_system'" in out and "Traceback" not in out


def test_lint_and_snakefmt_are_clean(tmp_path):
    config = prepare(tmp_path, tiny_demo())
    proc = snakemake("--lint", "--directory", str(tmp_path), "--configfile", str(config), check=False)
    assert "Congratulations, your workflow is in a good condition" in proc.stdout + proc.stderr, proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", str(ROOT / "workflow")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---- every rule has log, benchmark, a conda env listing what its script imports, resources ----
IMPORT_TO_CONDA = {
    "numpy": "numpy",
    "pandas": "pandas",
    "scipy": "scipy",
    "soundfile": "pysoundfile",
    "librosa": "librosa",
    "zarr": "zarr",
    "umap": "umap-learn",
    "matplotlib": "matplotlib-base",
    "torch": "pytorch",
    "resampy": "resampy",
    "torchopenl3": "torchopenl3",
    "yaml": "pyyaml",
    "jsonschema": "jsonschema",
    "soxr": "soxr-python",
    "faiss": "faiss-cpu",
    "sklearn": "scikit-learn",
    "numba": "numba",
    "bokeh": "bokeh",
    "jinja2": "jinja2",
    "threadpoolctl": "threadpoolctl",
    "joblib": "joblib",
    "onnxruntime": "onnxruntime",
}
# Imported only on a machine that has them (umap.backend cuml): no environment lists them.
OPTIONAL = {"cuml", "cupy", "onnx"}  # (onnx: read the model's shapes when present, else onnxruntime)
# Modules a rule's script reaches but the rule never runs: the feature rules compute only their
# own kinds; every other rule reads the representations' frame geometry, window sizes and titles,
# never their models, filter banks or files
REPRESENTATIONS = ("stft", "mel", "l3", "tkeo", "onnx", "embeddings")


def representation_modules(*kinds):
    return {ROOT / f"src/audio_umaps/representations/{kind}.py" for kind in kinds}


NOT_RUN_BY = {
    "features": representation_modules("l3", "onnx", "embeddings"),
    "features_onnx": representation_modules("l3", "tkeo", "embeddings"),
    "features_embeddings": representation_modules("stft", "mel", "l3", "tkeo", "onnx"),
}
NEVER_COMPUTED = representation_modules(*REPRESENTATIONS)


# Snakemake's own view of the rules: the parsed workflow, read through its API in a fresh process
# (WorkflowApi keeps the parsed workflow in ``_workflow``; snakemake is pinned in requirements.txt).
RULES_SCRIPT = """
import json, sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings
snakefile, configfile, workdir = map(Path, sys.argv[1:4])
with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
    workflow = api.workflow(resource_settings=ResourceSettings(), snakefile=snakefile, workdir=workdir,
                            config_settings=ConfigSettings(configfiles=[configfile]))._workflow
    print(json.dumps({rule.name: {
        "snakefile": str(rule.snakefile), "log": list(rule.log), "benchmark": str(rule.benchmark or ""),
        "conda": rule.conda_env, "script": rule.script, "retries": rule._restart_times,
        "resources": {k: "function" if getattr(v, "_evaluator", None) or callable(v) else repr(v) for k, v in rule.resources.items()},
        "local": rule.name in workflow._localrules,
    } for rule in workflow.rules}))
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> dict:
    """{rule: what it declares}, parsed with the .test configuration and a representation of
    each kind with a rule of its own but L3 (an ONNX model the test makes, an embeddings
    folder)."""
    from models import framing_conv

    work = tmp_path_factory.mktemp("rules")
    framing_conv(work / "conv.onnx")
    (work / "emb").mkdir()
    config = tiny_demo(representations=["mel", "conv", "emb"])
    config["representation_params"] = {
        "conv": {"kind": "onnx", "model": "conv.onnx", "frame_seconds": 0.04, "hop_seconds": 0.02},
        "emb": {"kind": "embeddings", "root": "emb", "frame_seconds": 1.0, "hop_seconds": 0.5, "dims": 4},
    }
    config = prepare(work, config)
    proc = subprocess.run(
        [sys.executable, "-c", RULES_SCRIPT, str(SNAKEFILE), str(config), str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def imports_of(path: Path, seen=None) -> set[str]:
    """Top-level modules a file imports, following audio_umaps modules."""
    seen = set() if seen is None else seen
    if path in seen:
        return set()
    seen.add(path)
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import inside the package
                base = path.parent if node.level == 1 else path.parent.parent
                names = [
                    f"audio_umaps.{(base / (node.module or '')).relative_to(ROOT / 'src/audio_umaps').as_posix().replace('/', '.')}".rstrip(
                        "."
                    )
                ]
                names += [f"{names[0]}.{a.name}" for a in node.names]
            else:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith("audio_umaps"):
                rel = name.split(".")[1:]
                for candidate in (
                    (ROOT / "src/audio_umaps").joinpath(*rel).with_suffix(".py"),
                    (ROOT / "src/audio_umaps").joinpath(*rel, "__init__.py"),
                ):
                    if rel and candidate.is_file():
                        mods |= imports_of(candidate, seen)
            else:
                mods.add(name.split(".")[0])
    return mods


def rules_in_files() -> set[str]:
    """Every rule the rule files define (features_l3 only with l3 in the config)."""
    found = set()
    for path in [SNAKEFILE, *(ROOT / "workflow/rules").glob("*.smk")]:
        found |= set(re.findall(r"^\s*rule (\w+):", path.read_text(), flags=re.M))
    return found


def test_every_rule_has_log_benchmark_conda_and_resources(rules):
    assert set(rules) == rules_in_files() - {"features_l3"}
    for name, rule in rules.items():
        if name == "all":
            continue
        assert rule["log"] and rule["benchmark"] and rule["conda"] and rule["script"], name
        assert {"mem_mb", "runtime", "_cores"} <= set(rule["resources"]), name


def test_only_the_cluster_retries_with_growing_requests_and_bookkeeping_stays_local(rules):
    """A local failure is deterministic: no rule retries; the SLURM profile resubmits jobs the
    cluster killed, each asking for its estimate times the attempt. Rules whose requests are
    estimated from their inputs are the compute; the others are bookkeeping, run locally (all
    named in one localrules block, in the Snakefile)."""
    assert yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text())["retries"] == RETRIES
    assert "retries" not in yaml.safe_load((ROOT / "profiles/default/config.yaml").read_text())
    for name, rule in rules.items():
        assert not rule["retries"], name
        estimated = rule["resources"].get("mem_mb") == rule["resources"].get("runtime") == "function"
        assert rule["local"] != estimated or name == "all", name
    assert {"sample", "umap", "metrics", "plot_device"} <= {n for n, r in rules.items() if not r["local"]}
    assert sum("localrules:" in p.read_text() for p in [SNAKEFILE, *(ROOT / "workflow/rules").glob("*.smk")]) == 1


def test_conda_envs_list_what_scripts_import_and_install_the_package(rules):
    for name, rule in rules.items():
        if name == "all":
            continue
        base = Path(rule["snakefile"]).parent
        env_file = (base / rule["conda"]).resolve()
        script = (base / rule["script"]).resolve()
        env = yaml.safe_load(env_file.read_text())
        listed = {re.split(r"[ =<>]", d)[0] for d in env["dependencies"] if isinstance(d, str)}
        pip = [line for d in env["dependencies"] if isinstance(d, dict) for line in d.get("pip", [])]
        listed |= {re.split(r"[ =<>]", line)[0] for line in pip}
        # the package as a copy, not editable: the workflow also runs as a module from elsewhere
        assert "${AUDIO_UMAPS_SOURCE}" in pip, f"{env_file.name} does not install audio_umaps"
        assert not any("--editable" in line or line.startswith("-e ") for line in pip), env_file.name
        for module in imports_of(script, set(NOT_RUN_BY.get(name, NEVER_COMPUTED))):
            if module in OPTIONAL:
                continue
            if module in IMPORT_TO_CONDA:
                assert IMPORT_TO_CONDA[module] in listed, (
                    f"{env_file.name} lacks {IMPORT_TO_CONDA[module]} for rule {name}"
                )
            else:
                assert module in sys.stdlib_module_names, f"rule {name} imports unmapped {module}"


def test_pip_installs_the_package_from_an_env_files_pip_section(tmp_path):
    """What conda hands pip: the env's pip lines as a requirements file; pip expands
    ${AUDIO_UMAPS_SOURCE} (the workflow sets it to this checkout) and finds the package."""
    env = yaml.safe_load((ROOT / "workflow/envs/umap.yaml").read_text())
    (tmp_path / "requirements.txt").write_text(
        "\n".join(line for d in env["dependencies"] if isinstance(d, dict) for line in d["pip"]) + "\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-r",
            str(tmp_path / "requirements.txt"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "AUDIO_UMAPS_SOURCE": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Would install audio-umaps-" in proc.stdout
