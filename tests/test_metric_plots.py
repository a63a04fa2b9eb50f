"""The metrics summary and its figures (audio_umaps.metric_plots) on a small synthetic table."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from audio_umaps import tables
from audio_umaps.metrics import ALL, ORIGINAL, UMAP
from audio_umaps.plots import metrics as metric_plots

REPRESENTATIONS, STACKS, DEVICES = ("mel", "stft"), (1, 5, 10), ("ToyCar", "fan", "pump")
# (summary name, method, measure) of the rows built, and each one's file count offset
MEASURES = {
    "sep_auc": ("svm", "auc", 0),
    "dsup_auc": ("knn", "auc", 100),
    "dsup_pauc": ("knn", "pauc", 100),
    "support": ("knn", "support", 200),
}
BELOW_CHANCE = ("mel", 1, "pump", UMAP, 0.39)  # SEP-AUC of one cell
AT_CHANCE = ("mel", 1, "ToyCar", UMAP, 0.5)
MISSING = ("stft", 5, "fan", UMAP)  # SEP-AUC not measurable (a class missing)


def files_of(name, rep, stack, device, space):
    """A distinct file count for every measure x cell x space, so that a mix-up shows."""
    return (
        MEASURES[name][2]
        + 10 * REPRESENTATIONS.index(rep)
        + STACKS.index(stack) * 3
        + DEVICES.index(device)
        + (50 if space == UMAP else 0)
        + 1
    )


def value_of(name, rep, stack, device, space):
    """SEP rises with the stack and DSUP falls (hypothesis 2), support falls; a few set cells."""
    if name == "sep_auc" and (rep, stack, device, space) == MISSING:
        return np.nan
    for cell in (BELOW_CHANCE, AT_CHANCE):
        if name == "sep_auc" and (rep, stack, device, space) == cell[:4]:
            return cell[4]
    d, r, s = DEVICES.index(device), REPRESENTATIONS.index(rep), STACKS.index(stack)
    shift = 0.05 * d + 0.03 * r - (0.1 if space == UMAP else 0)
    return {
        "sep_auc": 0.62 + 0.1 * s + shift,
        "dsup_auc": 0.86 - 0.07 * s + shift,
        "dsup_pauc": 0.8 - 0.1 * s + shift,
        "support": 0.9 - 0.15 * s - shift,
    }[name]


def tidy_rows():
    """Tidy metric rows as the metrics jobs write them: device rows (section and domain
    ``all``) of every measure, plus a section row and an official row that the summary's
    device columns must leave alone."""
    rows = []
    for rep in REPRESENTATIONS:
        for stack in STACKS:
            for device in DEVICES:
                base = dict(
                    representation=rep,
                    stack=stack,
                    device=device,
                    dataset=ALL,
                    section=ALL,
                    domain=ALL,
                    level="window",
                    normal=100,
                    anomalous=50,
                    train=0,
                    edition="2021",
                    note="",
                )
                for space in (ORIGINAL, UMAP):
                    for name, (method, measure, _) in MEASURES.items():
                        rows.append(
                            dict(
                                base,
                                space=space,
                                method=method,
                                measure=measure,
                                value=value_of(name, rep, stack, device, space),
                                files=files_of(name, rep, stack, device, space),
                            )
                        )
                    rows.append(dict(base, space=space, method="svm", measure="hinge", value=0.4, files=999))
                rows.append(
                    dict(
                        base,
                        dataset="dev",
                        section="00",
                        domain="source",
                        space=ORIGINAL,
                        method="svm",
                        measure="auc",
                        value=0.0,
                        files=7,
                    )
                )
                rows.append(
                    dict(
                        base,
                        dataset="dev",
                        level="official",
                        space=ORIGINAL,
                        method="knn",
                        measure="hmean",
                        value=0.9,
                        files=40,
                    )
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def table():
    return metric_plots.summary(tidy_rows())


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def linear(rgba):
    """sRGB to linear RGB."""
    rgb = np.asarray(rgba[:3], float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def lab(rgba):
    """sRGB to CIELAB (D65): distances of about 10 and more are plainly different colours."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear(rgba)
    f = [np.cbrt(t) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz / [0.95047, 1.0, 1.08883]]
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def cells(ax):
    """The heatmap's cell texts by (row, column)."""
    return {tuple(round(v) for v in text.get_position())[::-1]: text for text in ax.texts}


def test_summary_keeps_its_columns_and_adds_the_file_counts(table):
    names = [f"{name}_{space}" for name in metric_plots.SUMMARY_MEASURES for space in (ORIGINAL, UMAP)]
    counts = [f"{name}_files_{space}" for name in metric_plots.HEATMAPS for space in (ORIGINAL, UMAP)]
    assert list(table.columns) == ["representation", "stack", "device", *names, "dcase_knn", *counts]
    assert len(table) == len(REPRESENTATIONS) * len(STACKS) * len(DEVICES)
    for row in table.itertuples(index=False):
        for name in MEASURES:
            for space in (ORIGINAL, UMAP):
                assert getattr(row, f"{name}_files_{space}") == files_of(
                    name, row.representation, row.stack, row.device, space
                )
    assert (table["sep_auc_original"] > 0.5).all()  # the section row's 0.0 was not taken
    assert (table["dcase_knn"] == 0.9).all()
    assert str(table["sep_auc_files_umap"].dtype) == "Int64"  # counts are written as whole numbers


def test_auc_heatmaps_span_0_to_1_and_tell_below_chance_from_chance(table):
    for name in metric_plots.HEATMAPS:
        for ax in metric_plots.heatmap_figure(table, name).axes[:2]:
            assert (ax.image.norm.vmin, ax.image.norm.vmax) == (0.0, 1.0)
    left, right = metric_plots.heatmap_figure(table, "sep_auc").axes[:2]
    rows = sorted({(r, s) for r, s in zip(table["representation"], table["stack"])})
    colours = right.image.to_rgba(right.image.get_array())
    below = colours[rows.index(BELOW_CHANCE[:2]), DEVICES.index(BELOW_CHANCE[2])]
    chance = colours[rows.index(AT_CHANCE[:2]), DEVICES.index(AT_CHANCE[2])]
    assert np.linalg.norm(lab(below) - lab(chance)) > 15  # 0.39 does not look like 0.5 (CIELAB)
    assert chance[:3].min() > 0.9  # chance is the diverging map's pale middle
    assert below[0] > below[2]  # below chance on the red side, good values on the blue side
    good = colours[rows.index(("stft", 10)), DEVICES.index("pump")]
    assert good[2] > good[0]


def _luminance(rgba):
    return 0.2126 * linear(rgba)[0] + 0.7152 * linear(rgba)[1] + 0.0722 * linear(rgba)[2]


@pytest.mark.parametrize("name", list(metric_plots.HEATMAPS))
def test_every_cell_gives_its_value_and_its_files_readably(table, name):
    fig = metric_plots.heatmap_figure(table, name)
    rows = sorted({(r, s) for r, s in zip(table["representation"], table["stack"])})
    for ax, space in zip(fig.axes[:2], (ORIGINAL, UMAP)):
        texts = cells(ax)
        assert len(texts) == len(rows) * len(DEVICES)
        colours = ax.image.to_rgba(ax.image.get_array())
        for (i, j), text in texts.items():
            (rep, stack), device = rows[i], DEVICES[j]
            value = value_of(name, rep, stack, device, space)
            first, second = text.get_text().split("\n")
            assert first == ("n/a" if np.isnan(value) else f"{value:.3f}")
            n = files_of(name, rep, stack, device, space)
            assert second == f"{n} file" + ("" if n == 1 else "s")
            background = to_rgba(text.get_bbox_patch().get_facecolor()) if np.isnan(value) else colours[i, j]
            light, dark = sorted([_luminance(background), _luminance(to_rgba(text.get_color()))])
            assert (dark + 0.05) / (light + 0.05) >= 4.5, (name, rep, stack, device, space)  # WCAG AA


def test_a_cell_without_a_value_is_hatched_and_says_so(table):
    ax = metric_plots.heatmap_figure(table, "sep_auc").axes[1]
    rows = sorted({(r, s) for r, s in zip(table["representation"], table["stack"])})
    i, j = rows.index(MISSING[:2]), DEVICES.index(MISSING[2])
    assert cells(ax)[i, j].get_text().startswith("n/a\n")
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert [(p.get_x(), p.get_y()) for p in hatched] == [(j - 0.5, i - 0.5)]


def mean_path(table, rep, space):
    """The mean over devices with both measures at each stack: {stack: (dsup, sep)}."""
    x, y = f"dsup_auc_{space}", f"sep_auc_{space}"
    rows = table[table["representation"] == rep].dropna(subset=[x, y])
    return {s: tuple(p) for s, p in rows.groupby("stack")[[x, y]].mean().iterrows()}


def point(table, rep, device, stack, space):
    """A device's (DSUP, SEP) at one stack."""
    row = table.set_index(["representation", "device", "stack"]).loc[(rep, device, stack)]
    return row[[f"dsup_auc_{space}", f"sep_auc_{space}"]].to_numpy(float)


def test_hypothesis_panels_share_their_limits_and_arrows_point_to_longer_stacks(table):
    fig = metric_plots.hypothesis_figure(table)
    left, right = fig.axes[:2]
    assert left.get_xlim() == right.get_xlim() and left.get_ylim() == right.get_ylim()
    low, high = left.get_ylim()
    assert low < BELOW_CHANCE[4] and high >= 1.0  # the below-chance device point is in view
    assert left.get_xlim()[0] <= 0.5  # chance in view on both axes
    fig.canvas.draw()
    for ax, space in zip((left, right), (ORIGINAL, UMAP)):
        arrows = {t.get_gid(): t for t in ax.texts if (t.get_gid() or "").startswith("arrow ")}
        for rep in REPRESENTATIONS:
            path = mean_path(table, rep, space)
            for s0, s1 in zip(STACKS, STACKS[1:]):
                arrow = arrows.pop(f"arrow {rep} mean {s0}>{s1}")
                assert arrow.arrow_patch is not None and arrow.arrow_patch.get_visible()
                tail, head = np.array(arrow.xyann), np.array(arrow.xy)
                along = np.array(path[s1]) - np.array(path[s0])
                assert (head - tail) @ along > 0  # pointing from the smaller stack to the larger
                middle = (np.array(path[s0]) + np.array(path[s1])) / 2
                assert np.allclose((head + tail) / 2, middle)  # on the segment, halfway
            for device in DEVICES:
                for s0, s1 in zip(STACKS, STACKS[1:]):
                    key = f"arrow {rep} {device} {s0}>{s1}"
                    gap = space == UMAP and (rep, device) == MISSING[::2] and MISSING[1] in (s0, s1)
                    assert (key in arrows) != gap  # no arrow across a missing point
                    if key in arrows:
                        arrow = arrows.pop(key)
                        along = point(table, rep, device, s1, space) - point(table, rep, device, s0, space)
                        assert (np.array(arrow.xy) - np.array(arrow.xyann)) @ along > 0
        assert not arrows
        labels = {t.get_text() for t in ax.texts if not t.get_gid()}
        assert {"1", "10"} <= labels  # stack labels at the mean points
        # stft at stack 5 in 2-D: a mean over the two devices that have both measures
        assert ("5 (2/3)" in labels) == (space == UMAP)


def test_a_device_without_a_map_has_no_umap_values_nor_counts():
    rows = tidy_rows()
    rows = rows[~((rows["device"] == "pump") & (rows["stack"] == 10) & (rows["space"] == UMAP))]
    table = metric_plots.summary(rows)
    cell = table[(table["device"] == "pump") & (table["stack"] == 10)]
    assert cell["sep_auc_umap"].isna().all() and cell["sep_auc_files_umap"].isna().all()
    assert (
        cell["sep_auc_files_original"] == [files_of("sep_auc", r, 10, "pump", ORIGINAL) for r in cell["representation"]]
    ).all()
    ax = metric_plots.heatmap_figure(table, "sep_auc").axes[1]
    rows = sorted({(r, s) for r, s in zip(table["representation"], table["stack"])})
    for rep in REPRESENTATIONS:
        assert cells(ax)[rows.index((rep, 10)), DEVICES.index("pump")].get_text() == "n/a"


def test_metric_rows_are_read_with_their_text_columns_as_text(tmp_path):
    rows = tidy_rows()
    rows.loc[0, "value"] = np.nan  # a measure that could not be taken: an empty field
    rows.to_csv(tmp_path / "mel.tsv", sep="\t", index=False)
    prediction = rows.iloc[[1]].assign(representation="", stack="", method="mysystem", note="")
    prediction.to_csv(tmp_path / "mysystem.tsv", sep="\t", index=False)
    read = tables.read_metric_rows([tmp_path / "mel.tsv", tmp_path / "mysystem.tsv"])
    assert len(read) == len(rows) + 1
    assert set(read["section"]) == {ALL, "00"} and read["edition"].iloc[0] == "2021"
    assert np.isnan(read["value"].iloc[0]) and read["note"].iloc[0] == ""
    assert read["representation"].iloc[-1] == "" and read["stack"].iloc[-1] == ""
    # what the summary reads is what it was given
    measured = read[read["representation"] != ""].astype({"stack": int})
    pd.testing.assert_frame_equal(metric_plots.summary(measured), metric_plots.summary(rows), check_dtype=False)
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(ValueError, match="empty.tsv: not a metrics table"):
        tables.read_metric_rows([tmp_path / "empty.tsv"])


def test_official_table_gives_a_row_per_machine_and_one_over_all():
    official = metric_plots.official_table(tidy_rows())
    assert list(official.columns) == metric_plots.OFFICIAL_KEYS + [
        "machine",
        "auc_source",
        "auc_target",
        "auc",
        "pauc",
        "hmean",
        "note",
    ]
    one = official[(official["representation"] == "mel") & (official["stack"] == 1)]
    assert list(one["machine"]) == [*DEVICES, "all"]
    assert (one.loc[one["machine"] != "all", "hmean"] == 0.9).all()
    html = metric_plots.official_html(official)
    assert html.startswith("<html>") and "ToyCar" in html and html.rstrip().endswith("</html>")
