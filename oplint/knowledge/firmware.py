"""A firmware's TensorFlow Lite Micro op resolver, read from its C/C++ source without compiling it.

    fw = read_resolver([Path("src/model_ops.cc")])
    fw.resolvers[0].capacity, [r.op for r in fw.resolvers[0].registrations]

What is read:

* **declarations** of ``MicroMutableOpResolver<N>``: variables, members, function parameters,
  ``using``/``typedef`` aliases and the variables of those types; ``N`` as a literal, a
  ``constexpr``/``const``/``static constexpr`` constant, an ``enum`` value or a ``#define``, or a
  small arithmetic expression of those.  ``AllOpsResolver`` (older TFLM and the Arduino library)
  registers every kernel of its build.
* **registrations**: ``obj.AddConv2D(...)``, ``ptr->AddConv2D(...)``, ``this->m.AddConv2D()``,
  wherever they are (helper functions that receive the resolver, ``TF_LITE_ENSURE_STATUS(...)``,
  ``if (... != kTfLiteOk)``, the bodies of macros), with their argument: a specialized
  registration (``tflite::Register_FULLY_CONNECTED_INT8()``), the default one, or the firmware's
  own kernel; ``AddCustom("name", ...)`` (the name a string literal, a string constant or a
  ``#define``), ``AddBuiltin(BuiltinOperator_X, ...)`` and ``AddEthosU()``.  A call is attributed
  to the resolver its receiver was declared as (the nearest earlier declaration of that name in
  the file, else one in another file read); calls on a receiver whose type is not visible (a
  template parameter, a macro parameter) go to the only resolver declared, when there is one.
* **the preprocessor**: comments are dropped; ``#if``/``#ifdef``/``#ifndef``/``#elif``/``#else``
  are evaluated with the macros the files ``#define`` plus ``defines`` (everything else is
  undefined), and the branches not taken are read too, so that findings can say what the
  assumption was and what the other branch holds (``Firmware.assumed``, ``Resolver.alternatives``,
  ``Firmware.inactive``).

Nothing is executed or expanded beyond that; the order of registrations is their order in the
files as given (the order a resolver fills its ``N`` slots in when each call runs once).  Input is
bounded (``MAX_FILE_BYTES`` per file, ``MAX_FILES``), every scan is linear or bounded, and bad
input raises :class:`ResolverError` (a one-line message), never anything else.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from .tflm_resolver import ETHOS_U_CUSTOM, table

MAX_FILE_BYTES = 4 << 20  #: a resolver source larger than this is refused
MAX_FILES = 64
_MAX_ARGS = 2000  #: characters of a call's argument list that are read
_MAX_EXPR_DEPTH = 32


class ResolverError(ValueError):
    """A resolver source that cannot be read (a usage error: exit status 2)."""


class Registration(NamedTuple):
    op: str  #: builtin name (``CONV_2D``) or custom code (``SignalWindow``, ``ethos-u``, your name)
    kind: str  #: "builtin" | "custom"
    method: str  #: ``AddConv2D``, ``AddCustom``, ``AddBuiltin``
    file: str
    line: int
    kernel: str | None = None  #: the registration passed (``Register_CONV_2D_INT8``); None: the default
    variant: str | None = None  #: specialized variant of TFLM's (``INT8``) when ``kernel`` is one
    conditions: tuple[str, ...] = ()  #: preprocessor conditions it sits under (as assumed true)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def own_kernel(self) -> bool:
        """The firmware passes a registration that is neither TFLM's default nor a specialized one."""
        return self.kernel is not None and self.variant is None


class Resolver(NamedTuple):
    """One resolver type of the firmware and what is registered on it, in order."""

    name: str  #: how the source names it (alias, variable or the template itself)
    capacity: int | None  #: N (None: AllOpsResolver, or N could not be evaluated)
    capacity_text: str  #: N as written (``kNumberOperators``)
    file: str
    line: int
    registrations: tuple[Registration, ...] = ()  #: every Add call, in order (duplicates included)
    all_ops: bool = False  #: AllOpsResolver: every kernel of the build
    #: N under preprocessor branches not taken: (condition, N as written, value or None)
    alternatives: tuple[tuple[str, str, int | None], ...] = ()
    unknown_methods: tuple[str, ...] = ()  #: Add... calls on it that TFLM's resolver does not have

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def label(self) -> str:
        if self.all_ops:
            return f"AllOpsResolver ({self.where})"
        n = (
            self.capacity_text
            if self.capacity is None or self.capacity_text == str(self.capacity)
            else (f"{self.capacity_text} = {self.capacity}")
        )
        alias = f"{self.name} = " if self.name and not self.name.startswith("MicroMutableOpResolver") else ""
        return f"{alias}MicroMutableOpResolver<{n}> ({self.where})"

    def distinct(self) -> list[Registration]:
        """The registrations that take a slot: the first of each op, in order."""
        seen: set[tuple[str, str]] = set()
        out = []
        for r in self.registrations:
            key = (r.kind, r.op)
            if key not in seen:
                seen.add(key)
                out.append(r)
        return out

    def effective(self) -> dict[tuple[str, str], Registration]:
        """(kind, op) -> registration, for the ops that fit in N (the Add calls after the Nth fail)."""
        regs = self.distinct()
        if self.capacity is not None:
            regs = regs[: self.capacity]
        return {(r.kind, r.op): r for r in regs}

    def overflow(self) -> list[Registration]:
        """Registrations the runtime refuses because the resolver is full (beyond the first N)."""
        if self.capacity is None:
            return []
        return self.distinct()[self.capacity :]


class Firmware(NamedTuple):
    files: tuple[str, ...]
    resolvers: tuple[Resolver, ...]
    assumed: tuple[str, ...] = ()  #: preprocessor assumptions that decided what was read ("ETHOS_U undefined")
    inactive: tuple[Registration, ...] = ()  #: registrations in branches not taken (their condition)
    notes: tuple[str, ...] = ()  #: what was read but not understood

    @property
    def label(self) -> str:
        return ", ".join(self.files)

    def summary(self) -> dict[str, object]:
        """A plain description (what tests pin and ``--output-format json`` could carry)."""
        return {
            "resolvers": [
                {
                    "name": r.name,
                    "N": r.capacity,
                    "N_text": r.capacity_text,
                    "where": r.where,
                    "all_ops": r.all_ops,
                    "ops": [x.op for x in r.registrations],
                    "kernels": {x.op: x.kernel for x in r.registrations if x.kernel},
                    "alternatives": [list(a) for a in r.alternatives],
                }
                for r in self.resolvers
            ],
            "assumed": list(self.assumed),
            "inactive": [f"{x.op} ({' && '.join(x.conditions)})" for x in self.inactive],
            "notes": list(self.notes),
        }


# --- lexing --------------------------------------------------------------------------------


def strip_comments(text: str) -> str:
    """``text`` with comments blanked (newlines kept, so offsets and lines are unchanged); string
    and character literals are kept as they are."""
    out: list[str] = []
    i, n = 0, len(text)
    start = 0
    while i < n:
        c = text[i]
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            out.append(text[start:i])
            j = i
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    j += 1  # a line comment continued by a backslash
                j += 1
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = start = j
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            out.append(text[start:i])
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = start = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    out.append(text[start:])
    return "".join(out)


_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(\w+)(.*)$")
_DEFINE = re.compile(r"^\s*([A-Za-z_]\w*)(\([^)]*\))?(.*)$", re.S)


class _Line(NamedTuple):
    start: int  #: offset of the logical line in the file
    end: int
    number: int  #: 1-based line of its start


def _logical_lines(text: str) -> list[_Line]:
    """Physical lines joined by trailing backslashes."""
    lines: list[_Line] = []
    pos, number = 0, 1
    n = len(text)
    while pos < n:
        end = pos
        first = number
        while True:
            nl = text.find("\n", end)
            if nl < 0:
                end = n
                break
            number += 1
            if nl > 0 and text[nl - 1] == "\\":
                end = nl + 1
                continue
            end = nl + 1
            break
        lines.append(_Line(pos, end, first))
        pos = end
    return lines


class _Cond(NamedTuple):
    text: str  #: the condition this branch's code needs ("defined(ETHOS_U)", "!(defined(ETHOS_U))")
    taken: bool  #: this branch is the one compiled (given the enclosing ones)
    decided: bool  #: some branch of this #if chain was taken
    chain: tuple[str, ...]  #: the conditions of the chain's earlier branches
    raw: str = ""  #: this branch's own condition (#if/#elif), without the chain
    guard: bool = False  #: an include guard (#ifndef X / #define X)


class _Source(NamedTuple):
    path: str
    text: str  #: comments blanked
    code: str  #: active code: directives other than #define bodies and inactive lines blanked
    inactive: str  #: the code of branches not taken (the rest blanked)
    line_starts: list[int]
    #: (start offset, end offset, conditions) of each region with the same conditions
    regions: list[tuple[int, int, tuple[str, ...]]]

    def line(self, pos: int) -> int:
        import bisect

        return bisect.bisect_right(self.line_starts, pos)

    def conditions(self, pos: int) -> tuple[str, ...]:
        for start, end, conds in self.regions:
            if start <= pos < end:
                return conds
        return ()


class _Macros:
    def __init__(self, defines: Iterable[str]) -> None:
        self.values: dict[str, str] = {}
        for d in defines:
            name, _, value = d.partition("=")
            self.values[name.strip()] = value.strip() or "1"
        self.tested: dict[str, int] = {}  #: macro -> first line it decided a branch


_BINARY: dict[str, Callable[[int, int], int]] = {
    "==": lambda a, b: int(a == b),
    "!=": lambda a, b: int(a != b),
    "<": lambda a, b: int(a < b),
    ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b),
    ">=": lambda a, b: int(a >= b),
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "&&": lambda a, b: int(bool(a) and bool(b)),
    "||": lambda a, b: int(bool(a) or bool(b)),
}


def _eval_condition(expr: str, macros: _Macros, line: int) -> bool | None:
    """A #if expression over defined(), integer macros and literals; None if not understood."""
    tokens: list[str] = re.findall(r"defined|\d+[uUlL]*|[A-Za-z_]\w*|&&|\|\||==|!=|<=|>=|[!()<>+\-*]", expr)
    pos = 0

    def peek() -> str:
        return tokens[pos] if pos < len(tokens) else ""

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def primary(depth: int) -> int:
        if depth > _MAX_EXPR_DEPTH:
            raise ValueError("too deep")
        t = take() if pos < len(tokens) else ""
        if t == "!":
            return int(not primary(depth + 1))
        if t == "-":
            return -primary(depth + 1)
        if t == "(":
            v = orexpr(depth + 1)
            if take() != ")":
                raise ValueError(")")
            return v
        if t == "defined":
            paren = peek() == "("
            if paren:
                take()
            name = take()
            if paren and take() != ")":
                raise ValueError(")")
            macros.tested.setdefault(name, line)
            return int(name in macros.values)
        if t and t[0].isdigit():
            return int(t.rstrip("uUlL"))
        if t and (t[0].isalpha() or t[0] == "_"):
            macros.tested.setdefault(t, line)
            value = macros.values.get(t, "0")
            return int(value) if value.isdigit() else 1
        raise ValueError(t)

    def binary(depth: int, ops: tuple[str, ...], sub: Callable[[int], int]) -> int:
        left = sub(depth)
        while peek() in ops:
            left = _BINARY[take()](left, sub(depth))
        return left

    def arith(depth: int) -> int:
        return binary(depth, ("+", "-", "*"), primary)

    def compare(depth: int) -> int:
        return binary(depth, ("==", "!=", "<", ">", "<=", ">="), arith)

    def andexpr(depth: int) -> int:
        return binary(depth, ("&&",), compare)

    def orexpr(depth: int) -> int:
        return binary(depth, ("||",), andexpr)

    try:
        value = orexpr(0)
    except (ValueError, IndexError, KeyError):
        return None
    return bool(value) if pos == len(tokens) else None


def _negate(text: str) -> str:
    return text[2:-1] if text.startswith("!(") and text.endswith(")") else f"!({text})"


def _preprocess(path: str, raw: str, macros: _Macros, notes: list[str], guards: set[str]) -> _Source:
    text = strip_comments(raw)
    code = list(text)
    inactive = [" " if ch != "\n" else "\n" for ch in text]
    stack: list[_Cond] = []
    regions: list[tuple[int, int, tuple[str, ...]]] = []

    def active() -> bool:
        return all(c.taken for c in stack)

    def blank(start: int, end: int) -> None:
        for i in range(start, end):
            if code[i] != "\n":
                code[i] = " "

    def conds() -> tuple[str, ...]:
        return tuple(c.text for c in stack if not c.guard)

    region_start = 0
    previous_directive = ""
    for ln in _logical_lines(text):
        body = text[ln.start : ln.end].replace("\\\n", "  ")
        m = _DIRECTIVE.match(body.rstrip("\n"))
        if m is None:
            if body.strip():
                previous_directive = ""
            if not active():
                blank(ln.start, ln.end)
                for i in range(ln.start, ln.end):
                    inactive[i] = text[i]
            continue
        kind, rest = m.group(1), m.group(2).strip()
        before = conds()
        outer = active()
        if kind in ("if", "ifdef", "ifndef"):
            if kind == "if":
                value, shown = _eval_condition(rest, macros, ln.number), rest
            else:
                name = rest.split()[0] if rest.split() else ""
                macros.tested.setdefault(name, ln.number)
                value = (name in macros.values) == (kind == "ifdef")
                shown = f"defined({name})" if kind == "ifdef" else f"!defined({name})"
            if value is None:
                notes.append(f"{path}:{ln.number}: '#if {rest}' not understood; assumed false")
                value = False
            stack.append(_Cond(shown, outer and value, bool(value), (), shown))
        elif kind == "elif" and stack:
            top = stack.pop()
            value = _eval_condition(rest, macros, ln.number)
            if value is None:
                notes.append(f"{path}:{ln.number}: '#elif {rest}' not understood; assumed false")
                value = False
            chain = (*top.chain, top.raw)
            taken = bool(value) and not top.decided
            parent = all(c.taken for c in stack)
            text_ = " && ".join([*(_negate(c) for c in chain), rest])
            stack.append(_Cond(text_, parent and taken, top.decided or taken, chain, rest))
        elif kind == "else" and stack:
            top = stack.pop()
            chain = (*top.chain, top.raw)
            parent = all(c.taken for c in stack)
            text_ = " && ".join(_negate(c) for c in chain)
            stack.append(_Cond(text_, parent and not top.decided, True, chain, text_))
        elif kind == "endif" and stack:
            stack.pop()
        elif kind == "define" and outer:
            d = _DEFINE.match(rest)
            if d:
                name, params, macro_value = d.group(1), d.group(2), d.group(3).strip()
                if params is None:
                    macros.values[name] = macro_value or "1"
                if (
                    not macro_value
                    and params is None
                    and stack
                    and stack[-1].text == f"!defined({name})"
                    and previous_directive.startswith("ifndef")
                ):
                    stack[-1] = stack[-1]._replace(guard=True)
                    guards.add(name)
                    before = conds()
                # the body stays in the code view (resolvers are declared inside macros); the
                # '#define NAME(params)' head is blanked
                head_end = m.start(2) + m.group(2).find(name) + len(name) + (len(params) if params else 0)
                blank(ln.start, ln.start + head_end)
                previous_directive = kind
                continue
        elif kind == "undef" and outer:
            macros.values.pop(rest.split()[0] if rest.split() else "", None)
        if kind == "define" and not outer:
            for i in range(ln.start, ln.end):
                inactive[i] = text[i]
        previous_directive = f"{kind} {rest}"
        blank(ln.start, ln.end)
        after = conds()
        if after != before:
            regions.append((region_start, ln.end, before))
            region_start = ln.end
    regions.append((region_start, len(text), conds()))
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return _Source(path, text, "".join(code), "".join(inactive), starts, regions)


# --- C++ shapes ----------------------------------------------------------------------------

_TEMPLATE = re.compile(r"\bMicroMutableOpResolver\s*<")
_ALL_OPS = re.compile(r"\bAllOpsResolver\b\s*([*&]*)\s*([A-Za-z_]\w*)?")
_USING = re.compile(r"\busing\s+([A-Za-z_]\w*)\s*=\s*(?:::)?(?:\w+\s*::\s*)*$")
_TYPEDEF_TAIL = re.compile(r"^\s*([A-Za-z_]\w*)\s*;")
_VAR_TAIL = re.compile(r"^\s*([*&]*)\s*(?:const\s+)?([A-Za-z_]\w*)\s*([;=({,)\[])")
_CALL = re.compile(r"(?:\b([A-Za-z_]\w*)\s*(?:\[[^\]\n]{0,40}\])?|(\)))\s*(?:\.|->)\s*(Add[A-Za-z0-9_]*)\s*\(")
_CONST = re.compile(
    r"\b(?:static\s+)?(?:inline\s+)?(?:constexpr|const)\s+(?:unsigned\s+|signed\s+)?"
    r"(?:int|unsigned|size_t|std::size_t|uint32_t|int32_t|uint16_t|uint8_t|long|short)?\s*"
    r"([A-Za-z_]\w*)\s*(?:=\s*|\{\s*)([^;{}]{1,200}?)\s*\}?\s*;"
)
_ENUM_ITEM = re.compile(r"\benum\b[^{;]{0,200}\{([^}]{0,4000})\}")
_STRING_CONST = re.compile(
    r"\b(?:static\s+)?(?:constexpr|const)\s+char\s*(?:const\s*)?\*?\s*(?:const\s+)?([A-Za-z_]\w*)\s*(?:\[\s*\])?\s*=\s*"
    r"\"((?:[^\"\\\n]|\\.){0,200})\"\s*;"
)
_REGISTER_FN = re.compile(r"\b(Register_[A-Za-z0-9_]+)\s*\(")
_BUILTIN_ENUM = re.compile(r"\bBuiltinOperator_([A-Z0-9_]+)\b")
_NOT_VARS = frozenset({"new", "return", "sizeof", "static_cast", "reinterpret_cast", "operator", "const", "class"})


def _balanced(text: str, open_pos: int, open_ch: str, close_ch: str, limit: int) -> int | None:
    """Offset just past the bracket closing the one at ``open_pos`` (None: unbalanced or too long)."""
    depth = 0
    end = min(len(text), open_pos + limit)
    i = open_pos
    while i < end:
        c = text[i]
        if c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
        elif c in "\"'":
            j = i + 1
            while j < end and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j
        i += 1
    return None


class _Decl(NamedTuple):
    key: str  #: the resolver type: "N as written" or "*all*"
    var: str  #: variable (or alias) name; "" for a bare type use
    file: int  #: index of the source
    pos: int
    is_alias: bool = False


class _Reader:
    def __init__(self, sources: list[_Source], inactive: bool = False) -> None:
        self.sources = sources
        self.inactive = inactive
        self.decls: list[_Decl] = []
        self.types: dict[str, tuple[int, int, str]] = {}  #: key -> (file, pos, name) of its first use
        self.aliases: dict[str, str] = {}  #: alias -> key

    def view(self, s: _Source) -> str:
        return s.inactive if self.inactive else s.code

    def read_declarations(self) -> None:
        for fi, s in enumerate(self.sources):
            code = self.view(s)
            for m in _TEMPLATE.finditer(code):
                close = _balanced(code, m.end() - 1, "<", ">", 400)
                if close is None:
                    continue
                key = " ".join(code[m.end() : close - 1].split())
                head = code[max(0, m.start() - 200) : m.start()]
                line_head = head[head.rfind(";") + 1 :] if ";" in head else head
                using = _USING.search(line_head.replace("\n", " "))
                if using:
                    self._alias(using.group(1), key, fi, m.start())
                    continue
                if re.search(r"\btypedef\b[^;]*$", line_head):
                    td = _TYPEDEF_TAIL.match(code[close : close + 200])
                    if td:
                        self._alias(td.group(1), key, fi, m.start())
                        continue
                self.types.setdefault(key, (fi, m.start(), ""))
                var = _VAR_TAIL.match(code[close : close + 200])
                if var and var.group(2) not in _NOT_VARS:
                    after = code[close + var.end() - 1 : close + var.end() + 200]
                    is_function = var.group(3) == "(" and re.match(r"\(\s*\)\s*(?:const\s*)?\{", after) is not None
                    if not is_function:
                        self.decls.append(_Decl(key, var.group(2), fi, m.start()))
            for m in _ALL_OPS.finditer(code):
                self.types.setdefault("*all*", (fi, m.start(), "AllOpsResolver"))
                if m.group(2) and m.group(2) not in _NOT_VARS:
                    self.decls.append(_Decl("*all*", m.group(2), fi, m.start()))
        for alias, key in self.aliases.items():
            pattern = re.compile(rf"\b{re.escape(alias)}\b\s*([*&]*)\s*(?:const\s+)?([A-Za-z_]\w*)\s*([;=({{,)\[])")
            for fi, s in enumerate(self.sources):
                for m in pattern.finditer(self.view(s)):
                    if m.group(2) not in _NOT_VARS:
                        self.decls.append(_Decl(key, m.group(2), fi, m.start()))

    def _alias(self, name: str, key: str, fi: int, pos: int) -> None:
        self.aliases.setdefault(name, key)
        self.types.setdefault(key, (fi, pos, name))
        if self.types[key][2] == "":
            self.types[key] = (fi, pos, name)
        self.decls.append(_Decl(key, name, fi, pos, True))

    def receiver_type(self, name: str | None, fi: int, pos: int) -> str | None:
        if name is None:
            return None
        if name in self.aliases:  # a static call through the type: unusual, but unambiguous
            return self.aliases[name]
        here = [d for d in self.decls if d.var == name and d.file == fi and d.pos < pos and not d.is_alias]
        if here:
            return max(here, key=lambda d: d.pos).key
        elsewhere = {d.key for d in self.decls if d.var == name and not d.is_alias}
        if len(elsewhere) == 1:
            return next(iter(elsewhere))
        return None


def _evaluate(expr: str, constants: dict[str, str], depth: int = 0) -> int | None:
    """N as written -> its value: literals, constants and + - * ( ) over them."""
    expr = expr.strip()
    if depth > 8 or not expr:
        return None
    names = re.findall(r"[A-Za-z_]\w*(?:\s*::\s*[A-Za-z_]\w*)*", expr)
    for name in sorted(set(names), key=len, reverse=True):
        short = name.split("::")[-1].strip()
        if re.fullmatch(r"\d+[uUlL]*", short):
            continue
        if short not in constants:
            return None
        value = _evaluate(constants[short], constants, depth + 1)
        if value is None:
            return None
        expr = re.sub(rf"(?<![\w:]){re.escape(name)}(?!\w)", str(value), expr)
    expr = re.sub(r"(\d+)[uUlL]+", r"\1", expr)
    if not re.fullmatch(r"[\d\s+\-*()]{1,200}", expr):
        return None
    tokens = re.findall(r"\d+|[+\-*()]", expr)
    pos = 0

    def atom(d: int) -> int:
        nonlocal pos
        if d > _MAX_EXPR_DEPTH or pos >= len(tokens):
            raise ValueError
        t = tokens[pos]
        pos += 1
        if t == "(":
            v = sum_(d + 1)
            if pos >= len(tokens) or tokens[pos] != ")":
                raise ValueError
            pos += 1
            return v
        if t == "-":
            return -atom(d + 1)
        return int(t)

    def prod(d: int) -> int:
        nonlocal pos
        v = atom(d)
        while pos < len(tokens) and tokens[pos] == "*":
            pos += 1
            v *= atom(d)
        return v

    def sum_(d: int) -> int:
        nonlocal pos
        v = prod(d)
        while pos < len(tokens) and tokens[pos] in "+-":
            op = tokens[pos]
            pos += 1
            v = v + prod(d) if op == "+" else v - prod(d)
        return v

    try:
        value = sum_(0)
    except (ValueError, IndexError):
        return None
    return value if pos == len(tokens) and 0 <= value < 1 << 31 else None


def _constants(
    sources: Sequence[_Source], macros: _Macros, inactive: bool = False
) -> tuple[dict[str, str], dict[str, str]]:
    """(integer constants, string constants) the files define: constexpr/const, enums, #defines."""
    ints: dict[str, str] = {}
    strings: dict[str, str] = {}
    for s in sources:
        code = s.inactive if inactive else s.code
        for m in _CONST.finditer(code):
            ints.setdefault(m.group(1), m.group(2))
        for m in _ENUM_ITEM.finditer(code):
            for item in m.group(1).split(","):
                name, eq, value = item.partition("=")
                if eq and re.fullmatch(r"\s*[A-Za-z_]\w*\s*", name):
                    ints.setdefault(name.strip(), value.strip())
        for m in _STRING_CONST.finditer(code):
            strings.setdefault(m.group(1), m.group(2))
    for name, value in macros.values.items():
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            strings.setdefault(name, value[1:-1])
        else:
            ints.setdefault(name, value)
    return ints, strings


def _registration(
    method: str, args: str, s: _Source, pos: int, strings: dict[str, str], notes: list[str]
) -> Registration | None:
    t = table()
    where_line = s.line(pos)
    conds = s.conditions(pos)
    if method == "AddCustom":
        first = args.split(",", 1)[0].strip()
        lit = re.fullmatch(r"\"((?:[^\"\\]|\\.)*)\"", first)
        name = lit.group(1) if lit else None
        if name is None:
            ident = re.fullmatch(r"(?:[A-Za-z_]\w*\s*::\s*)*([A-Za-z_]\w*)\s*(\(\s*\))?", first)
            if ident and ident.group(2) and ident.group(1) == "GetString_ETHOSU":
                name = ETHOS_U_CUSTOM
            elif ident and ident.group(1) in strings:
                name = strings[ident.group(1)]
        if name is None:
            notes.append(
                f"{s.path}:{where_line}: AddCustom({first[:60]}, ...): the op name is not a string oplint can read"
            )
            return None
        fn = _REGISTER_FN.search(args.split(",", 1)[1]) if "," in args else None
        return Registration(name, "custom", method, s.path, where_line, fn.group(1) if fn else None, None, conds)
    if method == "AddBuiltin":
        op = _BUILTIN_ENUM.search(args)
        if op is None:
            notes.append(f"{s.path}:{where_line}: AddBuiltin({args[:60]}): the builtin operator is not readable")
            return None
        found = _REGISTER_FN.search(args)
        given = found.group(1) if found else None
        special = t.specialized.get(given or "")
        return Registration(
            op.group(1), "builtin", method, s.path, where_line, given, special.variant if special else None, conds
        )
    m = t.methods.get(method)
    if m is None:
        return None
    fn = _REGISTER_FN.search(args)
    kernel: str | None = None
    variant = None
    if fn is not None:
        kernel = fn.group(1)
        spec = t.specialized.get(kernel)
        if spec is not None and spec.op == m.op:
            variant = spec.variant
        elif kernel == m.default:
            kernel = None  # the default, written out
    elif args.strip():
        kernel = " ".join(args.split())[:80]  # the firmware's own registration object
    return Registration(m.op, m.kind, method, s.path, where_line, kernel, variant, conds)


def _calls(reader: _Reader, strings: dict[str, str], notes: list[str]) -> list[tuple[str | None, Registration | str]]:
    """(resolver type key or None, registration) of every Add call, in file order; an unknown
    Add method is returned as its name."""
    out: list[tuple[str | None, Registration | str]] = []
    methods = table().methods
    for fi, s in enumerate(reader.sources):
        code = reader.view(s)
        for m in _CALL.finditer(code):
            receiver, method = m.group(1), m.group(3)
            close = _balanced(code, m.end() - 1, "(", ")", _MAX_ARGS)
            if close is None:
                notes.append(f"{s.path}:{s.line(m.start())}: {method}(...) has no closing parenthesis in reach")
                continue
            key = reader.receiver_type(receiver, fi, m.start())
            if method not in methods and method not in ("AddCustom", "AddBuiltin"):
                if key is not None:
                    out.append((key, method))
                continue
            reg = _registration(method, code[m.end() : close - 1], s, m.start(), strings, notes)
            if reg is not None:
                out.append((key, reg))
    return out


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ResolverError(f"resolver source {path}: cannot read: {exc.strerror}") from None
    if not path.is_file():
        raise ResolverError(f"resolver source {path}: not a file")
    if size > MAX_FILE_BYTES:
        raise ResolverError(f"resolver source {path}: {size:,} bytes, more than oplint reads ({MAX_FILE_BYTES:,})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ResolverError(f"resolver source {path}: cannot read: {exc.strerror}") from None
    if b"\0" in data[:4096]:
        raise ResolverError(f"resolver source {path}: a binary file, not C/C++ source")
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


def read_resolver(paths: Sequence[Path | str], defines: Iterable[str] = (), display: Sequence[str] = ()) -> Firmware:
    """Read the resolver(s) the C/C++ files declare and fill; ResolverError if there is none.

    ``defines``: macros to assume defined (``ETHOS_U``, ``N=8``); ``display``: how to name each
    file in messages (default: the path as given)."""
    if not paths:
        raise ResolverError("no resolver source given")
    if len(paths) > MAX_FILES:
        raise ResolverError(f"{len(paths)} resolver sources; oplint reads at most {MAX_FILES}")
    macros = _Macros(defines)
    notes: list[str] = []
    guards: set[str] = set()
    sources = []
    names = list(display) + [str(p) for p in paths[len(display) :]]
    for path, name in zip(paths, names):
        sources.append(_preprocess(name, _read_text(Path(path)), macros, notes, guards))
    ints, strings = _constants(sources, macros)
    reader = _Reader(sources)
    reader.read_declarations()
    calls = _calls(reader, strings, notes)
    # the branches not taken: the declarations and registrations they hold
    other = _Reader(sources, inactive=True)
    other.aliases = dict(reader.aliases)
    other.decls = list(reader.decls)
    alt_decls = _Reader(sources, inactive=True)
    alt_decls.read_declarations()
    alt_ints, alt_strings = _constants(sources, _Macros(()), inactive=True)
    alt_defs = _inactive_defines(sources)
    deciding_extra: list[str] = []
    inactive_calls = [r for _, r in _calls(other, {**alt_strings, **strings}, []) if isinstance(r, Registration)]

    keys = list(reader.types)
    if not keys:
        if not any(isinstance(r, Registration) for _, r in calls):
            raise ResolverError(
                f"{', '.join(names)}: no MicroMutableOpResolver declaration or Add...() registration found"
            )
        keys = ["?"]
        reader.types["?"] = (0, 0, "")
    regs: dict[str, list[Registration]] = {k: [] for k in keys}
    unknown: dict[str, list[str]] = {k: [] for k in keys}
    for key, reg in calls:
        if key is None:
            candidates = [k for k in keys if k != "*all*"]
            if len(candidates) == 1:
                key = candidates[0]
            else:
                if isinstance(reg, Registration):
                    notes.append(
                        f"{reg.where}: {reg.method}() on a receiver whose resolver type is not declared "
                        "in the files read; not attributed"
                    )
                continue
        if isinstance(reg, str):
            unknown.setdefault(key, []).append(reg)
        else:
            regs.setdefault(key, []).append(reg)
    resolvers = []
    for key in keys:
        fi, pos, name = reader.types[key]
        s = sources[fi]
        if key == "*all*":
            resolvers.append(Resolver("AllOpsResolver", None, "", s.path, s.line(pos), (), True))
            continue
        alternatives = []
        if name:
            for d in alt_decls.decls:
                if d.var == name and d.is_alias and d.key != key:
                    src = sources[d.file]
                    cond = " && ".join(src.conditions(d.pos)) or "another branch"
                    alternatives.append((cond, d.key, _evaluate(d.key, {**alt_ints, **ints})))
        for const, (cond, text) in alt_defs.items():  # N's constant defined otherwise in another branch
            if re.search(rf"(?<![\w]){re.escape(const)}(?!\w)", key):
                value = _evaluate(key, {**ints, const: text})
                if value != _evaluate(key, ints):
                    alternatives.append((cond, f"{key} = {text}", value))
                    deciding_extra.append(cond)
        resolvers.append(
            Resolver(
                name or f"MicroMutableOpResolver<{key}>",
                _evaluate(key, ints) if key != "?" else None,
                key if key != "?" else "?",
                s.path,
                s.line(pos) if key != "?" else 0,
                tuple(regs.get(key, ())),
                False,
                tuple(alternatives),
                tuple(dict.fromkeys(unknown.get(key, ()))),
            )
        )
    for r in resolvers:
        if r.capacity is None and not r.all_ops and r.capacity_text != "?":
            notes.append(f"{r.where}: N = {r.capacity_text} could not be evaluated from the files read")
    # the macros whose value decided a declaration or a registration
    deciding = " ".join(c for r in (*_regs_all(regs), *inactive_calls) for c in r.conditions)
    deciding += " " + " ".join(
        c for rd in (*reader.decls, *alt_decls.decls) for c in sources[rd.file].conditions(rd.pos)
    )
    deciding += " " + " ".join(deciding_extra)
    assumed = tuple(
        f"{name} {'defined' if name in macros.values else 'undefined'} ({_where_tested(sources, name)})"
        for name in sorted(macros.tested)
        if name not in guards and re.search(rf"\b{re.escape(name)}\b", deciding)
    )
    return Firmware(tuple(names), tuple(resolvers), assumed, tuple(inactive_calls), tuple(dict.fromkeys(notes)))


def _inactive_defines(sources: Sequence[_Source]) -> dict[str, tuple[str, str]]:
    """Integer constants defined in branches not taken: name -> (condition, value as written)."""
    out: dict[str, tuple[str, str]] = {}
    pattern = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([^\n]{1,200})$", re.M)
    for s in sources:
        for m in pattern.finditer(s.inactive):
            cond = " && ".join(s.conditions(m.start())) or "another branch"
            out.setdefault(m.group(1), (cond, m.group(2).strip()))
        for m in _CONST.finditer(s.inactive):
            cond = " && ".join(s.conditions(m.start())) or "another branch"
            out.setdefault(m.group(1), (cond, m.group(2).strip()))
    return out


def _regs_all(regs: dict[str, list[Registration]]) -> list[Registration]:
    return [r for group in regs.values() for r in group]


def _where_tested(sources: Sequence[_Source], name: str) -> str:
    pattern = re.compile(rf"^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif)\b[^\n]*\b{re.escape(name)}\b", re.M)
    for s in sources:
        m = pattern.search(s.text)
        if m:
            return f"{s.path}:{s.line(m.start())}"
    return "?"
