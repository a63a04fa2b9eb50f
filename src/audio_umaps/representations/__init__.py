"""Representations: each *kind* of representation is a module that turns a file into frames x
features.

A configuration names its representations (``representations: [stft, mel, my_model]``); each
name's parameters are ``representation_params.<name>``. A name is of the kind its ``kind`` key
says, or, without one, of the kind it is named after (``stft``, ``mel``, ``l3``, ``tkeo``), so
one kind can serve several names (two ONNX models, log-mel stacked and log-mel pooled). Two
keys belong to the name rather than to its kind: ``kind`` and ``windowing`` (how a window of
``k`` frames becomes one vector, :data:`WINDOWINGS`; the feature stores do not depend on it).

A kind's module defines

``DEFAULTS``
    its parameters (the config's ``representation_params.<name>`` overrides them; a key not
    among them is refused);
``compute(y, sample_rate, params) -> (features, energy)``
    ``features`` float32 (frames x dims), ``energy`` float32 (frames,) or ``None`` when the
    representation has no spectral energy;
``dims(params)``
    features per frame (used to size jobs before any feature exists);
``frame_times(n_frames, sample_rate, params)``
    time in seconds of each frame's centre in the original file;
``frame_seconds(sample_rate, params)``
    length in seconds of the signal one frame sees (the explorer plays a window's frames' span).

Optionally ``set_threads(n)`` (threads a job may use), ``provenance(params)`` (store attributes
saying what made the features, e.g. which weights or model file), ``compute_batch(ys,
sample_rate, params)`` (several files at once, up to ``params["batch_size"]``),
``PER_FILE_THREADS = True`` (files may be computed one per thread), ``clip_level(params)``
(one vector per file: its window is the whole file, and only stack 1 exists) and
``FROM_FILES = True`` (the features are read from files, not computed from audio: the
``embeddings`` kind).
"""

from __future__ import annotations

from types import ModuleType

from . import embeddings, l3, mel, onnx, stft, tkeo

REGISTRY: dict[str, ModuleType] = {
    "stft": stft,
    "mel": mel,
    "l3": l3,
    "tkeo": tkeo,
    "onnx": onnx,
    "embeddings": embeddings,
}
# How the k frames of a window become one vector: stacked (k x dims, the paper's frame stacks),
# their mean (dims), or their mean and standard deviation (2 x dims).
WINDOWINGS = ("stack", "mean", "meanstd")
# Keys of representation_params.<name> that are the name's, not its kind's parameters.
OWN_KEYS = ("kind", "windowing")


def get(kind: str) -> ModuleType:
    """The module of a kind of representation."""
    try:
        return REGISTRY[kind]
    except KeyError:
        raise ValueError(f"unknown representation {kind!r}; known: {', '.join(sorted(REGISTRY))}") from None


def kind(name: str, overrides: dict | None = None) -> str:
    """The kind of the representation ``name`` (its ``kind`` key, else its own name)."""
    found = (overrides or {}).get("kind", name)
    if found not in REGISTRY:
        if "kind" in (overrides or {}):
            raise ValueError(
                f"config key 'representation_params.{name}.kind': unknown kind {found!r}; "
                f"known: {', '.join(sorted(REGISTRY))}"
            )
        raise ValueError(
            f"unknown representation {name!r}; known: {', '.join(sorted(REGISTRY))}, or any name "
            f"given a kind of these (config key 'representation_params.{name}.kind')"
        )
    return found


def params(name: str, overrides: dict | None = None) -> dict:
    """The parameters of representation ``name``: its kind's defaults updated by the config's
    overrides, with ``kind`` set (``windowing`` is not a parameter of the features: see
    :func:`windowing`). Raises ValueError naming the config key of an unknown parameter."""
    overrides = dict(overrides or {})
    found = kind(name, overrides)
    module = REGISTRY[found]
    unknown = [k for k in overrides if k not in module.DEFAULTS and k not in OWN_KEYS]
    if unknown:
        raise ValueError(
            f"config key 'representation_params.{name}.{unknown[0]}': not a parameter of kind "
            f"{found!r}; known: {', '.join(sorted([*module.DEFAULTS, *OWN_KEYS]))}"
        )
    merged = dict(module.DEFAULTS)
    merged.update({k: v for k, v in overrides.items() if k not in OWN_KEYS})
    merged["kind"] = found
    return merged


def module_of(params: dict) -> ModuleType:
    """The module of a representation's parameters (:func:`params`)."""
    return get(params["kind"])


def windowing(name: str, overrides: dict | None = None) -> str:
    """How representation ``name`` makes a window of its frames (``stack`` by default)."""
    found = (overrides or {}).get("windowing", "stack")
    if found not in WINDOWINGS:
        raise ValueError(
            f"config key 'representation_params.{name}.windowing': {found!r} is not one of {', '.join(WINDOWINGS)}"
        )
    return found


def clip_level(params: dict) -> bool:
    """Whether a representation has one vector per file (its window is the whole file)."""
    module = module_of(params)
    return bool(module.clip_level(params)) if hasattr(module, "clip_level") else False


def window_dims(dims: int, stack: int, how: str) -> int:
    """Dimensions of a window of ``stack`` frames of ``dims`` features under windowing ``how``."""
    return {"stack": stack * dims, "mean": dims, "meanstd": 2 * dims}[how]


def window_title(stack: int, how: str) -> str:
    """How a map's windows are made, for titles: ``stack 5``, ``mean of 5 frames``, ``mean and
    std of 5 frames``."""
    if how == "stack":
        return f"stack {stack}"
    frames = f"{stack} frame{'' if stack == 1 else 's'}"
    return f"mean of {frames}" if how == "mean" else f"mean and std of {frames}"
