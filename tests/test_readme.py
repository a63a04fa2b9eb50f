"""The README stays true to the project: its Layout section names every module of the package
(and nothing that is gone), and its relative links, and those of the documents under docs/,
point at files and headings that exist."""

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PACKAGE = ROOT / "src" / "audio_umaps"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "config" / "README.md"]

# An entry of the Layout block: up to 8 spaces of indentation, a path-like name, then two spaces
# and its description (or nothing). Deeper lines continue the description above them.
ENTRY = re.compile(r"^(?P<indent> {0,8})(?P<name>[^\s]+)(?: {2,}\S.*)?$")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def section(text: str, title: str) -> str:
    """The body of the ``## title`` section of a Markdown text (up to the next ``## `` heading)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def layout_entries(text: str) -> list[str]:
    """The paths the Layout section's code block lists, relative to the project root: nested
    entries (indented by two spaces per level under a name ending in ``/``) joined to their
    parents."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", section(text, "Layout"), re.M | re.S)
    assert blocks, "the Layout section has no code block"
    paths, parents = [], []  # parents: (indent, "dir/") from the outermost in
    for line in blocks[0].splitlines():
        match = ENTRY.match(line)
        if not line.strip() or not match:
            continue
        indent, name = len(match["indent"]), match["name"]
        while parents and parents[-1][0] >= indent:
            parents.pop()
        path = "".join(p for _, p in parents) + name
        paths.append(path)
        if name.endswith("/"):
            parents.append((indent, name))
    return paths


def package_parts() -> set[str]:
    """Every module (``*.py`` but ``__init__.py``) and sub-package (a folder holding Python
    modules) of the package, as paths from the project root; a sub-package ends in ``/``."""
    parts = set()
    for path in PACKAGE.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        if path.name != "__init__.py":
            parts.add(path.relative_to(ROOT).as_posix())
        if path.parent != PACKAGE:
            parts.add(path.parent.relative_to(ROOT).as_posix() + "/")
    return parts


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.M | re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def test_layout_names_every_module_of_the_package():
    listed = set(layout_entries(README.read_text()))
    missing = sorted(package_parts() - listed)
    assert not missing, (
        f"README.md's Layout section does not list {missing}: add one line each under "
        "src/audio_umaps/ saying what it holds"
    )


def test_layout_names_only_what_exists():
    gone = [p for p in layout_entries(README.read_text()) if not any(ROOT.glob(p.rstrip("/")))]
    assert not gone, f"README.md's Layout section lists {gone}, which do not exist"


def test_layout_parser_nests_entries_under_their_folder():
    text = (
        "## Layout\n\n```\nsrc/pkg/        the package\n  a.py          a module\n"
        "  sub/          a sub-package\n    b.py        in it\n                continued\n"
        "  c.py          back up\ntop.txt         a file\n```\n"
    )
    assert layout_entries(text) == [
        "src/pkg/",
        "src/pkg/a.py",
        "src/pkg/sub/",
        "src/pkg/sub/b.py",
        "src/pkg/c.py",
        "top.txt",
    ]


def test_package_parts_see_modules_and_sub_packages():
    parts = package_parts()
    assert "src/audio_umaps/config.py" in parts
    assert any(p.endswith("/") for p in parts), "no sub-package found"
    assert not any(p.endswith("__init__.py") for p in parts)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_at_existing_files_and_headings(doc):
    text = re.sub(r"^```.*?^```", "", doc.read_text(), flags=re.M | re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        dest = (doc.parent / file).resolve() if file else doc
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{doc.relative_to(ROOT)} links to {broken}"


def test_slug_follows_github():
    assert slug("Scoring a submission (no audio)") == "scoring-a-submission-no-audio"
    assert slug("Exploring: hear and trace every dot") == "exploring-hear-and-trace-every-dot"
    assert slug("The explorer's files") == "the-explorers-files"
