"""The controls of an explorer page, as the page's config gives them to explore.js: the options
the windows can be coloured by, the filters (one group of on/off values per metadata column,
attributes included) and the score ranges."""

from __future__ import annotations

from .maps import LABELS, SPLITS

MAX_VALUES = 40  # a column with more values than this gets no on/off group (search finds them)


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


def filters(own: dict, attributes: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """``(column, values)`` of each on/off group: split, label, section, domain, and device and
    dataset where the scope has several, then each attribute column (``attr:<name>``, with
    ``(none)`` for files without it) of at most :data:`MAX_VALUES` values; columns with one
    value are left out (nothing to filter)."""
    cats = own.get("scope_categories") or own["categories"]
    groups = [
        ("split", [s for s in SPLITS if s in cats["split"]]),
        ("label", [lab for lab in LABELS if lab in cats["label"]]),
        ("section", list(cats["section"])),
        ("domain", list(cats["domain"])),
        ("device", list(cats["device"])),
        ("dataset", list(cats["dataset"])),
    ]
    groups += [(f"attr:{name}", values) for name, values in attributes.items()]
    return [(name, values) for name, values in groups if 1 < len(values) <= MAX_VALUES]


def ranges(own: dict) -> list[tuple[str, str]]:
    """``(measure, label)`` of each min/max filter: energy (a window's), the kNN score and each
    system's score (a file's)."""
    out = [("energy", "energy of the window")] if own["has_energy"] else []
    if "knn" in own["measures"]:
        out.append(("knn", "kNN score of the file"))
    return out + [(f"system:{s}", f"{s} score") for s in own["systems"]]
