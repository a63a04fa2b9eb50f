"""One explorer page: a map's dual plot, its controls, the player, the selection and the scope's
linked maps, from the package's page template (``templates/page.html``). The page holds no
drawing code of its own: ``static/explore.js`` builds it from the config written into it."""

from __future__ import annotations

import json

from . import assets, widgets
from .colours import explorer_colours
from .figures import style
from .maps import Settings

SCRIPTS = ("static/scatter.js", "static/player.js", "static/explore.js")


def page_config(own: dict, linked: list[dict], *, settings: Settings, colours: dict, attributes: dict) -> dict:
    """What explore.js builds the page from: the map (``own``) and the scope's other maps
    (``linked``), each a :func:`~audio_umaps.explore.data.summary` with its marks' style; the
    colours, the margin played around a window, the controls, and whether the linked maps load
    with the page (up to ``settings.linked_autoload_points`` windows together)."""
    options = widgets.colour_options(own)
    total = sum(m["n"] for m in linked if not m["skipped"])
    return {
        "own": {**own, "style": style(own)},
        "linked": [{**m, "style": style(m)} for m in linked],
        "autoload": total <= settings.linked_autoload_points,
        "margin": settings.margin,
        "colours": colours,
        "colour_options": options,
        "first_colour": widgets.first_colour(options, own["categories"]),
        "filters": widgets.filters(own, attributes),
        "ranges": widgets.ranges(own),
    }


def page_html(
    own: dict,
    linked: list[dict],
    *,
    settings: Settings,
    title: str,
    colours: dict | None = None,
    attributes: dict | None = None,
) -> str:
    """The page of one map (``own``, a :func:`~audio_umaps.explore.data.summary`) of a scope,
    with ``linked`` (the summaries of the scope's other maps) below it.

    Views: the paper's dual plot (normal test windows left, anomalous right, an extra panel for
    unlabelled ones, training and external windows as shadows on every panel) or one combined
    panel; on/off filters per metadata column (``attributes``: the attribute columns' values,
    ``{column: values}``) and score ranges; colour by section, domain, label, energy, kNN score
    or a system's score; a system's false positives and negatives ringed. A click plays the
    nearest window; a box or lasso selects windows, lists them (counts, a sortable table, play
    in turn, export) and highlights the windows of the same files at overlapping times in every
    other map; the view is kept in the URL's hash. ``colours``: :func:`explorer_colours` unless
    given. The same inputs give the same bytes."""
    config = page_config(
        own, linked, settings=settings, colours=colours or explorer_colours(), attributes=attributes or {}
    )
    # no "<", ">" or "&" inside the JSON script element: a file name holding "</script>" or
    # "<!--" cannot end it or change how the browser reads it
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return assets.template("page.html").render(
        title=title,
        heading=title,
        config=text,
        scripts=[*SCRIPTS, own["data"]],
        own=own,
        settings=settings,
    )
