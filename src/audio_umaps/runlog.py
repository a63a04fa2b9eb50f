"""Logging for workflow scripts: everything a job says goes to its Snakemake log file."""

from __future__ import annotations

import logging
import sys


def start(log_path: str) -> logging.Logger:
    """Send logging, warnings and uncaught errors (stderr) to ``log_path``."""
    handle = open(log_path, "w", buffering=1)
    sys.stderr = handle
    logging.basicConfig(
        level=logging.INFO,
        stream=handle,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.captureWarnings(True)
    return logging.getLogger("audio_umaps")
