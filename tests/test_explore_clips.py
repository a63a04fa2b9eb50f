"""The explorer's clips at scale: the same bytes on every run and whatever the threads, the
bitrate asked for (and the band it keeps), the Ogg pages rewritten correctly, and what the clips
job asks a cluster for (tests/test_explore.py tests what a clip holds)."""

import io
import struct

import explorer_scope
import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from audio_umaps import config, explore, resources
from audio_umaps.explore import clips as clip_module
from audio_umaps.explore import ogg

SR = 16000


def noise(seconds: float, seed: int = 0) -> np.ndarray:
    """Machine-like sound across the whole band: a hum, a high whine and broadband noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    y = 0.05 * rng.normal(size=t.size) + 0.2 * np.sin(2 * np.pi * 120 * t) + 0.05 * np.sin(2 * np.pi * 7000 * t)
    return y / np.abs(y).max()


def spans_of(paths, seconds=3.0):
    return pd.DataFrame(
        {"dataset": "dev", "path": paths, "subfolder": "fan/train", "begin": 0.0, "end": seconds},
    )


def test_ogg_crc_matches_libsndfile_pages_and_a_fixed_serial_gives_the_same_bytes():
    y = noise(2.0)

    def encoded():
        buffer = io.BytesIO()
        sf.write(buffer, y, SR, format="OGG", subtype="OPUS")
        return buffer.getvalue()

    first, second = encoded(), encoded()
    assert first != second  # libsndfile's random serial
    pages = ogg.pages(first)
    assert len(pages) >= 3
    for start, length in pages:  # the CRC libsndfile (libogg) stored, recomputed
        page = bytearray(first[start : start + length])
        stored = struct.unpack_from("<I", page, ogg.CRC_AT)[0]
        page[ogg.CRC_AT : ogg.CRC_AT + 4] = bytes(4)
        assert ogg.crc(bytes(page)) == stored
    fixed = ogg.with_serial(first, 12345)
    assert fixed == ogg.with_serial(second, 12345) and fixed != first
    assert all(struct.unpack_from("<I", fixed, s + ogg.SERIAL_AT)[0] == 12345 for s, _ in ogg.pages(fixed))
    decoded, sr = sf.read(io.BytesIO(fixed))  # still a valid stream: libsndfile checks the CRCs
    original, _ = sf.read(io.BytesIO(first))
    assert sr == SR and np.array_equal(decoded, original)
    with pytest.raises(ValueError, match="no Ogg page at byte 0"):
        ogg.pages(b"RIFF not an ogg file")
    with pytest.raises(ValueError, match="runs past the end"):
        ogg.pages(first[: pages[1][0] + 40])


def test_parallel_encoding_writes_the_same_files_as_serial_and_as_the_run_before(tmp_path):
    paths = explorer_scope.write_audio(tmp_path / "audio")  # 3 s clips, the last one broken
    spans = spans_of(paths)
    runs = {}
    for name, threads in (("serial", 1), ("parallel", 3), ("again", 3)):
        table = explore.write_clips(spans, tmp_path / name, threads=threads)
        files = {c: (tmp_path / name / c).read_bytes() for c in table.loc[table["clip"] != "", "clip"]}
        runs[name] = (table, files)
    table, files = runs["serial"]
    assert len(files) == len(paths) - 1 and table["problem"].iloc[-1] != ""
    for name in ("parallel", "again"):
        pd.testing.assert_frame_equal(runs[name][0], table)
        assert runs[name][1] == files  # byte for byte
    # each clip its own stream serial, from its name
    serials = {struct.unpack_from("<I", data, ogg.SERIAL_AT)[0] for data in files.values()}
    assert len(serials) == len(files)


@pytest.mark.parametrize("bitrate, low, high", [(11, 8.5, 13.0), (24, 19.0, 27.0)])
def test_clips_come_at_the_bitrate_asked_for_and_keep_the_whole_band(tmp_path, bitrate, low, high):
    path = tmp_path / "machine.wav"
    sf.write(path, noise(10.0), SR)
    table = explore.write_clips(spans_of([str(path)], 10.0), tmp_path / "out", bitrate=bitrate)
    data = (tmp_path / "out" / table["clip"].iloc[0]).read_bytes()
    assert low < len(data) * 8 / 10 / 1000 < high  # kbit/s over the 10 s clip, Ogg pages included
    assert set(ogg.opus_bandwidths(data)) == {8000}  # wideband: 0-8 kHz, all of 16 kHz audio


def test_below_9_kbits_opus_drops_the_top_of_the_band():
    # why explore.bitrate's default sits above 9: at 8 kbit/s only 0-4 kHz is coded
    data = clip_module.opus(noise(3.0), SR, 8, serial=1)
    assert set(ogg.opus_bandwidths(data)) == {4000}
    # ... and the decoded clip holds (almost) nothing above 4.5 kHz
    decoded, _ = sf.read(io.BytesIO(data))
    power = np.abs(np.fft.rfft(decoded)) ** 2
    freqs = np.fft.rfftfreq(len(decoded), 1 / SR)
    assert power[freqs > 4500].sum() < 1e-3 * power.sum()


def test_a_bitrate_opus_cannot_take_is_named(tmp_path):
    with pytest.raises(ValueError, match="explore.bitrate: 4 kbit/s"):
        explore.write_clips(spans_of([str(tmp_path / "none.wav")]), tmp_path / "out", bitrate=4)
    assert not (tmp_path / "out").exists()
    problems = config.problems({"explore": {"bitrate": 5}})
    assert "config key 'explore.bitrate': 5 is less than the minimum of 6" in problems


def test_the_clips_job_takes_threads_enough_at_scale_and_memory_for_each():
    assert resources.explore_clips_threads(69) == 1  # the demo's scopes
    # a DCASE 2021 device at the paper's caps: ~6,200 clips of 10 s, within about five minutes
    threads = resources.explore_clips_threads(6200)
    assert 8 <= threads <= resources.EXPLORE_MAX_THREADS
    assert 6200 * resources.EXPLORE_CLIP_S / threads <= 5 * 60
    assert resources.explore_clips_threads(10**6) == resources.EXPLORE_MAX_THREADS
    # a thread holds one decoded file: long external files ask for more memory per thread
    short = resources.explore_clips(300_000, 6200, threads, 0.32)
    long = resources.explore_clips(300_000, 6200, threads, 50.0)
    assert long.mem_mb - short.mem_mb == pytest.approx(threads * resources.EXPLORE_FILE_FACTOR * (50.0 - 0.32))
    # a 60 s, 44.1 kHz stereo WAV (10.6 MB) peaked at 32 MB decoded (tracemalloc)
    assert resources.EXPLORE_FILE_FACTOR * 10.6 > 32
    # the runtime asked covers the encoding on those threads, with a margin
    assert short.runtime * 60 > 2 * 6200 * resources.EXPLORE_CLIP_S / threads
    assert resources.explore(300_000).mem_mb < short.mem_mb
