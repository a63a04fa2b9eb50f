"""The explorer's templates (``templates/``, Jinja2) and static files (``static/``: the pages'
scripts and style), read through the package (:mod:`importlib.resources`), so they are found
wherever the package is installed."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

PACKAGE = __package__  # audio_umaps.explore
FOLDERS = ("templates", "static")
STATIC_FILES = ("scatter.js", "player.js", "explore.js", "explore.css")


def thousands(n: int) -> str:
    """``12345`` as ``12,345``."""
    return f"{int(n):,}"


@cache
def environment():
    """The Jinja2 environment of the templates: HTML escaped unless marked safe, an undefined
    name an error."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(PACKAGE, "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["thousands"] = thousands
    return env


def template(name: str):
    """The template ``name`` of ``templates/`` (e.g. ``page.html``)."""
    return environment().get_template(name)


def files() -> list[str]:
    """Every template and static file of the package, sorted: what a pages job reads (rule
    ``explore`` declares them, so that a changed template reruns the pages, not the clips)."""
    root = resources.files(PACKAGE)
    found = [
        entry
        for folder in FOLDERS
        for entry in root.joinpath(folder).iterdir()
        if entry.is_file() and not entry.name.startswith(".")
    ]
    return sorted(str(entry) for entry in found)


def copy_static(folder: str | Path) -> None:
    """The explorer's static files (its scripts and style) into ``folder``/static."""
    target = Path(folder) / "static"
    target.mkdir(parents=True, exist_ok=True)
    static = resources.files(PACKAGE).joinpath("static")
    for name in STATIC_FILES:
        (target / name).write_bytes(static.joinpath(name).read_bytes())
