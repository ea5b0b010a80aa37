"""The .tflite reader: what it reads, cross-checked against the generated `tflite` accessors."""

from __future__ import annotations

import glob
import os

import pytest

from oplint.core.model import ProblemKind
from oplint.readers import ModelError, load
from oplint.readers.tflite import parse
from tests.helpers import FIXTURES, SHARED, fixture

VALID = [
    "conv_float",
    "conv_int8",
    "rfft2d_float",
    "flex_erf",
    "flex_svd",
    "custom_op",
    "detection_postprocess",
    "ethos_u",
    "exp_int8",
    "hybrid_fc",
    "fc_v12",
    "gelu_float",
    "extended_opcode",
    "float16_weights",
    "while_subgraph",
    "dynamic_batch",
    "bad_tensor_index",
    "schema_v2",
]


def test_reads_ops_tensors_and_quantization() -> None:
    model = load(fixture("tflite/conv_int8.tflite"))
    graph = model.graphs[0]
    assert [op.kind for op in graph.ops] == ["CONV_2D", "SOFTMAX"]
    conv = graph.ops[0]
    assert conv.version == 3 and conv.inputs == (0, 1, 2) and conv.outputs == (3,)
    assert conv.options["padding"] == "SAME" and conv.options["fused_activation_function"] == "RELU"
    x, w, b = (graph.tensor(i) for i in conv.inputs)
    assert x is not None and w is not None and b is not None
    assert (x.dtype, x.is_const, x.shape) == ("int8", False, (1, 8, 8, 3))
    assert (w.dtype, w.is_const) == ("int8", True)
    assert w.quant is not None and w.quant.scale_count == 4 and w.quant.per_channel
    assert w.quant.zero_points == (0, 0, 0, 0) and w.quant.quantized_dimension == 0
    assert b.dtype == "int32" and b.is_const
    assert model.min_runtime_version == "1.14.0"
    assert conv.name == "conv/Relu"


def test_reads_signatures_metadata_and_subgraphs() -> None:
    model = load(fixture("tflite/conv_float.tflite"))
    assert model.signatures[0].key == "serving_default"
    assert dict(model.signatures[0].inputs) == {"x": 0}
    assert "min_runtime_version" in model.metadata
    loop = load(fixture("tflite/while_subgraph.tflite"))
    assert [g.name for g in loop.graphs] == ["main", "while_cond", "while_body"]
    assert loop.graphs[0].ops[0].options["body_subgraph_index"] == 2


def test_custom_codes_and_extended_builtin_codes() -> None:
    flex = load(fixture("tflite/flex_erf.tflite")).graphs[0].ops[0]
    assert (flex.kind, flex.custom_code, flex.is_flex, flex.flex_op, flex.display) == (
        "CUSTOM",
        "FlexErf",
        True,
        "Erf",
        "FlexErf",
    )
    gelu = load(fixture("tflite/gelu_float.tflite")).graphs[0].ops[0]
    assert gelu.kind == "GELU" and gelu.builtin_code == 150  # above 127: only in builtin_code
    future = load(fixture("tflite/extended_opcode.tflite")).graphs[0].ops[0]
    assert future.kind == "UNKNOWN_BUILTIN_250"


def test_dynamic_shape_signature() -> None:
    x = load(fixture("tflite/dynamic_batch.tflite")).graphs[0].tensors[0]
    assert x.shape == (1, 8) and x.shape_signature == (-1, 8) and x.dynamic


def test_networkx_view() -> None:
    model = load(fixture("tflite/conv_int8.tflite"))
    g = model.nx
    assert list(g.edges()) == [((0, 0), (0, 1))]
    assert g.nodes[(0, 1)]["op"].kind == "SOFTMAX"


def _cross_check(path: str) -> None:
    tflite = pytest.importorskip("tflite")
    with open(path, "rb") as fh:
        data = fh.read()
    ours = parse(data, path)
    theirs = tflite.Model.GetRootAsModel(data, 0)
    assert ours.schema_version == theirs.Version()
    assert len(ours.graphs) == theirs.SubgraphsLength()
    for gi, graph in enumerate(ours.graphs):
        sg = theirs.Subgraphs(gi)
        assert len(graph.ops) == sg.OperatorsLength()
        assert len(graph.tensors) == sg.TensorsLength()
        for ti, tensor in enumerate(graph.tensors):
            t = sg.Tensors(ti)
            assert list(tensor.shape) == [int(d) for d in (t.ShapeAsNumpy() if t.ShapeLength() else [])]
            assert tensor.buffer == t.Buffer()
            q = t.Quantization()
            assert (tensor.quant.scale_count if tensor.quant else 0) == (q.ScaleLength() if q else 0)
        for oi, op in enumerate(graph.ops):
            o = sg.Operators(oi)
            code = theirs.OperatorCodes(o.OpcodeIndex())
            assert op.builtin_code == max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            assert op.version == code.Version()
            assert list(op.inputs) == [int(i) for i in (o.InputsAsNumpy() if o.InputsLength() else [])]
            assert list(op.outputs) == [int(i) for i in (o.OutputsAsNumpy() if o.OutputsLength() else [])]


@pytest.mark.parametrize("name", VALID)
def test_matches_the_generated_tflite_accessors_on_fixtures(name: str) -> None:
    _cross_check(str(FIXTURES / "tflite" / f"{name}.tflite"))


def test_matches_the_generated_tflite_accessors_on_real_models() -> None:
    files = sorted(glob.glob(str(SHARED / "oracle" / "corpus" / "*" / "*.int8.tflite")))[:20]
    files += sorted(
        glob.glob(str(SHARED / "corpus" / "models" / "tensorflow__tflite-micro" / "**" / "*.tflite"), recursive=True)
    )[:20]
    if not files:
        pytest.skip("../shared is not present")
    for path in files:
        _cross_check(path)


def test_schema_slots_match_the_generated_tflite_package() -> None:
    """Our generated slot table agrees with flatc's generated accessors (tflite package)."""
    import inspect
    import re

    tflite = pytest.importorskip("tflite")
    from oplint.readers import tflite_schema as S

    checked = 0
    for table, fields in S.TABLES.items():
        cls = getattr(tflite, table, None)
        if cls is None:
            continue
        for slot, (name, _type, _default) in enumerate(fields):
            camel = "".join(p[:1].upper() + p[1:] for p in name.split("_"))
            meth = getattr(cls, camel, None) or getattr(cls, camel + "Length", None)
            if meth is None:
                continue
            m = re.search(r"Offset\((\d+)\)", inspect.getsource(meth))
            if m:
                assert int(m.group(1)) == 4 + 2 * slot, f"{table}.{name}"
                checked += 1
    assert checked > 250


def test_unreadable_inputs_raise_model_error_with_a_kind(tmp_path) -> None:  # type: ignore[no-untyped-def]
    unreadable, lfs = ProblemKind.UNREADABLE, ProblemKind.LFS_POINTER
    for name, kind in (("empty", unreadable), ("truncated", unreadable), ("garbage", unreadable), ("lfs_pointer", lfs)):
        with pytest.raises(ModelError) as info:
            load(fixture(f"tflite/{name}.tflite"))
        assert info.value.kind is kind
    with pytest.raises(ModelError):
        load(str(tmp_path / "missing.tflite"))
    with pytest.raises(ModelError):
        load(str(tmp_path))  # a directory that is not a SavedModel
    fifo = tmp_path / "pipe.tflite"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
        with pytest.raises(ModelError, match="not a regular file"):
            load(str(fifo))  # must not block
