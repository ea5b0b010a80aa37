"""The command line through click's runner: exit codes, formats, options, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oplint.cli import cli
from tests.helpers import ROOT, fixture, runner


@pytest.fixture()
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no pyproject.toml above: defaults only

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner().invoke(cli, list(args))
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_clean_model_exits_zero(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("check", fixture("tflite/conv_int8.tflite"))
    assert code == 0
    assert out.rstrip().endswith("All checks passed: 1 model, targets tflite, tflite-flex, tflm.")
    assert "conv_int8.tflite: passes tflite, tflite-flex, tflm" in out


def test_findings_exit_one_and_end_with_the_ladder(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("check", fixture("tflite/flex_erf.tflite"))
    assert code == 1
    assert "OPL102 [tflite, tflm] FlexErf" in out  # one line for both targets
    assert "which TensorFlow Lite builtins / TensorFlow Lite Micro cannot run" in out
    assert "flex_erf.tflite: passes tflite-flex; fails tflite (1), tflm (1)" in out
    assert "help: " in out and "oplint explain OPL102" in out


def test_concise_format(run) -> None:  # type: ignore[no-untyped-def]
    path = fixture("tflite/rfft2d_float.tflite")
    code, out, _ = run("check", path, "--target", "tflm", "--output-format", "concise")
    assert code == 1
    assert out.splitlines() == [  # the findings only, then the totals
        f"{path}:sg0:op0: OPL101 [tflm] RFFT2D 'rfft' has no kernel in TensorFlow Lite Micro",
        "Found 1 finding in 1 model (1 error).",
    ]
    code, out, _ = run("check", fixture("tflite/conv_float.tflite"), "--output-format", "concise")
    assert code == 0 and out.splitlines() == ["All checks passed: 1 model, targets tflite, tflite-flex, tflm."]


def test_json_contract(run) -> None:  # type: ignore[no-untyped-def]
    path = fixture("tflite/flex_erf.tflite")
    code, out, _ = run("check", path, "-t", "tflite,tflite-flex", "--output-format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == 1
    (result,) = doc["results"]
    assert result["path"] == path
    assert result["targets"]["tflite"] == {"ok": False, "errors": 1, "warnings": 0, "infos": 0}
    assert result["targets"]["tflite-flex"]["ok"] is True
    (finding,) = result["findings"]
    assert {k: finding[k] for k in ("code", "name", "severity", "target")} == {
        "code": "OPL102",
        "name": "flex-op",
        "severity": "error",
        "target": "tflite",
    }
    assert finding["message"] and finding["hint"]
    assert finding["location"] == {
        "path": path,
        "graph": 0,
        "op_index": 0,
        "op": "FlexErf",
        "node": "Erf",
        "graph_name": "main",
    }


def test_json_ok_is_false_exactly_when_a_target_has_an_error(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("check", str(Path(fixture("tflite/conv_float.tflite")).parent), "--output-format", "json")
    assert code == 1
    for result in json.loads(out)["results"]:
        for label, stats in result["targets"].items():
            errors = [f for f in result["findings"] if f["severity"] == "error" and f["target"] in (None, label)]
            assert stats["ok"] == (not errors) and stats["errors"] == len(errors)


def test_directory_walk_and_unreadable_files_do_not_stop_the_run(run) -> None:  # type: ignore[no-untyped-def]
    folder = str(Path(fixture("tflite/conv_float.tflite")).parent)
    code, out, _ = run("check", folder, "--quiet", "-t", "tflite")
    assert code == 1
    assert "truncated.tflite: unreadable (OPL001)" in out
    assert "conv_float.tflite: passes tflite" in out
    n_models = len(list(Path(folder).glob("*.tflite")))
    assert out.count(": passes") + out.count(": fails") + out.count(": unreadable") == n_models


def test_select_ignore_and_threshold(run) -> None:  # type: ignore[no-untyped-def]
    path = fixture("tflite/flex_svd.tflite")
    assert run("check", path, "-t", "tflite-flex")[0] == 0  # OPL103 is a warning
    assert run("check", path, "-t", "tflite-flex", "--failure-threshold", "warning")[0] == 1
    assert run("check", path, "-t", "tflite", "--ignore", "OPL102")[0] == 0
    assert run("check", path, "-t", "tflite", "--ignore", "flex-op")[0] == 0
    assert run("check", path, "-t", "tflite", "--select", "OPL4")[0] == 0
    assert run("check", path, "-t", "tflite", "--exit-zero")[0] == 0


def test_runtime_option(run) -> None:  # type: ignore[no-untyped-def]
    path = fixture("tflite/fc_v12.tflite")
    assert run("check", path, "-t", "tflite")[0] == 0
    code, out, _ = run("check", path, "-t", "tflite", "--runtime", "2.15")
    assert code == 1 and "OPL401" in out
    assert "needs TFLite runtime >= 2.17.0" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nope.tflite"], "no such file or directory: nope.tflite"),
        (["check", "{f}", "--target", "gpu9000"], "unknown target 'gpu9000'"),
        (["check", "{f}", "--runtime", "two"], "not a version number"),
        (["check", "{f}", "--ignore", "OPL9999"], "not a rule code"),
        (["check", "{f}", "--ignore", "no-such-rule"], "not a rule code"),
        (["check", "{f}", "--target", "tflm@2.15"], "has no runtime versions"),
        (["explain", "OPL777"], "unknown rule"),
    ],
)
def test_usage_errors_exit_two_with_one_line(run, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    args = [a.replace("{f}", fixture("tflite/conv_float.tflite")) for a in args]
    code, _, err = run(*args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_empty_directory(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "models"
    empty.mkdir()
    code, _, err = run("check", str(empty))
    assert code == 0 and "warning: no model files found under" in err  # as ruff: nothing to check is no error


def test_explain_all_and_targets(run) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("explain", "--all")
    assert code == 0 and "OPL101  unsupported-builtin-op" in out
    code, out, _ = run("targets")
    assert code == 0
    assert "tflm: TensorFlow Lite Micro" in out and "tensorflow/tflite-micro@" in out
    assert "google-ai-edge/LiteRT@f67457790c" in out
    code, out, _ = run("targets", "--json")
    assert {t["id"] for t in json.loads(out)} >= {"tflite", "tflite-flex", "tflm"}


def test_version(run) -> None:  # type: ignore[no-untyped-def]
    from oplint import __version__

    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def test_progress_only_on_a_terminal(run) -> None:  # type: ignore[no-untyped-def]
    folder = str(Path(fixture("tflite/conv_float.tflite")).parent)
    _, _, err = run("check", folder, "--output-format", "concise")
    assert "\r" not in err  # the runner's stderr is not a TTY


def test_progress_line(capsys: pytest.CaptureFixture[str]) -> None:
    from oplint.cli import _progress

    _progress(0, 10, "models/a.tflite")
    _progress(10, 10, "")
    err = capsys.readouterr().err
    assert "[1/10] models/a.tflite" in err and err.endswith("\r")  # click drops the escape off a TTY


def test_the_readme_python_api_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (ROOT / "README.md").read_text()
    example = readme.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    exec(compile(example, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "examples/micro_speech_quantized.tflite {'tflite': True" in out
    assert "OPL102 tflite" in out  # planestrike's Flex op
    assert "sg0:op9 FlexMultinomial 7 ops downstream" in out  # op_graph and networkx
    assert "{'status': 'delegated', 'partition': 1" in out
