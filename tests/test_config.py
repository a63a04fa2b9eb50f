import pytest
import yaml
from conftest import ROOT

from audio_umaps import config


def load(name):
    return yaml.safe_load((ROOT / "config" / name).read_text())


def test_shipped_configs_are_valid():
    assert config.problems(load("config.yaml")) == []
    assert config.problems(load("paper.yaml")) == []


def test_problems_name_the_key():
    bad = load("config.yaml")
    bad["umap"]["n_neighbors"] = "fifteen"
    bad["datasets"]["demo"]["kind"] = "dcase1999"
    bad["sampling"]["device"].pop("external")
    bad["plots"]["dpi"] = 50.5
    found = config.problems(bad)
    assert "config key 'umap.n_neighbors': 'fifteen' is not of type 'integer'" in found
    assert any(line.startswith("config key 'datasets.demo.kind': 'dcase1999' is not one of") for line in found)
    assert "config key 'sampling.device': 'external' is a required property" in found
    assert any(line.startswith("config key 'plots.dpi'") for line in found)
    assert len(found) == 4


def test_unknown_keys_are_refused():
    bad = load("config.yaml")
    bad["sampling"]["sed"] = 1
    assert config.problems(bad) == [
        "config key 'sampling': Additional properties are not allowed ('sed' was unexpected)"
    ]


def test_workflow_schema_is_the_packaged_one():
    """workflow/schemas/ (the Snakemake convention) links to the schema the package ships."""
    linked = ROOT / "workflow/schemas/config.schema.yaml"
    assert yaml.safe_load(linked.read_text()) == config.schema()


def test_check_fills_defaults_and_lists_every_problem():
    filled = config.check(
        {
            "representations": ["mel"],
            "stacks": [1],
            "datasets": {"d": {"kind": "folder", "root": "x"}},
            "sampling": {
                "seed": 0,
                "device": {"test": 1, "train": 1, "external": 1},
                "global": {"test": 1, "train": 1, "external": 1},
            },
        }
    )
    assert filled["audio"] == {"sample_rate": 16000, "normalisation": "absmax", "min_duration": 0.5, "channels": "mix"}
    assert filled["plots"]["origin"] == {"skip": 500, "take": 100}
    assert filled["datasets"]["d"]["jobs"] == 1 and filled["representation_params"] == {}
    assert filled["sampling"]["global_without_external_at_stacks"] == []
    with pytest.raises(config.ConfigError) as err:
        config.check({"stacks": "ten", "umap": {"n_neighbors": 1}})
    lines = str(err.value).splitlines()[1:]
    assert "  config key 'stacks': 'ten' is not of type 'array'" in lines
    assert "  config key 'umap.n_neighbors': 1 is less than the minimum of 2" in lines
    assert any("'datasets' is a required property" in line for line in lines)
