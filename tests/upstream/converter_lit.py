"""The converter's own lit tests as cases for oplint's TF-op fate table.

LiteRT's ``tflite/converter/tests/`` holds, per pass, ``.mlir`` functions of TF ops and the
``CHECK`` lines that say what the pass makes of them: ``legalize*.mlir`` (TF -> TFL ops),
``prepare-tf*.mlir`` (TF -> TF rewrites before legalization, and fake quantization) and
``lower-static-tensor-list*.mlir`` (TensorList ops lowered to plain tensor ops).  This module
turns every TF op of every test function into a :class:`Case` (the op, its operand and result
types, its attributes, what the pass made of it) and compares each with what oplint predicts
for the same op in the same function (:func:`oplint.analysis.tf_fate.predictions` on a model
built from the function, constants and all).

    python -m tests.upstream.converter_lit          # the numbers and every disagreement

Reading needs a checkout of the pinned LiteRT (``oplint.knowledge.sources.checkout``).
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

from oplint.analysis.tf_fate import BUILTIN, PLUMBING, Prediction, predictions, table

__all__ = ["predictions"]
from oplint.core.model import Graph, Model, Op, Tensor
from oplint.knowledge import sources
from oplint.knowledge.sources import LITERT
from tests.upstream.mlir import Function, MlirOp, TensorType, functions

TESTS = "tflite/converter/tests/"
#: file -> (pass, the non-default option its RUN line sets, or None for the converter's default)
FILES: dict[str, tuple[str, str | None]] = {
    "legalize-tf.mlir": ("legalize", None),
    "legalize-tf-variables.mlir": ("legalize", None),
    "legalize-tf-hashtables.mlir": ("legalize", None),
    "legalize-tf-while.mlir": ("legalize", None),
    "legalize-tf-assert.mlir": ("legalize", "preserve-assert-op=true (the converter drops Assert by default)"),
    "legalize-tf-no-runtime-verification.mlir": ("legalize", "run-tfl-runtime-verification=false"),
    "legalize-tensorlist.mlir": ("legalize", "-tfl-legalize-tensorlist (custom TensorList ops, not the default)"),
    "legalize_jax_random.mlir": ("legalize", "JAX random functions (no TF ops)"),
    "lower-static-tensor-list.mlir": ("lower", None),
    "lower-static-tensor-list-default-to-single-batch.mlir": ("lower", None),
    "lower-static-tensor-list-enable-dynamic-update-slice.mlir": ("lower", "enable-dynamic-update-slice"),
    "prepare-tf.mlir": ("prepare", None),
    "prepare-tf-fake-quant.mlir": ("prepare", None),
    "prepare-tf-fake-quant-4bit.mlir": ("prepare", None),
    "prepare-tf-with-allowing-bf16-and-f16-type-legalization.mlir": ("prepare", "allow-bf16-and-f16-type-legalization"),
}
#: the ops a test file is about (the others in its functions are context the CHECK lines skip)
ABOUT: dict[str, tuple[str, ...]] = {
    "legalize-tf-variables.mlir": ("VarHandleOp", "ReadVariableOp", "AssignVariableOp"),
    "legalize-tf-hashtables.mlir": ("HashTable", "LookupTable"),
    "legalize-tf-while.mlir": ("While", "StatelessWhile"),
    "lower-static-tensor-list.mlir": ("TensorList", "EmptyTensorList"),
    "lower-static-tensor-list-default-to-single-batch.mlir": ("TensorList", "EmptyTensorList"),
    "lower-static-tensor-list-enable-dynamic-update-slice.mlir": ("TensorList", "EmptyTensorList"),
}
#: TFL ops that carry a real op rather than being it (the fate table leaves them out too)
HELPERS = frozenset(
    {"NO_VALUE", "PSEUDO_CONST", "CONST", "TRANSPOSE", "RESHAPE", "QUANTIZE", "DEQUANTIZE", "CAST", "EXPAND_DIMS"}
)
#: MLIR ops that are values, not TF ops
CONSTANTS = frozenset({"tf.Const", "arith.constant", "tfl.pseudo_const", "stablehlo.constant", "tfl.no_value"})


class Case(NamedTuple):
    """One TF op of one test function and what the pass made of it."""

    file: str
    function: str
    line: int
    op: str  #: TF op ("AvgPool")
    inputs: tuple[TensorType, ...]
    outputs: tuple[TensorType, ...]
    attrs: str
    outcome: str  #: "tfl" (became TFL ops), "tf" (stays a TF op), "lowered" (rewritten into other TF ops), "removed"
    produced: frozenset[str]  #: builtins (ADD) for "tfl"; TF ops (AddV2) for "lowered"; with "tfl", TF ops as "tf.X"
    option: str | None  #: the non-default converter option the file tests (None: the default pipeline)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line} @{self.function}"

    @property
    def types(self) -> str:
        ins = ", ".join(t.dtype for t in self.inputs)
        return f"({ins})"


class Verdict(NamedTuple):
    case: Case
    prediction: Prediction
    agree: bool
    why: str  #: what differs, when it does


def available() -> bool:
    return sources.checkout(LITERT) is not None


def test_files() -> list[str]:
    """The lit tests of the three passes at the pinned commit (new ones show up here)."""
    clone = sources.checkout(LITERT)
    if clone is None:
        return []
    git_dir = clone / ".git" if (clone / ".git").exists() else clone
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "--name-only", LITERT.commit, TESTS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    names = [p[len(TESTS) :] for p in out]
    return [n for n in names if n.endswith(".mlir") and n.startswith(("legalize", "prepare-tf", "lower-static"))]


def builtin(tfl_op: str) -> str:
    """``tfl.average_pool_2d`` -> ``AVERAGE_POOL_2D`` (the converter's own naming, with its exceptions)."""
    name = tfl_op.split(".", 1)[1].upper()
    return {"BASIC_LSTM": "LSTM", "CUSTOM_TF": "CUSTOM"}.get(name, name)


_TFL = re.compile(r"\btfl\.(\w+)")
_TF = re.compile(r"\btf\.(\w+)")


@cache
def cases(file: str) -> list[Case]:
    """Every TF op of every function of one lit test, with what its CHECK lines say became of it."""
    lines = sources.read(LITERT.key, TESTS + file)
    if lines is None:
        return []
    kind, option = FILES.get(file, ("legalize", "unknown pass"))
    out: list[Case] = []
    for fn in functions(lines):
        out += _function_cases(file, kind, option, fn)
    return out


def _function_cases(file: str, kind: str, option: str | None, fn: Function) -> list[Case]:
    about = ABOUT.get(file)
    tf_ops = [
        op
        for op in fn.ops
        if op.name.startswith("tf.")
        and op.name not in CONSTANTS
        and (about is None or any(op.name[3:].startswith(a) for a in about))
    ]
    if not tf_ops:
        return []
    texts = [t for _, _, t in fn.checks]
    kept = Counter(m for t in texts for m in set(_TF.findall(t)))
    body_kinds = {op.name[3:] for op in tf_ops}
    given = {builtin(op.name) for op in fn.ops if op.name.startswith("tfl.")}  # already TFL in the input
    made_tfl = frozenset(builtin("tfl." + m) for t in texts for m in _TFL.findall(t)) - given
    made_tf = frozenset(m for t in texts for m in _TF.findall(t) if m not in body_kinds and m != "Const")
    nots = " ".join(t for _, t in fn.check_nots)
    out: list[Case] = []
    by_kind: dict[str, list[MlirOp]] = {}
    for op in tf_ops:
        by_kind.setdefault(op.name[3:], []).append(op)
    for name, ops in by_kind.items():
        staying = min(len(ops), sum(1 for t in texts if re.search(rf"\btf\.{name}\b", t)))
        stays = _which_stay(ops, [t for t in texts if re.search(rf"\btf\.{name}\b", t)], staying)
        for op in ops:
            if op in stays:
                # prepare-tf leaves what LegalizeTF converts: staying says nothing there
                outcome, produced = ("tf" if kind != "prepare" else "untouched"), frozenset()
            elif kind == "legalize":
                if not made_tfl and not made_tf and f"tf.{name}" not in nots:
                    continue  # the CHECK lines say nothing about it
                outcome = "tfl" if made_tfl or not made_tf else "lowered"
                produced = made_tfl | frozenset("tf." + m for m in made_tf) if outcome == "tfl" else made_tf
            else:  # prepare / lower: the rewrite is into TF ops (and, for fake quant, TFL ops)
                if not made_tfl and not made_tf:
                    if f"tf.{name}" not in nots and not texts:
                        continue
                    outcome, produced = "removed", frozenset()
                elif made_tfl - HELPERS or (made_tfl and not made_tf):
                    outcome, produced = "tfl", made_tfl | frozenset("tf." + m for m in made_tf)
                else:
                    outcome, produced = "lowered", made_tf
            out.append(Case(file, fn.name, op.line, name, op.inputs, op.outputs, op.attrs, outcome, produced, option))
        _ = kept
    return out


def _which_stay(ops: list[MlirOp], lines: list[str], staying: int) -> set[MlirOp]:
    """Which of a function's ops of one kind its CHECK lines keep: matched by operand types
    where the CHECK line shows them, else the last ones (tests write the legal case first)."""
    if staying == 0:
        return set()
    left = list(ops)
    chosen: set[MlirOp] = set()
    for text in lines:
        sig = re.search(r":\s*\((.*)\)\s*->", text)
        if not sig:
            continue
        want = "".join(sig.group(1).split())
        for op in left:
            have = "".join(",".join(_type_text(t) for t in op.inputs).split())
            if have and have == want:
                chosen.add(op)
                left.remove(op)
                break
    for op in reversed(left):
        if len(chosen) >= staying:
            break
        chosen.add(op)
    return chosen


def _type_text(t: TensorType) -> str:
    return t.dtype + ("" if t.shape is None else "x".join(str(d) for d in t.shape))


# -- oplint's prediction for a test function ---------------------------------------------------
def model_of(fn: Function) -> Model:
    """The function as oplint's SavedModel reader would give it: TF ops, constants folded into
    constant tensors, everything else (TFL ops already in the test) left out."""
    tensors: list[Tensor] = []
    index: dict[str, int] = {}
    scalars: dict[tuple[int, int], float] = {}

    def tensor(name: str, ttype: TensorType, const: bool = False) -> int:
        if name in index:
            return index[name]
        index[name] = len(tensors)
        tensors.append(Tensor(len(tensors), name, ttype.dtype, ttype.shape, ttype.shape, is_const=const))
        return index[name]

    for name, ttype in fn.args:
        tensor(name, ttype)
    ops: list[Op] = []
    for op in fn.ops:
        known = [index.get(o) for o in op.operands]
        # a constant, or an op of constants only (folded, as the SavedModel reader marks it)
        value = op.name in CONSTANTS
        const = value or (
            bool(known)
            and all(i is not None and tensors[i].is_const for i in known)
            and not any(m in op.name for m in ("Random", "Variable", "Table", "TensorList", "While", "If"))
        )
        results = [
            tensor(r, op.outputs[i] if i < len(op.outputs) else TensorType("?", None), const)
            for i, r in enumerate(op.results)
        ]
        if value and op.value is not None and len(results) == 1:
            shape = tensors[results[0]].shape
            if shape is not None and all(d == 1 for d in shape):
                scalars[(0, results[0])] = op.value
        if value or not op.name.startswith("tf."):
            continue
        ins = tuple(
            index[o] if o in index else tensor(o, op.inputs[i] if i < len(op.inputs) else TensorType("?", None))
            for i, o in enumerate(op.operands)
        )
        ops.append(
            Op(
                0,
                len(ops),
                op.name[3:],
                inputs=ins,
                outputs=tuple(results),
                options=_attrs(op.attrs),
                name=f"{fn.name}/{op.line}",
            )
        )
    graph = Graph(0, fn.name, tuple(ops), tuple(tensors))
    return Model(fn.name, "savedmodel", (graph,), scalars=scalars)


def _attrs(text: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in re.findall(r"(\w+)\s*=\s*(\"[^\"]*\"|[\w.+-]+)", text):
        out[key] = value.strip('"')
    return out


@cache
def predicted(file: str) -> list[tuple[Case, Prediction, frozenset[str]]]:
    """Each case of a file with oplint's prediction and the builtins oplint predicts for the
    other TF ops of its function (what the CHECK lines may show on their behalf)."""
    lines = sources.read(LITERT.key, TESTS + file) or []
    kind, option = FILES.get(file, ("legalize", "unknown pass"))
    out = []
    for fn in functions(lines):
        found = _function_cases(file, kind, option, fn)
        if not found:
            continue
        model = model_of(fn)
        preds = {op.name: (op, p) for _, op, p in predictions(model)}
        for case in found:
            here = preds.get(f"{fn.name}/{case.line}")
            if here is None:
                continue
            others: set[str] = set()
            for name, (op, p) in preds.items():
                if name != f"{fn.name}/{case.line}" and op.kind != case.op:
                    others |= set(p.builtins) | set(p.row.builtins if p.row else ())
            out.append((case, here[1], frozenset(others)))
    return out


# -- comparison --------------------------------------------------------------------------------
def resolved(tf_op: str) -> frozenset[str] | None:
    """The builtins the table says a TF op ends as (None: it stays TF)."""
    row = table().get(tf_op)
    if row is None or row.fate not in (BUILTIN, PLUMBING):
        return None
    return frozenset(row.builtins)


def compare(case: Case, pred: Prediction, others: frozenset[str], legalized_types: set[tuple[str, str]]) -> Verdict:
    """Does oplint's prediction say what the test shows?

    * became TFL ops: oplint predicts builtins and one of them (or of the table row, before a
      later pass renames it) is among those the CHECK lines show; or oplint predicts nothing
      (plumbing) and every TFL op shown is one oplint predicts for another op of the function;
    * stays TF: oplint predicts Select TF or not convertible, or a builtin whose row is marked
      conditional when the same op with the same types is legalized elsewhere (the condition is
      on attributes or values, not types);
    * lowered into TF ops: oplint's builtins are among what the table says those TF ops become
      (or, when one of them stays TF, oplint does not predict builtins);
    * removed: oplint predicts plumbing or builtins.

    A case whose TFL ops are all explained by the function's other ops, and whose own predicted
    builtins the CHECK lines do not mention, is "unchecked" (FileCheck matches only what is written).
    """
    fate, got = pred.fate, set(pred.builtins)
    row_b = set(pred.row.builtins) if pred.row is not None else set()
    if case.outcome == "tfl":
        shown = {b for b in case.produced if not b.startswith("tf.")}
        via: set[str] = set()
        for m in case.produced:
            if m.startswith("tf."):
                via |= set(resolved(m[3:]) or ())
        own = shown - HELPERS - others
        if fate == BUILTIN and ((got | row_b) & (shown | via) or not got):
            return Verdict(case, pred, True, "")
        if fate == PLUMBING and not own:
            return Verdict(case, pred, True, "")
        if not own and fate == BUILTIN:
            return Verdict(case, pred, True, "unchecked")
        main = sorted(own or (shown - HELPERS) or shown)
        return Verdict(case, pred, False, f"becomes {', '.join(main)}; oplint: {_say(pred)}")
    if case.outcome == "tf":
        if fate not in (BUILTIN, PLUMBING):
            return Verdict(case, pred, True, "")
        row = pred.row
        conditional = row is not None and bool(row.conditional or row.when)
        if conditional and (case.op, case.types) in legalized_types:
            return Verdict(case, pred, True, "")
        return Verdict(case, pred, False, f"stays TF; oplint: {_say(pred)}")
    if case.outcome == "lowered":
        want: set[str] = set()
        stays = []
        for m in case.produced:
            b = resolved(m)
            if b is None and m in table():
                stays.append(m)
            want |= set(b or ())
        if stays:
            if fate not in (BUILTIN, PLUMBING):
                return Verdict(case, pred, True, "")
            return Verdict(
                case,
                pred,
                False,
                f"lowered to {', '.join(sorted(case.produced))} ({', '.join(stays)} stay TF); oplint: {_say(pred)}",
            )
        if fate == PLUMBING or (fate == BUILTIN and ((got | row_b) & want or not want)):
            return Verdict(case, pred, True, "")
        return Verdict(case, pred, False, f"lowered to {', '.join(sorted(case.produced))}; oplint: {_say(pred)}")
    if case.outcome == "untouched":
        return Verdict(case, pred, True, "untouched")
    if fate in (BUILTIN, PLUMBING):
        return Verdict(case, pred, True, "")
    return Verdict(case, pred, False, f"removed by the pass; oplint: {_say(pred)}")


def _say(pred: Prediction) -> str:
    if pred.fate == BUILTIN:
        return ", ".join(pred.builtins) or "builtin"
    return pred.fate + (f" [{pred.reason}]" if pred.reason else "")


def verdicts(files: Iterable[str] | None = None) -> list[Verdict]:
    """Every case of the default pipeline's tests compared with oplint (cases of non-default
    options, and ops that are not TF ops, left out)."""
    found: list[tuple[Case, Prediction, frozenset[str]]] = []
    for file in files if files is not None else test_files():
        found += predicted(file)
    legal = {(c.op, c.types) for c, _, _ in found if c.outcome in ("tfl", "lowered") and c.option is None}
    return [compare(c, p, o, legal) for c, p, o in found if c.option is None and c.op in table()]


def main() -> int:
    if not available():
        print("no checkout of the pinned LiteRT")
        return 1
    files = test_files()
    every: list[Case] = []
    for f in files:
        every += cases(f)
    by_file = Counter(c.file for c in every)
    skipped = Counter(c.file for c in every if c.option is not None)
    unknown = Counter(c.op for c in every if c.op not in table())
    results = verdicts(files)
    print(
        f"{len(every)} cases in {len(files)} files; {sum(skipped.values())} test non-default options; "
        f"{sum(unknown.values())} are not TF ops ({', '.join(sorted(unknown))})"
    )
    for f in files:
        mine = [v for v in results if v.case.file == f]
        print(
            f"  {f}: {by_file[f]} cases, {len(mine)} compared, {sum(v.agree for v in mine)} agree"
            + (f" (option: {FILES[f][1]})" if FILES.get(f, ("", None))[1] else "")
        )
    bad = [v for v in results if not v.agree]
    loose = Counter(v.why for v in results if v.agree and v.why)
    print(f"compared {len(results)}: agree {len(results) - len(bad)} (of which {dict(loose)}), disagree {len(bad)}")
    for v in bad:
        print(f"  {v.case.where} {v.case.op}{v.case.types}: {v.why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
