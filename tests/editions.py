"""Tiny DCASE Task 2 trees of every edition, named as the official downloads name their files
(development: train and test; evaluation: anonymised test names with the official ground-truth
files), with the labels each file must end up with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import write_wav

SR = 16000


def sound(label: str, i: int, seconds: float = 1.5) -> np.ndarray:
    """A machine-like hum; anomalies add a second, higher partial."""
    rng = np.random.default_rng(i)
    t = np.arange(int(seconds * SR)) / SR
    y = 0.4 * np.sin(2 * np.pi * (200 + 7 * i) * t) + 0.05 * rng.standard_normal(len(t))
    if label == "anomaly":
        y += 0.3 * np.sin(2 * np.pi * 1700 * t)
    return y


def write_edition(root: Path, edition: str, machine: str) -> tuple[dict, dict]:
    """Write a tree of ``edition`` for one machine under ``root``.

    Returns the dataset's config entry (kind, root, ground_truth) and
    ``{relpath: (section, domain, split, label)}`` of every file.
    """
    root = Path(root)
    expected: dict[str, tuple] = {}
    truth = root.parent / f"{root.name}_truth"
    n = 0

    def put(rel, facts, label=None):
        nonlocal n
        n += 1
        write_wav(root / rel, sound(label or facts[3], n))
        expected[rel] = facts

    if edition == "2020":
        for sec in ("00", "02"):
            for i in range(3):
                put(f"{machine}/train/normal_id_{sec}_{i:08d}.wav", (sec, "none", "train", "normal"))
            for label in ("normal", "anomaly"):
                put(f"{machine}/test/{label}_id_{sec}_{10:08d}.wav", (sec, "none", "test", label))
        rows = [machine]
        for i, label in enumerate(["anomaly", "normal", "normal"]):  # evaluation: anonymised
            put(f"{machine}/test/id_04_{i:08d}.wav", ("04", "none", "test", label))
            rows.append(f"id_04_{i:08d}.wav,{label}_id_04_{i:08d}.wav,{int(label == 'anomaly')}")
        truth.mkdir(parents=True, exist_ok=True)
        (truth / "eval_data_list.csv").write_text("OtherMachine\nid_00_00000000.wav,x.wav,1\n" + "\n".join(rows) + "\n")
        return {"kind": "dcase", "root": str(root), "ground_truth": str(truth / "eval_data_list.csv")}, expected
    if edition == "2021":
        for domain in ("source", "target"):
            for i in range(2):
                put(
                    f"{machine}/train/section_00_{domain}_train_normal_{i:04d}_strength_{i}.wav",
                    ("00", domain, "train", "normal"),
                )
            for label in ("normal", "anomaly"):
                put(f"{machine}/{domain}_test/section_00_{domain}_test_{label}_0000.wav", ("00", domain, "test", label))
        truth.mkdir(parents=True, exist_ok=True)
        labels = ["anomaly", "normal"]
        for i, label in enumerate(labels):
            put(f"{machine}/test/section_03_{i:04d}.wav", ("03", "unknown", "test", label))
        (truth / f"ground_truth_{machine}_section_03_test.csv").write_text(
            "".join(f"section_03_{i:04d}.wav,{int(label == 'anomaly')}\n" for i, label in enumerate(labels))
        )
        return {"kind": "dcase", "root": str(root), "ground_truth": str(truth)}, expected
    # 2022-2025: section names with attributes; evaluation names hide domain, label, attributes
    attrs = {
        "2022": ("vel_4_loc_A", "vel_8_loc_B"),
        "2023": ("car_A2_spd_28V_mic_1", "car_C1_spd_1_mic_2"),
        "2024": ("noAttribute", "noAttribute"),
        "2025": ("Prs_1_Lvl_2", "Prs_3_Lvl_2"),
    }[edition]
    first = 1 if edition in ("2024", "2025") else 0  # numbering may start at 0001
    for d, domain in enumerate(("source", "target")):
        for i in range(2):
            put(
                f"{machine}/train/section_00_{domain}_train_normal_{first + i:04d}_{attrs[d]}.wav",
                ("00", domain, "train", "normal"),
            )
        for label in ("normal", "anomaly"):
            put(
                f"{machine}/test/section_00_{domain}_test_{label}_{first:04d}_{attrs[d]}.wav",
                ("00", domain, "test", label),
            )
    eval_section = "03" if edition == "2022" else "00"
    hidden = [("target", "anomaly"), ("source", "normal"), ("source", "anomaly")]
    names = []
    for i, (domain, label) in enumerate(hidden):
        name = (
            f"section_{eval_section}_test_{i:04d}.wav" if edition == "2022" else f"section_{eval_section}_{i:04d}.wav"
        )
        names.append(name)
        put(f"{machine}/test/{name}", (eval_section, domain, "test", label))
    for folder in ("ground_truth_data", "ground_truth_domain", "ground_truth_attributes"):
        (truth / folder).mkdir(parents=True, exist_ok=True)
    table = f"ground_truth_{machine}_section_{eval_section}_test.csv"
    (truth / "ground_truth_data" / table).write_text(
        "".join(f"{n},{int(lab == 'anomaly')}\n" for n, (_, lab) in zip(names, hidden))
    )
    (truth / "ground_truth_domain" / table).write_text(
        "".join(f"{n},{int(dom == 'target')}\n" for n, (dom, _) in zip(names, hidden))
    )
    (truth / "ground_truth_attributes" / table).write_text(
        "".join(
            f"{n},section_{eval_section}_{dom}_test_{lab}_{i + 1:04d}_{attrs[dom == 'target']}\n"
            for i, (n, (dom, lab)) in enumerate(zip(names, hidden))
        )
    )
    return {"kind": f"dcase{edition}", "root": str(root), "ground_truth": str(truth)}, expected
