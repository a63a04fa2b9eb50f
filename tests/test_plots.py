import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb, to_rgba
from PIL import Image

from audio_umaps import plots

STYLE = {"width": 10, "height": 4, "dpi": 60}
ORIGIN = {"skip": 2, "take": 4}
COLOURS = {"audioset": "grey"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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


# ---- helpers: what is on an axis ------------------------------------------------------------

def _visible(ax):
    """Scatter collections drawn on ax, without the invisible one that sets shared limits."""
    return [c for c in ax.collections if c.get_gid() != plots.LIMITS_GID]


def _is_shadow(collection):
    return collection.get_sizes()[0] == plots.SHADOW["s"]


def _points(collections):
    """All offsets of the collections as a sorted list of (x, y)."""
    return sorted(tuple(p) for c in collections for p in np.asarray(c.get_offsets()))


def _xy(rows):
    return sorted(map(tuple, rows[["x", "y"]].to_numpy()))


def _select(emb, **where):
    mask = np.ones(len(emb), dtype=bool)
    for column, value in where.items():
        mask &= (emb[column] == value).to_numpy()
    return emb[mask]


# ---- helpers: what is in the pixels ---------------------------------------------------------

def _render(fig, dpi=150):
    fig.set_dpi(dpi)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)


def _region(image, ax, inset=4):
    """The pixels inside ax's frame (the spines left out)."""
    box = ax.get_window_extent()  # display pixels, origin at the bottom left
    h = image.shape[0]
    return image[h - int(box.y1) + inset:h - int(box.y0) - inset,
                 int(box.x0) + inset:int(box.x1) - inset]


def _count(region, colour, alpha, tol=30):
    """Pixels within tol of ``colour`` drawn with ``alpha`` over white."""
    expected = alpha * 255 * np.array(to_rgb(colour)) + (1 - alpha) * 255
    return int((np.abs(region - expected).max(axis=-1) <= tol).sum())


def _palette(emb, device):
    rows = emb[(emb["kind"] != "folder") & (emb["device"] == device)]
    return plots._domain_colours(rows)


# ---- axis functions -------------------------------------------------------------------------

def test_device_panels_hold_their_test_windows_over_the_same_shadows():
    emb = _embedding()
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.plot_device_panel(left, emb, "fan", "normal", colours=COLOURS) is left
    assert plots.plot_device_panel(right, emb, "fan", "anomaly", colours=COLOURS) is right
    shadows = _xy(_select(emb, device="fan", split="train")) + _xy(_select(emb, kind="folder"))
    for ax, label in ((left, "normal"), (right, "anomaly")):
        drawn = _visible(ax)
        assert _points([c for c in drawn if not _is_shadow(c)]) == \
            _xy(_select(emb, device="fan", split="test", label=label))
        assert _points([c for c in drawn if _is_shadow(c)]) == sorted(shadows)
    # normal windows are the larger dots
    assert {c.get_sizes()[0] for c in _visible(left) if not _is_shadow(c)} == {6}
    assert {c.get_sizes()[0] for c in _visible(right) if not _is_shadow(c)} == {3}
    # each (section, domain) group of test windows in its own shade
    palette = _palette(emb, "fan")
    for c in _visible(left):  # every group, shadow or dot, in its colour
        row = emb[(emb["x"] == c.get_offsets()[0][0]) & (emb["y"] == c.get_offsets()[0][1])].iloc[0]
        expected = to_rgb("grey") if row.kind == "folder" else palette[(row.section, row.domain)]
        assert np.allclose(c.get_facecolors()[0][:3], expected)
    assert left.get_title() == "normal test windows (12)"
    assert right.get_title() == "anomalous test windows (12)"


def test_global_axis_draws_devices_and_external_shadows():
    emb = _embedding()
    fig, ax = plt.subplots()
    assert plots.plot_global(ax, emb, colours=COLOURS) is ax
    drawn = _visible(ax)
    shadows = [c for c in drawn if _is_shadow(c)]
    assert _points(shadows) == _xy(_select(emb, kind="folder"))
    assert all(np.allclose(c.get_facecolors()[0], to_rgba("grey", plots.SHADOW["alpha"]))
               for c in shadows)
    dots = [c for c in drawn if not _is_shadow(c)]
    assert _points(dots) == _xy(emb[emb["kind"] != "folder"])
    assert len(dots) == 4  # 2 devices x 2 sections, a shade each
    assert len({tuple(c.get_facecolors()[0]) for c in dots}) == 4
    labels = [h.get_label() for h in plots.global_handles(emb, colours=COLOURS)]
    assert labels == ["audioset (external)", "fan section 00", "fan section 01",
                      "pump section 00", "pump section 01"]


def test_section_panel_colours_files_and_draws_the_origin():
    emb = _embedding()
    rows = _select(emb, device="pump", section="01")
    fig, (with_cross, without) = plt.subplots(1, 2)
    plots.plot_section_panel(with_cross, emb, "pump", "01", "anomaly", origin=ORIGIN)
    plots.plot_section_panel(without, emb, "pump", "01", "anomaly")
    shadows, dots, cross = _visible(with_cross)
    assert _points([shadows]) == _xy(_select(rows, split="train"))
    assert _points([dots]) == _xy(_select(rows, split="test", label="anomaly"))
    assert len({tuple(c) for c in dots.get_facecolors()}) == 6  # 6 files, a colour each
    assert _points([cross]) == [pytest.approx(plots.origin_cross(rows, **ORIGIN))]
    assert len(_visible(without)) == 2  # no cross without an origin
    assert with_cross.get_title() == "anomalous test windows: 6 files, 6 windows"


def test_panels_share_limits_with_equal_aspect_and_no_ticks():
    fig = plots.device_figure(_embedding(), "fan", STYLE, colours=COLOURS)
    fig.canvas.draw()
    left, right = fig.axes
    assert left.get_xlim() == pytest.approx(right.get_xlim())
    assert left.get_ylim() == pytest.approx(right.get_ylim())
    for ax in (left, right):
        assert ax.get_aspect() == 1.0
        assert len(ax.get_xticks()) == 0 and len(ax.get_yticks()) == 0


# ---- figures, rendered ----------------------------------------------------------------------

def test_device_figure_shows_test_colours_in_the_right_panels():
    emb = _embedding()
    fig = plots.device_figure(emb, "fan", STYLE, colours=COLOURS, title="fan: mel, stack 5")
    assert fig.get_suptitle() == "fan: mel, stack 5"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "audioset (external)" and "train 00 source" in legend and "test 01 target" in legend
    image = _render(fig)
    left, right = (_region(image, ax) for ax in fig.axes)
    palette = _palette(emb, "fan")
    for colour in palette.values():
        assert _count(left, colour, 0.9) >= 3
        assert _count(right, colour, 0.9) >= 1

    # the same check fails on empty panels ...
    blank, axes = plt.subplots(1, 2, figsize=fig.get_size_inches())
    empty = _render(blank)
    assert all(_count(_region(empty, ax), c, 0.9) == 0 for ax in axes for c in palette.values())
    # ... and on a figure whose normal test windows are gone (shadows alone do not pass)
    gone = plots.device_figure(emb[~((emb["device"] == "fan") & (emb["split"] == "test")
                                     & (emb["label"] == "normal"))], "fan", STYLE, colours=COLOURS)
    left = _region(_render(gone), gone.axes[0])
    assert all(_count(left, c, 0.9) == 0 for c in palette.values())


def test_global_figure_shows_every_device_family():
    emb = _embedding()
    fig = plots.global_figure(emb, STYLE, colours=COLOURS, title="All devices")
    region = _region(_render(fig), fig.axes[0])
    groups = list(plots._global_groups(emb))
    assert len(groups) == 4
    for *_, colour, _ in groups:
        assert _count(region, colour, 0.7) >= 3
    assert _count(region, "grey", plots.SHADOW["alpha"], tol=6) >= 50  # external shadows
    blank, ax = plt.subplots(figsize=fig.get_size_inches())
    assert all(_count(_region(_render(blank), ax), c, 0.7) == 0 for *_, c, _ in groups)


def test_section_figure_draws_the_origin_cross_only_when_asked():
    emb = _embedding()
    with_cross = plots.section_figure(emb, "pump", "01", dict(STYLE, origin=ORIGIN))
    without = plots.section_figure(emb, "pump", "01", STYLE)
    assert [h.get_text() for h in with_cross.legends[0].get_texts()][-1] == \
        "approximate origin (energy ranks 3-6)"
    assert len(without.legends[0].get_texts()) == 2
    black = [sum(_count(_region(_render(f), ax), "black", 1.0, tol=40) for ax in f.axes)
             for f in (with_cross, without)]
    assert black[0] >= 100 and black[1] == 0
    # the test windows: a tab20 colour per file, on their panel
    image = _render(without)
    files = plots._file_colours(_select(emb, device="pump", section="01", split="test"))
    normal = _select(emb, device="pump", section="01", split="test", label="normal")["path"]
    assert sum(_count(_region(image, without.axes[0]), files[p], 0.9) >= 3 for p in normal) >= 4


def test_save_writes_the_figure_and_closes_it(tmp_path):
    emb = _embedding()
    fig = plots.device_figure(emb, "fan", STYLE)
    plots.save(fig, tmp_path / "fan.png", dpi=150)
    assert not plt.fignum_exists(fig.number)
    with Image.open(tmp_path / "fan.png") as im:
        pixels = np.asarray(im.convert("RGB")).astype(int)
    assert pixels.shape[1] > 1000
    assert all(_count(pixels, c, 0.9) >= 6 for c in _palette(emb, "fan").values())


# ---- panels, errors, titles -----------------------------------------------------------------

def test_device_plot_adds_a_panel_for_unlabelled_windows():
    assert plots.device_panels(_embedding(), "pump") == ["normal", "anomaly"]
    assert plots.device_panels(_embedding(with_unknown=True), "pump") == ["normal", "anomaly", "unknown"]
    two = plots.device_figure(_embedding(), "pump", STYLE)
    three = plots.device_figure(_embedding(with_unknown=True), "pump", STYLE)
    assert [ax.get_title() for ax in two.axes] == ["normal test windows (12)",
                                                   "anomalous test windows (12)"]
    assert [ax.get_title() for ax in three.axes] == ["normal test windows (12)",
                                                     "anomalous test windows (12)",
                                                     "unlabelled test windows (1)"]
    # the section holding the unlabelled window gets the third panel too, the other does not
    assert len(plots.section_figure(_embedding(with_unknown=True), "pump", "01", STYLE).axes) == 3
    assert len(plots.section_figure(_embedding(with_unknown=True), "pump", "00", STYLE).axes) == 2


def test_missing_device_is_an_error():
    emb = _embedding()
    before = plt.get_fignums()
    with pytest.raises(ValueError, match="no windows of device 'valve' in this embedding"):
        plots.device_figure(emb, "valve", STYLE)
    with pytest.raises(ValueError, match="no windows of device 'valve' in this embedding"):
        plots.device_panels(emb, "valve")
    with pytest.raises(ValueError, match="no windows of device 'fan' section '07' in this embedding"):
        plots.section_figure(emb, "fan", "07", STYLE)
    assert plt.get_fignums() == before  # no figure left open
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="no windows of device 'valve'"):
        plots.plot_device_panel(ax, emb, "valve", "normal")
    with pytest.raises(ValueError, match="no windows of device 'fan' section '07'"):
        plots.plot_section_panel(ax, emb, "fan", "07", "normal")
    with pytest.raises(ValueError, match="unknown panel label"):
        plots.plot_device_panel(ax, emb, "fan", "abnormal")


@pytest.mark.parametrize("column, flagged", [
    (None, False),
    ([False] * 3, False),
    (["False"] * 3, False),
    ([False, True, False], True),
    (["False", "True", "False"], True),
])
def test_title_flags_random_weights_only_when_the_column_says_so(column, flagged):
    emb = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    if column is not None:
        emb["random_weights"] = column
    expected = "fan: mel, stack 5" + (" (RANDOM TEST WEIGHTS, not OpenL3)" if flagged else "")
    assert plots.title("fan", "mel", 5, emb) == expected
