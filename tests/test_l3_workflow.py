"""The workflow with the l3 representation: random test weights in a temporary TORCH_HOME,
every download attempt refused (proxies point at a closed local port)."""

import numpy as np
import pandas as pd
import pytest
from conftest import prepare, snakemake, tiny_demo

from audio_umaps import representations, weights
from audio_umaps.tables import read_tsv

pytest.importorskip("torchopenl3", reason="bin/test installs torchopenl3 (requirements-l3.txt)")
from audio_umaps.representations import l3  # noqa: E402

pytestmark = [pytest.mark.workflow, pytest.mark.l3]

PARAMS = representations.params("l3")
OFFLINE = {
    key: "http://127.0.0.1:9"
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
}
OFFLINE.update(NO_PROXY="", no_proxy="")
CONFIG = {
    **tiny_demo(representations=["l3"], sections=1),
    "sampling": {
        "seed": 0,
        "device": {"test": 30, "train": 30, "external": 20},
        "global": {"test": 30, "train": 30, "external": 20},
    },
    "umap": {"n_neighbors": 8, "seed": 1},
}


def setup(work, torch_home, **l3_config):
    config = prepare(work, {**CONFIG, "l3": l3_config})
    env = {**OFFLINE, "TORCH_HOME": str(torch_home)}
    return config, env


@pytest.fixture(scope="module")
def l3_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("l3run")
    home = tmp_path_factory.mktemp("torch_home")
    path = weights.cache_path(PARAMS, {"TORCH_HOME": str(home)})
    path.parent.mkdir(parents=True)
    l3.write_random_weights(path, PARAMS, seed=0)
    config, env = setup(work, home, sha256=weights.sha256(path))
    proc = snakemake("--directory", str(work), "--configfile", str(config), "--cores", "2", env=env)
    # the jobs' time and memory: the benchmark summary, a target of its own
    snakemake("benchmark_summary", "--directory", str(work), "--configfile", str(config), "--cores", "1", env=env)
    return work, proc


def test_l3_features_samples_umaps_and_plots(l3_run):
    work, proc = l3_run
    res = work / "results"
    plots = sorted(p.relative_to(res / "plots").as_posix() for p in (res / "plots").rglob("*.png"))
    assert plots == ["l3/stack5/fan.png", "l3/stack5/fan_section_00.png", "l3/stack5/global.png"]
    sample = read_tsv(res / "samples/l3/stack5/fan.tsv")
    emb = read_tsv(res / "umap/l3/stack5/fan.tsv")
    pd.testing.assert_frame_equal(emb[sample.columns], sample)
    assert emb[["x", "y"]].notna().all().all() and sample["energy"].isna().all()  # no energy: no origin cross
    # 2 s clips: 11 frames, so 7 windows of 5 frames each; times are window centres
    assert sample["first_frame"].between(0, 6).all()
    assert np.allclose(sample["start_time"], 0.5 + 0.1 * sample["first_frame"])
    assert set(sample["split"]) == {"train", "test", "external"}
    from audio_umaps.store import Store

    summary = pd.read_csv(res / "reports/benchmarks.tsv", sep="\t").set_index("rule")
    assert summary.loc["features_l3", "jobs"] == 2 and "features" not in summary.index  # L3 jobs counted as L3
    store = Store(res / "features/demo/l3/fan.zarr")
    assert store.dims == 512 and set(store.n_frames) == {11} and store.attrs["random_weights"]


def test_outputs_made_with_random_weights_say_so(l3_run):
    work, _ = l3_run
    logs = work / "results/logs"
    for log in [
        "features_l3/demo/fan.log",
        "sample/l3/stack5/fan.log",
        "umap/l3/stack5/global.log",
        "plot_device/l3/stack5/fan.log",
        "plot_section/l3/stack5/fan_00.log",
    ]:
        assert "RANDOM WEIGHTS" in (logs / log).read_text(), log


def test_missing_weights_stop_before_anything_runs(tmp_path):
    config, env = setup(tmp_path, tmp_path / "empty_home")
    expected = weights.cache_path(PARAMS, {"TORCH_HOME": str(tmp_path / "empty_home")})
    dry = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(config), env=env)
    assert "will be downloaded before the first job" in dry.stderr + dry.stdout
    proc = snakemake("--directory", str(tmp_path), "--configfile", str(config), "--cores", "1", env=env, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"are not at {expected}" in out and "could not be downloaded" in out and "remove 'l3'" in out
    assert not (tmp_path / "results/manifest").exists() and not (tmp_path / "results/features").exists()
    assert not expected.exists()


def test_download_forbidden_fails_at_parse_time(tmp_path):
    config, env = setup(tmp_path, tmp_path / "empty_home", download=False)
    proc = snakemake("-n", "--directory", str(tmp_path), "--configfile", str(config), env=env, check=False)
    assert proc.returncode != 0 and "'l3.download' is false" in proc.stdout + proc.stderr


HIDE_TORCHOPENL3 = """import sys


class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torchopenl3":
            raise ModuleNotFoundError(f"No module named {name!r}")


sys.meta_path.insert(0, _Hide())
"""


def test_without_torchopenl3_the_message_says_how_to_install(tmp_path):
    """A Python without torchopenl3 (hidden by a sitecustomize) is told what to install."""
    (tmp_path / "hide").mkdir()
    (tmp_path / "hide/sitecustomize.py").write_text(HIDE_TORCHOPENL3)
    config, env = setup(tmp_path, tmp_path / "empty_home")
    proc = snakemake(
        "-n",
        "--directory",
        str(tmp_path),
        "--configfile",
        str(config),
        check=False,
        env={**env, "PYTHONPATH": str(tmp_path / "hide")},
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "needs torch and torchopenl3" in out and "bin/setup-venv --l3" in out
