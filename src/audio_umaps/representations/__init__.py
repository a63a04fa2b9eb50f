"""Representations: each module turns a normalised signal into frames x features.

A representation module defines

``DEFAULTS``
    its parameters (the config's ``representation_params.<name>`` overrides them);
``compute(y, sample_rate, params) -> (features, energy)``
    ``features`` float32 (frames x dims), ``energy`` float32 (frames,) or ``None`` when the
    representation has no spectral energy;
``dims(params)``
    features per frame (used to size jobs before any feature exists);
``frame_times(n_frames, sample_rate, params)``
    time in seconds of each frame's centre in the original file;
``frame_seconds(sample_rate, params)``
    length in seconds of the signal one frame sees (the explorer plays a window's frames' span).

Optionally, ``set_threads(n)`` (threads a job may use) and ``provenance(params)`` (store
attributes saying what made the features, e.g. which pretrained weights).

Adding a representation is one more module registered in :data:`REGISTRY` and one more
entry in the config's ``representations`` list (its parameters go under
``representation_params.<name>``).
"""

from __future__ import annotations

from types import ModuleType

from . import l3, mel, stft

REGISTRY: dict[str, ModuleType] = {"stft": stft, "mel": mel, "l3": l3}


def get(name: str) -> ModuleType:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown representation {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


def params(name: str, overrides: dict | None = None) -> dict:
    """The representation's defaults updated by the config's overrides."""
    merged = dict(get(name).DEFAULTS)
    merged.update(overrides or {})
    return merged
