"""One colour language for every map: the static plots and the explorer take their colours here.

========== =====================================================================================
encoding   how it is shown
========== =====================================================================================
device     a hue family (:data:`FAMILIES`): the DCASE devices have fixed families
           (:data:`KNOWN_DEVICES`), others one chosen from a hash of the name, the next free one
           when another device of the run holds it
section    a shade of its device's family, lighter to darker in section order
           (:func:`shade`); datasets that share a device name split its shades, the first
           dataset lighter, and legends name the dataset (``slider (dcase2020)``)
domain     a fixed pair, source blue and target orange (DCASE 2020's ``none`` as source,
           ``unknown`` dark grey): the colours of a device's maps, shaded per section as above
label      the panel (normal test windows left, anomalous right, unlabelled third); where a
           label is coloured, normal dark grey, anomaly red, unknown light grey
split      training windows as shadows in their group's colour, test windows as dots on them;
           where the split is coloured, train ochre, test near-black, external grey
external   shadows beneath, in the dataset's configured ``colour`` or grey (:data:`EXTERNAL`)
dataset    where datasets are coloured: the configured ``colour`` or :data:`DATASETS` in name
           order
file       a section plot's test files and a folder plot's sub-folders: :data:`IDENTITIES` in
           turn (no blue, orange, red or grey: those keep their meaning)
========== =====================================================================================

Blue and orange mean a domain, red an anomaly and grey external data (or no value) wherever
they appear; no device family uses them. Colours are ``#rrggbb`` strings. The module needs no
plotting library: :func:`as_json` gives the explorer the same colours.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# ---- fixed colours -------------------------------------------------------------------------------
DOMAINS = {"source": "#1f77b4", "target": "#ff7f0e", "none": "#1f77b4", "unknown": "#525252"}
LABELS = {"normal": "#404040", "anomaly": "#d62728", "unknown": "#a6a6a6"}
EXTERNAL = "#8c8c8c"  # external data, and the "other" group of a folder plot
SPLITS = {"train": "#8c6d31", "test": "#1a1a1a", "external": EXTERNAL}

# Device hue families: no blue, orange, red or grey (they mean domain, anomaly, external).
FAMILIES = (
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#d9a400",
    "#3f3f9f",
    "#00796b",
    "#a0185b",
)
FAMILY_NAMES = ("green", "purple", "brown", "pink", "olive", "cyan", "gold", "indigo", "teal", "wine")
# The development devices of DCASE 2020-2025, each its own family, whatever else a run maps.
KNOWN_DEVICES = {
    "ToyCar": 0,
    "fan": 1,
    "pump": 2,
    "slider": 3,
    "valve": 4,
    "ToyTrain": 5,
    "gearbox": 6,
    "bearing": 7,
    "ToyConveyor": 8,
}
# Datasets where they are what is coloured (Paul Tol's muted scheme without its grey).
DATASETS = ("#332288", "#117733", "#44aa99", "#88ccee", "#ddcc77", "#cc6677", "#aa4499", "#882255", "#999933")
# Files and sub-folders: tab20 without its blues, oranges, reds and greys, the dark ones first,
# the light ones turned by three (files six apart, often on one panel, are not one hue).
IDENTITIES = (
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
    "#98df8a",
    "#c5b0d5",
    "#c49c94",
)
SHADE_SPAN = 0.45  # the first shade is mixed this much with white, the last with black

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# The 148 CSS colour names (CSS Color Module Level 4), as browsers and matplotlib read them.
CSS_COLOURS = dict(
    item.split(":")
    for item in """
aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc
bisque:ffe4c4 black:000000 blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a
burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00 chocolate:d2691e coral:ff7f50
cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c cyan:00ffff darkblue:00008b darkcyan:008b8b
darkgoldenrod:b8860b darkgray:a9a9a9 darkgreen:006400 darkgrey:a9a9a9 darkkhaki:bdb76b
darkmagenta:8b008b darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000
darksalmon:e9967a darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f
darkslategrey:2f4f4f darkturquoise:00ced1 darkviolet:9400d3 deeppink:ff1493 deepskyblue:00bfff
dimgray:696969 dimgrey:696969 dodgerblue:1e90ff firebrick:b22222 floralwhite:fffaf0
forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc ghostwhite:f8f8ff gold:ffd700
goldenrod:daa520 gray:808080 green:008000 greenyellow:adff2f grey:808080 honeydew:f0fff0
hotpink:ff69b4 indianred:cd5c5c indigo:4b0082 ivory:fffff0 khaki:f0e68c lavender:e6e6fa
lavenderblush:fff0f5 lawngreen:7cfc00 lemonchiffon:fffacd lightblue:add8e6 lightcoral:f08080
lightcyan:e0ffff lightgoldenrodyellow:fafad2 lightgray:d3d3d3 lightgreen:90ee90 lightgrey:d3d3d3
lightpink:ffb6c1 lightsalmon:ffa07a lightseagreen:20b2aa lightskyblue:87cefa
lightslategray:778899 lightslategrey:778899 lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00
limegreen:32cd32 linen:faf0e6 magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa
mediumblue:0000cd mediumorchid:ba55d3 mediumpurple:9370db mediumseagreen:3cb371
mediumslateblue:7b68ee mediumspringgreen:00fa9a mediumturquoise:48d1cc mediumvioletred:c71585
midnightblue:191970 mintcream:f5fffa mistyrose:ffe4e1 moccasin:ffe4b5 navajowhite:ffdead
navy:000080 oldlace:fdf5e6 olive:808000 olivedrab:6b8e23 orange:ffa500 orangered:ff4500
orchid:da70d6 palegoldenrod:eee8aa palegreen:98fb98 paleturquoise:afeeee palevioletred:db7093
papayawhip:ffefd5 peachpuff:ffdab9 peru:cd853f pink:ffc0cb plum:dda0dd powderblue:b0e0e6
purple:800080 rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f royalblue:4169e1
saddlebrown:8b4513 salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee sienna:a0522d
silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 slategrey:708090 snow:fffafa
springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8 tomato:ff6347
turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 yellow:ffff00
yellowgreen:9acd32
""".split()
)


def to_hex(colour: str, *, key: str = "colour") -> str:
    """``colour`` as ``#rrggbb`` (lower case): ``#rgb``, ``#rrggbb`` or a CSS colour name.

    Raises
    ------
    ValueError
        Naming ``key`` when the colour cannot be read.
    """
    text = str(colour).strip()
    if _HEX.fullmatch(text):
        digits = text[1:] if len(text) == 7 else "".join(c * 2 for c in text[1:])
        return "#" + digits.lower()
    if text.lower() in CSS_COLOURS:
        return "#" + CSS_COLOURS[text.lower()]
    raise ValueError(f"{key}: {colour!r} is not a colour; give '#rrggbb' or a CSS colour name (e.g. 'grey')")


def rgb(colour: str) -> tuple[float, float, float]:
    """A colour (as :func:`to_hex` reads it) as red, green and blue in 0..1."""
    digits = to_hex(colour)[1:]
    return tuple(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))


def _hex(values) -> str:
    return "#" + "".join(f"{round(min(max(v, 0.0), 1.0) * 255):02x}" for v in values)


def shade(base: str, i: int, n: int) -> str:
    """The ``i``-th of ``n`` shades of ``base``, lighter (``i = 0``: mixed
    :data:`SHADE_SPAN` with white) to darker (``i = n - 1``: mixed as much with black);
    ``base`` itself when ``n`` is 1."""
    t = SHADE_SPAN - 2 * SHADE_SPAN * (i / (n - 1)) if n > 1 else 0.0
    return _hex(c + (1 - c) * t if t > 0 else c * (1 + t) for c in rgb(base))


def _stable_hash(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def device_families(devices: Iterable[str]) -> dict[str, str]:
    """The base colour of each device's family.

    A device of :data:`KNOWN_DEVICES` always has its own family; any other takes the family its
    name hashes to, or, when a device of ``devices`` holds that one, the next free family (in
    sorted name order). Beyond ``len(FAMILIES)`` devices families repeat.

    Parameters
    ----------
    devices : iterable of str
        The run's devices (order and repeats do not matter).

    Returns
    -------
    dict of str to str
        ``#rrggbb`` per device, in sorted name order.
    """
    names = sorted(set(devices))
    index = {d: KNOWN_DEVICES[d] for d in names if d in KNOWN_DEVICES}
    taken = set(index.values())
    for device in names:
        if device in index:
            continue
        start = _stable_hash(device) % len(FAMILIES)
        free = [k for k in range(len(FAMILIES)) if (start + k) % len(FAMILIES) not in taken]
        index[device] = (start + free[0]) % len(FAMILIES) if free else start
        taken.add(index[device])
    return {d: FAMILIES[index[d]] for d in names}


def device_label(device: str, dataset: str | None = None) -> str:
    """A device's name in legends: ``slider``, or ``slider (dcase2020)`` when ``dataset`` is
    given (the device's name is shared with another dataset)."""
    return f"{device} ({dataset})" if dataset else device


@dataclass(frozen=True)
class Palette:
    """The colours of one map or run: built by :func:`build` (or :func:`from_table`).

    Attributes
    ----------
    families : dict
        Base colour of each device (:func:`device_families`).
    groups : dict
        Each device's ``(dataset, section)`` pairs, sorted: the order of its shades.
    external : dict
        Shadow colour of each external dataset (configured, or :data:`EXTERNAL`).
    datasets : dict
        Colour of each dataset where datasets are coloured (configured, or :data:`DATASETS`).

    Configured colours are kept as given (any colour matplotlib reads); :meth:`as_json` writes
    them as ``#rrggbb``.
    """

    families: dict[str, str] = field(default_factory=dict)
    groups: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    external: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, str] = field(default_factory=dict)

    def datasets_of(self, device: str) -> list[str]:
        """The datasets holding ``device``, sorted."""
        return list(dict.fromkeys(d for d, _ in self.groups.get(device, ())))

    def shared(self, device: str) -> bool:
        """Whether more than one dataset holds a device of this name."""
        return len(self.datasets_of(device)) > 1

    def label(self, device: str, dataset: str | None = None) -> str:
        """The device's name in legends, with the dataset when the name is shared."""
        return device_label(device, dataset if self.shared(device) else None)

    def _index(self, device: str, dataset: str | None, section: str) -> tuple[int, int]:
        groups = self.groups.get(device, ())
        for i, (d, s) in enumerate(groups):
            if s == section and (dataset is None or d == dataset):
                return i, len(groups)
        raise KeyError(
            f"no section {section!r} of device {device!r}"
            + (f" in dataset {dataset!r}" if dataset else "")
            + " in this palette"
        )

    def device(self, device: str, dataset: str | None = None) -> str:
        """A device's colour: its family's base; with ``dataset``, when the name is shared, the
        dataset's shade of it (the first dataset lighter)."""
        base = self.families[device]
        held = self.datasets_of(device)
        if dataset is None or len(held) < 2:
            return base
        return shade(base, held.index(dataset), len(held))

    def section(self, device: str, section: str, dataset: str | None = None) -> str:
        """A section's colour: its shade of the device's family."""
        return shade(self.families[device], *self._index(device, dataset, section))

    def domain(
        self, domain: str, device: str | None = None, section: str | None = None, dataset: str | None = None
    ) -> str:
        """A domain's colour (:data:`DOMAINS`; an unknown name as ``unknown``); with ``device``
        and ``section``, at the section's shade (a device plot's groups); with ``device`` and
        ``dataset`` alone, at the dataset's shade when datasets share the device's name."""
        base = DOMAINS.get(domain, DOMAINS["unknown"])
        if device is None:
            return base
        if section is not None:
            return shade(base, *self._index(device, dataset, section))
        held = self.datasets_of(device)
        return shade(base, held.index(dataset), len(held)) if dataset in held and len(held) > 1 else base

    def as_json(self) -> dict[str, dict[str, str]]:
        """Every colour as ``{encoding: {value: "#rrggbb"}}``, for the explorer.

        ``device`` holds each device's family (and, for a shared name, ``"slider (dcase2020)"``
        per dataset); ``section`` each ``"<device>/<section>"`` (``"<device> (<dataset>)/<section>"``
        for a shared name); ``domain``, ``label``, ``split`` the fixed colours; ``dataset`` the
        colour of each dataset; ``external`` each external dataset's shadows.
        """
        device, section = {}, {}
        for name in self.families:
            device[name] = self.families[name]
            shared = self.shared(name)
            for dataset, sec in self.groups.get(name, ()):
                key = device_label(name, dataset if shared else None)
                if shared:
                    device[key] = self.device(name, dataset)
                section[f"{key}/{sec}"] = self.section(name, sec, dataset)
        return {
            "device": device,
            "section": section,
            "domain": dict(DOMAINS),
            "label": dict(LABELS),
            "split": dict(SPLITS),
            "dataset": {k: to_hex(v, key=f"datasets.{k}.colour") for k, v in self.datasets.items()},
            "external": {k: to_hex(v, key=f"datasets.{k}.colour") for k, v in self.external.items()},
        }


def build(
    members: Iterable[tuple[str, str, str]] = (),
    *,
    datasets: Mapping[str, str | None] | None = None,
    external: Iterable[str] = (),
    devices: Iterable[str] = (),
) -> Palette:
    """The palette of a run or a map.

    Parameters
    ----------
    members : iterable of (dataset, device, section)
        The device sections there are (repeats do not matter).
    datasets : dict of str to str or None, optional
        Every dataset and its configured ``colour`` (None: none configured).
    external : iterable of str, optional
        The external datasets (drawn as shadows in their configured colour, or grey).
    devices : iterable of str, optional
        More devices whose families to keep free (a run's other devices).

    Returns
    -------
    Palette
    """
    members = sorted(set(members))
    datasets = dict(datasets or {})
    groups: dict[str, list[tuple[str, str]]] = {}
    for dataset, device, section in members:
        groups.setdefault(device, []).append((dataset, section))
        if dataset:
            datasets.setdefault(dataset, None)
    families = device_families([*groups, *devices])
    external = sorted(set(external))
    for name in external:
        datasets.setdefault(name, None)
    cycle = iter(DATASETS * (1 + len(datasets) // len(DATASETS)))
    coloured = {name: colour or next(cycle) for name, colour in sorted(datasets.items())}
    return Palette(
        families=families,
        groups={d: tuple(g) for d, g in sorted(groups.items())},
        external={name: datasets[name] or EXTERNAL for name in external},
        datasets=coloured,
    )


def from_table(emb, colours: Mapping[str, str] | None = None) -> Palette:
    """The palette of an embedding table: its device sections (rows of ``kind`` other than
    ``folder``) and its external datasets, ``colours`` giving the configured colour of
    external datasets by name."""
    internal = emb[emb["kind"] != "folder"]
    members = zip(internal["dataset"], internal["device"], internal["section"])
    external = emb.loc[emb["kind"] == "folder", "dataset"].unique()
    colours = dict(colours or {})
    names = set(emb["dataset"].unique())
    return build(members, datasets={n: colours.get(n) for n in names}, external=external)


def as_json(
    devices: Iterable[str] = (),
    sections: Mapping | None = None,
    datasets: Mapping[str, str | None] | None = None,
    external: Iterable[str] = (),
) -> dict:
    """The colours of a run, ``{encoding: {value: "#rrggbb"}}`` (:meth:`Palette.as_json`).

    Parameters
    ----------
    devices : iterable of str
        The run's devices.
    sections : dict, optional
        Each device's sections: ``{device: [section, ...]}``, or ``{device: {dataset: [section,
        ...]}}`` (which tells datasets sharing a device name apart).
    datasets : dict of str to str or None, optional
        Every dataset and its configured ``colour`` (None: none).
    external : iterable of str, optional
        The external datasets.

    Examples
    --------
    >>> as_json(["fan"], {"fan": ["00"]})["section"]
    {'fan/00': '#9467bd'}
    """
    members = []
    for device, found in (sections or {}).items():
        if isinstance(found, Mapping):
            members += [(dataset, device, s) for dataset, secs in found.items() for s in secs]
        else:
            members += [("", device, s) for s in found]
    return build(members, datasets=datasets, external=external, devices=devices).as_json()


def from_plan(plan) -> Palette:
    """The palette of a run: every device section of its DCASE datasets (devices by their
    folder names, as the maps' tables carry them), and its datasets' configured colours.

    Parameters
    ----------
    plan : audio_umaps.plan.Plan
        (Read through ``plan.datasets`` — each with ``sections``, ``colour``, ``external`` —
        ``plan.devices`` and ``plan.device_name``.)

    Returns
    -------
    Palette
        ``from_plan(plan).as_json()`` is what the explorer's pages take.
    """
    members = [
        (name, plan.device_name(device), section)
        for name, dataset in plan.datasets.items()
        for device, sections in dataset.sections.items()
        for section in sections
    ]
    return build(
        members,
        datasets={name: d.colour for name, d in plan.datasets.items()},
        external=[name for name, d in plan.datasets.items() if d.external],
        devices=[plan.device_name(d) for d in plan.devices],
    )
