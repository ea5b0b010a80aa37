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
    return p


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
            for vendor, soc, do_compile in configs:
                if soc not in ("SM8650", "LNL"):
                    continue
                run_ = {"partition": rec.partition(path, parsed, vendor, soc, work, timeout)}
                if do_compile:
                    run_["compile"] = rec.compile_(path, vendor, soc, work, timeout)
                got = run_["partition"]
                first_op_selected = "fail" if got["status"] != "ok" else [0, 0] in got.get("npu", [])
                run_["agrees_with_pin"] = first_op_selected == probe["expect"][vendor]
                entry["runs"][f"{vendor}@{soc}"] = run_
            out[name] = entry
    return out
