#!/usr/bin/env python3
"""Generate ``rules/tflm/resolver.json``: TensorFlow Lite Micro's op resolver, as data.

Read from the pinned tensorflow/tflite-micro commit (``scripts/_sources.py``):

* ``methods``: every ``AddXxx()`` method of ``micro_mutable_op_resolver.h`` (line), the builtin
  or custom op it registers, its default registration function and, for builtins, the parse
  function it hands to ``AddBuiltin`` (which decides the op-parameter struct allocated in the
  arena's tail).
* ``specialized``: every ``Register_<OP>_<VARIANT>()`` (``_INT8``, ``_INT16``, ``_INT4``,
  ``_INT8_INT16``, ``_INT8REF``, ...) the kernel headers declare: where, under which
  preprocessor condition a build has a *separate* kernel for it, what the reference build makes
  of it (an inline alias of the generic registration: it accepts everything the generic kernel
  accepts), and each optimized implementation found in the vendor kernel directories
  (``cmsis_nn``, ``xtensa``, ...): file, line, the Init/Prepare/Eval functions it registers and
  the tensor types its Eval function checks for.
* ``errors``: the messages the runtime prints when a resolver's ``N`` is too small, when an op is
  registered twice, and when the model needs an op the resolver lacks (file:line of each).

    python scripts/gen_tflm_resolver_table.py --tflm PATH_TO_TFLITE_MICRO_CLONE_OR_MIRROR

Only facts (names, lines, type names, message texts) are taken from the sources.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from _sources import RULES, TFLM, TFLM_KERNELS, TFLM_RESOLVER_H
from gen_tflm_target import parse_resolver, strip_comments

OP_RESOLVER_CC = "tensorflow/lite/micro/micro_op_resolver.cc"
INTERPRETER_CC = "tensorflow/lite/micro/micro_interpreter.cc"
VARIANT = re.compile(
    r"\bTFLMRegistration\s+(Register_([A-Z0-9_]+?)_(INT8_INT16|INT8REF|INT16|INT8|INT4|FLOAT32))\s*\(\s*\)"
)
TYPE = re.compile(r"kTfLite(Int8|Int16|Int4|Int32|Int64|Float32|UInt8|Bool)\b")


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def conditions(text: str, pos: int) -> list[str]:
    """The #if/#ifdef/#else conditions enclosing ``pos`` (outermost first)."""
    stack: list[str] = []
    for m in re.finditer(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$", text[:pos], re.M):
        kind, rest = m.group(1), m.group(2).strip()
        if kind in ("if", "ifdef", "ifndef"):
            cond = rest if kind == "if" else (f"defined({rest})" if kind == "ifdef" else f"!defined({rest})")
            stack.append(cond)
        elif kind == "elif" and stack:
            stack[-1] = f"!({stack[-1]}) && ({rest})"
        elif kind == "else" and stack:
            stack[-1] = f"!({stack[-1]})"
        elif kind == "endif" and stack:
            stack.pop()
    return [c for c in stack if not c.startswith("!defined(TENSORFLOW_LITE_")]  # drop include guards


def function_body(text: str, name: str) -> tuple[int, str] | None:
    """(line, body) of the first definition of function ``name`` in ``text``."""
    m = re.search(rf"^[\w:<>\*& ]*\b{name}\s*\([^;{{]*\)\s*(?:const\s*)?\{{", text, re.M)
    if not m:
        return None
    depth, i = 0, m.end() - 1
    while i < len(text):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return line_of(text, m.start()), text[m.end() : i]
        i += 1
    return None


def methods(src_text: str) -> list[dict]:
    clean = strip_comments(src_text)
    parsers = {}
    for m in re.finditer(r"TfLiteStatus\s+(Add\w+)\s*\(.*?\)\s*\{(.*?)\n  \}", clean, re.S):
        p = re.search(r"AddBuiltin\(\s*BuiltinOperator_\w+\s*,[^;]*?,\s*(?:tflite::)?(Parse\w+)\s*\)", m.group(2), re.S)
        if p:
            parsers[m.group(1)] = p.group(1)
    out = []
    for reg in parse_resolver(src_text):
        row = {"method": reg.method, "line": reg.line, "kind": reg.kind, "op": reg.name, "default": reg.register_fn}
        if reg.kind == "builtin":
            row["parser"] = parsers.get(reg.method)
        out.append(row)
    return out


def specialized(src, paths: list[str]) -> list[dict]:
    headers = [p for p in paths if p.endswith(".h") and p.count("/") == TFLM_KERNELS.count("/") + 1]
    vendor = [p for p in paths if p.endswith(".cc") and p.count("/") == TFLM_KERNELS.count("/") + 2]
    out: dict[str, dict] = {}
    for h in headers:
        text = src.show(h)
        for m in VARIANT.finditer(text):
            fn, op, variant = m.group(1), m.group(2), m.group(3)
            entry = out.setdefault(
                fn, {"function": fn, "op": op, "variant": variant, "declared": [], "implementations": []}
            )
            after = text[m.end() : m.end() + 200]
            inline = re.match(r"\s*\{\s*return\s+(?:tflite::)?(Register_\w+)\(\)", after)
            where = {
                "file": h,
                "line": line_of(text, m.start()),
                "when": " && ".join(conditions(text, m.start())) or "always",
            }
            if inline:
                where["alias_of"] = inline.group(1)
            entry["declared"].append(where)
    for v in vendor:
        text = src.show(v)
        for m in VARIANT.finditer(text):
            fn = m.group(1)
            if fn not in out:
                continue
            after = text[m.end() : m.end() + 300]
            reg = re.search(r"RegisterOp\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)", after)
            impl: dict = {"file": v, "line": line_of(text, m.start())}
            if reg:
                impl.update(init=reg.group(1), prepare=reg.group(2), eval=reg.group(3))
                body = function_body(text, reg.group(3))
                if body:
                    impl["eval_line"] = body[0]
                    # the kTfLite<Type> names the Eval function itself tests (its Prepare may check more)
                    impl["eval_mentions"] = sorted(set(TYPE.findall(body[1])))
            else:
                alias = re.match(r"\s*\{\s*return\s+(?:tflite::)?(Register_\w+)\(\)", after)
                if alias:
                    impl["alias_of"] = alias.group(1)
            out[fn]["implementations"].append(impl)
    return [out[k] for k in sorted(out)]


def message(src, path: str, pattern: str) -> dict:
    text = src.show(path)
    m = re.search(pattern, text)
    if not m:
        raise SystemExit(f"message {pattern!r} not found in {path}")
    return {"file": path, "line": line_of(text, m.start()), "text": m.group(0)}


def errors(src) -> dict:
    h = TFLM_RESOLVER_H
    return {
        "builtin_resolver_full": {
            "printed": [
                message(src, h, r'"Couldn\'t register builtin op #%d, resolver size "'),
                message(src, h, r'"is too small \(%d\)\."'),
            ],
            "shown_as": "Couldn't register builtin op #<opcode number>, resolver size \\r\\nis too small (<N>).",
            "note": "the Add call returns kTfLiteError; the op stays unregistered, so AllocateTensors "
            "then fails with the missing-op message below",
        },
        "custom_resolver_full": {
            "printed": [
                message(src, h, r'"Couldn\'t register custom op \'%s\', resolver size is too"\s*"small \(%d\)"')
            ],
            "shown_as": "Couldn't register custom op '<name>', resolver size is toosmall (<N>)",
            "note": "two adjacent string literals without a space: the runtime prints 'toosmall'",
        },
        "builtin_registered_twice": {
            "printed": [
                message(src, h, r'"Calling AddBuiltin with the same op more than "'),
                message(src, h, r'"once is not supported \(Op: #%d\)\."'),
            ]
        },
        "builtin_missing": {
            "printed": [
                message(src, OP_RESOLVER_CC, r'"Didn\'t find op for builtin opcode \'%s\'"'),
                message(src, INTERPRETER_CC, r'"Failed to get registration from op code %s\\n "'),
            ],
            "shown_as": "Didn't find op for builtin opcode '<OP>' then Failed to get registration from op code <OP>",
        },
        "custom_missing": {
            "printed": [message(src, INTERPRETER_CC, r'"Failed to get registration from op code %s\\n "')],
            "shown_as": "Failed to get registration from op code CUSTOM",
            "note": "micro_op_resolver.cc reports nothing for an unknown custom op (its comment: the "
            "final check is made while preparing ops); the interpreter names only CUSTOM",
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tflm", type=Path, required=True, help="a clone (or bare mirror) of tensorflow/tflite-micro")
    args = ap.parse_args()

    class Src:
        def show(self, path: str) -> str:
            return TFLM.show(args.tflm, path)

    src = Src()
    paths = TFLM.ls(args.tflm, TFLM_KERNELS + "/")
    table = {
        "provenance": {
            "generator": "scripts/gen_tflm_resolver_table.py",
            "repo": TFLM.repo,
            "commit": TFLM.commit,
            "paths": [TFLM_RESOLVER_H, f"{TFLM_KERNELS}/*.h", f"{TFLM_KERNELS}/*/*.cc", OP_RESOLVER_CC, INTERPRETER_CC],
        },
        "methods": methods(src.show(TFLM_RESOLVER_H)),
        "specialized": specialized(src, paths),
        "errors": errors(src),
        "notes": [
            "MicroPrintf ends every call with \\r\\n (micro_log.cc VMicroPrintf), so a message printed "
            "by two calls appears on two lines",
            "the suffix of a specialized registration names the tensor type its separate kernel takes "
            "(INT8: int8 activations and weights; INT16: int16 activations, int8 weights; INT4: int8 "
            "activations, int4 packed weights; INT8_INT16: int8 input, int16 output; INT8REF: the int8 "
            "reference implementation); where a build has no separate kernel the name is an inline "
            "alias of the generic registration and accepts everything it accepts",
        ],
    }
    out = RULES / "tflm" / "resolver.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(table, indent=1) + "\n")
    n_b = sum(m["kind"] == "builtin" for m in table["methods"])
    print(
        f"{len(table['methods'])} Add methods ({n_b} builtins), {len(table['specialized'])} specialized "
        f"registrations -> {out.relative_to(RULES.parent)}"
    )


if __name__ == "__main__":
    main()
