"""Keras models read as data: both formats, the graph shapes Keras saves, and hostile files.

The reader may only return a model or raise ModelError (with a typed problem): every crafted
file of fixtures/keras/crafted/ is refused with its reason, and truncations, bit flips and random
configurations give nothing else.
"""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oplint.analysis.keras_layers import layer_results
from oplint.core.model import Model, ProblemKind
from oplint.readers import ModelError, load
from oplint.readers.keras import build
from tests.helpers import FIXTURES, fixture

MODELS = FIXTURES / "keras" / "models"


def _ops(model: Model) -> list[tuple[str, str]]:
    return [(op.kind, op.name) for op in model.graphs[0].ops]


@pytest.mark.parametrize("fmt", ["keras", "h5"])
@pytest.mark.parametrize("kv", ["k3", "tfk2"])
def test_both_formats_read_the_same_layers(kv: str, fmt: str) -> None:
    model = load(str(MODELS / kv / f"conv2d_valid_relu.{fmt}"))
    assert model.format == "keras"
    assert _ops(model) == [
        ("Conv2D", "conv2d"),
        ("MaxPooling2D", "max_pooling2d"),
        ("Flatten", "flatten"),
        ("Dense", "dense"),
    ]
    graph = model.graphs[0]
    assert [graph.tensors[t].shape for t in graph.inputs] == [(-1, 12, 12, 3)]
    assert model.saved_by["keras_version"] == ("3.15.1" if kv == "k3" else "2.21.0")
    assert model.saved_by["format"] == fmt
    if fmt == "h5":
        assert model.saved_by["backend"] == "tensorflow"
    conv = graph.ops[0]
    assert conv.options["config"]["filters"] == 4 and conv.options["config"]["activation"] == "relu"
    assert conv.origin is not None and conv.origin.pointer == "/config/layers/1" and conv.origin.op_type == "Conv2D"


@pytest.mark.parametrize("kv", ["k3", "tfk2"])
def test_shared_layers_are_one_op_per_call(kv: str) -> None:
    for fmt in ("keras", "h5"):
        graph = load(str(MODELS / kv / f"shared_layer.{fmt}")).graphs[0]
        assert [op.name for op in graph.ops] == ["shared_dense", "shared_dense", "add"]
        first, second, add = graph.ops
        assert first.options["call"] == 0 and second.options["call"] == 1
        assert first.inputs != second.inputs and set(add.inputs) == {first.outputs[0], second.outputs[0]}
        assert len(graph.inputs) == 2


@pytest.mark.parametrize("kv", ["k3", "tfk2"])
def test_nested_models_are_expanded_per_call(kv: str) -> None:
    for fmt in ("keras", "h5"):
        graph = load(str(MODELS / kv / f"nested_functional.{fmt}")).graphs[0]
        assert [op.name for op in graph.ops] == ["conv_block/conv2d", "conv_block/conv2d", "global_average_pooling2d"]
        conv1, conv2, gap = graph.ops
        assert conv2.inputs == conv1.outputs and gap.inputs == conv2.outputs  # the second call reads the first
        assert conv1.origin is not None and conv1.origin.function == "conv_block"
        assert conv1.origin.pointer == "/config/layers/1/config/layers/1"
        graph = load(str(MODELS / kv / f"nested_sequential.{fmt}")).graphs[0]
        assert [op.name for op in graph.ops] == ["dense_2", "inner_block/dense", "inner_block/dense_1", "dense_3"]


def test_multiple_inputs_and_outputs() -> None:
    for kv in ("k3", "tfk2"):
        graph = load(str(MODELS / kv / "multi_io.keras")).graphs[0]
        assert len(graph.inputs) == 2 and len(graph.outputs) == 2
        names = {graph.tensors[t].name for t in graph.outputs}
        assert names == {"cls", "reg"}


def test_wrapped_and_custom_layers_keep_their_configuration() -> None:
    graph = load(str(MODELS / "k3" / "bidirectional_lstm.keras")).graphs[0]
    assert [op.kind for op in graph.ops] == ["Bidirectional", "Bidirectional"]
    assert graph.ops[0].options["config"]["layer"]["class_name"] == "LSTM"
    for fmt in ("keras", "h5"):
        op = load(str(MODELS / "tfk2" / f"custom_layer.{fmt}")).graphs[0].ops[1]
        assert op.kind == "MyScaleBlock" and op.options["registered_name"] == "oplint_corpus>MyScaleBlock"
    sub = load(str(MODELS / "k3" / "subclassed_model.keras")).graphs[0].ops
    assert [(op.kind, op.options.get("subclassed_model")) for op in sub] == [("TinyNet", True)]


def test_lambda_code_stays_a_string() -> None:
    op = load(str(MODELS / "k3" / "lambda_tf_flex.keras")).graphs[0].ops[0]
    assert op.kind == "Lambda" and isinstance(op.options["config"]["function"]["config"]["code"], str)


def test_every_corpus_file_reads_in_milliseconds() -> None:
    paths = sorted(MODELS.glob("*/*.keras")) + sorted(MODELS.glob("*/*.h5"))
    assert len(paths) >= 400
    slowest = 0.0
    for path in paths:
        t0 = time.perf_counter()
        model = load(str(path))
        layer_results(model)
        slowest = max(slowest, time.perf_counter() - t0)
        assert model.graphs[0].ops, path
    assert slowest < 0.5  # typically about 1 ms; generous for a loaded CI machine


CRAFTED = {
    "traversal.keras": (ProblemKind.UNREADABLE_KERAS, "escapes the archive"),
    "zip_bomb.keras": (ProblemKind.TOO_LARGE, "config.json is 41,943,042 bytes"),
    "lying_size.keras": (ProblemKind.UNREADABLE_KERAS, "CRC"),
    "many_entries.keras": (ProblemKind.TOO_LARGE, "65,535 entries"),
    "encrypted.keras": (ProblemKind.UNREADABLE_KERAS, "encrypted"),
    "no_config.keras": (ProblemKind.UNREADABLE_KERAS, "without config.json"),
    "not_json.keras": (ProblemKind.UNREADABLE_KERAS, "not valid JSON"),
    "deep_json.keras": (ProblemKind.UNREADABLE_KERAS, "nests too deeply"),
    "truncated.keras": (ProblemKind.UNREADABLE_KERAS, "not a readable .keras zip"),
    "cycle.keras": (ProblemKind.UNREADABLE_KERAS, "never computed"),
    "not_a_model.h5": (ProblemKind.UNREADABLE_KERAS, "truncated file"),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_files_are_refused_with_their_reason(name: str) -> None:
    kind, text = CRAFTED[name]
    with pytest.raises(ModelError) as info:
        load(fixture(f"keras/crafted/{name}"))
    assert info.value.kind is kind and text in info.value.message, info.value.message


def test_hdf5_files_without_a_model_are_not_keras() -> None:
    for name, text in (("weights_only.h5", "weights but no model"), ("data_only.h5", "without a Keras model_config")):
        with pytest.raises(ModelError) as info:
            load(fixture(f"keras/hdf5/{name}"))
        assert info.value.kind is ProblemKind.NOT_KERAS and text in info.value.message


def test_the_zip_bomb_is_not_inflated() -> None:
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(ModelError):
        load(fixture("keras/crafted/zip_bomb.keras"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 4 << 20  # refused from the declared size: 40 MiB are never inflated


def _read(path: Path) -> None:
    try:
        model = load(str(path))
    except ModelError:
        return
    layer_results(model)  # and the predictor copes with whatever was read


KERAS = (MODELS / "k3" / "dense_mlp.keras").read_bytes()
H5 = (MODELS / "tfk2" / "shared_layer.h5").read_bytes()


def test_every_truncation_of_a_keras_zip(tmp_path: Path) -> None:
    path = tmp_path / "model.keras"
    for n in list(range(0, 200)) + list(range(200, len(KERAS), 41)):
        path.write_bytes(KERAS[:n])
        _read(path)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["keras", "h5"]),
    st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 7)), min_size=1, max_size=6),
)
def test_bit_flips(tmp_path: Path, fmt: str, flips: list[tuple[int, int]]) -> None:
    data = bytearray(KERAS if fmt == "keras" else H5)
    for pos, bit in flips:
        data[pos % len(data)] ^= 1 << bit
    path = tmp_path / f"flipped.{fmt}"
    path.write_bytes(bytes(data))
    _read(path)


def _config_json() -> st.SearchStrategy[Any]:
    """JSON shaped like Keras configurations: the keys the reader looks at, with any values."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=6))
    keys = st.sampled_from(
        [
            "class_name",
            "config",
            "layers",
            "name",
            "inbound_nodes",
            "input_layers",
            "output_layers",
            "args",
            "kwargs",
            "keras_history",
            "batch_shape",
            "units",
            "layer",
            "return_sequences",
            "registered_name",
            "module",
            "build_config",
            "input_shape",
            "dtype",
            "shape",
            "activation",
        ]
    )
    values = st.recursive(
        st.one_of(
            scalars, st.sampled_from(["Dense", "InputLayer", "LSTM", "Functional", "Sequential", "__keras_tensor__"])
        ),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
        max_leaves=30,
    )
    return st.dictionaries(keys, values, max_size=6)


@settings(max_examples=400, deadline=None)
@given(_config_json())
def test_random_configurations(config: dict[str, Any]) -> None:
    try:
        model = build(config, "fuzz.keras", {"format": "keras"}, 0, "config.json")
    except ModelError:
        return
    layer_results(model)


def test_a_functional_config_built_by_hand() -> None:
    config = json.loads(zipfile.ZipFile(MODELS / "k3" / "merge_elementwise.keras").read("config.json"))
    model = build(config, "x.keras", {"keras_version": "3.15.1"}, 0, "config.json")
    assert [op.kind for op in model.graphs[0].ops][-1] == "Concatenate"
    config["config"]["output_layers"] = [["nowhere", 0, 0]]
    with pytest.raises(ModelError, match="nowhere"):
        build(config, "x.keras", {}, 0, "config.json")
