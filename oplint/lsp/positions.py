"""Positions in the encoding the client and the server agreed on (LSP 3.17 ``positionEncoding``).

A ``Position.character`` counts code units of the line in that encoding: UTF-16 (the default,
which every client supports), UTF-8 bytes or UTF-32 code points.  An emoji is 2 UTF-16 units,
4 UTF-8 bytes and 1 code point, so a column counted in Python ``str`` indices is wrong for a
UTF-16 client as soon as a line holds a character outside the Basic Multilingual Plane.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types

UTF8 = types.PositionEncodingKind.Utf8.value
UTF16 = types.PositionEncodingKind.Utf16.value
UTF32 = types.PositionEncodingKind.Utf32.value

#: LSP line terminators (3.17 "Text Documents": \n, \r\n and \r)
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def choose_encoding(offered: Sequence[str] | None) -> str:
    """UTF-8 when the client offers it (no conversion for a UTF-8 file), else UTF-16, which the
    protocol makes mandatory; UTF-32 alone is never chosen since every client has UTF-16."""
    return UTF8 if offered and UTF8 in offered else UTF16


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in code units of ``encoding``."""
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == UTF32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def position_at(text: str, offset: int, encoding: str) -> types.Position:
    """The LSP position of ``text[offset]`` (an index into the Python string)."""
    before = text[:offset]
    line, start = 0, 0
    for match in LINE_BREAK.finditer(before):
        line, start = line + 1, match.end()
    return types.Position(line=line, character=units(before[start:], encoding))


def offset_at(text: str, position: types.Position, encoding: str) -> int:
    """The index into ``text`` of an LSP position (clamped to the line, as the protocol says)."""
    start, line = 0, 0
    for match in LINE_BREAK.finditer(text):
        if line == position.line:
            break
        line, start = line + 1, match.end()
    else:
        if line < position.line:
            return len(text)
    end = LINE_BREAK.search(text, start)
    line_text = text[start : end.start() if end else len(text)]
    count = 0
    for index, char in enumerate(line_text):
        if count >= position.character:
            return start + index
        count += units(char, encoding)
    return start + len(line_text)
