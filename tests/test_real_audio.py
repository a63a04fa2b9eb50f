"""The workflow's steps on real recordings (../shared/real-audio), when that folder is present."""

import numpy as np
import pytest
from conftest import SHARED

from audio_umaps import features, manifest, representations
from audio_umaps.store import Store

FREESOUND = SHARED / "freesound-samples"
needs_shared = pytest.mark.skipif(not FREESOUND.is_dir(), reason=f"{FREESOUND} is not present")


@needs_shared
def test_freesound_folder_with_mixed_rates_and_channels(tmp_path):
    table, excluded = manifest.build_manifest("freesound", {"kind": "folder", "root": str(FREESOUND)}, 0.5)
    assert excluded.empty and len(table) >= 10
    assert table["samplerate"].nunique() > 1 and (table["channels"] == 2).any()
    picked = table.sort_values(["samplerate", "channels"]).drop_duplicates(["samplerate", "channels"])
    out = tmp_path / "mel.zarr"
    result = features.extract(picked["path"].tolist(), "mel", representations.params("mel"), out)
    assert result.excluded == []
    store = Store(out)
    expected = [1 + int(np.ceil(d * 16000)) // 512 for d in picked["duration"]]
    assert np.all(np.abs(store.n_frames - np.array(expected)) <= 1)
    assert np.isfinite(store.features[:]).all()
