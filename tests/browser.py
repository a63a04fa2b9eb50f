"""Debian's Chromium driven by playwright-python (no browser download), for the explorer's
tests. Without /usr/bin/chromium a test module that imports this skips, unless
AUDIO_UMAPS_BROWSER=1 (set by .ci/run, which installs it) makes its absence a failure."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def require_chromium():
    """Skip the calling test module without Chromium (fail instead under AUDIO_UMAPS_BROWSER=1)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("AUDIO_UMAPS_BROWSER") == "1":
            raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)


@contextlib.contextmanager
def chromium(width: int = 1600, height: int = 1300):
    """A headless Chromium with an empty profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS, viewport={"width": width, "height": height}
        )
        try:
            yield context
        finally:
            context.close()


class Page:
    """An explorer page opened in the browser, drawn, with every console error and page error
    it raised, and helpers to point at, select and read windows."""

    def __init__(self, browser, url: str, *, wait: bool = True):
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        if wait:
            self.page.wait_for_function("window.AudioUmapsDrawn !== undefined", timeout=30000)

    def js(self, code: str, arg=None):
        return self.page.evaluate(code, arg)

    def point(self, i: int, view: str = "normal") -> dict:
        """Client coordinates of window ``i`` in a view: a panel of the page's own map
        (normal, anomaly, unknown; all in the combined view) or a linked map (``linked <key>``)."""
        return self.js(f"AudioUmaps.screenPoint({view!r}, {i})")

    def drag(self, points: list[dict], *, modifier: str | None = None) -> None:
        """Press, move through ``points`` (client points) and release, holding ``modifier``
        (Shift, Alt) if given."""
        if modifier:
            self.page.keyboard.down(modifier)
        self.page.mouse.move(points[0]["x"], points[0]["y"])
        self.page.mouse.down()
        for p in points[1:]:
            self.page.mouse.move(p["x"], p["y"], steps=4)
        self.page.mouse.up()
        if modifier:
            self.page.keyboard.up(modifier)

    def box_select(self, corners: list[dict], margin: float = 8.0, modifier: str | None = None) -> None:
        """Drag a box (the page's default tool) around ``corners`` (client points)."""
        x0, x1 = min(c["x"] for c in corners) - margin, max(c["x"] for c in corners) + margin
        y0, y1 = min(c["y"] for c in corners) - margin, max(c["y"] for c in corners) + margin
        self.drag([{"x": x0, "y": y0}, {"x": x1, "y": y1}], modifier=modifier)

    def selected(self) -> list[int]:
        """The selected windows (of the map the selection was made in)."""
        return self.js(
            "AudioUmaps.sel ? Array.from(AudioUmaps.sel.mask.keys()).filter(i => AudioUmaps.sel.mask[i]) : []"
        )

    def highlighted(self, key: str) -> list[int]:
        return self.js(
            f"(() => {{ const h = AudioUmaps.highlight[{key!r}]; return h ? Array.from(h.keys()).filter(i => h[i]) : []; }})()"
        )

    def close(self):
        self.page.close()
