"""The Coral Edge TPU (``edgetpu_compiler``): which ops of a not-yet-compiled model it maps.

The compiler is closed source; its rules are those Coral publishes on "TensorFlow models on the
Edge TPU" (coral.ai/docs/edgetpu/models-intro): the "Model requirements" list (8-bit quantized
tensors, sizes and parameters constant at compile time, at most 3 dimensions larger than 1, only
the ops of the table) and the "Supported operations" table with each row's known limitations,
transcribed in ``rules/edgetpu/supported_ops.toml`` (which says which version of the page).

Partitioning follows the page's "Compiling" section: the compiler maps ops from the start of the
graph up to the first op it cannot map; that op and everything after it run on the CPU, "even if
supported operations occur later".  A float model's leading QUANTIZE (of a graph input) and
trailing DEQUANTIZE (to a graph output) stay on the CPU without ending the Edge TPU segment
("Float input and output tensors").  An ``edgetpu-custom-op`` (a model already compiled) is the
Edge TPU itself.

There is no reference run: every decision here is pinned by ``tests/test_edgetpu.py``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ..knowledge.sources import CORAL_DOCS, Cite, Source
from .contract import Assessment, Delegate, OpVerdict, Reject

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op, Tensor
    from ..knowledge.targets import Target

CUSTOM_CODE = "edgetpu-custom-op"  #: the op edgetpu_compiler writes (OPL322)
DOC = "coral.ai/docs/edgetpu/models-intro"
REQUIREMENTS = Source(CORAL_DOCS.key, f"{DOC} #model-requirements")()
TABLE = Source(CORAL_DOCS.key, f"{DOC} #supported-operations")()
COMPILING = Source(CORAL_DOCS.key, f"{DOC} #compiling")()
FLOAT_IO = Source(CORAL_DOCS.key, f"{DOC} #float-input-and-output-tensors")()
Q8 = ("int8", "uint8")
MAX_SOFTMAX_ELEMENTS = 16_000
NOT_8_BIT = "is not 8-bit; the Edge TPU takes uint8/int8 quantized tensors only"


class Row(NamedTuple):
    """One row of the Supported operations table."""

    name: str  #: Coral's name ("AveragePool2d")
    builtins: tuple[str, ...]
    limitation: str = ""
    checks: tuple[str, ...] = ()
    params: tuple[int, ...] = ()  #: inputs that are model parameters (constant at compile time)
    note: str = ""  #: the part of the limitation that is not checked


@cache
def table() -> dict[str, Row]:
    """builtin -> its row, from rules/edgetpu/supported_ops.toml."""
    from ..knowledge import load_toml, rules_dir

    raw: dict[str, Any] = load_toml(rules_dir() / "edgetpu" / "supported_ops.toml")
    rows: dict[str, Row] = {}
    for r in raw["op"]:
        row = Row(
            str(r["name"]),
            tuple(str(b) for b in r["builtins"]),
            str(r.get("limitation", "")),
            tuple(str(c) for c in r.get("checks", ())),
            tuple(int(p) for p in r.get("params", ())),
            str(r.get("note", "")),
        )
        for b in row.builtins:
            rows[b] = row
    return rows


def _tensor(graph: Graph, i: int) -> Tensor | None:
    return graph.tensor(i) if i >= 0 else None


def _input(graph: Graph, op: Op, i: int) -> Tensor | None:
    return _tensor(graph, op.inputs[i]) if i < len(op.inputs) else None


def _ints(model: Model, graph: Graph, op: Op, i: int) -> list[int] | None:
    if i >= len(op.inputs) or op.inputs[i] < 0:
        return None
    from ..readers.constants import constant_values

    values = constant_values(model, graph.index, op.inputs[i])
    return None if values is None else [int(v) for v in values]


def _requirements(graph: Graph, op: Op, row: Row) -> None:
    """The Model requirements list, for the op's tensors."""
    for pos, t in enumerate(op.inputs):
        tensor = _tensor(graph, t)
        if tensor is None:
            continue
        param = pos in row.params
        # int32 is allowed for parameters: a row's listed ones (a bias), and any constant int32
        # operand (a RESHAPE's shape, a MEAN's axes, a PAD's paddings), which is not a tensor the
        # Edge TPU computes with
        if tensor.dtype not in Q8 and not (tensor.dtype == "int32" and (param or tensor.is_const)):
            raise Reject(f"{tensor.describe()} {NOT_8_BIT}", REQUIREMENTS)
        if param and not tensor.is_const:
            raise Reject(f"input {pos} ({tensor.describe()}) is a model parameter that is not constant", REQUIREMENTS)
    for t in op.outputs:
        tensor = _tensor(graph, t)
        if tensor is not None and tensor.dtype not in Q8:
            raise Reject(f"{tensor.describe()} {NOT_8_BIT}", REQUIREMENTS)
    for t in (*op.inputs, *op.outputs):
        tensor = _tensor(graph, t)
        if tensor is None:
            continue
        if tensor.dtype in Q8 and not tensor.is_const and (tensor.quant is None or not tensor.quant.is_set):
            raise Reject(f"{tensor.describe()} has no quantization parameters (not 8-bit quantized)", REQUIREMENTS)
        sig = tensor.shape_signature
        if tensor.shape is None or (sig is not None and any(d < 0 for d in sig)):
            raise Reject(
                f"{tensor.describe()} has a dynamic size; sizes must be constant at compile time", REQUIREMENTS
            )
        shape = tensor.shape
        # weights (a conv filter is OHWI) are not activations: the rule is read as one on the
        # tensors the Edge TPU computes (a table row like Conv2d has no limitation at all)
        if not tensor.is_const and len(shape) > 3 and any(d > 1 for d in shape[:-3]):
            raise Reject(
                f"{tensor.describe()} has shape {list(shape)}: with more than 3 dimensions only the 3 innermost "
                "may be larger than 1",
                REQUIREMENTS,
            )


def _xy_axes(rank: int) -> frozenset[int]:
    """The x and y dimensions of an NHWC (or HWC) tensor: the two before the channels."""
    return frozenset({rank - 3, rank - 2}) if rank >= 3 else frozenset()


def _limitations(model: Model, graph: Graph, op: Op, row: Row) -> None:
    where = _row(row)
    o = op.options
    x = _input(graph, op, 0)
    rank = len(x.shape or ()) if x is not None else 0
    for check in row.checks:
        if check == "no-fused-activation":
            act = str(o.get("fused_activation_function", "NONE") or "NONE")
            if act != "NONE":
                raise Reject(f"{row.name} with a fused activation ({act}): 'No fused activation function'", where)
        elif check == "constant-input-two-inputs-all-zero":
            consts = [i for i, t in enumerate(op.inputs) if (c := _tensor(graph, t)) is not None and c.is_const]
            if consts and len(op.inputs) != 2:
                raise Reject(
                    f"a constant input and {len(op.inputs)} inputs: with a constant one only 2 are allowed", where
                )
            for i in consts:
                values = _ints(model, graph, op, i)
                if values is not None and any(values):
                    raise Reject(
                        f"constant input {i} is not all zeroes (only a zero-padding concatenation maps)", where
                    )
        elif check == "default-weights-format":
            fmt = str(o.get("weights_format", "DEFAULT") or "DEFAULT")
            if fmt != "DEFAULT":
                raise Reject(f"weights format {fmt}: only the default format is supported", where)
        elif check == "axes-xy-only":
            axes = _ints(model, graph, op, 1)
            if axes is not None and rank:
                bad = sorted({a % rank for a in axes} - _xy_axes(rank))
                if bad:
                    raise Reject(
                        f"MEAN over axis {', '.join(map(str, bad))}: only the x and/or y dimensions reduce", where
                    )
        elif check == "pad-xy-only":
            pads = _ints(model, graph, op, 1)
            if pads is not None and rank and len(pads) == 2 * rank:
                bad = [d for d in range(rank) if (pads[2 * d] or pads[2 * d + 1]) and d not in _xy_axes(rank)]
                if bad:
                    dims = ", ".join(map(str, bad))
                    raise Reject(f"padding of dimension {dims}: only the x and/or y dimensions pad", where)
        elif check == "input-1d-max-16000":
            shape = (x.shape or ()) if x is not None else ()
            n = 1
            for d in shape:
                n *= d
            if sum(1 for d in shape if d > 1) > 1:
                raise Reject(f"SOFTMAX of a {list(shape)} input: only a 1-D input is supported", where)
            if n > MAX_SOFTMAX_ELEMENTS:
                raise Reject(f"SOFTMAX of {n} elements: at most 16,000", where)
        elif check == "squeeze-leading-ones":
            shape = tuple((x.shape or ()) if x is not None else ())
            squeeze_dims = [int(d) for d in (o.get("squeeze_dims") or ())]
            if squeeze_dims and shape:
                squeezed = {d % len(shape) for d in squeeze_dims}
            else:  # no squeeze_dims: every dimension of size 1
                squeezed = {i for i, d in enumerate(shape) if d == 1}
            first_big = next((i for i, d in enumerate(shape) if d > 1), len(shape))
            late = sorted(d for d in squeezed if d > first_big)
            if late:
                raise Reject(f"SQUEEZE of dimension {late[0]} of {list(shape)}: only leading 1s can be squeezed", where)
        elif check == "strides-one":
            strides = _ints(model, graph, op, 3)
            if strides is not None and any(s != 1 for s in strides):
                raise Reject(f"strides {strides}: all strides must be 1", where)
        elif check == "no-ellipsis-new-axis-mask":
            for mask in ("ellipsis_mask", "new_axis_mask"):
                if int(o.get(mask, 0) or 0):
                    raise Reject(f"{mask} is set: it must be 0", where)


def check_op(model: Model, graph: Graph, op: Op) -> OpVerdict:
    """Whether edgetpu_compiler maps one op, on its own (before the one-segment rule)."""
    if op.kind == "CUSTOM" and op.custom_code == CUSTOM_CODE:
        return OpVerdict(True, (), COMPILING)
    row = table().get(op.kind)
    if row is None:
        return OpVerdict(False, (f"{op.display} is not in the Edge TPU's supported operations",), TABLE)
    try:
        _requirements(graph, op, row)
        _limitations(model, graph, op, row)
    except Reject as exc:
        return exc.verdict
    notes = (f"not checked: {row.note}",) if row.note else ()
    return OpVerdict(True, notes, _row(row))


def _row(row: Row) -> Cite:
    """The row of the Supported operations table that decides."""
    return Source(CORAL_DOCS.key, f"{DOC} #supported-operations ({row.name})")()


def _boundary(graph: Graph, op: Op) -> bool:
    """A float model's QUANTIZE of a graph input or DEQUANTIZE to a graph output: the compiler
    leaves it on the CPU without ending the Edge TPU segment."""
    if op.kind == "QUANTIZE":
        return bool(op.inputs) and op.inputs[0] in graph.inputs
    if op.kind == "DEQUANTIZE":
        return bool(op.outputs) and all(t in graph.outputs for t in op.outputs)
    return False


def assess(model: Model, target: Target) -> Assessment:
    """What edgetpu_compiler maps onto the Edge TPU (``Delegate.assess``)."""
    out: dict[tuple[int, int], OpVerdict] = {}
    for graph in model.graphs:
        first: Op | None = None
        for op in graph.ops:
            verdict = check_op(model, graph, op)
            compiled = op.kind == "CUSTOM" and op.custom_code == CUSTOM_CODE
            if first is not None and not compiled:
                verdict = OpVerdict(
                    False,
                    (
                        f"after the first op the Edge TPU compiler cannot map (op {first.index} {first.display}); "
                        "the compiler maps one segment only",
                    ),
                    COMPILING,
                )
            elif not verdict.supported and _boundary(graph, op):
                verdict = OpVerdict(
                    False,
                    (f"{op.kind} of a float graph {'input' if op.kind == 'QUANTIZE' else 'output'} runs on the CPU",),
                    FLOAT_IO,
                )
            elif not verdict.supported:
                first = op
            out[op.key] = verdict
    return Assessment(out)


def kinds(target: Target) -> frozenset[str]:
    """The builtins of the Supported operations table."""
    return frozenset(table())


DELEGATE = Delegate("edgetpu", assess, kinds)
