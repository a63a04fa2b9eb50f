"""One explorer page: a map's dual plot, its widgets and the scope's linked maps (Bokeh, canvas
rendering), in the package's page template (``templates/page.html``)."""

from __future__ import annotations

from . import assets, figures, widgets
from .colours import explorer_colours
from .maps import Settings


def page_document(own: dict, linked: list[dict], *, settings: Settings, colours: dict):
    """The Bokeh document of a page; explore.js's ``AudioUmaps.init`` receives its models and
    config (own and linked maps' summaries, colours, margin) when it is ready."""
    from bokeh.document import Document
    from bokeh.events import DocumentReady
    from bokeh.models import BooleanFilter, CustomJS

    source = figures.empty_source(f"source {own['key']}")
    mapper, shadow_mapper = figures.mappers(colours)
    filters = {name: BooleanFilter(booleans=[]) for name in figures.LAYERS}
    panels = figures.dual_panels(own, source, filters, mapper, shadow_mapper, colours)
    controls, autoload = widgets.controls(own, linked, settings.linked_autoload_points)
    linked_sources, linked_figures = {}, []
    for m in linked:
        linked_sources[m["key"]], fig = figures.linked_figure(m, mapper, colours)
        linked_figures.append(fig)
    models = {
        "source": source,
        "mapper": mapper,
        "shadow_mapper": shadow_mapper,
        "filters": filters,
        "panels": panels,
        **controls,
        "linked": linked_sources,
        "linked_figures": dict(zip(linked_sources, linked_figures)),
    }
    widgets.wire(controls, own["key"], {own["key"]: source, **linked_sources})
    doc = Document()
    doc.add_root(widgets.layout(controls, panels, linked_figures))
    config = {"own": own, "linked": linked, "autoload": autoload, "margin": settings.margin, "colours": colours}
    doc.js_on_event(
        DocumentReady, CustomJS(args={"models": models, "config": config}, code="AudioUmaps.init(models, config);")
    )
    return doc


def page_html(own: dict, linked: list[dict], *, settings: Settings, title: str, colours: dict | None = None) -> str:
    """The page of one map (``own``, a :func:`~audio_umaps.explore.data.summary`) of a scope,
    with ``linked`` (the summaries of the scope's other maps) side by side below it.

    Views: the paper's dual plot (normal test windows left, anomalous right, an extra panel for
    unlabelled ones, training and external windows as shadows on every panel) or one combined
    panel (the left one, showing every test window); toggles for split, label, section and
    domain; colour by section, domain, label, energy, kNN score or a system's score; a system's
    false positives and negatives ringed. Hover shows a window's file and scores; a click plays
    it; a box or lasso selection highlights the windows of the same files at overlapping times in
    every other map (and theirs in this one). ``colours``: :func:`explorer_colours` unless given.
    """
    from bokeh.embed import file_html

    doc = page_document(own, linked, settings=settings, colours=colours or explorer_colours())
    scripts = [f"static/{f}" for f in assets.BOKEH_FILES] + ["static/explore.js", own["data"]]
    return file_html(
        doc,
        resources=None,
        title=title,
        template=assets.template("page.html"),
        template_variables={"scripts": scripts, "heading": title, "own": own, "settings": settings},
    )
