"""A scope's explorer folder (rule ``explore``) and the index of every scope (rule
``explore_index``): the pages, the maps' data, the scope's clips linked in from its clips folder,
the static files, and the indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import assets
from .clips import link_clips, read_clips
from .data import data_js, map_payload, summary
from .folders import atomic_folder
from .maps import Map, Settings
from .page import page_html


def read_scopes(folders) -> dict[str, dict]:
    """``{scope: {"subject": its name, "maps": its map summaries}}`` from the ``maps.json`` of
    each scope folder (the folder's name is the scope's safe name; the subject is the device's
    own name, or "All devices")."""
    scopes = {}
    for folder in folders:
        meta = json.loads((Path(folder) / "maps.json").read_text())
        scopes[meta["scope"]] = {"subject": meta.get("subject") or meta["scope"], "maps": meta["maps"]}
    return scopes


def scope_index_html(maps: list[dict], clips: pd.DataFrame, *, title: str) -> str:
    """A scope's own index: its maps with their windows, files and notes, and its files without a clip."""
    missing = clips[clips["clip"] == ""] if len(clips) else clips
    return assets.template("scope_index.html").render(
        title=title,
        maps=maps,
        clips=len(clips) - len(missing),
        missing=[{"path": r.path, "problem": r.problem} for r in missing.itertuples()],
    )


def index_html(scopes: dict[str, dict], *, title: str = "audio-umaps explorer") -> str:
    """The top index: every scope (by its device's name) with a link to each of its maps."""
    stacks = sorted({m["stack"] for s in scopes.values() for m in s["maps"]})
    reps = list(dict.fromkeys(m["representation"] for s in scopes.values() for m in s["maps"]))
    titles = {(m["representation"], m["stack"]): m.get("title") for s in scopes.values() for m in s["maps"]}
    columns = [(r, s, titles[r, s] or f"{r}, stack {s}") for r in reps for s in stacks if (r, s) in titles]
    rows = []
    for scope, entry in scopes.items():
        by = {(m["representation"], m["stack"]): m for m in entry["maps"]}
        rows.append((scope, entry["subject"], [by.get((r, s)) for r, s, _ in columns]))
    return assets.template("index.html").render(title=title, columns=columns, rows=rows)


def scopes_js(scopes: dict[str, dict]) -> str:
    """``scopes.js`` beside the scope folders: every scope's folder and name, which a page loads
    to link the other scopes (a scope folder copied alone has none, and its pages say so)."""
    listed = [{"folder": scope, "name": entry["subject"]} for scope, entry in scopes.items()]
    return f"window.AudioUmapsScopes = {json.dumps(listed, sort_keys=True)};\n"


def attribute_values(payloads: list[dict]) -> dict[str, list[str]]:
    """``{attribute column: its values}`` over a scope's maps (``(none)`` for files without one)."""
    columns = list(dict.fromkeys(c for p in payloads for c in p["attribute_columns"]))
    return {c: sorted({(f["attrs"].get(c) or "(none)") for p in payloads for f in p["files"]}) for c in columns}


def scope_categories(summaries: list[dict]) -> dict:
    """Every value of each category over a scope's maps: one colour per value on every map."""
    if not summaries:
        return {}
    return {c: sorted({v for m in summaries for v in m["categories"][c]}) for c in summaries[0]["categories"]}


def write_scope_pages(
    folder: str | Path,
    clips_folder: str | Path,
    scope: str,
    maps: list[Map],
    *,
    systems=(),
    settings: Settings,
    subject: str,
    colours: dict | None = None,
) -> list[dict]:
    """Write a scope's explorer folder atomically and return its maps' summaries::

        index.html                         the scope's maps, with their windows and notes
        <representation>_stack<k>.html     a page per map (:func:`~audio_umaps.explore.page.page_html`)
        data/<representation>_stack<k>.js  the map's windows and files (:func:`~audio_umaps.explore.data.map_payload`)
        audio/                             the clips of ``clips_folder`` (hard links, or copies) and their table
        static/                            the explorer's scripts and style
        maps.json                          what the top index (:func:`index_html`) lists

    ``clips_folder``: the scope's clips (:func:`~audio_umaps.explore.clips.write_scope_clips`),
    read, never written: pages are remade without re-encoding audio. ``maps``: a
    :class:`~audio_umaps.explore.maps.Map` per representation x stack. ``colours``: the pages'
    colours (:func:`~audio_umaps.explore.colours.explorer_colours`)."""
    clips_source = read_clips(clips_folder)
    with atomic_folder(folder) as tmp:
        clips = link_clips(clips_source, clips_folder, tmp)
        (tmp / "data").mkdir()
        summaries, payloads = [], []
        for spec, table, skipped, scores in maps:
            payload = map_payload(
                spec, None if skipped else table, clips=clips, scores=scores, systems=systems, skipped=skipped
            )
            (tmp / spec.data).write_text(data_js(payload), encoding="utf-8")
            summaries.append(summary(payload))
            payloads.append(payload)
        attributes = attribute_values(payloads)
        union = scope_categories(summaries)
        for s in summaries:
            s["scope_categories"] = union
        for s in summaries:
            linked = [m for m in summaries if m["key"] != s["key"]]
            page = page_html(
                s,
                linked,
                settings=settings,
                colours=colours,
                attributes=attributes,
                title=f"{subject}: {s['title']}",
            )
            (tmp / s["page"]).write_text(page, encoding="utf-8")
        (tmp / "index.html").write_text(
            scope_index_html(summaries, clips, title=f"{subject}: every map"), encoding="utf-8"
        )
        assets.copy_static(tmp)
        (tmp / "maps.json").write_text(json.dumps({"scope": scope, "subject": subject, "maps": summaries}, indent=1))
    return summaries
