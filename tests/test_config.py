"""[tool.oplint] in pyproject.toml: discovery, validation, selection semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from oplint.cli import cli
from oplint.core.findings import Severity
from oplint.run.config import Config, ConfigError, load_config
from oplint.run.engine import prepare
from tests.helpers import fixture, runner


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n\n" + body)
    return tmp_path


def test_nearest_pyproject_with_a_tool_oplint_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[tool.oplint]\ntargets = ["tflm"]\nruntime = "2.15"\nignore = ["OPL103"]\nfailure-threshold = "warning"\n',
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    cfg = load_config(cwd=sub)
    assert [t.id for t in cfg.targets] == ["tflm"] and cfg.runtime == "2.15"
    assert cfg.ignore == ("OPL103",) and cfg.failure_threshold.label == "warning"
    assert cfg.source == tmp_path / "pyproject.toml"


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, '[tool.oplint]\ntargets = ["tflm"]\n')
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname='inner'\n")
    assert [t.id for t in load_config(cwd=inner).targets] == ["tflm"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[tool.oplint]\ntargetz = ["tflm"]\n', "unknown option 'targetz'"),
        ('[tool.oplint]\ntargets = "tflm"\nfoo = 1\n', "unknown option 'foo'"),
        ("[tool.oplint]\ntargets = [1]\n", "'targets' must be a list of strings"),
        ('[tool.oplint]\nfailure-threshold = "fatal"\n', "unknown severity 'fatal'"),
        ("[tool.oplint\n", "invalid TOML"),
        ('[tool.oplint.severity]\nOPL301 = "fatal"\n', "severity.OPL301: unknown severity 'fatal'"),
        ("[tool.oplint]\nseverity = 3\n", "must map rule codes"),
        ("[tool.oplint]\nmax-partitions = 0\n", "'max-partitions' must be a whole number >= 1"),
        ('[tool.oplint]\nmax-partitions = "3"\n', "'max-partitions' must be a whole number >= 1"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, body: str, message: str) -> None:
    write(tmp_path, body)
    with pytest.raises(ConfigError, match=message):
        load_config(cwd=tmp_path)


def test_unknown_target_in_config_exits_two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, '[tool.oplint]\ntargets = ["tflm", "edge-tpu-v9"]\n')
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(cli, ["check", fixture("tflite/conv_float.tflite")])
    assert result.exit_code == 2
    assert "unknown target 'edge-tpu-v9'" in result.stderr and "pyproject.toml" in result.stderr


def test_config_drives_the_check_and_cli_overrides_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, '[tool.oplint]\ntargets = ["tflite"]\nruntime = "2.15"\n')
    monkeypatch.chdir(tmp_path)
    path = fixture("tflite/fc_v12.tflite")
    result = runner().invoke(cli, ["check", path, "--output-format", "concise"])
    assert result.exit_code == 1 and "OPL401 [tflite]" in result.stdout
    assert runner().invoke(cli, ["check", path, "--runtime", "2.17"]).exit_code == 0
    assert runner().invoke(cli, ["check", path, "--isolated", "-t", "tflite"]).exit_code == 0


def test_max_partitions_from_config_and_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, '[tool.oplint]\ntargets = ["ethos-u55"]\nmax-partitions = 1\n')
    monkeypatch.chdir(tmp_path)
    path = fixture("ethosu/conv_strides.tflite")  # two NPU partitions around a CPU CONV_2D
    result = runner().invoke(cli, ["check", path, "--output-format", "concise"])
    assert "OPL302 [ethos-u55]" in result.stdout and "(more than 1)" in result.stdout
    result = runner().invoke(cli, ["check", path, "--output-format", "concise", "--max-partitions", "2"])
    assert "OPL302" not in result.stdout and "OPL301" in result.stdout
    assert runner().invoke(cli, ["check", path, "--max-partitions", "0"]).exit_code == 2


def test_severity_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # delegate fallback is an error by default; a team shipping to phones may want it as a warning
    write(
        tmp_path, '[tool.oplint]\ntargets = ["ethos-u55"]\n[tool.oplint.severity]\nOPL3 = "warning"\nOPL302 = "info"\n'
    )
    monkeypatch.chdir(tmp_path)
    path = fixture("ethosu/conv_strides.tflite")
    result = runner().invoke(cli, ["check", path, "--output-format", "json", "--max-partitions", "1"])
    assert result.exit_code == 0, result.output
    import json

    found = {f["code"]: f["severity"] for f in json.loads(result.stdout)["results"][0]["findings"]}
    assert found == {"OPL301": "warning", "OPL302": "info"}
    assert runner().invoke(cli, ["check", path, "--failure-threshold", "warning"]).exit_code == 1
    cfg = Config(severity=(("OPL3", Severity.WARNING), ("delegate-cpu-fallback", Severity.INFO)))
    assert cfg.severity_of("OPL301", Severity.ERROR) is Severity.INFO  # the longer (exact) selector wins
    assert cfg.severity_of("OPL302", Severity.ERROR) is Severity.WARNING
    assert cfg.severity_of("OPL101", Severity.ERROR) is Severity.ERROR
    with pytest.raises(ConfigError, match="invalid severity: 'not-a-rule' is not a rule code"):
        Config(severity=(("not-a-rule", Severity.INFO),)).validate()


def test_selection_longest_prefix_wins() -> None:
    cfg = Config(select=("OPL",), ignore=("OPL1",))
    assert not cfg.enabled("OPL101") and cfg.enabled("OPL201")
    cfg = Config(select=("OPL",), ignore=("OPL1",)).with_options(select=("OPL", "OPL102"))
    assert cfg.enabled("OPL102") and not cfg.enabled("OPL101")
    cfg = Config(select=("flex-op",))
    assert cfg.enabled("OPL102") and not cfg.enabled("OPL101")


def test_the_readme_configuration_example_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    assert "[tool.oplint]" in example
    write(tmp_path, example)
    (tmp_path / ".oplint-baseline.json").write_text('{"version": 1, "findings": []}')
    firmware = tmp_path / "firmware" / "src" / "model_ops.cc"  # the resolver the example names
    firmware.parent.mkdir(parents=True)
    firmware.write_text(Path(fixture("resolvers/esp_micro_speech.cc")).read_text())
    cfg = load_config(cwd=tmp_path).validate()
    assert cfg.resolver == (tmp_path / "firmware" / "src" / "model_ops.cc",) and cfg.resolver_defines == ("ETHOS_U",)
    # the custom targets' example, a second ```toml block of the section
    custom = section.split("**Custom targets**", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    write(tmp_path, custom)
    targets = prepare(load_config(cwd=tmp_path)).targets
    assert [t.label for t in targets] == ["board", "tflm"] and targets[0].arena_size == 96 * 1024
    assert cfg.options["max-partitions"] == 2 and cfg.severity


def test_each_model_is_checked_with_its_own_projects_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import shutil

    from oplint.cli import cli
    from tests.helpers import FIXTURES, runner

    for project, targets in (("micro", '["tflm"]'), ("phone", '["tflite-flex"]')):
        (tmp_path / project / "models").mkdir(parents=True)
        (tmp_path / project / "pyproject.toml").write_text(f"[tool.oplint]\ntargets = {targets}\n")
        shutil.copy(FIXTURES / "tflite" / "flex_erf.tflite", tmp_path / project / "models" / "m.tflite")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["gpu"]\n')
    monkeypatch.chdir(elsewhere)

    def targets_of(*args: str) -> dict[str, list[str]]:
        result = runner().invoke(cli, ["check", *args, "--output-format", "json"])
        assert result.exit_code in (0, 1), result.output
        return {Path(r["path"]).parent.parent.name: sorted(r["targets"]) for r in json.loads(result.stdout)["results"]}

    micro, phone = str(tmp_path / "micro" / "models"), str(tmp_path / "phone" / "models")
    assert targets_of(micro, phone) == {"micro": ["tflm"], "phone": ["tflite-flex"]}
    # --config (and --isolated) use one configuration for every model
    assert targets_of(micro, phone, "--config", "pyproject.toml") == {"micro": ["gpu"], "phone": ["gpu"]}
    default = ["tflite", "tflite-flex", "tflm"]
    assert targets_of(micro, phone, "--isolated") == {"micro": default, "phone": default}
    # a command-line option overrides every project's setting
    assert targets_of(micro, phone, "-t", "xnnpack") == {"micro": ["xnnpack"], "phone": ["xnnpack"]}
