"""SEP and DSUP measures on synthetic data with known answers (audio_umaps.metrics)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor

from audio_umaps import dsup, metrics, separability
from audio_umaps.detector import Detector


def blobs(n_files=8, per_file=20, dims=16, shift=0.0, seed=0):
    """Window tables and windows: ``n_files`` normal and as many anomalous files, the
    anomalies' windows moved by ``shift`` along every dimension."""
    rng = np.random.default_rng(seed)
    rows, x = [], []
    for label, offset in (("normal", 0.0), ("anomaly", shift)):
        for f in range(n_files):
            path = f"{label}_{f}.wav"
            x.append(rng.normal(size=(per_file, dims)) + offset)
            rows += [
                dict(dataset="d", section="00", domain="source", label=label, path=path, row=len(rows) + i)
                for i in range(per_file)
            ]
    return pd.DataFrame(rows), np.vstack(x).astype(np.float32)


def test_separable_windows_give_sep_auc_1_and_unseparable_ones_about_one_half():
    table, x = blobs(shift=4.0)
    sep = separability.separability(x, table["label"], table["path"], folds=4)
    assert sep["auc"] == 1.0 and sep["folds"] == 4
    assert sep["hinge"] < 0.05 and sep["hinge_cv"] < 0.2
    table, x = blobs(shift=0.0, n_files=10, per_file=40)
    sep = separability.separability(x, table["label"], table["path"], folds=5)
    assert 0.35 < sep["auc"] < 0.65
    assert sep["hinge_cv"] > 0.8  # no margin: the held-out windows sit on the wrong side or inside


def test_sep_fits_in_processes_give_the_numbers_of_one_process(monkeypatch):
    """The in-sample fit and the fold fits of a group run in 2 processes (the job's threads):
    liblinear's coordinate order is seeded per fit, so every number is the same to the bit."""
    table, x = blobs(shift=0.7, n_files=6, per_file=30, dims=24)
    one = separability.separability(x, table["label"], table["path"], folds=4, jobs=1)
    monkeypatch.setattr(separability, "PARALLEL_FROM", 0)  # (this small group too)
    ran = []
    original = separability._fit
    monkeypatch.setattr(separability, "_fit", lambda *a: ran.append(1) or original(*a))
    two = separability.separability(x, table["label"], table["path"], folds=4, jobs=2)
    assert not ran  # the fits ran in the worker processes, not here
    assert two == one and one["folds"] == 4 and 0.5 < one["auc"] < 1.0


def test_grouped_folds_never_split_a_file_and_keep_both_classes():
    table, _ = blobs(n_files=7, per_file=9)
    y = (table["label"] == "anomaly").to_numpy()
    groups = table["path"].to_numpy()
    folds = separability.grouped_folds(y, groups, folds=5, seed=3)
    assert len(folds) == 5
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested) == list(range(len(y)))  # every window held out once
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert set(y[train]) == {False, True}
    # a class with a single file: no cross-validation at all
    assert separability.grouped_folds(y[:20], groups[:20], folds=5) == []
    sep = separability.separability(np.zeros((18, 2)) + np.arange(18)[:, None], table["label"][:18], groups[:18])
    assert np.isnan(sep["auc"]) and "no anomalous" in sep["note"]


def test_knn_scores_and_lof_match_scikit_learn_and_find_shifted_windows():
    rng = np.random.default_rng(1)
    bank = rng.normal(size=(400, 12)).astype(np.float32)
    normal = rng.normal(size=(100, 12)).astype(np.float32)
    anomalous = (rng.normal(size=(100, 12)) + 2.5).astype(np.float32)
    detector = Detector(bank, np.arange(400), k=5)  # a file per window: leave-one-out
    knn, lof = detector.score(np.vstack([normal, anomalous]))
    reference = LocalOutlierFactor(n_neighbors=5, novelty=True).fit(bank)
    assert np.allclose(lof, -reference.score_samples(np.vstack([normal, anomalous])), rtol=1e-5)
    brute = np.sort(np.linalg.norm(np.vstack([normal, anomalous])[:, None] - bank[None], axis=2), axis=1)[:, :5]
    assert np.allclose(knn, brute.mean(axis=1), rtol=1e-4)
    labels = ["normal"] * 100 + ["anomaly"] * 100
    assert dsup.auc(labels, knn) > 0.99 and dsup.auc(labels, lof) > 0.99
    same = rng.normal(size=(200, 12)).astype(np.float32)
    assert 0.4 < dsup.auc(labels, detector.score(same)[0]) < 0.6


def test_pauc_is_scikit_learns_standardised_partial_auc():
    rng = np.random.default_rng(2)
    labels = np.array(["normal"] * 50 + ["anomaly"] * 30)
    scores = rng.normal(size=80) + (labels == "anomaly")
    y = labels == "anomaly"
    assert dsup.auc(labels, scores, 0.1) == roc_auc_score(y, scores, max_fpr=0.1)
    assert dsup.auc(labels, scores) == roc_auc_score(y, scores)
    assert np.isnan(dsup.auc(["normal"] * 3, [1, 2, 3]))
    # windows without a score (a section without training windows) are left out, not fatal
    assert dsup.auc(["normal", "anomaly", "anomaly"], [0.0, 1.0, np.nan]) == 1.0


def test_support_of_training_data_against_itself_is_the_percentile():
    rng = np.random.default_rng(4)
    bank = rng.normal(size=(1000, 8)).astype(np.float32)
    detector = Detector(bank, np.arange(1000), k=5)
    threshold = detector.threshold(95)
    # the training windows' own (leave-one-out) scores: 95 % lie within their 95th percentile
    assert np.mean(detector.train_scores <= threshold) == pytest.approx(0.95, abs=0.002)
    fresh = rng.normal(size=(2000, 8)).astype(np.float32)  # more normal data from the same source
    assert np.mean(detector.score(fresh)[0] <= threshold) == pytest.approx(0.95, abs=0.04)
    far = fresh + 3.0
    assert np.mean(detector.score(far)[0] <= threshold) < 0.05


def autocorrelated_files(n_files, frames, dims, rng, rho=0.98):
    """Frames of ``n_files`` files, each a distinct, strongly autocorrelated signal: an AR(1)
    process (coefficient ``rho``) around a mean of its own, drawn from one distribution."""
    out = []
    for _ in range(n_files):
        z = np.empty((frames, dims))
        z[0] = rng.normal(size=dims)
        for t in range(1, frames):
            z[t] = rho * z[t - 1] + np.sqrt(1 - rho**2) * rng.normal(size=dims)
        out.append(rng.normal(size=dims) + 0.5 * z)
    return out


@pytest.mark.slow
def test_support_of_new_files_from_the_training_distribution_is_the_percentile_at_every_stack():
    """Windows of one file are near-copies of each other; a training window's own score taken
    against them (leave one window out) made the threshold too tight, so that the support of
    normal test files from the very same distribution read near 0. Taken against other files'
    windows, the support is the percentile, 0.95, at stacks 1, 5 and 10 (1,000 files on each
    side: the share's standard error is about 0.01)."""
    from audio_umaps.stacking import window_rows

    rng = np.random.default_rng(0)
    frames = autocorrelated_files(1000, 30, 8, rng) + autocorrelated_files(1000, 30, 8, rng)
    offsets = np.r_[0, np.cumsum([len(f) for f in frames])]
    store = np.vstack(frames).astype(np.float32)
    files = pd.DataFrame(
        dict(
            dataset="d",
            file_index=np.arange(2000),
            path=[f"{i}.wav" for i in range(2000)],
            split=["train"] * 1000 + ["test"] * 1000,
            label="normal",
            section="00",
            domain="source",
            bank="DCASE 2021 section 00",
        )
    )
    for stack in (1, 5, 10):
        windows = metrics.windows_of_files(files, np.diff(offsets), stack)

        def read(table, stack=stack):
            rows = window_rows(offsets, table["file_index"].to_numpy(), table["first_frame"].to_numpy(), stack)
            return store[rows.ravel()].reshape(len(rows), -1)

        test, bank = windows[windows["split"] == "test"], windows[windows["split"] == "train"]
        scored, thresholds, train, _ = metrics.score_windows(test, bank, read, k=5, percentile=95)
        rows = pd.DataFrame(
            dsup.dsup_rows(
                scored, dsup.file_scores(scored, ["knn", "lof"]), thresholds, space="original", train=train, k=5
            )
        )
        support = rows.loc[rows["measure"] == "support", "value"].iloc[0]
        assert support == pytest.approx(0.95, abs=0.03), (stack, support)
        # what the leave-one-window-out threshold gave: the file's own windows, far too close
        from audio_umaps.neighbours import knn

        own = knn(read(bank), None, k=6)[1][:, 1:].mean(axis=1)
        assert (scored["knn"] <= np.percentile(own, 95)).mean() < 0.5


def test_training_scores_never_come_from_their_own_file():
    rng = np.random.default_rng(8)
    frames = autocorrelated_files(12, 30, 4, rng)
    bank = np.vstack(frames).astype(np.float32)
    files = np.repeat(np.arange(12), 30)
    detector = Detector(bank, files, k=5)
    brute = np.linalg.norm(bank[:, None] - bank[None], axis=2)
    brute[files[:, None] == files[None, :]] = np.inf
    assert np.allclose(detector.train_scores, np.sort(brute, axis=1)[:, :5].mean(axis=1), rtol=1e-5)
    # LOF's training statistics too: its k-distances are the other files' distances
    assert np.allclose(detector.lof._distances_fit_X_, np.sort(brute, axis=1)[:, :5], rtol=1e-5)
    with pytest.raises(ValueError, match="at least 2 files"):
        Detector(bank[:30], files[:30], k=5)
    # a bank with a dominant file: k falls to the windows outside it
    small = Detector(bank[:33], files[:33], k=5)
    assert small.k == 3


def test_scoring_in_chunks_equals_scoring_at_once_and_rows_report_support():
    table, x = blobs(shift=3.0, n_files=4, per_file=25)
    table["split"] = "test"
    table["bank"] = "DCASE 2021 section 00"
    rng = np.random.default_rng(5)
    bank_x = rng.normal(size=(150, x.shape[1])).astype(np.float32)
    bank = pd.DataFrame(
        dict(
            section="00",
            bank="DCASE 2021 section 00",
            row=np.arange(150),
            dataset="d",
            path=[f"train_{i // 10}.wav" for i in range(150)],
        )
    )

    def read(rows):
        source = bank_x if "label" not in rows else x
        return source[rows["row"].to_numpy()]

    once, thresholds, train, used = metrics.score_windows(table, bank, read, k=5, percentile=95, chunk=10**6)
    chunked, *_ = metrics.score_windows(table, bank, read, k=5, percentile=95, chunk=7)
    assert np.allclose(once[["knn", "lof"]], chunked[["knn", "lof"]])
    assert train == {"DCASE 2021 section 00": 150} and used == {"DCASE 2021 section 00": 5}
    files = dsup.file_scores(once, ["knn", "lof"])
    assert len(files) == 8 and (files["windows"] == 25).all()
    rows = pd.DataFrame(dsup.dsup_rows(once, files, thresholds, space="original", train=train, k=5))
    # one domain: the section's rows pooled over both domains say the same
    pooled = rows[rows["domain"] == "all"].set_index(["method", "level", "measure"])["value"]
    pick = rows[rows["domain"] == "source"].set_index(["method", "level", "measure"])["value"]
    pd.testing.assert_series_equal(pooled, pick)
    assert pick[("knn", "file", "auc")] == 1.0 and pick[("knn", "window", "auc")] > 0.99
    assert pick[("knn", "window", "support")] > 0.8 and pick[("knn", "window", "support_anomalous")] < 0.05


def test_window_draws_are_seeded_capped_and_never_cross_files():
    files = pd.DataFrame(dict(dataset="d", store="s", file_index=[0, 1, 2], path=["a", "b", "c"]))
    n_frames = np.array([10, 3, 50])
    every = metrics.windows_of_files(files, n_frames, 4)
    assert list(every.groupby("path").size()) == [7, 47]  # b is too short for a window
    some = metrics.windows_of_files(files, n_frames, 4, per_file=5, seed=1)
    again = metrics.windows_of_files(files, n_frames, 4, per_file=5, seed=1)
    assert some.equals(again) and list(some.groupby("path").size()) == [5, 5]
    assert (some["first_frame"] + 4 <= some["path"].map({"a": 10, "c": 50})).all()
    drawn = metrics.draw_windows(files, n_frames, 4, 20, seed=2)
    assert len(drawn) == 20 and not drawn.duplicated(["path", "first_frame"]).any()
    assert (drawn["first_frame"] + 4 <= drawn["path"].map({"a": 10, "c": 50})).all()
    assert len(metrics.draw_windows(files, n_frames, 4, 1000)) == 54


def test_sections_of_different_editions_never_share_a_training_bank():
    """A 2020 machine id 00 and a 2021 section 00 of one device: each test window is scored
    against its own edition's training windows only, with its own support threshold."""
    rng = np.random.default_rng(6)
    near = rng.normal(size=(200, 4)).astype(np.float32)  # 2021's training data: tight
    wide = (rng.normal(size=(200, 4)) * 10).astype(np.float32)  # 2020's: spread out
    x = np.vstack([near, wide])
    bank = pd.DataFrame(
        dict(
            bank=[metrics.bank_key(2021, "00")] * 200 + [metrics.bank_key(2020, "00")] * 200,
            split="train",
            row=np.arange(400),
            dataset="d",
            path=[f"train_{i // 20}.wav" for i in range(400)],
        )
    )
    anomalies = (rng.normal(size=(50, 4)) + 3).astype(np.float32)
    test = pd.DataFrame(dict(bank=metrics.bank_key(2021, "00"), split="test", row=np.arange(50)))

    def read(rows):
        return (anomalies if rows["split"].iloc[0] == "test" else x)[rows["row"].to_numpy()]

    scored, thresholds, train, _ = metrics.score_windows(test, bank, read, k=5, percentile=95)
    assert train == {"DCASE 2021 section 00": 200}  # the 2020 bank was not used for 2021 windows
    alone = Detector(near, [f"train_{i // 20}.wav" for i in range(200)], k=5)
    assert thresholds["DCASE 2021 section 00"] == pytest.approx(alone.threshold(95))
    assert np.allclose(scored["knn"], alone.score(anomalies)[0])
    assert (scored["knn"] > thresholds["DCASE 2021 section 00"]).mean() > 0.9  # the anomalies stand out


def test_a_device_whose_classes_sit_in_different_domains_still_has_a_device_dsup():
    """Normal test files in the source domain only, anomalous ones in the target only: no
    per-domain AUC exists, the section's AUC over both domains does, and the device row is it."""
    table, x = blobs(shift=3.0, n_files=4, per_file=10)
    table["domain"] = np.where(table["label"] == "normal", "source", "target")
    table["bank"] = "b"
    scored = table.assign(knn=x.mean(axis=1), lof=x.mean(axis=1))
    files = dsup.file_scores(scored, ["knn", "lof"])
    rows = dsup.dsup_rows(scored, files, {"b": 1.0}, space="original", train={"b": 100}, k=5)
    frame = pd.DataFrame(rows)
    aucs = frame[(frame["method"] == "knn") & (frame["level"] == "window") & (frame["measure"] == "auc")]
    assert aucs.set_index("domain")["value"].isna().to_dict() == {"source": True, "target": True, "all": False}
    device = pd.DataFrame(metrics.device_dsup_rows(rows))
    knn = device[(device["method"] == "knn") & (device["level"] == "window") & (device["measure"] == "auc")].iloc[0]
    assert knn["value"] == aucs.set_index("domain").loc["all", "value"] == 1.0
    assert "both domains pooled" in knn["note"]
