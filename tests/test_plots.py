import colorsys
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb, to_rgba
from PIL import Image

from audio_umaps import config, palette, plots, tables
from audio_umaps.plots import global_map, legends, shadows, style
from audio_umaps.plots.scores import score_norm
from audio_umaps.plots.section import file_colours

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


def _embedding(with_unknown=False, external="audioset"):
    rng = np.random.default_rng(0)
    rows = []
    for device in ("fan", "pump"):
        for section in ("00", "01"):
            for domain in ("source", "target"):
                for split, label in (("train", "normal"), ("test", "normal"), ("test", "anomaly")):
                    for f in range(3):
                        rows.append(
                            dict(
                                dataset="dev",
                                kind="dcase2021",
                                device=device,
                                section=section,
                                domain=domain,
                                split=split,
                                label=label,
                                path=f"/data/{device}/section_{section}_{domain}_{split}_{label}_{f:04d}.wav",
                            )
                        )
    if with_unknown:
        rows.append(dict(rows[-1], label="unknown", path="/data/pump/eval0.wav"))
    for i in range(20):
        rows.append(
            dict(
                dataset=external,
                kind="folder",
                device="",
                section="",
                domain="",
                split="external",
                label="unknown",
                path=f"ext{i % 4}",
            )
        )
    emb = pd.DataFrame(rows)
    emb["point"] = np.arange(len(emb))
    emb["x"], emb["y"] = rng.normal(size=(2, len(emb)))
    emb["energy"] = rng.uniform(size=len(emb))
    return emb


# ---- helpers: what is on an axis ------------------------------------------------------------


def _dots(ax, gid=None):
    """Scatter collections drawn on ax (optionally only those with a gid)."""
    return [c for c in ax.collections if isinstance(c, PathCollection) and (gid is None or c.get_gid() == gid)]


def _shadow(ax, kind="train"):
    """The shadow image of a kind drawn on ax (None when there is none)."""
    images = [im for im in ax.images if im.get_gid() == style.GID_SHADOWS[kind]]
    assert len(images) <= 1
    return images[0] if images else None


def _alpha(image):
    return np.asarray(image.get_array())[..., 3]


def _at(image, x, y):
    """The RGBA of an image's cell holding data point (x, y)."""
    x0, x1, y0, y1 = image.get_extent()
    rgba = np.asarray(image.get_array())
    ny, nx = rgba.shape[:2]
    i = min(int((y - y0) / (y1 - y0) * ny), ny - 1)
    j = min(int((x - x0) / (x1 - x0) * nx), nx - 1)
    return rgba[i, j]


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


def _texts(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def _parts(handle):
    return list(handle) if isinstance(handle, tuple) else [handle]


# ---- helpers: what is in the pixels ---------------------------------------------------------


def _render(fig, dpi=150):
    fig.set_dpi(dpi)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)


def _region(image, ax, inset=4):
    """The pixels inside ax's frame (the spines left out)."""
    box = ax.get_window_extent()  # display pixels, origin at the bottom left
    h = image.shape[0]
    return image[h - int(box.y1) + inset : h - int(box.y0) - inset, int(box.x0) + inset : int(box.x1) - inset]


def _count(region, colour, alpha, tol=30):
    """Pixels within tol of ``colour`` drawn with ``alpha`` over white."""
    expected = alpha * 255 * np.array(to_rgb(colour)) + (1 - alpha) * 255
    return int((np.abs(region - expected).max(axis=-1) <= tol).sum())


def _lab(colour):
    """A colour in CIELAB (D65): distances of about 10 and more are plainly different colours."""
    c = np.array(to_rgb(colour))
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    f = [np.cbrt(t) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz / [0.95047, 1.0, 1.08883]]
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _domains(emb, device):
    """The palette's colour of each (section, domain) of a device's map, as RGB."""
    pal = palette.from_table(emb)
    rows = emb[(emb["kind"] != "folder") & (emb["device"] == device)]
    return {(s, d): to_rgb(pal.domain(d, device, s)) for s, d in sorted(set(zip(rows["section"], rows["domain"])))}


# ---- shadows: translucent at any density ----------------------------------------------------


def test_shadow_opacity_falls_as_the_count_rises_and_never_reaches_opaque():
    top = style.SHADOW_OPACITY
    lone = [shadows.shadow_opacity(1.0, vmax, top) for vmax in (1, 10, 1_000, 100_000)]
    assert all(a > b for a, b in zip(lone, lone[1:]))  # a lone window fades as piles grow
    assert lone[0] == pytest.approx(top) and lone[-1] > top * style.SHADOW_FLOOR  # still visible
    piles = np.array([0.0, 0.01, 1.0, 50.0, 1e4, 1e6])
    opacity = shadows.shadow_opacity(piles, 1e6, top)
    assert opacity[0] == 0 and np.all(np.diff(opacity) > 0) and opacity.max() == pytest.approx(top)
    assert style.SHADOW_OPACITY < 1 and style.EXTERNAL_OPACITY < style.SHADOW_OPACITY
    # the kernel narrows as windows grow beyond SHADOW_WIDE_UP_TO, within its bounds
    widths = [shadows.shadow_width(n) for n in (10, 2_000, 20_000, 10**7)]
    assert widths[0] == widths[1] == style.SHADOW_WIDTH
    assert widths[1] > widths[2] > widths[3] == pytest.approx(style.SHADOW_WIDTH * style.SHADOW_NARROWEST)


def _piled(n_train, rng):
    """A fan map whose n_train training windows are piled up at (0, 0), plus one lone training
    window at (3, 3) of another section, test windows around and external windows on the pile."""
    train = pd.DataFrame(
        dict(
            dataset="dev",
            kind="dcase2021",
            device="fan",
            section="00",
            domain="source",
            split="train",
            label="normal",
            path="t.wav",
            x=rng.normal(0, 1e-3, n_train),
            y=rng.normal(0, 1e-3, n_train),
        )
    )
    lone = train.iloc[:1].assign(section="01", x=3.0, y=3.0)
    test = pd.DataFrame(
        dict(
            dataset="dev",
            kind="dcase2021",
            device="fan",
            section="00",
            domain="source",
            split="test",
            label=["normal", "anomaly"] * 4,
            path="s.wav",
            x=np.linspace(-4, 4, 8),
            y=np.linspace(4, -4, 8),
        )
    )
    ext = pd.DataFrame(
        dict(
            dataset="audioset",
            kind="folder",
            device="",
            section="",
            domain="",
            split="external",
            label="unknown",
            path="e.wav",
            x=rng.normal(0, 1e-3, 5000),
            y=rng.normal(0, 1e-3, 5000),
        )
    )
    emb = pd.concat([train, lone, test, ext], ignore_index=True)
    emb["point"] = np.arange(len(emb))
    return emb


def test_stacked_shadows_stay_translucent_however_many_windows_pile_up():
    rng = np.random.default_rng(1)
    sparse, dense = _piled(10, rng), _piled(60_000, rng)
    lone_alpha = []
    for emb in (sparse, dense):
        fig = plots.device_figure(emb, "fan", STYLE, colours=COLOURS)
        left, right = fig.axes[:2]
        train, external = _shadow(left), _shadow(left, "external")
        assert _alpha(train).max() <= style.SHADOW_OPACITY + 1e-9
        assert _alpha(external).max() <= style.EXTERNAL_OPACITY + 1e-9
        # both layers on the pile: still well short of opaque
        stacked = 1 - (1 - _at(train, 0, 0)[3]) * (1 - _at(external, 0, 0)[3])
        assert stacked <= 1 - (1 - style.SHADOW_OPACITY) * (1 - style.EXTERNAL_OPACITY) + 1e-9 < 0.7
        lone_alpha.append(_at(train, 3, 3)[3])
        # in the pixels: the pile's centre is no darker than the colour at that opacity
        colour = np.array(_domains(emb, "fan")[("00", "source")])
        image = _render(fig)
        px, py = left.transData.transform((0.0, 0.0))
        pile = image[image.shape[0] - int(round(py)), int(round(px))]
        floor = 255 * (1 - stacked * (1 - np.minimum(colour, to_rgb("grey"))))
        assert np.all(pile >= floor - 8) and pile.min() < 235  # shaded, yet far from opaque
        # identical shadows on both panels
        assert np.array_equal(np.asarray(train.get_array()), np.asarray(_shadow(right).get_array()))
    # the lone window fades as the map's count rises, but stays visible
    assert lone_alpha[0] > lone_alpha[1] > style.SHADOW_OPACITY * style.SHADOW_FLOOR * 0.9


def test_dots_shrink_and_fade_with_the_count_but_stay_visible():
    small, large, huge = (style.dot_style(n, "normal") for n in (100, 20_000, 10**7))
    assert small["s"] == 6 and small["alpha"] == pytest.approx(0.9)
    assert small["s"] > large["s"] > huge["s"] == style.DOT_SMALLEST
    assert small["alpha"] > large["alpha"] > huge["alpha"] == style.DOT_ALPHA[0]
    assert style.dot_style(100, "anomaly")["s"] == 3
    # dots are always drawn above both shadow layers
    assert small["zorder"] > max(style.SHADOW_ZORDER.values())


# ---- device panels --------------------------------------------------------------------------


def test_device_panels_hold_their_test_windows_over_the_same_shadows():
    emb = _embedding()
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.plot_device_panel(left, emb, "fan", "normal", colours=COLOURS) is left
    assert plots.plot_device_panel(right, emb, "fan", "anomaly", colours=COLOURS) is right
    domains = _domains(emb, "fan")
    for ax, label in ((left, "normal"), (right, "anomaly")):
        assert _points(_dots(ax)) == _xy(_select(emb, device="fan", split="test", label=label))
        for c in _dots(ax):  # each (section, domain) group in its shade, opaque enough to stand out
            row = emb[(emb["x"] == c.get_offsets()[0][0]) & (emb["y"] == c.get_offsets()[0][1])].iloc[0]
            assert np.allclose(c.get_facecolors()[0][:3], domains[(row.section, row.domain)])
            assert c.get_alpha() == pytest.approx(0.9)
            assert c.get_zorder() > _shadow(ax).get_zorder() > _shadow(ax, "external").get_zorder()
        # training shadows where the training windows are, in their group's colour
        train = _shadow(ax)
        assert train.windows == len(_select(emb, device="fan", split="train"))
        for _, rows in _select(emb, device="fan", split="train").groupby(["section", "domain"]):
            # a training window's own cell is shaded, in a colour near its group's (groups overlap)
            cells = np.array([_at(train, x, y) for x, y in rows[["x", "y"]].to_numpy()])
            assert (cells[:, 3] > 0.05).all()
        external = _shadow(ax, "external")
        assert external.windows <= 20 and _alpha(external).max() <= style.EXTERNAL_OPACITY + 1e-9
    # normal windows are the larger dots
    assert {c.get_sizes()[0] for c in _dots(left)} == {6}
    assert {c.get_sizes()[0] for c in _dots(right)} == {3}
    assert left.get_title() == "normal test windows (12)"
    assert right.get_title() == "anomalous test windows (12)"


def test_shadow_colour_is_the_groups_where_it_is_alone():
    emb = _embedding()
    train = (emb["device"] == "fan") & (emb["split"] == "train")
    emb.loc[train & (emb["section"] == "00") & (emb["domain"] == "source"), ["x", "y"]] = [10.0, 10.0]
    fig, ax = plt.subplots()
    plots.plot_device_panel(ax, emb, "fan", "normal")
    rgba = _at(_shadow(ax), 10.0, 10.0)
    assert np.allclose(rgba[:3], _domains(emb, "fan")[("00", "source")], atol=1e-6)
    assert rgba[3] == pytest.approx(style.SHADOW_OPACITY)  # the layer's densest place


def test_device_legend_shows_what_is_drawn():
    emb = _embedding()
    fig, (left, right) = plt.subplots(1, 2)
    plots.plot_device_panel(left, emb, "fan", "normal", colours=COLOURS)
    handles = plots.device_handles(emb, "fan", colours=COLOURS)
    external, *groups = handles
    assert external.get_label() == "audioset (external): 20 windows"
    assert to_rgba(external.get_color()) == to_rgba("grey")
    assert external.get_alpha() == style.EXTERNAL_OPACITY == pytest.approx(_alpha(_shadow(left, "external")).max())
    domains = _domains(emb, "fan")
    drawn = {tuple(np.round(c.get_facecolors()[0][:3], 6)): c for c in _dots(left)}
    assert len(groups) == len(domains) == 4
    for handle, (key, colour) in zip(groups, sorted(domains.items())):
        shadow, dot = _parts(handle)
        assert shadow.get_label() == dot.get_label() == f"{key[0]} {key[1]}: train 3 · test 6"
        assert np.allclose(to_rgb(shadow.get_color()), colour) and shadow.get_alpha() == style.SHADOW_OPACITY
        assert shadow.get_alpha() == pytest.approx(_alpha(_shadow(left)).max())  # its densest place
        collection = drawn[tuple(np.round(colour, 6))]
        assert np.allclose(to_rgb(dot.get_color()), collection.get_facecolors()[0][:3])
        assert dot.get_alpha() == pytest.approx(collection.get_alpha())
    # the figure's legend lists the same entries, titled with what shadows and dots are
    fig = plots.device_figure(emb, "fan", STYLE, colours=COLOURS)
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [legends.label_of(h) for h in handles]
    assert "shadows: training windows" in legend.get_title().get_text()


@pytest.mark.parametrize(
    "name, label",
    [
        ("external", "external: 20 windows"),
        ("demo_external", "demo_external: 20 windows"),
        ("audioset", "audioset (external): 20 windows"),
    ],
)
def test_external_legend_says_external_once(name, label):
    emb = _embedding(external=name)
    assert plots.device_handles(emb, "fan")[0].get_label() == label
    assert plots.global_handles(emb)[0].get_label() == label


def test_external_data_does_not_crowd_out_the_device():
    emb = _embedding()
    far = emb["kind"] == "folder"
    emb.loc[far & (emb["path"] == "ext0"), ["x", "y"]] = [100.0, 100.0]  # 5 windows far away
    fig, ax = plt.subplots()
    plots.plot_device_panel(ax, emb, "fan", "normal", colours=COLOURS)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    fan = _select(emb, device="fan")
    assert x0 < fan["x"].min() and fan["x"].max() < x1 and y0 < fan["y"].min() and fan["y"].max() < y1
    assert x1 < 50 and y1 < 50  # limits follow the device's own windows, not the far external ones
    assert _texts(ax, style.GID_OUTSIDE) == ["5 of 20 external windows lie outside this view"]
    assert _shadow(ax, "external").windows == 20  # (counted; the far ones fall outside its grid)
    # thinner than the device's own shadows
    assert style.EXTERNAL_WIDTH < 1
    # without far windows, no note
    fig, ax = plt.subplots()
    plots.plot_device_panel(ax, _embedding(), "fan", "normal", colours=COLOURS)
    inside = shadows.inside(ax, _select(_embedding(), kind="folder"))
    assert _texts(ax, style.GID_OUTSIDE) == (
        [] if inside.all() else [f"{(~inside).sum()} of 20 external windows lie outside this view"]
    )


def test_panels_share_limits_with_equal_aspect_and_no_ticks():
    fig = plots.device_figure(_embedding(), "fan", STYLE, colours=COLOURS)
    fig.canvas.draw()
    left, right = fig.axes
    assert left.get_xlim() == pytest.approx(right.get_xlim())
    assert left.get_ylim() == pytest.approx(right.get_ylim())
    for ax in (left, right):
        assert ax.get_aspect() == 1.0
        assert len(ax.get_xticks()) == 0 and len(ax.get_yticks()) == 0


# ---- empty panels ---------------------------------------------------------------------------


def test_an_empty_panel_says_why():
    emb = _embedding()
    no_anomalies = emb[~((emb["split"] == "test") & (emb["label"] == "anomaly"))]
    fig = plots.device_figure(no_anomalies, "fan", STYLE)
    left, right = fig.axes
    assert _texts(left, style.GID_EMPTY) == []
    (note,) = _texts(right, style.GID_EMPTY)
    assert right.get_title() == "anomalous test windows (0)"
    assert re.sub(r"\s+", " ", note) == (
        "No anomalous test windows in this map: the scope's test data has none labelled anomalous."
    )
    # evaluation data: every test label unknown
    unlabelled = emb.copy()
    unlabelled.loc[unlabelled["split"] == "test", "label"] = "unknown"
    fig = plots.device_figure(unlabelled, "fan", STYLE)
    assert [ax.get_title() for ax in fig.axes] == [
        "normal test windows (0)",
        "anomalous test windows (0)",
        "unlabelled test windows (24)",
    ]
    for ax in fig.axes[:2]:
        (note,) = _texts(ax, style.GID_EMPTY)
        assert "without ground truth" in re.sub(r"\s+", " ", note)
    assert _texts(fig.axes[2], style.GID_EMPTY) == []
    # the global and section panels say so too
    fig = plots.global_figure(no_anomalies, STYLE)
    assert "none labelled anomalous" in re.sub(r"\s+", " ", _texts(fig.axes[1], style.GID_EMPTY)[0])
    fig = plots.section_figure(no_anomalies, "fan", "00", STYLE)
    assert "in this section" in re.sub(r"\s+", " ", _texts(fig.axes[1], style.GID_EMPTY)[0])
    # the note is in the pixels: dark text inside the panel, none on a filled panel
    image = _render(plots.device_figure(no_anomalies, "fan", STYLE))
    assert (_region(image, plt.gcf().axes[1]).max(axis=-1) < 80).sum() > 50


# ---- global plot ----------------------------------------------------------------------------


def test_global_figure_is_a_dual_plot_normal_left_anomalies_right():
    emb = _embedding()
    fig = plots.global_figure(emb, STYLE, colours=COLOURS, title="All devices")
    left, right = fig.axes
    internal = emb[emb["kind"] != "folder"]
    assert _points(_dots(left)) == _xy(_select(internal, split="test", label="normal"))
    assert _points(_dots(right)) == _xy(_select(internal, split="test", label="anomaly"))
    assert left.get_title() == "normal test windows (24)" and right.get_title() == "anomalous test windows (24)"
    groups = list(global_map.global_groups(emb))
    assert len(groups) == 4 and len({tuple(c.get_facecolors()[0]) for c in _dots(left)}) == 4
    for ax in (left, right):  # training and external windows as shadows on both panels
        assert _shadow(ax).windows == len(_select(internal, split="train"))
        assert _shadow(ax, "external").windows == 20
        assert np.array_equal(np.asarray(_shadow(ax).get_array()), np.asarray(_shadow(left).get_array()))
    assert left.get_xlim() == pytest.approx(right.get_xlim())
    labels = [legends.label_of(h) for h in plots.global_handles(emb, colours=COLOURS)]
    assert labels == [
        "audioset (external): 20 windows",
        "fan section 00: train 6 · test 12",
        "fan section 01: train 6 · test 12",
        "pump section 00: train 6 · test 12",
        "pump section 01: train 6 · test 12",
    ]
    # each device section's colour is in the pixels of both panels
    image = _render(fig)
    for *_, colour, _ in groups:
        assert _count(_region(image, left), colour, 0.9) >= 3
        assert _count(_region(image, right), colour, 0.9) >= 1
    blank, axes = plt.subplots(1, 2, figsize=fig.get_size_inches())
    assert all(_count(_region(_render(blank), ax), c, 0.9) == 0 for ax in axes for *_, c, _ in groups)
    # a third panel for unlabelled evaluation windows
    assert len(plots.global_figure(_embedding(with_unknown=True), STYLE).axes) == 3


def test_global_colours_are_the_devices_families_not_the_domains():
    emb = _embedding()
    fig = plots.global_figure(emb, STYLE)
    drawn = {tuple(np.round(c.get_facecolors()[0][:3], 6)) for ax in fig.axes for c in _dots(ax)}
    families = palette.device_families(["fan", "pump"])
    expected = {tuple(np.round(to_rgb(palette.shade(families[d], i, 2)), 6)) for d in ("fan", "pump") for i in (0, 1)}
    assert drawn == expected
    assert families == {
        "fan": palette.FAMILIES[palette.KNOWN_DEVICES["fan"]],
        "pump": palette.FAMILIES[palette.KNOWN_DEVICES["pump"]],
    }
    # a device plot's colours (the domains) are none of the global plot's
    device = plots.device_figure(emb, "fan", STYLE)
    domains = {tuple(np.round(c.get_facecolors()[0][:3], 6)) for ax in device.axes for c in _dots(ax)}
    assert len(domains) == 4 and not domains & drawn
    # external data without a configured colour: the palette's grey
    (external,) = [h for h in plots.global_handles(emb) if not isinstance(h, tuple)]
    assert to_rgb(external.get_color()) == to_rgb(palette.EXTERNAL)


def _two_sliders():
    """Two datasets whose device is called slider (DCASE 2020 without domains, DCASE 2023)."""
    emb = _embedding()
    emb = emb[(emb["device"] == "fan") | (emb["kind"] == "folder")].copy()
    fan = emb["device"] == "fan"
    old = fan & (emb["section"] == "00") & (emb["domain"] == "source")
    new = fan & (emb["section"] == "00")
    emb = pd.concat(
        [emb[old].assign(dataset="dcase2020", domain="none"), emb[new].assign(dataset="dcase2023"), emb[~fan]],
        ignore_index=True,
    ).assign(device=lambda t: t["device"].replace("fan", "slider"))
    emb["point"] = np.arange(len(emb))
    return emb


def test_datasets_sharing_a_device_name_are_told_apart():
    emb = _two_sliders()
    labels = [legends.label_of(h) for h in plots.global_handles(emb)]
    assert labels[1:] == [
        "slider (dcase2020) section 00: train 3 · test 6",
        "slider (dcase2023) section 00: train 6 · test 12",
    ]
    fig = plots.global_figure(emb, STYLE)
    colours = {tuple(np.round(c.get_facecolors()[0][:3], 6)) for c in _dots(fig.axes[0])}
    assert len(colours) == 2  # one shade of slider's family each
    labels = [legends.label_of(h) for h in plots.device_handles(emb, "slider")]
    assert labels[1:] == [
        "dcase2020 id 00: train 3 · test 6",
        "dcase2023 00 source: train 3 · test 6",
        "dcase2023 00 target: train 3 · test 6",
    ]
    fig = plots.device_figure(emb, "slider", STYLE)
    colours = {tuple(np.round(c.get_facecolors()[0][:3], 6)) for c in _dots(fig.axes[0])}
    assert len(colours) == 3  # DCASE 2020's id 00 and DCASE 2023's source are no longer one blue
    texts = [t.get_text() for t in plots.section_figure(emb, "slider", "00", STYLE).legends[0].get_texts()]
    assert texts[:3] == ["train dcase2020 id 00: 3", "train dcase2023 00 source: 3", "train dcase2023 00 target: 3"]


# ---- section plot ---------------------------------------------------------------------------


def test_section_panel_colours_files_and_draws_the_origin():
    emb = _embedding()
    rows = _select(emb, device="pump", section="01")
    fig, (with_cross, without) = plt.subplots(1, 2)
    plots.plot_section_panel(with_cross, emb, "pump", "01", "anomaly", origin=ORIGIN)
    plots.plot_section_panel(without, emb, "pump", "01", "anomaly")
    dots, cross = _dots(with_cross)
    assert _shadow(with_cross).windows == len(_select(rows, split="train"))
    assert _points([dots]) == _xy(_select(rows, split="test", label="anomaly"))
    assert len({tuple(c) for c in dots.get_facecolors()}) == 6  # 6 files, a colour each
    assert _points([cross]) == [pytest.approx(plots.origin_cross(rows, **ORIGIN))]
    assert len(_dots(without)) == 1  # no cross without an origin
    assert with_cross.get_title() == "anomalous test windows: 6 files, 6 windows"
    # no file is drawn in a domain's colour, the anomaly's red or grey: those keep their meaning
    for colour in style.FILE_COLOURS:
        assert colorsys.rgb_to_hls(*to_rgb(colour))[2] > 0.2  # not grey
        for fixed in (palette.DOMAINS["source"], palette.DOMAINS["target"], palette.LABELS["anomaly"]):
            assert np.linalg.norm(_lab(colour) - _lab(fixed)) > 25, (colour, fixed)


def test_section_legend_names_the_files_in_their_colours():
    emb = _embedding()
    fig = plots.section_figure(emb, "pump", "01", dict(STYLE, origin=ORIGIN))
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts[:4] == [
        "train 01 source: 3",
        "train 01 target: 3",
        "approximate origin (energy ranks 3-6)",
        "test files (section_01_…):",
    ]
    test = _select(emb, device="pump", section="01", split="test")
    files = file_colours(test)
    stems = [Path(p).stem.removeprefix("section_01_") for p in sorted(files)]
    assert texts[4:] == stems  # 12 files: all listed, no "more" line
    handles = plots.section_handles(emb, "pump", "01", origin=ORIGIN)
    assert [to_rgb(h.get_color()) for h in handles[:2]] == [to_rgb(palette.DOMAINS[d]) for d in ("source", "target")]
    dots = {tuple(np.round(c, 6)) for ax in fig.axes for d in _dots(ax)[:1] for c in d.get_facecolors()[:, :3]}
    for handle, path in zip(handles[4:], sorted(files)):
        assert np.allclose(to_rgba(handle.get_color())[:3], to_rgb(files[path]))
        assert tuple(np.round(to_rgb(handle.get_color()), 6)) in dots
    # many files: the first FILES_LISTED named, then how many are not
    many = pd.concat(
        [emb]
        + [
            _select(emb, device="pump", section="01", split="test").assign(
                path=lambda t, i=i: t["path"].str.replace(".wav", f"_x{i:02d}.wav")
            )
            for i in range(3)
        ],
        ignore_index=True,
    )
    texts = [legends.label_of(h) for h in plots.section_handles(many, "pump", "01")]
    assert len(texts) == 2 + 1 + style.FILES_LISTED + 1
    assert texts[-1].startswith(f"… and {48 - style.FILES_LISTED} more files, not listed")


def test_section_shadows_are_the_domains_own_colours():
    emb = _embedding()
    train = (emb["device"] == "pump") & (emb["section"] == "01") & (emb["split"] == "train")
    emb.loc[train & (emb["domain"] == "source"), ["x", "y"]] = [10.0, 10.0]
    emb.loc[train & (emb["domain"] == "target"), ["x", "y"]] = [-10.0, -10.0]
    fig, ax = plt.subplots()
    plots.plot_section_panel(ax, emb, "pump", "01", "normal")
    for domain, (x, y) in (("source", (10.0, 10.0)), ("target", (-10.0, -10.0))):
        assert np.allclose(_at(_shadow(ax), x, y)[:3], to_rgb(palette.DOMAINS[domain]), atol=1e-6)
    # the device plot shows the same domains, at the section's shade
    assert _domains(emb, "pump")[("01", "target")] == to_rgb(palette.shade(palette.DOMAINS["target"], 1, 2))


def test_file_names_drop_the_shared_prefix_at_an_underscore():
    assert plots.file_names(
        ["/a/section_00_source_test_normal_0000.wav", "/b/section_00_target_test_anomaly_0001.wav"]
    ) == ("section_00_", ["source_test_normal_0000", "target_test_anomaly_0001"])
    assert plots.file_names(["x/abc.wav", "x/abd.wav"]) == ("", ["abc", "abd"])
    assert plots.file_names(["x/a_1.wav", "x/a_.wav"]) == ("", ["a_1", "a_"])  # nothing left of one
    assert plots.file_names(["x/only_one.wav"]) == ("", ["only_one"])


def test_section_figure_draws_the_origin_cross_only_when_asked():
    emb = _embedding()
    with_cross = plots.section_figure(emb, "pump", "01", dict(STYLE, origin=ORIGIN))
    without = plots.section_figure(emb, "pump", "01", STYLE)
    assert "approximate origin (energy ranks 3-6)" in [t.get_text() for t in with_cross.legends[0].get_texts()]
    assert not any("origin" in t.get_text() for t in without.legends[0].get_texts())
    black = [sum(_count(_region(_render(f), ax), "black", 1.0, tol=40) for ax in f.axes) for f in (with_cross, without)]
    assert black[0] >= 100 and black[1] == 0
    # the test windows: a colour per file, on their panel
    image = _render(without)
    files = file_colours(_select(emb, device="pump", section="01", split="test"))
    normal = _select(emb, device="pump", section="01", split="test", label="normal")["path"]
    assert sum(_count(_region(image, without.axes[0]), files[p], 0.9) >= 3 for p in normal) >= 4


# ---- figures, rendered ----------------------------------------------------------------------


def test_device_figure_shows_test_colours_in_the_right_panels():
    emb = _embedding()
    fig = plots.device_figure(emb, "fan", STYLE, colours=COLOURS, title="fan: mel, stack 5")
    assert fig.get_suptitle() == "fan: mel, stack 5"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "audioset (external): 20 windows" and "01 target: train 3 · test 6" in legend
    image = _render(fig)
    left, right = (_region(image, ax) for ax in fig.axes)
    domains = _domains(emb, "fan")
    tol = 15  # (the lightest shade at 0.9 is within 30 of where all four pale shadows mix)
    for colour in domains.values():
        assert _count(left, colour, 0.9, tol) >= 3
        assert _count(right, colour, 0.9, tol) >= 1

    # the same check fails on empty panels ...
    blank, axes = plt.subplots(1, 2, figsize=fig.get_size_inches())
    empty = _render(blank)
    assert all(_count(_region(empty, ax), c, 0.9, tol) == 0 for ax in axes for c in domains.values())
    # ... and on a figure whose normal test windows are gone (shadows alone do not pass)
    gone = plots.device_figure(
        emb[~((emb["device"] == "fan") & (emb["split"] == "test") & (emb["label"] == "normal"))],
        "fan",
        STYLE,
        colours=COLOURS,
    )
    left = _region(_render(gone), gone.axes[0])
    assert all(_count(left, c, 0.9, tol) == 0 for c in domains.values())


def test_save_writes_the_figure_and_closes_it(tmp_path):
    emb = _embedding()
    fig = plots.device_figure(emb, "fan", STYLE)
    plots.save(fig, tmp_path / "fan.png", dpi=150)
    assert not plt.fignum_exists(fig.number)
    with Image.open(tmp_path / "fan.png") as im:
        pixels = np.asarray(im.convert("RGB")).astype(int)
    assert pixels.shape[1] > 1000
    assert all(_count(pixels, c, 0.9) >= 6 for c in _domains(emb, "fan").values())


# ---- a system's scores ----------------------------------------------------------------------


def _scores(emb, seed=2):
    """A file score and decision of every test window (per file, as the metrics join them)."""
    rng = np.random.default_rng(seed)
    test = emb[emb["split"] == "test"]
    files = sorted(test["path"].unique())
    score = dict(zip(files, rng.normal(size=len(files))))
    decision = dict(zip(files, rng.integers(0, 2, size=len(files))))
    return pd.DataFrame(
        {"point": test["point"], "score": test["path"].map(score), "decision": test["path"].map(decision).astype(float)}
    )


def test_system_scores_colour_the_test_windows_and_outline_wrong_decisions():
    emb = _embedding()
    scores = _scores(emb)
    scores.loc[scores.index[0], ["score", "decision"]] = np.nan  # a window without a score
    fig = plots.device_figure(emb, "fan", STYLE, scores=scores, system="mysystem")
    left, right, bar = fig.axes
    test = _select(emb, device="fan", split="test").merge(scores, on="point")
    norm = score_norm(test["score"])
    for ax, label, error in ((left, "normal", "false-positives"), (right, "anomaly", "false-negatives")):
        rows = test[test["label"] == label]
        (coloured,) = _dots(ax, "scores")
        scored = rows[rows["score"].notna()]
        assert _points([coloured]) == _xy(scored)
        assert coloured.get_cmap() is style.SCORE_CMAP
        assert (coloured.norm.vmin, coloured.norm.vmax) == pytest.approx((norm.vmin, norm.vmax))
        assert sorted(np.asarray(coloured.get_array())) == pytest.approx(sorted(scored["score"]))
        wrong = rows[rows["decision"] == style.ERRORS[label][1]]
        (halo,) = _dots(ax, error)
        assert _points([halo]) == _xy(wrong)
        assert np.allclose(halo.get_facecolors()[0][:3], to_rgb(style.WRONG_DECISION_COLOUR))
        assert halo.get_zorder() < coloured.get_zorder()  # an outline beneath the dots
        assert halo.get_sizes()[0] > coloured.get_sizes()[0]
        n_files = rows["path"].nunique()
        name = style.ERRORS[label][0]
        assert ax.get_title().endswith(f"\n{wrong['path'].nunique()} of {n_files} files {name}s of mysystem")
    assert _points(_dots(left, "no-score")) == _xy(test[test["score"].isna()])
    # the colour bar spans the same scale; the dual layout and shadows stay
    assert bar.get_xlim() == pytest.approx((norm.vmin, norm.vmax))
    assert "mysystem" in bar.get_xlabel()
    assert _shadow(left) is not None and _shadow(right) is not None
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "no score from mysystem" in labels and any(
        t.startswith("outlined: a wrong decision of mysystem") for t in labels
    )
    assert "train 00 source: 3" in labels


def test_read_scores_takes_the_systems_columns(tmp_path):
    table = pd.DataFrame(
        {
            "point": [0, 1, 2],
            "x": [0.0, 1.0, 2.0],
            "score_mysystem": [0.5, "", 2.0],
            "decision_mysystem": [1, "", 0],
            "score_other": [9, 9, 9],
        }
    )
    table.to_csv(tmp_path / "fan.points.tsv", sep="\t", index=False)
    scores = tables.read_scores(tmp_path / "fan.points.tsv", "mysystem")
    assert list(scores.columns) == ["point", "score", "decision"]
    assert scores["score"].tolist()[::2] == [0.5, 2.0] and np.isnan(scores["score"][1])
    with pytest.raises(ValueError, match="no column score_absent, decision_absent.*'predictions'"):
        tables.read_scores(tmp_path / "fan.points.tsv", "absent")
    pd.DataFrame(columns=["point"]).to_csv(tmp_path / "skipped.points.tsv", sep="\t", index=False)
    assert tables.read_scores(tmp_path / "skipped.points.tsv", "mysystem").empty


def test_colour_by_system_must_name_a_system_of_predictions():
    assert config.system_problem(None, []) is None
    assert config.system_problem("mysystem", ["mysystem", "other"]) is None
    assert config.system_problem("nosuch", ["mysystem", "other"]) == (
        "config key 'plots.colour_by_system' is 'nosuch', which is not a system of config key "
        "'predictions' (systems: 'mysystem', 'other'): name one of them, or set it to null to colour "
        "the test windows by section and domain"
    )
    assert "(systems: none configured)" in config.system_problem("mysystem", {})


@pytest.mark.workflow  # (a Snakemake dry run)
def test_colour_by_system_makes_the_device_plot_read_the_points_table(tmp_path):
    """The workflow's wiring, in one dry run (the default, null, is test_workflow's
    test_single_target: a device plot without metrics)."""
    from conftest import prepare, snakemake, tiny_demo

    config = tiny_demo()
    (tmp_path / "submission").mkdir()  # (a missing folder stops the run when it is parsed)
    config["predictions"] = {"mysystem": str(tmp_path / "submission")}
    config["plots"]["colour_by_system"] = "mysystem"
    path = prepare(tmp_path, config)
    proc = snakemake("results/plots/mel/stack5/fan.png", "-n", "--directory", str(tmp_path), "--configfile", str(path))
    out = proc.stdout + proc.stderr
    plot_job = out[out.index("rule plot_device:") :]
    assert "results/metrics/mel/stack5/fan.points.tsv" in plot_job.split("output:")[0]
    assert re.search(r"^metrics\s+1$", out, re.M) and re.search(r"^predictions\s+1$", out, re.M)


# ---- panels, errors, titles -----------------------------------------------------------------


def test_device_plot_adds_a_panel_for_unlabelled_windows():
    assert plots.device_panels(_embedding(), "pump") == ["normal", "anomaly"]
    assert plots.device_panels(_embedding(with_unknown=True), "pump") == ["normal", "anomaly", "unknown"]
    two = plots.device_figure(_embedding(), "pump", STYLE)
    three = plots.device_figure(_embedding(with_unknown=True), "pump", STYLE)
    assert [ax.get_title() for ax in two.axes] == ["normal test windows (12)", "anomalous test windows (12)"]
    assert [ax.get_title() for ax in three.axes] == [
        "normal test windows (12)",
        "anomalous test windows (12)",
        "unlabelled test windows (1)",
    ]
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
    with pytest.raises(ValueError, match="unknown panel label"):
        plots.plot_global_panel(ax, emb, "abnormal")


def test_folder_figure_still_colours_each_dataset():
    emb = _embedding()
    folders = pd.concat([_select(emb, kind="folder"), _select(emb, kind="folder").assign(dataset="other")])
    fig = plots.folder_figure(folders, STYLE, by="dataset", title="All folders")
    (ax,) = fig.axes
    assert _points(_dots(ax)) == _xy(folders)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["audioset (20)", "other (20)"]
    assert fig.legends[0].get_title().get_text() == ""
    # datasets in the palette's dataset colours, a configured colour first; the legend agrees
    fig = plots.folder_figure(folders, STYLE, by="dataset", colours={"other": "#123456"})
    (ax,) = fig.axes
    drawn = {tuple(np.round(c.get_facecolors()[0][:3], 6)) for c in _dots(ax)}
    assert drawn == {tuple(np.round(to_rgb(c), 6)) for c in (palette.DATASETS[0], "#123456")}
    legend = [to_rgb(h.get_color()) for h in fig.legends[0].legend_handles]
    assert legend == [to_rgb(palette.DATASETS[0]), to_rgb("#123456")]


def test_folder_figure_colours_sub_folders_in_turn_the_largest_first():
    emb = _select(_embedding(), kind="folder").assign(subfolder=[f"f{i % 3}" for i in range(20)])
    emb.loc[emb.index[:2], "subfolder"] = "f1"  # f1: 8 windows, f0: 6, f2: 6
    fig = plots.folder_figure(emb, STYLE)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["f1 (8)", "f0 (6)", "f2 (6)"]
    (ax,) = fig.axes
    for collection, colour in zip(_dots(ax), palette.IDENTITIES):
        assert np.allclose(collection.get_facecolors()[0][:3], to_rgb(colour))


@pytest.mark.parametrize(
    "column, flagged",
    [
        (None, False),
        ([False] * 3, False),
        (["False"] * 3, False),
        ([False, True, False], True),
        (["False", "True", "False"], True),
    ],
)
def test_title_flags_random_weights_only_when_the_column_says_so(column, flagged):
    emb = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    if column is not None:
        emb["random_weights"] = column
    expected = "fan: mel, stack 5" + (" (RANDOM TEST WEIGHTS, not OpenL3)" if flagged else "")
    assert plots.title("fan", "mel", 5, emb) == expected


def test_section_note_says_why_a_section_has_no_window():
    emb = _embedding()
    assert plots.section_note(emb, "fan", "00", datasets=["dev"], empty_in=["dev"]) is None  # it has windows
    assert plots.section_note(emb, "fan", "02", datasets=["dev", "add"], empty_in=["dev", "add"], stack=5) == (
        "no usable audio: every file of fan section 02 was left out; see results/reports/dev.excluded.tsv, "
        "results/reports/add.excluded.tsv for each file and why"
    )
    # one dataset still has files of it: they give no window at this stack
    assert plots.section_note(emb, "fan", "02", datasets=["dev", "add"], empty_in=["dev"], stack=5) == (
        "the map of fan holds no window of section 02: its usable files are shorter than a window of 5 "
        "frames, or the caps of config key sampling.device draw none of them"
    )
    assert "left out" in plots.section_note(emb, "fan", "02") and "too short" in plots.section_note(emb, "fan", "02")
