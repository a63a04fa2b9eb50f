"""Configuration checks with messages that name the offending key."""

from __future__ import annotations

from pathlib import Path

import yaml


def problems(config: dict, schema: dict | str | Path) -> list[str]:
    """Every way ``config`` breaks the JSON ``schema``, one line each, naming the key.

    >>> problems({"stacks": [1, "ten"]}, {"properties": {"stacks": {"items": {"type": "integer"}}}})
    ["config key 'stacks.1': 'ten' is not of type 'integer'"]
    """
    from jsonschema import Draft202012Validator

    if not isinstance(schema, dict):
        schema = yaml.safe_load(Path(schema).read_text())
    validator = Draft202012Validator(schema)
    lines = []
    for error in sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path]):
        key = ".".join(str(p) for p in error.absolute_path)
        where = f"config key '{key}'" if key else "config (top level)"
        lines.append(f"{where}: {error.message}")
    return lines
