"""A model against a firmware's op resolver: the ops it needs, the resolver that serves it, the
specialized kernels its tensors allow, and the resolver ``oplint resolver`` writes for it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from ..core.model import Model, Op
from ..knowledge.targets import Target
from ..knowledge.tflm_resolver import table, variant_requires

if TYPE_CHECKING:
    from ..knowledge.firmware import Resolver

OpKey = tuple[str, str]  #: ("builtin", "CONV_2D") or ("custom", "SignalWindow")
#: the specialized variants ``oplint resolver`` may choose, most preferred first (INT8REF, the int8
#: *reference* kernel of the Xtensa build, is a debugging choice, never a default)
PREFERRED_VARIANTS = ("INT8", "INT16", "INT4", "INT8_INT16")


def key_of(op: Op) -> OpKey | None:
    """How a resolver names the op (None: a Select TF op or a damaged opcode, never in a resolver)."""
    if op.kind == "CUSTOM":
        if op.is_flex or not op.custom_code:
            return None
        return ("custom", op.custom_code)
    if op.kind.startswith("UNKNOWN_BUILTIN_") or op.kind == "INVALID_OPCODE":
        return None
    return ("builtin", op.kind)


def needed(model: Model) -> dict[OpKey, list[Op]]:
    """Every op the model's graphs run, by how a resolver names it, in order of first use."""

    def compute() -> dict[OpKey, list[Op]]:
        out: dict[OpKey, list[Op]] = {}
        for op in model.ops():
            key = key_of(op)
            if key is not None:
                out.setdefault(key, []).append(op)
        return out

    return model.derived("resolver-needed", compute)


def has_kernel(target: Target, key: OpKey) -> bool:
    """The target's build has a kernel for the op (else OPL101/OPL104 report it, not the resolver)."""
    kind, name = key
    return name in (target.builtins if kind == "builtin" else target.custom)


def missing(resolver: Resolver, keys: Iterable[OpKey]) -> list[OpKey]:
    if resolver.all_ops:
        return []
    have = resolver.effective()
    return [k for k in keys if k not in have]


def resolver_for(model: Model, target: Target) -> Resolver | None:
    """The firmware resolver the model is checked against: of those the sources declare, the one
    that lacks the fewest of the model's ops (then the one declared first)."""
    fw = target.firmware
    if fw is None or not fw.resolvers:
        return None
    keys = [k for k in needed(model) if has_kernel(target, k)]
    candidates = [r for r in fw.resolvers if r.registrations or r.all_ops] or list(fw.resolvers)
    return min(candidates, key=lambda r: len(missing(r, keys)))


def dtypes(model: Model, op: Op) -> dict[str, str | None]:
    """in0, in1 and out0 dtypes of an op (None: absent)."""
    graph = model.graphs[op.graph]
    out: dict[str, str | None] = {}
    for pos, idx in (("in0", op.inputs[0] if op.inputs else -1), ("in1", op.inputs[1] if len(op.inputs) > 1 else -1)):
        t = graph.tensor(idx) if idx >= 0 else None
        out[pos] = t.dtype if t is not None else None
    t = graph.tensor(op.outputs[0]) if op.outputs and op.outputs[0] >= 0 else None
    out["out0"] = t.dtype if t is not None else None
    return out


def variant_misfit(model: Model, op: Op, variant: str) -> str | None:
    """Why the op's tensors do not fit a specialized kernel (None: they do)."""
    have = dtypes(model, op)
    names = {"in0": "input", "in1": "weights", "out0": "output"}
    wrong = [
        f"{names[pos]} {have[pos]} (the kernel takes {want})"
        for pos, want in variant_requires(op.kind, variant).items()
        if have.get(pos) is not None and have[pos] != want
    ]
    return ", ".join(wrong) if wrong else None


class Generated(NamedTuple):
    text: str  #: the C++ header
    ops: tuple[OpKey, ...]  #: registered, in order
    kernels: dict[str, str]  #: op -> specialized registration chosen
    problems: tuple[str, ...]  #: ops the target cannot register (no kernel in its build)


def generate(models: Sequence[Model], target: Target, version: str, names: Sequence[str] = ()) -> Generated:
    """The ``MicroMutableOpResolver`` for the union of the models' ops on a TFLM target."""
    t = table()
    uses: dict[OpKey, list[tuple[Model, Op]]] = {}
    for model in models:
        for key, ops in needed(model).items():
            uses.setdefault(key, []).extend((model, op) for op in ops)
    ordered = sorted(uses, key=lambda k: (k[0] != "builtin", k[1]))
    lines: list[str] = []
    registered: list[OpKey] = []
    kernels: dict[str, str] = {}
    problems: list[str] = []
    for key in ordered:
        kind, name = key
        method = t.by_op.get(name)
        if kind == "builtin":
            if name not in target.builtins or method is None:
                problems.append(f"{name}: no kernel in {target.runtime_title}")
                lines.append(f"  // {name}: no kernel in {target.runtime_title}; the model cannot run here")
                continue
            call = f"resolver.{method.name}()"
            variant = _variant(name, uses[key], target.specialized)
            if variant is not None:
                fn = f"Register_{name}_{variant}"
                kernels[name] = fn
                call = f"resolver.{method.name}(tflite::{fn}())"
            lines.append(f"  TF_LITE_ENSURE_STATUS({call});")
            registered.append(key)
            continue
        support = target.custom.get(name)
        if method is not None and method.kind == "custom" and support is not None:
            lines.append(f"  TF_LITE_ENSURE_STATUS(resolver.{method.name}());")
            registered.append(key)
            continue
        # a custom op TFLM has no kernel for: the firmware brings its own; keep a slot for it
        problems.append(f"custom op '{name}': no kernel in {target.runtime_title}; register your own")
        lines.append(f'  // custom op "{name}": TFLM has no kernel for it; add yours, e.g.')
        lines.append(f'  //   TF_LITE_ENSURE_STATUS(resolver.AddCustom("{name}", MyRegistration()));')
        registered.append(key)
    shown = list(names) or [m.path for m in models]
    guard = "OPLINT_MODEL_OP_RESOLVER_H_"
    head = [
        f"// Generated by oplint {version} (`oplint resolver`) for {target.label} ({target.runtime_title}) from:",
        *[f"//   {n}" for n in shown],
        f"// {len(registered)} ops: the union of the models' ops; the resolver holds exactly that many.",
    ]
    if kernels:
        head.append(
            "// Specialized registrations (a smaller kernel in the CMSIS-NN and other optimized builds, an alias of"
        )
        head.append("// the generic kernel elsewhere) where every use of the op has the tensor types they take.")
    body = [
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        '#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"',
        "",
        "namespace oplint_generated {",
        "",
        f"constexpr unsigned int kModelOpCount = {max(len(registered), 1)};",
        "using ModelOpResolver = tflite::MicroMutableOpResolver<kModelOpCount>;",
        "",
        "// Registers every op the models need; returns kTfLiteError if one cannot be registered.",
        "inline TfLiteStatus RegisterModelOps(ModelOpResolver& resolver) {",
        *lines,
        "  return kTfLiteOk;",
        "}",
        "",
        "}  // namespace oplint_generated",
        "",
        f"#endif  // {guard}",
    ]
    return Generated("\n".join([*head, "", *body]) + "\n", tuple(registered), kernels, tuple(problems))


def _variant(op: str, uses: Sequence[tuple[Model, Op]], declared: frozenset[str] | None) -> str | None:
    """The specialized variant every use of the op fits, if the build declares one for it."""
    have = {
        s.variant for s in table().specialized.values() if s.op == op and (declared is None or s.function in declared)
    }
    for variant in PREFERRED_VARIANTS:
        if variant in have and all(
            variant_misfit(m, o, variant) is None and _fully_typed(m, o, variant) for m, o in uses
        ):
            return variant
    return None


def _fully_typed(model: Model, op: Op, variant: str) -> bool:
    """Every tensor the variant constrains is present (an absent one proves nothing)."""
    have = dtypes(model, op)
    return all(have.get(pos) is not None for pos in variant_requires(op.kind, variant))
