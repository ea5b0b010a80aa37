"""The options users bring from ruff: -o, --extend-select, --exclude/--extend-exclude, -q,
--statistics, --show-settings, --show-files, '-' for standard input, NO_COLOR/FORCE_COLOR,
--version naming the knowledge pins; and the ladder agreeing with the exit status."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from oplint.cli import cli
from oplint.knowledge.sources import LITERT, TFLM
from tests.helpers import FIXTURES, runner

ANSI = re.compile("\x1b\\[[0-9;]*m")


@pytest.fixture()
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "models" / "legacy").mkdir(parents=True)
    for name in ("flex_erf", "conv_float", "exp_int8"):
        shutil.copy(FIXTURES / "tflite" / f"{name}.tflite", tmp_path / "models" / f"{name}.tflite")
    shutil.copy(FIXTURES / "tflite" / "rfft2d_float.tflite", tmp_path / "models" / "legacy" / "old.tflite")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner().invoke(cli, list(args), env=env, input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def checked(out: str) -> set[str]:
    return {Path(p["path"]).name for p in json.loads(out)["results"]}


def test_output_file_holds_what_stdout_would(models: Path) -> None:
    code, out, _ = run("check", "models", "--output-format", "json")
    code2, out2, err = run("check", "models", "--output-format", "json", "-o", "report.json")
    assert code == code2 == 1 and out2 == ""
    assert (models / "report.json").read_text() == out
    code, _, err = run("check", "models", "-o", "no/such/folder/report.txt")
    assert code == 2 and err.count("\n") == 1 and "report.txt" in err


def test_exclude_and_extend_exclude_on_the_command_line(models: Path) -> None:
    every = checked(run("check", "models", "--output-format", "json")[1])
    assert every == {"flex_erf.tflite", "conv_float.tflite", "exp_int8.tflite", "old.tflite"}
    assert checked(run("check", "models", "--output-format", "json", "--exclude", "legacy")[1]) == every - {
        "old.tflite"
    }
    (models / "pyproject.toml").write_text('[tool.oplint]\nexclude = ["legacy/"]\n')
    assert "old.tflite" not in checked(run("check", "models", "--output-format", "json")[1])
    # --exclude replaces the configuration's list; --extend-exclude adds to it
    assert "old.tflite" in checked(run("check", "models", "--output-format", "json", "--exclude", "flex_*")[1])
    both = checked(run("check", "models", "--output-format", "json", "--extend-exclude", "flex_*")[1])
    assert both == {"conv_float.tflite", "exp_int8.tflite"}


def test_extend_select_adds_to_the_selection(models: Path) -> None:
    def codes(*args: str) -> set[str]:
        out = run("check", "models", "--output-format", "json", *args)[1]
        return {f["code"] for r in json.loads(out)["results"] for f in r["findings"]}

    assert codes("--select", "OPL102") == {"OPL102"}
    assert codes("--select", "OPL102", "--extend-select", "OPL201") == {"OPL102", "OPL201"}
    (models / "pyproject.toml").write_text('[tool.oplint]\nselect = ["OPL201"]\n')
    assert codes() == {"OPL201"}
    assert codes("--extend-select", "flex-op") == {"OPL102", "OPL201"}  # on top of the configuration's
    assert run("check", "models", "--extend-select", "OPL99x")[0] == 2


def test_quiet_prints_only_the_summary(models: Path) -> None:
    code, out, _ = run("check", "models", "-q")
    assert code == 1
    assert "help:" not in out and ": OPL" not in out  # no finding lines
    assert "flex_erf.tflite: passes tflite-flex; fails tflite (1), tflm (1)" in out
    assert out.splitlines()[-1].startswith("Found ")


def test_statistics_count_findings_per_rule(models: Path) -> None:
    _, out, _ = run("check", "models", "--output-format", "concise")
    expected = Counter(m.group(1) for m in re.finditer(r": (OPL\d{3}) \[", out))  # one line per finding
    code, out, _ = run("check", "models", "--statistics")
    assert code == 1  # the same gate as the report it summarises
    counted = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\s+(OPL\d{3})\s+\S+", line)
        if m:
            counted[m.group(2)] = int(m.group(1))
    assert counted == dict(expected) and sum(counted.values()) >= 3


def test_show_settings_and_show_files_lint_nothing(models: Path) -> None:
    (models / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm"]\nexclude = ["legacy/"]\n')
    code, out, _ = run("check", "models", "--show-settings")
    assert code == 0 and "target: tflm" in out and "pyproject.toml" in out and "OPL102 flex-op (error)" in out
    assert "target: tflite " not in out
    code, out, _ = run("check", "models", "--show-files")
    assert code == 0
    assert sorted(out.split()) == sorted(
        ["models/conv_float.tflite", "models/exp_int8.tflite", "models/flex_erf.tflite"]
    )


def test_a_model_on_standard_input(models: Path) -> None:
    data = (models / "models" / "flex_erf.tflite").read_bytes()
    code, out, _ = run("check", "-", "-t", "tflite", "--output-format", "concise", stdin=data)
    assert code == 1 and out.startswith("-:sg0:op0: OPL102 [tflite] FlexErf")
    code, _, err = run("check", "-", stdin=b"")
    assert code == 1 or code == 2, err


def test_colour_follows_no_color_and_force_color(models: Path) -> None:
    plain = run("check", "models/flex_erf.tflite")[1]
    assert not ANSI.search(plain)  # not a terminal
    forced = run("check", "models/flex_erf.tflite", env={"FORCE_COLOR": "1", "NO_COLOR": ""})[1]
    assert ANSI.search(forced) and ANSI.sub("", forced) == plain
    assert not ANSI.search(run("check", "models/flex_erf.tflite", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1])
    json_out = run("check", "models/flex_erf.tflite", "--output-format", "json", env={"FORCE_COLOR": "1"})[1]
    assert not ANSI.search(json_out)


def test_version_names_the_knowledge_pins() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert f"LiteRT {LITERT.commit[:10]}" in out and f"tflite-micro {TFLM.commit[:10]}" in out and "Vela " in out


def test_help_lists_every_command_in_full() -> None:
    out = run("--help")[1]
    for line in out.splitlines():
        assert "e.g." not in line or ")" in line, line
    assert re.search(r"\n  explain +Show a rule's documentation\.\n", out), out


@pytest.mark.parametrize("threshold", ["error", "warning", "info"])
def test_the_ladder_agrees_with_the_exit_status(models: Path, threshold: str) -> None:
    targets = "tflite,xnnpack,gpu,tflm"
    for model in sorted((models / "models").glob("*.tflite")):
        code, out, _ = run("check", str(model), "-t", targets, "-q", "--failure-threshold", threshold)
        ladder = next(line for line in out.splitlines() if line.startswith(str(model) + ": "))
        assert (code == 1) == ("fails " in ladder), (threshold, ladder, code)
