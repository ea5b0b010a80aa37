"""Which files and directories under the given paths are models.

* ``*.tflite`` files, SavedModel directories (a ``saved_model.pb``/``.pbtxt`` inside), and files
  matching the ``include`` setting (default ``*.bin``) that turn out to be TFLite flatbuffers (the
  ``TFL3`` identifier: models are often shipped as ``.bin``).  Explicitly named files are always
  checked (``*.pb`` ones as frozen GraphDefs).
* A file inside a SavedModel directory means that SavedModel (``fingerprint.pb``,
  ``keras_metadata.pb``, ``variables/...``: what pre-commit passes for a changed SavedModel);
  those metadata files are never models of their own.
* ``exclude`` patterns and ``.gitignore`` files follow gitignore semantics (``pathspec``):
  ``legacy`` excludes every ``legacy`` folder, ``models/legacy/`` that one folder; a walk skips
  what the repository's ``.gitignore`` files ignore.  Explicit paths are checked regardless
  (unless ``--force-exclude``).
* Each model is listed once, however many ways it was named (``a.tflite ./a.tflite``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..core.files import SAVEDMODEL_FILES, is_savedmodel_dir
from .config import Config

if TYPE_CHECKING:  # pragma: no cover
    from pathspec import PathSpec

#: file name suffixes a directory walk always picks up: TFLite flatbuffers and Keras models
#: (``.keras`` zips, legacy HDF5 ``.h5``/``.hdf5``; an HDF5 file without a Keras model is a warning, OPL011)
MODEL_SUFFIXES = (".tflite", ".keras", ".h5", ".hdf5")
#: files of a SavedModel directory that are metadata, never models of their own
SAVEDMODEL_METADATA = frozenset({"fingerprint.pb", "keras_metadata.pb", "tfhub_module.pb"})
_TFLITE_IDENTIFIER = b"TFL3"

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


def savedmodel_root(path: str) -> str | None:
    """The SavedModel directory ``path`` is or lies in (its own file, metadata, variables, assets)."""
    folder = os.path.normpath(path if os.path.isdir(path) else (os.path.dirname(path) or "."))
    for _ in range(4):  # saved_model.pb, variables/x, assets.extra/x, assets/sub/x
        if is_savedmodel_dir(folder):
            return folder
        parent = os.path.normpath(os.path.join(folder, os.pardir))
        if os.path.abspath(parent) == os.path.abspath(folder):
            break
        folder = parent
    return None


def discover(paths: Sequence[str], config: Config) -> tuple[list[str], list[str]]:
    """Model files under ``paths`` (explicit files always count), and notes about what was skipped."""
    found: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    excluded = _Excluder(config)

    def add(path: str) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            found.append(path)

    for path in paths:
        if config.force_exclude and excluded(path):
            continue
        if os.path.isdir(path) and is_savedmodel_dir(path):
            add(path)
        elif os.path.isdir(path):
            models = sorted(_walk(path, config, excluded))
            if not models:
                looked = ", ".join(["*" + s for s in MODEL_SUFFIXES] + ["SavedModel directories"])
                notes.append(f"no model files found under {path} (looked for {looked})")
            for model in models:
                add(model)
        else:
            root = savedmodel_root(path) if _in_savedmodel_candidate(path) else None
            if root is not None:
                add(root)
            elif os.path.basename(path) in SAVEDMODEL_METADATA:
                notes.append(f"{path} is SavedModel metadata, not a model (and no SavedModel is around it)")
            else:
                add(path)
    return found, notes


def _in_savedmodel_candidate(path: str) -> bool:
    """Files a SavedModel directory holds (the graph, its metadata, variables, assets)."""
    name = os.path.basename(path)
    return name in SAVEDMODEL_FILES or name in SAVEDMODEL_METADATA or not name.endswith((".tflite",))


class _Excluder:
    """``exclude`` patterns (gitignore semantics) relative to the project root."""

    def __init__(self, config: Config) -> None:
        self.root = os.path.abspath(str(config.root or os.getcwd()))
        self.spec: PathSpec[Any] | None = _spec(config.exclude) if config.exclude else None

    def __call__(self, path: str) -> bool:
        if self.spec is None:
            return False
        rel = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        if rel.startswith("../"):
            rel = os.path.abspath(path).replace(os.sep, "/").lstrip("/")
        if os.path.isdir(path):
            rel += "/"
        return bool(self.spec.match_file(rel))


def _spec(patterns: Sequence[str]) -> PathSpec[Any]:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _gitignore(folder: str) -> PathSpec[Any] | None:
    path = os.path.join(folder, ".gitignore")
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read(1 << 20).splitlines()
    except OSError:
        return None
    return _spec(lines) if lines else None


def _is_tflite(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(8)[4:8] == _TFLITE_IDENTIFIER
    except OSError:
        return False


def walk_takes(path: str, config: Config) -> bool:
    """Whether the walk takes this file as a model: a model file name (``*.tflite``, ``*.pb``,
    ``*.pbtxt``), or a file matching ``include`` (default ``*.bin``) that is a TFLite flatbuffer.
    (The walk also decides SavedModel directories, ``exclude`` and ``.gitignore``.)"""
    name = os.path.basename(path)
    if name.endswith(MODEL_SUFFIXES):
        return True
    return bool(config.include) and _spec(config.include).match_file(name) and _is_tflite(path)


def _walk(top: str, config: Config, excluded: _Excluder) -> Iterator[str]:
    include = _spec(config.include) if config.include else None
    ignores: list[tuple[str, Any]] = []  # (folder, spec) of every .gitignore above the current folder

    def ignored(path: str, is_dir: bool) -> bool:
        for base, spec in ignores:
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if not rel.startswith("../") and spec.match_file(rel + ("/" if is_dir else "")):
                return True
        return False

    for folder, dirs, files in os.walk(top):
        ignores[:] = [(base, spec) for base, spec in ignores if _is_below(folder, base)]
        local = _gitignore(folder)
        if local is not None:
            ignores.append((folder, local))
        if folder != top and is_savedmodel_dir(folder):
            dirs[:] = []  # variables/, assets/ and debug/ belong to the model
            if not excluded(folder):
                yield folder
            continue
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP_DIRS
            and not d.startswith(".")
            and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
            and not ignored(os.path.join(folder, d), True)
            and not excluded(os.path.join(folder, d))
        )
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(MODEL_SUFFIXES):
                pass
            elif include is not None and include.match_file(name) and _is_tflite(path):
                pass  # e.g. a .bin that is a TFLite flatbuffer
            else:
                continue
            if not ignored(path, False) and not excluded(path):
                yield path


def _is_below(folder: str, base: str) -> bool:
    return folder == base or folder.startswith(base.rstrip(os.sep) + os.sep)
