"""The workflow's tables (audio_umaps.tables): each kind read and written back to the same bytes,
typed as its schema says, and a wrong file refused with a message naming it and its columns.

The fixtures in fixtures/tables/ are rows of the tables the workflow and the scorer write (the
demo's results and the tiny workflow run of test_workflow), one file per kind (``<kind>.tsv``,
or ``<kind>__<case>.tsv``)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from audio_umaps import tables
from audio_umaps.tables import TableError

FIXTURES = Path(__file__).parent / "fixtures" / "tables"
CASES = sorted(FIXTURES.glob("*.tsv"))


def kind_of(path: Path) -> str:
    return path.stem.split("__")[0]


def test_every_kind_has_a_fixture():
    assert {kind_of(p) for p in CASES} == set(tables.KINDS)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_read_then_write_gives_the_same_bytes(path, tmp_path):
    kind = kind_of(path)
    table = tables.read(kind, path)
    if kind == "benchmark":  # (Snakemake's file: read, never written)
        assert table["s"].dtype == float and table["max_rss"].dtype == float
        return
    tables.write(kind, table, tmp_path / "out.tsv")
    assert (tmp_path / "out.tsv").read_bytes() == path.read_bytes()
    # written from a frame whose named columns come in another order, the file is the same
    named = [c for c in table.columns[::-1] if c in tables.columns(kind)]
    tables.write(kind, table[[c for c in table.columns if c not in named] + named], tmp_path / "reversed.tsv")
    assert (tmp_path / "reversed.tsv").read_bytes() == path.read_bytes()


def test_text_stays_text_and_empty_numbers_are_missing():
    manifest = tables.read("manifest", FIXTURES / "manifest.tsv")
    assert manifest["section"].tolist()[:2] == ["00", "00"] and manifest["file_id"].iloc[0] == "0000"
    assert manifest["attr_speed"].tolist() == ["", "", "1.0"]  # an attribute is text, never a number
    assert manifest["samplerate"].dtype == np.int64 and manifest["duration"].dtype == np.float64
    folder = tables.read("manifest", FIXTURES / "manifest__folder.tsv")
    assert folder["edition"].iloc[0] == "" and folder["device"].iloc[0] == ""
    sample = tables.read("sample", FIXTURES / "sample__l3.tsv")
    assert np.isnan(sample["energy"].iloc[1]) and sample["random_weights"].dtype == bool
    unseeded = tables.read("map", FIXTURES / "map__unseeded.tsv")
    assert unseeded["umap_seed"].dtype == "Int64" and unseeded["umap_seed"].isna().tolist() == [False, True]
    rows = tables.read("metrics", FIXTURES / "metrics.tsv")
    assert np.isnan(rows["value"].iloc[-1]) and rows["edition"].iloc[0] == "" and rows["stack"].iloc[0] == "5"
    system = tables.read("metrics", FIXTURES / "metrics__system.tsv")
    assert system["representation"].iloc[0] == "" and system["stack"].iloc[0] == ""
    files = tables.read("prediction_files", FIXTURES / "prediction_files.tsv")
    assert files["decision"].dtype == "Int64" and files["score"].isna().tolist() == [False, False, True, True]
    skipped = tables.read("skipped", FIXTURES / "skipped.tsv")
    assert skipped["stack"].tolist() == ["5", ""] and skipped["windows"].tolist() == [12, 0]
    summary = tables.read("summary", FIXTURES / "summary.tsv")
    assert summary["sep_auc_files_original"].dtype == "Int64" and summary["sep_auc_original"].dtype == float
    machines = tables.read("scorer_machines", FIXTURES / "scorer_machines.tsv")
    assert machines["note"].tolist() == ["", "", ""] and machines["hmean"].dtype == float


def test_a_map_written_from_float32_coordinates_reads_back_and_rewrites_the_same(tmp_path):
    sample = tables.read("sample", FIXTURES / "sample.tsv")
    coords = np.array([[13.23032, -6.5431643], [0.1, 1e-7]], dtype=np.float32)
    umap = sample.assign(x=coords[:, 0], y=coords[:, 1], umap_seed=pd.array([42, 42], dtype="Int64"))
    tables.write("map", umap, tmp_path / "a.tsv")
    assert "\t13.23032\t-6.5431643\t42\n" in (tmp_path / "a.tsv").read_text()
    tables.write("map", tables.read("map", tmp_path / "a.tsv"), tmp_path / "b.tsv")
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes()


def test_integers_are_written_as_integers_and_fractions_refused(tmp_path):
    files = tables.read("metric_files", FIXTURES / "metric_files.tsv")
    gaps = files.assign(windows_umap=[12.0, np.nan], decision_mysystem=[1.0, np.nan])  # (as a merge leaves them)
    tables.write("metric_files", gaps, tmp_path / "f.tsv")
    lines = (tmp_path / "f.tsv").read_text().splitlines()
    assert lines[1].split("\t")[9] == "12" and lines[1].endswith("\t1") and lines[2].endswith("\t\t")
    with pytest.raises(TableError, match=r"f\.tsv \(written\): column windows_umap .* no integer"):
        tables.write("metric_files", files.assign(windows_umap=[1.5, 2.0]), tmp_path / "f.tsv")
    with pytest.raises(TableError, match="column windows of a metric_files table has an empty value"):
        tables.write("metric_files", files.assign(windows=[1.0, np.nan]), tmp_path / "f.tsv")


def test_a_file_of_another_kind_is_refused_naming_it_and_its_columns(tmp_path):
    sample = FIXTURES / "sample.tsv"
    with pytest.raises(TableError, match=rf"{sample}: not a map table: it lacks column\(s\) x, y, umap_seed"):
        tables.read("map", sample)
    with pytest.raises(
        TableError,
        match=r"lacks column\(s\) dataset, edition.* and has column\(s\) system, line, "
        r"problem that a prediction_files table has not",
    ):
        tables.read("prediction_files", FIXTURES / "problems.tsv")
    with pytest.raises(TableError, match="has column.s. x, y, umap_seed that a sample table has not"):
        tables.read("sample", FIXTURES / "map.tsv")
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(TableError, match=r"empty\.tsv: empty file, not a manifest table"):
        tables.read("manifest", tmp_path / "empty.tsv")
    with pytest.raises(FileNotFoundError):
        tables.read("manifest", tmp_path / "absent.tsv")
    with pytest.raises(ValueError, match="no kind of table 'umap': one of manifest, excluded"):
        tables.read("umap", sample)


def test_a_value_that_does_not_fit_its_column_is_refused_naming_the_file(tmp_path):
    text = (FIXTURES / "problems.tsv").read_text().replace("\t0\t", "\tzero\t", 1)
    (tmp_path / "p.tsv").write_text(text)
    with pytest.raises(TableError, match=r"p\.tsv: a value does not fit its column of a problems table"):
        tables.read("problems", tmp_path / "p.tsv")
    (tmp_path / "points.tsv").write_text("point\n0\n")  # a skipped map's points table has no rows
    with pytest.raises(TableError, match="a points table with rows needs the columns point, dataset"):
        tables.read("points", tmp_path / "points.tsv")


def test_extra_columns_only_where_the_kind_takes_them(tmp_path):
    manifest = tables.read("manifest", FIXTURES / "manifest.tsv")
    assert tables.attribute_columns(manifest) == ["attr_extra", "attr_speed"]
    tables.write("manifest", manifest.assign(attr_new="x"), tmp_path / "m.tsv")
    assert tables.read("manifest", tmp_path / "m.tsv").columns[-1] == "attr_new"
    with pytest.raises(TableError, match=r"m\.tsv \(written\): not a manifest table: it has column\(s\) store"):
        tables.write("manifest", manifest.assign(store="x"), tmp_path / "m.tsv")
    # a system's columns go where the metrics job writes them, in the frame's order
    points = tables.read("points", FIXTURES / "points.tsv")
    two = points.assign(score_b=1.0, decision_b=pd.array([1, 0], dtype="Int64"))
    order = tables.arrange("points", two[two.columns[::-1]]).columns.tolist()
    assert order[-6:] == [
        "decision_b",
        "score_b",
        "decision_mysystem",
        "score_mysystem",
        "knn_original",
        "lof_original",
    ]


def test_empty_tables_have_the_kinds_columns_and_dtypes(tmp_path):
    tables.write("sample", tables.empty("sample"), tmp_path / "s.tsv")
    assert (tmp_path / "s.tsv").read_text() == "\t".join(tables.columns("sample")) + "\n"
    back = tables.read("sample", tmp_path / "s.tsv")
    assert back.empty and back["point"].dtype == np.int64 and back["random_weights"].dtype == bool
    assert back["section"].dtype == tables.empty("sample")["section"].dtype
    assert tables.empty("points").columns.tolist() == ["point"]
    assert tables.read_many("manifest", []).columns.tolist() == tables.columns("manifest")
    both = tables.read_many("manifest", [FIXTURES / "manifest.tsv", FIXTURES / "manifest__folder.tsv"])
    assert len(both) == 4 and both["attr_speed"].isna().tolist() == [False] * 3 + [True]


def test_official_and_summary_keep_their_number_formats(tmp_path):
    official = tables.read("official", FIXTURES / "official.tsv").assign(auc_source=1 / 3)
    tables.write("official", official, tmp_path / "o.tsv")
    assert tables.read("official", tmp_path / "o.tsv")["auc_source"].iloc[0] == 0.333333
    summary = tables.read("summary", FIXTURES / "summary.tsv").assign(dcase_knn=2 / 3)
    tables.write("summary", summary, tmp_path / "s.tsv")
    assert "\t0.6667\t36\t" in (tmp_path / "s.tsv").read_text()


def test_snakemakes_benchmark_files_read_na_as_missing(tmp_path):
    (tmp_path / "b.tsv").write_text("s\th:m:s\tmax_rss\tmean_load\n1.5\t0:00:01\tNA\t-\n")
    table = tables.read("benchmark", tmp_path / "b.tsv")
    assert table["s"].iloc[0] == 1.5 and np.isnan(table["max_rss"].iloc[0]) and table["mean_load"].iloc[0] == "-"
