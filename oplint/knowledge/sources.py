"""The upstream sources oplint's knowledge comes from, pinned in one place, and citations into them.

Every translated check cites the line it translates: ``GPU_COMPAT(192)`` is line 192 of
``tflite/tools/versioning/gpu_compatibility.cc`` at the pinned LiteRT commit.  Citations are
data: :class:`Cite` values that findings, tests and the refresh script
(``python -m oplint.knowledge.refresh``) read.  ``tests/test_citations.py`` checks every
citation in ``oplint/delegates`` against the pinned sources when a checkout of them is present.

A checkout is found (:func:`checkout`) through ``$OPLINT_SOURCES`` (a folder holding clones or
mirrors named after the repository) or ``$OPLINT_<NAME>_SRC`` (one clone), else beside this
repository: ``../<name>`` (a clone) or ``../.mirror/<owner>+<name>/repo`` (a bare mirror).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import NamedTuple


class Pin(NamedTuple):
    """One pinned upstream: a git repository at a commit, or a package at a version."""

    key: str  #: how sources name it: "litert", "tflite-micro", "vela"
    repo: str  #: "google-ai-edge/LiteRT", or the package name for a package pin
    commit: str  #: the pinned commit (or the package version)
    date: str = ""

    @property
    def is_git(self) -> bool:
        return "/" in self.repo

    def provenance(self, path: str) -> dict[str, str]:
        if self.is_git:
            return {"repo": self.repo, "commit": self.commit, "date": self.date, "path": path}
        return {"package": self.repo, "version": self.commit, "path": path}


LITERT = Pin("litert", "google-ai-edge/LiteRT", "f67457790c9c2ab67347d6fe53270e8d3df20868", "2026-08-21")
TFLM = Pin("tflite-micro", "tensorflow/tflite-micro", "90b983c2b3f1480642e040bbd2ddb37b998f3424", "2026-08-20")
VELA = Pin("vela", "ethos-u-vela", "5.2.0")
#: documentation pages (not versioned here; the citation names the page and section)
CORAL_DOCS = Pin("coral-docs", "coral.ai", "2019")

PINS: dict[str, Pin] = {p.key: p for p in (LITERT, TFLM, VELA, CORAL_DOCS)}


class Source(NamedTuple):
    """A file of a pinned source whose lines checks cite: ``SOURCE(192)`` is a :class:`Cite`."""

    pin: str  #: key of :data:`PINS`
    path: str

    def __call__(self, line: int | None = None) -> Cite:
        return Cite(self, line)

    def __str__(self) -> str:
        return self.path


class Cite(NamedTuple):
    """Where a translated check comes from: a file of a pinned source and (usually) a line."""

    source: Source
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.source.path}:{self.line}" if self.line is not None else self.source.path


def litert(path: str) -> Source:
    return Source(LITERT.key, path)


def tflm(path: str) -> Source:
    return Source(TFLM.key, path)


# -- finding a checkout ----------------------------------------------------------------------
_ROOT = Path(__file__).resolve().parents[2]  # the repository (or site-packages, where nothing is beside it)


def checkout(pin: Pin) -> Path | None:
    """A local clone or bare mirror holding ``pin``'s repository (None: not on this machine)."""
    if not pin.is_git:
        return None
    owner, name = pin.repo.split("/")
    env = os.environ.get(f"OPLINT_{pin.key.upper().replace('-', '_')}_SRC")
    candidates = [Path(env)] if env else []
    roots = [Path(p) for p in os.environ.get("OPLINT_SOURCES", "").split(os.pathsep) if p]
    roots.append(_ROOT.parent)
    for root in roots:
        candidates += [root / name, root / f"{owner}+{name}" / "repo", root / ".mirror" / f"{owner}+{name}" / "repo"]
    for candidate in candidates:
        if (candidate / ".git").exists() or (candidate / "HEAD").is_file():
            return candidate
    return None


def _git_dir(clone: Path) -> Path:
    return clone / ".git" if (clone / ".git").exists() else clone


@cache
def read(pin_key: str, path: str, commit: str | None = None) -> list[str] | None:
    """The lines of ``path`` at the pinned commit (or ``commit``), or None when no checkout has it."""
    pin = PINS[pin_key]
    clone = checkout(pin)
    if clone is None:
        return None
    import subprocess

    out = subprocess.run(
        ["git", "--git-dir", str(_git_dir(clone)), "show", f"{commit or pin.commit}:{path}"],
        capture_output=True,
        check=False,
    )
    if out.returncode != 0:
        return None
    return out.stdout.decode("utf-8", "replace").splitlines()
