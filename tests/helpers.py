"""Shared test helpers: fixture paths and a one-call lint (import as tests.helpers)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
#: the shared models and the real tools' verdicts: $OPLINT_SHARED, else a ``shared`` folder beside
#: the repository or beside the folder holding its worktrees (tests that need it skip without it)
SHARED = next(
    (
        p
        for p in (
            *([Path(os.environ["OPLINT_SHARED"])] if os.environ.get("OPLINT_SHARED") else []),
            *(parent / "shared" for parent in ROOT.parents),
        )
        if (p / "oracle").is_dir()
    ),
    ROOT.parent / "shared",
)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from oplint.core.findings import Finding  # noqa: E402
from oplint.run.config import Config, TargetSpec  # noqa: E402
from oplint.run.lint import lint_file, prepare  # noqa: E402


def runner() -> CliRunner:
    """click's test runner with stdout and stderr kept apart (click 8.1 mixes them by default;
    8.2 dropped the option and always separates them)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def fixture(name: str) -> str:
    path = FIXTURES / name
    assert path.exists(), f"missing fixture {name}; run python fixtures/build.py"
    return str(path)


def lint(name: str, target: str = "tflite", **config: object) -> list[Finding]:
    """Findings for one fixture (``name`` relative to fixtures/) on one target spec.

    ``target`` may carry an arena budget as ``tflm+arena=1K`` (what ``--arena-size`` sets) or a
    partition limit as ``ethos-u55+partitions=1`` (``--max-partitions``)."""
    if target.endswith("+crash"):  # oplint itself fails on the model (OPL013)
        from unittest import mock

        def crash(*_: object) -> None:
            raise ZeroDivisionError("division by zero")

        with mock.patch("oplint.run.lint.lint_model", crash):
            return lint(name, target[: -len("+crash")], **config)
    target, _, config_name = target.partition("+config=")
    target, _, signature = target.partition("+signature=")
    if signature:
        config["signature"] = signature
    options: dict[str, object] = dict(config.pop("options", {}))  # type: ignore[call-overload]
    target, _, partitions = target.partition("+partitions=")
    if partitions:
        options["max-partitions"] = int(partitions)
    target, _, arena = target.partition("+arena=")
    if arena:
        options["arena-size"] = arena
    target, _, flash = target.partition("+flash=")
    if flash:
        options["flash-size"] = flash
    target, _, resolver = target.partition("+resolver=")
    if resolver:
        config["resolver"] = tuple(FIXTURES / r for r in resolver.split(","))
    if options:
        config["options"] = options
    if config_name:  # a file of fixtures/config/: lint as `oplint check --config` does, ignores and all
        from oplint.run.config import load_config
        from oplint.run.lint import lint_paths

        loaded = load_config(FIXTURES / "config" / config_name)._replace(targets=(TargetSpec.parse(target),))
        return list(lint_paths([fixture(name)], loaded).findings)
    cfg = Config(targets=(TargetSpec.parse(target),), **config)  # type: ignore[arg-type]
    return list(lint_file(fixture(name), prepare(cfg)).findings)


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def where(findings: list[Finding], code: str) -> list[tuple[int | None, int | None]]:
    return [(f.location.graph, f.location.op_index) for f in findings if f.code == code]


needs_shared = pytest.mark.skipif(
    not (SHARED / "oracle" / "truth.json").is_file(), reason="../shared (oracle and corpus) is not present"
)
