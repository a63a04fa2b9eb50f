"""The workflow's configuration: its schema (shipped with the package), checks with messages
that name the offending key, and the schema's defaults filled in."""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from pathlib import Path

import yaml


class ConfigError(ValueError):
    """A configuration that breaks the schema; the message lists every problem, one a line."""


@cache
def _schema() -> dict:
    text = resources.files(__package__).joinpath("schemas/config.schema.yaml").read_text()
    return yaml.safe_load(text)


def schema() -> dict:
    """The JSON schema of the configuration (``schemas/config.schema.yaml`` in the package;
    ``workflow/schemas/config.schema.yaml`` links to it)."""
    return copy.deepcopy(_schema())


def problems(config: dict, schema: dict | str | Path | None = None) -> list[str]:
    """Every way ``config`` breaks the JSON ``schema`` (the package's own by default), one
    line each, naming the key.

    >>> problems({"stacks": [1, "ten"]}, {"properties": {"stacks": {"items": {"type": "integer"}}}})
    ["config key 'stacks.1': 'ten' is not of type 'integer'"]
    """
    from jsonschema import Draft202012Validator

    if schema is None:
        schema = _schema()
    elif not isinstance(schema, dict):
        schema = yaml.safe_load(Path(schema).read_text())
    validator = Draft202012Validator(schema)
    lines = []
    for error in sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path]):
        key = ".".join(str(p) for p in error.absolute_path)
        where = f"config key '{key}'" if key else "config (top level)"
        lines.append(f"{where}: {error.message}")
    return lines


def fill_defaults(config: dict, schema: dict | None = None, _top: bool = True) -> dict:
    """``config`` with the schema's defaults filled in where a key is absent, in place.

    An absent section (a top-level object, or a nested one with defaults, such as
    ``plots.origin``) is created with its defaults, so that e.g. ``audio`` or ``umap`` may be left
    out entirely; entries of maps (``datasets.<name>``) get their properties' defaults.
    """
    schema = _schema() if schema is None else schema
    for key, sub in schema.get("properties", {}).items():
        if key not in config:
            if "default" in sub:
                config[key] = copy.deepcopy(sub["default"])
            elif sub.get("type") == "object" and (_top or _has_defaults(sub)):
                config[key] = {}
        if isinstance(config.get(key), dict):
            fill_defaults(config[key], sub, _top=False)
    entries = schema.get("additionalProperties")
    if isinstance(entries, dict) and "properties" in entries:
        for key, value in config.items():
            if key not in schema.get("properties", {}) and isinstance(value, dict):
                fill_defaults(value, entries, _top=False)
    return config


def _has_defaults(schema: dict) -> bool:
    return any("default" in sub or _has_defaults(sub) for sub in schema.get("properties", {}).values())


def report(config: dict) -> str:
    """The message for a configuration that breaks the schema: every problem, one line each,
    the key named (what the workflow says when Snakemake's ``validate`` refuses the config)."""
    return "the configuration (config/config.yaml or your --configfile) is not valid:\n  " + "\n  ".join(
        problems(config) or ["(no problem found by the package's schema)"]
    )


def check(config: dict) -> dict:
    """Validate ``config`` against the package's schema and fill in its defaults.

    Raises :class:`ConfigError` listing every problem (one line each, the key named).
    """
    if problems(config):
        raise ConfigError(report(config))
    colours = colour_problems(config)
    if colours:
        raise ConfigError("\n".join(colours))
    return fill_defaults(config)


def system_problem(system: str | None, systems) -> str | None:
    """What is wrong with the config key ``plots.colour_by_system`` (None when nothing).

    Parameters
    ----------
    system : str or None
        The key's value (None: colour by section and domain).
    systems : iterable of str
        The systems of the config key ``predictions``.

    Returns
    -------
    str or None
        A message naming the key and the systems it may name.
    """
    systems = list(systems)
    if system is None or system in systems:
        return None
    listed = ", ".join(map(repr, systems)) or "none configured"
    return (
        f"config key 'plots.colour_by_system' is {system!r}, which is not a system of config key "
        f"'predictions' (systems: {listed}): name one of them, or set it to null to colour the "
        "test windows by section and domain"
    )


def colour_problems(config: dict) -> list[str]:
    """Every dataset ``colour`` that is neither ``#rrggbb`` (``#rgb``) nor a CSS colour name
    (what the plots and the explorer both read, :func:`audio_umaps.palette.to_hex`), one line
    each, naming the key."""
    from .palette import to_hex

    lines = []
    for name, entry in (config.get("datasets") or {}).items():
        colour = entry.get("colour") if isinstance(entry, dict) else None
        if colour is None:
            continue
        try:
            to_hex(colour, key=f"config key 'datasets.{name}.colour'")
        except ValueError as exc:
            lines.append(str(exc))
    return lines


def plot_problems(config: dict, systems) -> list[str]:
    """What the workflow refuses in the plots' settings before any job runs: dataset colours
    (:func:`colour_problems`) and ``plots.colour_by_system`` (:func:`system_problem`)."""
    found = colour_problems(config)
    system = system_problem((config.get("plots") or {}).get("colour_by_system"), systems)
    return found + ([system] if system else [])
