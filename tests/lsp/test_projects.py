"""Which model a changed file means (issue 13: SavedModel metadata was linted as GraphDefs), and
which project configures a model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES

pytest.importorskip("pygls")
from oplint.lsp.projects import Projects, model_of
from oplint.run.discover import savedmodel_root


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "models" / "export" / "1"
    shutil.copytree(FIXTURES / "savedmodel" / "cumprod", folder)
    (folder / "fingerprint.pb").write_bytes(b"\x08\x01")
    (folder / "keras_metadata.pb").write_bytes(b"\x12\x00")
    (folder / "tfhub_module.pb").write_bytes(b"\x08\x03")
    (folder / "assets.extra").mkdir()
    (folder / "assets.extra" / "tf_serving_warmup_requests.pb").write_bytes(b"\x0a\x00")
    (folder / "assets").mkdir()
    (folder / "assets" / "vocab" / "deep").mkdir(parents=True)
    (folder / "assets" / "vocab" / "deep" / "words.txt").write_text("a\n")
    return folder


def test_files_inside_a_savedmodel_mean_the_savedmodel(export: Path) -> None:
    for inside in (
        export / "saved_model.pb",
        export / "fingerprint.pb",
        export / "keras_metadata.pb",
        export / "tfhub_module.pb",
        export / "assets.extra" / "tf_serving_warmup_requests.pb",
        export / "variables" / "variables.index",
        export / "variables" / "variables.data-00000-of-00001",
        export / "assets" / "vocab" / "deep" / "words.txt",
        export / "variables" / "deleted-long-ago.tmp",
        export,
    ):
        assert savedmodel_root(str(inside)) == str(export), inside
        assert model_of(str(inside)) == str(export), inside
    assert savedmodel_root(str(export.parent)) is None
    assert savedmodel_root(str(export.parent / "model.tflite")) is None


def test_metadata_outside_a_savedmodel_is_no_model(tmp_path: Path) -> None:
    for name in ("fingerprint.pb", "keras_metadata.pb", "tfhub_module.pb", "notes.txt", "frozen.pb"):
        (tmp_path / name).write_bytes(b"\x08\x01")
        assert model_of(str(tmp_path / name)) is None, name
    assert model_of(str(tmp_path / "m.tflite")) == str(tmp_path / "m.tflite")  # deleted or not
    # a file the server linted before (a .pb given by an earlier scan) stays its own model
    assert model_of(str(tmp_path / "frozen.pb"), {str(tmp_path / "frozen.pb")}) == str(tmp_path / "frozen.pb")


def test_a_savedmodel_that_went_away(export: Path) -> None:
    """Its saved_model.pb deleted, or the whole folder: the events still name the SavedModel,
    so that its diagnostics can be cleared."""
    (export / "saved_model.pb").unlink()
    assert model_of(str(export / "saved_model.pb")) == str(export)
    assert model_of(str(export / "fingerprint.pb")) is None
    assert model_of(str(export / "fingerprint.pb"), {str(export)}) == str(export)
    shutil.rmtree(export)
    assert model_of(str(export / "variables" / "variables.index"), {str(export)}) == str(export)


def test_projects_scan_and_configuration(tmp_path: Path, export: Path) -> None:
    (tmp_path / "models" / "a.tflite").write_bytes((FIXTURES / "tflite" / "conv_int8.tflite").read_bytes())
    sub = tmp_path / "models" / "sub"
    sub.mkdir()
    (sub / "b.tflite").write_bytes((FIXTURES / "tflite" / "exp_int8.tflite").read_bytes())
    (sub / "old.tflite").write_bytes(b"")
    (sub / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm"]\nexclude = ["old.tflite"]\n')
    (tmp_path / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflite"]\n')
    projects = Projects([str(tmp_path)])
    found = projects.scan()
    assert sorted(Path(m).relative_to(tmp_path).as_posix() for m in found) == [
        "models/a.tflite",
        "models/export/1",
        "models/sub/b.tflite",
    ]
    top, nested = projects.project(str(tmp_path / "models" / "a.tflite")), projects.project(str(sub / "b.tflite"))
    assert top.run is not None and [t.label for t in top.run.targets] == ["tflite"]
    assert nested.run is not None and [t.label for t in nested.run.targets] == ["tflm"]
    assert projects.project(str(sub / "c.tflite")) is nested  # one prepared run per configuration
    (sub / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["no-such-target"]\n')
    broken = Projects([str(tmp_path)]).project(str(sub / "b.tflite"))
    assert broken.run is None and broken.error and "no-such-target" in broken.error


def test_a_bin_file_is_a_model_when_it_is_a_flatbuffer(tmp_path: Path) -> None:
    """The walk's ``include`` rule (``*.bin`` TFLite flatbuffers) holds for changed files too."""
    from oplint.api import Config

    model, other = tmp_path / "kws.bin", tmp_path / "weights.bin"
    shutil.copy(FIXTURES / "tflite" / "conv_int8.tflite", model)
    other.write_bytes(b"\x00" * 64)
    assert model_of(str(model), config=Config()) == str(model)
    assert model_of(str(other), config=Config()) is None
    assert model_of(str(model), config=Config(include=())) is None
    assert str(model) in Projects([str(tmp_path)]).scan()
