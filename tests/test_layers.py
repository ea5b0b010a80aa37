"""The folders are layers (ARCHITECTURE.md): a module imports only from layers below its own."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "oplint"
#: layer of each top-level part of the package; a module may import lower layers and its own package
LAYERS = {
    "__init__": 0,
    "core": 0,
    "readers": 1,
    "knowledge": 1,
    "analysis": 2,
    "delegates": 3,
    "checks": 4,
    "run": 5,
    "output": 5,
    "api": 6,
    "lsp": 7,  #: the editor server (started by ``oplint server``)
    "cli": 8,
    "__main__": 9,
}


def _part(module: str) -> str:
    """``oplint.delegates.gpu`` -> ``delegates``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[tuple[int, str]]:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1])  # the package a relative import starts from
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names] if not node.module or node.level else [target]
            out.extend((node.lineno, n) for n in names if n.startswith("oplint"))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names if a.name.startswith("oplint"))
    return out


def test_no_module_imports_upward() -> None:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tf_proto" in path.parts or path.name == "tflite_schema.py":
            continue
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        mine = _part(module)
        assert mine in LAYERS, f"{module}: a new top-level part needs a layer in tests/test_layers.py"
        for line, target in _imports(path):
            theirs = _part(target)
            if theirs == mine or theirs not in LAYERS:
                continue
            if LAYERS[theirs] >= LAYERS[mine]:
                bad.append(f"{module}:{line} imports {target} ({theirs} is not below {mine})")
    assert not bad, "\n".join(bad)
