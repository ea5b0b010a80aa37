"""One-op probe models for the NPU compiler plugins (run by ``scripts/record_npu.py --probes``).

Each probe sits on one side of a condition that evidence/npu.SOURCES.md cites in the pinned LiteRT
source (google-ai-edge/LiteRT@f6745779); ``expect`` says, per vendor, whether the pinned source selects
the op (True), leaves it on the CPU (False) or fails the whole partition call ("fail"), and ``cite``
names the line.  ``run`` partitions each probe with the real plugins of ai-edge-litert 2.3.0 (and compiles
it for Qualcomm) through record_npu's helpers, so the record shows where 2.3.0 agrees with the pinned
source and where it has moved on.
"""

from __future__ import annotations

import struct
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.tflite_builder import Graph, Op, Q, T, build  # noqa: E402

QC = "litert/vendors/qualcomm"
OV = "litert/vendors/intel_openvino/compiler/openvino_compiler_plugin.cc"


def i32(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}i", *values)


def q(dtype: str) -> Q | None:
    return Q([0.05], [0]) if dtype in ("int8", "uint8", "int16") else None


def fm(name: str, dtype: str, shape: tuple[int, ...], **kw: Any) -> T:
    return T(name, dtype, shape, quant=kw.pop("quant", q(dtype)), **kw)


def const32(name: str, *values: int, shape: tuple[int, ...] | None = None) -> T:
    return T(name, "int32", shape if shape is not None else (len(values),), const=True, data=i32(*values))


def one(kind: str, ins: list[T], outs: list[T], options: Any = None, version: int = 1, **op_kw: Any) -> bytes:
    tensors = ins + outs
    inputs = [i for i, t in enumerate(ins) if not t.const]
    op = Op(kind, list(range(len(ins))), list(range(len(ins), len(tensors))), version=version, options=options, **op_kw)
    return build([Graph(tensors, [op], inputs, list(range(len(ins), len(tensors))))])


def two(first: tuple[str, list[T], list[T]], second: tuple[str, list[T], list[T]], tensors: list[T]) -> bytes:
    """Two ops over a shared tensor list (given by index)."""
    index = {t.name: i for i, t in enumerate(tensors)}
    ops = [Op(k, [index[t.name] for t in ins], [index[t.name] for t in outs]) for k, ins, outs in (first, second)]
    produced = {i for op in ops for i in op.outputs}
    consumed = {i for op in ops for i in op.inputs}
    inputs = [i for i in consumed if i not in produced and not tensors[i].const]
    outputs = [i for i in produced if i not in consumed]
    return build([Graph(tensors, ops, inputs, outputs)])


X4 = (1, 4, 4, 8)


def unary(kind: str, dtype: str = "float32", shape: tuple[int, ...] = X4, options: Any = None) -> bytes:
    return one(kind, [fm("x", dtype, shape)], [fm("y", dtype, shape)], options)


def binary(kind: str, dtype: str, table: str, activation: int = 0) -> bytes:
    return one(
        kind,
        [fm("a", dtype, X4), fm("b", dtype, X4)],
        [fm("y", dtype, X4)],
        (table, {"fused_activation_function": activation}),
    )


def probes() -> dict[str, dict[str, Any]]:
    f32 = "float32"
    p: dict[str, dict[str, Any]] = {}

    def add(name: str, make: Callable[[], bytes], qualcomm: Any, intel: Any, cite: dict[str, str]) -> None:
        p[name] = {"make": make, "expect": {"qualcomm": qualcomm, "intel_openvino": intel}, "cite": cite}

    add(
        "ADD float32",
        lambda: binary("ADD", f32, "AddOptions"),
        True,
        True,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:1490", "intel_openvino": f"{OV}:71"},
    )
    add(
        "ADD int8 fused RELU6",
        lambda: binary("ADD", "int8", "AddOptions", 3),
        True,
        True,
        {"qualcomm": f"{QC}/core/builders/op_builder.cc:294", "intel_openvino": f"{OV}:71"},
    )
    add(
        "ADD int16 (per-tensor, zero point 0)",
        lambda: binary("ADD", "int16", "AddOptions"),
        True,
        True,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:183", "intel_openvino": f"{OV}:71"},
    )
    add(
        "ADD uint8",
        lambda: binary("ADD", "uint8", "AddOptions"),
        True,
        True,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:194", "intel_openvino": f"{OV}:71"},
    )
    add(
        "TRANSPOSE constant perm",
        lambda: one("TRANSPOSE", [fm("x", f32, X4), const32("perm", 0, 2, 1, 3)], [fm("y", f32, X4)]),
        True,
        True,
        {"qualcomm": f"{QC}/core/builders/transpose_op_builder.cc:25", "intel_openvino": f"{OV}:110"},
    )
    add(
        "TRANSPOSE runtime perm",
        lambda: one("TRANSPOSE", [fm("x", f32, X4), T("perm", "int32", (4,))], [fm("y", f32, X4)]),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/transpose_op_builder.cc:25", "intel_openvino": f"{OV}:110"},
    )
    add(
        "TOPK_V2 constant k",
        lambda: one(
            "TOPK_V2",
            [fm("x", f32, (1, 8)), const32("k", 2, shape=())],
            [fm("v", f32, (1, 2)), T("i", "int32", (1, 2))],
        ),
        True,
        True,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:967", "intel_openvino": f"{OV}:151"},
    )
    add(
        "TOPK_V2 runtime k",
        lambda: one(
            "TOPK_V2", [fm("x", f32, (1, 8)), T("k", "int32", ())], [fm("v", f32, (1, 2)), T("i", "int32", (1, 2))]
        ),
        False,
        False,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:967", "intel_openvino": f"{OV}:436"},
    )
    add(
        "GATHER batch_dims 0",
        lambda: one(
            "GATHER",
            [fm("x", f32, (2, 8)), const32("idx", 1, 0)],
            [fm("y", f32, (2, 8))],
            ("GatherOptions", {"axis": 0, "batch_dims": 0}),
        ),
        True,
        True,
        {"qualcomm": f"{QC}/core/builders/gather_op_builder.cc:24", "intel_openvino": f"{OV}:85"},
    )
    add(
        "GATHER batch_dims 1",
        lambda: one(
            "GATHER",
            [fm("x", f32, (2, 8)), const32("idx", 1, 0, shape=(2, 1))],
            [fm("y", f32, (2, 1))],
            ("GatherOptions", {"axis": 1, "batch_dims": 1}),
        ),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/gather_op_builder.cc:24", "intel_openvino": f"{OV}:85"},
    )
    add(
        "STRIDED_SLICE ellipsis_mask 1",
        lambda: one(
            "STRIDED_SLICE",
            [fm("x", f32, X4), const32("b", 0, 0, 0, 0), const32("e", 1, 2, 2, 8), const32("s", 1, 1, 1, 1)],
            [fm("y", f32, (1, 2, 2, 8))],
            ("StridedSliceOptions", {"ellipsis_mask": 1}),
        ),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/strided_slice_op_builder.cc:35", "intel_openvino": f"{OV}:83"},
    )
    add(
        "STRIDED_SLICE runtime begin",
        lambda: one(
            "STRIDED_SLICE",
            [fm("x", f32, X4), T("b", "int32", (4,)), const32("e", 1, 2, 2, 8), const32("s", 1, 1, 1, 1)],
            [fm("y", f32, (1, 2, 2, 8))],
            ("StridedSliceOptions", {}),
        ),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/strided_slice_op_builder.cc:44", "intel_openvino": f"{OV}:83"},
    )
    add(
        "SLICE runtime size",
        lambda: one("SLICE", [fm("x", f32, X4), const32("b", 0, 0, 0, 0), T("n", "int32", (4,))], [fm("y", f32, X4)]),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/slice_op_builder.cc:34", "intel_openvino": f"{OV}:111"},
    )
    add(
        "TILE runtime multiples",
        lambda: one("TILE", [fm("x", f32, X4), T("m", "int32", (4,))], [fm("y", f32, X4)]),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/tile_op_builder.cc:27", "intel_openvino": f"{OV}:148"},
    )
    add(
        "PAD runtime paddings",
        lambda: one("PAD", [fm("x", f32, X4), T("p", "int32", (4, 2))], [fm("y", f32, (1, 6, 6, 8))]),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/pad_op_builder.cc:80", "intel_openvino": f"{OV}:109"},
    )
    add(
        "REVERSE_V2 two axes",
        lambda: one("REVERSE_V2", [fm("x", f32, X4), const32("axis", 1, 2)], [fm("y", f32, X4)]),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/reverse_op_builder.cc:40", "intel_openvino": f"{OV}:119"},
    )
    add(
        "MEAN runtime axis",
        lambda: one(
            "MEAN", [fm("x", f32, X4), T("axis", "int32", (2,))], [fm("y", f32, (1, 8))], ("ReducerOptions", {})
        ),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/reduce_op_builder.cc:31", "intel_openvino": f"{OV}:73"},
    )
    add(
        "ARG_MAX runtime axis",
        lambda: one(
            "ARG_MAX",
            [fm("x", f32, X4), T("axis", "int32", (1,))],
            [T("y", "int32", (1, 4, 4))],
            ("ArgMaxOptions", {"output_type": 2}),
        ),
        False,
        True,
        {"qualcomm": f"{QC}/core/builders/arg_min_max_op_builder.cc:49", "intel_openvino": f"{OV}:99"},
    )
    add(
        "SPACE_TO_BATCH_ND runtime block",
        lambda: one(
            "SPACE_TO_BATCH_ND",
            [fm("x", f32, X4), T("block", "int32", (2,)), const32("pad", 0, 0, 0, 0, shape=(2, 2))],
            [fm("y", f32, (4, 2, 2, 8))],
        ),
        False,
        False,
        {"qualcomm": f"{QC}/core/builders/spatial_transform_nd_op_builder.cc:38", "intel_openvino": f"{OV}:66"},
    )
    add(
        "SQUEEZE (no builder at the pin)",
        lambda: one(
            "SQUEEZE",
            [fm("x", f32, (1, 4, 1, 8))],
            [fm("y", f32, (1, 4, 8))],
            ("SqueezeOptions", {"squeeze_dims": [2]}),
        ),
        False,
        False,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:1670", "intel_openvino": f"{OV}:66"},
    )
    add(
        "EXPAND_DIMS",
        lambda: one("EXPAND_DIMS", [fm("x", f32, (4, 8)), const32("axis", 0, shape=())], [fm("y", f32, (1, 4, 8))]),
        False,
        True,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:1670", "intel_openvino": f"{OV}:122"},
    )
    add(
        "HARD_SWISH float32",
        lambda: unary("HARD_SWISH"),
        True,
        True,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:1576", "intel_openvino": f"{OV}:135"},
    )
    add(
        "custom op without a QNN op package",
        lambda: one("CUSTOM", [fm("x", f32, X4)], [fm("y", f32, X4)], custom_code="MyOp", custom_options=b"\x00"),
        False,
        False,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:1603", "intel_openvino": f"{OV}:66"},
    )
    add(
        "FULLY_CONNECTED dynamic batch (-1 read as 1)",
        lambda: one(
            "FULLY_CONNECTED",
            [fm("x", f32, (1, 8), shape_signature=(-1, 8)), T("w", f32, (4, 8), const=True)],
            [fm("y", f32, (1, 4), shape_signature=(-1, 4))],
            ("FullyConnectedOptions", {}),
        ),
        True,
        True,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:256", "intel_openvino": f"{OV}:70"},
    )
    add(
        "ADD next to a string tensor (whole partition fails)",
        lambda: two(
            ("ADD", [T("a", f32, X4), T("b", f32, X4)], [T("c", f32, X4)]),
            ("RESHAPE", [T("s", "string", (4,)), const32("shape", 2, 2)], [T("t", "string", (2, 2))]),
            [
                T("a", f32, X4),
                T("b", f32, X4),
                T("c", f32, X4),
                T("s", "string", (4,)),
                const32("shape", 2, 2),
                T("t", "string", (2, 2)),
            ],
        ),
        "fail",
        True,
        {"qualcomm": f"{QC}/compiler/qnn_compose_graph.cc:217", "intel_openvino": f"{OV}:72"},
    )
    add(
        "ADD with a 6-D graph input",
        lambda: one(
            "ADD",
            [fm("a", f32, (1, 1, 2, 2, 2, 2)), fm("b", f32, (1, 1, 2, 2, 2, 2))],
            [fm("y", f32, (1, 1, 2, 2, 2, 2))],
            ("AddOptions", {}),
        ),
        False,
        "fail",
        # Qualcomm: the ADD builder takes it; QNN's own validateOpConfig (closed source) refuses rank 6.
        {"qualcomm": f"{QC}/qnn_manager.cc:461", "intel_openvino": f"{OV}:484"},
    )
    p.update(measured())
    return p


VALIDATE = f"{QC}/qnn_manager.cc:461"


def measured() -> dict[str, dict[str, Any]]:
    """Probes of QNN's closed validator and compiler: each expectation is what ``oplint/delegates/qualcomm/qnn.py``
    predicts from the corpus record (``VALIDATOR``, ``COMPILE_RULES``), written down before these probes ran,
    so they test those predictions on models the rules were not read from.  ``expect_soc`` overrides
    ``expect`` for one vendor@SoC; ``compile`` is the expected ``--cmd=apply`` status per vendor@SoC."""
    f32, i16, i8 = "float32", "int16", "int8"
    x4 = (1, 8, 8, 4)
    p: dict[str, dict[str, Any]] = {}

    def add(
        name: str,
        make: Callable[[], bytes],
        qualcomm: Any,
        intel: Any,
        soc: dict[str, Any] | None = None,
        compile_: dict[str, str] | None = None,
    ) -> None:
        p[name] = {
            "make": make,
            "expect": {"qualcomm": qualcomm, "intel_openvino": intel},
            "expect_soc": soc or {},
            "expect_compile": compile_ or {},
            "basis": "measured",
            "cite": {"qualcomm": VALIDATE, "intel_openvino": OV},
        }

    def conv(x: T, w: T, b: T, out: T, act: str = "NONE", kind: str = "CONV_2D") -> bytes:
        options: dict[str, Any] = {"padding": "SAME", "stride_w": 1, "stride_h": 1, "fused_activation_function": act}
        table = "Conv2DOptions"
        if kind == "DEPTHWISE_CONV_2D":
            table, options["depth_multiplier"] = "DepthwiseConv2DOptions", 1
        return one(kind, [x, w, b], [out], (table, options), version=3)

    def wq(n: int) -> Q:
        return Q([0.02] * n, [0] * n, 0)

    def conv16(act: str) -> bytes:
        return conv(
            fm("x", i16, x4),
            T("w", i8, (4, 3, 3, 4), const=True, quant=wq(4)),
            T("b", "int64", (4,), const=True, quant=Q([0.001] * 4, [0] * 4, 0)),
            fm("y", i16, x4),
            act,
        )

    add(
        "CONV_2D hybrid (float activations, int8 weights)",
        lambda: conv(
            T("x", f32, x4),
            T("w", i8, (4, 3, 3, 4), const=True, quant=wq(4)),
            T("b", f32, (4,), const=True),
            T("y", f32, x4),
        ),
        False,
        True,
    )
    add("CONV_2D int16x8 fused RELU6", lambda: conv16("RELU6"), False, True)
    add("CONV_2D int16x8 fused RELU", lambda: conv16("RELU"), True, True)
    add(
        "DEPTHWISE_CONV_2D int16x8 (int64 bias)",
        lambda: conv(
            fm("x", i16, x4),
            T("w", i8, (1, 3, 3, 4), const=True, quant=Q([0.02] * 4, [0] * 4, 3)),
            T("b", "int64", (4,), const=True, quant=Q([0.001] * 4, [0] * 4, 0)),
            fm("y", i16, x4),
            kind="DEPTHWISE_CONV_2D",
        ),
        False,
        True,
    )
    add("RELU6 int16", lambda: unary("RELU6", i16), False, False)
    add(
        "AVERAGE_POOL_2D int16",
        lambda: one(
            "AVERAGE_POOL_2D",
            [fm("x", i16, x4)],
            [fm("y", i16, (1, 4, 4, 4))],
            (
                "Pool2DOptions",
                {"padding": "VALID", "stride_w": 2, "stride_h": 2, "filter_width": 2, "filter_height": 2},
            ),
        ),
        False,
        True,
    )
    for out_type, code, taken in (("int64", 4, False), ("int32", 2, True)):
        add(
            f"ARG_MAX float32 with an {out_type} output",
            lambda out_type=out_type, code=code: one(
                "ARG_MAX",
                [T("x", f32, (1, 4, 8)), const32("axis", 2, shape=(1,))],
                [T("y", out_type, (1, 4))],
                ("ArgMaxOptions", {"output_type": code}),
            ),
            taken,
            True,
        )
    add("CAST int8 to float32", lambda: one("CAST", [T("x", i8, (1, 8))], [T("y", f32, (1, 8))]), False, True)
    add("CAST int32 to float32", lambda: one("CAST", [T("x", "int32", (1, 8))], [T("y", f32, (1, 8))]), True, True)
    add(
        "RESHAPE int16 unquantized",
        lambda: one("RESHAPE", [T("x", i16, (1, 8)), const32("s", 2, 4)], [T("y", i16, (2, 4))]),
        False,
        True,
    )
    add("EXP int8", lambda: unary("EXP", i8), False, True)
    add(
        "LOG_SOFTMAX int8",
        lambda: one("LOG_SOFTMAX", [fm("x", i8, (1, 8))], [T("y", i8, (1, 8), quant=Q([16 / 256], [127]))]),
        False,
        False,
    )
    add(
        "GATHER_ND int16",
        lambda: one("GATHER_ND", [fm("x", i16, (4, 8)), const32("i", 1, 3, shape=(2, 1))], [fm("y", i16, (2, 8))]),
        False,
        True,
    )
    add(
        "QUANTIZE int16 to int32",
        lambda: one("QUANTIZE", [fm("x", i16, (1, 8))], [T("y", "int32", (1, 8), quant=Q([0.001], [0]))]),
        False,
        True,
    )
    add("FLOOR_DIV int32", lambda: binary_plain("FLOOR_DIV", "int32"), False, True)
    add("FLOOR_MOD float32", lambda: binary_plain("FLOOR_MOD", f32), False, True)
    add("FLOOR_MOD int32", lambda: binary_plain("FLOOR_MOD", "int32"), True, True)
    add(
        "ADD float32 and int8 into int8",
        lambda: one("ADD", [T("a", f32, (1, 8)), fm("b", i8, (1, 8))], [fm("y", i8, (1, 8))], ("AddOptions", {})),
        False,
        True,
    )
    add("MUL int16", lambda: binary("MUL", i16, "MulOptions"), True, True)
    add(
        "BATCH_MATMUL int16 x int16",
        lambda: one(
            "BATCH_MATMUL",
            [fm("a", i16, (1, 4, 8)), fm("b", i16, (1, 8, 4))],
            [fm("y", i16, (1, 4, 4))],
            ("BatchMatMulOptions", {}),
        ),
        True,
        True,
        soc={"qualcomm@SM8350": False},
    )
    add(
        "CONCATENATION int64",
        lambda: one(
            "CONCATENATION",
            [T("a", "int64", (2,)), T("b", "int64", (2,))],
            [T("y", "int64", (4,))],
            ("ConcatenationOptions", {"axis": 0}),
        ),
        False,
        True,
    )
    add(
        "STRIDED_SLICE to a scalar",
        lambda: one(
            "STRIDED_SLICE",
            [T("x", "int32", (4,)), const32("b", 1), const32("e", 2), const32("s", 1)],
            [T("y", "int32", ())],
            ("StridedSliceOptions", {"shrink_axis_mask": 1}),
        ),
        False,
        True,
    )
    add(
        "CONCATENATION of dynamic batches along the batch",
        lambda: one(
            "CONCATENATION",
            [T("a", f32, (1, 4), shape_signature=(-1, 4)), T("b", f32, (1, 4), shape_signature=(-1, 4))],
            [T("y", f32, (1, 4), shape_signature=(-1, 4))],
            ("ConcatenationOptions", {"axis": 0}),
        ),
        False,
        True,
    )
    add(
        "GELU float32 (compile: v68 fails)",
        lambda: unary("GELU"),
        True,
        True,
        compile_={"qualcomm@SM8650": "ok", "qualcomm@SM8350": "failed"},
    )
    add(
        "SELECT_V2 float32 (compile: v68 fails)",
        lambda: one(
            "SELECT_V2", [T("c", "bool", (1, 8)), T("a", f32, (1, 8)), T("b", f32, (1, 8))], [T("y", f32, (1, 8))]
        ),
        True,
        True,
        compile_={"qualcomm@SM8650": "ok", "qualcomm@SM8350": "failed"},
    )
    add(
        "TANH float32 (compile: every SoC)",
        lambda: unary("TANH"),
        True,
        True,
        compile_={"qualcomm@SM8650": "ok", "qualcomm@SM8350": "ok"},
    )
    return p


def binary_plain(kind: str, dtype: str) -> bytes:
    return one(kind, [T("a", dtype, (1, 8)), T("b", dtype, (1, 8))], [T("y", dtype, (1, 8))])


def run(configs: list[tuple[str, str, bool]], timeout: float) -> dict[str, Any]:
    import record_npu as rec

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="npu-probe-") as tmp:
        work = Path(tmp)
        for name, probe in probes().items():
            path = work / "probe.tflite"
            path.write_bytes(probe["make"]())
            parsed = rec.load(path.read_bytes())
            entry: dict[str, Any] = {
                "ops": [[rec.op_name(parsed, op) for op in g.operators or []] for g in parsed.subgraphs],
                "expect": probe["expect"],
                "cite": probe["cite"],
                "runs": {},
            }
            for key in ("expect_soc", "expect_compile"):
                if probe.get(key):
                    entry[key] = probe[key]
            if "basis" in probe:
                entry["basis"] = probe["basis"]
            for vendor, soc, do_compile in configs:
                if soc not in ("SM8650", "SM8350", "LNL"):
                    continue
                config = f"{vendor}@{soc}"
                run_ = {"partition": rec.partition(path, parsed, vendor, soc, work, timeout)}
                if do_compile:
                    run_["compile"] = rec.compile_(path, vendor, soc, work, timeout)
                got = run_["partition"]
                first_op_selected = "fail" if got["status"] != "ok" else [0, 0] in got.get("npu", [])
                expected = probe.get("expect_soc", {}).get(config, probe["expect"][vendor])
                # "agrees_with_pin": with the pinned source; for "basis": "measured" probes, with what
                # oplint predicts from the corpus record (see measured())
                run_["agrees_with_pin"] = first_op_selected == expected
                if config in probe.get("expect_compile", {}) and "compile" in run_:
                    run_["compile_as_expected"] = run_["compile"]["status"] == probe["expect_compile"][config]
                entry["runs"][config] = run_
            out[name] = entry
    return out
