"""Plots in the style of Fernandez & Plumbley (DCASE 2021).

* global: every device in its own colour family with a shade per section; external datasets
  as large translucent shadows in their configured colour (grey for AudioSet-style data,
  violet for IDMT-ISA-EE).
* device: panels sharing axes; training data as large translucent shadows on every panel
  (a shade per section, blues for the source domain, oranges for the target domain); normal
  test windows on the left, anomalous ones (smaller dots) on the right, and a third panel for
  evaluation windows without a label, if any.
* section: one section of one device, test windows coloured per audio file, the section's
  training data as shadows, and the "approximate origin" cross.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

# Base colours of the device families (tab10 without its grey and purple: grey and violet are
# kept for external data).
DEVICE_FAMILIES = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:brown", "tab:pink",
                   "tab:olive", "tab:cyan"]
DOMAIN_FAMILIES = {"source": "tab:blue", "target": "tab:orange", "unknown": "tab:green"}
DEFAULT_EXTERNAL_COLOUR = "#8c8c8c"
SHADOW = dict(s=70, alpha=0.10, linewidths=0)
PANEL_LABELS = {"normal": "normal test windows", "anomaly": "anomalous test windows",
                "unknown": "unlabelled test windows"}


def shade(base: str, i: int, n: int) -> tuple:
    """The i-th of n shades of a base colour, from lighter (i = 0) to darker (i = n - 1)."""
    rgb = np.array(matplotlib.colors.to_rgb(base))
    t = 0.45 - 0.9 * (i / (n - 1)) if n > 1 else 0.0
    rgb = rgb + (1 - rgb) * t if t > 0 else rgb * (1 + t)
    return tuple(rgb.clip(0, 1))


def origin_cross(points: pd.DataFrame, skip: int = 500, take: int = 100):
    """The "approximate origin": mean (x, y) of the windows ranked ``skip+1`` to
    ``skip+take`` by ascending energy (the ``skip`` quietest windows are left out).

    Returns ``None`` when the windows carry no energy or there are no more than ``skip``.
    """
    energy = points["energy"].to_numpy(dtype=float)
    if len(points) <= skip or not np.isfinite(energy).all():
        return None
    order = np.argsort(energy, kind="stable")[skip:skip + take]
    return float(points["x"].to_numpy()[order].mean()), float(points["y"].to_numpy()[order].mean())


def _finish_axes(axes, points: pd.DataFrame):
    """Same limits on every panel (all of ``points`` in view), equal aspect, no ticks."""
    x, y = points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float)
    corners = ([x.min(), x.max()], [y.min(), y.max()])
    for ax in axes:
        ax.scatter(*corners, alpha=0)  # invisible: every panel autoscales to all points
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xticks([])
        ax.set_yticks([])


def _shadows(ax, external: pd.DataFrame, colours: dict[str, str]):
    handles = []
    for dataset, rows in external.groupby("dataset", sort=True):
        colour = colours.get(dataset, DEFAULT_EXTERNAL_COLOUR)
        ax.scatter(rows["x"], rows["y"], color=colour, **SHADOW)
        handles.append(_handle(colour, f"{dataset} (external)", alpha=0.4, size=11))
    return handles


def _handle(colour, label, alpha=1.0, size=7, marker="o"):
    return Line2D([], [], linestyle="", marker=marker, markersize=size, color=colour, alpha=alpha,
                  label=label)


def _figure(ncols: int, style: dict):
    """``style['width']`` is the width of two panels; a figure has 1 to 3."""
    fig, axes = plt.subplots(1, ncols, figsize=(style["width"] / 2 * ncols, style["height"]),
                             squeeze=False)
    return fig, list(axes[0])


def _save(fig, out, handles, style, title):
    fig.suptitle(title, fontsize=13)
    if handles:
        fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
                   fontsize=9, ncol=1 + len(handles) // 28)
    fig.tight_layout()
    fig.savefig(out, dpi=style["dpi"], bbox_inches="tight")
    plt.close(fig)


def plot_global(emb: pd.DataFrame, out, style: dict, colours: dict[str, str], title: str):
    """Every device in its own colour family, a shade per section; external data as shadows."""
    fig, (ax,) = _figure(1, style)
    internal = emb[emb["kind"] != "folder"]
    handles = _shadows(ax, emb[emb["kind"] == "folder"], colours)
    for d, (device, rows) in enumerate(internal.groupby("device", sort=True)):
        family = DEVICE_FAMILIES[d % len(DEVICE_FAMILIES)]
        sections = sorted(rows["section"].unique())
        for i, section in enumerate(sections):
            pts = rows[rows["section"] == section]
            colour = shade(family, i, len(sections))
            ax.scatter(pts["x"], pts["y"], s=3, color=colour, alpha=0.7, linewidths=0)
            handles.append(_handle(colour, f"{device} section {section}"))
    _finish_axes([ax], emb)
    _save(fig, out, handles, style, title)


def _domain_colours(rows: pd.DataFrame) -> dict[tuple[str, str], tuple]:
    colours = {}
    sections = sorted(rows["section"].unique())
    for domain in sorted(rows["domain"].unique()):
        family = DOMAIN_FAMILIES.get(domain, "tab:green")
        for i, section in enumerate(sections):
            colours[(section, domain)] = shade(family, i, len(sections))
    return colours


def _panels(test: pd.DataFrame) -> list[str]:
    labels = ["normal", "anomaly"]
    if (test["label"] == "unknown").any():
        labels.append("unknown")
    return labels


def plot_device(emb: pd.DataFrame, device: str, out, style: dict, colours: dict[str, str], title: str):
    """Training shadows on both panels; normal test windows left, anomalous ones right."""
    rows = emb[(emb["kind"] != "folder") & (emb["device"] == device)]
    if rows.empty:
        raise ValueError(f"no windows of device '{device}' in this embedding")
    train, test = rows[rows["split"] == "train"], rows[rows["split"] == "test"]
    palette = _domain_colours(rows)
    panels = _panels(test)
    fig, axes = _figure(len(panels), style)
    external = emb[emb["kind"] == "folder"]
    for label, ax in zip(panels, axes):
        handles = _shadows(ax, external, colours)  # the same on every panel; kept once
        for (section, domain), pts in train.groupby(["section", "domain"], sort=True):
            ax.scatter(pts["x"], pts["y"], color=palette[(section, domain)], **SHADOW)
        points = test[test["label"] == label]
        for (section, domain), pts in points.groupby(["section", "domain"], sort=True):
            ax.scatter(pts["x"], pts["y"], s=6 if label == "normal" else 3,
                       color=palette[(section, domain)], alpha=0.9, linewidths=0)
        ax.set_title(f"{PANEL_LABELS[label]} ({len(points)})", fontsize=11)
    for (section, domain), _ in train.groupby(["section", "domain"], sort=True):
        handles.append(_handle(palette[(section, domain)], f"train {section} {domain}", alpha=0.4, size=11))
    for (section, domain), _ in test.groupby(["section", "domain"], sort=True):
        handles.append(_handle(palette[(section, domain)], f"test {section} {domain}"))
    _finish_axes(axes, emb)
    _save(fig, out, handles, style, title)


def plot_section(emb: pd.DataFrame, device: str, section: str, out, style: dict, origin: dict,
                 title: str):
    """One section's test windows coloured per audio file, its training data as shadows,
    and the approximate-origin cross (when the representation has energy)."""
    rows = emb[(emb["kind"] != "folder") & (emb["device"] == device) & (emb["section"] == section)]
    if rows.empty:
        raise ValueError(f"no windows of device '{device}' section '{section}' in this embedding")
    train, test = rows[rows["split"] == "train"], rows[rows["split"] == "test"]
    cross = origin_cross(rows, origin["skip"], origin["take"])
    panels = _panels(test)
    fig, axes = _figure(len(panels), style)
    cmap = plt.get_cmap("tab20")
    files = {path: i for i, path in enumerate(sorted(test["path"].unique()))}
    for label, ax in zip(panels, axes):
        ax.scatter(train["x"], train["y"], color="#9e9e9e", **SHADOW)
        points = test[test["label"] == label]
        colours = [cmap(files[p] % 20) for p in points["path"]]
        ax.scatter(points["x"], points["y"], s=6, c=colours, alpha=0.9, linewidths=0)
        if cross is not None:
            ax.scatter([cross[0]], [cross[1]], marker="X", s=260, color="black",
                       edgecolors="white", linewidths=1.5, zorder=5)
        n_files = points["path"].nunique()
        ax.set_title(f"{PANEL_LABELS[label]}: {n_files} file{'' if n_files == 1 else 's'}, "
                     f"{len(points)} windows", fontsize=11)
    _finish_axes(axes, rows)
    handles = [_handle("#9e9e9e", f"train section {section}", alpha=0.4, size=11),
               _handle(cmap(0), "test windows, a colour per file")]
    if cross is not None:
        handles.append(_handle("black", f"approximate origin (energy ranks {origin['skip'] + 1}-"
                                        f"{origin['skip'] + origin['take']})", marker="X", size=10))
    _save(fig, out, handles, style, title)
