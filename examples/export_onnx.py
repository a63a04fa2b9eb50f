"""Export a PyTorch frame encoder to ONNX for the workflow's ``onnx`` representation.

The network here is an UNTRAINED example (seeded random weights): it shows the shape of the
export, not useful features. Replace :class:`ConvEncoder` with your own trained model; what the
workflow needs from it is

* input: the workflow's log-mel, batch x frames x 128 (``input: logmel``: power in dB of the
  normalised signal, 16 kHz, n_fft 1024, hop 512, centred frames; see
  ``audio_umaps.representations.mel``); any normalisation your model was trained with belongs
  inside the exported graph (here ``mean`` and ``std``);
* output: batch x frames' x dims (or batch x dims with ``clip: true``);
* batch and time axes left dynamic in the export, so that any clip length runs;
* ``frame_seconds`` and ``hop_seconds`` for its output frames: with a receptive field of ``R``
  mel frames and a stride of ``S`` (no padding along time), ``frame_seconds = ((R - 1) * 512 +
  1024) / 16000`` and ``hop_seconds = S * 512 / 16000`` (:func:`frame_geometry`).

The export uses PyTorch's TorchScript exporter (``torch.onnx.export(..., dynamo=False)``), which
needs only torch; torch warns that it is deprecated. PyTorch's newer exporter
(``dynamo=True``, its default since 2.9) also needs the ``onnxscript`` package (``pip install
onnxscript``).

Run::

    PYTHONPATH=src python examples/export_onnx.py --out results/models/conv_logmel.onnx

It writes the model, checks onnxruntime's output against torch's on a random input (max abs
difference), runs it through ``audio_umaps.representations.onnx`` on 8 random 10 s signals (1
thread, timed) and prints the configuration block to paste.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

SAMPLE_RATE, N_FFT, HOP_LENGTH, N_MELS = 16000, 1024, 512, 128  # the workflow's log-mel


class ConvEncoder(nn.Module):
    """Log-mel frames (batch x frames x n_mels) -> embedding frames (batch x frames' x dims):
    1-D convolutions along time over the mel bands, no padding along time."""

    def __init__(self, n_mels: int = N_MELS, dims: int = 64):
        super().__init__()
        # replace with your training set's log-mel statistics (dB)
        self.register_buffer("mean", torch.tensor(-40.0))
        self.register_buffer("std", torch.tensor(20.0))
        self.layers = nn.Sequential(
            nn.Conv1d(n_mels, 128, kernel_size=5),
            nn.ReLU(),
            nn.Conv1d(128, 128, kernel_size=3, stride=2),
            nn.ReLU(),
            nn.Conv1d(128, dims, kernel_size=3),
            nn.ReLU(),
        )

    def forward(self, logmel: torch.Tensor) -> torch.Tensor:
        x = ((logmel - self.mean) / self.std).transpose(1, 2)  # batch x n_mels x frames
        return self.layers(x).transpose(1, 2)  # batch x frames' x dims


def receptive_field(net: nn.Module) -> tuple[int, int]:
    """(receptive field, stride) in input frames of the network's Conv1d layers, in order."""
    field, stride = 1, 1
    for layer in net.modules():
        if isinstance(layer, nn.Conv1d):
            if layer.padding != (0,):
                raise ValueError("padding along time shifts the frames: give offset_seconds too")
            field += (layer.kernel_size[0] - 1) * layer.dilation[0] * stride
            stride *= layer.stride[0]
    return field, stride


def frame_geometry(net: nn.Module) -> tuple[float, float]:
    """(frame_seconds, hop_seconds) of the network's output frames on the log-mel frame grid:
    output frame j sees mel frames j S .. j S + R - 1, each mel frame n_fft samples."""
    field, stride = receptive_field(net)
    return ((field - 1) * HOP_LENGTH + N_FFT) / SAMPLE_RATE, stride * HOP_LENGTH / SAMPLE_RATE


def export(net: nn.Module, out: Path) -> None:
    example = torch.randn(2, 313, N_MELS)  # 313 mel frames: a 10 s clip
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        warnings.filterwarnings("ignore", message=".*feature will be removed.*")
        torch.onnx.export(
            net,
            (example,),
            str(out),
            input_names=["logmel"],
            output_names=["embedding"],
            dynamic_axes={"logmel": {0: "batch", 1: "frames"}, "embedding": {0: "batch", 1: "out_frames"}},
            opset_version=17,
            dynamo=False,
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/models/conv_logmel.onnx"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    net = ConvEncoder().eval()
    export(net, args.out)
    frame_seconds, hop_seconds = frame_geometry(net)

    import onnxruntime as ort

    x = torch.randn(3, 200, N_MELS, generator=torch.Generator().manual_seed(args.seed + 1)) * 20 - 40
    with torch.inference_mode():
        expected = net(x).numpy()
    got = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"]).run(None, {"logmel": x.numpy()})[0]
    print(f"wrote {args.out}")
    print(f"onnxruntime against torch on a 3 x 200 x {N_MELS} input: output {list(got.shape)}, ", end="")
    print(f"max abs difference {np.abs(got - expected).max():.3g} (outputs up to {np.abs(expected).max():.3g})")

    # the workflow's view of it: the representation's parameters, frames and time per clip
    from audio_umaps.representations import onnx as rep

    params = {
        **rep.DEFAULTS,
        "model": str(args.out),
        "input": "logmel",
        "frame_seconds": frame_seconds,
        "hop_seconds": hop_seconds,
    }
    rep.check(params, "my_model")
    rep.set_threads(1)
    rng = np.random.default_rng(args.seed)
    clips = [(y / np.abs(y).max()).astype(np.float32) for y in rng.standard_normal((8, 10 * SAMPLE_RATE))]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):  # one thread for the log-mel too, as a feature job
        feats = rep.compute_batch(clips, SAMPLE_RATE, params)  # (loads the session)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            rep.compute_batch(clips, SAMPLE_RATE, params)
            times.append(time.perf_counter() - start)
    seconds = float(np.median(times))
    n = len(feats[0][0])
    print(
        f"a 10 s clip gives {n} frames of {rep.dims(params)} features; frame 0 is centred at "
        f"{rep.frame_times(1, SAMPLE_RATE, params)[0]:.3f} s, frame {n - 1} at "
        f"{rep.frame_times(n, SAMPLE_RATE, params)[-1]:.3f} s"
    )
    print(f"{1000 * seconds / len(clips):.1f} ms per 10 s clip (log-mel and model, batch 8, 1 thread; median of 5)")
    print("\nconfiguration (config.yaml):\n")
    print("representations: [my_model]")
    print("representation_params:")
    print("  my_model:")
    print("    kind: onnx")
    print(f"    model: {args.out}")
    print("    input: logmel")
    print(f"    frame_seconds: {frame_seconds:g}  # receptive field {receptive_field(net)[0]} mel frames")
    print(f"    hop_seconds: {hop_seconds:g}  # stride {receptive_field(net)[1]} mel frames")


if __name__ == "__main__":
    main()
