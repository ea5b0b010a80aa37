"""Add an ``ignore-findings`` entry to a pyproject.toml by inserting text, never rewriting it.

The quick fix must leave a file that still parses, holds exactly one more entry, and is
byte-identical everywhere else.  So the edit is one insertion, chosen by what the file already
has, and checked by parsing the result back before it is offered:

* ``ignore-findings = [...]`` (a static array, possibly inline or under dotted keys): the entry
  goes into that array as an inline table (appending a ``[[...]]`` table there is invalid TOML);
* no such array: a ``[[tool.oplint.ignore-findings]]`` table at the end of the file;
* ``tool`` or ``tool.oplint`` written as an inline table (which no later header may extend): the
  key goes inside that inline table.

Strings are written as TOML basic strings with every control character escaped (a node name may
hold a newline or a NUL), and node and path values are written as globs that match only that
name (``[``, ``*`` and ``?`` quoted; a character TOML cannot hold becomes ``?``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from ..core.files import TOMLDecodeError, parse_toml

TABLE = ("tool", "oplint")
KEY = "ignore-findings"
HEADER = "[[tool.oplint.ignore-findings]]"
TODO_REASON = "TODO: say why this finding is accepted"

_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def toml_string(text: str) -> str:
    """A TOML basic string holding ``text``: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        elif 0xD800 <= ord(char) <= 0xDFFF:  # a lone surrogate (undecodable bytes): not in TOML
            out.append("\\uFFFD")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def glob_literal(text: str) -> str:
    """An fnmatch pattern matching exactly ``text`` (as ``glob.escape`` quotes, plus ``?`` for a
    character that TOML cannot hold, so the entry still matches the finding)."""
    out = []
    for char in text:
        if char in "[*?":
            out.append(f"[{char}]")
        elif 0xD800 <= ord(char) <= 0xDFFF:
            out.append("?")
        else:
            out.append(char)
    return "".join(out)


class Insertion(NamedTuple):
    offset: int  #: index into the text (a Python string index)
    text: str


def add_entry(text: str, entry: Mapping[str, str]) -> Insertion | None:
    """The insertion that adds ``entry`` to ``tool.oplint.ignore-findings`` in ``text``, or None
    when no insertion keeps the file valid (``text`` does not parse, or ``ignore-findings`` is
    not an array)."""
    try:
        before = parse_toml(text)
    except TOMLDecodeError:
        return None
    expected = _with_entry(before, entry)
    if expected is None:
        return None
    try:
        layout = _Scanner(text).scan()
    except (IndexError, ValueError):
        layout = None
    for insertion in _candidates(text, entry, layout):
        after = text[: insertion.offset] + insertion.text + text[insertion.offset :]
        try:
            if parse_toml(after) == expected:
                return insertion
        except TOMLDecodeError:
            continue
    return None


def _with_entry(data: dict[str, Any], entry: Mapping[str, str]) -> dict[str, Any] | None:
    out = copy.deepcopy(data)
    table: Any = out
    for part in TABLE:
        if not isinstance(table, dict):
            return None
        table = table.setdefault(part, {})
    if not isinstance(table, dict):
        return None
    entries = table.setdefault(KEY, [])
    if not isinstance(entries, list):
        return None
    entries.append(dict(entry))
    return out


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _inline(entry: Mapping[str, str]) -> str:
    return "{ " + ", ".join(f"{k} = {toml_string(v)}" for k, v in entry.items()) + " }"


def _table(entry: Mapping[str, str], nl: str) -> str:
    return nl.join([HEADER, *(f"{k} = {toml_string(v)}" for k, v in entry.items())]) + nl


def _candidates(text: str, entry: Mapping[str, str], layout: _Layout | None) -> list[Insertion]:
    nl = _newline(text)
    out: list[Insertion] = []
    array = layout.arrays.get((*TABLE, KEY)) if layout else None
    if array is not None:
        out.extend(_into_array(text, array, _inline(entry), nl))
    # a [[tool.oplint.ignore-findings]] table at the end of the file
    if not text.strip():
        lead = ""
    elif text.endswith(("\n", "\r")):
        lead = nl
    else:
        lead = nl + nl
    out.append(Insertion(len(text), lead + _table(entry, nl)))
    # inside the deepest inline table on the way to tool.oplint
    if layout:
        for depth in (2, 1):
            found = layout.inline_tables.get(TABLE[:depth])
            if found is not None:
                rest = ".".join((*TABLE[depth:], KEY))
                pair = f"{rest} = [{_inline(entry)}]"
                out.append(Insertion(found.last_end, f", {pair}" if found.entries else f" {pair} "))
                break
    return out


def _into_array(text: str, array: _Array, item: str, nl: str) -> list[Insertion]:
    """Insert ``item`` as the last element of ``array``: laid out like the elements around it
    when the array spans lines, else on the same line."""
    out = []
    if array.last_end is None:  # empty array
        line_start = text.rfind("\n", 0, array.close) + 1
        if array.open < line_start and not text[line_start : array.close].strip():
            indent = _indent(text, array.open) + "  "
            out.append(Insertion(line_start, f"{indent}{item},{nl}"))
        out.append(Insertion(array.close, item))
        return out
    if array.multiline:
        after = text.find("\n", array.comma if array.comma is not None else array.last_end)
        indent = _indent(text, array.last_start)
        if array.comma is not None and after != -1 and after < array.close:
            out.append(Insertion(after + 1, f"{indent}{item},{nl}"))
    out.append(Insertion(array.last_end, f", {item}"))
    return out


def _indent(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    line = text[start:offset]
    return line[: len(line) - len(line.lstrip(" \t"))]


# -- a scanner for the layout of a TOML document that tomllib has already accepted ---------------


class _Array(NamedTuple):
    open: int  #: index of "["
    close: int  #: index of "]"
    last_start: int  #: start of the last element (or of "[" when empty)
    last_end: int | None  #: end of the last element, None when the array is empty
    comma: int | None  #: index of a comma after the last element
    multiline: bool


class _Inline(NamedTuple):
    open: int
    last_end: int  #: where a new key/value pair goes: after the last value (or after "{")
    entries: bool


class _Layout(NamedTuple):
    arrays: dict[tuple[str, ...], _Array]
    inline_tables: dict[tuple[str, ...], _Inline]


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SPACE = " \t"


class _Scanner:
    """Walks a valid TOML document and records where each array and inline table value sits,
    by its full key path.  Invalid input may raise IndexError or ValueError."""

    def __init__(self, text: str) -> None:
        self.t = text
        self.arrays: dict[tuple[str, ...], _Array] = {}
        self.inline: dict[tuple[str, ...], _Inline] = {}

    def scan(self) -> _Layout:
        t, pos = self.t, 0
        table: tuple[str, ...] = ()
        array_tables: dict[tuple[str, ...], int] = {}
        while True:
            pos = self._blank(pos, newlines=True)
            if pos >= len(t):
                return _Layout(self.arrays, self.inline)
            if t.startswith("[[", pos):
                pos, key = self._key(pos + 2)
                pos = self._expect(pos, "]]")
                array_tables[key] = array_tables.get(key, -1) + 1
                table = (*key, f"#{array_tables[key]}")  # elements of an array of tables: not ours
            elif t[pos] == "[":
                pos, key = self._key(pos + 1)
                pos = self._expect(pos, "]")
                table = key
            else:
                pos, key = self._key(pos)
                pos = self._expect(pos, "=")
                pos = self._value(self._blank(pos), (*table, *key))

    def _blank(self, pos: int, newlines: bool = False) -> int:
        t = self.t
        while pos < len(t):
            char = t[pos]
            if char in _SPACE or (newlines and char in "\r\n"):
                pos += 1
            elif char == "#":
                while pos < len(t) and t[pos] not in "\r\n":
                    pos += 1
            else:
                break
        return pos

    def _expect(self, pos: int, token: str) -> int:
        pos = self._blank(pos)
        if not self.t.startswith(token, pos):
            raise ValueError(f"expected {token!r} at {pos}")
        return pos + len(token)

    def _key(self, pos: int) -> tuple[int, tuple[str, ...]]:
        parts = []
        while True:
            pos = self._blank(pos)
            char = self.t[pos]
            if char in "\"'":
                end = self._string_end(pos)
                parts.append(str(parse_toml(f"k = {self.t[pos:end]}")["k"]))
                pos = end
            else:
                match = _BARE.match(self.t, pos)
                if match is None:
                    raise ValueError(f"bad key at {pos}")
                parts.append(match.group())
                pos = match.end()
            after = self._blank(pos)
            if self.t.startswith(".", after):
                pos = after + 1
                continue
            return pos, tuple(parts)

    def _string_end(self, pos: int) -> int:
        t = self.t
        if t.startswith('"""', pos) or t.startswith("'''", pos):
            quote, basic, i = t[pos], t[pos] == '"', pos + 3
            while True:
                if basic and t[i] == "\\":
                    i += 2
                elif t.startswith(quote * 3, i):
                    run = 3
                    while run < 5 and i + run < len(t) and t[i + run] == quote:
                        run += 1
                    return i + run
                else:
                    i += 1
        quote, i = t[pos], pos + 1
        while t[i] != quote:
            i += 2 if quote == '"' and t[i] == "\\" else 1
        return i + 1

    def _value(self, pos: int, path: tuple[str, ...]) -> int:
        t = self.t
        char = t[pos]
        if char in "\"'":
            return self._string_end(pos)
        if char == "[":
            return self._array(pos, path)
        if char == "{":
            return self._inline_table(pos, path)
        end = pos
        while end < len(t) and t[end] not in ",]}#\r\n":
            end += 1
        while end > pos and t[end - 1] in _SPACE:
            end -= 1
        if end == pos:
            raise ValueError(f"empty value at {pos}")
        return end

    def _array(self, pos: int, path: tuple[str, ...]) -> int:
        t, i = self.t, pos + 1
        last_start, last_end, comma = pos, None, None
        while True:
            i = self._blank(i, newlines=True)
            if t[i] == "]":
                break
            last_start = i
            i = self._value(i, (*path, "[]"))
            last_end, comma = i, None
            i = self._blank(i, newlines=True)
            if t[i] == ",":
                comma = i
                i += 1
        self.arrays[path] = _Array(pos, i, last_start, last_end, comma, "\n" in t[pos:i])
        return i + 1

    def _inline_table(self, pos: int, path: tuple[str, ...]) -> int:
        t, i = self.t, pos + 1
        last_end, entries = i, False
        while True:
            i = self._blank(i, newlines=True)
            if t[i] == "}":
                break
            i, key = self._key(i)
            i = self._expect(i, "=")
            i = self._value(self._blank(i), (*path, *key))
            last_end, entries = i, True
            i = self._blank(i, newlines=True)
            if t[i] == ",":
                i += 1
        self.inline[path] = _Inline(pos, last_end, entries)
        return i + 1


def entry_fields(
    path: str, code: str, node: str | None, target: str | None, reason: str = TODO_REASON
) -> dict[str, str]:
    """The keys of one ``ignore-findings`` entry, in the order the README documents them."""
    fields = {"path": glob_literal(path), "code": code}
    if node:
        fields["node"] = glob_literal(node)
    if target:
        fields["target"] = target
    fields["reason"] = reason
    return fields


__all__: Sequence[str] = ("Insertion", "add_entry", "entry_fields", "glob_literal", "toml_string")
