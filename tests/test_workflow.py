"""The Snakemake workflow itself: DAG, an end-to-end run, single targets, config errors, rules."""

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from conftest import ROOT, snakemake, tiny_demo, tone, write_wav


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table that snakemake prints, as {rule: count}."""
    table = output.split("Job stats:")[1]
    counts = {}
    for line in table.splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_default_dag(tmp_path):
    proc = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(ROOT / "config/config.yaml"))
    assert job_counts(proc.stdout) == {
        "demo_data": 1, "manifest": 2, "features": 6, "excluded_report": 2, "sample": 18,
        "umap": 18, "plot_device": 12, "plot_global": 6, "plot_section": 36, "all": 1, "total": 102,
    }


def test_single_target_dag_only_needs_its_inputs(tmp_path):
    proc = snakemake("results/plots/mel/stack5/fan.png", "-n", "--directory", str(tmp_path),
                     "--configfile", str(ROOT / "config/config.yaml"))
    assert job_counts(proc.stdout) == {
        "demo_data": 1, "manifest": 2, "features": 2, "sample": 1, "umap": 1, "plot_device": 1, "total": 8,
    }


TINY = tiny_demo(stacks=(1, 4), devices={"fan": "fan", "valve": "valve"}, test_clips=2, external_clips=2,
                 colour="violet", global_without_external_at_stacks=[4])


def write_config(folder: Path, config: dict) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The tiny demo plus an external folder with bad files in it."""
    work = tmp_path_factory.mktemp("tiny")
    broken = work / "broken"
    write_wav(broken / "good.wav", tone(2.0, 500))
    write_wav(broken / "odd name #1 ü.wav", tone(2.0, 700))
    write_wav(broken / "short.wav", tone(0.1, 500))
    write_wav(broken / "silent.wav", np.zeros(16000))
    (broken / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    datasets = {**TINY["datasets"], "broken": {"kind": "folder", "root": str(broken)}}
    config = write_config(work, {**TINY, "datasets": datasets})
    proc = snakemake("--directory", str(work), "--configfile", str(config), "--cores", "2")
    return work, config, proc


def test_end_to_end(tiny_run):
    work, _, proc = tiny_run
    counts = job_counts(proc.stdout + proc.stderr)
    assert counts["umap"] == 6 and counts["plot_section"] == 8 and counts["total"] == 38
    plots = sorted(p.relative_to(work / "results/plots").as_posix() for p in (work / "results/plots").rglob("*.png"))
    assert len(plots) == 14 and "mel/stack4/valve_section_01.png" in plots
    for png in (work / "results/plots").rglob("*.png"):
        with Image.open(png) as im:
            assert im.size[0] > 200
    # the demo's silent external clip is reported, not fatal
    report = pd.read_csv(work / "results/reports/demo_external.excluded.tsv", sep="\t")
    assert report["path"].str.endswith("silent_00.wav").tolist() == [True]
    # bad files are listed with the reason, the good ones (odd names too) are used
    report = pd.read_csv(work / "results/reports/broken.excluded.tsv", sep="\t")
    reasons = {Path(p).name: (stage, reason.split(":")[0]) for p, stage, reason in
               zip(report["path"], report["stage"], report["reason"])}
    assert reasons == {"corrupt.wav": ("manifest", "unreadable"), "short.wav": ("manifest", "too short"),
                       "silent.wav": ("features", "silent")}
    from audio_umaps.tables import read_tsv

    used = set(read_tsv(work / "results/samples/mel/stack1/fan.tsv")["path"])
    assert {str(work / "broken/good.wav"), str(work / "broken/odd name #1 ü.wav")} <= used
    # every rule wrote its log and benchmark
    assert len(list((work / "results/benchmarks").rglob("*.tsv"))) == 37
    assert len(list((work / "results/logs").rglob("*.log"))) == 37


def test_embedding_traces_back_to_files_and_times(tiny_run):
    work, _, _ = tiny_run
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


def test_rebuild_one_target(tiny_run):
    work, config, _ = tiny_run
    target = work / "results/plots/mel/stack1/fan_section_00.png"
    target.unlink()
    proc = snakemake("results/plots/mel/stack1/fan_section_00.png", "--directory", str(work),
                     "--configfile", str(config), "--cores", "1")
    assert job_counts(proc.stdout + proc.stderr) == {"plot_section": 1, "total": 1}
    assert target.is_file()
    proc = snakemake("-n", "--directory", str(work), "--configfile", str(config))
    assert "Nothing to be done" in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "change, message",
    [
        ({"umap": {"n_neighbors": "fifteen"}}, r"n_neighbors"),
        ({"stacks": [1, "ten"]}, r"stacks"),
        ({"sampling": {"seed": 0, "device": {"test": 1, "train": 1}, "global": {"test": 1, "train": 1, "external": 1}}},
         r"'external' is a required property"),
        ({"audio": {"normalisaton": "absmax"}}, r"normalisaton"),
        ({"representations": ["stft", "cqt"]}, r"cqt"),
    ],
)
def test_malformed_config_names_the_key(tmp_path, change, message):
    config = write_config(tmp_path, {**TINY, **change})
    proc = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(config), check=False)
    assert proc.returncode != 0
    assert re.search(message, proc.stdout + proc.stderr), proc.stderr[-2000:]


def test_missing_dataset_folder_is_named(tmp_path):
    config = write_config(tmp_path, {**TINY, "datasets": {
        "dev": {"kind": "dcase2021", "root": str(tmp_path / "no_such_folder")}}})
    proc = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(config), check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "datasets.dev.root" in out and "no_such_folder" in out


def test_lint_is_clean(tmp_path):
    proc = snakemake("--lint", check=False)
    assert "Congratulations, your workflow is in a good condition" in proc.stdout + proc.stderr


# ---- every rule has log, benchmark, a conda env listing what its script imports, resources ----
IMPORT_TO_CONDA = {
    "numpy": "numpy", "pandas": "pandas", "scipy": "scipy", "soundfile": "pysoundfile",
    "librosa": "librosa", "zarr": "zarr", "umap": "umap-learn", "matplotlib": "matplotlib-base",
    "torch": "pytorch", "resampy": "resampy", "torchopenl3": "torchopenl3",
}
# Modules a rule's script reaches but the rule never runs (features excludes l3 by wildcard).
NOT_RUN_BY = {"features": {ROOT / "src/audio_umaps/representations/l3.py"}}


def rules():
    """{rule: {directive: first value line}} from the rule files."""
    found = {}
    for smk in sorted((ROOT / "workflow/rules").glob("*.smk")):
        for block in re.split(r"^rule ", smk.read_text(), flags=re.M)[1:]:
            name = block.split(":")[0].strip()
            body = block.split("\n\n\n")[0]
            directives = dict(re.findall(r"^    (\w+):\s*\n?\s*(.*)", body, flags=re.M))
            found[name] = (smk, directives)
    return found


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
                names = [f"audio_umaps.{(base / (node.module or '')).relative_to(ROOT / 'src/audio_umaps').as_posix().replace('/', '.')}".rstrip(".")]
                names += [f"{names[0]}.{a.name}" for a in node.names]
            else:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith("audio_umaps"):
                rel = name.split(".")[1:]
                for candidate in (ROOT / "src/audio_umaps").joinpath(*rel).with_suffix(".py"), \
                        (ROOT / "src/audio_umaps").joinpath(*rel, "__init__.py"):
                    if rel and candidate.is_file():
                        mods |= imports_of(candidate, seen)
            else:
                mods.add(name.split(".")[0])
    return mods


def test_every_rule_has_log_benchmark_conda_and_resources():
    found = rules()
    assert {"demo_data", "manifest", "features", "features_l3", "excluded_report", "sample", "umap", "plot_global",
            "plot_device", "plot_section"} <= set(found)
    for name, (_, directives) in found.items():
        if name == "all":
            continue
        for directive in ("log", "benchmark", "conda", "threads", "resources", "script"):
            assert directive in directives, f"rule {name} has no {directive}:"


def test_conda_envs_list_what_scripts_import():
    for name, (smk, directives) in rules().items():
        if name == "all":
            continue
        env_file = (smk.parent / directives["conda"].strip('",')).resolve()
        script = (smk.parent / directives["script"].strip('",')).resolve()
        env = yaml.safe_load(env_file.read_text())
        listed = {re.split(r"[ =<>]", d)[0] for d in env["dependencies"] if isinstance(d, str)}
        listed |= {re.split(r"[ =<>]", pip)[0] for d in env["dependencies"] if isinstance(d, dict)
                   for pip in d.get("pip", [])}
        for module in imports_of(script, set(NOT_RUN_BY.get(name, ()))):
            if module in IMPORT_TO_CONDA:
                assert IMPORT_TO_CONDA[module] in listed, f"{env_file.name} lacks {IMPORT_TO_CONDA[module]} for rule {name}"
            else:
                assert module in __import__("sys").stdlib_module_names, f"rule {name} imports unmapped {module}"
