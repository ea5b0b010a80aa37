"""Hostile settings cost a one-line error (exit 2), never a hang, a traceback or a write outside
the project: baselines and configuration read only from regular files with a size cap; the
baseline written through a fresh temporary file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from unittest import mock

import pytest

from oplint.cli import cli
from tests.helpers import FIXTURES, runner


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "models").mkdir()
    shutil.copy(FIXTURES / "tflite" / "flex_erf.tflite", tmp_path / "models" / "flex_erf.tflite")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> tuple[int, str, str]:
    result = runner().invoke(cli, ["check", "models", "--output-format", "concise", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line_error(args: tuple[str, ...], says: str) -> None:
    code, _, err = check(*args)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("oplint: error: ") and says in err, err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"version": 1, "findings": [{"path": ["x"], "code": "OPL102"}]}', "entry 1 is not a finding"),
        (b'{"version": 1, "findings": [{"key": {"a": 1}}]}', "entry 1"),
        (b'{"version": 1, "findings": {"key": 1}}', "baseline file"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"\xff\xfe{}", "baseline file"),
        (b"", "baseline file"),
    ],
)
def test_a_malformed_baseline_is_a_one_line_error(project: Path, content: bytes, says: str) -> None:
    (project / "b.json").write_bytes(content)
    one_line_error(("--baseline", "b.json"), says)


def test_a_baseline_that_is_not_a_regular_file_is_never_read(project: Path) -> None:
    if os.path.exists("/dev/zero"):
        one_line_error(("--baseline", "/dev/zero"), "is not a regular file")  # would read forever
    (project / "pyproject.toml").write_text('[tool.oplint]\nbaseline = "/dev/zero"\n')
    if os.path.exists("/dev/zero"):
        one_line_error((), "is not a regular file")
    if hasattr(os, "mkfifo"):
        os.mkfifo(project / "fifo.json")  # would block forever
        one_line_error(("--baseline", "fifo.json", "--isolated"), "is not a regular file")


def test_a_huge_baseline_is_refused_by_size(project: Path) -> None:
    with open(project / "big.json", "wb") as fh:
        fh.truncate(300 * 1024 * 1024)  # sparse: costs no disk
    one_line_error(("--baseline", "big.json"), "big.json")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[tool.oplint]\ntool = 5\n", "unknown option 'tool'"),
        (b"[tool]\noplint = 5\n", "[tool.oplint] must be a table"),
        (b'[tool]\noplint = "oplint"\n', "[tool.oplint] must be a table"),
        (b'[tool.oplint]\narena-size = "inf"\n', "'arena-size' must be a size"),
        (b"[tool.oplint]\narena-size = -5\n", "'arena-size' must be a size"),
        (b"[tool.oplint]\n# \xff\xfe\n", "not UTF-8"),
        (b"[tool.oplint]\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n", "pyproject.toml"),
    ],
)
def test_a_hostile_configuration_is_a_one_line_error(project: Path, body: bytes, says: str) -> None:
    (project / "pyproject.toml").write_bytes(body)
    one_line_error((), says)


@pytest.mark.parametrize("size", ["inf", "nan", "-1K", "1e400", "K", "99999999999999999999999T"])
def test_arena_size_must_be_a_size(project: Path, size: str) -> None:
    one_line_error(("--arena-size", size), "'arena-size' must be a size")


def test_a_configuration_that_is_a_fifo_is_never_read(project: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(project / "oplint.toml")
    one_line_error(("--config", "oplint.toml"), "not a regular file")


def test_writing_a_baseline_never_follows_a_planted_temporary(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "precious.txt"
    outside.write_text("keep me")
    for name in (".oplint-baseline.json.tmp", ".oplint-baseline.json.tmp.0"):
        (project / name).symlink_to(outside)
    assert runner().invoke(cli, ["check", "models", "--write-baseline"]).exit_code == 0
    assert outside.read_text() == "keep me"
    assert '"findings"' in (project / ".oplint-baseline.json").read_text()


def test_a_failed_baseline_write_keeps_the_old_one_and_leaves_nothing_behind(project: Path) -> None:
    (project / ".oplint-baseline.json").write_text('{"version": 1, "findings": []}\n')
    before = sorted(os.listdir(project))
    with mock.patch("os.replace", side_effect=OSError(28, "No space left on device")):
        result = runner().invoke(cli, ["check", "models", "--write-baseline"])
    assert result.exit_code == 2 and "No space left on device" in result.stderr, result.output
    assert (project / ".oplint-baseline.json").read_text() == '{"version": 1, "findings": []}\n'
    assert sorted(os.listdir(project)) == before
