#!/usr/bin/env python3
"""Probe the Ethos-U constraint tables against the real Vela, beyond the corpus.

The corpus (../shared) exercises the constraints real models hit.  This builds one- and
two-op int8/int16 models that sit on either side of each documented constraint (strides,
kernel sizes, scale factors, axes, permutations, zero points, tensor types, constant
parameters, ...), compiles each with Vela for the Ethos-U55 and U85, and compares the ops Vela
leaves on the CPU (and its compile failures) with what the generated tables say; the results go
to evidence/ethosu.PROBE.md and evidence/ethosu.probe.json (which tests/test_ethosu.py replays
without Vela).

    OPLINT_VELA=/path/to/vela python scripts/probe_ethosu.py      # -> evidence/ethosu.PROBE.md

Needs Vela (``ethos-u-vela``) installed here or named by ``OPLINT_VELA``, and ``flatbuffers``
(the fixture builder).  A maintainer tool, not a test.
"""

from __future__ import annotations

import json
import struct
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.tflite_builder import Graph, Op, Q, T, build  # noqa: E402
from oplint.delegates import ethosu  # noqa: E402
from oplint.delegates.ethosu.tables import table_result  # noqa: E402
from oplint.delegates.ethosu.vela import Vela, compile_with_vela, find_vela, placement_verdicts  # noqa: E402
from oplint.readers.tflite import read  # noqa: E402

OUT = ROOT / "evidence" / "ethosu.PROBE.md"
TARGETS = {"ethos-u55": ("ethos-u55-128", "ethosu/u55.toml"), "ethos-u85": ("ethos-u85-256", "ethosu/u85.toml")}


def q(dtype: str, scale: float = 0.05, zp: int = 0) -> Q | None:
    return Q([scale], [zp]) if dtype in ("int8", "uint8", "int16", "int32") else None


def i32(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}i", *values)


def const(name: str, values: tuple[int, ...], shape: tuple[int, ...] | None = None) -> T:
    return T(name, "int32", shape if shape is not None else (len(values),), const=True, data=i32(*values))


def one(kind: str, ins: list[T], outs: list[T], options: Any = None, version: int = 1) -> bytes:
    tensors = ins + outs
    inputs = [i for i, t in enumerate(ins) if not t.const]
    op = Op(kind, list(range(len(ins))), list(range(len(ins), len(tensors))), version=version, options=options)
    return build([Graph(tensors, [op], inputs, list(range(len(ins), len(tensors))))])


def fm(name: str, dtype: str, shape: tuple[int, ...], zp: int = 0, scale: float = 0.05, **kw: Any) -> T:
    return T(name, dtype, shape, quant=q(dtype, scale, zp), **kw)


def conv(
    stride: int,
    padding: str,
    size: int = 16,
    kernel: int = 3,
    dilation: int = 1,
    dtype: str = "int8",
    depthwise: bool = False,
    per_channel: bool = False,
) -> bytes:
    out = (size + stride - 1) // stride if padding == "SAME" else (size - (kernel - 1) * dilation - 1) // stride + 1
    wq = Q([0.01] * 8, [0] * 8, 3 if depthwise else 0) if per_channel else Q([0.01], [0])
    bias_t = "int64" if dtype == "int16" else "int32"
    ins = [
        fm("x", dtype, (1, size, size, 8)),
        T("w", "int8", (1, kernel, kernel, 8) if depthwise else (8, kernel, kernel, 8), const=True, quant=wq),
        T("b", bias_t, (8,), const=True, quant=Q([0.0005], [0])),
    ]
    kind = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
    options: dict[str, Any] = {
        "padding": padding,
        "stride_w": stride,
        "stride_h": stride,
        "fused_activation_function": "NONE",
        "dilation_w_factor": dilation,
        "dilation_h_factor": dilation,
    }
    if depthwise:
        options["depth_multiplier"] = 1
    table = "DepthwiseConv2DOptions" if depthwise else "Conv2DOptions"
    return one(kind, ins, [fm("y", dtype, (1, out, out, 8), scale=0.1)], (table, options), version=3)


def pool(kind: str, fw: int, fh: int, padding: str, stride: int = 1, size: int = 16) -> bytes:
    out_w = (size + stride - 1) // stride if padding == "SAME" else (size - fw) // stride + 1
    out_h = (size + stride - 1) // stride if padding == "SAME" else (size - fh) // stride + 1
    opts = (
        "Pool2DOptions",
        {
            "padding": padding,
            "stride_w": stride,
            "stride_h": stride,
            "filter_width": fw,
            "filter_height": fh,
            "fused_activation_function": "NONE",
        },
    )
    return one(kind, [fm("x", "int8", (1, size, size, 4))], [fm("y", "int8", (1, out_h, out_w, 4))], opts, 2)


def binary(kind: str, dtype: str, a: tuple[int, ...], b: tuple[int, ...], out: tuple[int, ...], zp: int = 0) -> bytes:
    opts = {"ADD": ("AddOptions", {}), "MUL": ("MulOptions", {}), "SUB": ("SubOptions", {})}.get(kind)
    ins = [fm("a", dtype, a, zp), fm("b", dtype, b, zp)]
    out_dtype = "bool" if kind in ("EQUAL", "GREATER", "LESS", "NOT_EQUAL") else dtype
    return one(kind, ins, [fm("y", out_dtype, out, zp)], opts, 2)


def unary(kind: str, dtype: str, shape: tuple[int, ...] = (1, 8, 8, 4), out: str | None = None, **kw: Any) -> bytes:
    return one(kind, [fm("x", dtype, shape)], [fm("y", out or dtype, shape, scale=0.1)], kw.get("options"), 2)


def resize(kind: str, size: int, out: int, align: bool = False, half: bool = False) -> bytes:
    table = "ResizeBilinearOptions" if kind == "RESIZE_BILINEAR" else "ResizeNearestNeighborOptions"
    opts = (table, {"align_corners": align, "half_pixel_centers": half})
    ins = [fm("x", "int8", (1, size, size, 4)), const("size", (out, out))]
    return one(kind, ins, [fm("y", "int8", (1, out, out, 4))], opts, 3)


def transpose(perm: tuple[int, ...], shape: tuple[int, ...], dtype: str = "int8") -> bytes:
    out = tuple(shape[p] for p in perm)
    return one("TRANSPOSE", [fm("x", dtype, shape), const("perm", perm)], [fm("y", dtype, out)], None, 2)


def strided(begin: tuple[int, ...], end: tuple[int, ...], strides: tuple[int, ...], out: tuple[int, ...]) -> bytes:
    ins = [fm("x", "int8", (1, 8, 8, 8)), const("b", begin), const("e", end), const("s", strides)]
    return one("STRIDED_SLICE", ins, [fm("y", "int8", out)], ("StridedSliceOptions", {}), 2)


def reduce(
    kind: str, axes: tuple[int, ...], shape: tuple[int, ...], out: tuple[int, ...], dtype: str = "int8"
) -> bytes:
    ins = [fm("x", dtype, shape), const("axis", axes)]
    return one(kind, ins, [fm("y", dtype, out)], ("ReducerOptions", {"keep_dims": len(out) == len(shape)}), 2)


def fc(dynamic: bool, dtype: str = "int8", keep: bool = False) -> bytes:
    ins = [fm("x", dtype, (2, 16)), T("w", "int8", (8, 16), const=not dynamic, quant=Q([0.01], [0]))]
    opts = ("FullyConnectedOptions", {"fused_activation_function": "NONE", "keep_num_dims": keep})
    return one("FULLY_CONNECTED", ins, [fm("y", dtype, (2, 8))], opts, 9)


def batch_matmul(dtype: str, adj_x: bool = False) -> bytes:
    a = (1, 16, 4) if adj_x else (1, 4, 16)
    ins = [fm("a", dtype, a), fm("b", dtype, (1, 16, 8))]
    return one("BATCH_MATMUL", ins, [fm("y", dtype, (1, 4, 8))], ("BatchMatMulOptions", {"adj_x": adj_x}), 4)


def gather(axis: int) -> bytes:
    ins = [fm("x", "int8", (4, 6)), T("i", "int32", (2,), const=True, data=i32(0, 2))]
    out = (2, 6) if axis == 0 else (4, 2)
    return one("GATHER", ins, [fm("y", "int8", out)], ("GatherOptions", {"axis": axis, "batch_dims": 0}), 2)


def pad(kind: str, dtype: str = "int32") -> bytes:
    data = struct.pack("<8q" if dtype == "int64" else "<8i", 0, 0, 1, 1, 1, 1, 0, 0)
    ins = [fm("x", "int8", (1, 6, 6, 4)), T("p", dtype, (4, 2), const=True, data=data)]
    if kind == "PADV2":
        ins.append(fm("v", "int8", (1,), const=True))
    opts = ("MirrorPadOptions", {"mode": "REFLECT"}) if kind == "MIRROR_PAD" else None
    return one(kind, ins, [fm("y", "int8", (1, 8, 8, 4))], opts, 2)


def split(num: int, outs: int) -> bytes:
    ins = [const("axis", (3,), ()), fm("x", "int8", (1, 4, 4, 8))]
    outs_t = [fm(f"y{i}", "int8", (1, 4, 4, 8 // outs)) for i in range(outs)]
    return one("SPLIT", ins, outs_t, ("SplitOptions", {"num_splits": num}), 2)


def argmax(axis: int, depth: int = 16) -> bytes:
    ins = [fm("x", "int8", (1, 4, 4, depth)), const("axis", (axis,))]
    out = (1, 4, 4) if axis == 3 else (1, 4, depth)
    return one("ARG_MAX", ins, [T("y", "int32", out)], ("ArgMaxOptions", {"output_type": "INT32"}), 2)


def dynamic_dims(signature: tuple[int, ...]) -> bytes:
    x = T("x", "int8", (1, 8, 8, 4), quant=q("int8"), shape_signature=signature)
    y = T("y", "int8", (1, 8, 8, 4), quant=q("int8"), shape_signature=signature)
    return one("RELU", [x], [y])


def cast(src: str, dst: str) -> bytes:
    return one("CAST", [fm("x", src, (1, 8))], [fm("y", dst, (1, 8))])


def reverse(axis: int) -> bytes:
    return one("REVERSE_V2", [fm("x", "int8", (1, 4, 4, 4)), const("axis", (axis,))], [fm("y", "int8", (1, 4, 4, 4))])


def transpose_conv(stride: int, padding: str) -> bytes:
    out = 8 * stride if padding == "SAME" else 8 * stride + max(3 - stride, 0)
    ins = [
        const("shape", (1, out, out, 4)),
        T("w", "int8", (4, 3, 3, 4), const=True, quant=Q([0.01], [0])),
        fm("x", "int8", (1, 8, 8, 4)),
    ]
    opts = ("TransposeConvOptions", {"padding": padding, "stride_w": stride, "stride_h": stride})
    return one("TRANSPOSE_CONV", ins, [fm("y", "int8", (1, out, out, 4))], opts, 3)


def minimum(matching: bool) -> bytes:
    ins = [fm("a", "int8", (1, 4, 8)), fm("b", "int8", (1, 4, 8), scale=0.05 if matching else 0.07)]
    return one("MINIMUM", ins, [fm("y", "int8", (1, 4, 8))], None, 2)


def concat(axis: int) -> bytes:
    ins = [fm("a", "int8", (1, 4, 4, 8)), fm("b", "int8", (1, 4, 4, 8))]
    out = (1, 4, 4, 16) if axis == 3 else (1, 8, 4, 8)
    opts = ("ConcatenationOptions", {"axis": axis, "fused_activation_function": "NONE"})
    return one("CONCATENATION", ins, [fm("y", "int8", out)], opts, 2)


def slice_op(const_begin: bool) -> bytes:
    begin = const("b", (0, 1, 1, 0)) if const_begin else T("b", "int32", (4,))
    ins = [fm("x", "int8", (1, 8, 8, 4)), begin, const("s", (1, 4, 4, 4))]
    return one("SLICE", ins, [fm("y", "int8", (1, 4, 4, 4))], None, 2)


def tile() -> bytes:
    return one("TILE", [fm("x", "int8", (1, 4, 4, 4)), const("m", (1, 2, 1, 1))], [fm("y", "int8", (1, 8, 4, 4))])


def pack(unpack: bool = False) -> bytes:
    if unpack:
        outs = [fm(f"y{i}", "int8", (1, 4, 4)) for i in range(2)]
        return one("UNPACK", [fm("x", "int8", (1, 2, 4, 4))], outs, ("UnpackOptions", {"num": 2, "axis": 1}))
    ins = [fm("a", "int8", (1, 4, 4)), fm("b", "int8", (1, 4, 4))]
    return one("PACK", ins, [fm("y", "int8", (1, 2, 4, 4))], ("PackOptions", {"values_count": 2, "axis": 1}))


def prelu() -> bytes:
    ins = [fm("x", "int8", (1, 4, 4, 8)), fm("alpha", "int8", (1, 1, 8), const=True)]
    return one("PRELU", ins, [fm("y", "int8", (1, 4, 4, 8))])


def scatter_nd() -> bytes:
    ins = [T("i", "int32", (2, 1), const=True, data=i32(0, 2)), fm("u", "int8", (2, 4)), const("shape", (4, 4))]
    return one("SCATTER_ND", ins, [fm("y", "int8", (4, 4))])


def select_v2() -> bytes:
    x = fm("a", "int8", (1, 4, 8))
    cond = T("c", "bool", (1, 4, 8))
    tensors = [x, fm("b", "int8", (1, 4, 8)), T("zero", "int8", (1, 4, 8), quant=q("int8")), cond]
    tensors += [fm("y", "int8", (1, 4, 8))]
    ops = [Op("GREATER", [0, 1], [3]), Op("SELECT_V2", [3, 0, 2], [4])]
    return build([Graph(tensors, ops, [0, 1, 2], [4])])


def weight_heavy(values: int) -> bytes:
    """A 1x1 convolution over 70,000 input channels: a weight sum over the limit when every
    weight is 127, under it when the weights are small."""
    depth = 70000
    data = bytes([values & 0xFF]) * (2 * depth)
    ins = [
        fm("x", "int8", (1, 1, 1, depth)),
        T("w", "int8", (2, 1, 1, depth), const=True, quant=Q([0.001], [0]), data=data),
        T("b", "int32", (2,), const=True, quant=Q([0.0001], [0])),
    ]
    opts = ("Conv2DOptions", {"padding": "VALID", "stride_w": 1, "stride_h": 1, "fused_activation_function": "NONE"})
    return one("CONV_2D", ins, [fm("y", "int8", (1, 1, 1, 2))], opts, 3)


def unquantized_int8() -> bytes:
    return one("RELU", [T("x", "int8", (1, 8))], [T("y", "int8", (1, 8))])


def per_axis_add() -> bytes:
    a = T("a", "int8", (1, 4, 2), quant=Q([0.05, 0.06], [0, 0], 2))
    return one("ADD", [a, fm("b", "int8", (1, 4, 2))], [fm("y", "int8", (1, 4, 2))], ("AddOptions", {}), 2)


def depth_multiplier() -> bytes:
    ins = [
        fm("x", "int8", (1, 8, 8, 4)),
        T("w", "int8", (1, 3, 3, 8), const=True, quant=Q([0.01], [0])),
        T("b", "int32", (8,), const=True, quant=Q([0.0005], [0])),
    ]
    opts = (
        "DepthwiseConv2DOptions",
        {"padding": "SAME", "stride_w": 1, "stride_h": 1, "depth_multiplier": 2, "fused_activation_function": "RELU"},
    )
    return one("DEPTHWISE_CONV_2D", ins, [fm("y", "int8", (1, 8, 8, 8))], opts, 3)


def deep(kind: str, depth: int) -> bytes:
    """An op reading a tensor of ``depth`` channels: Vela's NPU axes hold at most 2^16."""
    x = fm("x", "int8", (1, 1, 1, depth))
    if kind == "SOFTMAX":
        return one(kind, [x], [fm("y", "int8", (1, 1, 1, depth))], ("SoftmaxOptions", {"beta": 1.0}), 2)
    if kind == "FULLY_CONNECTED":
        w = T("w", "int8", (2, depth), const=True, quant=Q([0.001], [0]), data=b"\x01" * (2 * depth))
        opts = ("FullyConnectedOptions", {"fused_activation_function": "NONE"})
        return one(kind, [fm("x", "int8", (1, depth)), w], [fm("y", "int8", (1, 2))], opts, 9)
    depthwise = kind == "DEPTHWISE_CONV_2D"
    out = depth if depthwise else 2
    shape = (1, 1, 1, depth) if depthwise else (2, 1, 1, depth)
    w = T("w", "int8", shape, const=True, quant=Q([0.001], [0]), data=b"\x01" * (depth * (1 if depthwise else 2)))
    b = T("b", "int32", (out,), const=True, quant=Q([0.0001], [0]))
    opts: dict[str, Any] = {"padding": "VALID", "stride_w": 1, "stride_h": 1, "fused_activation_function": "NONE"}
    if depthwise:
        opts["depth_multiplier"] = 1
    table = "DepthwiseConv2DOptions" if depthwise else "Conv2DOptions"
    return one(kind, [x, w, b], [fm("y", "int8", (1, 1, 1, out))], (table, opts), 3)


VARIANTS: dict[str, Callable[[], bytes]] = {
    "conv s1 same": lambda: conv(1, "SAME"),
    "conv s2 same": lambda: conv(2, "SAME"),
    "conv s3 valid": lambda: conv(3, "VALID"),
    "conv s4 same padded": lambda: conv(4, "SAME", size=18),
    "conv s4 same unpadded": lambda: conv(4, "SAME", size=17),
    "conv s4 valid": lambda: conv(4, "VALID"),
    "conv s5 valid dilation 2": lambda: conv(5, "VALID", size=20, dilation=2),
    "conv dilation 2": lambda: conv(1, "SAME", dilation=2),
    "conv int16 (int64 bias)": lambda: conv(1, "SAME", dtype="int16"),
    "conv per-channel weights": lambda: conv(1, "SAME", per_channel=True),
    "conv uint8": lambda: conv(1, "SAME", dtype="uint8"),
    "depthwise s2": lambda: conv(2, "SAME", depthwise=True),
    "depthwise s4 valid": lambda: conv(4, "VALID", depthwise=True),
    "depthwise per-channel": lambda: conv(1, "SAME", depthwise=True, per_channel=True),
    "avgpool 3x3 same": lambda: pool("AVERAGE_POOL_2D", 3, 3, "SAME"),
    "avgpool 9x9 same": lambda: pool("AVERAGE_POOL_2D", 9, 9, "SAME", size=18),
    "avgpool 16x16 valid": lambda: pool("AVERAGE_POOL_2D", 16, 16, "VALID"),
    "avgpool s4 same": lambda: pool("AVERAGE_POOL_2D", 2, 2, "SAME", stride=4, size=18),
    "maxpool 2x2 s2": lambda: pool("MAX_POOL_2D", 2, 2, "VALID", stride=2),
    "maxpool 1x12 valid": lambda: pool("MAX_POOL_2D", 12, 1, "VALID"),
    "add int8": lambda: binary("ADD", "int8", (1, 4, 4, 8), (1, 4, 4, 8), (1, 4, 4, 8)),
    "add broadcast": lambda: binary("ADD", "int8", (1, 4, 4, 8), (1, 1, 1, 8), (1, 4, 4, 8)),
    "add int16": lambda: binary("ADD", "int16", (1, 4, 4, 8), (1, 4, 4, 8), (1, 4, 4, 8)),
    "add int32": lambda: binary("ADD", "int32", (1, 4, 4, 8), (1, 4, 4, 8), (1, 4, 4, 8)),
    "add uint8 zp 128": lambda: binary("ADD", "uint8", (1, 4, 4, 8), (1, 4, 4, 8), (1, 4, 4, 8), zp=128),
    "mul int16": lambda: binary("MUL", "int16", (1, 4, 4, 8), (1, 4, 4, 8), (1, 4, 4, 8)),
    "sub rank 5": lambda: binary("SUB", "int8", (1, 2, 4, 4, 8), (1, 2, 4, 4, 8), (1, 2, 4, 4, 8)),
    "maximum": lambda: binary("MAXIMUM", "int8", (1, 4, 4, 8), (1, 4, 4, 8), (1, 4, 4, 8)),
    "squared difference": lambda: binary("SQUARED_DIFFERENCE", "int8", (1, 4, 8), (1, 4, 8), (1, 4, 8)),
    "equal int8": lambda: binary("EQUAL", "int8", (1, 4, 8), (1, 4, 8), (1, 4, 8)),
    "greater int16": lambda: binary("GREATER", "int16", (1, 4, 8), (1, 4, 8), (1, 4, 8)),
    "logistic int16": lambda: unary("LOGISTIC", "int16"),
    "tanh int8": lambda: unary("TANH", "int8"),
    "hard swish int8": lambda: unary("HARD_SWISH", "int8"),
    "leaky relu int16": lambda: unary("LEAKY_RELU", "int16", options=("LeakyReluOptions", {"alpha": 0.2})),
    "exp int16": lambda: unary("EXP", "int16"),
    "log int16": lambda: unary("LOG", "int16"),
    "rsqrt int8": lambda: unary("RSQRT", "int8"),
    "elu int16": lambda: unary("ELU", "int16"),
    "elu int8": lambda: unary("ELU", "int8"),
    "gelu uint8": lambda: unary("GELU", "uint8", options=("GeluOptions", {"approximate": False})),
    "abs int8": lambda: unary("ABS", "int8"),
    "neg int32": lambda: unary("NEG", "int32"),
    "softmax int8": lambda: unary("SOFTMAX", "int8", options=("SoftmaxOptions", {"beta": 1.0})),
    "softmax int16": lambda: unary("SOFTMAX", "int16", options=("SoftmaxOptions", {"beta": 1.0})),
    "quantize int8->int16": lambda: unary("QUANTIZE", "int8", out="int16"),
    "quantize int16->int8": lambda: unary("QUANTIZE", "int16", out="int8"),
    "resize bilinear 2x hpc": lambda: resize("RESIZE_BILINEAR", 8, 16, half=True),
    "resize bilinear 4x": lambda: resize("RESIZE_BILINEAR", 4, 16),
    "resize bilinear 4x hpc": lambda: resize("RESIZE_BILINEAR", 4, 16, half=True),
    "resize bilinear 3x": lambda: resize("RESIZE_BILINEAR", 4, 12),
    "resize bilinear align 2x-1": lambda: resize("RESIZE_BILINEAR", 5, 9, align=True),
    "resize nearest 2x": lambda: resize("RESIZE_NEAREST_NEIGHBOR", 8, 16),
    "resize nearest 3x": lambda: resize("RESIZE_NEAREST_NEIGHBOR", 4, 12),
    "resize nearest align hpc": lambda: resize("RESIZE_NEAREST_NEIGHBOR", 8, 16, align=True, half=True),
    "resize bilinear 16x": lambda: resize("RESIZE_BILINEAR", 2, 32),
    "transpose nchw": lambda: transpose((0, 3, 1, 2), (1, 4, 6, 8)),
    "transpose nwhc": lambda: transpose((0, 2, 1, 3), (1, 4, 6, 8)),
    "transpose int32 nhcw": lambda: transpose((0, 1, 3, 2), (1, 4, 6, 8), "int32"),
    "transpose int32 nchw": lambda: transpose((0, 3, 1, 2), (1, 4, 6, 8), "int32"),
    "transpose rank 5": lambda: transpose((0, 1, 2, 4, 3), (1, 2, 3, 4, 5)),
    "strided slice stride 2 on H": lambda: strided((0, 0, 0, 0), (1, 8, 8, 8), (1, 2, 1, 1), (1, 4, 8, 8)),
    "strided slice stride 2 on C": lambda: strided((0, 0, 0, 0), (1, 8, 8, 8), (1, 1, 1, 2), (1, 8, 8, 4)),
    "strided slice negative stride": lambda: strided((0, 7, 0, 0), (1, -9, 8, 8), (1, -1, 1, 1), (1, 8, 8, 8)),
    "mean hw": lambda: reduce("MEAN", (1, 2), (1, 8, 8, 16), (1, 1, 1, 16)),
    "mean c with w=1": lambda: reduce("MEAN", (3,), (1, 8, 1, 16), (1, 8, 1, 1)),
    "mean batch 2": lambda: reduce("MEAN", (1, 2), (2, 8, 8, 16), (2, 1, 1, 16)),
    "mean int16 big": lambda: reduce("MEAN", (1, 2), (1, 300, 300, 1), (1, 1, 1, 1), "int16"),
    "sum int8": lambda: reduce("SUM", (3,), (1, 4, 4, 8), (1, 4, 4, 1)),
    "reduce max": lambda: reduce("REDUCE_MAX", (1, 2), (1, 4, 4, 8), (1, 1, 1, 8)),
    "fc const weights": lambda: fc(False),
    "fc dynamic weights int8": lambda: fc(True),
    "fc dynamic weights int16": lambda: fc(True, "int16"),
    "batch matmul int8": lambda: batch_matmul("int8"),
    "batch matmul int16": lambda: batch_matmul("int16"),
    "batch matmul adj_x": lambda: batch_matmul("int8", True),
    "gather axis 0": lambda: gather(0),
    "gather axis 1": lambda: gather(1),
    "pad int32 params": lambda: pad("PAD"),
    "pad int64 params": lambda: pad("PAD", "int64"),
    "padv2": lambda: pad("PADV2"),
    "mirror pad": lambda: pad("MIRROR_PAD"),
    "split 2": lambda: split(2, 2),
    "argmax depth axis": lambda: argmax(3),
    "argmax axis 2": lambda: argmax(2),
    "argmax depth 128": lambda: argmax(3, 128),
    "dynamic batch": lambda: dynamic_dims((-1, 8, 8, 4)),
    "dynamic height": lambda: dynamic_dims((1, -1, 8, 4)),
    "cast int8->int16": lambda: cast("int8", "int16"),
    "cast int16->int32": lambda: cast("int16", "int32"),
    "reverse axis 1": lambda: reverse(1),
    "transpose conv s2 same": lambda: transpose_conv(2, "SAME"),
    "transpose conv s1 valid": lambda: transpose_conv(1, "VALID"),
    "transpose conv s3 same": lambda: transpose_conv(3, "SAME"),
    "minimum matching quant": lambda: minimum(True),
    "minimum other quant": lambda: minimum(False),
    "concat depth": lambda: concat(3),
    "concat height": lambda: concat(1),
    "slice const begin": lambda: slice_op(True),
    "slice runtime begin": lambda: slice_op(False),
    "tile": tile,
    "pack": pack,
    "unpack": lambda: pack(unpack=True),
    "prelu": prelu,
    "scatter nd": scatter_nd,
    "greater + select_v2": select_v2,
    "conv 70000 channels, weight sum over limit": lambda: weight_heavy(127),
    "conv 70000 channels, small weights": lambda: weight_heavy(1),
    "int8 without quantization": unquantized_int8,
    "add per-axis quantized": per_axis_add,
    "depthwise multiplier 2 + relu": depth_multiplier,
    "add int32 zp 3": lambda: binary("ADD", "int32", (1, 4, 8), (1, 4, 8), (1, 4, 8), zp=3),
    "add uint8 zp -1": lambda: binary("ADD", "uint8", (1, 4, 8), (1, 4, 8), (1, 4, 8), zp=-1),
    "conv 65536 input channels": lambda: deep("CONV_2D", 1 << 16),
    "conv 65537 input channels": lambda: deep("CONV_2D", (1 << 16) + 1),
    "depthwise 65537 channels": lambda: deep("DEPTHWISE_CONV_2D", (1 << 16) + 1),
    "fc 65537 inputs": lambda: deep("FULLY_CONNECTED", (1 << 16) + 1),
    "softmax 65536 channels": lambda: deep("SOFTMAX", 1 << 16),
    "softmax 65537 channels": lambda: deep("SOFTMAX", (1 << 16) + 1),
    "add 70000 channels": lambda: binary("ADD", "int8", (1, 1, 1, 70000), (1, 1, 1, 70000), (1, 1, 1, 70000)),
}


def vela_placement(path: str, accel: str, vela: Vela) -> dict[str, Any]:
    raw = compile_with_vela(path, ["--accelerator-config", accel], vela)
    if raw.get("error"):
        return {"error": raw["error"]}
    found = placement_verdicts(read(path), raw["cpu_ops"], raw["warnings"])
    return {"cpu": sorted(k[1] for k, v in found.items() if not v.supported)}


def table_placement(path: str, tables: str) -> dict[str, Any]:
    result = table_result(read(path), ethosu.Settings("", tables))
    if result.compile_error:
        return {"error": result.compile_error, "why": [v.reasons for v in result.verdicts.values()][:1]}
    return {
        "cpu": sorted(k[1] for k, v in result.verdicts.items() if not v.supported),
        "why": [v.reasons[0] for v in result.verdicts.values() if not v.supported],
    }


def main() -> int:
    vela = find_vela()
    if vela is None:
        print("Vela is not installed (pip install ethos-u-vela==5.2.0, or set OPLINT_VELA)", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for name, make in VARIANTS.items():
            path = str(Path(tmp) / (name.replace(" ", "_").replace(">", "") + ".tflite"))
            Path(path).write_bytes(make())
            for target, (accel, tables) in TARGETS.items():
                jobs.append((name, target, path, accel, tables))
        with ThreadPoolExecutor(2) as pool:
            real = list(pool.map(lambda j: vela_placement(j[2], j[3], vela), jobs))
        for (name, target, path, _accel, tables), vela_said in zip(jobs, real):
            said = table_placement(path, tables)
            same = (said.get("error") is None) == (vela_said.get("error") is None) and said.get("cpu") == vela_said.get(
                "cpu"
            )
            rows.append((name, target, vela_said, said, same))
    agree = sum(r[4] for r in rows)
    lines = [
        "# Ethos-U constraint tables vs the real Vela (synthetic probes)",
        "",
        f"Generated by `scripts/probe_ethosu.py` with Vela {vela.version} (tables: `rules/ethosu/`).",
        "Each probe is a one-op model on one side of a documented constraint; a row agrees when the",
        "tables leave the same ops on the CPU as Vela (or both say Vela cannot compile the model).",
        "",
        f"**{agree} of {len(rows)} agree.**",
        "",
        "| probe | target | Vela | tables | |",
        "|---|---|---|---|---|",
    ]

    def show(r: dict[str, Any]) -> str:
        if r.get("error"):
            return f"fails: {r['error']}"
        return "NPU" if not r["cpu"] else "CPU"

    for name, target, vela_said, said, same in rows:
        why = said.get("why") or []
        note = why[0].split(" (constraint:")[0] if why and said.get("cpu") else ""
        lines.append(f"| {name} | {target} | {show(vela_said)} | {show(said)} {note} | {'' if same else '**DIFF**'} |")
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    OUT.with_name("ethosu.probe.json").write_text(
        json.dumps([{"probe": n, "target": t, "vela": v, "tables": s} for n, t, v, s, _ in rows], indent=1) + "\n"
    )
    return 0 if agree == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
