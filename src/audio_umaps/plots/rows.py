"""What a panel draws, selected from an embedding table (no drawing here)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import PANEL_LABELS


def external(emb: pd.DataFrame) -> pd.DataFrame:
    """The windows of external (``folder``) datasets."""
    return emb[emb["kind"] == "folder"]


def internal(emb: pd.DataFrame) -> pd.DataFrame:
    """The windows of DCASE devices."""
    return emb[emb["kind"] != "folder"]


def device_rows(emb: pd.DataFrame, device: str) -> pd.DataFrame:
    """A device's windows; ValueError when there are none."""
    rows = emb[(emb["kind"] != "folder") & (emb["device"] == device)]
    if rows.empty:
        raise ValueError(f"no windows of device '{device}' in this embedding")
    return rows


def section_rows(emb: pd.DataFrame, device: str, section: str) -> pd.DataFrame:
    """A device section's windows; ValueError when there are none."""
    rows = emb[(emb["kind"] != "folder") & (emb["device"] == device) & (emb["section"] == section)]
    if rows.empty:
        raise ValueError(f"no windows of device '{device}' section '{section}' in this embedding")
    return rows


def split(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training, test) windows of ``rows``."""
    return rows[rows["split"] == "train"], rows[rows["split"] == "test"]


def panels(test: pd.DataFrame) -> list[str]:
    """The panels a figure of these test windows has: normal and anomaly, and unknown when
    some window has no label."""
    labels = ["normal", "anomaly"]
    if (test["label"] == "unknown").any():
        labels.append("unknown")
    return labels


def xy(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The windows' coordinates as float arrays."""
    return rows["x"].to_numpy(dtype=float), rows["y"].to_numpy(dtype=float)


def why_empty(test: pd.DataFrame, label: str, where: str) -> str:
    """Why a panel has no test windows of ``label``."""
    what = PANEL_LABELS[label]
    if test.empty:
        return f"No {what} {where}: it holds no test windows at all."
    unknown = int((test["label"] == "unknown").sum())
    if unknown == len(test):
        return (
            f"No {what} {where}: its test windows are evaluation data without ground truth "
            "(labels unknown; they are on the unlabelled panel)."
        )
    if label == "unknown":
        return f"No {what} {where}: every test window has a label."
    name = {"normal": "normal", "anomaly": "anomalous"}[label]
    text = f"No {what} {where}: the scope's test data has none labelled {name}"
    if unknown:
        text += f" ({unknown:,} test windows are evaluation data without ground truth, on the unlabelled panel)"
    return text + "."
