"""Shapes of a Keras model's tensors, where the file leaves them open.

The reader keeps the shapes the file states (``Input`` shapes, Keras 3's recorded call
arguments, ``build_config`` input shapes); a legacy ``.h5`` states little more than its inputs.
This pass follows the graph and computes each layer's output shape from its configuration, the
way the layer's ``compute_output_shape`` does (Keras 3.15 ``keras/src/layers/``, tf_keras 2.21
``tf_keras/src/layers/``), for the layers whose shape the predictions depend on: ranks, the
batch dimension, static dimensions.  An unknown layer gives an unknown shape (``None``), except
that the batch dimension is carried through.  ``-1`` is a dimension only known at run time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.model import Model, Op

Shape = tuple[int, ...]
#: layers whose output has their (first) input's shape
SAME_SHAPE = frozenset(
    {
        "Activation",
        "ActivityRegularization",
        "AlphaDropout",
        "BatchNormalization",
        "Dropout",
        "ELU",
        "GaussianDropout",
        "GaussianNoise",
        "GroupNormalization",
        "LayerNormalization",
        "LeakyReLU",
        "Masking",
        "Normalization",
        "PReLU",
        "RandomBrightness",
        "RandomContrast",
        "RandomFlip",
        "RandomRotation",
        "RandomTranslation",
        "RandomZoom",
        "ReLU",
        "RMSNormalization",
        "Rescaling",
        "Softmax",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "ThresholdedReLU",
        "UnitNormalization",
        "Identity",
        "Discretization",
    }
)
MERGE = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "RNN"})


def infer(model: Model) -> dict[int, Shape | None]:
    """Tensor index -> shape (the file's when it has one), for graph 0 (computed once per model)."""

    def compute() -> dict[int, Shape | None]:
        graph = model.graphs[0]
        shapes: dict[int, Shape | None] = {t.index: t.shape for t in graph.tensors}
        for op in graph.ops:
            ins = [shapes.get(t) if t >= 0 else None for t in op.inputs]
            outs = output_shapes(op, ins)
            for k, t in enumerate(op.outputs):
                if shapes.get(t) is None:
                    shapes[t] = outs[k] if k < len(outs) else None
        return shapes

    return model.derived("keras-shapes", compute)


def _ints(value: Any, n: int, default: int = 1) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    if isinstance(value, (list, tuple)) and len(value) == n and all(isinstance(v, int) for v in value):
        return tuple(value)
    return (default,) * n


def _conv_dim(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    if size < 0:
        return -1
    effective = (kernel - 1) * dilation + 1
    if padding == "same" or padding == "causal":
        return math.ceil(size / max(stride, 1))
    return max(0, (size - effective) // max(stride, 1) + 1)


def _deconv_dim(size: int, kernel: int, stride: int, padding: str) -> int:
    if size < 0:
        return -1
    if padding == "same":
        return size * stride
    return size * stride + max(kernel - stride, 0)


def _spatial(shape: Shape, n: int, channels_first: bool) -> tuple[list[int], int]:
    if channels_first:
        return list(shape[2 : 2 + n]), shape[1]
    return list(shape[1 : 1 + n]), shape[-1]


def _assemble(batch: int, spatial: Sequence[int], channels: int, channels_first: bool) -> Shape:
    return (batch, channels, *spatial) if channels_first else (batch, *spatial, channels)


def output_shapes(op: Op, ins: Sequence[Shape | None]) -> list[Shape | None]:
    cfg: Mapping[str, Any] = op.options.get("config") or {}
    x = ins[0] if ins else None
    cls = op.kind
    try:
        return _output(cls, cfg, x, ins)
    except (TypeError, ValueError, IndexError, ZeroDivisionError, OverflowError):
        return [None]


def _output(cls: str, cfg: Mapping[str, Any], x: Shape | None, ins: Sequence[Shape | None]) -> list[Shape | None]:
    if cls in SAME_SHAPE:
        return [x]
    if x is None:
        return [None]
    rank = len(x)
    cf = cfg.get("data_format") == "channels_first"
    if cls == "Dense":
        return [(*x[:-1], int(cfg.get("units", -1)))]
    if cls == "EinsumDense":
        out = cfg.get("output_shape")
        if isinstance(out, list):
            return [(x[0], *(-1 if d is None else int(d) for d in out))]
        return [None]
    if cls in MERGE:
        return [x]
    if cls == "Concatenate":
        axis = int(cfg.get("axis", -1))
        shapes = [s for s in ins if s is not None]
        if len(shapes) != len(ins) or any(len(s) != rank for s in shapes):
            return [None]
        axis = axis % rank
        total = sum(s[axis] for s in shapes) if all(s[axis] >= 0 for s in shapes) else -1
        return [(*x[:axis], total, *x[axis + 1 :])]
    if cls == "Flatten":
        rest = x[1:]
        size = math.prod(rest) if all(d >= 0 for d in rest) else -1
        return [(x[0], size)]
    if cls == "Reshape":
        target = [int(d) for d in cfg.get("target_shape", [])]
        if -1 in target and all(d >= 0 for d in x[1:]):
            known = math.prod(d for d in target if d != -1)
            target = [math.prod(x[1:]) // known if d == -1 else d for d in target]
        return [(x[0], *target)]
    if cls == "Permute":
        dims = [int(d) for d in cfg.get("dims", [])]
        return [(x[0], *(x[d] for d in dims))]
    if cls == "RepeatVector":
        return [(x[0], int(cfg.get("n", -1)), x[-1])]
    if cls == "Embedding":
        return [(*x, int(cfg.get("output_dim", -1)))]
    if cls in RECURRENT:
        units = int(cfg.get("units", -1))
        seq = (x[0], x[1], units) if cfg.get("return_sequences") else (x[0], units)
        state = (x[0], units)
        n_states = 2 if cls == "LSTM" else 1
        return [seq, *([state] * n_states if cfg.get("return_state") else [])]
    if cls == "Bidirectional":
        inner = cfg.get("layer", {}).get("config", {}) if isinstance(cfg.get("layer"), dict) else {}
        units = int(inner.get("units", -1))
        merge = cfg.get("merge_mode", "concat")
        width = 2 * units if merge == "concat" and units >= 0 else units
        return [(x[0], x[1], width) if inner.get("return_sequences") else (x[0], width)]
    if cls in ("GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        n = 1 if cls.endswith("1D") else 2
        return _global(x, n, cf, bool(cfg.get("keepdims")))
    if cls in ("GlobalAveragePooling3D", "GlobalMaxPooling3D"):
        return _global(x, 3, cf, bool(cfg.get("keepdims")))
    for n, conv in ((1, "1D"), (2, "2D"), (3, "3D")):
        if cls in (f"Conv{conv}", f"SeparableConv{conv}", f"DepthwiseConv{conv}"):
            spatial, channels = _spatial(x, n, cf)
            k = _ints(cfg.get("kernel_size"), n)
            s = _ints(cfg.get("strides"), n)
            d = _ints(cfg.get("dilation_rate"), n)
            pad = str(cfg.get("padding", "valid"))
            out = [_conv_dim(spatial[i], k[i], s[i], d[i], pad) for i in range(n)]
            if cls.startswith("Depthwise"):
                filters = channels * int(cfg.get("depth_multiplier", 1)) if channels >= 0 else -1
            else:
                filters = int(cfg.get("filters", -1))
            return [_assemble(x[0], out, filters, cf)]
        if cls == f"Conv{conv}Transpose":
            spatial, _ = _spatial(x, n, cf)
            k = _ints(cfg.get("kernel_size"), n)
            s = _ints(cfg.get("strides"), n)
            pad = str(cfg.get("padding", "valid"))
            out = [_deconv_dim(spatial[i], k[i], s[i], pad) for i in range(n)]
            return [_assemble(x[0], out, int(cfg.get("filters", -1)), cf)]
        if cls in (f"MaxPooling{conv}", f"AveragePooling{conv}"):
            spatial, channels = _spatial(x, n, cf)
            pool = _ints(cfg.get("pool_size"), n, 2)
            s = _ints(cfg.get("strides"), n, 0)
            s = tuple(p if st in (0, None) else st for p, st in zip(pool, s))
            pad = str(cfg.get("padding", "valid"))
            out = [_conv_dim(spatial[i], pool[i], s[i], 1, pad) for i in range(n)]
            return [_assemble(x[0], out, channels, cf)]
        if cls == f"UpSampling{conv}":
            factors = _ints(cfg.get("size"), n, 2)
            spatial, channels = _spatial(x, n, cf)
            return [_assemble(x[0], [d * f if d >= 0 else -1 for d, f in zip(spatial, factors)], channels, cf)]
        if cls == f"ZeroPadding{conv}":
            spatial, channels = _spatial(x, n, cf)
            pads = _pairs(cfg.get("padding"), n)
            return [_assemble(x[0], [d + a + b if d >= 0 else -1 for d, (a, b) in zip(spatial, pads)], channels, cf)]
        if cls == f"Cropping{conv}":
            spatial, channels = _spatial(x, n, cf)
            crops = _pairs(cfg.get("cropping"), n)
            return [_assemble(x[0], [d - a - b if d >= 0 else -1 for d, (a, b) in zip(spatial, crops)], channels, cf)]
    if cls == "TimeDistributed":
        return [None]
    if cls in ("Resizing", "CenterCrop"):
        h, w = int(cfg.get("height", -1)), int(cfg.get("width", -1))
        return [(x[0], h, w, x[-1])] if rank == 4 else [None]
    if cls in ("StringLookup", "IntegerLookup", "Hashing"):
        mode = cfg.get("output_mode", "int")
        if mode == "int":
            return [x]
        size = cfg.get("vocabulary_size") or cfg.get("num_bins") or -1
        return [(x[0], int(size))]
    if cls == "CategoryEncoding":
        return [(x[0], int(cfg.get("num_tokens", -1)))]
    if cls == "TextVectorization":
        length = cfg.get("output_sequence_length")
        return [(x[0], int(length) if isinstance(length, int) else -1)]
    if cls in ("MultiHeadAttention",):
        return [x]
    if cls in ("Attention", "AdditiveAttention") and len(ins) >= 2 and ins[1] is not None:
        return [(*x[:-1], ins[1][-1])]
    if cls == "Dot":
        return [None]
    return [None]


def _global(x: Shape, n: int, channels_first: bool, keepdims: bool) -> list[Shape | None]:
    channels = x[1] if channels_first else x[-1]
    if keepdims:
        return [_assemble(x[0], [1] * n, channels, channels_first)]
    return [(x[0], channels)]


def _pairs(value: Any, n: int) -> list[tuple[int, int]]:
    if isinstance(value, int) and not isinstance(value, bool):
        return [(value, value)] * n
    if isinstance(value, list) and len(value) == n:
        out = []
        for v in value:
            if isinstance(v, int):
                out.append((v, v))
            elif isinstance(v, list) and len(v) == 2:
                out.append((int(v[0]), int(v[1])))
            else:
                raise ValueError(value)
        return out
    if isinstance(value, list) and n == 1 and len(value) == 2:
        return [(int(value[0]), int(value[1]))]
    raise ValueError(value)
