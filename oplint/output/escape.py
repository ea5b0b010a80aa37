"""Text from a model (op, tensor and file names) made safe to show.

A name in a model is data from whoever wrote the file: printed raw, an escape sequence, a bell or
a carriage return could rewrite the terminal or fake output lines, and a control character makes
XML ill-formed.  Human formats show such characters escaped (``\\x1b``); JSON and SARIF keep the
text exact (JSON escapes them itself).
"""

from __future__ import annotations

import re

#: C0 controls (tab kept), DEL, C1 controls, the line and paragraph separators, and the
#: bidirectional overrides and isolates that can reorder what a line shows ("Trojan source")
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]")
#: what XML 1.0 cannot hold at all (a tab, newline or carriage return can stay escaped as entities)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _code(match: re.Match[str]) -> str:
    char = match.group(0)
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def terminal(text: str) -> str:
    """``text`` with every control character shown as an escape (one line, nothing hidden)."""
    return _UNSAFE.sub(_code, text)


def xml(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (shown as escapes instead)."""
    return _NOT_XML.sub(_code, text)
