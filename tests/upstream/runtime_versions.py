"""The converter's own tests as a second check of oplint's runtime-version table.

LiteRT's ``tflite/converter/tests/mlir2flatbuffer/*.mlir`` and ``end2end/*.pbtxt`` translate a
model to a flatbuffer and check its text dump: the operator codes (builtin and version) and the
``min_runtime_version`` metadata the converter writes from ``runtime_version.cc``.  Each such
test is a case: the release oplint computes from the op versions (``rules/targets/tflite.toml``)
must be the one the converter wrote.

    python -m tests.upstream.runtime_versions      # every case and the disagreements
"""

from __future__ import annotations

import re
import subprocess
from typing import NamedTuple

from oplint.knowledge.sources import LITERT, checkout, read
from oplint.knowledge.targets import Version, format_version, parse_version
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite_schema import ENUMS

DIRS = ("tflite/converter/tests/mlir2flatbuffer/", "tflite/converter/tests/end2end/")
_CHECK = re.compile(r"(?://|#)\s*([A-Z][A-Z0-9_]*)(?:-NEXT|-DAG|-SAME|-LABEL|-EMPTY)?:(.*)")


class Case(NamedTuple):
    file: str
    prefix: str  #: the FileCheck prefix (one RUN line)
    ops: tuple[tuple[str, int], ...]  #: (builtin, version) of every operator code
    written: str  #: the min_runtime_version the converter wrote


def files() -> list[str]:
    clone = checkout(LITERT)
    if clone is None:
        return []
    git_dir = clone / ".git" if (clone / ".git").exists() else clone
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "--name-only", LITERT.commit, *DIRS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [p for p in out if p.endswith((".mlir", ".pbtxt"))]


def cases(path: str) -> list[Case]:
    """One case per FileCheck prefix whose lines show min_runtime_version."""
    lines = read(LITERT.key, path) or []
    by_prefix: dict[str, list[str]] = {}
    for line in lines:
        m = _CHECK.search(line)
        if m:
            by_prefix.setdefault(m.group(1), []).append(m.group(2).strip())
    out = []
    for prefix, checks in by_prefix.items():
        case = _case(path, prefix, checks)
        if case is not None:
            out.append(case)
    return out


def _case(path: str, prefix: str, checks: list[str]) -> Case | None:
    text = "\n".join(checks)
    if "min_runtime_version" not in text or "operator_codes:" not in text:
        return None  # without the operator codes the test does not say which ops the model has
    codes = text.split("operator_codes:", 1)[1].split("subgraphs:", 1)[0]
    if re.match(r"\s*\[\s*\]", codes):
        codes = ""
    ops = []
    names = ENUMS["BuiltinOperator"][1]
    for entry in re.split(r"\}\s*,\s*\{", codes):
        builtin = re.search(r"(?<!deprecated_)builtin_code:\s*([A-Z]\w*)", entry)
        number = re.search(r"deprecated_builtin_code:\s*(\d+)", entry)
        version = re.search(r"\bversion:\s*(\d+)", entry)
        name = builtin.group(1) if builtin else names.get(int(number.group(1))) if number else None
        if name is None and "custom_code" not in entry and entry.strip():
            name = "ADD"  # an operator code with every field at its default: builtin 0
        if name is not None:
            ops.append((name, int(version.group(1)) if version else 1))
    buffers_text = text.split("buffers:", 1)[1].split("metadata:", 1)[0] if "buffers:" in text else ""
    buffers = re.split(r"\}\s*,\s*\{", buffers_text)
    meta = re.search(r'name:\s*"min_runtime_version",\s*\n?\s*buffer:\s*(\d+)', text)
    if meta is None or int(meta.group(1)) >= len(buffers):
        return None
    data = re.search(r"data:\s*\[([\d,\s]*)\]", buffers[int(meta.group(1))])
    if data is None:
        return None
    raw = bytes(int(b) for b in data.group(1).replace(",", " ").split())
    written = raw.split(b"\0", 1)[0].decode()
    return Case(path.rsplit("/", 1)[1], prefix, tuple(ops), written)


def computed(case: Case) -> str | None:
    """What oplint's table says the oldest runtime for these op versions is (None: none known)."""
    table = load_target("tflite")
    needed: Version | None = None
    for op, version in case.ops:
        rel = table.runtime_of(op, version)
        if rel is not None and (needed is None or rel > needed):
            needed = rel
    return format_version(needed) if needed else None


def compare() -> list[tuple[Case, str | None, bool]]:
    """Each case with oplint's release; the converter writes "" when no op version is dated."""
    out = []
    for path in files():
        for case in cases(path):
            mine = computed(case)
            if mine is None or not case.written:
                agree = mine is None and not case.written
            else:
                agree = parse_version(mine) == parse_version(case.written)
            out.append((case, mine, agree))
    return out


def main() -> int:
    results = compare()
    bad = [r for r in results if not r[2]]
    print(f"{len(results)} cases, {len(results) - len(bad)} agree, {len(bad)} disagree")
    for case, mine, _ in bad:
        print(f"  {case.file} [{case.prefix}] {case.ops}: converter wrote {case.written}, oplint {mine}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
