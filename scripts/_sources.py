"""Pinned upstream sources shared by the generators in this folder.

The pins themselves live in one place, :mod:`oplint.knowledge.sources` (``LITERT``, ``TFLM``,
``VELA``); this module adds what generators need to read them.  Every generated file under
``rules/`` and ``oplint/readers/tflite_schema.py`` records the repository, commit and path it was
read from.  The generators read upstream files with ``git show <commit>:<path>`` from a local clone
or mirror, so any clone that contains the pinned commit reproduces the tables byte for byte, e.g.::

    git clone https://github.com/google-ai-edge/LiteRT ../LiteRT
    git clone https://github.com/tensorflow/tflite-micro ../tflite-micro
    python scripts/gen_tflite_targets.py --litert ../LiteRT --tflm ../tflite-micro
    python scripts/gen_tflm_target.py --tflm ../tflite-micro
    python scripts/gen_tf_fate.py --litert ../LiteRT

Only facts (op names, enum values, field slots, version strings, registered op lists) are
taken from the sources; no upstream code is copied into this repository.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from oplint.knowledge import sources  # noqa: E402


@dataclass(frozen=True)
class Pin:
    repo: str
    commit: str
    date: str

    def show(self, clone: Path, path: str) -> str:
        """Return the text of ``path`` at the pinned commit of a local clone."""
        try:
            out = subprocess.run(
                ["git", "--git-dir", str(_git_dir(clone)), "show", f"{self.commit}:{path}"],
                check=True,
                capture_output=True,
            )
        except subprocess.CalledProcessError as exc:  # pragma: no cover - maintainer tool
            raise SystemExit(
                f"cannot read {self.repo}@{self.commit[:10]}:{path} from {clone}: "
                f"{exc.stderr.decode(errors='replace').strip()}"
            ) from exc
        return out.stdout.decode("utf-8")

    def ls(self, clone: Path, prefix: str) -> list[str]:
        out = subprocess.run(
            ["git", "--git-dir", str(_git_dir(clone)), "ls-tree", "-r", "--name-only", self.commit, prefix],
            check=True,
            capture_output=True,
        )
        return out.stdout.decode().split()

    def source(self, path: str) -> dict[str, str]:
        return {"repo": self.repo, "commit": self.commit, "path": path}


def _git_dir(clone: Path) -> Path:
    clone = Path(clone)
    if (clone / ".git").exists():
        return clone / ".git"
    return clone  # a bare repository / mirror


LITERT = Pin(sources.LITERT.repo, sources.LITERT.commit, sources.LITERT.date)
TFLM = Pin(sources.TFLM.repo, sources.TFLM.commit, sources.TFLM.date)

SCHEMA_FBS = "tflite/converter/schema/schema.fbs"
RUNTIME_VERSION_CC = "tflite/converter/tools/versioning/runtime_version.cc"
REGISTER_CC = "tflite/core/kernels/register.cc"
VERSION_H = "tflite/version.h"
INTERPRETER_BUILDER_CC = "tflite/core/interpreter_builder.cc"
FLEX_ALLOWLIST_CC = "tflite/converter/delegates/flex/allowlisted_flex_ops.cc"
TFLM_RESOLVER_H = "tensorflow/lite/micro/micro_mutable_op_resolver.h"
TFLM_KERNELS = "tensorflow/lite/micro/kernels"


def toml_str(value: str) -> str:
    """A TOML basic string (the generators write TOML by hand: tomllib cannot write)."""
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def toml_key(key: str) -> str:
    if key and all(c.isalnum() or c in "-_" for c in key):
        return key
    return toml_str(key)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
