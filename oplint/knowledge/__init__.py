"""Where the declarative knowledge (the top-level ``rules/`` folder) lives.

In a source checkout or an editable install it is ``<repo>/rules``; a wheel carries the same
folder as ``oplint/_rules`` (see ``[tool.hatch.build.targets.wheel.force-include]``).  Both
layouts are found by this one function, and tests cover both.
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent.parent  # the oplint package


@cache
def rules_dir() -> Path:
    override = os.environ.get("OPLINT_RULES_DIR")
    candidates = [Path(override)] if override else []
    candidates += [_PACKAGE / "_rules", _PACKAGE.parent / "rules"]
    for candidate in candidates:
        if (candidate / "targets").is_dir():
            return candidate
    raise FileNotFoundError(
        "oplint's knowledge base (rules/targets) is missing from this installation: "
        + ", ".join(str(c) for c in candidates)
    )


def targets_dir() -> Path:
    return rules_dir() / "targets"


def cache_dir() -> Path | None:
    """Where parsed knowledge files are cached as JSON (``OPLINT_CACHE_DIR=""`` disables it)."""
    configured = os.environ.get("OPLINT_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "oplint"


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a knowledge TOML file, through a JSON cache keyed by the file's content.

    tomllib is pure Python: the three base targets take ~40 ms to parse, a third of a cold
    ``oplint check``.  The cache is keyed by a hash of the bytes, so an edited or regenerated
    file is never served stale, and a cache that cannot be written is silently skipped.
    """
    data = path.read_bytes()
    cache = cache_dir()
    cached = None
    if cache is not None:
        import zlib  # built in; hashlib would cost more start-up than it saves

        digest = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"
        cached = cache / f"{path.stem}-{digest}.json"
        try:
            with open(cached, encoding="utf-8") as fh:
                result: dict[str, Any] = json.load(fh)
            return result
        except (OSError, ValueError):
            pass
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    parsed: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(parsed), encoding="utf-8")
            os.replace(tmp, cached)
        except OSError:
            pass
    return parsed
