"""Each rule's documented example is real: the command in its docstring prints those lines."""

from __future__ import annotations

import re
import shlex

import pytest

from oplint import checks
from oplint.cli import cli
from tests.helpers import ROOT, runner


def examples(doc: str) -> list[tuple[list[str], list[str]]]:
    block = doc.split("## Example", 1)[1].split("## ", 1)[0]
    found = []
    for code in re.findall(r"```\n(.*?)```", block, re.S):
        lines = code.strip().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("$ oplint "):
                expected = []
                for out in lines[i + 1 :]:
                    if out.startswith("$ "):
                        break
                    expected.append(out)
                found.append((shlex.split(line[len("$ oplint ") :]), expected))
    return found


@pytest.mark.parametrize("rule", checks.RULES, ids=lambda r: r.code)
def test_documented_example_output(rule: checks.Rule, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runs = examples(rule.doc)
    assert runs, f"{rule.code} documents no `$ oplint ...` example"
    if rule.code == "OPL013":  # oplint's own failure, made to happen

        def crash(*_: object) -> None:
            raise ZeroDivisionError("division by zero")

        monkeypatch.setattr("oplint.run.lint.lint_model", crash)
    for args, expected in runs:
        isolation = [] if "--config" in args else ["--isolated"]
        result = runner().invoke(cli, [*args, "--output-format", "concise", *isolation])
        assert result.exit_code in (0, 1), result.output
        for line in expected:
            assert line in result.stdout.splitlines(), f"{rule.code}: {line!r} not in\n{result.stdout}"
        assert any(f": {rule.code} " in out for out in result.stdout.splitlines())
