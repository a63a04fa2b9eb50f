import yaml

from audio_umaps import config
from conftest import ROOT

SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"


def load(name):
    return yaml.safe_load((ROOT / "config" / name).read_text())


def test_shipped_configs_are_valid():
    assert config.problems(load("config.yaml"), SCHEMA) == []
    assert config.problems(load("paper.yaml"), SCHEMA) == []


def test_problems_name_the_key():
    bad = load("config.yaml")
    bad["umap"]["n_neighbors"] = "fifteen"
    bad["datasets"]["demo"]["kind"] = "dcase2020"
    bad["sampling"]["device"].pop("external")
    bad["plots"]["dpi"] = 50.5
    found = config.problems(bad, SCHEMA)
    assert "config key 'umap.n_neighbors': 'fifteen' is not of type 'integer'" in found
    assert any(line.startswith("config key 'datasets.demo.kind': 'dcase2020' is not one of") for line in found)
    assert "config key 'sampling.device': 'external' is a required property" in found
    assert any(line.startswith("config key 'plots.dpi'") for line in found)
    assert len(found) == 4


def test_unknown_keys_are_refused():
    bad = load("config.yaml")
    bad["sampling"]["sed"] = 1
    assert config.problems(bad, SCHEMA) == [
        "config key 'sampling': Additional properties are not allowed ('sed' was unexpected)"]
