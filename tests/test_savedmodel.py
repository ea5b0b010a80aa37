"""SavedModels and frozen GraphDefs: reader, walk, robustness, CLI, fidelity vs the converter."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oplint.analysis.tf_fate import predictions, table
from oplint.cli import cli
from oplint.core.model import ProblemKind
from oplint.knowledge.sources import LITERT, checkout
from oplint.readers import ModelError, load
from tests.helpers import FIXTURES, ROOT, codes, lint, runner
from tests.helpers import SHARED as HELPERS_SHARED

SM = FIXTURES / "savedmodel"
SHARED = HELPERS_SHARED if (HELPERS_SHARED / "oracle" / "truth.json").is_file() else None


def test_walk_follows_the_signature_into_functions() -> None:
    model = load(str(SM / "cumprod"))
    assert model.format == "savedmodel" and model.vocabulary == "tf"
    kinds = [op.kind for op in model.ops()]
    assert kinds == ["MatMul", "Cumprod"]  # plumbing (Identity, Const, calls) is dropped
    matmul = next(op for op in model.ops() if op.kind == "MatMul")
    graph = model.graphs[matmul.graph]
    a, b = graph.op_inputs(matmul)
    assert a is not None and b is not None
    assert (a.dtype, a.is_const, b.is_const, b.shape) == ("float32", False, True, (16, 4))
    assert matmul.origin is not None and matmul.origin.layer == "model/dense"
    assert matmul.origin.function == "__call__"


def test_control_flow_bodies_are_walked() -> None:
    model = load(str(SM / "control_flow"))
    names = {g.name for g in model.graphs}
    assert {"cond_true", "cond_false", "while_body", "while_cond"} <= names
    assert "Sinh" in {op.kind for op in model.ops()}


def test_library_functions_outside_the_signature_are_not_read() -> None:
    model = load(str(SM / "erf_debug"))
    assert "Sinh" not in {op.kind for op in model.ops()}  # only in the "other" signature
    other = load(str(SM / "erf_debug"), signature="other")
    assert {op.kind for op in other.ops()} == {"Sinh"}


def test_debug_info_gives_the_python_line() -> None:
    model = load(str(SM / "erf_debug"))
    op = next(model.ops())
    assert op.origin is not None and op.origin.file is not None
    assert op.origin.file.endswith("build_savedmodels.py") and op.origin.line


def test_json_location_has_the_source_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner().invoke(
        cli, ["check", "fixtures/savedmodel/erf_debug", "-t", "tflm", "--output-format", "json", "--isolated"]
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    findings = [f for m in data["results"] for f in m["findings"]]
    loc = findings[0]["location"]
    assert loc["source"]["file"].endswith("build_savedmodels.py")
    assert loc["layer"] == "model/block"


def test_grouping_many_nodes_of_one_layer() -> None:
    found = [f for f in lint("savedmodel/erf_debug", "tflite") if f.code == "OPL111"]
    assert len(found) == 1 and "(and 4 more Erf nodes in this layer)" in found[0].message


def test_frozen_graphdef() -> None:
    model = load(str(SM / "frozen_cumprod.pb"))
    assert model.format == "graphdef"
    assert [op.kind for op in model.ops()] == ["MatMul", "Cumprod"]
    assert "OPL111" in codes(lint("savedmodel/frozen_cumprod.pb", "tflm"))


def test_saved_model_pb_path_reads_its_directory() -> None:
    model = load(str(SM / "cumprod" / "saved_model.pb"))
    assert [op.kind for op in model.ops()] == ["MatMul", "Cumprod"]


def test_directory_without_saved_model_keeps_opl001(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        load(str(tmp_path))
    assert err.value.kind is ProblemKind.UNREADABLE and "not a SavedModel" in err.value.message


def test_ladder_on_the_issue_example() -> None:
    assert "OPL111" in codes(lint("savedmodel/cumprod", "tflm"))
    assert "OPL111" not in codes(lint("savedmodel/cumprod", "tflite-flex"))
    assert codes(lint("savedmodel/conv_ok", "tflm")) == []


def test_matmul_with_computed_weight_is_batch_matmul() -> None:
    model = load(str(SM / "cumprod"))
    preds = {op.kind: p for _, op, p in predictions(model)}
    assert preds["MatMul"].builtins == ("FULLY_CONNECTED",)
    assert preds["Cumprod"].fate == "flex"


def test_fate_table_covers_the_tf_registry() -> None:
    rows = table()
    assert len(rows) >= 1400
    assert rows["Conv2D"].builtins == ("CONV_2D",)
    assert rows["Erf"].fate == "flex" and rows["Erfc"].fate == "unsupported"
    assert rows["Identity"].fate == "plumbing"
    assert set(rows["Selu"].builtins) == {"SELECT", "GREATER", "MUL", "SUB", "EXP"}  # probe_convert_tf221


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize("cut", [1, 7, 100, 1000, 3000, 7000])
def test_truncated_savedmodels_never_crash(tmp_path: Path, cut: int) -> None:
    data = (SM / "conv_ok" / "saved_model.pb").read_bytes()
    (tmp_path / "saved_model.pb").write_bytes(data[:cut])
    _load_or_error(str(tmp_path))


def test_corrupt_bytes_never_crash(tmp_path: Path) -> None:
    data = bytearray((SM / "control_flow" / "saved_model.pb").read_bytes())
    rng = random.Random(3)
    for _ in range(60):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        (tmp_path / "saved_model.pb").write_bytes(bytes(mutated))
        _load_or_error(str(tmp_path))


def test_garbage_graphdef_and_text(tmp_path: Path) -> None:
    bad = tmp_path / "frozen.pb"
    bad.write_bytes(os.urandom(2000))
    _load_or_error(str(bad))
    text = tmp_path / "text" / "saved_model.pbtxt"
    text.parent.mkdir()
    text.write_text("meta_graphs { graph_def { node { name: 'x' op: 'Erf' } } }  garbage {{{")
    with pytest.raises(ModelError) as err:
        load(str(text.parent))
    assert err.value.kind is ProblemKind.UNREADABLE_TF


def test_pbtxt_savedmodel(tmp_path: Path) -> None:
    text = tmp_path / "saved_model.pbtxt"
    text.write_text('meta_graphs { meta_info_def { tags: "serve" } graph_def { node { name: "e" op: "Erf" } } }')
    model = load(str(tmp_path))
    assert [op.kind for op in model.ops()] == ["Erf"]


def test_huge_file_is_refused_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from oplint.readers import savedmodel

    monkeypatch.setattr(savedmodel, "MAX_BYTES", 1000)
    shutil.copytree(SM / "conv_ok", tmp_path / "m")
    with pytest.raises(ModelError) as err:
        load(str(tmp_path / "m"))
    assert err.value.kind is ProblemKind.UNREADABLE_TF and "2 GB" in err.value.message


def test_deep_nesting_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from oplint.readers import savedmodel

    monkeypatch.setattr(savedmodel, "MAX_CALL_DEPTH", 1)
    model = load(str(SM / "control_flow"))
    assert any(p.kind is ProblemKind.CALL_GRAPH and p.message.startswith("functions nested") for p in model.problems)


def _load_or_error(path: str) -> None:
    try:
        load(path)
    except ModelError as exc:
        assert exc.kind in (ProblemKind.UNREADABLE, ProblemKind.LFS_POINTER, ProblemKind.UNREADABLE_TF), exc.message
        assert "\n" not in exc.message


# ---------------------------------------------------------------- CLI


def test_cli_on_a_savedmodel_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner().invoke(cli, ["check", "fixtures/savedmodel/cumprod", "--quiet", "--isolated"])
    assert result.exit_code == 1
    assert "fixtures/savedmodel/cumprod: passes tflite-flex; fails tflite (1), tflm (1)" in result.stdout


def test_cli_walks_a_folder_of_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner().invoke(
        cli, ["check", "fixtures/savedmodel", "-t", "tflite-flex", "--output-format", "full", "--isolated"]
    )
    assert result.exit_code == 1
    assert "fixtures/savedmodel/conv_ok: passes tflite-flex" in result.stdout
    assert "fixtures/savedmodel/corrupt: OPL006" in result.stdout


def test_tflite_cold_path_does_not_import_protobuf() -> None:
    code = (
        "import sys; from oplint.cli import main; sys.argv=['oplint','check','--isolated',"
        f"{str(FIXTURES / 'tflite' / 'conv_float.tflite')!r}]\n"
        "try:\n main()\nexcept SystemExit: pass\n"
        "assert 'google.protobuf' not in sys.modules, 'protobuf imported'\n"
        "assert 'tensorflow' not in sys.modules"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True, timeout=60)


# ---------------------------------------------------------------- fidelity


def fidelity() -> tuple[int, int, int, list[str]]:
    """(verdicts that agree, records, false clean, disagreements) on the oracle's SavedModels."""
    assert SHARED is not None
    oracle = SHARED / "oracle"
    records = [r for r in json.loads((oracle / "truth.json").read_text())["records"] if r["kind"] == "saved_model"]
    agree = false_clean = 0
    notes = []
    for rec in records:
        verdict = rec["verdict"]
        model = load(str(oracle / rec["path"]))
        preds = predictions(model)
        flex = sorted({op.kind for _, op, p in preds if p.fate == "flex"})
        rejected = sorted({op.kind for _, op, p in preds if p.fate in ("unsupported", "custom")})
        ok = not flex and not rejected
        real = bool(verdict["builtins_ok"])
        agree += ok == real
        false_clean += ok and not real
        if ok != real or (
            not real
            and (
                flex != sorted(verdict.get("unsupported_tf_ops") or []) or rejected != sorted(verdict["custom_tf_ops"])
            )
        ):
            notes.append(f"{rec['model']}: converter ok={real}, oplint flex={flex} rejected={rejected}")
    return agree, len(records), false_clean, notes


@pytest.mark.skipif(SHARED is None, reason="../shared (oracle) is not present")
def test_fidelity_against_the_tf221_converter() -> None:
    agree, total, false_clean, notes = fidelity()
    assert false_clean == 0, notes
    assert agree == total and not notes, notes  # the verdict and the ops it names


def test_fixture_verdicts_of_the_real_converter() -> None:
    """fixtures/savedmodel/VERDICTS.json: the TF 2.21 converter on every fixture (verify_savedmodels.py)."""
    verdicts = json.loads((SM / "VERDICTS.json").read_text())["verdicts"]
    for name, real in verdicts.items():
        try:
            model = load(str(SM / name), signature="*")  # the converter converts every signature
        except ModelError:
            assert not real["ok"], name
            continue
        refused = [p for p in model.problems if p.kind is not ProblemKind.INVALID]
        preds = predictions(model)
        flex = sorted({op.kind for _, op, p in preds if p.fate == "flex"})
        rejected = sorted({op.kind for _, op, p in preds if p.fate in ("unsupported", "custom")})
        ok = not flex and not rejected and not refused
        assert ok == real["ok"], (name, flex, rejected, refused)
        if "flex_ops" in real:
            assert (flex, rejected) == (real["flex_ops"], real["custom_ops"]), name
        if real["ok"]:
            predicted = {b for _, _, p in preds for b in p.builtins}
            fused = {"RELU", "RELU6", "RELU_N1_TO_1", "TANH"}  # folded into the op before them as an activation
            if "RESHAPE" in real["ops"]:  # a static EXPAND_DIMS or SQUEEZE ends as a RESHAPE
                fused |= {"EXPAND_DIMS", "SQUEEZE"}
            assert predicted - fused <= set(real["ops"]), (name, predicted, real["ops"])


@pytest.mark.skipif(SHARED is None, reason="../shared (oracle) is not present")
def test_tflm_kernels_of_the_predicted_builtins_match_tflm() -> None:
    """For every oracle SavedModel that converts with builtins only: OPL114 [tflm] fires exactly
    when the TFLite Micro interpreter misses a kernel for the converted float32 model, and it
    names that op (TFLM stops at the first missing one; oplint names them all)."""
    from oplint.run.config import Config, TargetSpec
    from oplint.run.lint import lint_file, prepare

    assert SHARED is not None
    oracle = SHARED / "oracle"
    records = json.loads((oracle / "truth.json").read_text())["records"]
    tflite = {(r["model"], r["variant"]): r for r in records if r["kind"] != "saved_model"}
    run = prepare(Config(targets=(TargetSpec("tflm"),)))
    checked = 0
    for rec in records:
        converted = tflite.get((rec["model"], "float32"))
        if rec["kind"] != "saved_model" or not rec["verdict"]["builtins_ok"] or converted is None:
            continue
        missing = set(converted["verdict"].get("tflm_missing_ops") or [])
        report = lint_file(str(oracle / rec["path"]), run)
        named = {f.message.split("-> ", 1)[1].split(":")[0] for f in report.findings if f.code == "OPL114"}
        assert bool(named) == bool(missing), (rec["model"], named, missing)
        assert missing <= named, (rec["model"], named, missing)
        checked += 1
    assert checked >= 30


@pytest.mark.skipif(SHARED is None, reason="../shared (opdata) is not present")
def test_fate_table_agrees_with_the_independent_extraction() -> None:
    """../shared/opdata/data/tf_to_tflite.json was extracted from the same pinned sources by other
    scripts; the statuses agree except where a converter experiment or a LiteRT pass outside
    LegalizeTF says otherwise (each such row is in rules/overrides/tf_fate.toml)."""
    assert SHARED is not None
    ref = json.loads((SHARED / "opdata" / "data" / "tf_to_tflite.json").read_text())
    status = {"builtin": "builtin", "builtin_conditional": "builtin", "removed": "plumbing"}
    status.update({"flex": "flex", "unsupported": "unsupported"})
    overridden = set(_overrides())
    rows = table()
    same = differ = 0
    for op, row in ref.items():
        if not row.get("in_raw_ops") or row["status"] == "lowered":
            continue
        theirs = status[row["status"]]
        if rows[op].fate == theirs:
            same += 1
        else:
            differ += 1
            assert op in overridden or op in KNOWN_DIFFERENCES, (op, theirs, rows[op])
    assert same >= 1395 and differ <= 9, (same, differ)


#: where the two extractions differ and why
KNOWN_DIFFERENCES = {
    # legalize_variables.td turns it into ASSIGN_VARIABLE (oracle: stateful_variable_update converts
    # with ASSIGN_VARIABLE); the other extraction filed it as removed plumbing
    "AssignVariableOp": "builtin",
    # an initialization check the converter drops with the variables (oplint's graph plumbing)
    "VarIsInitializedOp": "plumbing",
}


def _overrides() -> dict[str, object]:
    from oplint.knowledge import load_toml, rules_dir

    return load_toml(rules_dir() / "overrides" / "tf_fate.toml")["ops"]  # type: ignore[no-any-return]


def test_tf1_savedmodel_signature_over_tensor_names() -> None:
    model = load(str(SM / "tf1_graph"))
    assert len(model.graphs) == 1  # a TF1 graph: no function library
    assert [op.kind for op in model.ops()] == ["MatMul", "Relu", "Cumprod"]
    matmul = next(model.ops())
    weight = model.graphs[0].op_inputs(matmul)[1]
    assert weight is not None and weight.is_const  # a variable, frozen by the converter
    assert codes(lint("savedmodel/tf1_graph", "tflm")) == ["OPL111"]


def test_predict_command_lists_each_op_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner().invoke(cli, ["predict", "fixtures/savedmodel/cumprod"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "MatMul (float32) x1 -> FULLY_CONNECTED: ok on tflite, tflite-flex, tflm",
        "Cumprod (float32) x1 -> Select TF op FlexCumprod: ok on tflite-flex; fails tflite, tflm",
    ]
    result = runner().invoke(cli, ["predict", "fixtures/savedmodel/rfft", "-t", "tflm"])
    assert "RFFT (float32) x1 -> RESHAPE, RFFT2D: fails tflm (RFFT2D: no TensorFlow Lite Micro kernel)" in result.stdout
    result = runner().invoke(cli, ["predict", "fixtures/savedmodel/gelu_fused", "-t", "tflite"])
    assert "Erfc (float32) x1 -> GELU [fuses with the ops around it into GELU]: ok on tflite" in result.stdout
    result = runner().invoke(cli, ["predict", "fixtures/tflite/conv_float.tflite"])
    assert result.exit_code == 2


def test_a_renamed_saved_model_pb_is_still_a_savedmodel(tmp_path: Path) -> None:
    shutil.copytree(SM / "cumprod", tmp_path / "export")
    os.rename(tmp_path / "export" / "saved_model.pb", tmp_path / "export" / "model.pb")
    model = load(str(tmp_path / "export" / "model.pb"))
    assert model.format == "savedmodel" and [op.kind for op in model.ops()] == ["MatMul", "Cumprod"]


def _ld(field: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""

    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)

    return varint(field << 3 | 2) + varint(len(payload)) + payload


def test_absurd_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    value = b""
    for _ in range(3000):  # AttrValue.func -> NameAttrList.attr -> entry.value -> AttrValue ...
        value = _ld(10, _ld(2, _ld(1, b"k") + _ld(2, value)))
    node = _ld(1, b"n") + _ld(2, b"Erf") + _ld(5, _ld(1, b"k") + _ld(2, value))
    path = tmp_path / "deep.pb"
    path.write_bytes(_ld(1, node))
    with pytest.raises(ModelError) as err:
        load(str(path))
    assert err.value.kind is ProblemKind.UNREADABLE_TF


@pytest.mark.skipif(SHARED is None, reason="../shared (oracle) is not present")
def test_keras_lstm_composite_is_one_fused_op() -> None:
    assert SHARED is not None
    model = load(str(SHARED / "oracle" / "corpus" / "lstm_tfkeras_fused" / "saved_model"))
    fused = [p for _, _, p in predictions(model) if "UNIDIRECTIONAL_SEQUENCE_LSTM" in p.builtins]
    assert fused  # the converter's own output for this model (oracle: lstm_tfkeras_fused)
    assert "While" not in {op.kind for op in model.ops()}  # the layer's body is not walked


def test_tf1_graph_outputs_skip_the_saver_and_initializers(tmp_path: Path) -> None:
    from oplint.readers.tf_proto import tf_minimal_pb2 as pb

    graph = pb.GraphDef()
    for name, op, inputs in [
        ("x", "Placeholder", []),
        ("w", "VariableV2", []),
        ("w/Initializer/random_uniform", "RandomUniform", []),
        ("w/Assign", "Assign", ["w", "w/Initializer/random_uniform"]),
        ("init", "NoOp", ["^w/Assign"]),
        ("y", "Erf", ["x"]),
        ("save/SaveV2", "SaveV2", ["w"]),
        ("save/control_dependency", "Identity", ["^save/SaveV2"]),
    ]:
        node = graph.node.add()
        node.name, node.op = name, op
        node.input.extend(inputs)
    path = tmp_path / "frozen.pb"
    path.write_bytes(graph.SerializeToString())
    assert [op.kind for op in load(str(path)).ops()] == ["Erf"]


GOOD = (SM / "control_flow" / "saved_model.pb").read_bytes()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=12))
def test_fuzzed_savedmodels(tmp_path: Path, edits: list[tuple[int, int]]) -> None:
    data = bytearray(GOOD)
    for pos, value in edits:
        data[pos] = value
    (tmp_path / "saved_model.pb").write_bytes(bytes(data))
    _load_or_error(str(tmp_path))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=4096))
def test_random_bytes_as_graphdef(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "model.pb").write_bytes(data)
    _load_or_error(str(tmp_path / "model.pb"))


LITERT_CHECKOUT = checkout(LITERT)


@pytest.mark.skipif(
    SHARED is None or LITERT_CHECKOUT is None, reason="needs a checkout of the pinned LiteRT and ../shared/opdata"
)
def test_fate_table_is_current() -> None:
    """rules/tf/tf_ops.toml is what scripts/gen_tf_fate.py makes of the pinned sources and the overrides."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_tf_fate.py"), "--check", "--litert", str(LITERT_CHECKOUT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("attr", ["Tin", "Tout", "T"])
def test_a_node_listing_a_million_types_is_read_cut_or_refused(tmp_path: Path, attr: str) -> None:
    from oplint.readers.savedmodel import MAX_OUTPUTS

    types = b"\x01" * 1_000_000  # DT_FLOAT, packed
    value = _ld(1, _ld(6, types))  # AttrValue.list(1).type(6)
    x = _ld(1, b"x") + _ld(2, b"Placeholder") + _ld(5, _ld(1, b"dtype") + _ld(2, b"\x30\x01"))
    node = _ld(1, b"f") + _ld(2, b"Erf") + _ld(3, b"x") + _ld(5, _ld(1, attr.encode()) + _ld(2, value))
    path = tmp_path / "huge_list.pb"
    path.write_bytes(_ld(1, x) + _ld(1, node))
    try:
        model = load(str(path))
    except ModelError as err:
        assert attr == "Tout" and err.kind is ProblemKind.TOO_LARGE  # a million outputs: beyond the limit
        return
    (identity,) = [op for op in model.ops() if op.kind == "Erf"]
    assert len(identity.options[attr]) == MAX_OUTPUTS


@pytest.mark.skipif(SHARED is None, reason="needs ../shared/opdata (the pinned TF op registry)")
def test_output_argument_table_is_current() -> None:
    """oplint/readers/tf_outputs.py is what scripts/gen_tf_outputs.py makes of the TF op registry."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_tf_outputs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_named_output_of_a_function_node_is_its_flat_output() -> None:
    """Inside a function `node:arg:i` counts within the output argument: CTCBeamSearchDecoder's
    `decoded_shape:0` is its output top_paths * 2 (one decoded_indices and decoded_values per path)."""
    from oplint.readers.savedmodel import _output_dtype, _split_input
    from oplint.readers.tf_proto import tf_minimal_pb2 as pb

    node = pb.NodeDef(name="ctc", op="CTCBeamSearchDecoder")
    node.attr["top_paths"].i = 2
    node.attr["T"].type = 1
    nodes = {"ctc": node}
    assert _split_input("ctc:decoded_shape:1", True, nodes)[:2] == ("ctc", 5)
    assert _split_input("ctc:log_probability:0", True, nodes)[:2] == ("ctc", 6)
    assert _split_input("ctc:decoded_shape:1", False, nodes)[:2] == ("ctc", 1)  # a graph counts flat
    assert (_output_dtype(node, 5), _output_dtype(node, 6)) == ("int64", "float32")
