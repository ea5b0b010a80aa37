"""oplint's verdict on every fixture equals what the real interpreters did with it.

fixtures/tflite/VERDICTS.json is written by fixtures/verify_real_tools.py with ai-edge-litert
(the LiteRT interpreter, `tflite` target) and the tflite-micro interpreter (`tflm` target).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from oplint.run.config import Config, TargetSpec
from oplint.run.lint import lint_file, prepare
from tests.helpers import FIXTURES, ROOT

VERDICTS = json.loads((FIXTURES / "tflite" / "VERDICTS.json").read_text())["fixtures"]
TOOLS = {"litert": "tflite", "tflm": "tflm"}


@pytest.mark.parametrize("name", sorted(VERDICTS))
@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_verdict_matches_the_real_interpreter(name: str, tool: str) -> None:
    run = prepare(Config(targets=(TargetSpec(TOOLS[tool]),)))
    report = lint_file(str(FIXTURES / "tflite" / name), run)
    ok = report.targets[TOOLS[tool]].ok
    real = VERDICTS[name][tool]
    assert ok == real["runs"], f"{tool} {'ran' if real['runs'] else 'failed'} ({real}); oplint: " + "; ".join(
        f"{f.code} {f.message}" for f in report.findings
    )


@pytest.mark.parametrize("name", sorted(n for n, v in VERDICTS.items() if v["litert"]["runs"] and "litert_gpu" in v))
def test_gpu_accelerator_compiles_exactly_when_oplint_says_it_can(name: str) -> None:
    """On fixtures the LiteRT CPU interpreter runs, CompiledModel with the GPU accelerator fails to
    compile exactly when oplint reports OPL304 for `gpu-litert` (dynamic or variable tensors)."""
    run = prepare(Config(targets=(TargetSpec("gpu-litert"),)))
    report = lint_file(str(FIXTURES / "tflite" / name), run)
    rejected = [f for f in report.findings if f.code == "OPL304"]
    real = VERDICTS[name]["litert_gpu"]
    assert bool(rejected) == (not real["runs"]), f"GPU compile: {real}; oplint: {[f.message for f in rejected]}"


def test_every_fixture_has_a_recorded_verdict() -> None:
    on_disk = {p.name for p in (FIXTURES / "tflite").glob("*.tflite")}
    assert on_disk == set(VERDICTS), "run fixtures/verify_real_tools.py after adding fixtures"


def test_fixtures_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "fixtures" / "build.py"), "--check"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
