#!/usr/bin/env python3
"""Print the per-op table of evidence/npu.SOURCES.md from the pinned LiteRT source (a maintainer tool).

Reads the vendor plugins' op lists out of a git mirror of google-ai-edge/LiteRT at the pinned commit
(``git show``, no checkout) and prints, for every TFLite builtin the schema of the pinned commit names, the
line that makes each vendor plugin take or refuse it:

* Qualcomm: ``litert/vendors/qualcomm/compiler/qnn_compose_graph.cc`` ``GetOpBuilders()`` (an op without a
  builder is logged as unsupported and left on the CPU), plus the builder-level conditions listed in
  ``QUALCOMM_CONDITIONS`` below (each checked to be on the cited line by ``--check``);
* Intel OpenVINO: ``kSupportedOps`` of ``openvino_compiler_plugin.cc``;
* MediaTek: ``kSupportedOps`` of ``litert/vendors/mediatek/compiler/compiler_plugin.cc`` (the static list the
  plugin uses when the Neuron SDK cannot report supported operations itself);
* Google Tensor: ``kUnSupportedOps`` of ``litert/vendors/google_tensor/compiler/compiler_plugin.cc`` (a
  deny list: every other op is offered to the Tensor compiler).

    python scripts/npu_sources_table.py [--mirror DIR] [--commit SHA] [--check]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

MIRROR = "/work/.mirror/google-ai-edge+LiteRT/repo"
PIN = "f67457790c9c2ab67347d6fe53270e8d3df20868"
QC = "litert/vendors/qualcomm"
QB = f"{QC}/core/builders"
QCG = f"{QC}/compiler/qnn_compose_graph.cc"
OV = "litert/vendors/intel_openvino/compiler/openvino_compiler_plugin.cc"
MTK = "litert/vendors/mediatek/compiler/compiler_plugin.cc"
GT = "litert/vendors/google_tensor/compiler/compiler_plugin.cc"
SPECIAL = {
    "ShloComposite": "STABLEHLO_COMPOSITE",
    "ShloScatter": "STABLEHLO_SCATTER",
    "ShloWindow": "STABLEHLO_REDUCE_WINDOW",
}

# builtin -> [(condition that leaves the op on the CPU, path, line, text that must be on that line)]
QUALCOMM_CONDITIONS: dict[str, list[tuple[str, str, int, str]]] = {
    "TOPK_V2": [
        ("k is not a constant of exactly one element", QCG, 967, "k_tensor.IsTensorStatic()"),
        ("k is neither int32 nor uint32", QCG, 985, "QNN_LOG_ERROR"),
    ],
    "GATHER": [("batch_dims != 0", f"{QB}/gather_op_builder.cc", 24, "batch_dims != 0")],
    "TRANSPOSE": [("perm is not constant", f"{QB}/transpose_op_builder.cc", 25, "IsTensorStatic")],
    "STRIDED_SLICE": [
        ("ellipsis_mask != 0", f"{QB}/strided_slice_op_builder.cc", 34, "ellipsis_mask != kDefaultMask"),
        ("begin, end or strides not constant", f"{QB}/strided_slice_op_builder.cc", 42, "IsTensorStatic"),
    ],
    "SLICE": [("begin or size not constant", f"{QB}/slice_op_builder.cc", 33, "IsTensorStatic")],
    "TILE": [("multiples not constant", f"{QB}/tile_op_builder.cc", 26, "IsTensorStatic")],
    "PAD": [
        ("paddings not constant", f"{QB}/pad_op_builder.cc", 79, "IsTensorStatic"),
        ("input neither 8/16-bit quantized nor float16/float32", f"{QB}/pad_op_builder.cc", 139, "Unsupported input"),
    ],
    "PADV2": [
        ("paddings not constant", f"{QB}/pad_op_builder.cc", 79, "IsTensorStatic"),
        ("quantized input whose pad value is not per-tensor", f"{QB}/pad_op_builder.cc", 116, "Unsupported quant"),
        ("input neither 8/16-bit quantized nor float16/float32", f"{QB}/pad_op_builder.cc", 139, "Unsupported input"),
    ],
    "MIRROR_PAD": [("paddings not constant", f"{QB}/pad_op_builder.cc", 79, "IsTensorStatic")],
    "REVERSE_V2": [
        ("axis not constant", f"{QB}/reverse_op_builder.cc", 33, "IsTensorStatic"),
        ("more than one axis", f"{QB}/reverse_op_builder.cc", 39, "GetRank() != 1"),
        ("axis not int32", f"{QB}/reverse_op_builder.cc", 44, "QNN_DATATYPE_INT_32"),
    ],
    "MEAN": [("axis not constant or not rank 1", f"{QB}/reduce_op_builder.cc", 30, "IsTensorStatic")],
    "SUM": [("axis not constant or not rank 1", f"{QB}/reduce_op_builder.cc", 30, "IsTensorStatic")],
    "REDUCE_MAX": [("axis not constant or not rank 1", f"{QB}/reduce_op_builder.cc", 30, "IsTensorStatic")],
    "REDUCE_MIN": [("axis not constant or not rank 1", f"{QB}/reduce_op_builder.cc", 30, "IsTensorStatic")],
    "REDUCE_ANY": [("axis not constant or not rank 1", f"{QB}/reduce_op_builder.cc", 30, "IsTensorStatic")],
    "REDUCE_ALL": [("axis not constant or not rank 1", f"{QB}/reduce_op_builder.cc", 30, "IsTensorStatic")],
    "ARG_MAX": [
        ("axis not constant", f"{QB}/arg_min_max_op_builder.cc", 48, "IsTensorStatic"),
        ("axis neither int32 nor int64", f"{QB}/arg_min_max_op_builder.cc", 55, "GetAxis"),
    ],
    "ARG_MIN": [
        ("axis not constant", f"{QB}/arg_min_max_op_builder.cc", 48, "IsTensorStatic"),
        ("axis neither int32 nor int64", f"{QB}/arg_min_max_op_builder.cc", 55, "GetAxis"),
    ],
    "CUMSUM": [("axis not constant", f"{QB}/cumsum_op_builder.cc", 32, "IsTensorStatic")],
    "SPLIT": [("axis not readable as a constant", f"{QB}/split_op_builder.cc", 37, "has_value")],
    "SPLIT_V": [
        ("axis or size_splits not constant", f"{QB}/splitv_op_builder.cc", 51, "IsTensorStatic"),
        ("size_splits neither int32 nor int64", f"{QB}/splitv_op_builder.cc", 100, "INT32 or INT64"),
    ],
    "ONE_HOT": [
        ("depth, on or off value not a constant scalar", f"{QB}/onehot_op_builder.cc", 47, "IsScalarStaticTensor"),
        ("on/off values and output of different types", f"{QB}/onehot_op_builder.cc", 54, "GetDataType()"),
    ],
    "SPACE_TO_BATCH_ND": [
        ("block_shape or paddings not constant", f"{QB}/spatial_transform_nd_op_builder.cc", 37, "IsTensorStatic")
    ],
    "BATCH_TO_SPACE_ND": [
        ("block_shape or crops not constant", f"{QB}/spatial_transform_nd_op_builder.cc", 37, "IsTensorStatic")
    ],
    "DYNAMIC_UPDATE_SLICE": [
        ("operand and update of different ranks", f"{QB}/dynamic_update_slice_op_builder.cc", 63, "GetRank()"),
        ("start indices not int32", f"{QB}/dynamic_update_slice_op_builder.cc", 70, "QNN_DATATYPE_INT_32"),
        ("operand rank < 2", f"{QB}/dynamic_update_slice_op_builder.cc", 94, "GetRank() < 2"),
    ],
    "PRELU": [("more than one output", f"{QB}/prelu_op_builder.cc", 24, "outputs.size() != 1")],
    "SCATTER_ND": [("shape not constant", f"{QB}/scatter_nd_op_builder.cc", 39, "IsTensorStatic")],
    "STABLEHLO_COMPOSITE": [
        ("name other than odml.rms_norm / odml.group_norm / odml.l2_norm (no op built)", QCG, 1046, "kRmsNorm"),
    ],
    "CUSTOM": [("no QNN custom op package configured (the default)", QCG, 1603, "custom_op_package.name.empty()")],
}


def show(mirror: str, commit: str, path: str) -> list[str]:
    text = subprocess.run(
        ["git", f"--git-dir={mirror}", "show", f"{commit}:{path}"], capture_output=True, text=True, check=True
    ).stdout
    return text.splitlines()


def builtin_names(mirror: str, commit: str) -> list[str]:
    lines = show(mirror, commit, "tflite/converter/schema/schema.fbs")
    start = next(i for i, line in enumerate(lines) if line.startswith("enum BuiltinOperator"))
    names = []
    for line in lines[start + 1 :]:
        if line.startswith("}"):
            break
        m = re.match(r"\s+([A-Z0-9_]+)\s*=\s*\d+", line)
        if m:
            names.append(m.group(1))
    return names


def to_builtin(code: str, known: dict[str, str]) -> str:
    name = code.replace("kLiteRtOpCodeTfl", "").replace("kLiteRtOpCode", "")
    return SPECIAL.get(name) or known.get(name.lower(), name)


def listed(lines: list[str], start: str, known: dict[str, str]) -> dict[str, int]:
    """builtin -> line of each ``kLiteRtOpCode...,`` entry of the array that opens at ``start``."""
    first = next(i for i, line in enumerate(lines) if start in line)
    found: dict[str, int] = {}
    for i in range(first + 1, len(lines)):
        if lines[i].startswith("};"):
            break
        m = re.match(r"\s+(kLiteRtOpCode\w+),", lines[i])
        if m:
            found.setdefault(to_builtin(m.group(1), known), i + 1)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", default=MIRROR)
    parser.add_argument("--commit", default=PIN)
    parser.add_argument("--check", action="store_true", help="only check QUALCOMM_CONDITIONS' lines")
    args = parser.parse_args()

    cache: dict[str, list[str]] = {}

    def src(path: str) -> list[str]:
        if path not in cache:
            cache[path] = show(args.mirror, args.commit, path)
        return cache[path]

    bad = [
        f"{path}:{line} lacks {text!r}"
        for conds in QUALCOMM_CONDITIONS.values()
        for _, path, line, text in conds
        if text not in src(path)[line - 1]
    ]
    if bad or args.check:
        print("\n".join(bad) or "all cited lines hold", file=sys.stderr)
        sys.exit(1 if bad else 0)

    names = builtin_names(args.mirror, args.commit)
    known = {n.replace("_", "").lower(): n for n in names}
    qc: dict[str, int] = {}
    for i, line in enumerate(src(QCG)):
        m = re.search(r"builders\[(kLiteRtOpCode\w+)\]", line)
        if m:
            qc.setdefault(to_builtin(m.group(1), known), i + 1)
    ov = listed(src(OV), "constexpr LiteRtOpCode kSupportedOps[]", known)
    mtk = listed(src(MTK), "constexpr LiteRtOpCode kSupportedOps[]", known)
    gt = listed(src(GT), "constexpr LiteRtOpCode kUnSupportedOps[]", known)

    print(f"Generated by `scripts/npu_sources_table.py` from google-ai-edge/LiteRT@{args.commit[:8]}.")
    print(
        "`qc` = qnn_compose_graph.cc, `ov` = openvino_compiler_plugin.cc, `mtk` = mediatek/compiler/compiler_plugin.cc,"
    )
    print("`gt` = google_tensor/compiler/compiler_plugin.cc; a line number alone means the op is listed there.\n")
    header = [
        "builtin",
        "Qualcomm (builder; then QNN validation)",
        "Intel OpenVINO",
        "MediaTek (static)",
        "Google Tensor",
    ]
    print("| " + " | ".join(header) + " |")
    print("|---|---|---|---|---|")
    for name in names if "STABLEHLO_COMPOSITE" in names else [*names, "STABLEHLO_COMPOSITE"]:
        if name in ("PLACEHOLDER_FOR_GREATER_OP_CODES",):
            continue
        q = f"taken: qc:{qc[name]}" if name in qc else "CPU: no builder (qc:1670)"
        if name == "CUSTOM":
            q = "CPU unless a QNN op package is configured (qc:1603)"
        conds = QUALCOMM_CONDITIONS.get(name, [])
        if conds and name != "CUSTOM":
            q += "; CPU if " + "; ".join(f"{c} ({p.rsplit('/', 1)[1]}:{n})" for c, p, n, _ in conds)
        o = f"taken: ov:{ov[name]}" if name in ov else "CPU: not in kSupportedOps (ov:66)"
        if name == "TOPK_V2":
            o += "; CPU if k not constant (ov:436)"
        if name == "STABLEHLO_COMPOSITE":
            o += "; only odml.rms_norm (ov:464)"
        m = f"listed: mtk:{mtk[name]}" if name in mtk else "not listed (mtk:91)"
        g = f"CPU: denied gt:{gt[name]}" if name in gt else "offered (gt:669)"
        if name == "STABLEHLO_COMPOSITE":
            g = "only odml.rms_norm, odml.group_norm, odml.scaled_dot_product_attention (gt:166)"
        if any(x in ("taken", "listed", "offered") for x in (q[:5], o[:5], m[:6], g[:7])) or name in gt:
            print(f"| {name} | {q} | {o} | {m} | {g} |")


if __name__ == "__main__":
    main()
