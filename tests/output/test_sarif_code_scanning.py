"""SARIF as GitHub code scanning reads it: URIs relative to the repository root and
percent-encoded, no hard-coded automation id (upload-sarif's category decides), and a distinct
fingerprint for each distinct finding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from fixtures.tflite_builder import one_op
from oplint.cli import cli
from tests.helpers import FIXTURES, runner


def sarif(*args: str) -> dict[str, Any]:
    result = runner().invoke(cli, ["check", *args, "--output-format", "sarif"])
    assert result.exit_code in (0, 1), result.output
    run: dict[str, Any] = json.loads(result.stdout)["runs"][0]
    return run


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # a work tree's marker
    (tmp_path / "models").mkdir()
    shutil.copy(FIXTURES / "tflite" / "flex_erf.tflite", tmp_path / "models" / "plane strike#1.tflite")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.oplint]\ntargets = ["tflite"]\n'
        '[[tool.oplint.ignore-findings]]\npath = "models/*"\ncode = "OPL101"\nreason = "stale"\n'
    )
    monkeypatch.chdir(tmp_path / "models")
    return tmp_path


def uris(run: dict[str, Any]) -> dict[str, str]:
    return {r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}


def test_uris_are_relative_to_the_repository_root_and_percent_encoded(repo: Path) -> None:
    found = uris(sarif("."))
    assert found == {"OPL102": "models/plane%20strike%231.tflite", "OPL901": "pyproject.toml"}


def test_the_same_report_from_any_folder_of_the_repository(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inside = sarif(".")["results"]
    monkeypatch.chdir(repo)
    assert sarif("models")["results"] == inside


def test_no_automation_id_so_the_upload_category_decides(repo: Path) -> None:
    assert "automationDetails" not in sarif(".")


def test_distinct_findings_on_one_op_have_distinct_fingerprints(tmp_path: Path) -> None:
    path = tmp_path / "q.tflite"
    path.write_bytes(one_op("ADD", ["int8", "int8"], ["int8"], quantized=False))
    results = [r for r in sarif(str(path), "-t", "tflite")["results"] if r["ruleId"] == "OPL204"]
    assert len(results) == 3
    assert len({json.dumps(r["partialFingerprints"], sort_keys=True) for r in results}) == 3
