"""The classic GPU delegate's own tests as cases for oplint's ``gpu`` checker.

Two LiteRT test files at the pin:

* ``tflite/tools/versioning/gpu_compatibility_test.cc``: ``CheckGpuDelegateCompatibility`` on
  hand-built op signatures (default flags, kStandard) and on three test models (the flatbuffer
  entry point, kEnhancedBroadcast);
* ``tflite/delegates/gpu/common/model_builder_test.cc``: each parser's ``IsSupported`` on a stub
  context of three nodes (``ADD -> op -> ADD``, 4-D float32 tensors of ones, zeroed builtin
  data) that each test then edits: op version, inputs, tensor types, shapes and constness,
  options, custom options, the neighbouring nodes.

This module replays both idioms (``StubTfLiteContext`` edits and ``OpSignature`` fields) line by
line into oplint ``Graph`` s and asks oplint's checker (:func:`oplint.delegates.gpu.check_op`)
and the delegate's parser stage (:func:`oplint.delegates.gpu.is_supported`) for the verdict each
``ASSERT``/``EXPECT`` states.

    python -m tests.upstream.gpu_suite      # every case and the disagreements
"""

from __future__ import annotations

import re
import struct
import subprocess
from typing import Any, NamedTuple

from oplint.core.model import Graph, Op, Tensor
from oplint.delegates import gpu
from oplint.knowledge.sources import LITERT, checkout, read
from oplint.readers.tflite import parse
from oplint.readers.tflite_schema import ENUMS

COMPAT_TEST = "tflite/tools/versioning/gpu_compatibility_test.cc"
BUILDER_TEST = "tflite/delegates/gpu/common/model_builder_test.cc"

#: TfLiteType -> oplint dtype
TYPES = {
    "kTfLiteFloat32": "float32",
    "kTfLiteFloat16": "float16",
    "kTfLiteInt32": "int32",
    "kTfLiteInt8": "int8",
    "kTfLiteUInt8": "uint8",
    "kTfLiteInt16": "int16",
    "kTfLiteInt64": "int64",
    "kTfLiteBool": "bool",
    "kTfLiteNoType": "notype",
}
ACTIVATIONS = {
    "kTfLiteActNone": "NONE",
    "kTfLiteActRelu": "RELU",
    "kTfLiteActReluN1To1": "RELU_N1_TO_1",
    "kTfLiteActRelu6": "RELU6",
    "kTfLiteActTanh": "TANH",
    "kTfLiteActSignBit": "SIGN_BIT",
    "kTfLiteActSigmoid": "SIGMOID",
}
#: C parameter struct fields -> the option names oplint's reader gives them (schema.fbs)
FIELDS = {
    "stride_width": "stride_w",
    "stride_height": "stride_h",
    "dilation_width_factor": "dilation_w_factor",
    "dilation_height_factor": "dilation_h_factor",
    "activation": "fused_activation_function",
}
ENUM_VALUES = {
    **ACTIVATIONS,
    "kTfLiteMirrorPaddingReflect": "REFLECT",
    "kTfLiteMirrorPaddingSymmetric": "SYMMETRIC",
    "kTfLiteLSTMFullKernel": "FULL",
    "kTfLiteLSTMBasicKernel": "BASIC",
    "kTfLiteFullyConnectedWeightsFormatDefault": "DEFAULT",
    "kTfLiteFullyConnectedWeightsFormatShuffled4x16Int8": "SHUFFLED4x16INT8",
    "true": True,
    "false": False,
}
#: a zeroed C struct, as the option values oplint's checks read (an enum's 0 is not always the
#: schema's first value: kTfLiteMirrorPaddingUnknown has no schema name)
ZEROED = {
    "fused_activation_function": "NONE",
    "mode": "UNKNOWN",
    "kernel_type": "FULL",
    "weights_format": "DEFAULT",
    "beta": 0.0,
}
#: TfLitePoolParams / TfLiteTransposeConvParams fields in custom options (builtin_op_data.h)
STRUCT_FIELDS = ("padding", "stride_width", "stride_height", "filter_width", "filter_height", "activation")


class Case(NamedTuple):
    file: str
    test: str
    line: int
    expect: bool  #: the test's verdict: supported
    message: str | None  #: the message it expects (a substring), when it names one
    graph: Graph
    op: Op
    stage: str  #: "parser" (IsSupported) or "checker" (CheckGpuDelegateCompatibility)
    enhanced: bool = False  #: the flatbuffer entry point (kEnhancedBroadcast)
    allow_quant: bool = False


class Verdict(NamedTuple):
    case: Case
    supported: bool
    reasons: tuple[str, ...]
    agree: bool


def available() -> bool:
    return checkout(LITERT) is not None


_BUILTINS = {name.replace("_", "").lower(): name for name in ENUMS["BuiltinOperator"][1].values()}


def builtin(c_name: str) -> str:
    """``kTfLiteBuiltinConv2d`` / ``BuiltinOperator_CONV_2D`` -> ``CONV_2D``."""
    name = c_name.replace("kTfLiteBuiltin", "").replace("BuiltinOperator_", "")
    return _BUILTINS.get(name.replace("_", "").lower(), name.upper())


# -- model_builder_test.cc: the stub context ---------------------------------------------------
class _Stub:
    """StubTfLiteContext: node 0 ADD(t0) -> t1; node 1 the op (t1..tn) -> t(n+1); node 2
    ADD(t(n+1)) -> t(n+2); every tensor 4-D [1, 1, 1, 1] float32, not constant."""

    def __init__(self, kind: str, version: int, inputs: int) -> None:
        self.kind, self.version = kind, version
        count = inputs + 3
        self.types = ["float32"] * count
        self.dims: list[list[int]] = [[1, 1, 1, 1] for _ in range(count)]
        self.const = [False] * count
        self.inputs = list(range(1, inputs + 1))
        self.outputs = [inputs + 1]
        self.neighbours = ["ADD", "ADD"]
        self.options: dict[str, Any] = dict(ZEROED)
        self.custom: str | None = None
        self.struct: dict[str, int] | None = None  #: the custom options struct, when set

    def graph(self) -> tuple[Graph, Op]:
        n = len(self.types)
        tensors = tuple(
            Tensor(i, f"t{i}", self.types[i], tuple(self.dims[i]), tuple(self.dims[i]), is_const=self.const[i])
            for i in range(n)
        )
        options = dict(self.options)
        if self.struct is not None:
            raw = struct.pack("<6i", *(self.struct.get(f, 0) for f in STRUCT_FIELDS)) + bytes(16)
            options.update(custom_options_size=len(raw), custom_options_head=raw)
        kind = "CUSTOM" if self.custom is not None else self.kind
        first_in = self.inputs[0] if self.inputs else 0
        ops = (
            Op(0, 0, self.neighbours[0], inputs=(0,), outputs=(first_in,)),
            Op(0, 1, kind, self.version, self.custom, tuple(self.inputs), tuple(self.outputs), options=options),
            Op(0, 2, self.neighbours[1], inputs=(self.outputs[0],), outputs=(n - 1,)),
        )
        graph = Graph(0, "stub", ops, tensors)
        return graph, ops[1]


def _value(text: str, stub: _Stub | None = None) -> Any:
    text = text.strip().rstrip(";")
    if text in ENUM_VALUES:
        return ENUM_VALUES[text]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?[\d.]+f?", text):
        return float(text.rstrip("f"))
    m = re.fullmatch(r"context->tensor\((\d+)\)->dims->data\[.*size - 1\]", text.replace("\n", ""))
    if m and stub is not None:
        return stub.dims[int(m.group(1))][-1]
    return text


def builder_cases() -> list[Case]:
    lines = read(LITERT.key, BUILDER_TEST) or []
    text = "\n".join(lines)
    out: list[Case] = []
    for m in re.finditer(
        r"^TEST\((\w+OperationParserTest|\w+ParserTest), TestIsSupported\) \{\n(.*?)^\}", text, re.M | re.S
    ):
        start = text[: m.start()].count("\n") + 1
        out += _replay(m.group(1), m.group(2), start + 1)
    return out


def _statements(body: str, first_line: int) -> list[tuple[int, str]]:
    """The test body as (line, statement) with comments dropped and statements joined."""
    out: list[tuple[int, str]] = []
    current, at = "", first_line
    for i, raw in enumerate(body.splitlines()):
        code = raw.split("//", 1)[0].strip()
        if not code:
            continue
        if not current:
            at = first_line + i
        current += " " + code
        if current.lstrip().startswith("for (") and not code.endswith("}"):
            continue  # a loop is one statement, body and all
        if code.endswith((";", "{", "}")):
            out.append((at, current.strip()))
            current = ""
    return out


_ASSERT = (
    r"ASSERT_(TRUE|FALSE)\( parser ->IsSupported\(context.get\(\), context->node\(\), "
    r"context->registration\(\)\) \.ok\(\)\);"
)


def _replay(test: str, body: str, first_line: int) -> list[Case]:
    stub: _Stub | None = None
    allow_quant = False
    out: list[Case] = []
    for line, stmt in _statements(body, first_line):
        s = re.sub(r"\s+", " ", stmt)
        m = re.search(r"StubTfLiteContext>\((\w+), /\*op_version=\*/(\d+), /\*num_inputs=\*/(\d+)\)", s)
        if m:
            stub = _Stub(builtin(m.group(1)), int(m.group(2)), int(m.group(3)))
            continue
        if stub is None:
            continue
        if "allow_quant_ops=*/true" in s:
            allow_quant = True
        if m := re.fullmatch(r"context->tensor\((\d+)\)->type = (\w+);", s):
            stub.types[int(m.group(1))] = TYPES[m.group(2)]
        elif m := re.fullmatch(r"context->tensors?(?:\((\d+)\)|\[(\w+)\])(?:->|\.)dims->data\[(\d+)\] = (.+);", s):
            # tensors[warp_shape_id]: the test set it to context->node()->inputs->data[1]
            index = int(m.group(1)) if m.group(1) else stub.inputs[1]
            dims = stub.dims[index]
            axis = int(m.group(3))
            while len(dims) <= axis:
                dims.append(0)
            dims[axis] = int(_value(m.group(4)))
        elif m := re.fullmatch(r"context->tensor\((\d+)\)->dims->size = (\d+);", s):
            dims = stub.dims[int(m.group(1))]
            stub.dims[int(m.group(1))] = (dims + [0] * 8)[: int(m.group(2))]
        elif m := re.fullmatch(r"context->tensor\((\d+)\)->dims = TfLiteIntArrayCreate\((\d+)\);", s):
            stub.dims[int(m.group(1))] = [0] * int(m.group(2))
        elif m := re.fullmatch(r"context->tensor\((\d+)\)->allocation_type = (\w+);", s):
            stub.const[int(m.group(1))] = m.group(2) == "kTfLiteMmapRo"
        elif m := re.fullmatch(r"context->registration\((\d)\)->builtin_code = (\w+);", s):
            stub.neighbours[0 if m.group(1) == "0" else 1] = builtin(m.group(2))
        elif m := re.fullmatch(r'context->registration\(\)->custom_name = "(\w+)";', s):
            stub.custom = m.group(1)
        elif re.fullmatch(r"context->node\(\)->custom_initial_data = &\w+;", s):
            stub.struct = {}
        elif m := re.fullmatch(r"context->node\(\)->outputs = TfLiteIntArrayCreate\((\d+)\);", s):
            stub.outputs = [0] * int(m.group(1))
        elif m := re.fullmatch(r"context->node\(\)->outputs->data\[(\d+)\] = (\d+);", s):
            stub.outputs[int(m.group(1))] = int(m.group(2))
        elif m := re.fullmatch(
            r"for \(.*\) \{ context->tensor\((\d+)\)->dims->data\[i\] = context->tensor\((\d+)\)->dims->data\[i\]; \}",
            s,
        ):
            stub.dims[int(m.group(1))] = list(stub.dims[int(m.group(2))])
        elif m := re.fullmatch(r"(?:tf_options|params|\w+_params)(?:->|\.)(\w+) = (.+);", s):
            field, value = m.group(1), _value(m.group(2), stub)
            if stub.struct is not None and field in STRUCT_FIELDS:
                stub.struct[field] = int(value) if isinstance(value, int) else (1 if value else 0)
                if field == "activation":
                    names = list(ACTIVATIONS.values())
                    stub.struct[field] = names.index(value) if value in names else 0
            else:
                stub.options[FIELDS.get(field, field)] = value
        elif m := re.search(
            _ASSERT,
            s,
        ):
            graph, op = stub.graph()
            out.append(
                Case(BUILDER_TEST, test, line, m.group(1) == "TRUE", None, graph, op, "parser", False, allow_quant)
            )
    return out


# -- gpu_compatibility_test.cc: op signatures --------------------------------------------------
def compat_cases() -> list[Case]:
    lines = read(LITERT.key, COMPAT_TEST) or []
    text = "\n".join(lines)
    out: list[Case] = []
    for m in re.finditer(r"^TEST\(CheckGpuDelegateCompatibility, (\w+)\) \{\n(.*?)^\}", text, re.M | re.S):
        line = text[: m.start()].count("\n") + 1
        body = m.group(2)
        model = re.search(r'"(tflite/testdata/[\w.]+)"', body)
        if model:
            out += _model_cases(m.group(1), line, body, model.group(1))
            continue
        case = _signature_case(m.group(1), line, body)
        if case is not None:
            out.append(case)
    return out


def _signature_case(test: str, line: int, body: str) -> Case | None:
    kind = re.search(r"op_sig\.op = (\w+);", body)
    if kind is None:
        return None
    n_in = re.search(r"op_sig\.inputs = std::vector<OpSignatureTensorSpec>\((\d+)\)", body)
    n_out = re.search(r"op_sig\.outputs = std::vector<OpSignatureTensorSpec>\((\d+)\)", body)
    ins = int(n_in.group(1)) if n_in else 0
    outs = int(n_out.group(1)) if n_out else 0
    specs: list[dict[str, Any]] = [{"type": "notype", "dims": (), "const": False} for _ in range(ins + outs)]
    for side, i, field, value in re.findall(r"op_sig\.(inputs|outputs)\[(\d)\]\.(\w+) = (.+?);", body):
        spec = specs[int(i) + (ins if side == "outputs" else 0)]
        if field == "dims":
            spec["dims"] = tuple(int(v) for v in re.findall(r"-?\d+", value))
        elif field == "type":
            spec["type"] = TYPES[value.strip()]
        elif field == "is_const":
            spec["const"] = value.strip() == "true"
    options: dict[str, Any] = dict(ZEROED)
    for field, value in re.findall(r"params->(\w+) = (.+?);", body):
        options[FIELDS.get(field, field)] = _value(value)
    custom = re.search(r'op_sig\.custom_name = "(\w+)";', body)
    tensors = tuple(
        Tensor(i, f"t{i}", s["type"], s["dims"], s["dims"], is_const=s["const"]) for i, s in enumerate(specs)
    )
    op_kind = builtin(kind.group(1))
    op = Op(
        0,
        0,
        op_kind,
        1,
        custom.group(1) if custom else None,
        tuple(range(ins)),
        tuple(range(ins, ins + outs)),
        options=options,
    )
    graph = Graph(0, "sig", (op,), tensors)
    expect, message = _expectation(body)
    return Case(COMPAT_TEST, test, line, expect, message, graph, op, "checker")


def _expectation(body: str) -> tuple[bool, str | None]:
    if re.search(r"message\(\)\.empty\(\)\)|IsOk\(\)|EXPECT_TRUE\([^;]*\.ok\(\)\)", body, re.S):
        return True, None
    m = re.search(r'message\(\),\s*"((?:[^"]|"\s*")*)"\)', body, re.S)
    if m:
        return False, re.sub(r'"\s*"', "", m.group(1))
    m = re.search(r'HasSubstr\("([^"]*)"\)', body)
    return False, m.group(1) if m else None


def _model_cases(test: str, line: int, body: str, path: str) -> list[Case]:
    """A test model (binary, read from the checkout): every op through the flatbuffer entry point."""
    clone = checkout(LITERT)
    if clone is None:
        return []
    git_dir = clone / ".git" if (clone / ".git").exists() else clone
    data = subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{LITERT.commit}:{path}"], capture_output=True, check=False
    ).stdout
    if not data:
        return []
    model = parse(data, path)
    expect, message = _expectation(body)
    if not expect and message is None:
        m = re.search(r'message\(\),\s*"([^"]*)"\)', body)
        message = m.group(1) if m else None
    out = []
    for graph in model.graphs:
        for op in graph.ops:
            # the test's verdict is for the model: each op supported, or the first one refused
            out.append(Case(COMPAT_TEST, test, line, expect, message, graph, op, "checker", True))
    return out


# -- comparison --------------------------------------------------------------------------------
def verdict(case: Case) -> Verdict:
    if case.stage == "checker":
        v = gpu.check_op(case.graph, case.op, enhanced=case.enhanced)
    else:
        v = gpu.is_supported(case.graph, case.op, case.allow_quant)
    reasons = tuple(v.reasons)
    if case.expect:
        agree = v.supported
    else:
        agree = not v.supported and (case.message is None or any(case.message in r for r in reasons))
    return Verdict(case, v.supported, reasons, agree)


def verdicts() -> list[Verdict]:
    return [verdict(c) for c in (*compat_cases(), *builder_cases())]


def model_verdicts() -> dict[tuple[str, str], bool]:
    """The model tests' verdicts (a model is refused when one of its ops is)."""
    out: dict[tuple[str, str], list[Verdict]] = {}
    for v in verdicts():
        if v.case.stage == "checker" and v.case.enhanced:
            out.setdefault((v.case.file, v.case.test), []).append(v)
    result = {}
    for key, vs in out.items():
        expect = vs[0].case.expect
        refused = [v for v in vs if not v.supported]
        if expect:
            result[key] = not refused
        else:
            msg = vs[0].case.message
            result[key] = bool(refused) and (msg is None or any(msg in r for r in refused[0].reasons))
    return result


def main() -> int:
    if not available():
        print("no checkout of the pinned LiteRT")
        return 1
    results = [v for v in verdicts() if not v.case.enhanced]
    models = model_verdicts()
    bad = [v for v in results if not v.agree]
    print(
        f"{len(results)} op cases ({sum(1 for v in results if v.case.stage == 'checker')} checker, "
        f"{sum(1 for v in results if v.case.stage == 'parser')} parser): {len(results) - len(bad)} agree; "
        f"{len(models)} model cases: {sum(models.values())} agree"
    )
    for v in bad:
        c = v.case
        print(
            f"  {c.file.rsplit('/', 1)[1]}:{c.line} {c.test} {c.op.display}"
            f" expect {'ok' if c.expect else 'refused'} {c.message or ''}; oplint {v.supported} {v.reasons}"
        )
    for key, ok in models.items():
        if not ok:
            print(f"  model {key[1]} disagrees")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
