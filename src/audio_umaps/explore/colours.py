"""Every colour of the explorer's pages, in one place: the pages hand them to explore.js (their
config's ``colours``), which colours the windows and draws the legend. Named values take the
run's palette (:mod:`audio_umaps.palette`, the static plots' colours): devices, sections,
domains, labels, splits and datasets look the same on a page as in the PNGs."""

from __future__ import annotations

from .. import palette as _palette


def explorer_colours(run: dict | None = None, *, device: str | None = None) -> dict:
    """The explorer's colours.

    Parameters
    ----------
    run : dict, optional
        The run's palette as JSON (``palette.from_plan(plan).as_json()``); by default the fixed
        colours of :mod:`audio_umaps.palette` alone (devices and datasets then take the
        categorical colours in turn).
    device : str, optional
        The device (folder name) of a device scope: its sections take their shades of its
        family. (A global page colours sections by the categorical colours: sections of
        different devices share their numbers.)

    Returns
    -------
    dict
        ``category``: colours of a categorical option's values in turn (device, section,
        dataset, …); ``fixed``: colours of named values that always look the same (domain,
        label, split); ``continuous``: the ramp of energy and scores, low to high; ``none``:
        test windows without a value; ``shadow_none``: shadows without one; ``shadow_start``:
        the shadows' colour before the page's script runs; ``errors``: the ring of a system's
        false positives and negatives; ``paler``: how far shadows' colours are mixed with white;
        ``outline``: the ring of selected and playing windows, ``halo`` the ring around it;
        ``wave``, ``wave_outside``, ``span``, ``span_edge``, ``margin``, ``cursor``, ``text``: the
        player's waveform (played, and the rest of the clip), the window's span and its edge,
        the margin played around it, its cursor and its message.
    """
    fixed = {"domain": dict(_palette.DOMAINS), "label": dict(_palette.LABELS), "split": dict(_palette.SPLITS)}
    if run:
        fixed["device"] = dict(run.get("device", {}))
        fixed["dataset"] = {**run.get("dataset", {}), **run.get("external", {})}
        if device is not None:
            prefix = f"{device}/"
            fixed["section"] = {
                key[len(prefix) :]: colour for key, colour in run.get("section", {}).items() if key.startswith(prefix)
            }
    return {
        "category": list(_palette.IDENTITIES),
        "fixed": fixed,
        "continuous": [
            "#440154",
            "#482878",
            "#3e4989",
            "#31688e",
            "#26828e",
            "#1f9e89",
            "#35b779",
            "#6ece58",
            "#b5de2b",
            "#fde725",
        ],
        "none": "#9a9a9a",
        "shadow_none": "#c8c8c8",
        "shadow_start": "#a6c8e0",
        "errors": "#000000",  # a wrong decision's ring: black, as the static plots outline it
        "paler": 0.55,
        "outline": "#1a1a1a",
        "halo": "#ffffff",
        "wave": "#3a3a3a",
        "wave_outside": "#b0b0b0",
        "span": "#ffd54f",
        "span_edge": "#b8860b",
        "margin": "#fff3c4",
        "cursor": "#c62828",
        "text": "#666666",
    }
