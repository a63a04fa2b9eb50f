"""Progress of a long loop, logged so that a job's log says how far it is and how long it has
left, e.g.::

    features: 1,200 of 4,200 files (28.6 %), 41.3 files/s, about 1 min 13 s left

A line is logged at most every ``every`` seconds (30 by default) while the loop runs, and one
final line when it is done (``done in …``). Scripts send ``logging``'s INFO lines to their job's
log (:mod:`audio_umaps.runlog`).
"""

from __future__ import annotations

import logging
import math
import time

EVERY = 30.0  # seconds between two lines of a running loop

_log = logging.getLogger(__name__)


def duration(seconds: float) -> str:
    """``seconds`` as a person reads it: ``12 s``, ``1 min 13 s``, ``2 h 05 min``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _rate(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.1f}" if rate >= 0.1 else f"{rate:.3g}"


class Progress:
    """Counts the items of a loop done and logs how many of ``total``, at what rate and how
    long is left, at most every ``every`` seconds, and once more when all are done.

    Parameters
    ----------
    total : int
        Items the loop will do.
    what : str
        What an item is, plural (``files``, ``windows``).
    label : str
        What the loop does, the start of each line (e.g. ``features``).
    log : logging.Logger, optional
        Where the lines go (INFO); this module's logger by default.
    every : float, optional
        Seconds between two lines while the loop runs (0: a line at every step); :data:`EVERY`
        by default.
    clock : callable
        Seconds, monotonic (:func:`time.monotonic`; tests pass a fake one).

    Examples
    --------
    >>> progress = Progress(len(paths), "files", label="features")  # doctest: +SKIP
    >>> for path in paths:  # doctest: +SKIP
    ...     work(path)
    ...     progress.advance()
    """

    def __init__(
        self,
        total: int,
        what: str = "files",
        *,
        label: str = "progress",
        log: logging.Logger | None = None,
        every: float | None = None,
        clock=time.monotonic,
    ):
        self.total, self.what, self.label = max(0, int(total)), what, label
        self.log, self.clock = log or _log, clock
        self.every = float(EVERY if every is None else every)
        self.done = 0
        self.start = self.last = clock()
        self.finished = False

    def advance(self, n: int = 1) -> None:
        """``n`` more items done."""
        self.update(self.done + int(n))

    def update(self, done: int) -> None:
        """``done`` items done in all; logs a line if ``every`` seconds have passed since the
        last one, or the final line when ``done`` reaches ``total``."""
        self.done = int(done)
        now = self.clock()
        if self.done >= self.total:
            self.finish()
        elif now - self.last >= self.every:
            self.last = now
            self.log.info("%s", self.line(now))

    def finish(self) -> None:
        """Log the final line (once), whether or not every item was counted."""
        if not self.finished:
            self.finished = True
            self.log.info("%s", self.line(self.clock()))

    def line(self, now: float) -> str:
        """The line for the items done at time ``now``."""
        elapsed = now - self.start
        share = 100.0 * self.done / self.total if self.total else 100.0
        text = f"{self.label}: {self.done:,} of {self.total:,} {self.what} ({share:.1f} %)"
        rate = self.done / elapsed if elapsed > 0 else math.nan
        if math.isfinite(rate):
            text += f", {_rate(rate)} {self.what}/s"
        if self.finished:
            return text + f", done in {duration(elapsed)}"
        if rate > 0:
            text += f", about {duration((self.total - self.done) / rate)} left"
        return text
