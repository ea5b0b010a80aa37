"""Which models a workspace holds, which project (configuration) each belongs to, and which model
a changed file means.

* A project is the closest ``pyproject.toml`` with ``[tool.oplint]`` above a model, as for the
  command line (or the workspace folder's defaults when there is none); it is prepared once
  (one ``Run`` per configuration) and reused for every model it holds.
* A file inside a SavedModel directory (``saved_model.pb``, ``fingerprint.pb``,
  ``keras_metadata.pb``, ``variables/*``, ``assets.extra/*.pb``...) means that SavedModel; the
  metadata files are never linted as GraphDefs of their own.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import NamedTuple

from ..api import Config, ConfigError, Run, load_config, prepare
from ..core.files import SAVEDMODEL_FILES, is_savedmodel_dir
from ..run.config import DEFAULT_BASELINE, find_pyproject
from ..run.discover import MODEL_SUFFIXES, SAVEDMODEL_METADATA, discover, savedmodel_root, walk_takes

CONFIG_NAME = "pyproject.toml"
BASELINE_NAME = DEFAULT_BASELINE
#: files whose change means the configuration may have changed: every project is reloaded
CONFIG_NAMES = (CONFIG_NAME, BASELINE_NAME)


class Project(NamedTuple):
    key: str  #: the configuration file, or the workspace folder when it has none
    run: Run | None
    error: str | None = None  #: why the configuration cannot be used
    config_file: Path | None = None


def is_config(path: str) -> bool:
    return os.path.basename(path) in CONFIG_NAMES


def within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class Projects:
    """The prepared configurations of a set of workspace folders (used on one thread)."""

    def __init__(self, roots: Iterable[str]) -> None:
        self.roots = sorted({os.path.abspath(r) for r in roots}, key=len, reverse=True)
        self._by_key: dict[str, Project] = {}
        self._by_dir: dict[str, str] = {}

    def root_of(self, path: str) -> str | None:
        """The innermost workspace folder holding ``path``."""
        return next((r for r in self.roots if within(path, r)), None)

    def project(self, model: str) -> Project:
        folder = model if os.path.isdir(model) else os.path.dirname(model)
        key = self._by_dir.get(folder)
        if key is None:
            try:
                found = find_pyproject(Path(folder))
            except ConfigError as exc:
                key = f"error:{exc}"
                self._by_key.setdefault(key, Project(key, None, str(exc)))
            else:
                key = str(found) if found else (self.root_of(model) or folder)
            self._by_dir[folder] = key
        project = self._by_key.get(key)
        if project is None:
            project = self._by_key[key] = self._load(key)
        return project

    def _load(self, key: str) -> Project:
        is_file = os.path.isfile(key)
        cwd = Path(os.path.dirname(key) if is_file else key)
        config_file = Path(key) if is_file else None
        try:
            config = load_config(cwd=cwd)
            if config.root is None:
                config = config._replace(root=cwd)
            return Project(key, prepare(config), None, config_file)
        except ConfigError as exc:
            return Project(key, None, str(exc), config_file)
        except Exception as exc:  # a bug must not stop the other projects
            return Project(key, None, f"oplint failed to load the configuration: {type(exc).__name__}: {exc}")

    def projects(self) -> list[Project]:
        return list(self._by_key.values())

    def resolver_sources(self) -> set[str]:
        """The firmware op-resolver sources the projects read (``resolver =``): a change to one
        changes what the TFLM targets register, so every project is reloaded."""
        out: set[str] = set()
        for project in self._by_key.values():
            if project.run is not None:
                config = project.run.config
                paths = [*config.resolver, *(p for c in config.custom_targets for p in c.resolver)]
                out.update(os.path.abspath(p) for p in paths)
        return out

    def scan(self) -> list[str]:
        """Every model in the workspace folders, as ``oplint check FOLDER`` finds them."""
        found: dict[str, None] = {}
        for root in sorted(self.roots, key=len):
            if not os.path.isdir(root):
                continue
            project = self.project(os.path.join(root, CONFIG_NAME))
            config = project.run.config if project.run is not None else Config(root=Path(root))
            try:
                files, _ = discover([root], config)
            except (OSError, ConfigError):
                continue
            for path in files:
                found[os.path.abspath(path)] = None
        return [m for m in found if not self.excluded(m)]

    def excluded(self, model: str) -> bool:
        """A model that its own project's ``exclude`` leaves out (a nested project's patterns
        are not applied by the walk of the workspace folder)."""
        project = self.project(model)
        if project.run is None or not project.run.config.exclude or os.path.isdir(model):
            return False
        forced = project.run.config._replace(force_exclude=True)
        try:
            return not discover([model], forced)[0]
        except (OSError, ConfigError):
            return False


def model_of(path: str, known: Collection[str] = (), config: Config | None = None) -> str | None:
    """The model a changed (created, changed or deleted) file means, or None.

    A file inside a SavedModel is that SavedModel; a ``saved_model.pb`` that is gone was its
    folder's; a model file is itself (what a walk of its folder under ``config`` takes); SavedModel
    metadata or other files are no model."""
    path = os.path.abspath(path)
    root = savedmodel_root(path)
    if root is not None:
        return os.path.abspath(root)
    name = os.path.basename(path)
    if name in SAVEDMODEL_FILES:
        return os.path.dirname(path)  # it was a SavedModel: refreshing it clears it
    folder = os.path.dirname(path)
    while known and folder != os.path.dirname(folder):  # inside a SavedModel linted before, now gone
        if folder in known:
            return folder
        folder = os.path.dirname(folder)
    if name in SAVEDMODEL_METADATA:
        return None
    if name.endswith(MODEL_SUFFIXES) or path in known:  # a model file, or one that was (deleted)
        return path
    if config is not None and os.path.isfile(path) and walk_takes(path, config):  # a .bin model
        return path
    return None


def is_model(path: str) -> bool:
    """Still a model on disk: a file, or a SavedModel directory."""
    if os.path.isdir(path):
        return is_savedmodel_dir(path)
    return os.path.isfile(path)
