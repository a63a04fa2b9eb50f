"""Progress lines of long loops: the counter itself, and each loop that logs one."""

import logging
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import tone, write_wav

from audio_umaps import explore, features, metrics, neighbours, progress, representations
from audio_umaps.progress import Progress


class Clock:
    """A fake monotonic clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def lines(caplog, start=""):
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]


def test_no_line_before_every_seconds_then_rate_time_left_and_a_final_line(caplog):
    caplog.set_level(logging.INFO)
    clock = Clock()
    counter = Progress(4200, "files", label="features", clock=clock)
    clock.now += 29.0
    counter.advance(1000)
    assert lines(caplog) == []  # 29 s: too early
    clock.now += 1.0
    counter.advance(200)  # 1,200 files in 30 s: 40 files/s, 3,000 left: 75 s
    assert lines(caplog) == ["features: 1,200 of 4,200 files (28.6 %), 40.0 files/s, about 1 min 15 s left"]
    clock.now += 10.0
    counter.advance(400)  # 10 s after the last line: none
    assert len(lines(caplog)) == 1
    clock.now += 20.0
    counter.update(3000)  # 3,000 in 60 s: 50 files/s, 1,200 left: 24 s
    assert lines(caplog)[-1] == "features: 3,000 of 4,200 files (71.4 %), 50.0 files/s, about 24 s left"
    clock.now += 24.0
    counter.advance(1200)  # done: a line at once, whatever the time since the last
    assert lines(caplog)[-1] == "features: 4,200 of 4,200 files (100.0 %), 50.0 files/s, done in 1 min 24 s"
    counter.finish()  # (once only)
    assert len(lines(caplog)) == 3


def test_durations_rates_and_the_logger_lines_go_to():
    assert [progress.duration(s) for s in (0, 12.4, 73, 3600, 7500)] == [
        "0 s",
        "12 s",
        "1 min 13 s",
        "1 h 00 min",
        "2 h 05 min",
    ]
    clock = Clock()
    records = []
    log = logging.getLogger("audio_umaps.test_progress")
    log.addHandler(handler := logging.Handler())
    handler.emit = records.append
    log.setLevel(logging.INFO)
    try:
        counter = Progress(10**6, "windows", label="kNN", log=log, every=5, clock=clock)
        clock.now += 5
        counter.update(250_000)
        counter.finish()  # early: the final line says how many were done
    finally:
        log.removeHandler(handler)
    assert [r.getMessage() for r in records] == [
        "kNN: 250,000 of 1,000,000 windows (25.0 %), 50,000 windows/s, about 15 s left",
        "kNN: 250,000 of 1,000,000 windows (25.0 %), 50,000 windows/s, done in 5 s",
    ]


def test_a_jobs_log_receives_the_package_progress_lines(tmp_path):
    """Scripts call runlog.start: INFO lines of the package's modules reach the job's log."""
    log = tmp_path / "job.log"
    code = (
        "import logging, sys; from audio_umaps import runlog; from audio_umaps.progress import Progress; "
        f"runlog.start({str(log)!r}); "
        "Progress(3, 'files', label='features', log=logging.getLogger('audio_umaps.features')).advance(3)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert "INFO audio_umaps.features: features: 3 of 3 files (100.0 %)" in log.read_text()


@pytest.fixture
def every_step(monkeypatch, caplog):
    """A line at every step (no 30 s wait), captured."""
    monkeypatch.setattr(progress, "EVERY", 0.0)
    caplog.set_level(logging.INFO)
    return caplog


def test_features_log_their_files_as_they_go(tmp_path, every_step):
    paths = [str(write_wav(tmp_path / f"{i}.wav", tone(0.3, 200 + 100 * i))) for i in range(3)]
    outputs = {name: (representations.params(name), tmp_path / f"{name}.zarr") for name in ("stft", "mel")}
    features.extract_many(paths, outputs, threads=2)
    said = lines(every_step, "features (stft, mel): ")
    assert [s.split(":")[1].split("(")[0].strip() for s in said] == ["1 of 3 files", "2 of 3 files", "3 of 3 files"]
    assert "done in" in said[-1]


def test_knn_other_groups_in_batches_equals_at_once_and_logs_its_windows(every_step):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    groups = np.repeat(np.arange(30), 10)
    once = neighbours.knn_other_groups(x, groups, k=4, batch=10**6)
    assert lines(every_step, "own") == []  # no label: silent
    batched = neighbours.knn_other_groups(x, groups, k=4, batch=25, progress="own")
    np.testing.assert_array_equal(once[0], batched[0])
    np.testing.assert_array_equal(once[1], batched[1])
    said = lines(every_step, "own: ")
    assert said[0].startswith("own: 20 of 300 windows (6.7 %)") and len(said) == 15  # 2 files a batch
    assert said[-1].startswith("own: 300 of 300 windows (100.0 %)") and "done in" in said[-1]


def test_metrics_log_the_test_windows_scored(every_step):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    bank_x = rng.normal(size=(60, 3)).astype(np.float32)
    test = pd.DataFrame(dict(row=np.arange(40), label="normal", bank=np.repeat(["a", "b"], 20)))
    bank = pd.DataFrame(dict(row=np.arange(60), bank=np.repeat(["a", "b"], 30), dataset="d"))
    bank["path"] = [f"train_{i // 5}.wav" for i in range(60)]

    def read(rows):
        return (x if "label" in rows else bank_x)[rows["row"].to_numpy()]

    metrics.score_windows(test, bank, read, k=3, percentile=95, chunk=8, label="metrics, original space")
    said = lines(every_step, "metrics, original space: ")
    done = [int(s.split(": ")[1].split(" of ")[0]) for s in said]
    assert done == [8, 16, 20, 28, 36, 40] and "of 40 test windows" in said[-1] and "done in" in said[-1]
    # each bank's own search (training windows against other files'), labelled with its bank
    assert lines(every_step, "metrics, original space, a, its own neighbours: 30 of 30 windows")


def test_clips_log_their_encoding(tmp_path, every_step):
    paths = [str(write_wav(tmp_path / f"{i}.wav", tone(1.0))) for i in range(3)]
    spans = pd.DataFrame({"dataset": "d", "path": paths, "subfolder": "x", "begin": 0.0, "end": 0.5})
    explore.write_clips(spans, tmp_path / "out", threads=2)
    said = lines(every_step, "clips: ")
    assert [s.split(" (")[0] for s in said] == ["clips: 1 of 3 clips", "clips: 2 of 3 clips", "clips: 3 of 3 clips"]
