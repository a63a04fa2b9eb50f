"""The interactive explorer: a page per scope x representation x stack, where a click on a dot
plays the window behind it and a selection in one map highlights the same windows in the maps of
the other representations and stacks of the scope.

Two jobs per scope, so that remaking the pages (a changed template) never re-encodes audio:

- ``explore_clips`` (:func:`write_scope_clips`) cuts the clips the sampled windows of every map
  of the scope need into ``results/clips/<scope>/`` (see :mod:`.clips`);
- ``explore`` (:func:`write_scope_pages`) writes the self-contained folder
  ``results/explore/<scope>/``::

    index.html                       the scope's maps, with their windows and notes
    <representation>_stack<k>.html   a page (see :func:`page_html`)
    data/<representation>_stack<k>.js  the map's windows: x, y, file, start time, energy
                                     (base64 typed arrays) and its files' metadata and scores
    audio/<dataset>/<subfolder>/<name>.ogg  the scope's clips (hard links into its clips
                                     folder, or copies): the normalised signal the features saw,
                                     the span the sampled windows need (plus a margin), Ogg Opus
    audio/clips.tsv                  which clip holds which file from which second, or why not
    static/                          the explorer's scripts and style, so the pages work
                                     opened from disk, with no network
    maps.json                        what the top index (:func:`index_html`) lists

A page reads its own map's data with a ``<script>`` tag (so it works from ``file://`` as well as
through a web server) and the linked maps' data on demand. The JavaScript in ``static/`` draws
the maps on canvases (``scatter.js``), plays and shows the clips (``player.js``) and runs the
page (``explore.js``: colours, filters, search, selection and its table, linked highlight, the
view in the URL's hash). The index of every scope also writes ``scopes.js``, which the pages
read to link the other scopes. The pages' HTML comes from the Jinja2 templates in ``templates/``;
:func:`assets.files` lists them and the static files for the pages rule's inputs.

Modules: :mod:`.maps` (settings, frame geometry, scores), :mod:`.clips` (with :mod:`.ogg`), :mod:`.data` (a map's
data), :mod:`.colours`, :mod:`.figures` (marks), :mod:`.widgets` (controls), :mod:`.page` (a page), :mod:`.assets`
(templates and static files), :mod:`.site` (a scope's folder, the indexes).
"""

from . import assets
from .assets import copy_static
from .clips import (
    AUDIO,
    CLIP_COLUMNS,
    CLIPS_TABLE,
    OPUS_RATES,
    clip_name,
    clip_spans,
    link_clips,
    read_clips,
    write_clips,
    write_scope_clips,
)
from .colours import explorer_colours
from .data import data_js, map_payload, summary
from .figures import shadow_style, test_size
from .maps import FILE_FIELDS, LABELS, SPLITS, Map, MapSpec, Settings, read_maps, read_scores
from .page import page_html
from .site import index_html, read_scopes, scope_index_html, scopes_js, write_scope_pages

__all__ = [
    "AUDIO",
    "CLIP_COLUMNS",
    "CLIPS_TABLE",
    "FILE_FIELDS",
    "LABELS",
    "OPUS_RATES",
    "SPLITS",
    "Map",
    "MapSpec",
    "Settings",
    "assets",
    "clip_name",
    "clip_spans",
    "copy_static",
    "data_js",
    "explorer_colours",
    "index_html",
    "link_clips",
    "map_payload",
    "page_html",
    "read_clips",
    "read_maps",
    "read_scopes",
    "read_scores",
    "scope_index_html",
    "scopes_js",
    "shadow_style",
    "summary",
    "test_size",
    "write_clips",
    "write_scope_clips",
    "write_scope_pages",
]
