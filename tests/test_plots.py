import numpy as np
import pandas as pd
import pytest
from PIL import Image

from audio_umaps import plots

STYLE = {"width": 10, "height": 4, "dpi": 60}


def test_origin_cross_uses_energy_ranks():
    n = 700
    energy = np.arange(n)[::-1].astype(float)  # row i has rank n-1-i
    x = np.arange(n, dtype=float)
    points = pd.DataFrame({"energy": energy, "x": x, "y": 2 * x})
    cx, cy = plots.origin_cross(points, skip=500, take=100)
    ranks = np.arange(500, 600)  # 0-based ranks 500..599 are rows n-1-rank
    assert cx == pytest.approx((n - 1 - ranks).mean())
    assert cy == pytest.approx(2 * cx)


def test_origin_cross_absent_without_energy_or_points():
    points = pd.DataFrame({"energy": [np.nan] * 10, "x": range(10), "y": range(10)})
    assert plots.origin_cross(points, 2, 3) is None
    points["energy"] = 1.0
    assert plots.origin_cross(points, 10, 3) is None
    assert plots.origin_cross(points, 8, 5) == pytest.approx((8.5, 8.5))


def _embedding(with_unknown=False):
    rng = np.random.default_rng(0)
    rows = []
    for device in ("fan", "pump"):
        for section in ("00", "01"):
            for domain in ("source", "target"):
                for split, label in (("train", "normal"), ("test", "normal"), ("test", "anomaly")):
                    for f in range(3):
                        rows.append(dict(dataset="dev", kind="dcase2021", device=device, section=section,
                                         domain=domain, split=split, label=label, path=f"{device}{section}{domain}{split}{label}{f}"))
    if with_unknown:
        rows.append(dict(rows[-1], label="unknown", path="eval0"))
    for i in range(20):
        rows.append(dict(dataset="audioset", kind="folder", device="", section="", domain="", split="external",
                         label="unknown", path=f"ext{i % 4}"))
    emb = pd.DataFrame(rows)
    emb["x"], emb["y"] = rng.normal(size=(2, len(emb)))
    emb["energy"] = rng.uniform(size=len(emb))
    return emb


def test_plots_are_written(tmp_path):
    emb = _embedding()
    plots.plot_global(emb, tmp_path / "g.png", STYLE, {"audioset": "grey"}, "global")
    plots.plot_device(emb, "fan", tmp_path / "d.png", STYLE, {}, "fan")
    plots.plot_section(emb, "pump", "01", tmp_path / "s.png", STYLE, {"skip": 2, "take": 4}, "pump 01")
    for name in ("g.png", "d.png", "s.png"):
        with Image.open(tmp_path / name) as im:
            assert im.size[0] > 200 and im.size[1] > 150


def test_device_plot_adds_a_panel_for_unlabelled_windows(tmp_path):
    two, three = tmp_path / "two.png", tmp_path / "three.png"
    plots.plot_device(_embedding(), "pump", two, STYLE, {}, "pump")
    plots.plot_device(_embedding(with_unknown=True), "pump", three, STYLE, {}, "pump")
    with Image.open(two) as a, Image.open(three) as b:
        assert b.size[0] > a.size[0] * 1.2


def test_missing_device_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no windows of device 'valve'"):
        plots.plot_device(_embedding(), "valve", tmp_path / "v.png", STYLE, {}, "valve")
