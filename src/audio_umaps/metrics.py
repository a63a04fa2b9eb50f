"""Separability (SEP) and discriminative support (DSUP) of one device, measured rather than seen.

Fernandez & Plumbley define two qualities of a representation and judge them by eye on UMAP
plots of a subsample. This module measures them on the windows themselves (the *original*
space: every test file of a device, not the UMAP's sample) and on the UMAP's 2-D coordinates
(the *umap* space), so that the two can be read side by side:

SEP
    A linear soft-margin SVM (their eq. 1; scikit-learn's ``LinearSVC`` with the hinge loss at
    a fixed ``C``) separates normal from anomalous test windows, standardised. Reported: the
    ROC-AUC of its decision values under grouped cross-validation (a file's windows are never
    in both a training and a test fold) and the mean hinge loss, the paper's slack sum over the
    windows, both in-sample (``hinge``) and on held-out folds (``hinge_cv``).
DSUP
    Each test window's anomaly score is its mean distance to its ``k`` nearest training windows
    of the same section (source and target training together; :mod:`audio_umaps.neighbours`,
    exact), and, as a second detector, its local outlier factor against those training windows
    (scikit-learn's ``LocalOutlierFactor`` in novelty mode, fed the same exact neighbours).
    Reported: ROC-AUC and pAUC (``max_fpr`` 0.1, standardised as scikit-learn's
    ``roc_auc_score`` does, which the official evaluators call) of windows and of files (a
    file's score is the mean over its windows), and *support*: the share of normal test windows
    whose score lies within the training windows' own scores (each taken against the training
    windows of other files, below their ``percentile``), with the same share for anomalous
    windows beside it; per section and domain, per section over both domains, and per device
    the mean over sections.

Memory is bounded whatever a device's number of test windows: the training bank of a section is
capped (seeded), and test windows are read and scored ``CHUNK`` at a time. Each SVM is fitted on
a seeded uniform subset of at most ``svm.windows`` of its group's windows (the table records how
many windows and files each number used). A section's bank holds the training windows of that
section in datasets of the same DCASE edition (``bank`` column: edition and section), so that a
2020 machine id and a 2021 section with the same number never share a bank.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .detector import Detector
from .dsup import ALL, LABELS, device_dsup_rows, dsup_rows, file_scores
from .progress import Progress
from .sampling import draw, group_seed, stored_files
from .separability import separability
from .stacking import windows_per_file
from .tables import columns

log = logging.getLogger(__name__)

CHUNK = 8192  # test windows read and scored at a time
ORIGINAL, UMAP = "original", "umap"  # the two spaces measured

# Columns of the tidy table (kind "metrics" of audio_umaps.tables): one row per measured number.
TIDY_COLUMNS = columns("metrics")


@dataclass(frozen=True)
class Settings:
    """The config's ``metrics`` block (defaults as in the schema)."""

    k: int = 5
    percentile: float = 95.0
    windows_per_file: int | None = None
    train_windows: int = 10000
    svm_c: float = 0.01
    svm_folds: int = 5
    svm_windows: int = 5000
    seed: int = 0

    @classmethod
    def from_config(cls, block: dict | None) -> Settings:
        block = dict(block or {})
        svm = dict(block.pop("svm", None) or {})
        return cls(
            k=int(block.get("k", cls.k)),
            percentile=float(block.get("support_percentile", cls.percentile)),
            windows_per_file=block.get("windows_per_file"),
            train_windows=int(block.get("train_windows", cls.train_windows)),
            svm_c=float(svm.get("C", cls.svm_c)),
            svm_folds=int(svm.get("folds", cls.svm_folds)),
            svm_windows=int(svm.get("windows", cls.svm_windows)),
            seed=int(block.get("seed", cls.seed)),
        )


# ---- which windows ---------------------------------------------------------------------------
def windows_of_files(
    files: pd.DataFrame, n_frames: np.ndarray, stack: int, *, per_file: int | None = None, seed: int = 0, key=()
) -> pd.DataFrame:
    """Windows of ``stack`` frames of each file of ``files`` (rows with ``store`` and
    ``file_index``; ``n_frames`` the frames of each): all of them, or a seeded subset of at most
    ``per_file`` of each (in time order). Returns the file rows repeated once per window, with
    ``first_frame`` and ``stack`` added; files too short for one window give none."""
    counts = windows_per_file(n_frames, stack)
    firsts = []
    for row, count in zip(files.itertuples(index=False), counts):
        if per_file is not None and count > per_file:
            rng = group_seed(seed, *key, row.dataset, row.path)  # (the same windows in every representation)
            firsts.append(np.sort(rng.choice(count, size=int(per_file), replace=False)))
        else:
            firsts.append(np.arange(count))
    repeat = np.array([len(f) for f in firsts], dtype=np.int64)
    table = files.loc[files.index.repeat(repeat)].reset_index(drop=True)
    table["first_frame"] = np.concatenate(firsts) if firsts else np.empty(0, dtype=np.int64)
    table["stack"] = int(stack)
    return table


def draw_windows(
    files: pd.DataFrame, n_frames: np.ndarray, stack: int, most: int, *, seed: int = 0, key=()
) -> pd.DataFrame:
    """At most ``most`` windows of ``stack`` frames drawn uniformly without replacement from
    all windows of ``files`` (seeded), without listing every window first."""
    counts = windows_per_file(n_frames, stack)
    if int(counts.sum()) <= most:
        return windows_of_files(files, n_frames, stack)
    which, first = draw(counts, most, group_seed(seed, *key))
    table = files.iloc[which].reset_index(drop=True)
    table["first_frame"] = first
    table["stack"] = int(stack)
    return table


def cap(table: pd.DataFrame, most: int, *, seed: int = 0, key=()) -> pd.DataFrame:
    """At most ``most`` rows of ``table``, a seeded uniform subset in table order."""
    if len(table) <= most:
        return table
    rows = np.sort(group_seed(seed, *key).choice(len(table), size=int(most), replace=False))
    return table.iloc[rows].reset_index(drop=True)


# ---- scores ----------------------------------------------------------------------------------
def sep_rows(x_of, windows: pd.DataFrame, settings: Settings, *, space: str, jobs: int = 1) -> list[dict]:
    """Tidy rows of SEP per dataset x section x domain and per device. ``x_of(table)`` returns
    the windows (or coordinates) of a window table's rows; each group is first capped to
    ``settings.svm_windows`` windows (seeded), and its fits run on ``jobs`` processes
    (:func:`audio_umaps.separability.separability`: the same numbers as on one)."""
    labelled = windows[windows["label"].isin(LABELS)]
    groups = [((d, s, m), g) for (d, s, m), g in labelled.groupby(["dataset", "section", "domain"], sort=True)]
    groups.append(((ALL, ALL, ALL), labelled))
    rows = []
    for (dataset, section, domain), group in groups:
        if group.empty:
            continue
        group = cap(group, settings.svm_windows, seed=settings.seed, key=("svm", space, dataset, section, domain))
        result = separability(
            x_of(group),
            group["label"].to_numpy(),
            group["path"].to_numpy(),
            c=settings.svm_c,
            folds=settings.svm_folds,
            seed=settings.seed,
            jobs=jobs,
        )
        counts = dict(
            normal=int((group["label"] == "normal").sum()),
            anomalous=int((group["label"] == "anomaly").sum()),
            files=int(group["path"].nunique()),
            train=0,
        )
        note = f"C={settings.svm_c}, {result['folds']} grouped folds" + (
            f"; {result['note']}" if result["note"] else ""
        )
        for measure in ("auc", "hinge", "hinge_cv"):
            rows.append(
                dict(
                    dataset=dataset,
                    section=section,
                    domain=domain,
                    space=space,
                    method="svm",
                    level="window",
                    measure=measure,
                    value=result[measure],
                    note=note,
                    **counts,
                )
            )
    return rows


def bank_key(edition, section, dataset: str = "") -> str:
    """The training bank a window belongs to: its DCASE edition and section, and, for a dataset
    whose year is not known (edition ``2022-2025``: two development sets of those years hold the
    same machines and section 00), its dataset."""
    from .naming import UNDECIDED

    return f"DCASE {edition} section {section}" + (f" of dataset {dataset}" if str(edition) == UNDECIDED else "")


def score_windows(
    test: pd.DataFrame,
    bank: pd.DataFrame,
    read,
    *,
    k: int,
    percentile: float,
    threads: int | None = None,
    chunk: int = CHUNK,
    label: str = "scores",
):
    """kNN and LOF scores of every test window against its section's training windows.

    ``read(table)`` returns the windows of a table's rows (float32). Both tables carry a
    ``bank`` column (the edition and section, :func:`bank_key`) and ``dataset`` and ``path``
    (the file: training windows are scored against other files' only, see :class:`Detector`):
    test windows are scored against the training windows of the same bank, one bank at a time
    (read once, test windows ``chunk`` at a time), so memory holds one bank and one chunk.
    Returns ``(test with columns knn and lof, {bank: support threshold}, {bank: training
    windows}, {bank: k used})``; a bank of training windows of fewer than two files leaves its
    test windows' scores NaN. Progress (test windows scored of all, rate, time left; each
    bank's own search) is logged every 30 s and at the end, each line starting with ``label``.
    """
    scored = test.copy()
    scored["knn"] = np.nan
    scored["lof"] = np.nan
    thresholds, train, used_k = {}, {}, {}
    progress = Progress(len(test), "test windows", label=label, log=log)
    for key, rows in test.groupby("bank", sort=True):
        section_bank = bank[bank["bank"] == key]
        train[key] = len(section_bank)
        files = (section_bank["dataset"] + "/" + section_bank["path"]).to_numpy()
        if len(set(files)) < 2:
            log.warning(
                "%s has training windows of %d file(s): its test windows are not scored "
                "(a training window's score is taken against other files' windows)",
                key,
                len(set(files)),
            )
            progress.advance(len(rows))
            continue
        detector = Detector(
            read(section_bank), files, k=k, threads=threads, progress=f"{label}, {key}, its own neighbours"
        )
        thresholds[key] = detector.threshold(percentile)
        used_k[key] = detector.k
        where = rows.index.to_numpy()
        for start in range(0, len(where), chunk):
            part = where[start : start + chunk]
            knn_score, lof_score = detector.score(read(test.loc[part]))
            scored.loc[part, "knn"] = knn_score
            scored.loc[part, "lof"] = lof_score
            progress.advance(len(part))
    progress.finish()
    return scored, thresholds, train, used_k


def device_files(manifest: pd.DataFrame, stores: dict) -> pd.DataFrame:
    """The test and training files of a device's stores, with each file's ``store``,
    ``file_index`` and ``n_frames`` (files the feature step left out are dropped)."""
    labelled = manifest[manifest["split"].isin(["test", "train"])]
    tables = [rows.assign(store=store.path) for store, rows in stored_files(labelled, stores)]
    columns = [
        "dataset",
        "edition",
        "device",
        "section",
        "domain",
        "split",
        "label",
        "path",
        "store",
        "file_index",
        "n_frames",
    ]
    if not tables:
        return pd.DataFrame(columns=columns)
    return pd.concat(tables, ignore_index=True)[columns]


def official_rows(
    files: pd.DataFrame,
    editions: dict,
    *,
    space: str,
    method: str,
    score: str | None = None,
    decision: str | None = None,
    overall: bool = False,
    sections: dict | None = None,
) -> list[dict]:
    """Tidy rows of each dataset's official DCASE score (:func:`audio_umaps.scoring.official`)
    of the file scores in column ``score`` (default: ``method``), with ``decision`` the 0/1
    decisions if any; ``overall`` keeps the rows over every device (device ``all``), which a
    one-device table leaves out. Files without a score make the values that need them NaN, and
    so does a section of ``sections`` (``{dataset: {device: sections}}``) without test files;
    the note says what is missing (the ``edition`` column, how the dataset was scored)."""
    from .scoring import official

    score = score or method
    rows = []
    for dataset in sorted(set(files["dataset"]) | set(sections or {})):
        edition = editions.get(dataset)
        table = official(
            files[files["dataset"] == dataset],
            edition,
            score=score,
            decision=decision,
            sections=(sections or {}).get(dataset),
        )
        for row in table.to_dict("records"):
            if overall or row["device"] != ALL:
                rows.append(
                    dict(
                        device=row["device"],
                        dataset=dataset,
                        section=row["section"],
                        domain=row["domain"],
                        space=space,
                        method=method,
                        level="official",
                        measure=row["measure"],
                        value=row["value"],
                        normal=row["normal"],
                        anomalous=row["anomalous"],
                        files=row["normal"] + row["anomalous"],
                        train=0,
                        edition=str(edition),
                        note=row["note"],
                    )
                )
    return rows


def measure_device(
    manifest: pd.DataFrame,
    stores: dict,
    stack: int,
    settings: Settings,
    *,
    embedding: pd.DataFrame | None = None,
    threads: int | None = None,
    sections: dict | None = None,
    windowing: str = "stack",
):
    """SEP, DSUP and the official scores of one device, in the original space and (when
    ``embedding``, the device's UMAP table, holds a map) in the UMAP's 2-D coordinates.

    Parameters
    ----------
    manifest : DataFrame
        Manifest rows of the device's datasets.
    stores : dict
        ``(dataset, part)`` -> feature store of the device's parts (DCASE data only).
    stack : int
        Frames per window.
    settings : Settings
        The config's ``metrics`` block.
    embedding : DataFrame, optional
        The device scope's UMAP table (sample columns plus ``x`` and ``y``).
    threads : int, optional
        Threads of the neighbour search, and processes of the SVM fits.
    sections : dict, optional
        ``{dataset: {device: sections}}`` with test files as the names found say
        (:meth:`audio_umaps.plan.Plan.evaluated_sections`): an official score lacking one of them
        (every file left out) is NaN and says so.
    windowing : str
        How a window's frames become one vector (the representation's ``windowing``:
        :func:`audio_umaps.stacking.gather`).

    Returns
    -------
    rows : DataFrame
        Tidy rows (``TIDY_COLUMNS`` but representation, stack and device, which the caller
        knows).
    files : DataFrame
        One row per test file: its metadata, windows scored and the file scores
        ``knn_original``, ``lof_original`` (and ``knn_umap``, ``lof_umap`` for files in the map).
    points : DataFrame or None
        The UMAP table's test windows with their 2-D scores ``knn_umap`` and ``lof_umap``.
    """
    from .stacking import gather

    files = device_files(manifest, stores)
    files["bank"] = [bank_key(e, s, d) for e, s, d in zip(files["edition"], files["section"], files["dataset"])]
    editions = dict(zip(manifest["dataset"], manifest["edition"]))
    test_files = files[files["split"] == "test"].reset_index(drop=True)
    train_files = files[files["split"] == "train"].reset_index(drop=True)
    test = windows_of_files(
        test_files,
        test_files["n_frames"].to_numpy(),
        stack,
        per_file=settings.windows_per_file,
        seed=settings.seed,
        key=("test",),
    )
    banks = [
        draw_windows(
            group, group["n_frames"].to_numpy(), stack, settings.train_windows, seed=settings.seed, key=("train", key)
        )
        for key, group in train_files.groupby("bank", sort=True)
    ]
    bank = pd.concat(banks, ignore_index=True) if banks else train_files.assign(first_frame=0, stack=stack)
    log.info(
        "original space: %d test windows of %d files; training banks: %s",
        len(test),
        len(test_files),
        ", ".join(f"{key}: {n} windows" for key, n in bank.groupby("bank").size().items()) or "none",
    )

    def read(table):
        return gather(table, stores.values(), windowing)

    rows: list[dict] = []
    scored, thresholds, train, used_k = score_windows(
        test, bank, read, k=settings.k, percentile=settings.percentile, threads=threads, label="metrics, original space"
    )
    k_note = max(used_k.values(), default=settings.k)
    per_file = file_scores(scored, ["knn", "lof"])
    rows += dsup_rows(scored, per_file, thresholds, space=ORIGINAL, train=train, k=k_note)
    rows += sep_rows(read, scored, settings, space=ORIGINAL, jobs=threads or 1)
    for method in ("knn", "lof"):
        rows += official_rows(per_file, editions, space=ORIGINAL, method=method, sections=sections)
    per_file = per_file.rename(columns={"knn": "knn_original", "lof": "lof_original"})

    points = None
    if embedding is not None and len(embedding):
        mapped = embedding[
            embedding["dataset"].isin(set(files["dataset"])) & embedding["split"].isin(["test", "train"])
        ].copy()
        mapped["bank"] = [bank_key(editions[d], s, d) for d, s in zip(mapped["dataset"], mapped["section"])]
        map_test = mapped[mapped["split"] == "test"]
        map_bank = mapped[mapped["split"] == "train"]

        def coordinates(table):
            return table[["x", "y"]].to_numpy(dtype=np.float32)

        if len(map_test):
            scored2, thresholds2, train2, used2 = score_windows(
                map_test,
                map_bank,
                coordinates,
                k=settings.k,
                percentile=settings.percentile,
                threads=threads,
                label="metrics, umap space",
            )
            files2 = file_scores(scored2, ["knn", "lof"])
            rows += dsup_rows(
                scored2, files2, thresholds2, space=UMAP, train=train2, k=max(used2.values(), default=settings.k)
            )
            rows += sep_rows(coordinates, scored2, settings, space=UMAP, jobs=threads or 1)
            for method in ("knn", "lof"):  # (over the files the map's sample drew windows of)
                for row in official_rows(files2, editions, space=UMAP, method=method):
                    drawn = f"over the map's sample: {len(files2)} of {len(per_file)} test files"
                    rows.append({**row, "note": drawn + (f"; {row['note']}" if row["note"] else "")})
            per_file = per_file.merge(
                files2[["dataset", "path", "windows", "knn", "lof"]].rename(
                    columns={"windows": "windows_umap", "knn": "knn_umap", "lof": "lof_umap"}
                ),
                on=["dataset", "path"],
                how="left",
                validate="one_to_one",
            )
            points = scored2.rename(columns={"knn": "knn_umap", "lof": "lof_umap"})
            if "umap_seed" in mapped and mapped["umap_seed"].isna().any():
                for row in rows:  # (every 2-D number differs between runs of an unseeded map)
                    if row["space"] == UMAP:
                        row["note"] = (row.get("note") or "") + "; unseeded UMAP: differs between runs"
    rows += device_dsup_rows([r for r in rows if r["method"] in ("knn", "lof") and r["level"] != "official"])
    table = pd.DataFrame(rows)
    return table, per_file, points


def tidy(rows: pd.DataFrame, *, representation: str, stack: int, device: str, windowing: str = "stack") -> pd.DataFrame:
    """``rows`` of :func:`measure_device` with their representation, stack, windowing and
    device, in ``TIDY_COLUMNS`` order."""
    rows = rows.assign(representation=representation, stack=int(stack), windowing=windowing, device=device)
    return rows.reindex(columns=TIDY_COLUMNS)


def join_predictions(files: pd.DataFrame, points: pd.DataFrame | None, systems: dict):
    """The file and window tables with each system's file score and decision joined by file
    (columns ``score_<system>`` and ``decision_<system>``; empty where it gave none)."""
    keys = ["dataset", "path"]
    for system, table in systems.items():
        joined = table[[*keys, "score", "decision"]].rename(
            columns={"score": f"score_{system}", "decision": f"decision_{system}"}
        )
        files = files.merge(joined, on=keys, how="left", validate="one_to_one")
        if points is not None:
            points = points.merge(joined, on=keys, how="left", validate="many_to_one")
    if points is not None:
        points = points.merge(
            files[[*keys, "knn_original", "lof_original"]], on=keys, how="left", validate="many_to_one"
        )
    return files, points
