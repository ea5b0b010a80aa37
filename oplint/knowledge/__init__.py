"""Where the declarative knowledge (the top-level ``rules/`` folder) lives.

In a source checkout or an editable install it is ``<repo>/rules``; a wheel carries the same
folder as ``oplint/_rules`` (see ``[tool.hatch.build.targets.wheel.force-include]``).  Both
layouts are found by this one function, and tests cover both.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from ..core.files import cache_json, cached_json, parse_toml

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
        result = cached_json(cached)
        if isinstance(result, dict):
            return result
    parsed = parse_toml(data.decode("utf-8"))
    if cached is not None:
        cache_json(cached, parsed)
    return parsed
