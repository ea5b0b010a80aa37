"""Just enough of MLIR's generic op syntax to read the converter's lit tests (no MLIR needed).

A lit test is a ``.mlir`` file of functions whose ``CHECK`` comments say what a pass makes of
them.  :func:`functions` splits a file into functions, each with the ops of its body (name,
operands, results, their tensor types) and the ``CHECK`` lines FileCheck matches against it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: MLIR element types -> oplint dtype names (the names the SavedModel reader gives TF dtypes)
ELEMENT = {
    "f16": "float16",
    "bf16": "bfloat16",
    "f32": "float32",
    "f64": "float64",
    "i1": "bool",
    "i4": "int4",
    "i8": "int8",
    "i16": "int16",
    "i32": "int32",
    "i64": "int64",
    "ui8": "uint8",
    "ui16": "uint16",
    "ui32": "uint32",
    "ui64": "uint64",
    "complex<f32>": "complex64",
    "complex<f64>": "complex128",
    "!tf_type.string": "string",
    "!tf_type.quint8": "quint8",
    "!tf_type.qint8": "qint8",
    "!tf_type.qint32": "qint32",
    "!tf_type.quint16": "quint16",
    "!tf_type.qint16": "qint16",
}


class TensorType(NamedTuple):
    dtype: str  #: oplint name; "resource", "variant", "quantized" (a !quant type), or "?" (not a tensor)
    shape: tuple[int, ...] | None  #: None: unranked; -1: a dynamic dimension


class MlirOp(NamedTuple):
    name: str  #: "tf.AddV2", "tfl.add", "arith.constant"
    line: int  #: 1-based line of the file
    results: tuple[str, ...]  #: SSA names ("%0", "%values#1" is "%values" with index 1)
    operands: tuple[str, ...]
    inputs: tuple[TensorType, ...]  #: operand types, from the trailing type signature
    outputs: tuple[TensorType, ...]
    attrs: str  #: the attribute dictionaries, verbatim
    value: float | None = None  #: a constant's value, when it is one number (``dense<0>``)


class Function(NamedTuple):
    name: str
    line: int
    end: int
    args: tuple[tuple[str, TensorType], ...]
    ops: tuple[MlirOp, ...]
    checks: tuple[tuple[int, str, str], ...]  #: (line, directive "CHECK"/"CHECK-NEXT"/..., text) for one prefix
    check_nots: tuple[tuple[int, str], ...]


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside <>, (), [], {} and quotes."""
    out, depth, cur, quote = [], 0, [], False
    for ch in text:
        if ch == '"':
            quote = not quote
        elif not quote and ch in "<([{":
            depth += 1
        elif not quote and ch in ">)]}" and depth:
            depth -= 1
        if ch == sep and depth == 0 and not quote:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def tensor_type(text: str) -> TensorType:
    text = text.strip()
    m = re.match(r"tensor<(.*)>$", text, re.S)
    if not m:
        return TensorType(ELEMENT.get(text, "?"), () if text in ELEMENT else None)
    body = m.group(1)
    if body.startswith("*x"):
        return TensorType(_element(body[2:]), None)
    dims: list[int] = []
    while True:
        d = re.match(r"(\d+|\?)x", body)
        if not d:
            break
        dims.append(-1 if d.group(1) == "?" else int(d.group(1)))
        body = body[d.end() :]
    return TensorType(_element(body), tuple(dims))


def _element(text: str) -> str:
    text = text.strip()
    if text.startswith("!tf_type.resource"):
        return "resource"
    if text.startswith("!tf_type.variant"):
        return "variant"
    if text.startswith("!quant."):
        return "quantized"
    return ELEMENT.get(text, "?")


def _types(text: str) -> tuple[TensorType, ...]:
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return tuple(tensor_type(t) for t in split_top(text) if t)


_OP = re.compile(r'^\s*(?:(?P<res>%[\w#:, %]+?)\s*=\s*)?"?(?P<name>(?:tf|tfl|arith|func|stablehlo)\.\w+)"?')


def _signature(text: str) -> tuple[tuple[TensorType, ...], tuple[TensorType, ...]]:
    """The ``: (inputs) -> outputs`` (or ``: type``) at the end of an op."""
    parts = split_top(text, ":")
    if len(parts) < 2:
        return (), ()
    sig = parts[-1].strip()
    if "->" in sig:
        left, _, right = sig.partition("->")
        return _types(left), _types(right)
    return (), _types(sig)


def parse_op(text: str, line: int) -> MlirOp | None:
    m = _OP.match(text)
    if not m:
        return None
    results: list[str] = []
    for r in (m.group("res") or "").split(","):
        r = r.strip()
        if not r:
            continue
        base, _, count = r.partition(":")
        if count.strip().isdigit():
            results += [f"{base}#{i}" for i in range(int(count))]
        else:
            results.append(r)
    rest = text[m.end() :]
    operands: tuple[str, ...] = ()
    if rest.startswith("("):
        inner = split_top(rest[1:].split(")", 1)[0] if ")" in rest else rest[1:])
        operands = tuple(o for o in inner if o.startswith("%"))
    elif m.group("name").startswith(("tfl.", "arith.")):
        operands = tuple(re.findall(r"%[\w#]+", rest.split("{")[0].split(":")[0]))
    attrs = " ".join(re.findall(r"<?\{.*?\}>?", rest))
    ins, outs = _signature(rest)
    number = re.search(r"dense<\s*\[*\s*(-?[\d.]+(?:e[+-]?\d+)?|true|false)\s*\]*\s*>", rest)
    value = None
    if number:
        text = number.group(1)
        value = 1.0 if text == "true" else 0.0 if text == "false" else float(text)
    return MlirOp(m.group("name"), line, tuple(results), operands, ins, outs, attrs, value)


_CHECK = re.compile(r"//\s*(?P<prefix>[A-Z][A-Z0-9_]*)(?P<kind>-LABEL|-NEXT|-DAG|-SAME|-NOT|-COUNT-\d+)?:(?P<text>.*)")
_FUNC = re.compile(r"^\s*func\.func\s+(?:private\s+)?@(?P<name>[\w.$-]+)\((?P<args>.*?)\)\s*(->|attributes|\{|$)")


def functions(lines: list[str], prefix: str = "CHECK") -> list[Function]:
    """The functions of a lit test with the CHECK lines (of ``prefix``) that test each."""
    funcs: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    depth = 0
    pending = ""
    pending_line = 0
    labels: list[tuple[int, str]] = []
    splits = [i for i, text in enumerate(lines, 1) if text.startswith("// -----")]
    checks: list[tuple[int, str, str]] = []
    for number, raw in enumerate(lines, 1):
        m = _CHECK.search(raw)
        if m and m.group("prefix") == prefix:
            kind = prefix + (m.group("kind") or "")
            if kind.endswith("-LABEL"):
                labels.append((number, m.group("text").strip()))
            checks.append((number, kind, m.group("text")))
        code = _strip_comment(raw)
        if current is None:
            f = _FUNC.match(code)
            if f:
                args = []
                for a in split_top(f.group("args")):
                    name, _, rest = a.partition(":")
                    ttype = rest.split("{")[0].strip()
                    args.append((name.strip(), tensor_type(ttype)))
                current = {"name": f.group("name"), "line": number, "args": tuple(args), "ops": []}
                depth = code.count("{") - code.count("}")
                if depth <= 0 and "{" not in code:
                    depth = 0
                continue
            continue
        depth += code.count("{") - code.count("}")
        stripped = code.strip()
        block = re.match(r"\^bb\d+\((.*)\)\s*:?$", stripped)
        if block and not pending:  # block arguments: names for the function's (or a region's) inputs
            for a in split_top(block.group(1)):
                name, _, rest = a.partition(":")
                current["args"] = (*current["args"], (name.strip(), tensor_type(rest.strip())))  # type: ignore[misc]
            continue
        if stripped:
            text = (pending + " " + stripped) if pending else stripped
            start = pending_line if pending else number
            if _needs_more(text):
                pending, pending_line = text, start
            else:
                pending = ""
                op = parse_op(text, start)
                if op is not None:
                    current["ops"].append(op)  # type: ignore[attr-defined]
        if depth <= 0:
            current["end"] = number
            funcs.append(current)
            current = None
            pending = ""
    out = []
    bounds = sorted({0, *splits, len(lines) + 1})
    for fn in funcs:
        mine = _checks_of(fn, funcs, labels, checks, bounds)
        out.append(
            Function(
                name=str(fn["name"]),
                line=int(fn["line"]),  # type: ignore[call-overload]
                end=int(fn["end"]),  # type: ignore[call-overload]
                args=fn["args"],  # type: ignore[arg-type]
                ops=tuple(fn["ops"]),  # type: ignore[call-overload]
                checks=tuple(c for c in mine if not c[1].endswith("-NOT")),
                check_nots=tuple((n, t) for n, k, t in mine if k.endswith("-NOT")),
            )
        )
    return out


def _strip_comment(raw: str) -> str:
    quote = False
    for i, ch in enumerate(raw):
        if ch == '"':
            quote = not quote
        elif not quote and raw.startswith("//", i):
            return raw[:i]
    return raw


def _needs_more(text: str) -> bool:
    """An op continues on the next line until its brackets close and its type signature is there."""
    depth = 0
    for ch in text.replace("->", "  "):
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>" and depth:
            depth -= 1
    if text.rstrip().endswith(":"):
        return True  # the type signature is on the next line
    return depth > 0 and not text.rstrip().endswith("{")


def _label_function(label: str, names: list[str]) -> str | None:
    text = re.sub(r"^(func\.func|func)\s+", "", label.strip()).lstrip("@")
    m = re.match(r"[\w.$-]+", text)
    if not m:
        return None
    word = m.group(0)
    if word in names:
        return word
    starts = [n for n in names if n.startswith(word)]
    return starts[0] if len(starts) == 1 else None


def _checks_of(
    fn: dict[str, object],
    funcs: list[dict[str, object]],
    labels: list[tuple[int, str]],
    checks: list[tuple[int, str, str]],
    bounds: list[int],
) -> list[tuple[int, str, str]]:
    """The CHECK lines that test ``fn``: those inside its body, and those of the regions its
    labels start (a CHECK-LABEL, or a CHECK naming ``func @NAME``, up to the next label or split;
    a label belongs to the function whose body holds it, else to the one it names)."""
    names = [str(f["name"]) for f in funcs]
    spans = [(int(f["line"]), int(f["end"]), str(f["name"])) for f in funcs]  # type: ignore[call-overload]
    me = int(fn["line"])  # type: ignore[call-overload]

    def body_of(n: int) -> int | None:
        return next((lo for lo, hi, _ in spans if lo <= n <= hi), None)

    def named(name: str, near: int) -> int | None:
        """The function of that name, the nearest one above ``near`` when several share it."""
        starts = [lo for lo, _, n in spans if n == name]
        above = [lo for lo in starts if lo <= near]
        return max(above) if above else (min(starts) if starts else None)

    heads = sorted({*labels, *((n, t) for n, _, t in checks if re.search(r"func @[\w.$-]+", t))})
    head_lines = [n for n, _ in heads]
    owner: dict[int, int] = {}
    for start, text in heads:
        nexts = [n for n in head_lines if n > start] + [b for b in bounds if b > start]
        stop = min(nexts) if nexts else 10**9
        found = re.search(r"func @([\w.$-]+)", text)
        name = found.group(1) if found and found.group(1) in names else _label_function(text, names)
        who = body_of(start) or (named(name, stop) if name else None)
        for n, _, _ in checks:
            if start <= n < stop and who is not None:
                owner[n] = who
    for n, _, _ in checks:
        inside = body_of(n)
        if inside is not None:
            owner[n] = inside
    if not heads:  # a file without labels checks the whole output at once
        return list(checks)
    mine = [c for c in checks if owner.get(c[0]) == me]
    if mine:
        return mine
    # CHECK lines no label or body claims, in a split chunk that holds only this function
    lo = max(b for b in bounds if b < me)
    hi = min(b for b in bounds if b > me)
    if sum(1 for start, _, _ in spans if lo < start < hi) == 1:
        return [c for c in checks if lo < c[0] < hi and c[0] not in owner]
    return []
