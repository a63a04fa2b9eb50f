"""Status files and the run's list of what was skipped: maps, and sections whose every file
was left out."""

import numpy as np
import pandas as pd
from conftest import write_wav
from test_plan import config_for

from audio_umaps import manifest, status, tables
from audio_umaps.plan import Plan


def test_sections_whose_every_file_was_left_out_are_listed(dcase_root, tmp_path):
    """pump (sections 00, 01, 03 of dcase_root): section 01's files are no audio (left out when
    listed), section 03's are silent (left out by the feature job); section 00 keeps one file."""
    rng = np.random.default_rng(0)
    for path in sorted(dcase_root.rglob("section_01_*.wav")):
        path.write_bytes(rng.integers(0, 256, 2000, dtype=np.uint8).tobytes())
    for path in sorted(dcase_root.rglob("section_03_*.wav")):
        write_wav(path, np.zeros(8000))
    plan = Plan(config_for({"dev": {"kind": "dcase2021", "root": str(dcase_root)}}))
    assert plan.dcase_sections() == {"dev": {"pump": ["00", "01", "03"]}}  # from the names alone
    assert plan.section_datasets("pump", "01") == ["dev"]
    assert plan.dcase_datasets == plan.device_datasets("pump") == ["dev"]

    table, excluded = manifest.build_manifest("dev", {"kind": "dcase2021", "root": str(dcase_root)}, 0.1)
    assert set(table["section"]) == {"00", "03"}  # section 01 has no manifest row
    silent = table.loc[table["section"] == "03", "path"]
    section00 = table.loc[table["section"] == "00", "path"].iloc[1:]
    # the feature job's table: the silent files, and all but one file of section 00, left out;
    # a damaged file kept is not left out
    features = pd.DataFrame(
        [("dev", p, "features", "silent", tables.LEFT_OUT) for p in [*silent, *section00]]
        + [("dev", table["path"].iloc[0], "manifest", "truncated", "kept with its real length")],
        columns=tables.columns("excluded"),
    )
    report = pd.concat([excluded, features], ignore_index=True)
    tables.write("manifest", table, tmp_path / "dev.tsv")
    tables.write("excluded", report, tmp_path / "dev.excluded.tsv")
    empty = status.read_empty_sections(plan.dcase_sections(), [tmp_path / "dev.tsv"], [tmp_path / "dev.excluded.tsv"])
    assert empty == [("dev", "pump", "01"), ("dev", "pump", "03")]

    # skipped.tsv: the skipped maps, then those sections, each saying what to read
    status.write(tmp_path / "a.json", scope="pump", representation="mel", stack=5, windows=40)
    status.write(
        tmp_path / "b.json",
        scope="global",
        representation="mel",
        stack=50,
        windows=0,
        skipped="no file of scope 'global' is long enough for a window of 50 frames",
    )
    skipped = status.skipped_table([tmp_path / "a.json", tmp_path / "b.json"], empty, {"pump": "Pump 1"})
    assert skipped.columns.tolist() == status.SKIPPED_COLUMNS
    assert skipped.values.tolist() == [
        ["mel", 50, "global", "", "", 0, "no file of scope 'global' is long enough for a window of 50 frames"],
        [
            "",
            "",
            "pump",
            "01",
            "dev",
            0,
            "no usable audio: every file of Pump 1 section 01 in dataset 'dev' "
            "was left out; see results/reports/dev.excluded.tsv for each file and why",
        ],
        [
            "",
            "",
            "pump",
            "03",
            "dev",
            0,
            "no usable audio: every file of Pump 1 section 03 in dataset 'dev' "
            "was left out; see results/reports/dev.excluded.tsv for each file and why",
        ],
    ]
    # nothing skipped: an empty table with its header; a dataset without a manifest row at all
    assert status.skipped_table([tmp_path / "a.json"]).empty
    assert status.empty_sections({"x": {"fan": ["00"]}}, tables.empty("manifest"), []) == [("x", "fan", "00")]
