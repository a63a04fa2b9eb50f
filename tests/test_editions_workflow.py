"""End to end: a tiny tree of every DCASE edition in one run, with folders and files that are
bad in every way the workflow must survive; and a run of folder datasets alone."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import coloured_pixels, job_counts, snakemake, write_wav
from editions import sound, write_edition

from audio_umaps.tables import read_tsv

pytestmark = pytest.mark.workflow

MACHINES = {
    "2020": "ToyCar",
    "2021": "fan",
    "2022": "bearing",
    "2023": "ToyDrone",
    "2024": "valve",
    "2025": "AutoTrash",
}
BASE = {
    "representations": ["mel"],
    "stacks": [5],
    "audio": {"min_duration": 0.3},
    "sampling": {
        "seed": 0,
        "device": {"test": 40, "train": 40, "external": 40},
        "global": {"test": 20, "train": 20, "external": 40},
    },
    "umap": {"n_neighbors": 10, "min_dist": 0.1, "seed": 42},
    "plots": {"width": 10, "height": 4, "dpi": 60},
}


def write_odd(root: Path) -> None:
    """Devices with odd names; a section, a device and a tiny device that leave no map."""
    n = 100
    for device, sections in {"my fan": ("00", "01"), "Lüfter+1;a": ("00",)}.items():
        for section in sections:
            silent = section == "01"  # every file of my fan's section 01 is silent
            for i in range(3):
                n += 1
                y = np.zeros(24000) if silent else sound("normal", n)
                write_wav(root / device / "train" / f"section_{section}_source_train_normal_{i:04d}.wav", y)
            for label in ("normal", "anomaly"):
                n += 1
                y = np.zeros(24000) if silent else sound(label, n)
                write_wav(root / device / "source_test" / f"section_{section}_source_test_{label}_0000.wav", y)
    for i in range(3):  # a device whose every file is silent
        write_wav(root / "quiet" / "train" / f"section_00_source_train_normal_{i:04d}.wav", np.zeros(24000))
    # a device with one 0.35 s file: 7 windows of 5 frames, too few for n_neighbors = 10
    write_wav(root / "tiny" / "train" / "section_00_source_train_normal_0000.wav", sound("normal", 1, 0.35))


@pytest.fixture(scope="module")
def editions_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("editions")
    datasets, expected = {}, {}
    for edition, machine in MACHINES.items():
        entry, files = write_edition(work / f"dcase{edition}", edition, machine)
        datasets[f"e{edition}"] = entry
        expected[f"e{edition}"] = files
    write_odd(work / "odd")
    datasets["odd"] = {"kind": "dcase2021", "root": str(work / "odd")}
    for i in range(2):
        write_wav(work / "silent_ext" / f"hum_{i}.wav", np.zeros(16000))
    datasets["silent_ext"] = {"kind": "folder", "root": str(work / "silent_ext")}
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump({**BASE, "datasets": datasets}))
    proc = snakemake("--directory", str(work), "--configfile", str(config), "--cores", "2")
    return work, expected, proc


def test_every_edition_is_mapped_with_its_labels(editions_run):
    work, expected, proc = editions_run
    for dataset, files in expected.items():
        manifest = read_tsv(work / f"results/manifest/{dataset}.tsv")
        got = {
            rel: (s, d, sp, lab)
            for rel, s, d, sp, lab in zip(
                manifest["relpath"], manifest["section"], manifest["domain"], manifest["split"], manifest["label"]
            )
        }
        assert got == files, dataset
    for edition, machine in MACHINES.items():
        emb = read_tsv(work / f"results/umap/mel/stack5/{machine}.tsv")
        files = expected[f"e{edition}"]
        root = work / f"dcase{edition}"
        labels = {(root / rel).as_posix(): facts[3] for rel, facts in files.items()}
        assert (emb["label"] == emb["path"].map(labels)).all(), machine  # every dot keeps its file's label
        assert {"normal", "anomaly"} <= set(emb.loc[emb["split"] == "test", "label"]), machine
        png = work / f"results/plots/mel/stack5/{machine}.png"
        assert coloured_pixels(png) > 20, png
    drone = read_tsv(work / "results/umap/mel/stack5/ToyDrone.tsv")
    assert {"attr_car", "attr_spd", "attr_mic"} <= set(drone.columns)  # attributes reach the map
    assert set(drone.loc[drone["split"] == "train", "attr_car"]) == {"A2", "C1"}


def test_bad_folders_and_files_never_stop_the_run(editions_run):
    work, _, proc = editions_run
    plots = work / "results/plots/mel/stack5"
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts["plot_device"] == 6 + 4 and counts["skipped_report"] == 1
    # odd device names: safe names in paths, the real names in tables and titles
    emb = read_tsv(work / "results/umap/mel/stack5/my~20fan.tsv")
    assert set(emb["device"]) == {"my fan"} and coloured_pixels(plots / "my~20fan.png") > 20
    assert set(read_tsv(work / "results/umap/mel/stack5/L~C3~BCfter~2B1~3Ba.tsv")["device"]) == {"Lüfter+1;a"}
    # the silent section, the silent device and the tiny device: a note instead of a map
    skipped = pd.read_csv(work / "results/reports/skipped.tsv", sep="\t", dtype=str, keep_default_na=False)
    maps = skipped[skipped["section"] == ""]
    reasons = dict(zip(maps["scope"], maps["skipped"]))
    assert set(reasons) == {"quiet", "tiny"}
    # and the sections whose every file was left out: my fan's section 01, quiet's only one
    sections = skipped[skipped["section"] != ""]
    assert sorted(zip(sections["scope"], sections["section"], sections["dataset"])) == [
        ("my~20fan", "01", "odd"),
        ("quiet", "00", "odd"),
    ]
    assert (sections["representation"] == "").all() and (sections["windows"] == "0").all()
    assert sections["skipped"].iloc[0] == (
        "no usable audio: every file of my fan section 01 in dataset 'odd' was left out; see "
        "results/reports/odd.excluded.tsv for each file and why"
    )
    assert reasons["quiet"].startswith("no usable audio: every file of scope 'quiet' was left out")
    assert reasons["tiny"].startswith("only 7 window(s): a UMAP with n_neighbors=10 needs at least 11")
    for png in ("quiet.png", "quiet_section_00.png", "tiny.png", "my~20fan_section_01.png"):
        assert (plots / png).stat().st_size > 5000, png  # a figure with the note, not an empty file
    status = json.loads((work / "results/umap/mel/stack5/quiet.json").read_text())
    assert status["windows"] == 0 and status["skipped"] == reasons["quiet"]
    log = (work / "results/logs/plot_section/mel/stack5/my~20fan_01.log").read_text()
    assert (
        "no usable audio: every file of my fan section 01 was left out; see results/reports/odd.excluded.tsv"
    ) in log
    # every exclusion report is written, the all-silent external folder's too
    report = pd.read_csv(work / "results/reports/silent_ext.excluded.tsv", sep="\t")
    assert sorted(Path(p).name for p in report["path"]) == ["hum_0.wav", "hum_1.wav"]
    assert set(report["outcome"]) == {"left out"} and set(report["stage"]) == {"features"}
    odd = pd.read_csv(work / "results/reports/odd.excluded.tsv", sep="\t")
    assert len(odd) == 5 + 3  # my fan's silent section 01, and quiet's files
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("folders")
    n = 0
    for dataset, subfolders in {"sounds": ("birds", "rain"), "machines": ("drill", "saw", "")}.items():
        for sub in subfolders:
            for i in range(3):
                n += 1
                write_wav(
                    work / dataset / sub / f"clip_{i}.wav",
                    sound("anomaly" if sub in ("saw", "rain") else "normal", n, seconds=2.0),
                )
    datasets = {d: {"kind": "folder", "root": str(work / d)} for d in ("sounds", "machines")}
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump({**BASE, "datasets": datasets}))
    proc = snakemake("--directory", str(work), "--configfile", str(config), "--cores", "2")
    return work, proc


def test_folder_datasets_alone_are_mapped(folder_run):
    work, proc = folder_run
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts["umap"] == 3 and counts["plot_folder"] == 2 and counts["plot_global"] == 1
    for scope in ("sounds", "machines", "global"):
        emb = read_tsv(work / f"results/umap/mel/stack5/{scope}.tsv")
        assert len(emb) > 11 and emb[["x", "y"]].notna().all().all(), scope
        # one panel left of its legend: its coloured dots, wherever UMAP put them
        assert coloured_pixels(work / f"results/plots/mel/stack5/{scope}.png", width=0.7) > 20, scope
    glob = read_tsv(work / "results/umap/mel/stack5/global.tsv")
    assert set(glob["dataset"]) == {"sounds", "machines"}
    assert set(read_tsv(work / "results/umap/mel/stack5/machines.tsv")["subfolder"]) == {"drill", "saw", ""}
    assert pd.read_csv(work / "results/reports/skipped.tsv", sep="\t").empty
