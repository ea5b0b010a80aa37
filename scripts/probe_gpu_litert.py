#!/usr/bin/env python3
"""Probe the `gpu-litert` checker against LiteRT's real GPU accelerator, beyond the corpus.

The corpus (../shared) exercises the parser checks real models hit.  This builds one-op models
on either side of the checks oplint translated from ``ml_drift_delegate/tflite`` (tensor types
per op, ranks, identical operands, op versions, constant operands, masks, permutations, axes,
softmax beta, resize modes, float16 weights in full and partial delegation, ...), compiles each
with ``ai_edge_litert``'s ``CompiledModel`` on the GPU (ML Drift), and records the ops the
accelerator refused (every "Following operations are not supported by GPU delegate" block) and
how many ops it ran on the GPU.  The results go to evidence/gpu_litert.probe.json, which
tests/test_gpu_litert.py replays without the accelerator, and evidence/gpu_litert.PROBE.md.

    OPLINT_LITERT_PYTHON=/path/to/venv/bin/python python scripts/probe_gpu_litert.py

Needs a Python with ``ai-edge-litert`` (2.3.0 was used) and a Vulkan driver: on this machine
Mesa's lavapipe from bookworm-backports (``mesa-vulkan-drivers`` 25.x), as ../shared/oracle/ENV.md
describes.  A maintainer tool, not a test.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures import tflite_builder as B  # noqa: E402

OUT = ROOT / "evidence" / "gpu_litert.PROBE.md"
DATA = ROOT / "evidence" / "gpu_litert.probe.json"
BLOCK = re.compile(
    r"Following operations are not supported by GPU delegate:\n(.*?)"
    r"\n(?:(\d+) operations will run on the GPU|No operations will run on the GPU)",
    re.S,
)

WORKER = r"""
import json, os, sys, tempfile
from ai_edge_litert.compiled_model import CompiledModel
from ai_edge_litert.hardware_accelerator import HardwareAccelerator as HA
tmp = tempfile.TemporaryFile()
saved = os.dup(1), os.dup(2)
os.dup2(tmp.fileno(), 1); os.dup2(tmp.fileno(), 2)
res = {"compiles": False}
try:
    m = CompiledModel.from_file(sys.argv[1], hardware_accel=HA.GPU | HA.CPU)
    res["compiles"] = True
    res["fully_accelerated"] = bool(m.is_fully_accelerated())
except Exception as exc:
    res["error"] = f"{type(exc).__name__}: {exc}"[:500]
finally:
    sys.stdout.flush(); sys.stderr.flush()
    os.dup2(saved[0], 1); os.dup2(saved[1], 2)
tmp.seek(0)
res["log"] = tmp.read().decode("utf-8", "replace")
print(json.dumps(res))
"""


def accelerator(path: str) -> dict[str, Any]:
    """Compile ``path`` with the real accelerator (in the other Python) and parse its verdict."""
    python = os.environ.get("OPLINT_LITERT_PYTHON", sys.executable)
    env = dict(os.environ)
    env.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    env.setdefault("VK_ICD_FILENAMES", "/usr/share/vulkan/icd.d/lvp_icd.json")
    done = subprocess.run([python, "-c", WORKER, path], capture_output=True, text=True, timeout=300, env=env)
    res: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    refused: dict[str, str] = {}
    gpu_ops: int | None = None
    for block in BLOCK.finditer(res.pop("log")):
        for line in block.group(1).splitlines():
            op, _, reason = line.strip().partition(":")
            if op:
                refused.setdefault(op, reason.strip())
        if gpu_ops is None:
            gpu_ops = int(block.group(2)) if block.group(2) else 0
    res["refused"] = refused
    res["gpu_ops"] = gpu_ops  # None: the delegate printed no verdict (it took every op)
    return res


# -- the probes: one-op models built with the fixture builder ---------------------------------
def i32(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}i", *values)


def one(kind: str, ins: list[Any], outs: list[Any], options: Any = None, version: int = 1) -> bytes:
    tensors = ins + outs
    inputs = [i for i, t in enumerate(ins) if not t.const]
    op = B.Op(kind, list(range(len(ins))), list(range(len(ins), len(tensors))), version=version, options=options)
    return B.build([B.Graph(tensors, [op], inputs, list(range(len(ins), len(tensors))))])


def t(name: str, dtype: str = "float32", shape: tuple[int, ...] = (1, 4, 4, 8), **kw: Any) -> Any:
    if dtype in ("int8", "int16", "uint8") and "quant" not in kw:
        kw["quant"] = B.Q([0.05], [0])
    return B.T(name, dtype, shape, **kw)


def c32(name: str, *values: int, shape: tuple[int, ...] | None = None) -> Any:
    return t(name, "int32", shape if shape is not None else (len(values),), const=True, data=i32(*values))


def binary(kind: str, dtype: str, same: bool = False, version: int = 1, shapes: Any = None) -> bytes:
    a, b_, y = shapes or ((1, 4, 4, 8), (1, 4, 4, 8), (1, 4, 4, 8))
    out = "bool" if kind in ("LESS", "EQUAL") else dtype
    options: dict[str, tuple[str, dict[str, Any]]] = {
        "ADD": ("AddOptions", {}),
        "MUL": ("MulOptions", {}),
        "SUB": ("SubOptions", {}),
    }
    opts = options.get(kind)
    if same:
        g = B.Graph(
            [t("x", dtype, a), t("y", out, y)], [B.Op(kind, [0, 0], [1], version=version, options=opts)], [0], [1]
        )
        return B.build([g])
    return one(kind, [t("a", dtype, a), t("b", dtype, b_)], [t("y", out, y)], opts, version)


def unary(kind: str, dtype: str, shape: tuple[int, ...] = (1, 4, 4, 8), version: int = 1, options: Any = None) -> bytes:
    out = t("y", dtype, shape)
    if kind == "TANH" and dtype == "int16":  # the int16 kernel's output scale (tanh.cc)
        out = t("y", dtype, shape, quant=B.Q([1 / 32768], [0]))
    return one(kind, [t("x", dtype, shape)], [out], options, version)


def mul_const_scalar(dtype: str) -> bytes:
    data = struct.pack("<h", 3) if dtype == "int16" else struct.pack("<i", 3)
    return one("MUL", [t("a", dtype, (1, 4)), t("s", dtype, (), const=True, data=data)], [t("y", dtype, (1, 4))])


def transpose(rank: int) -> bytes:
    shape = (1, 2, 3, 4, 5)[:rank]
    perm = tuple(reversed(range(rank)))
    out = tuple(shape[p] for p in perm)
    return one("TRANSPOSE", [t("x", shape=shape), c32("perm", *perm)], [t("y", shape=out)])


def strided(shrink: int) -> bytes:
    out = (1, 8) if shrink else (1, 8, 1)
    ins = [t("x", shape=(1, 8, 4)), c32("b", 0, 0, 0), c32("e", 1, 8, 1), c32("s", 1, 1, 1)]
    return one("STRIDED_SLICE", ins, [t("y", shape=out)], ("StridedSliceOptions", {"shrink_axis_mask": shrink}), 1)


def softmax(beta: float) -> bytes:
    return one("SOFTMAX", [t("x", shape=(1, 8))], [t("y", shape=(1, 8))], ("SoftmaxOptions", {"beta": beta}))


def resize(align: bool, half: bool) -> bytes:
    opts = ("ResizeBilinearOptions", {"align_corners": align, "half_pixel_centers": half})
    return one(
        "RESIZE_BILINEAR", [t("x", shape=(1, 4, 4, 8)), c32("size", 8, 8)], [t("y", shape=(1, 8, 8, 8))], opts, 3
    )


def pack(rank: int) -> bytes:
    shape = (1, 2, 3, 4)[:rank]
    out = (2, *shape)
    opts = ("PackOptions", {"values_count": 2, "axis": 0})
    return one("PACK", [t("a", shape=shape), t("b", shape=shape)], [t("y", shape=out)], opts)


def gather(indices_rank: int) -> bytes:
    ishape = (2,) if indices_rank == 1 else (2, 1)
    idx = t("i", "int32", ishape, const=True, data=i32(0, 1))
    out = (2, 8) if indices_rank == 1 else (2, 1, 8)
    return one("GATHER", [t("x", shape=(4, 8)), idx], [t("y", shape=out)], ("GatherOptions", {"axis": 0}))


def topk(const_k: bool) -> bytes:
    k = c32("k", 2, shape=()) if const_k else t("k", "int32", ())
    outs = [t("v", shape=(1, 2)), t("i", "int32", (1, 2))]
    return one("TOPK_V2", [t("x", shape=(1, 8)), k], outs)


def select(then_shape: tuple[int, ...]) -> bytes:
    ins = [t("c", "bool", (2, 4)), t("a", shape=then_shape), t("b", shape=(2, 4))]
    return one("SELECT_V2", ins, [t("y", shape=(2, 4))])


def pad(paddings_rank: int) -> bytes:
    if paddings_rank == 4:
        ins = [t("x", shape=(1, 4, 4, 8)), c32("p", 0, 0, 1, 1, 1, 1, 0, 0, shape=(4, 2))]
        return one("PAD", ins, [t("y", shape=(1, 6, 6, 8))])
    ins = [t("x", shape=(4, 8)), c32("p", 1, 1, 0, 0, shape=(2, 2))]
    return one("PAD", ins, [t("y", shape=(6, 8))])


def dynamic_update_slice(const_start: bool) -> bytes:
    start = c32("s", 0, 0) if const_start else t("s", "int32", (2,))
    return one("DYNAMIC_UPDATE_SLICE", [t("x", shape=(4, 8)), t("u", shape=(1, 8)), start], [t("y", shape=(4, 8))])


def fully_connected() -> bytes:
    opts = ("FullyConnectedOptions", {"weights_format": "DEFAULT"})
    w = t("w", shape=(16, 8), const=True)
    return one("FULLY_CONNECTED", [t("x", shape=(1, 8)), w], [t("y", shape=(1, 16))], opts)


def fp16_conv(partial: bool) -> bytes:
    tensors = [
        t("x", shape=(1, 4, 4, 2)),
        t("w16", "float16", (3, 1, 1, 2), const=True),
        t("w", shape=(3, 1, 1, 2)),
        t("b16", "float16", (3,), const=True),
        t("b", shape=(3,)),
        t("y", shape=(1, 4, 4, 3)),
        t("z", shape=(1, 4, 4, 3)),
    ]
    conv_opts = ("Conv2DOptions", {"stride_w": 1, "stride_h": 1, "dilation_w_factor": 1, "dilation_h_factor": 1})
    ops = [
        B.Op("DEQUANTIZE", [1], [2]),
        B.Op("DEQUANTIZE", [3], [4]),
        B.Op("CONV_2D", [0, 2, 4], [5], options=conv_opts),
    ]
    if partial:
        ops.append(B.Op("L2_NORMALIZATION", [5], [6]))
    return B.build([B.Graph(tensors, ops, [0], [6 if partial else 5])])


def reshape(runtime_shape: bool) -> bytes:
    shape = t("s", "int32", (2,)) if runtime_shape else c32("s", 2, 16)
    return one("RESHAPE", [t("x", shape=(1, 4, 8)), shape], [t("y", shape=(2, 16))])


def shape_chain() -> bytes:
    tensors = [
        t("x", shape=(2, 3, 4)),
        t("shape", "int32", (3,)),
        c32("begin", 0),
        c32("end", 1),
        c32("strides", 1),
        t("batch", "int32", (1,)),
        c32("minus_one", -1),
        t("new_shape", "int32", (2,)),
        t("y", shape=(2, 12)),
    ]
    ops = [
        B.Op("SHAPE", [0], [1], options=("ShapeOptions", {"out_type": "INT32"})),
        B.Op("STRIDED_SLICE", [1, 2, 3, 4], [5], options=("StridedSliceOptions", {})),
        B.Op("CONCATENATION", [5, 6], [7], options=("ConcatenationOptions", {"axis": 0})),
        B.Op("RESHAPE", [0, 7], [8]),
    ]
    return B.build([B.Graph(tensors, ops, [0], [8])])


def where() -> bytes:
    return one("WHERE", [t("c", "bool", (2, 4))], [t("y", "int64", (8, 2))])


def transpose_runtime_perm() -> bytes:
    return one("TRANSPOSE", [t("x", shape=(2, 4)), t("p", "int32", (2,))], [t("y", shape=(4, 2))])


def argmax() -> bytes:
    return one("ARG_MAX", [t("x", shape=(1, 8)), c32("axis", 1, shape=(1,))], [t("y", "int32", (1,))],
               ("ArgMaxOptions", {"output_type": "INT32"}))  # fmt: skip


def cast(src: str, dst: str) -> bytes:
    return one("CAST", [t("x", src, (1, 8))], [t("y", dst, (1, 8))])


def concat(dtype: str) -> bytes:
    opts = ("ConcatenationOptions", {"axis": 1})
    return one("CONCATENATION", [t("a", dtype, (1, 4)), t("b", dtype, (1, 4))], [t("y", dtype, (1, 8))], opts)


def reduce_any() -> bytes:
    opts = ("ReducerOptions", {"keep_dims": False})
    return one("REDUCE_ANY", [t("x", "bool", (1, 8)), c32("axis", 1, shape=(1,))], [t("y", "bool", (1,))], opts)


PROBES: dict[str, Callable[[], bytes]] = {
    "add-int32": lambda: binary("ADD", "int32"),
    "sub-int32": lambda: binary("SUB", "int32"),
    "less-int32": lambda: binary("LESS", "int32"),
    "exp-int32": lambda: unary("EXP", "int32"),
    "tanh-int16": lambda: unary("TANH", "int16"),
    "tanh-int8": lambda: unary("TANH", "int8"),
    "relu-5d": lambda: unary("RELU", "float32", (1, 2, 2, 2, 2)),
    "relu-4d": lambda: unary("RELU", "float32"),
    "sub-same-input": lambda: binary("SUB", "float32", same=True),
    "mul-same-input": lambda: binary("MUL", "float32", same=True),
    "sub-v3": lambda: binary("SUB", "float32", version=3),
    "sub-v2": lambda: binary("SUB", "float32", version=2),
    "l2-normalization": lambda: unary("L2_NORMALIZATION", "float32"),
    "mul-const-int16-scalar": lambda: mul_const_scalar("int16"),
    "mul-const-int32-scalar": lambda: mul_const_scalar("int32"),
    "add-rank-broadcast": lambda: binary("ADD", "float32", shapes=((1, 4, 3), (3,), (1, 4, 3))),
    "transpose-5d": lambda: transpose(5),
    "transpose-4d": lambda: transpose(4),
    "strided-slice-shrink": lambda: strided(4),
    "strided-slice-plain": lambda: strided(0),
    "softmax-beta-2": lambda: softmax(2.0),
    "softmax-beta-1": lambda: softmax(1.0),
    "resize-align": lambda: resize(True, False),
    "resize-half": lambda: resize(False, True),
    "pack-4d-inputs": lambda: pack(4),
    "pack-3d-inputs": lambda: pack(3),
    "gather-2d-indices": lambda: gather(2),
    "gather-1d-indices": lambda: gather(1),
    "topk-runtime-k": lambda: topk(False),
    "topk-const-k": lambda: topk(True),
    "select-then-mismatch": lambda: select((1, 4)),
    "select-then-same": lambda: select((2, 4)),
    "pad-2d-paddings": lambda: pad(2),
    "pad-4d": lambda: pad(4),
    "dus-const-start": lambda: dynamic_update_slice(True),
    "dus-runtime-start": lambda: dynamic_update_slice(False),
    "fc-default": fully_connected,
    "fp16-conv-full": lambda: fp16_conv(False),
    "fp16-conv-partial": lambda: fp16_conv(True),
    "argmax": argmax,
    "reshape-runtime-shape": lambda: reshape(True),
    "reshape-const-shape": lambda: reshape(False),
    "reshape-shape-chain": shape_chain,
    "where-runtime-cond": where,
    "transpose-runtime-perm": transpose_runtime_perm,
    "cast-int32-float": lambda: cast("int32", "float32"),
    "cast-int64-float": lambda: cast("int64", "float32"),
    "concat-int32": lambda: concat("int32"),
    "concat-int16": lambda: concat("int16"),
    "reduce-any-bool": reduce_any,
}


def oplint_says(data: bytes) -> tuple[dict[str, str], int, str | None]:
    """oplint's refused op kinds (with reasons), its count of GPU ops and, when it predicts the
    model cannot be compiled for the GPU at all (OPL304), why."""
    sys.path.insert(0, str(ROOT))
    from oplint.delegates.delegation import analyse
    from oplint.knowledge.targets import load
    from oplint.readers.tflite import parse

    model = parse(data, "probe.tflite")
    delegation = analyse(model, load("gpu-litert"))
    assert delegation is not None
    refused: dict[str, str] = {}
    for op in model.ops():
        v = delegation.verdict(op)
        if not v.supported:
            refused.setdefault(op.display, v.reasons[0] if v.reasons else "")
    rejected = delegation.rejection.message if delegation.rejection is not None else None
    return refused, delegation.plan.delegated_ops, rejected


def main() -> int:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in PROBES.items():
            path = Path(tmp) / f"{name}.tflite"
            path.write_bytes(make())
            real = accelerator(str(path))
            mine, gpu_ops, rejected = oplint_says(path.read_bytes())
            if real["compiles"]:
                ok = rejected is None and set(mine) == set(real["refused"])
                ok = ok and (real["gpu_ops"] is None or real["gpu_ops"] == gpu_ops)
            else:
                ok = rejected is not None
            said = {"refused": mine, "gpu_ops": gpu_ops, "rejected": rejected}
            results.append({"probe": name, "accelerator": real, "oplint": said, "agree": ok})
            theirs = real["refused"] or "takes it" if real["compiles"] else f"fails: {real.get('error', '')[:60]}"
            print(f"{'ok ' if ok else 'DIFF'} {name}: accelerator {theirs}; oplint {rejected or mine or 'takes it'}")
    DATA.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    agree = sum(r["agree"] for r in results)
    lines = [
        "# gpu-litert against LiteRT's GPU accelerator: synthetic probes",
        "",
        "`scripts/probe_gpu_litert.py` built each one-op model below and compiled it with ai-edge-litert",
        "2.3.0's `CompiledModel` (`HardwareAccelerator.GPU`: ML Drift on WebGPU over Mesa lavapipe). A probe",
        "agrees when oplint refuses exactly the op kinds the accelerator named and, where the accelerator",
        "printed a count, puts as many ops on the GPU; a model the accelerator cannot compile agrees when",
        "oplint predicts that (OPL304). `tests/test_gpu_litert.py` replays",
        "`gpu_litert.probe.json` without the accelerator.",
        "",
        f"**{agree} of {len(results)} probes agree.**",
        "",
        "| probe | accelerator refuses | oplint refuses | agree |",
        "|---|---|---|---|",
    ]
    for r in results:
        acc, ours = r["accelerator"], r["oplint"]
        theirs_text = "; ".join(f"{k}: {v}" for k, v in acc["refused"].items()) or "nothing"
        if not acc["compiles"]:
            theirs_text = f"compile failed: {acc.get('error', '')}"
        mine_text = "; ".join(f"{k}: {v}" for k, v in ours["refused"].items()) or "nothing"
        if ours["rejected"]:
            mine_text = f"cannot compile (OPL304): {ours['rejected']}"
        lines.append(f"| {r['probe']} | {theirs_text} | {mine_text} | {'yes' if r['agree'] else '**no**'} |")
    OUT.write_text("\n".join(lines) + "\n")
    return 0 if agree == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
