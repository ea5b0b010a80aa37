"""Where the declarative knowledge (the top-level ``rules/`` folder) lives.

In a source checkout or an editable install it is ``<repo>/rules``; a wheel carries the same
folder as ``oplint/_rules`` (see ``[tool.hatch.build.targets.wheel.force-include]``).  Both
layouts are found by this one function, and tests cover both.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


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
