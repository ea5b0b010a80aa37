"""Keras models through the whole tool: discovery, findings at the layer, outputs, predict, the editor."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from oplint.cli import cli
from oplint.core.findings import Finding, Location, Severity
from oplint.lsp.diagnostics import to_diagnostic
from tests.helpers import FIXTURES, ROOT, lint, runner

MODELS = FIXTURES / "keras" / "models"


def test_a_directory_walk_finds_keras_and_h5_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(MODELS / "k3" / "conv3d.keras", models / "volume.keras")
    shutil.copy(MODELS / "tfk2" / "dense_mlp.h5", models / "mlp.h5")
    shutil.copy(FIXTURES / "keras" / "hdf5" / "weights_only.h5", models / "weights.h5")
    monkeypatch.chdir(tmp_path)
    result = runner().invoke(cli, ["check", "models", "--isolated", "--output-format", "json", "-t", "tflite"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    by_path = {r["path"]: r for r in doc["results"]}
    assert set(by_path) == {"models/volume.keras", "models/mlp.h5", "models/weights.h5"}
    assert by_path["models/mlp.h5"]["targets"]["tflite"]["ok"] and by_path["models/mlp.h5"]["format"] == "keras"
    assert by_path["models/weights.h5"]["targets"]["tflite"]["ok"]  # a warning: not a model
    assert [f["code"] for f in by_path["models/weights.h5"]["findings"]] == ["OPL011"]
    volume = by_path["models/volume.keras"]
    assert not volume["targets"]["tflite"]["ok"]
    flex = [f for f in volume["findings"] if f["code"] == "OPL111"]
    assert {f["location"]["layer"] for f in flex} == {"max_pooling3d", "average_pooling3d"}
    assert {f["location"]["pointer"] for f in flex} == {"/config/layers/2", "/config/layers/3"}


def test_findings_name_the_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner().invoke(
        cli,
        [
            "check",
            "fixtures/keras/models/tfk2/category_encoding.h5",
            "-t",
            "tflite",
            "--isolated",
            "--output-format",
            "concise",
        ],
    )
    assert result.exit_code == 1
    assert (
        "fixtures/keras/models/tfk2/category_encoding.h5:sg0:op0: OPL111 [tflite] CategoryEncoding layer "
        "'category_encoding' -> needs Select TF ops (FlexDenseBincount), which TensorFlow Lite builtins cannot run"
    ) in result.stdout.splitlines()


def test_the_ladder_of_a_recurrent_model() -> None:
    dynamic = lint("keras/models/k3/lstm_last.keras", "tflite")
    assert [f.code for f in dynamic] == ["OPL116"]
    assert lint("keras/models/k3/lstm_last.keras", "tflite-flex") == []
    assert lint("keras/models/k3/lstm_last_batch1.keras", "tflite") == []
    fused = lint("keras/models/tfk2/lstm_last_batch1.h5", "tflm")
    assert [f.code for f in fused] == []  # UNIDIRECTIONAL_SEQUENCE_LSTM is a TFLM kernel


def test_predict_lists_each_layer_class(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner().invoke(cli, ["predict", "fixtures/keras/models/k3/conv3d.keras"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Conv3D (float32) x1 -> CONV_3D, RELU: ok on tflite, tflite-flex; "
        "fails tflm (CONV_3D: no TensorFlow Lite Micro kernel)",
        "MaxPooling3D (float32) x1 -> Select TF op FlexMaxPool3D: ok on tflite-flex; fails tflite, tflm",
        "AveragePooling3D (float32) x1 -> Select TF op FlexAvgPool3D: ok on tflite-flex; fails tflite, tflm",
        "GlobalAveragePooling3D (float32) x1 -> MEAN: ok on tflite, tflite-flex, tflm",
    ]
    result = runner().invoke(cli, ["predict", "fixtures/keras/hdf5/weights_only.h5"])
    assert result.exit_code == 2 and "OPL011" in result.stderr


def test_the_editor_shows_where_the_layer_is_configured() -> None:
    loc = Location(
        "models/m.keras", 0, 2, "MaxPooling3D", "max_pooling3d", layer="max_pooling3d", pointer="/config/layers/2"
    )
    finding = Finding(loc, "OPL111", "tf-op-needs-flex", Severity.ERROR, "MaxPooling3D layer ...", None, "tflm")
    diag = to_diagnostic(finding, "file:///x/models/m.keras")
    assert "(layer max_pooling3d, config.json /config/layers/2)" in diag.message
    assert diag.data["pointer"] == "/config/layers/2"


def test_keras_findings_are_stable_across_formats() -> None:
    """The .keras and the .h5 of one model give the same findings (but for the path)."""
    for name in ("k3/conv3d", "tfk2/mixed_float16", "k3/bidirectional_gru", "tfk2/text_vectorization"):
        keras = [(f.code, f.target, f.message) for f in lint(f"keras/models/{name}.keras", "tflm")]
        h5 = [(f.code, f.target, f.message) for f in lint(f"keras/models/{name}.h5", "tflm")]
        assert keras == h5 and keras, name


def test_a_float16_layer_without_a_row_is_not_called_clean() -> None:
    from oplint.analysis.keras_layers import layer_results
    from oplint.readers.keras import build

    config = {
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {"batch_shape": [None, 8, 8, 3], "dtype": "float32", "name": "x"},
                },
                {
                    "class_name": "Conv2D",
                    "config": {
                        "name": "c",
                        "filters": 2,
                        "kernel_size": [3, 3],
                        "use_bias": False,
                        "dtype": "mixed_float16",
                    },
                },
            ],
        },
    }
    model = build(config, "m.keras", {"keras_version": "3.15.1"}, 0, "config.json")
    fates = [p.fate for r in layer_results(model).values() for p in r.parts]
    assert "unknown" in fates


def test_tf_functions_and_keras_operations_are_unpredicted_not_custom() -> None:
    from oplint.analysis.keras_layers import layer_results
    from oplint.readers.keras import build

    def model(layer: dict[str, object]) -> list[tuple[str, str | None]]:
        config = {
            "class_name": "Sequential",
            "config": {
                "name": "s",
                "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "x"}}, layer],
            },
        }
        built = build(config, "m.keras", {"keras_version": "3.15.1"}, 0, "config.json")
        return [(p.fate, p.reason) for r in layer_results(built).values() for p in r.parts]

    tf_op = {"class_name": "TFOpLambda", "config": {"name": "tf.math.multiply", "function": "math.multiply"}}
    assert model(tf_op) == [("unknown", "no prediction for the TF function 'math.multiply' called on Keras tensors")]
    keras_op = {"module": "keras.src.ops.numpy", "class_name": "Add", "config": {"name": "add"}}
    assert model(keras_op)[0][0] == "unknown"
    custom = {"module": "my_project.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2}}
    assert model(custom)[0][0] == "opaque"  # a class of its own named like a Keras layer


def test_predict_gives_each_part_of_a_layer_its_own_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner().invoke(cli, ["predict", "fixtures/keras/models/tfk2/string_lookup_onehot.keras"])
    lines = result.stdout.splitlines()
    assert lines[0].startswith("StringLookup (string) x1 -> CALL_ONCE, HASHTABLE, HASHTABLE_IMPORT, HASHTABLE_FIND")
    assert lines[0].endswith("ok on tflite, tflite-flex; fails tflm (HASHTABLE: no TensorFlow Lite Micro kernel)")
    assert (
        lines[1] == "StringLookup (string) x1 -> Select TF op FlexDenseBincount: ok on tflite-flex; fails tflite, tflm"
    )
