"""ONNX: the frames (or one vector per file) of any ONNX model, run with onnxruntime.

A researcher exports their own network to ONNX (``examples/export_onnx.py`` shows how from
PyTorch) and names the file in the configuration; the model sees either the workflow's
normalised signal or its log-mel, and its output becomes the representation's frames.

Parameters (``representation_params.<name>``, with ``kind: onnx``):

``model``
    path of the ``.onnx`` file (required). Its SHA-256 is stored with the features
    (:func:`provenance`), and the model is loaded once per process and file content.
``input``
    what the model takes: ``waveform``, a batch x samples float tensor of the normalised
    signal at ``sample_rate``; or ``logmel``, a batch x frames x n_mels tensor of the workflow's
    log-mel (:mod:`audio_umaps.representations.mel`: centred frames, power in dB) computed
    with the ``mel`` parameters.
``mel``
    the log-mel's parameters for ``input: logmel``: a mapping overriding some of
    ``mel.DEFAULTS`` (``n_fft`` 1024, ``hop_length`` 512, ``window``, ``n_mels`` 128,
    ``fmin``, ``fmax``, ``amin``, ``top_db``); null: all of them.
``sample_rate``
    the rate the model was trained at; null: the workflow's (``audio.sample_rate``). A signal
    at another rate is resampled with soxr (``soxr_hq``, librosa's default) before the log-mel
    or the model, and the log says so once per process.
``clip``
    false: the model outputs batch x frames x dims; true: batch x dims, one vector per file
    whose window is the whole file (``frame_seconds``, ``hop_seconds`` and ``offset_seconds``
    are then not used, and only stack 1 exists).
``frame_seconds``, ``hop_seconds``
    seconds of signal one output frame sees, and between output frames (required for frame
    outputs). For a network over log-mel frames with a receptive field of ``R`` mel frames and
    a stride of ``S`` (no padding along time), ``frame_seconds = ((R - 1) hop_length + n_fft)
    / sample_rate`` and ``hop_seconds = S hop_length / sample_rate``.
``offset_seconds``
    where output frame 0 starts in the file; null: 0 for ``waveform`` (a network without
    padding), ``-n_fft / (2 sample_rate)`` for ``logmel`` (mel frame 0 is centred on the
    file's start, its first half in the padding). A network that pads along time starts
    earlier (e.g. ``-frame_seconds / 2`` for frames centred on ``j * hop_seconds``).
``batch_size``
    files per onnxruntime run (8): files of equal length (DCASE clips) are run together, the
    others one length at a time. A model whose batch dimension is fixed gets batches of that
    size (the last padded with zeros).
``input_name``, ``output_name``
    the model's input and output to use; null: its first ones.
``dims``
    features per frame, needed only when the model's output leaves its last dimension
    symbolic (otherwise it is read from the model, without running it, and must agree).

Frame ``j`` of a frame output covers ``[offset_seconds + j * hop_seconds, ... +
frame_seconds)`` of the file; its time is that span's centre. A file's frame count must fit
its duration for these values (:func:`frame_range`), so that a ``hop_seconds`` or
``frame_seconds`` the model does not have is refused rather than giving wrong times. ONNX
frames have no spectral energy (``compute`` returns ``None`` for it). A clip-level vector's time
is 0 and its ``frame_seconds`` 0, as for precomputed clip embeddings.

onnxruntime runs on ``set_threads(n)`` intra-op threads (one inter-op thread), on the CPU, or
on CUDA when the installed onnxruntime has that provider. The model's signature (input and
output names, ranks, static sizes) is read with the ``onnx`` package when it is installed, else
from an onnxruntime session; :func:`check` checks the parameters against it and names the
config key to change.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import embeddings, mel

INPUTS = ("waveform", "logmel")

DEFAULTS = {
    "model": None,  # path of the .onnx file (required)
    "input": "waveform",  # waveform (batch x samples) or logmel (batch x frames x n_mels)
    "mel": None,  # overrides of mel.DEFAULTS for input: logmel
    "sample_rate": None,  # the model's input rate; null: the workflow's
    "clip": False,  # true: one vector per file (batch x dims)
    "frame_seconds": None,  # seconds of signal one output frame sees
    "hop_seconds": None,  # seconds between output frames
    "offset_seconds": None,  # start of frame 0; null: 0 (waveform) or -n_fft / 2 / sample_rate (logmel)
    "batch_size": 8,  # files per run
    "input_name": None,  # null: the model's first input
    "output_name": None,  # null: the model's first output
    "dims": None,  # features per frame when the model's output leaves it symbolic
}

# numpy dtypes of ONNX's float element types, by onnxruntime's type names
_ORT_FLOATS = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(double)": "float64"}

log = logging.getLogger(__name__)
_threads = 0  # 0: onnxruntime's own choice, until set_threads
_said: set = set()  # messages logged once per process


def _key(name: str, key: str) -> str:
    return f"config key 'representation_params.{name}.{key}'"


def model_sha256(path) -> str:
    """SHA-256 (hex) of the model file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    return model_sha256(path)


def _model_file(params: dict, name: str) -> tuple[str, str]:
    """(path, SHA-256) of the model file; the hash is recomputed when the file's size or
    modification time changes (it keys the loaded sessions)."""
    model = params.get("model")
    if not model:
        raise ValueError(f"{_key(name, 'model')}: the path of the .onnx model file is missing")
    path = Path(model)
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise ValueError(f"{_key(name, 'model')}: {model} {what}")
    stat = path.stat()
    return str(path), _sha256_of(str(path), stat.st_size, stat.st_mtime_ns)


@dataclass(frozen=True)
class Tensor:
    """A model input or output: its name, shape (an int per static dimension, None for a
    symbolic or unknown one; None for an unknown rank) and numpy dtype name."""

    name: str
    shape: tuple | None
    dtype: str

    def describe(self) -> str:
        if self.shape is None:
            return f"{self.name!r} (shape unknown)"
        dims = ", ".join("?" if d is None else str(d) for d in self.shape)
        return f"{self.name!r} of shape [{dims}]"


def _from_onnx(path: str) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
    import onnx
    from onnx.helper import tensor_dtype_to_np_dtype

    model = onnx.load(path, load_external_data=False)
    try:  # declared shapes completed by ONNX's shape inference
        model = onnx.shape_inference.infer_shapes(model)
    except Exception:  # the declared shapes are still usable
        pass

    def tensor(value) -> Tensor:
        kind = value.type.tensor_type
        shape = None
        if kind.HasField("shape"):
            shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in kind.shape.dim)
        try:
            dtype = np.dtype(tensor_dtype_to_np_dtype(kind.elem_type)).name
        except Exception:
            dtype = onnx.TensorProto.DataType.Name(kind.elem_type).lower()
        return Tensor(value.name, shape, dtype)

    initialisers = {t.name for t in model.graph.initializer}
    inputs = tuple(tensor(v) for v in model.graph.input if v.name not in initialisers)
    return inputs, tuple(tensor(v) for v in model.graph.output)


def _from_session(session) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
    def tensor(arg) -> Tensor:
        shape = None if arg.shape is None else tuple(d if isinstance(d, int) else None for d in arg.shape)
        return Tensor(arg.name, shape, _ORT_FLOATS.get(arg.type, arg.type))

    return tuple(tensor(a) for a in session.get_inputs()), tuple(tensor(a) for a in session.get_outputs())


@lru_cache(maxsize=16)
def _signature(path: str, sha256: str) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
    try:
        import onnx  # noqa: F401
    except ImportError:
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            raise ImportError(
                f"reading the ONNX model {path} needs the onnx or onnxruntime package "
                "(workflow/envs/onnx.yaml installs onnxruntime)"
            ) from None
        return _from_session(_load(path, sha256, 1))
    return _from_onnx(path)


def _unloadable(path: str, exc: Exception) -> ValueError:
    return ValueError(f"{path} is not a loadable ONNX model ({type(exc).__name__}: {str(exc)[:300]})")


@lru_cache(maxsize=4)
def _load(path: str, sha256: str, threads: int):
    """An onnxruntime session of the model (built once per process, file content and thread
    count)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    providers = ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in ort.get_available_providers():
        providers.insert(0, "CUDAExecutionProvider")
    try:
        session = ort.InferenceSession(path, options, providers=providers)
    except Exception as exc:  # not a model, an operator onnxruntime lacks, a truncated file
        raise _unloadable(path, exc) from exc
    log.info(
        "ONNX model %s (sha256 %s) on %s, %s intra-op threads",
        path,
        sha256[:12],
        session.get_providers()[0],
        threads or "onnxruntime's default",
    )
    return session


def set_threads(threads: int) -> None:
    """Intra-op threads onnxruntime may use (one inter-op thread)."""
    global _threads
    _threads = max(1, int(threads))


def mel_params(params: dict, name: str = "<name>") -> dict:
    """The log-mel parameters of ``input: logmel``: ``mel.DEFAULTS`` updated by ``mel``."""
    extra = params.get("mel") or {}
    if not isinstance(extra, dict):
        raise ValueError(f"{_key(name, 'mel')}: a mapping of log-mel parameters is expected, got {extra!r}")
    unknown = sorted(set(extra) - set(mel.DEFAULTS))
    if unknown:
        raise ValueError(
            f"{_key(name, 'mel.' + unknown[0])}: not a log-mel parameter; known: {', '.join(sorted(mel.DEFAULTS))}"
        )
    return {**mel.DEFAULTS, **extra}


def _seconds(params: dict, what: str, name: str) -> float:
    value = params.get(what)
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise ValueError(
            f"{_key(name, what)}: seconds (> 0) are needed for a model with frame outputs (got "
            f"{value!r}); or set clip: true for a model with one vector per file"
        )
    return float(value)


@dataclass(frozen=True)
class Layout:
    """What :func:`check` found: the model file, the tensors used and the features per frame."""

    path: str
    sha256: str
    input: Tensor
    output: Tensor
    dims: int

    @property
    def batch(self) -> int | None:
        """The model's fixed batch size, or None when it is dynamic."""
        return self.input.shape[0] if self.input.shape else None


def _pick(tensors: tuple[Tensor, ...], wanted, what: str, name: str, path: str) -> Tensor:
    names = ", ".join(repr(t.name) for t in tensors) or "none"
    if wanted is None:
        if what == "input" and len(tensors) != 1:
            raise ValueError(
                f"{path}: the model has {len(tensors)} inputs ({names}); this representation feeds one "
                f"(set {_key(name, 'input_name')} when the others are optional)"
            )
        if not tensors:
            raise ValueError(f"{path}: the model has no {what}s")
        return tensors[0]
    for tensor in tensors:
        if tensor.name == wanted:
            return tensor
    raise ValueError(f"{_key(name, what + '_name')}: the model {path} has no {what} {wanted!r}; its {what}s: {names}")


def check(params: dict, name: str = "<name>") -> Layout:
    """Check the parameters against the model without running it; raise ValueError naming the
    config key to change (``representation_params.<name>.<key>``). Returns the model's layout."""
    if params.get("input") not in INPUTS:
        raise ValueError(f"{_key(name, 'input')}: {params.get('input')!r} is not one of {', '.join(INPUTS)}")
    if not isinstance(params.get("clip"), bool):
        raise ValueError(f"{_key(name, 'clip')}: true or false, got {params.get('clip')!r}")
    if not params["clip"]:
        _seconds(params, "frame_seconds", name)
        _seconds(params, "hop_seconds", name)
        offset = params.get("offset_seconds")
        if offset is not None and (not isinstance(offset, int | float) or isinstance(offset, bool)):
            raise ValueError(f"{_key(name, 'offset_seconds')}: seconds or null, got {offset!r}")
    batch_size = params.get("batch_size")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"{_key(name, 'batch_size')}: a whole number >= 1, got {batch_size!r}")
    rate = params.get("sample_rate")
    if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool) or rate <= 0):
        raise ValueError(f"{_key(name, 'sample_rate')}: a rate in Hz (a whole number) or null, got {rate!r}")
    want_dims = params.get("dims")
    if want_dims is not None and (not isinstance(want_dims, int) or isinstance(want_dims, bool) or want_dims < 1):
        raise ValueError(f"{_key(name, 'dims')}: a whole number >= 1 or null, got {want_dims!r}")
    mels = mel_params(params, name) if params["input"] == "logmel" else None

    path, sha = _model_file(params, name)
    try:
        inputs, outputs = _signature(path, sha)
    except ImportError:
        raise
    except Exception as exc:
        raise ValueError(f"{_key(name, 'model')}: {_unloadable(path, exc)}") from exc
    source = _pick(inputs, params.get("input_name"), "input", name, path)
    target = _pick(outputs, params.get("output_name"), "output", name, path)

    if not source.dtype.startswith("float"):
        raise ValueError(f"{path}: the model's input {source.describe()} takes {source.dtype}, not floats")
    rank = 2 if params["input"] == "waveform" else 3
    if source.shape is not None and len(source.shape) != rank:
        other = "logmel (batch x frames x n_mels)" if len(source.shape) == 3 else None
        other = other or ("waveform (batch x samples)" if len(source.shape) == 2 else None)
        hint = f"set input: {other}" if other else "it takes neither a waveform nor a log-mel"
        raise ValueError(
            f"{_key(name, 'input')}: the model's input {source.describe()} has rank {len(source.shape)}; "
            f"input: {params['input']} feeds rank {rank}: {hint}"
        )
    if mels is not None and source.shape is not None and source.shape[2] not in (None, int(mels["n_mels"])):
        raise ValueError(
            f"{_key(name, 'mel.n_mels')}: the model's input {source.describe()} takes {source.shape[2]} mel "
            f"bands, the log-mel has {mels['n_mels']}"
        )

    out_rank = 2 if params["clip"] else 3
    if target.shape is not None and len(target.shape) != out_rank:
        if len(target.shape) == 2:
            hint = "set clip: true for a model with one vector per file (batch x dims)"
        elif len(target.shape) == 3:
            hint = "set clip: false (and frame_seconds, hop_seconds) for a model with frames (batch x frames x dims)"
        else:
            hint = "this representation takes batch x frames x dims (clip: false) or batch x dims (clip: true)"
        raise ValueError(
            f"{_key(name, 'clip')}: the model's output {target.describe()} has rank {len(target.shape)}; {hint}"
        )
    last = target.shape[-1] if target.shape else None
    if last is None:
        if want_dims is None:
            raise ValueError(
                f"{_key(name, 'dims')}: the model's output {target.describe()} leaves its last dimension "
                "(features per frame) symbolic; set dims"
            )
        last = want_dims
    elif want_dims is not None and want_dims != last:
        raise ValueError(
            f"{_key(name, 'dims')}: {want_dims}, but the model's output {target.describe()} has {last} features"
        )
    return Layout(path, sha, source, target, int(last))


def clip_level(params: dict) -> bool:
    """Whether the model gives one vector per file."""
    return bool(params.get("clip"))


def dims(params: dict) -> int:
    """Features per frame: the last dimension of the model's output (``dims`` when symbolic)."""
    return check(params).dims


def session(params: dict):
    """The onnxruntime session of ``params``'s model at the current thread count."""
    layout = check(params)
    return _load(layout.path, layout.sha256, _threads)


def model_rate(sample_rate: int, params: dict) -> int:
    """The rate the model's input is computed at: ``sample_rate`` of the parameters, else the
    workflow's."""
    return int(params.get("sample_rate") or sample_rate)


def frame_seconds(sample_rate: int, params: dict) -> float:
    """Seconds of signal one output frame sees (a clip-level vector: 0, its window being the
    file)."""
    return 0.0 if params.get("clip") else _seconds(params, "frame_seconds", "<name>")


def offset_seconds(sample_rate: int, params: dict) -> float:
    """Where output frame 0 starts in the file (s)."""
    if params.get("offset_seconds") is not None:
        return float(params["offset_seconds"])
    if params.get("input") == "logmel":
        return -int(mel_params(params)["n_fft"]) / 2 / model_rate(sample_rate, params)
    return 0.0


def frame_times(n_frames: int, sample_rate: int, params: dict) -> np.ndarray:
    """Centre (s) of each output frame in the file (a clip-level vector: 0, the file's start)."""
    if params.get("clip"):
        return np.zeros(n_frames)
    hop = _seconds(params, "hop_seconds", "<name>")
    return offset_seconds(sample_rate, params) + np.arange(n_frames) * hop + frame_seconds(sample_rate, params) / 2


def frame_range(duration: float, sample_rate: int, params: dict) -> tuple[int, int]:
    """Fewest and most output frames a ``duration`` s file may have for ``frame_seconds`` and
    ``hop_seconds`` (one frame of slack each side): from the frames inside the signal the model
    sees (for ``logmel``, the file and the mel's padding of ``n_fft / 2`` each side) to frames
    centred on every hop."""
    if params.get("input") == "logmel":
        duration += int(mel_params(params)["n_fft"]) / model_rate(sample_rate, params)
    return embeddings.frame_range(duration, params)  # (the same rule as precomputed frames')


def _say_once(message: str, *args) -> None:
    text = message % args
    if text not in _said:
        _said.add(text)
        log.info(text)


def model_input(y: np.ndarray, sample_rate: int, params: dict, dtype: str = "float32") -> np.ndarray:
    """One file's model input without the batch axis: the signal (resampled to the model's
    rate) for ``waveform``, its log-mel (frames x n_mels) for ``logmel``."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a 1-D signal, got shape {y.shape}")
    rate = model_rate(sample_rate, params)
    if rate != sample_rate:
        import soxr

        _say_once("ONNX model %s: resampling %d Hz to its %d Hz with soxr", params.get("model"), sample_rate, rate)
        n = math.ceil(len(y) * rate / sample_rate)  # librosa's length (fix=True), as audio.load
        y = soxr.resample(y, sample_rate, rate, quality="soxr_hq")[:n]
        y = np.pad(y, (0, n - len(y))).astype(np.float32, copy=False)
    if params["input"] == "logmel":
        y = mel.compute(y, rate, mel_params(params))[0]
    return y.astype(dtype, copy=False)


def _run(session, layout: Layout, batch: np.ndarray) -> np.ndarray:
    try:
        (out,) = session.run([layout.output.name], {layout.input.name: batch})
    except Exception as exc:  # onnxruntime's own errors: an input too short for the network...
        raise ValueError(
            f"the ONNX model {layout.path} failed on an input of shape {list(batch.shape)} "
            f"({type(exc).__name__}: {str(exc)[:300]})"
        ) from exc
    return np.asarray(out)


def _checked(out: np.ndarray, count: int, layout: Layout, clip: bool, shape) -> np.ndarray:
    """The output of a batch of ``count`` files, checked: batch x frames x dims (batch x 1 x
    dims for a clip-level model), float32."""
    rank = 2 if clip else 3
    if out.ndim != rank:
        hint = "set clip: true" if out.ndim == 2 else "set clip: false" if out.ndim == 3 else "check output_name"
        raise ValueError(
            f"the ONNX model {layout.path} gave output {layout.output.name!r} of shape {list(out.shape)} for an "
            f"input of shape {list(shape)}; clip: {str(clip).lower()} expects rank {rank} ({hint})"
        )
    if out.shape[0] != count or out.shape[-1] != layout.dims:
        raise ValueError(
            f"the ONNX model {layout.path} gave output {layout.output.name!r} of shape {list(out.shape)} for an "
            f"input of shape {list(shape)}; expected {count} in the batch and {layout.dims} features"
        )
    if not clip and out.shape[1] == 0:
        raise ValueError(f"the ONNX model {layout.path} gave no frames for an input of shape {list(shape)}")
    if clip:
        out = out[:, None, :]
    return out.astype(np.float32, copy=False)


def _check_frames(n: int, duration: float, sample_rate: int, params: dict, layout: Layout) -> None:
    low, high = frame_range(duration, sample_rate, params)
    if not low <= n <= high:
        raise ValueError(
            f"the ONNX model {layout.path} gave {n} frames for a {duration:.3f} s file; frames of "
            f"{params['frame_seconds']} s every {params['hop_seconds']} s give {low}-{high}: check "
            "representation_params.<name>.frame_seconds and hop_seconds against the model's receptive "
            "field and stride"
        )


def compute_batch(ys: list[np.ndarray], sample_rate: int, params: dict) -> list[tuple[np.ndarray, None]]:
    """``(features, None)`` of every signal of ``ys``, in order: frames x dims float32 (1 x dims
    for a clip-level model).

    Inputs of equal shape (files of equal length) are run together, ``batch_size`` at a time;
    the others one shape at a time.
    """
    layout = check(params)
    runner = _load(layout.path, layout.sha256, _threads)
    xs = [model_input(y, sample_rate, params, layout.input.dtype) for y in ys]
    static = layout.input.shape or ()
    for x in xs:
        for size, want in zip(x.shape, static[1:]):
            if want is not None and size != want:
                what = "samples" if params["input"] == "waveform" else "mel frames"
                raise ValueError(
                    f"the ONNX model {layout.path} takes input {layout.input.describe()}; a file gives "
                    f"{list(x.shape)} ({what}): it needs files of one length"
                )
    groups: dict[tuple, list[int]] = {}
    for i, x in enumerate(xs):
        groups.setdefault(x.shape, []).append(i)
    size = layout.batch or int(params["batch_size"])
    results: list = [None] * len(xs)
    for shape, members in groups.items():
        for start in range(0, len(members), size):
            part = members[start : start + size]
            batch = np.stack([xs[i] for i in part])
            if layout.batch and len(part) < layout.batch:  # a fixed batch size: pad with zeros
                batch = np.concatenate([batch, np.zeros((layout.batch - len(part), *shape), batch.dtype)])
            out = _checked(_run(runner, layout, batch), len(batch), layout, params["clip"], batch.shape)
            if not params["clip"]:
                _check_frames(out.shape[1], len(ys[part[0]]) / sample_rate, sample_rate, params, layout)
            for k, i in enumerate(part):
                results[i] = (np.ascontiguousarray(out[k]), None)
    return results


def compute(y: np.ndarray, sample_rate: int, params: dict):
    """Frames x dims float32 features of one signal (and ``None``: no spectral energy)."""
    return compute_batch([y], sample_rate, params)[0]


def provenance(params: dict) -> dict:
    """Store attributes that say which model made the features."""
    path = _model_file(params, "<name>")[0]
    return {"model": str(params["model"]), "model_sha256": model_sha256(path)}  # read afresh
