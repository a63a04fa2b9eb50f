"""The figures of an explorer page (Bokeh): the dual plot's panels, each a stack of layer
renderers over one source, and the small figures of the scope's linked maps. Bokeh draws;
explore.js sets the layers' filters, the colours and the callbacks' behaviour."""

from __future__ import annotations

import numpy as np

PANEL_SIZE = (520, 460)  # width, height (px) of a dual-plot panel
LINKED_SIZE = (300, 270)  # of a linked map's figure
LAYERS = ("shadow", "normal", "anomaly", "unknown", "fp", "fn")  # explore.js fills each one's filter
ERROR_LAYERS = ("fp", "fn")  # rings of a system's false positives and negatives
LOD_THRESHOLD = 20000  # windows from which Bokeh draws a decimated view while panning


def shadow_style(n: int) -> tuple[float, float]:
    """Marker size (px) and alpha of ``n`` shadow windows: fewer, larger and more opaque marks
    for small maps; many small faint ones for dense maps, so that even a hundred marks on one
    spot stay translucent (alpha 0.02 at 100,000 windows: 1 - 0.98**100 = 0.87)."""
    n = max(int(n), 1)
    alpha = float(np.clip(6.0 / np.sqrt(n), 0.02, 0.25))
    size = float(np.clip(40.0 / n**0.25, 4.0, 14.0))
    return size, alpha


def test_size(n: int) -> float:
    """Marker size (px) of ``n`` test windows."""
    return float(np.clip(24.0 / max(int(n), 1) ** 0.25, 2.0, 6.0))


def view_ranges(extent: list[float], width: int, height: int):
    """x and y limits holding a map's ``extent``, padded to the panels' aspect (equal units)."""
    x0, x1, y0, y1 = extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = max(x1 - x0, 1e-6) * 0.53, max(y1 - y0, 1e-6) * 0.53
    if half_w / width < half_h / height:
        half_w = half_h * width / height
    else:
        half_h = half_w * height / width
    return (cx - half_w, cx + half_w), (cy - half_h, cy + half_h)


def empty_source(name: str):
    """A map's source: explore.js fills its columns from the map's data."""
    from bokeh.models import ColumnDataSource

    return ColumnDataSource(data={"x": [], "y": [], "c": [], "file": [], "t": [], "energy": []}, name=name)


def mappers(colours: dict):
    """The colour mappers of test windows and of shadows (the same colours, paler: explore.js
    mixes the palette with white)."""
    from bokeh.models import LinearColorMapper

    test = LinearColorMapper(palette=[colours["category"][0]], low=0, high=1, nan_color=colours["none"])
    shadow = LinearColorMapper(palette=[colours["shadow_start"]], low=0, high=1, nan_color=colours["shadow_none"])
    return test, shadow


def _bare_figure(size, x_range, y_range, **kwargs):
    from bokeh.plotting import figure

    fig = figure(
        width=size[0],
        height=size[1],
        x_range=x_range,
        y_range=y_range,
        active_scroll="wheel_zoom",
        output_backend="canvas",
        lod_threshold=LOD_THRESHOLD,
        **kwargs,
    )
    fig.xaxis.visible = fig.yaxis.visible = False
    fig.grid.visible = False
    return fig


def point_tools(fig, renderers, key: str, layers=None) -> None:
    """Hover (one window's card, the nearest: not Bokeh's list of every window under the
    cursor), tap (play) and box and lasso selection (linked) on ``renderers`` of map ``key``;
    ``layers``: the layers whose windows the panel draws (None: all of the source's)."""
    from bokeh.models import BoxSelectTool, CustomJS, HoverTool, LassoSelectTool, TapTool

    if layers is None:
        hover = CustomJS(args={"key": key, "figure": fig}, code="AudioUmaps.hover(key, cb_data, figure, null);")
    else:
        hover = CustomJS(
            args={"key": key, "figure": fig, "layers": list(layers)},
            code="AudioUmaps.hover(key, cb_data, figure, layers);",
        )
    fig.add_tools(
        HoverTool(renderers=renderers, tooltips=None, callback=hover),
        TapTool(renderers=renderers, callback=CustomJS(args={"key": key}, code="AudioUmaps.tap(key, cb_data);")),
        BoxSelectTool(renderers=renderers),
        LassoSelectTool(renderers=renderers),
    )


def layer_renderer(fig, layer: str, *, source, view, name: str, style: dict, colours: dict):
    """One layer of a panel: shadows (large, pale, translucent), test windows, or a system's
    errors (rings)."""
    if layer == "shadow":
        alpha = style["shadow_alpha"]
        return fig.scatter(
            "x",
            "y",
            source=source,
            view=view,
            size=style["shadow_size"],
            fill_color={"field": "c", "transform": style["shadow_mapper"]},
            line_color=None,
            fill_alpha=alpha,
            selection_fill_alpha=min(1.0, alpha * 4),
            nonselection_fill_alpha=alpha / 3,
            name=f"{name} shadows",
        )
    if layer in ERROR_LAYERS:
        return fig.scatter(
            "x",
            "y",
            source=source,
            view=view,
            size=style["dot"] + 5,
            fill_color=None,
            line_color=colours["errors"],
            line_width=1.2,
            line_alpha=0.8,
            nonselection_line_alpha=0.25,
            name=f"{name} {layer}",
        )
    return fig.scatter(
        "x",
        "y",
        source=source,
        view=view,
        size=style["dot"],
        fill_color={"field": "c", "transform": style["mapper"]},
        line_color=None,
        fill_alpha=0.85,
        selection_fill_alpha=1.0,
        nonselection_fill_alpha=0.12,
        name=f"{name} {layer}",
    )


def panel(name: str, layers, title: str, *, own: dict, source, filters: dict, ranges, style: dict, colours: dict):
    """A panel of the dual plot: ``layers`` (of :data:`LAYERS`) drawn in turn over one source,
    each through its filter; hover, tap and selection on all but the error rings."""
    from bokeh.models import CDSView

    fig = _bare_figure(PANEL_SIZE, *ranges, title=title, tools="pan,wheel_zoom,reset,save", name=name)
    renderers = [
        layer_renderer(
            fig, layer, source=source, view=CDSView(filter=filters[layer]), name=name, style=style, colours=colours
        )
        for layer in layers
    ]
    points = [r for r, layer in zip(renderers, layers) if layer not in ERROR_LAYERS]
    point_tools(fig, points, own["key"], [la for la in layers if la not in ERROR_LAYERS])
    return fig


def dual_panels(own: dict, source, filters: dict, test_mapper, shadow_mapper, colours: dict) -> dict:
    """``{name: figure}`` of the dual plot: normal test windows, anomalous ones, and unlabelled
    ones where the map has any, training and external windows as shadows on each; a system's
    errors ringed where the map has systems. The combined view reuses the first panel.

    Every renderer indexes all of the source's windows for hit testing (Bokeh), the page's
    largest cost at 300,000 windows (measured: 12 renderers took 2 s of a 4 s load): only the
    layers a map can show are made."""
    from bokeh.models import Range1d

    (x0, x1), (y0, y1) = view_ranges(own["extent"], *PANEL_SIZE)
    shadow_size, shadow_alpha = shadow_style(own["n_shadow"])
    style = {
        "shadow_size": shadow_size,
        "shadow_alpha": shadow_alpha,
        "dot": test_size(own["n_test"]),
        "mapper": test_mapper,
        "shadow_mapper": shadow_mapper,
    }
    common = {
        "own": own,
        "source": source,
        "filters": filters,
        "ranges": (Range1d(x0, x1), Range1d(y0, y1)),
        "style": style,
        "colours": colours,
    }
    errors = bool(own["systems"])
    panels = {
        "normal": panel("normal", ["shadow", "normal"] + (["fp"] if errors else []), "normal test windows", **common),
        "anomaly": panel(
            "anomaly", ["shadow", "anomaly"] + (["fn"] if errors else []), "anomalous test windows", **common
        ),
    }
    if "unknown" in own["categories"]["label"]:
        panels["unknown"] = panel("unknown", ["shadow", "unknown"], "unlabelled test windows", **common)
    return panels


def linked_figure(m: dict, mapper, colours: dict):
    """``(source, figure)`` of a linked map (``m``: its summary): its windows, small, in the
    test windows' colours; hover, tap and selection as on the page's own map."""
    from bokeh.models import Range1d

    source = empty_source(f"source {m['key']}")
    (x0, x1), (y0, y1) = view_ranges(m["extent"], *LINKED_SIZE)
    title = f"{m['representation']}, stack {m['stack']}" + (f" (no map: {m['skipped']})" if m["skipped"] else "")
    fig = _bare_figure(
        LINKED_SIZE,
        Range1d(x0, x1),
        Range1d(y0, y1),
        title=title,
        tools="pan,wheel_zoom,reset",
        name=f"linked {m['key']}",
    )
    size, alpha = shadow_style(max(m["n"], 1))
    alpha = min(0.6, alpha * 3)
    r = fig.scatter(
        "x",
        "y",
        source=source,
        size=max(2.0, size / 2),
        fill_color={"field": "c", "transform": mapper},
        line_color=None,
        fill_alpha=alpha,
        selection_fill_alpha=1.0,
        nonselection_fill_alpha=alpha / 4,
        selection_line_color="black",
        name=f"linked {m['key']} points",
    )
    point_tools(fig, [r], m["key"])
    return source, fig
