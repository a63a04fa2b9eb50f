import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import write_wav

from audio_umaps import features, manifest, representations, sampling, stacking
from audio_umaps.store import Store


@pytest.fixture
def stores(dcase_root, tmp_path):
    ext = tmp_path / "ext"
    for i in range(3):
        write_wav(ext / f"x{i}.wav", np.random.default_rng(10 + i).standard_normal(16000))
    tables = [
        manifest.build_manifest("dev", {"kind": "dcase2021", "root": str(dcase_root)}, 0.1)[0],
        manifest.build_manifest("ext", {"kind": "folder", "root": str(ext)}, 0.1)[0],
    ]
    table = pd.concat(tables, ignore_index=True)
    paths = {}
    for (dataset, part), rows in table.groupby(["dataset", "part"]):
        out = tmp_path / "features" / f"{dataset}_{part}.zarr"
        features.extract(
            rows["path"].tolist(), "mel", representations.params("mel"), out, attrs={"dataset": dataset, "part": part}
        )
        paths[(dataset, part)] = str(out)
    return table, paths


CAPS = {"test": 7, "train": 5, "external": 11}


def test_caps_per_group_and_valid_windows(stores):
    table, paths = stores
    sample = sampling.sample_scope(table, paths, 3, CAPS, seed=1, scope="pump")
    counts = sample.groupby(["dataset", "device", "section", "domain", "split"]).size()
    assert counts[("ext", "", "", "", "external")] == 11
    for key, n in counts.items():
        assert n <= CAPS[key[-1]]
    # a group smaller than its cap gives every window it has
    test_03 = table[(table["section"] == "03")]
    frames = {p: n for p, n in zip(Store(paths[("dev", "pump")]).files, Store(paths[("dev", "pump")]).n_frames)}
    available = sum(frames[p] - 2 for p in test_03["path"])
    assert counts[("dev", "pump", "03", "unknown", "test")] == min(7, available)
    assert not sample.duplicated(["path", "first_frame"]).any()
    for store_path, rows in sample.groupby("store"):
        store = Store(store_path)
        assert (store.n_frames[rows["file_index"]] >= rows["first_frame"] + 3).all()
        assert [store.files[i] for i in rows["file_index"]] == rows["path"].tolist()
    np.testing.assert_allclose(sample["start_time"], sample["first_frame"] * 0.032)
    assert sample["point"].tolist() == list(range(len(sample)))


def test_reproducible_and_seeded(stores):
    table, paths = stores
    a = sampling.sample_scope(table, paths, 2, CAPS, seed=5, scope="global")
    b = sampling.sample_scope(table, paths, 2, CAPS, seed=5, scope="global")
    c = sampling.sample_scope(table, paths, 2, CAPS, seed=6, scope="global")
    pd.testing.assert_frame_equal(a, b)
    assert not a[["path", "first_frame"]].equals(c[["path", "first_frame"]])


def test_draws_only_from_the_stores_it_is_given(stores):
    table, paths = stores
    internal = {key: path for key, path in paths.items() if key[0] != "ext"}
    sample = sampling.sample_scope(table, internal, 1, CAPS, seed=0, scope="global")
    assert set(sample["kind"]) == {"dcase2021"} and set(sample["store"]) == set(internal.values())
    external = {("ext", "all"): paths[("ext", "all")]}
    sample = sampling.sample_scope(table, external, 1, CAPS, seed=0, scope="global")
    assert set(sample["split"]) == {"external"} and len(sample) == CAPS["external"]
    assert not sample["random_weights"].any()  # log-mel stores are never made with test weights


def test_gather_refuses_stores_the_job_did_not_declare(stores):
    table, paths = stores
    sample = sampling.sample_scope(table, paths, 2, CAPS, seed=0, scope="global")
    declared = [p for key, p in paths.items() if key[0] != "ext"]
    with pytest.raises(ValueError, match="not among the job's inputs: .*ext_all.zarr"):
        stacking.gather(sample, stores=declared)
    assert stacking.gather(sample, stores=list(paths.values())).shape == (len(sample), 2 * 128)


def test_sampling_reads_no_features(stores):
    """Sampling needs offsets and energy only: it still works with the feature chunks gone."""
    table, paths = stores
    before = sampling.sample_scope(table, paths, 2, CAPS, seed=3, scope="pump")
    gathered = stacking.gather(before)
    for path in paths.values():
        shutil.rmtree(f"{path}/features/c", ignore_errors=True)
    after = sampling.sample_scope(table, paths, 2, CAPS, seed=3, scope="pump")
    pd.testing.assert_frame_equal(before, after)
    assert gathered.shape == (len(before), 2 * 128)


def test_gather_matches_stacking_per_store(stores):
    table, paths = stores
    sample = sampling.sample_scope(table, paths, 4, CAPS, seed=2, scope="pump")
    gathered = stacking.gather(sample)
    row = sample.iloc[-1]
    store = Store(row["store"])
    direct = stacking.stack_windows(store, np.array([row["file_index"]]), np.array([row["first_frame"]]), 4)
    np.testing.assert_array_equal(gathered[-1], direct[0])


def test_empty_scope_says_why(stores):
    table, paths = stores
    with pytest.raises(
        sampling.EmptyScope,
        match="no file of scope 'pump' is long enough for a window of 10000 frames: the longest holds",
    ):
        sampling.sample_scope(table, paths, 10_000, CAPS, seed=0, scope="pump")
    with pytest.raises(sampling.EmptyScope, match="every file of scope 'pump' was left out"):
        sampling.sample_scope(table.iloc[:0], paths, 5, CAPS, seed=0, scope="pump")


def test_external_cap_per_file(tmp_path):
    """One long recording must not supply most of an external set's windows."""
    ext = tmp_path / "ext"
    write_wav(ext / "long.wav", np.random.default_rng(0).standard_normal(16000 * 20))
    for i in range(4):
        write_wav(ext / f"short{i}.wav", np.random.default_rng(1 + i).standard_normal(8000))
    table, _ = manifest.build_manifest("ext", {"kind": "folder", "root": str(ext)}, 0.1)
    out = tmp_path / "ext.zarr"
    features.extract(table["path"].tolist(), "mel", representations.params("mel"), out)
    stores = {("ext", "all"): str(out)}
    caps = {"test": 1, "train": 1, "external": 100}
    uncapped = sampling.sample_scope(table, stores, 1, caps, seed=0, scope="global")
    per_file = uncapped.groupby("path").size()
    assert per_file[str(ext / "long.wav")] / len(uncapped) > 0.8  # the long file dominates
    capped = sampling.sample_scope(table, stores, 1, {**caps, "external_per_file": 10}, seed=0, scope="global")
    per_file = capped.groupby("path").size()
    assert per_file.max() == 10 and len(per_file) == 5 and len(capped) == 10 + 4 * min(10, 16)
    assert not capped.duplicated(["path", "first_frame"]).any()
    long_frames = capped.loc[capped["path"] == str(ext / "long.wav"), "first_frame"]
    assert long_frames.is_monotonic_increasing and long_frames.max() > 100  # spread over the file
    again = sampling.sample_scope(table, stores, 1, {**caps, "external_per_file": 10}, seed=0, scope="global")
    pd.testing.assert_frame_equal(capped, again)
