"""Ignores (per-file and ignore-findings, each with a reason), baselines and OPL901."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from oplint.cli import cli
from oplint.run.config import ConfigError, load_config
from tests.helpers import FIXTURES, runner


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "models").mkdir()
    for name in ("flex_erf", "exp_int8", "conv_int8"):
        shutil.copy(FIXTURES / "tflite" / f"{name}.tflite", tmp_path / "models" / f"{name}.tflite")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> tuple[int, str, str]:
    result = runner().invoke(cli, ["check", "models", "--output-format", "concise", *args])
    return result.exit_code, result.stdout, result.stderr


def write(project: Path, body: str) -> None:
    (project / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflite", "tflm"]\n' + body)


def test_ignore_findings_with_reason(project: Path) -> None:
    write(
        project,
        '[[tool.oplint.ignore-findings]]\npath = "models/exp_int8.tflite"\ncode = "OPL201"\n'
        'node = "ex*"\nreason = "our firmware registers an int8 EXP"\n',
    )
    code, out, _ = check("--select", "OPL2")
    assert code == 0, out
    assert "1 accepted finding" in check("--select", "OPL2", "--output-format", "full")[1]


def test_ignore_needs_a_reason(project: Path) -> None:
    write(project, '[[tool.oplint.ignore-findings]]\npath = "models/*"\ncode = "OPL201"\n')
    code, _, err = check()
    assert code == 2 and "'reason' is required" in err


def test_ignore_with_unknown_code_or_key(project: Path) -> None:
    write(project, '[[tool.oplint.ignore-findings]]\npath = "models/*"\ncode = "OPL777x"\nreason = "x"\n')
    assert check()[0] == 2
    write(project, '[[tool.oplint.ignore-findings]]\npath = "models/*"\ncode = "OPL201"\nreason = "x"\nwhy = 1\n')
    assert "unknown key 'why'" in check()[2]


def test_per_file_ignores(project: Path) -> None:
    write(project, '[tool.oplint.per-file-ignores]\n"models/flex_*.tflite" = ["flex-op"]\n"models/exp*" = ["OPL2"]\n')
    code, out, _ = check()
    assert code == 0, out


def test_node_and_target_narrow_an_ignore(project: Path) -> None:
    write(
        project,
        '[[tool.oplint.ignore-findings]]\npath = "models/flex_erf.tflite"\ncode = "OPL102"\n'
        'target = "tflm"\nreason = "the tflite build links Flex"\n',
    )
    code, out, _ = check("--select", "OPL1")
    assert code == 1 and "OPL102 [tflite]" in out and "OPL102 [tflm]" not in out


def test_unused_ignore_is_reported_on_the_config(project: Path) -> None:
    write(
        project,
        '[[tool.oplint.ignore-findings]]\npath = "models/conv_int8.tflite"\ncode = "OPL101"\n'
        'reason = "stale"\n[tool.oplint.per-file-ignores]\n"models/nothing_here/*" = ["OPL1"]\n',
    )
    code, out, _ = check("--select", "OPL9")
    assert "pyproject.toml: OPL901 ignore-findings entry 1" in out
    assert "nothing_here" not in out  # its glob matched no linted model: not judged
    assert code == 0  # a warning
    assert check("--select", "OPL9", "--failure-threshold", "warning")[0] == 1


def test_baseline_accepts_old_findings_and_fails_new_ones(project: Path) -> None:
    write(project, 'baseline = ".oplint-baseline.json"\n')
    result = runner().invoke(cli, ["check", "models", "--write-baseline"])
    assert result.exit_code == 0 and "wrote 3 findings" in result.stderr
    doc = json.loads((project / ".oplint-baseline.json").read_text())
    assert doc["version"] == 1 and {e["path"] for e in doc["findings"]} == {
        "models/flex_erf.tflite",
        "models/exp_int8.tflite",
    }
    assert check()[0] == 0
    shutil.copy(FIXTURES / "tflite" / "rfft2d_float.tflite", project / "models" / "rfft2d_float.tflite")
    code, out, _ = check()
    assert code == 1 and "rfft2d_float" in out and "flex_erf.tflite:sg0" not in out
    # the baseline is keyed by the path below the project root, not by how the path was typed
    result = runner().invoke(cli, ["check", str(project / "models"), "--output-format", "concise"])
    assert "flex_erf.tflite:sg0" not in result.stdout


def test_stale_baseline_entries(project: Path) -> None:
    write(project, 'baseline = "b.json"\n')
    assert runner().invoke(cli, ["check", "models", "--write-baseline"]).exit_code == 0
    shutil.copy(FIXTURES / "tflite" / "conv_int8.tflite", project / "models" / "exp_int8.tflite")  # fixed
    code, out, _ = check("--failure-threshold", "warning")
    assert code == 1 and "OPL901" in out and "1 baseline entry" in out


def test_missing_or_broken_baseline(project: Path) -> None:
    write(project, 'baseline = "nope.json"\n')
    code, _, err = check()
    assert code == 2 and "baseline file not found" in err
    (project / "bad.json").write_text("{")
    write(project, 'baseline = "bad.json"\n')
    assert check()[0] == 2


def test_force_exclude(project: Path) -> None:
    write(project, 'exclude = ["models/flex_*"]\n')

    def run(*args: str) -> int:
        return runner().invoke(cli, ["check", "models/flex_erf.tflite", "--output-format", "concise", *args]).exit_code

    assert run("--force-exclude") == 0
    assert run() == 1  # explicit paths are checked without --force-exclude


def test_config_validation_of_new_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.oplint]\nper-file-ignores = ["x"]\n')
    with pytest.raises(ConfigError, match="per-file-ignores"):
        load_config(cwd=tmp_path)


def test_parallel_run_gives_the_same_report_and_applies_suppressions(project: Path) -> None:
    write(
        project,
        '[[tool.oplint.ignore-findings]]\npath = "models/exp_int8.tflite"\ncode = "OPL201"\n'
        'reason = "firmware has it"\n',
    )
    one = runner().invoke(cli, ["check", "models", "--output-format", "json"])
    two = runner().invoke(cli, ["check", "models", "--output-format", "json", "-j", "2"])
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    assert '"suppressed": 1' in two.stdout
