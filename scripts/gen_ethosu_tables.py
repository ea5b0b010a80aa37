#!/usr/bin/env python3
"""Generate the Ethos-U constraint tables and targets from a pinned Vela release.

oplint asks Vela itself when ``ethos-u-vela`` is installed; these tables are what it uses when
it is not.  Two sources, both of the same pinned release (``ethos-u-vela==5.2.0``):

* the **installed package**: ``ethosu.regor.tflite_operator_constraints(arch)``, the
  documentation Vela's C++ core (*regor*) keeps beside each of its supported-operator checks
  (the same data ``vela --supported-ops-report`` prints): for every op it can place on the NPU,
  the ordered list of constraints it checks.  Each documented constraint is matched to the
  check oplint implements for it (``CONSTRAINTS`` below); a constraint this script does not
  know stops it, so a new Vela release cannot silently lose a check.  Numeric limits (weight
  sums, bias range, feature-map types, mean limits) are read from the documentation text.
* the **source distribution** (``ethos_u_vela-5.2.0.tar.gz`` from PyPI, checked by sha256):
  ``ethosu/regor/tflite/tflite_mapping.cpp`` says which TFLite builtin becomes which regor op
  type, which fused activation becomes which op, and in what role (IFM, weights, bias, params)
  regor reads each input of each op.  Each constraint's check function is looked up in the
  sources so the tables can cite it.

Writes ``rules/ethosu/{u55,u85}.toml``, ``rules/ethosu/tflite_mapping.toml`` and the targets
``rules/targets/ethos-u55.toml``, ``ethos-u65.toml``, ``ethos-u85.toml``.  Run it with the
Python of an environment where Vela is installed::

    pip download --no-deps --no-binary :all: ethos-u-vela==5.2.0   # or fetch the sdist from PyPI
    /path/to/vela-venv/bin/python scripts/gen_ethosu_tables.py --sdist ethos_u_vela-5.2.0.tar.gz

Vela is Apache-2.0; only facts (op names, roles, limits, documentation strings) are taken.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tarfile
from pathlib import Path

from _sources import RULES, toml_key, toml_str, toml_value

VELA_VERSION = "5.2.0"
SDIST = "ethos_u_vela-5.2.0.tar.gz"
SDIST_SHA256 = "d1228738674913ed866a136a6002f93a4b7248b23402fa5b52caa8cfef138eaa"
SDIST_URL = (
    "https://files.pythonhosted.org/packages/20/37/81c1818330c37ba161b0d94d51f85328661358bdab613851f76cc564e7e1/"
    + SDIST
)
SRC = "ethos_u_vela-5.2.0/ethosu/regor/"
MAPPING_CPP = "tflite/tflite_mapping.cpp"
CHECK_FILES = (
    "tflite/tflite_supported_operators.cpp",
    "tflite/tflite_supported_operators_u55.cpp",
    "tflite/tflite_supported_operators_u85.cpp",
)
ARCHES = {"u55": "EthosU55", "u85": "EthosU85"}

# documentation text (regular expression, matched in full) -> (constraint id, C++ check function)
CONSTRAINTS: tuple[tuple[str, str, str], ...] = (
    (r"Only the first dimension of tensors can be dynamic\.", "tens-dim-static", "TensDimMustBeStatic"),
    (r"Feature-map dataTypes must be one of \{.*\}", "supported-dtypes", "SupportedDTypes"),
    (
        r"Variable handle tensors must be Resource\. Variable data tensors must be one of \{.*\}",
        "variable-dtypes",
        "SupportedVariableDTypes",
    ),
    (r"Tensors must have constant shape\.", "tens-must-have-shape", "TensMustHaveShape"),
    (r"Operations must have at least one IFM\.", "must-have-ifm", "MustHaveIFM"),
    (r"Operations must have at least one OFM\.", "must-have-ofm", "MustHaveOFM"),
    (
        r"Input\(s\), Output and Weight tensors must have quantization parameters\.",
        "tens-quantized",
        "TensQuantized",
    ),
    (
        r"Quantization scale of any tensor must be positive\.",
        "quant-scale-positive",
        "QuantizationScaleShiftMustBePositive",
    ),
    (r"Per-axis quantization is not supported\.", "per-axis-quant", "PerAxisQuant"),
    (r"FullyConnected weights must be on the form O,1,1,\.\.,1,I\.", "fc-weight-shape", "FCWeightShape"),
    (
        r"Both Input quantization parameters must match OFM quantization parameters",
        "matching-quantization",
        "MatchingQuantization",
    ),
    (r"Weight tensors must be 8-bit precision", "weights-precision", "WeightsPrecision"),
    (r"Weigth sum constraints:.*", "weight-sum", "WeightSum"),
    (r"Bias values must be stored in the channel axis", "bias-shape", "BiasShape"),
    (r"Bias tensors must be constant", "bias-constant", "BiasConstant"),
    (r"Bias tensors precision must be Int32 or Int64", "bias-precision", "BiasPrecision"),
    (r"Int64 bias must be smaller than \d+", "bias-64bit-range", "Bias64BitRange"),
    (r"Kernel constraints:.*", "avgpool-pad", "AvgPoolPad"),
    (r"kernel product must be less than or equal to 256\*256 and kernel height.*", "maxpool", "MaxPool"),
    (r"Shape constraints:\n  - IF PADDING=SAME:.*", "transpose-conv-shape", "TransposeConvShape"),
    (r"IFM must be Int8 or Int16", "rsqrt-ifm-precision", "RsqrtIFMPrecision"),
    (r"Parameter tensors must be constant", "const-params", "ConstParams"),
    (r"The product of IFM width and height must be less than 65536", "softmax-overflow", "SoftmaxOverflow"),
    (r"Params tensor must be Int32 or Int64", "pad-params", "PadParams"),
    (r"Tensor dimension must be <= 8", "transpose-dims", "TransposeDims"),
    (r"IFM and OFM shapes must match", "ifm-ofm-shapes-match", "LogShapes"),
    (r"IFM and OFM datatypes must match, and must be Int8 or Int16", "log-precision", "LogPrecision"),
    (r"IFM and OFM datatypes must match, and must be Int8 or UInt8", "gelu-precision", "GeluPrecision"),
    (r"IFM and OFM datatypes must match, and must be Int8", "elu-precision", "EluPrecision"),
    (r"Batch must be 1\.", "unit-batch", "UnitBatch"),
    (r"Reduction over depth is only supported if any of h,w,c == 1", "mean-depth", "MeanDepth"),
    (r"Reduced axis must be less than \d+", "mean-axis-size", "MeanAxisSize"),
    (r"Amount of reduced elements cannot exceed: .*", "mean-total-elements", "MeanTotalElements"),
    (r"IFM precision must be one of: \(Int8, UInt8, Int16\)", "mean-dtype", "MeanDataType"),
    (r"Slice must represent a volume\. Stride must be non-negative.*", "strided-slice", "StridedSlice"),
    (r"Implicit gate calculation is not supported\.", "lstm-implicit-gate", "LSTMImplicitGateCalc"),
    (r"Peephole variant is not supported\.", "lstm-peephole", "LSTMPeephole"),
    (r"Projection is not supported\.", "lstm-projection", "LSTMProjection"),
    (r"Gate normalization is not supported\.", "lstm-gate-norm", "LSTMGateNorm"),
    (r"num_splits must match the number of outputs\.", "splits-match-outputs", "SplitsMatchOutputs"),
    # Ethos-U55 / U65 (tflite_supported_operators_u55.cpp)
    (r"Axis attribute is not supported\.", "reverse-mask", "ReverseMask"),
    (r"Kernel stride must be in the range \(1,3\)\.", "kernel-stride", "KernelStride"),
    (
        r"Stride>3 is only supported IF \(dilation = 1 AND padding = VALID\)",
        "unrolled-kernel-stride",
        "UnrolledKernelStride",
    ),
    (r"IF Matmul or \(FC with dynamic weights\): Reduced axis.*", "matmul-reduced-axis", "MatmulReducedAxis"),
    (r"IF Matmul or \(FC with dynamic weights\): OFM depth.*", "matmul-ofm-depth", "MatmulOFMDepth"),
    (
        r"IF Matmul or \(FC with dynamic weights\): IFM precision must be Int8",
        "matmul-ifm-precision",
        "MatmulIFMPrecision",
    ),
    (r"IFM depth must be less than or equal to 127\.", "argmax-depth", "ArgMaxDepth"),
    (r"Operation must be performed along the depth axis\.", "argmax-axis", "ArgMaxAxis"),
    (r"IF IFM is Int32:.*", "transpose-32bit", "Transpose32Bit"),
    (r"IF IFM is Int8 or Int16.*", "transpose-8-16bit", "Transpose8And16Bit"),
    (r"IF not \(IFM H == IFM W == 1\) AND not IFM Shape == OFM Shape:.*", "resize-bilinear-u55", "Resize"),
    (r"IF NOT \(IFM H == IFM W == 1\) AND NOT IFM Shape == OFM Shape:.*", "resize-nearest-u55", "Resize"),
    (r"32-bit feature-maps are not supported\.", "reject-32bit", "RejectPrecision"),
    (r"64-bit feature-maps are not supported\.", "reject-64bit", "RejectPrecision"),
    (
        r"Zero-points must be 0 for Int32 and non-negative for unsigned dataTypes",
        "zero-points-u55",
        "ConstrainZeroPoints",
    ),
    (r"Stride values WxH must be: 1x1 OR 2x2.*", "transpose-conv-strides", "TransposeConvStrides"),
    # Ethos-U85 (tflite_supported_operators_u85.cpp)
    (r"align_corners and half_pixel_centers are mutually exclusive\.", "resize-achpc", "ResizeACHPC"),
    (r"Scale-factor:\n  - IF align_corners:.*", "resize-scale-factor", "ResizeScaleFactor"),
    (r"Scale-factor must be an integer power of two\.", "resize-bilinear-pow2", "ResizeBilinearPowerOfTwo"),
    (r"Shape tensor must be constant", "scatter-shape-const", "ScatterShapeConst"),
    (r"Index tensor must be constant", "scatter-index-const", "ScatterIndexConst"),
    (r"Index tensor must have channel=1", "scatter-index-unit-channel", "ScatterIndexUnitChannel"),
    (r"Index tensor elements must be unique", "scatter-index-unique", "ScatterIndexUniqueElements"),
    (r"axis must be equal to batch_dims", "gather-axis", "GatherAxis"),
    (r"IFM Zero-points must be in the range:.*", "ifm-zero-points-u85", "IFMZeroPoints"),
    (r"OFM Zero-points must be in the range:.*", "ofm-zero-points-u85", "OFMZeroPoints"),
)

# regor's generated schema header spells some builtins differently from schema.fbs
BUILTIN_SPELLING = {"ARGMAX": "ARG_MAX"}
# tflite::TensorType names in the documentation -> oplint dtype names
DTYPES = {"BOOL": "bool", "INT16": "int16", "INT32": "int32", "INT64": "int64", "INT8": "int8", "UINT8": "uint8"}


def read_sdist(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SDIST_SHA256:
        raise SystemExit(f"{path}: sha256 {digest} is not the pinned {SDIST} ({SDIST_SHA256})")
    files: dict[str, str] = {}
    with tarfile.open(path) as tar:
        for rel in (MAPPING_CPP, *CHECK_FILES):
            member = tar.extractfile(SRC + rel)
            if member is None:
                raise SystemExit(f"{SRC + rel} is missing from {path}")
            files[rel] = member.read().decode("utf-8")
    return files


def cpp_table(text: str, name: str) -> list[tuple[str, str]]:
    """The ``{a, b}`` pairs of the C++ initializer ``TfLiteMapping::<name> = { ... };``."""
    start = text.index(f"TfLiteMapping::{name} = {{")
    body = text[start : text.index("\n};", start)]
    pairs = []
    for line in body.splitlines()[1:]:
        line = line.split("//")[0].strip()
        m = re.match(r"\{(.+?),\s*(.+)\},?$", line)
        if m:
            pairs.append((m.group(1).strip(), m.group(2).strip()))
    return pairs


def usage_name(expr: str) -> str:
    """``TensorUsage::IFM0`` -> ``IFM0``; ``MakeTensorUsage(TensorUsage::Params, 1)`` -> ``Params1``."""
    m = re.fullmatch(r"MakeTensorUsage\(TensorUsage::(\w+),\s*(\d+)\)", expr)
    if m:
        return f"{m.group(1)}{m.group(2)}"
    m = re.fullmatch(r"TensorUsage::(\w+)", expr)
    if not m:
        raise SystemExit(f"cannot read tensor usage {expr!r}")
    name = m.group(1)
    return name if name[-1].isdigit() else name + "0"


def mapping(files: dict[str, str]) -> dict[str, dict[str, object]]:
    text = files[MAPPING_CPP]
    builtins = {}
    for builtin, optype in cpp_table(text, "_builtinOperatorToOpType"):
        name = builtin.removeprefix("tflite::BuiltinOperator::")
        builtins[BUILTIN_SPELLING.get(name, name)] = optype.removeprefix("OpType::")
    activations = {
        a.removeprefix("tflite::ActivationFunctionType::"): o.removeprefix("OpType::")
        for a, o in cpp_table(text, "_activationFunctionToOpType")
    }
    usages: dict[str, list[str]] = {}
    for optype, usage in cpp_table(text, "_inputTensorIndices"):
        usages.setdefault(optype.removeprefix("OpType::"), []).append(usage_name(usage))
    return {"builtin-optype": builtins, "fused-activation": activations, "input-usages": usages}  # type: ignore[dict-item]


def classify(doc: str) -> str:
    hits = [cid for pattern, cid, _ in CONSTRAINTS if re.fullmatch(pattern, doc, re.S)]
    if len(hits) != 1:
        raise SystemExit(
            f"Vela documents a constraint oplint {'does not know' if not hits else 'cannot tell apart'}: {doc!r}\n"
            "Implement it in oplint/delegates/_ethosu_tables.py and add it to CONSTRAINTS."
        )
    return hits[0]


def where(function: str, files: dict[str, str]) -> str:
    """``file:line`` of the check function's definition in the regor sources."""
    for rel in CHECK_FILES:
        for number, line in enumerate(files[rel].splitlines(), 1):
            if re.match(rf"bool {function}\(", line):
                return f"ethosu/regor/{rel}:{number}"
    raise SystemExit(f"check function {function} not found in the regor sources")


def params(docs: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    text = docs.get("supported-dtypes", "")
    out["feature-map-dtypes"] = sorted(DTYPES[t] for t in re.findall(r'"(\w+)"', text))
    sums = [int(n) for n in re.findall(r"cannot exceed (\d+)", docs.get("weight-sum", ""))]
    out["max-weight-sum-8bit"], out["max-weight-sum-16bit"] = sums
    out["max-bias-int64"] = int(re.findall(r"\d+", docs["bias-64bit-range"])[-1])
    out["max-mean-kernel"] = int(re.findall(r"\d+", docs["mean-axis-size"])[-1])
    limits = re.findall(r"(\d+)\((\w+)\)", docs["mean-total-elements"])
    out["max-mean-elements"] = {DTYPES[t.upper()]: int(n) for n, t in limits}
    return out


def generate(files: dict[str, str]) -> dict[str, str]:
    from ethosu import regor  # the pinned Vela release, installed in this interpreter
    from ethosu.vela import __version__

    if __version__ != VELA_VERSION:
        raise SystemExit(f"this script reads ethos-u-vela {VELA_VERSION}; the installed one is {__version__}")
    maps = mapping(files)
    optype_of = maps["builtin-optype"]
    assert isinstance(optype_of, dict)
    outputs: dict[str, str] = {}
    provenance = (
        f'[[provenance]]\npackage = "ethos-u-vela"\nversion = "{VELA_VERSION}"\n'
        'path = "ethosu.regor.tflite_operator_constraints (the data of vela --supported-ops-report)"\n\n'
        f'[[provenance]]\npackage = "ethos-u-vela"\nversion = "{VELA_VERSION}"\n'
        f'path = "{SDIST}:ethosu/regor/{MAPPING_CPP}"\nsha256 = "{SDIST_SHA256}"\nurl = "{SDIST_URL}"\n'
    )
    header = f"# Generated by scripts/gen_ethosu_tables.py from ethos-u-vela {VELA_VERSION}. Do not edit.\n\n"
    lines = [header + f'vela-version = "{VELA_VERSION}"\n\n' + provenance]
    for section, table in maps.items():
        lines.append(f"\n[{section}]\n")
        assert isinstance(table, dict)
        for key, value in sorted(table.items()):
            lines.append(f"{toml_key(key)} = {toml_value(value)}\n")
    outputs["ethosu/tflite_mapping.toml"] = "".join(lines)

    for short, arch in ARCHES.items():
        documented = regor.tflite_operator_constraints(arch)
        docs: dict[str, str] = {}
        ops: dict[str, list[str]] = {}
        for builtin, constraint_docs in documented.items():
            name = BUILTIN_SPELLING.get(builtin, builtin)
            optype = optype_of.get(name)
            if optype is None:
                raise SystemExit(f"{arch}: {builtin} has no regor op type in {MAPPING_CPP}")
            ids = []
            for doc in constraint_docs:
                cid = classify(doc)
                docs.setdefault(cid, doc)
                ids.append(cid)
            ops[str(optype)] = ids
        ops_file = f"tflite/tflite_supported_operators_{short}.cpp"
        ops_line = next(n for n, line in enumerate(files[ops_file].splitlines(), 1) if "s_supportedOpTypes = {" in line)
        body = [
            header,
            f'vela-version = "{VELA_VERSION}"\narchitecture = "{arch}"\n',
            f'ops-source = "ethosu/regor/{ops_file}:{ops_line}"  # the op types Vela can place on the NPU\n\n',
            provenance,
        ]
        body.append("\n[params]\n")
        for key, value in params(docs).items():
            body.append(f"{key} = {toml_value(value)}\n")
        body.append(
            "\n# regor op type -> the constraints Vela checks, in the order it checks them\n"
            "# (TfLiteSupportedOperators::Check); an op type not listed stays on the CPU\n[ops]\n"
        )
        for optype, ids in sorted(ops.items()):
            body.append(f"{optype} = {toml_value(ids)}\n")
        for cid in sorted(docs):
            function = next(f for _p, c, f in CONSTRAINTS if c == cid)
            body.append(f"\n[constraints.{cid}]\n")
            body.append(f"doc = {toml_str(docs[cid])}\n")
            body.append(f'check = "{function}"\nsource = "{where(function, files)}"\n')
        outputs[f"ethosu/{short}.toml"] = "".join(body)

    # MAC configurations: vela --accelerator-config's choices (ethos-u-vela 5.2.0 --help)
    macs = {"ethos-u55": (32, 64, 128, 256), "ethos-u65": (256, 512), "ethos-u85": (128, 256, 512, 1024, 2048)}
    for target, (arch_file, accel, title) in {
        "ethos-u55": ("u55", "ethos-u55-128", "Arm Ethos-U55"),
        "ethos-u65": ("u55", "ethos-u65-256", "Arm Ethos-U65"),
        "ethos-u85": ("u85", "ethos-u85-256", "Arm Ethos-U85"),
    }.items():
        same_checker = (
            "# Vela checks Ethos-U55 and Ethos-U65 networks with the same supported-operator checker\n"
            "# (MakeSupportedOpsChecker, ethosu/regor/tflite/tflite_supported_operators.cpp)\n"
            if arch_file == "u55"
            else ""
        )
        outputs[f"targets/{target}.toml"] = (
            header + f'id = "{target}"\ntitle = "{title} NPU (Vela {VELA_VERSION})"\n'
            f'description = "Ops Vela {VELA_VERSION} places on the {title} NPU (accelerator config {accel}); '
            "the others stay on the CPU, run by TensorFlow Lite Micro. Decided by Vela itself when "
            'ethos-u-vela is installed (oplint[ethos-u]), else by constraint tables generated from it."\n'
            "# ops Vela leaves on the CPU run on TensorFlow Lite Micro, the runtime Ethos-U systems ship\n"
            'extends = "tflm"\ninherit = "tflm"\n'
            'delegate = "ethos-u"\n\n'
            "[delegate-options]\n"
            f'accelerator-config = "{accel}"  # vela --accelerator-config\n'
            + same_checker
            + f'tables = "ethosu/{arch_file}.toml"  # used when Vela is not installed\n\n'
            + f"# `--target {target}@256`: the NPU's MAC configuration (vela --accelerator-config)\n"
            + f'[variant]\noption = "accelerator-config"\nformat = "{target}-{{}}"\n'
            + f"values = {toml_value([str(m) for m in macs[target]])}\n\n"
            + provenance
        )
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", type=Path, required=True, help=f"path of {SDIST} (sha256 {SDIST_SHA256[:12]}...)")
    args = parser.parse_args(argv)
    for rel, text in generate(read_sdist(args.sdist)).items():
        out = RULES / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out.relative_to(RULES.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
