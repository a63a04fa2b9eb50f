"""Every colour of the explorer's pages, in one place: the pages hand them to explore.js (their
config's ``colours``), which colours the windows and draws the legend."""

from __future__ import annotations


def explorer_colours() -> dict:
    """The explorer's colours.

    Returns
    -------
    dict
        ``category``: colours of a categorical option's values in turn (device, section,
        dataset, …); ``fixed``: colours of named values that always look the same (domain,
        label, split); ``continuous``: the ramp of energy and scores, low to high; ``none``:
        test windows without a value; ``shadow_none``: shadows without one; ``shadow_start``:
        the shadows' colour before the page's script runs; ``errors``: the ring of a system's
        false positives and negatives; ``paler``: how far shadows' colours are mixed with white.
    """
    return {
        "category": ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                     "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5"],
        "fixed": {
            "domain": {"source": "#1f77b4", "target": "#ff7f0e", "none": "#1f77b4", "unknown": "#2ca02c"},
            "label": {"normal": "#1f77b4", "anomaly": "#d62728", "unknown": "#7f7f7f"},
            "split": {"train": "#8c8c8c", "test": "#1f77b4", "external": "#9467bd"},
        },
        "continuous": ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779",
                       "#6ece58", "#b5de2b", "#fde725"],
        "none": "#9a9a9a",
        "shadow_none": "#c8c8c8",
        "shadow_start": "#a6c8e0",
        "errors": "#d62728",
        "paler": 0.55,
    }
