"""The widgets of an explorer page (Bokeh): view, colour option, toggles, a system's errors,
the legend and the button that loads the linked maps; and the callbacks that tie them, and every
source's selection, to explore.js."""

from __future__ import annotations

from .maps import LABELS, SPLITS


def colour_options(own: dict) -> list[tuple[str, str]]:
    """``(value, label)`` of each option the windows can be coloured by on map ``own``: device
    first on a map of several devices, then section, domain, label, split, dataset (several),
    energy, kNN score and each system's score, where the map has them."""
    cats = own["categories"]
    options = [("device", "device")] if len(cats["device"]) > 1 else []
    options += [("section", "section"), ("domain", "domain"), ("label", "label"), ("split", "split")]
    options += [("dataset", "dataset")] if len(cats["dataset"]) > 1 else []
    options += [("energy", "energy")] if own["has_energy"] else []
    if "knn" in own["measures"]:
        options.append(("knn", "kNN score (file, original space)"))
    options += [(f"system:{s}", f"{s} score") for s in own["systems"]]
    return options


def first_colour(options: list[tuple[str, str]], cats: dict) -> str:
    """The option a page starts with: the first that has values (device on a map of several
    devices, else section); a map without sections (folder data) starts with its datasets, or
    splits."""
    first = next((o for o, _ in options if o not in ("section", "domain") or cats[o]), "split")
    if not cats["section"]:
        first = "dataset" if len(cats["dataset"]) > 1 else "split"
    return first


def toggles(cats: dict) -> dict:
    """A button group per filter (split, label, section, domain), every value on."""
    from bokeh.models import CheckboxButtonGroup

    values = {
        "split": [s for s in SPLITS if s in cats["split"]],
        "label": [lab for lab in LABELS if lab in cats["label"]],
        "section": cats["section"],
        "domain": cats["domain"],
    }
    return {
        name: CheckboxButtonGroup(labels=labels, active=list(range(len(labels))), name=name)
        for name, labels in values.items()
    }


def linked_load(linked: list[dict], autoload_points: int):
    """``(button, autoload)``: the button that loads the scope's other maps, shown only when
    they hold more than ``autoload_points`` windows together (else they load with the page)."""
    from bokeh.models import Button

    total = sum(m["n"] for m in linked if not m["skipped"])
    loadable = sum(1 for m in linked if not m["skipped"] and m["n"])
    autoload = total <= autoload_points
    button = Button(
        label=f"show the scope's {loadable} other maps ({total:,} windows)",
        name="load_linked",
        visible=bool(linked) and not autoload,
        button_type="primary",
    )
    return button, autoload


def controls(own: dict, linked: list[dict], autoload_points: int) -> tuple[dict, bool]:
    """``({name: widget}, autoload)``: the page's widgets (``view``, ``colour``, ``toggles``,
    ``system``, ``legend``, ``load``) and whether the linked maps load with the page."""
    from bokeh.models import Div, RadioButtonGroup, Select

    cats = own["categories"]
    options = colour_options(own)
    widgets = {
        "view": RadioButtonGroup(labels=["dual plot", "combined"], active=0, name="view"),
        "colour": Select(
            title="colour by", options=options, value=first_colour(options, cats), name="colour", width=220
        ),
        "toggles": toggles(cats),
        "system": Select(
            title="ring a system's errors",
            options=["none"] + own["systems"],
            value=own["systems"][0] if own["systems"] else "none",
            name="system",
            width=220,
            visible=bool(own["systems"]),
        ),
        "legend": Div(text="", name="legend", width=900, css_classes=["au-legend"]),
    }
    widgets["load"], autoload = linked_load(linked, autoload_points)
    return widgets, autoload


def wire(widgets: dict, key: str, sources: dict) -> None:
    """Every widget change updates the page (``AudioUmaps.update``); the button loads the
    linked maps; a selection in any of ``sources`` (``{map key: source}``) is carried to the
    others (``AudioUmaps.linkFrom``)."""
    from bokeh.models import CustomJS

    update = CustomJS(args={"key": key}, code="AudioUmaps.update(key);")
    for widget in (widgets["colour"], widgets["system"]):
        widget.js_on_change("value", update)
    widgets["view"].js_on_change("active", update)
    for widget in widgets["toggles"].values():
        widget.js_on_change("active", update)
    widgets["load"].js_on_event("button_click", CustomJS(args={"key": key}, code="AudioUmaps.loadLinked(key);"))
    for source_key, source in sources.items():
        source.selected.js_on_change("indices", CustomJS(args={"key": source_key}, code="AudioUmaps.linkFrom(key);"))


def layout(widgets: dict, panels: dict, linked_figures: list):
    """The page's body: the controls, the dual plot, the linked maps three to a row below."""
    from bokeh.layouts import column, row
    from bokeh.models import Div

    toggle_row = row(*[w for w in widgets["toggles"].values() if w.labels])
    top = column(row(widgets["view"], widgets["colour"], widgets["system"]), toggle_row, widgets["legend"])
    grid = [linked_figures[i : i + 3] for i in range(0, len(linked_figures), 3)]
    linked_block = column(widgets["load"], *[row(*r) for r in grid]) if linked_figures else column(Div(text=""))
    return column(top, row(*panels.values()), linked_block)
