"""Every citation in the translated checks, found by reading their source (no import, no run).

A translated check cites the line it translates with a :class:`~oplint.knowledge.sources.Source`
called on a literal line number: ``raise Reject("...", GPU_COMPAT(192))``.  :func:`collect` reads
the modules of :mod:`oplint.delegates` with :mod:`ast` and returns each such citation with where
it stands, the message it goes with (when the message is a literal) and, for ``CASE_LINE``-style
tables, the op it is cited for.  ``tests/test_citations.py`` checks them against the pinned
sources; ``python -m oplint.knowledge.refresh`` says which ones move when the pin moves.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from .sources import PINS, Source

PACKAGE = Path(__file__).resolve().parent.parent
#: the functions that make a Source from a path, and the pin each one means
_FACTORIES = {"litert": "litert", "tflm": "tflite-micro"}


class Citation(NamedTuple):
    source: Source
    line: int
    module: str  #: file path relative to the package ("delegates/gpu.py")
    at: int  #: line of the module where the citation stands
    message: str | None = None  #: the literal start of the message it is cited with, when there is one
    case: str | None = None  #: the op a ``{"OP": SOURCE(line)}`` table entry cites (the ``case`` it names)


class Problem(NamedTuple):
    module: str
    at: int
    text: str


def _source_of(node: ast.expr) -> Source | None:
    """``litert("path")``, ``tflm("path")`` or ``Source("litert", "path")`` with literal strings."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return None
    args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
    if node.func.id in _FACTORIES and len(args) == 1 and args[0] is not None:
        return Source(_FACTORIES[node.func.id], args[0])
    if node.func.id == "Source" and len(args) == 2 and args[0] in PINS and args[1] is not None:
        return Source(args[0], args[1])
    return None


def _module_sources(tree: ast.Module) -> dict[str, Source]:
    found: dict[str, Source] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            source = _source_of(stmt.value)
            if source is not None:
                found[stmt.targets[0].id] = source
    return found


def _literal_start(node: ast.expr) -> str | None:
    """The literal text a message starts with (up to its first placeholder)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((PACKAGE / "delegates").rglob("*.py")):
        yield str(path.relative_to(PACKAGE)), ast.parse(path.read_text(encoding="utf-8"))


def collect() -> tuple[list[Citation], list[Problem]]:
    """Every citation of the delegate modules, and every call of a Source that is not a literal line."""
    trees = dict(_modules())
    own = {name: _module_sources(tree) for name, tree in trees.items()}
    citations: list[Citation] = []
    problems: list[Problem] = []
    for name, tree in trees.items():
        names = dict(own[name])
        for stmt in ast.walk(tree):  # Sources imported from a sibling module (``from .gpu import GPU_COMPAT``)
            if isinstance(stmt, ast.ImportFrom) and stmt.level >= 1 and stmt.module:
                parts = name.split("/")[: -stmt.level] + stmt.module.split(".")
                sibling = "/".join(parts) + ".py"
                for alias in stmt.names:
                    if sibling in own and alias.name in own[sibling]:
                        names[alias.asname or alias.name] = own[sibling][alias.name]
        parents: dict[ast.AST, ast.AST] = {}
        for outer in ast.walk(tree):
            for child in ast.iter_child_nodes(outer):
                parents[child] = outer
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
                continue
            source = names[node.func.id]
            if not node.args:
                continue  # the file as a whole
            arg = node.args[0]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, int)) or isinstance(arg.value, bool):
                problems.append(Problem(name, node.lineno, f"{node.func.id}(...) is not called with a literal line"))
                continue
            message: str | None = None
            case: str | None = None
            parent = parents.get(node)
            if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.args:
                if parent.func.id == "Reject":
                    message = _literal_start(parent.args[0])
                elif parent.func.id == "OpVerdict" and len(parent.args) >= 2:
                    reasons = parent.args[1]
                    if isinstance(reasons, ast.Tuple) and len(reasons.elts) == 1:
                        message = _literal_start(reasons.elts[0])
            if isinstance(parent, ast.Dict):
                for key, value in zip(parent.keys, parent.values):
                    if value is node and isinstance(key, ast.Constant) and isinstance(key.value, str):
                        case = key.value
            citations.append(Citation(source, arg.value, name, node.lineno, message, case))
    return citations, problems
