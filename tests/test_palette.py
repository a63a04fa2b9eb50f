"""The one colour language (audio_umaps.palette): stable, distinct, exported for the explorer."""

import colorsys
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audio_umaps import palette

HEX = re.compile(r"#[0-9a-f]{6}")


def _hue(colour):
    return colorsys.rgb_to_hls(*palette.rgb(colour))[0]


def test_known_devices_keep_their_colour_whatever_else_a_run_maps():
    alone = palette.device_families(["fan"])["fan"]
    for others in (["ToyCar"], ["valve", "pump", "slider"], ["bandsaw", "grinder", "shaker", "ToyDrone"]):
        assert palette.device_families(["fan", *others])["fan"] == alone
    # the development devices of every edition each have a family of their own
    assert len(set(palette.KNOWN_DEVICES.values())) == len(palette.KNOWN_DEVICES) <= len(palette.FAMILIES)


def test_other_devices_take_a_family_from_their_name_and_a_free_one_on_a_clash():
    first = palette.device_families(["bandsaw"])["bandsaw"]
    assert palette.device_families(["bandsaw"])["bandsaw"] == first  # (a stable hash, not Python's)
    assert palette.device_families(["valve", "bandsaw"])["bandsaw"] in palette.FAMILIES
    # order and repeats do not matter
    names = ["ToyTank", "bandsaw", "grinder", "fan", "shaker", "ToyCar", "grinder"]
    assert palette.device_families(names) == palette.device_families(sorted(set(names))[::-1])
    # up to len(FAMILIES) devices never share a family
    many = ["ToyCar", "fan", "pump", "slider", "valve", "bandsaw", "grinder", "shaker", "ToyTank", "Vacuum"]
    assert len(set(palette.device_families(many).values())) == len(many) == len(palette.FAMILIES)
    # a device that clashes with a known one moves; without it, it keeps its hash's family
    known = {palette.FAMILIES[i]: d for d, i in palette.KNOWN_DEVICES.items()}
    clash = next(n for n in (f"machine{i}" for i in range(200)) if palette.device_families([n])[n] in known)
    owner = known[palette.device_families([clash])[clash]]
    assert palette.device_families([clash, owner])[clash] != palette.device_families([owner])[owner]


def _lab(colour):
    """A colour in CIELAB (D65): distances of about 10 and more are plainly different colours."""
    c = np.array(palette.rgb(colour))
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    f = [np.cbrt(t) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz / [0.95047, 1.0, 1.08883]]
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_device_families_keep_clear_of_the_fixed_meanings_and_of_each_other():
    fixed = [palette.DOMAINS["source"], palette.DOMAINS["target"], palette.LABELS["anomaly"], palette.EXTERNAL]
    for family in palette.FAMILIES:
        assert colorsys.rgb_to_hls(*palette.rgb(family))[2] > 0.3, family  # not grey (external data, no value)
        for colour in fixed:
            assert np.linalg.norm(_lab(family) - _lab(colour)) > 25, (family, colour)
    distances = [
        np.linalg.norm(_lab(a) - _lab(b)) for i, a in enumerate(palette.FAMILIES) for b in palette.FAMILIES[i + 1 :]
    ]
    assert min(distances) > 20
    assert len(palette.FAMILIES) == len(palette.FAMILY_NAMES)


def test_shades_run_from_lighter_to_darker_around_the_base():
    base = palette.FAMILIES[0]
    assert palette.shade(base, 0, 1) == base
    shades = [palette.shade(base, i, 3) for i in range(3)]
    assert all(HEX.fullmatch(s) for s in shades)
    assert shades[1] == base  # the middle of an odd number
    light = [sum(palette.rgb(s)) for s in shades]
    assert light[0] > light[1] > light[2]
    assert palette.rgb(palette.shade("#000000", 0, 2)) == pytest.approx((0.45, 0.45, 0.45), abs=1 / 255)


def test_sections_are_shades_of_their_device_and_domains_a_fixed_pair():
    pal = palette.build([("dev", "fan", "00"), ("dev", "fan", "01"), ("dev", "fan", "02"), ("dev", "pump", "00")])
    fan = palette.FAMILIES[palette.KNOWN_DEVICES["fan"]]
    assert [pal.section("fan", s) for s in ("00", "01", "02")] == [palette.shade(fan, i, 3) for i in range(3)]
    assert pal.section("pump", "00") == pal.device("pump") == palette.FAMILIES[palette.KNOWN_DEVICES["pump"]]
    assert pal.domain("source") == palette.DOMAINS["source"] and pal.domain("target") == palette.DOMAINS["target"]
    assert pal.domain("target", "fan", "02") == palette.shade(palette.DOMAINS["target"], 2, 3)
    assert pal.domain("whatever") == palette.DOMAINS["unknown"]
    with pytest.raises(KeyError, match="no section '07' of device 'fan'"):
        pal.section("fan", "07")


def test_datasets_sharing_a_device_name_get_distinct_shades_and_names():
    pal = palette.build(
        [
            ("dcase2020", "slider", "00"),
            ("dcase2020", "slider", "02"),
            ("dcase2023", "slider", "00"),
            ("dcase2023", "valve", "00"),
        ]
    )
    assert pal.shared("slider") and not pal.shared("valve")
    assert pal.label("slider", "dcase2020") == "slider (dcase2020)"
    assert pal.label("valve", "dcase2023") == "valve"
    old, new = pal.section("slider", "00", "dcase2020"), pal.section("slider", "00", "dcase2023")
    assert old != new and sum(palette.rgb(old)) > sum(palette.rgb(new))  # the first dataset lighter
    assert pal.device("slider", "dcase2020") != pal.device("slider", "dcase2023")
    family = palette.FAMILIES[palette.KNOWN_DEVICES["slider"]]
    for colour in (old, new, pal.device("slider", "dcase2020")):
        gap = abs(_hue(colour) - _hue(family))
        assert min(gap, 1 - gap) < 0.02  # shades of the one family
    assert pal.domain("none", "slider", dataset="dcase2020") != pal.domain("source", "slider", dataset="dcase2023")


def test_json_export_gives_every_encoding_as_hex():
    colours = palette.as_json(
        devices=["ToyCar", "fan"],
        sections={"ToyCar": ["00", "01"], "fan": ["00"]},
        datasets={"demo": None, "audioset": "grey", "idmt": None},
        external=["audioset", "idmt"],
    )
    assert set(colours) == {"device", "section", "domain", "label", "split", "dataset", "external"}
    for encoding, values in colours.items():
        assert all(HEX.fullmatch(v) for v in values.values()), encoding
    json.dumps(colours)  # plain data
    assert colours["device"] == {"ToyCar": palette.FAMILIES[0], "fan": palette.FAMILIES[1]}
    assert colours["section"] == {
        "ToyCar/00": palette.shade(palette.FAMILIES[0], 0, 2),
        "ToyCar/01": palette.shade(palette.FAMILIES[0], 1, 2),
        "fan/00": palette.FAMILIES[1],
    }
    assert colours["domain"]["source"] == "#1f77b4" and colours["domain"]["target"] == "#ff7f0e"
    assert colours["label"]["anomaly"] == palette.LABELS["anomaly"]
    assert colours["split"]["external"] == palette.EXTERNAL
    # a configured colour wins (as hex); others take the dataset colours in name order
    assert colours["dataset"] == {"audioset": "#808080", "demo": palette.DATASETS[0], "idmt": palette.DATASETS[1]}
    assert colours["external"] == {"audioset": "#808080", "idmt": palette.EXTERNAL}


def test_json_export_tells_shared_device_names_apart():
    colours = palette.as_json(devices=["slider"], sections={"slider": {"dcase2020": ["00", "02"], "dcase2023": ["00"]}})
    assert set(colours["section"]) == {"slider (dcase2020)/00", "slider (dcase2020)/02", "slider (dcase2023)/00"}
    assert len(set(colours["section"].values())) == 3
    assert {"slider", "slider (dcase2020)", "slider (dcase2023)"} == set(colours["device"])
    assert colours["dataset"].keys() == {"dcase2020", "dcase2023"}


def test_a_colour_that_cannot_be_read_names_its_key():
    assert palette.to_hex("#ABC") == "#aabbcc" and palette.to_hex("violet") == "#ee82ee"
    with pytest.raises(ValueError, match=r"datasets.audioset.colour: 'nosuch' is not a colour"):
        palette.as_json(datasets={"audioset": "nosuch"}, external=["audioset"])


def test_from_table_reads_a_maps_devices_and_external_data():
    emb = pd.DataFrame(
        {
            "kind": ["dcase2021", "dcase2021", "folder"],
            "dataset": ["dev", "dev", "ext"],
            "device": ["fan", "fan", ""],
            "section": ["00", "01", ""],
        }
    )
    pal = palette.from_table(emb, {"ext": "#123456"})
    assert pal.groups == {"fan": (("dev", "00"), ("dev", "01"))}
    assert pal.external == {"ext": "#123456"}
    assert palette.from_table(emb).external == {"ext": palette.EXTERNAL}


def test_config_plan_and_palette_import_without_matplotlib():
    code = (
        "import sys\nimport audio_umaps.config, audio_umaps.plan, audio_umaps.palette\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_config_check_names_a_colour_the_explorer_could_not_read():
    import yaml

    from audio_umaps import config

    base = yaml.safe_load((Path(__file__).parents[1] / "config/config.yaml").read_text())
    assert config.colour_problems(base) == []
    base["datasets"]["demo_external"]["colour"] = "tab:grey"
    with pytest.raises(
        config.ConfigError, match=r"config key 'datasets.demo_external.colour': 'tab:grey' is not a colour"
    ):
        config.check(base)
    # what the workflow refuses before any job runs: the colour, and a system not in predictions
    base["plots"]["colour_by_system"] = "nosuch"
    found = config.plot_problems(base, ["mysystem"])
    assert len(found) == 2 and "datasets.demo_external.colour" in found[0] and "nosuch" in found[1]
    base["datasets"]["demo_external"]["colour"] = "DarkGrey"
    base["plots"]["colour_by_system"] = "mysystem"
    assert config.plot_problems(base, ["mysystem"]) == []
    assert config.check(base)["datasets"]["demo_external"]["colour"] == "DarkGrey"


def test_a_plans_palette_names_its_devices_as_the_maps_do():
    from types import SimpleNamespace

    datasets = {
        "dcase2020": SimpleNamespace(sections={"slider": ("00", "02")}, colour=None, external=False),
        "dcase2023": SimpleNamespace(sections={"slider": ("00",), "my~20fan": ("00",)}, colour=None, external=False),
        "audioset": SimpleNamespace(sections={}, colour="#8c8c8c", external=True),
    }
    names = {"my~20fan": "my fan"}
    plan = SimpleNamespace(datasets=datasets, devices=["my~20fan", "slider"], device_name=lambda d: names.get(d, d))
    pal = palette.from_plan(plan)
    assert set(pal.families) == {"my fan", "slider"}
    assert pal.shared("slider") and not pal.shared("my fan")
    colours = pal.as_json()
    assert set(colours["section"]) == {
        "my fan/00",
        "slider (dcase2020)/00",
        "slider (dcase2020)/02",
        "slider (dcase2023)/00",
    }
    assert colours["external"] == {"audioset": "#8c8c8c"}
    assert colours["dataset"] == {
        "audioset": "#8c8c8c",
        "dcase2020": palette.DATASETS[0],
        "dcase2023": palette.DATASETS[1],
    }
