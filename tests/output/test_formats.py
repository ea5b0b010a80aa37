"""Machine formats: SARIF (validated against the 2.1.0 schema), GitHub annotations, JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from oplint.core.findings import Finding, Location, Severity, Source
from oplint.core.report import Report
from oplint.output import CHOICES, render
from oplint.run.config import Config, TargetSpec
from oplint.run.lint import lint_paths
from tests.helpers import FIXTURES, ROOT, fixture

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


def report(*names: str, targets: tuple[str, ...] = ("tflite", "tflm")) -> Report:
    cfg = Config(targets=tuple(TargetSpec(t) for t in targets))
    return lint_paths([fixture(f"tflite/{n}.tflite") for n in names], cfg)


def test_cli_choices_match_the_registry() -> None:
    from oplint.cli import FORMAT_CHOICES

    assert set(FORMAT_CHOICES) == set(CHOICES)


def test_sarif_is_valid_and_carries_only_fired_rules() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(render(report("flex_erf", "conv_int8", "truncated"), "sarif"))
    jsonschema.validate(doc, SCHEMA)
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["OPL001", "OPL102"]
    assert all(r["help"]["markdown"].startswith(r["shortDescription"]["text"]) for r in run["tool"]["driver"]["rules"])
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region == {"startLine": 1}
        assert len(result["partialFingerprints"]["primaryLocationLineHash"]) > 10
    flex = [r for r in run["results"] if r["ruleId"] == "OPL102"]
    assert {r["properties"]["target"] for r in flex} == {"tflite", "tflm"}
    assert flex[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "subgraph[0]/op[0]"


def test_sarif_points_at_the_python_line_when_known() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from oplint import checks

    rule = checks.BY_CODE["OPL101"]
    loc = Location(
        "export/saved_model",
        0,
        3,
        "Cumprod",
        "model/cumprod/Cumprod",
        layer="model/cumprod",
        source=Source("train.py", 42),
    )
    finding = Finding(loc, rule.code, rule.name, Severity.ERROR, "Cumprod needs Select TF ops", "replace it", "tflm")
    sarif = json.loads(render(Report((), ("tflm",), checks.RULES, meta=(finding,)), "sarif"))
    jsonschema.validate(sarif, SCHEMA)
    (result,) = sarif["runs"][0]["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "train.py"}, "region": {"startLine": 42}}
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "export/saved_model"
    github = render(Report((), ("tflm",), checks.RULES, meta=(finding,)), "github")
    assert github.startswith("::error file=train.py,line=42,title=oplint OPL101")


def test_output_is_deterministic() -> None:
    a = render(report("flex_erf", "exp_int8", "custom_op"), "sarif")
    b = render(report("custom_op", "exp_int8", "flex_erf"), "sarif")
    assert a == b


def test_github_annotations() -> None:
    out = render(report("flex_erf", targets=("tflm",)), "github").splitlines()
    assert len(out) == 1
    assert out[0].startswith(f"::error file={fixture('tflite/flex_erf.tflite')},title=oplint OPL102 flex-op [tflm]::")
    assert "%0A" not in out[0] or "\n" not in out[0]


def test_github_escapes_the_runner_metacharacters() -> None:
    from oplint.output.github import line

    loc = Location("models/a,b:c.tflite")
    f = Finding(loc, "OPL001", "unreadable-model", Severity.ERROR, "100% broken\nsecond line", None, None)
    assert (
        line(f)
        == "::error file=models/a%2Cb%3Ac.tflite,title=oplint OPL001 unreadable-model::100%25 broken%0Asecond line"
    )


def test_junit_one_suite_per_model_one_case_per_target() -> None:
    xml = render(report("flex_erf", "conv_int8"), "junit")
    root = ET.fromstring(xml)
    assert root.tag == "testsuites" and root.get("tests") == "4" and root.get("failures") == "2"
    suites = {s.get("name"): s for s in root}
    flex = suites[fixture("tflite/flex_erf.tflite")]
    failures = flex.findall("testcase/failure")
    assert len(failures) == 2 and "OPL102" in (failures[0].get("message") or "")
    conv = suites[fixture("tflite/conv_int8.tflite")]
    assert not conv.findall("testcase/failure") and len(conv.findall("testcase")) == 2


def test_auto_picks_github_inside_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    from oplint.output import resolve

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert resolve("auto") == "github"
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert resolve("auto") == "full"


def test_every_format_renders_an_empty_report() -> None:
    empty = Report((), ("tflite",), ())
    for fmt in CHOICES:
        render(empty, fmt)  # no exception, whatever the format
    assert json.loads(render(empty, "json"))["results"] == []


def test_fixture_paths_exist() -> None:
    assert Path(FIXTURES / "tflite" / "flex_erf.tflite").is_file()
