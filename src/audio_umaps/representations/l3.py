"""L3: pretrained OpenL3 ("Look, Listen and Learn") embeddings, computed with torchopenl3.

As in the paper: content type ``env``, ``linear`` spectrogram input, 512 dimensions, 1 s
windows every 0.1 s without centring (``center=False``), on the workflow's 16 kHz normalised
signal, resampled to 48 kHz with resampy's ``kaiser_best`` filter as OpenL3 does. A clip of
``d`` seconds gives ``1 + ceil((d - 1) / 0.1)`` frames (at least one; the last window is padded
with zeros): 91 for 10 s, 92 for 10.05 s, 1 for anything up to 1 s.

Frame ``j`` covers ``[0.1 j, 0.1 j + 1)`` s of the file; its time is the window's centre,
``0.1 j + 0.5`` s. L3 has no spectral energy (``compute`` returns ``None`` for it).

The model is built with torchopenl3's own ``PytorchOpenl3`` class and loaded once per process
from the weights file the workflow resolved (``params["weights"]``, see
:mod:`audio_umaps.weights`). It runs on CUDA when torch sees a GPU. Long files are fed to the
model in pieces of ``chunk_frames`` windows, so memory does not grow with file length.
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache

import numpy as np

TARGET_SR = 48000
WINDOW_SECONDS = 1.0
# A state-dict entry that marks weights made by write_random_weights (test models).
RANDOM_MARKER = "audio_umaps.random_weights"

DEFAULTS = {
    "content_type": "env",
    "input_repr": "linear",
    "embedding_size": 512,
    "hop_seconds": 0.1,
    "batch_size": 2,  # windows per forward pass; 32 needs about 6 GB on the CPU
    "chunk_frames": 128,  # windows framed at once (each 1 s at 48 kHz)
    "weights": None,  # set by the workflow: the resolved weights file
}

log = logging.getLogger(__name__)


def dims(params: dict) -> int:
    """Features per frame: the embedding size."""
    return int(params["embedding_size"])


def _hop_samples(params: dict) -> int:
    return int(round(params["hop_seconds"] * TARGET_SR))


def _window_count(n_samples: int, params: dict) -> int:
    """Windows torchopenl3 frames from ``n_samples`` at 48 kHz (the last one zero-padded)."""
    window = int(WINDOW_SECONDS * TARGET_SR)
    return 1 if n_samples <= window else 1 + math.ceil((n_samples - window) / _hop_samples(params))


def n_frames(duration_seconds: float, params: dict) -> int:
    """Frames of a clip of ``duration_seconds``."""
    return _window_count(round(duration_seconds * TARGET_SR), params)


def frame_seconds(sample_rate: int, params: dict) -> float:
    """Length (s) of the signal one frame sees: L3's 1 s window."""
    return WINDOW_SECONDS


def frame_times(n_frames: int, sample_rate: int, params: dict) -> np.ndarray:
    """Centre time (s) of each frame's 1 s window."""
    return np.arange(n_frames) * params["hop_seconds"] + WINDOW_SECONDS / 2


def _libraries():
    """(torchopenl3, resampy), imported without resampy 0.2.2's warning that pkg_resources is
    deprecated."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        import resampy
        import torchopenl3
    return torchopenl3, resampy


def set_threads(threads: int) -> None:
    """Threads torch may use on the CPU."""
    import torch

    torch.set_num_threads(max(1, int(threads)))


def build_model(params: dict):
    """torchopenl3's L3 network for ``params``, with freshly initialised weights."""
    _libraries()
    from torchopenl3.models import PytorchOpenl3

    return PytorchOpenl3(
        content_type=params["content_type"],
        input_repr=params["input_repr"],
        embedding_size=int(params["embedding_size"]),
    )


def write_random_weights(path, params: dict, seed: int = 0) -> None:
    """Save a randomly initialised model's state dict at ``path``, marked as random.

    For tests and trials without the real weights: every output computed with such a file is
    flagged in its log and store as made with random weights.
    """
    import torch

    torch.manual_seed(seed)
    state = build_model(params).state_dict()
    state[RANDOM_MARKER] = torch.tensor(seed)
    torch.save(state, path)


@lru_cache(maxsize=2)
def load_model(weights: str, content_type: str, input_repr: str, embedding_size: int):
    """(model in eval mode on the GPU if there is one, random-weights flag), loaded once."""
    import torch

    params = {"content_type": content_type, "input_repr": input_repr, "embedding_size": embedding_size}
    model = build_model(params)
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        random = state.pop(RANDOM_MARKER, None) is not None
        model.load_state_dict(state)
    except Exception as exc:  # truncated file, another model's weights, not a state dict
        raise ValueError(
            f"{weights} is not a usable torchopenl3 {input_repr}/{content_type}/{embedding_size} "
            f"weights file ({type(exc).__name__}: {str(exc)[:300]}). Replace it with "
            f"torchopenl3_{input_repr}_{content_type}_{embedding_size}.pth.tar (delete it from "
            "torch.hub's cache to have it downloaded again), or set config key 'l3.sha256' to "
            "have every run check the file."
        ) from exc
    model = model.eval()
    if torch.cuda.is_available():
        model = model.cuda()
    if random:
        log.warning(
            "RANDOM WEIGHTS: %s holds a randomly initialised test model, not OpenL3's trained "
            "weights; these L3 features are NOT OpenL3 embeddings",
            weights,
        )
    log.info(
        "L3 model %s/%s/%d from %s on %s",
        input_repr,
        content_type,
        embedding_size,
        weights,
        "cuda" if torch.cuda.is_available() else "cpu",
    )
    return model, random


def _model(params: dict):
    if not params.get("weights"):
        raise ValueError("L3 needs params['weights'], the weights file (the workflow sets it)")
    return load_model(
        str(params["weights"]), params["content_type"], params["input_repr"], int(params["embedding_size"])
    )


def uses_random_weights(params: dict) -> bool:
    return _model(params)[1]


def resample(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """The signal at 48 kHz, as torchopenl3 resamples it (resampy, ``kaiser_best``, float64)."""
    resampy = _libraries()[1]
    y = np.asarray(y, dtype=np.float64)
    if sample_rate == TARGET_SR:
        return y
    return resampy.resample(y, sr_orig=sample_rate, sr_new=TARGET_SR, filter="kaiser_best")


def compute(y: np.ndarray, sample_rate: int, params: dict):
    """Frames x embedding_size L3 features (and ``None``: L3 has no spectral energy)."""
    import torch

    torchopenl3 = _libraries()[0]
    model, _ = _model(params)
    y48 = resample(y, sample_rate)
    hop = _hop_samples(params)
    window = int(WINDOW_SECONDS * TARGET_SR)
    total = _window_count(len(y48), params)
    step = int(params["chunk_frames"])
    pieces = []
    for first in range(0, total, step):
        count = min(step, total - first)
        # the samples that windows first .. first + count - 1 cover; torchopenl3 pads the end
        piece = y48[first * hop : first * hop + (count - 1) * hop + window]
        with torch.inference_mode():
            emb, _ = torchopenl3.get_audio_embedding(
                piece,
                TARGET_SR,
                model=model,
                content_type=params["content_type"],
                input_repr=params["input_repr"],
                embedding_size=int(params["embedding_size"]),
                center=False,
                hop_size=params["hop_seconds"],
                batch_size=int(params["batch_size"]),
                verbose=False,
                sampler="resampy",
            )
        emb = emb[0].detach().cpu().numpy()
        if len(emb) != count:
            raise RuntimeError(f"torchopenl3 gave {len(emb)} windows for a piece of {count}")
        pieces.append(emb)
    return np.concatenate(pieces).astype(np.float32), None


def provenance(params: dict) -> dict:
    """Store attributes that say which weights made the features."""
    from ..weights import sha256

    return {
        "weights": str(params["weights"]),
        "weights_sha256": sha256(params["weights"]),
        "random_weights": uses_random_weights(params),
    }
