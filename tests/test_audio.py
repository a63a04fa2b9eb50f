import numpy as np
import pytest
import soundfile as sf
from conftest import tone, write_wav

from audio_umaps import audio, manifest


def test_absmax_removes_mean_and_scales_to_one():
    y = audio.normalise(np.array([1.0, 3.0, 5.0, 3.0]), "absmax")
    assert y.mean() == pytest.approx(0)
    assert np.abs(y).max() == pytest.approx(1)
    np.testing.assert_allclose(y, [-1, 0, 1, 0])


def test_std_and_none():
    x = np.array([2.0, 4.0, 6.0, 8.0])
    assert audio.normalise(x, "std").std() == pytest.approx(1)
    np.testing.assert_allclose(audio.normalise(x, "none"), x - 5)


def test_silent_and_constant_signals_are_rejected():
    for y in (np.zeros(100), np.full(100, 0.3)):
        with pytest.raises(audio.AudioError, match="silent"):
            audio.normalise(y)


def test_unknown_normalisation():
    with pytest.raises(ValueError, match="normalisation"):
        audio.normalise(np.ones(3), "peak")


def test_load_downmixes_and_resamples(tmp_path):
    left = tone(1.0, 1000, sr=44100)
    path = tmp_path / "s.wav"
    sf.write(str(path), np.stack([left, 0.5 * left], axis=1), 44100)
    y = audio.load(str(path), 16000)
    assert y.dtype == np.float32 and len(y) == 16000
    assert np.abs(y).max() == pytest.approx(1, abs=1e-6)
    spectrum = np.abs(np.fft.rfft(y))
    assert np.argmax(spectrum) == pytest.approx(1000, abs=2)  # 1 Hz per bin for 1 s


def test_load_reports_unreadable_and_silent(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(audio.AudioError, match=r"^not a readable audio file \(libsndfile: "):
        audio.load(str(bad))
    with pytest.raises(audio.AudioError, match="silent"):
        audio.load(str(write_wav(tmp_path / "zero.wav", np.zeros(1600))))


def test_files_that_are_no_audio_are_named_as_such_not_as_missing(tmp_path):
    """Random bytes are no audio, whatever libsndfile says: for bytes that look like an MPEG
    frame it says 'File does not exist or is not a regular file', which would send the user
    looking for a missing file."""
    rng = np.random.default_rng(0)
    noise = tmp_path / "noise.wav"
    noise.write_bytes(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    mpeg_like = tmp_path / "mpeg_like.wav"  # an MPEG frame sync, then random bytes
    mpeg_like.write_bytes(b"\xff\xfb\x90\x64" + rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    header_only = tmp_path / "header_only.wav"  # a WAV cut after its header
    header_only.write_bytes(write_wav(tmp_path / "good.wav", tone(1.0)).read_bytes()[:44])
    for path in (noise, mpeg_like, header_only):
        with pytest.raises(audio.AudioError) as err:
            audio.load(str(path))
        said = str(err.value)
        assert said.startswith("not a readable audio file (libsndfile: ") and said.endswith(
            "; replace it with a good copy, or remove it"
        ), said
        assert "does not exist" not in said and "regular file" not in said, said
    with pytest.raises(audio.AudioError, match=r"libsndfile: Error in WAV file\. No 'data' chunk marker\)"):
        audio.load(str(header_only))  # libsndfile's own words on the format problem
    # (whatever this libsndfile says of mpeg_like: its words for it are never passed on)
    misleading = RuntimeError("Error opening 'x': File does not exist or is not a regular file (possibly a pipe?).")
    assert manifest.open_error(mpeg_like, misleading) == (
        "not a readable audio file (libsndfile: it matches no audio format it can decode); "
        "replace it with a good copy, or remove it"
    )
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(audio.AudioError, match=r"^empty: the file holds 0 bytes; replace it"):
        audio.load(str(empty))
    with pytest.raises(audio.AudioError, match=r"^missing: the file does not exist"):
        audio.load(str(tmp_path / "gone.wav"))
    (tmp_path / "link.wav").symlink_to(tmp_path / "nowhere.wav")
    with pytest.raises(audio.AudioError, match=r"^missing: a link to '.*nowhere\.wav', which does not exist"):
        audio.load(str(tmp_path / "link.wav"))
