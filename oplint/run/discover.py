"""Which files and directories under the given paths are models."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from ..core.files import is_savedmodel_dir
from .config import Config

#: file name suffixes a directory walk picks up
MODEL_SUFFIXES = (".tflite",)


_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".venv",
        "venv",
        ".eggs",
        "site-packages",
    }
)


def discover(paths: Sequence[str], config: Config) -> tuple[list[str], list[str]]:
    """Model files under ``paths`` (explicit files always count), and notes about empty dirs."""
    found: list[str] = []
    notes: list[str] = []
    for path in paths:
        if os.path.isdir(path) and is_savedmodel_dir(path):
            found.append(path)
        elif os.path.isdir(path):
            models = sorted(_walk(path, config))
            if not models:
                looked = ", ".join(["*" + s for s in MODEL_SUFFIXES] + ["SavedModel directories"])
                notes.append(f"no model files found under {path} (looked for {looked})")
            found.extend(models)
        elif not (config.force_exclude and _excluded(path, config)):
            found.append(path)
    return found, notes


def _excluded(path: str, config: Config) -> bool:
    if not config.exclude:
        return False
    import fnmatch

    norm = path.replace(os.sep, "/")
    root = str(config.root or os.getcwd())
    rel = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    names = (norm, rel, os.path.basename(norm))
    return any(fnmatch.fnmatch(name, pat) for pat in config.exclude for name in names)


def _walk(root: str, config: Config) -> Iterator[str]:
    for folder, dirs, files in os.walk(root):
        if folder != root and is_savedmodel_dir(folder):
            dirs[:] = []  # variables/, assets/ and debug/ belong to the model
            if not _excluded(folder, config):
                yield folder
            continue
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP_DIRS
            and not d.startswith(".")
            and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
        )
        for name in files:
            if name.endswith(MODEL_SUFFIXES):
                path = os.path.join(folder, name)
                if not _excluded(path, config):
                    yield path
