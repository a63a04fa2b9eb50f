"""Small ONNX models the tests build themselves (nothing is downloaded), with the numpy code that
computes what each one computes."""

from pathlib import Path

import numpy as np


def framing_conv(path, *, frame: int = 640, hop: int = 320, dims: int = 6, seed: int = 0) -> dict:
    """A waveform model: one strided convolution, batch x samples -> batch x frames x dims
    (frame ``j`` sees samples ``[j * hop, j * hop + frame)``). Returns its weights and bias."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    weights = (rng.standard_normal((dims, 1, frame)) / np.sqrt(frame)).astype(np.float32)
    bias = rng.standard_normal(dims).astype(np.float32)
    nodes = [
        helper.make_node("Unsqueeze", ["audio", "axis1"], ["audio3"]),
        helper.make_node("Conv", ["audio3", "W", "B"], ["conv"], kernel_shape=[frame], strides=[hop]),
        helper.make_node("Transpose", ["conv"], ["frames"], perm=[0, 2, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "framing_conv",
        [helper.make_tensor_value_info("audio", TensorProto.FLOAT, ["batch", "samples"])],
        [helper.make_tensor_value_info("frames", TensorProto.FLOAT, ["batch", "time", dims])],
        initializer=[
            numpy_helper.from_array(weights, "W"),
            numpy_helper.from_array(bias, "B"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return {"weights": weights, "bias": bias, "frame": frame, "hop": hop}


def framing_conv_numpy(y: np.ndarray, model: dict) -> np.ndarray:
    """What :func:`framing_conv` computes for one signal: frames x dims."""
    frames = np.lib.stride_tricks.sliding_window_view(np.asarray(y, np.float64), model["frame"])[:: model["hop"]]
    return frames @ model["weights"][:, 0, :].T.astype(np.float64) + model["bias"]
