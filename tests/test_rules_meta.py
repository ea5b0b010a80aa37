"""Every rule: unique code and name, documented, registered, and its documented examples hold."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import oplint.checks as checks_pkg
from oplint import checks
from oplint.checks.rule import DOC_HEADINGS
from oplint.cli import cli
from oplint.core.model import ProblemKind
from tests.helpers import lint, runner


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in checks.RULES}) == len(checks.RULES)
    assert len({r.name for r in checks.RULES}) == len(checks.RULES)


def test_every_rule_module_is_registered() -> None:
    modules = {m.name for m in pkgutil.iter_modules(checks_pkg.__path__) if m.name.startswith("opl")}
    declared = {f"opl{r.code[3:]}_{r.name.replace('-', '_')}" for r in checks.RULES}
    assert modules == declared, modules ^ declared
    for r in checks.RULES:  # each module's RULE is its own (code and name match the file name)
        module = importlib.import_module(f"oplint.checks.opl{r.code[3:]}_{r.name.replace('-', '_')}")
        assert module.RULE is r


def test_every_reader_problem_has_one_rule() -> None:
    for kind in ProblemKind:
        assert [r.code for r in checks.RULES if kind in r.reports] == [checks.for_problem(kind).code], kind


def test_every_option_is_declared_once() -> None:
    keys = [o.key for r in checks.RULES for o in r.options]
    assert len(keys) == len(set(keys)) and {"max-partitions", "arena-size"} <= set(keys)


@pytest.mark.parametrize("rule", checks.RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule: checks.Rule) -> None:
    for heading in DOC_HEADINGS:
        assert heading in rule.doc, f"{rule.code} docstring lacks '{heading}'"
    assert rule.summary and not rule.summary.endswith(".")
    assert rule.fires_on and rule.silent_on, f"{rule.code} names no examples"


@pytest.mark.parametrize("rule", checks.RULES, ids=lambda r: r.code)
def test_documented_examples_hold(rule: checks.Rule) -> None:
    for name, target in rule.fires_on:
        assert rule.code in [f.code for f in lint(name, target)], f"{rule.code} should fire on {name} [{target}]"
    for name, target in rule.silent_on:
        assert rule.code not in [f.code for f in lint(name, target)], f"{rule.code} must not fire on {name} [{target}]"


@pytest.mark.parametrize("rule", checks.RULES, ids=lambda r: r.code)
def test_explain_prints_the_documentation(rule: checks.Rule) -> None:

    for key in (rule.code, rule.code.lower(), rule.name):
        result = runner().invoke(cli, ["explain", key])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"# {rule.name} ({rule.code})")
        assert "## How to fix" in result.output
