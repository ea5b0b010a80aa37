"""Which paths are models: SavedModel files, .bin flatbuffers, gitignore-style excludes, odd names."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from oplint.cli import cli
from oplint.run.config import Config
from oplint.run.discover import discover
from tests.helpers import FIXTURES, ROOT, fixture, runner

MODEL = Path(fixture("tflite/conv_int8.tflite"))


def _project(tmp: Path) -> Path:
    (tmp / "models" / "legacy").mkdir(parents=True)
    shutil.copy(MODEL, tmp / "models" / "a.tflite")
    shutil.copy(MODEL, tmp / "models" / "legacy" / "old.tflite")
    shutil.copy(MODEL, tmp / "models" / "model.bin")  # a TFLite model shipped as .bin
    (tmp / "models" / "weights.bin").write_bytes(os.urandom(64))  # not a model
    sm = tmp / "models" / "sm"
    shutil.copytree(FIXTURES / "savedmodel" / "conv_ok", sm)
    (sm / "fingerprint.pb").write_bytes(b"\x08\x01")  # as every recent TF export writes
    (sm / "keras_metadata.pb").write_bytes(b"\x0a\x00")
    (sm / "assets.extra").mkdir()
    (sm / "assets.extra" / "tf_serving_warmup_requests.pb").write_bytes(b"\x0a\x00")
    return tmp


def _found(paths: list[str], config: Config) -> list[str]:
    files, _ = discover(paths, config)
    return sorted(os.path.relpath(f) for f in files)


def test_walk_finds_tflite_bin_flatbuffers_and_savedmodels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path))
    assert _found(["models"], Config(root=tmp_path)) == [
        "models/a.tflite",
        "models/legacy/old.tflite",
        "models/model.bin",
        "models/sm",
    ]
    assert "models/model.bin" not in _found(["models"], Config(root=tmp_path, include=()))


def test_files_of_a_savedmodel_mean_the_savedmodel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What pre-commit passes when a SavedModel changes: each of its files, once for the model."""
    monkeypatch.chdir(_project(tmp_path))
    names = [
        "models/sm/saved_model.pb",
        "models/sm/fingerprint.pb",
        "models/sm/keras_metadata.pb",
        "models/sm/assets.extra/tf_serving_warmup_requests.pb",
        "models/sm/variables/variables.index",
    ]
    assert _found(names, Config(root=tmp_path)) == ["models/sm"]
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "fingerprint.pb").write_bytes(b"\x08\x01")
    files, notes = discover(["stray/fingerprint.pb"], Config(root=tmp_path))
    assert files == [] and "SavedModel metadata, not a model" in notes[0]


def test_the_pre_commit_hook_arguments_lint_a_savedmodel_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path))
    args = ["models/sm/saved_model.pb", "models/sm/fingerprint.pb", "models/sm/keras_metadata.pb"]
    result = runner().invoke(cli, ["check", "--isolated", "--quiet", *args])
    assert result.exit_code == 0, result.output
    assert "OPL006" not in result.stdout and result.stdout.count("models/sm: passes") == 1


def test_one_model_named_two_ways_is_checked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path))
    assert _found(["models/a.tflite", "./models/a.tflite", "models/../models/a.tflite"], Config()) == [
        "models/a.tflite"
    ]


@pytest.mark.parametrize("pattern", ["legacy", "models/legacy", "models/legacy/", "legacy/*", "**/old.tflite"])
def test_exclude_follows_gitignore_semantics(pattern: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path))
    if pattern == "legacy/*":  # relative to the project root, as in a .gitignore there
        (tmp_path / "legacy").mkdir()
        shutil.copy(MODEL, tmp_path / "legacy" / "x.tflite")
    found = _found(["."], Config(root=tmp_path, exclude=(pattern,)))
    assert not [f for f in found if "legacy" in f or "old.tflite" in f][: 1 if pattern != "legacy/*" else 0], found
    assert "models/a.tflite" in found
    if pattern == "legacy/*":
        assert "legacy/x.tflite" not in found


def test_walks_respect_gitignore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_project(tmp_path))
    (tmp_path / ".gitignore").write_text("*.bin\n")
    (tmp_path / "models" / ".gitignore").write_text("legacy/\n")
    assert _found(["."], Config(root=tmp_path)) == ["models/a.tflite", "models/sm"]
    # a path named on the command line is checked whatever .gitignore says
    assert _found(["models/legacy/old.tflite"], Config(root=tmp_path)) == ["models/legacy/old.tflite"]


def test_an_empty_folder_is_a_warning_not_an_error(tmp_path: Path) -> None:
    result = runner().invoke(cli, ["check", "--isolated", str(tmp_path)])
    assert result.exit_code == 0
    assert "no model files found" in result.stderr


def test_a_symlink_loop_says_so(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere.tflite")
    result = runner().invoke(cli, ["check", "--isolated", str(tmp_path / "a")])
    assert result.exit_code == 2 and "symbolic link loop" in result.stderr
    result = runner().invoke(cli, ["check", "--isolated", str(tmp_path / "dangling")])
    assert result.exit_code == 2 and "symbolic link to nothing" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_savedmodel_whose_graph_is_a_fifo_or_a_device_is_a_finding(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo_sm"
    fifo.mkdir()
    os.mkfifo(fifo / "saved_model.pb")
    dev = tmp_path / "dev_sm"
    dev.mkdir()
    (dev / "saved_model.pb").symlink_to("/dev/zero")
    result = runner().invoke(cli, ["check", "--isolated", "--output-format", "concise", str(fifo), str(dev)])
    assert result.exit_code == 1, result.output
    assert result.stdout.count(": OPL001 saved_model.pb is not a regular file") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "OPL999"], "did you mean 'OPL901'"),
        (["--ignore", "flex-opp"], "did you mean 'flex-op'"),
        (["-t", "tflite@9.9"], "unknown TFLite runtime '9.9'"),
        (["--runtime", "9.9"], "unknown TFLite runtime '9.9'"),
        (["-t", "gpu@3"], "unknown TFLite runtime '3'"),
        (["-t", "nnapi@99"], "has no variant '99'"),
        (["-t", "tfllm"], "did you mean 'tflm'"),
        (["-t", str(ROOT / "rules" / "targets" / "tflm.toml")], "unknown target"),
        (["--arena-size", "inf"], "must be a size"),
        (["--arena-size", "nan"], "must be a size"),
    ],
)
def test_typos_are_errors(args: list[str], message: str) -> None:
    result = runner().invoke(cli, ["check", "--isolated", str(MODEL), *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("model.onnx", b"\x08\x07\x12\x07pytorch\x1a\x052.1.0", "an ONNX model"),
        ("model.pt", b"PK\x03\x04" + b"\0" * 26 + b"archive/data.pkl", "a PyTorch model"),
        ("legacy.pth", b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19.", "a PyTorch model"),
        ("model.json", b'{"format": "layers-model", "modelTopology": {}}', "a TensorFlow.js model"),
        ("models.zip", b"PK\x03\x04" + b"\0" * 40, "a zip archive"),
        ("model.tflite.gz", b"\x1f\x8b\x08\x00" + b"\0" * 40, "a gzip-compressed file"),
    ],
)
def test_a_model_in_another_format_is_named(tmp_path: Path, name: str, content: bytes, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = runner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1, result.output
    line = next(s for s in result.stdout.splitlines() if "OPL001" in s)
    assert says in line and "oplint reads .tflite flatbuffers, SavedModel directories, frozen GraphDefs" in line
    assert "re-download" not in result.stdout  # the hint says what to do with this format


def test_an_unknown_file_still_gets_the_tflite_readers_reason(tmp_path: Path) -> None:
    path = tmp_path / "model.tflite"
    path.write_bytes(b"\0" * 64)
    result = runner().invoke(cli, ["check", str(path)])
    assert "not a TFLite flatbuffer" in result.stdout


def test_force_exclude_applies_to_a_named_savedmodel_and_its_files(tmp_path: Path) -> None:
    sm = tmp_path / "legacy" / "sm"
    shutil.copytree(FIXTURES / "savedmodel" / "cumprod", sm)
    config = Config(root=tmp_path, exclude=("legacy/",), force_exclude=True)
    for named in (sm, sm / "saved_model.pb", sm / "variables" / "variables.index"):
        assert discover([str(named)], config)[0] == [], named
    assert discover([str(sm)], config._replace(force_exclude=False))[0] == [str(sm)]
