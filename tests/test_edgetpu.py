"""The Edge TPU target: Coral's supported-operations table, model requirements and one segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.tflite_builder import Graph, Op, Q, T, build
from oplint.delegates.contract import OpVerdict
from oplint.delegates.edgetpu import assess, kinds, table
from oplint.knowledge.targets import load as load_target
from oplint.readers.tflite import read
from tests.helpers import SHARED, fixture, lint, runner

EDGETPU = load_target("edgetpu")
QP = Q([0.1], [0])


def _verdicts(tmp_path: Path, graph: Graph) -> dict[tuple[int, int], OpVerdict]:
    path = tmp_path / "m.tflite"  # on disk: constant axes/paddings/strides are read from the file
    path.write_bytes(build([graph]))
    return dict(assess(read(str(path)), EDGETPU).verdicts)


def _q(name: str, shape: tuple[int, ...], dtype: str = "int8") -> T:
    return T(name, dtype, shape, quant=QP)


def _conv_graph(act: str = "NONE") -> Graph:
    tensors = [
        _q("x", (1, 8, 8, 3)),
        T("w", "int8", (4, 3, 3, 3), const=True, quant=QP),
        T("b", "int32", (4,), const=True, quant=Q([0.01], [0])),
        _q("y", (1, 8, 8, 4)),
    ]
    conv = Op("CONV_2D", [0, 1, 2], [3], options=("Conv2DOptions", {"padding": 0, "stride_w": 1, "stride_h": 1}))
    return Graph(tensors, [conv], [0], [3])


def test_table_is_the_2019_one_and_coral_s_later_additions() -> None:
    """28 rows of the 2019 table, and the 5 ops Coral's release notes add with compiler
    2.0.291256449 (google-coral/edgetpu CHANGES.md)."""
    rows = {r.name for r in table().values()}
    assert len(rows) == 33 and {"Conv2d", "ReluN1To1", "StridedSlice", "Squeeze"} <= rows
    assert {"ExpandDims", "Pack", "Quantize", "Sum", "TransposeConv"} <= rows
    assert kinds(EDGETPU) == frozenset(table()) and "CONV_2D" in kinds(EDGETPU)
    assert "ARG_MAX" not in kinds(EDGETPU)  # not a row of the 2019 table
    assert EDGETPU.delegate_options["max-delegated-partitions"] == 1


def test_int8_conv_maps(tmp_path: Path) -> None:
    v = _verdicts(tmp_path, _conv_graph())[(0, 0)]
    assert v.supported, v
    assert "Conv2d" in str(v.cite or "")


def test_float_op_is_rejected(tmp_path: Path) -> None:
    g = Graph([T("x", shape=(1, 8)), T("y", shape=(1, 8))], [Op("TANH", [0], [1])], [0], [1])
    v = _verdicts(tmp_path, g)[(0, 0)]
    assert not v.supported and "not 8-bit" in v.reasons[0] and "model-requirements" in str(v.cite or "")


def test_dynamic_size_and_dimension_rule(tmp_path: Path) -> None:
    dyn = [T("x", "int8", (1, 8), quant=QP, shape_signature=(-1, 8)), _q("y", (1, 8))]
    v = _verdicts(tmp_path, Graph(dyn, [Op("TANH", [0], [1])], [0], [1]))[(0, 0)]
    assert not v.supported and "dynamic size" in v.reasons[0]
    big = [_q("x", (2, 4, 4, 4)), _q("y", (2, 4, 4, 4))]
    v = _verdicts(tmp_path, Graph(big, [Op("TANH", [0], [1])], [0], [1]))[(0, 0)]
    assert not v.supported and "3 innermost" in v.reasons[0]
    ok = [_q("x", (1, 1, 4, 4, 4)), _q("y", (1, 1, 4, 4, 4))]
    assert _verdicts(tmp_path, Graph(ok, [Op("TANH", [0], [1])], [0], [1]))[(0, 0)].supported


def test_non_constant_weights_are_rejected(tmp_path: Path) -> None:
    g = _conv_graph()
    g.tensors[1].const = False
    g = Graph(g.tensors, g.ops, [0, 1], [3])
    v = _verdicts(tmp_path, g)[(0, 0)]
    assert not v.supported and "not constant" in v.reasons[0]


def test_op_absent_from_the_table_cuts_the_segment(tmp_path: Path) -> None:
    tensors = [_q(f"t{i}", (1, 8)) for i in range(5)]
    # TANH | GELU (no row) | TANH TANH: the compiler stops at GELU; the later TANHs run on the CPU
    ops = [Op("TANH", [0], [1]), Op("GELU", [1], [2]), Op("TANH", [2], [3]), Op("TANH", [3], [4])]
    v = _verdicts(tmp_path, Graph(tensors, ops, [0], [4]))
    assert v[(0, 0)].supported
    assert not v[(0, 1)].supported and "not in the Edge TPU's supported operations" in v[(0, 1)].reasons[0]
    for i in (2, 3):
        assert not v[(0, i)].supported
        assert v[(0, i)].reasons == (
            "after the first op the Edge TPU compiler cannot map (op 1 GELU); the compiler maps one segment only",
        )
        assert "compiling" in str(v[(0, i)].cite or "")


def test_plan_has_one_prefix_partition(tmp_path: Path) -> None:
    from oplint.delegates.delegation import analyse

    tensors = [_q(f"t{i}", (1, 8)) for i in range(5)]
    ops = [Op("TANH", [0], [1]), Op("LOGISTIC", [1], [2]), Op("GELU", [2], [3]), Op("TANH", [3], [4])]
    path = tmp_path / "m.tflite"
    path.write_bytes(build([Graph(tensors, ops, [0], [4])]))
    plan = analyse(read(str(path)), EDGETPU)
    assert plan is not None
    assert [p.ops for p in plan.plan.partitions if p.delegated] == [(0, 1)]


def test_float_input_quantize_does_not_end_the_segment(tmp_path: Path) -> None:
    tensors = [T("x", shape=(1, 8)), _q("q", (1, 8)), _q("y", (1, 8)), T("out", shape=(1, 8))]
    ops = [Op("QUANTIZE", [0], [1]), Op("TANH", [1], [2]), Op("DEQUANTIZE", [2], [3])]
    v = _verdicts(tmp_path, Graph(tensors, ops, [0], [3]))
    assert not v[(0, 0)].supported and "float graph input" in v[(0, 0)].reasons[0]
    assert v[(0, 1)].supported
    assert not v[(0, 2)].supported and "float graph output" in v[(0, 2)].reasons[0]


def _pool(act: int) -> Graph:
    opts = {"padding": 1, "stride_w": 2, "stride_h": 2, "filter_width": 2, "filter_height": 2}
    opts["fused_activation_function"] = act
    tensors = [_q("x", (1, 8, 8, 4)), _q("y", (1, 4, 4, 4))]
    return Graph(tensors, [Op("MAX_POOL_2D", [0], [1], options=("Pool2DOptions", opts))], [0], [1])


def test_pool_with_fused_activation_is_rejected(tmp_path: Path) -> None:
    assert _verdicts(tmp_path, _pool(0))[(0, 0)].supported
    v = _verdicts(tmp_path, _pool(1))[(0, 0)]  # RELU
    assert not v.supported and "fused activation (RELU)" in v.reasons[0] and "MaxPool2d" in str(v.cite or "")


def _mean(axes: list[int]) -> Graph:
    import struct

    tensors = [
        _q("x", (1, 8, 8, 4)),
        T("axes", "int32", (len(axes),), const=True, data=struct.pack(f"<{len(axes)}i", *axes)),
        _q("y", (1, 1, 1, 4) if axes != [3] else (1, 8, 8, 1)),
    ]
    return Graph(tensors, [Op("MEAN", [0, 1], [2], options=("ReducerOptions", {"keep_dims": True}))], [0], [2])


def test_mean_over_the_channels_is_rejected(tmp_path: Path) -> None:
    assert _verdicts(tmp_path, _mean([1, 2]))[(0, 0)].supported
    v = _verdicts(tmp_path, _mean([3]))[(0, 0)]
    assert not v.supported and "MEAN over axis 3" in v.reasons[0]
    assert not _verdicts(tmp_path, _mean([-1]))[(0, 0)].supported


def test_softmax_and_squeeze_limitations(tmp_path: Path) -> None:
    ok = Graph([_q("x", (1, 1000)), _q("y", (1, 1000))], [Op("SOFTMAX", [0], [1])], [0], [1])
    assert _verdicts(tmp_path, ok)[(0, 0)].supported
    big = Graph([_q("x", (1, 20000)), _q("y", (1, 20000))], [Op("SOFTMAX", [0], [1])], [0], [1])
    assert "at most 16,000" in _verdicts(tmp_path, big)[(0, 0)].reasons[0]

    def squeeze(shape: tuple[int, ...], out: tuple[int, ...], dims: list[int]) -> OpVerdict:
        opts = ("SqueezeOptions", {"squeeze_dims": dims})
        g = Graph([_q("x", shape), _q("y", out)], [Op("SQUEEZE", [0], [1], options=opts)], [0], [1])
        return _verdicts(tmp_path, g)[(0, 0)]

    # the page's own examples: [1,1,10] and [1,5,10] are fine, [5,1,10] is not
    assert squeeze((1, 1, 10), (10,), [0, 1]).supported
    assert squeeze((1, 5, 10), (5, 10), [0]).supported
    v = squeeze((5, 1, 10), (5, 10), [1])
    assert not v.supported and "only leading 1s" in v.reasons[0]


def test_strided_slice_strides(tmp_path: Path) -> None:
    import struct

    def ss(strides: list[int]) -> OpVerdict:
        tensors = [
            _q("x", (8, 8)),
            T("b", "int32", (2,), const=True, data=struct.pack("<2i", 0, 0)),
            T("e", "int32", (2,), const=True, data=struct.pack("<2i", 8, 8)),
            T("s", "int32", (2,), const=True, data=struct.pack("<2i", *strides)),
            _q("y", (8 // strides[0], 8 // strides[1])),
        ]
        g = Graph(tensors, [Op("STRIDED_SLICE", [0, 1, 2, 3], [4])], [0], [4])
        return _verdicts(tmp_path, g)[(0, 0)]

    assert ss([1, 1]).supported
    v = ss([2, 1])
    assert not v.supported and "strides [2, 1]" in v.reasons[0]


def test_compiled_model_runs_on_the_tpu() -> None:
    model = read(fixture("tflite/edgetpu_compiled.tflite"))
    v = assess(model, EDGETPU).verdicts
    assert v[(0, 0)].supported  # the edgetpu-custom-op
    assert not v[(0, 1)].supported and "float graph output" in v[(0, 1)].reasons[0]
    codes = {f.code for f in lint("tflite/edgetpu_compiled.tflite", "edgetpu")}
    assert "OPL322" in codes and "OPL104" not in codes  # libedgetpu registers the custom op


def test_cli_reports_the_cut(tmp_path: Path) -> None:
    from oplint.cli import cli

    tensors = [_q(f"t{i}", (1, 8)) for i in range(4)]
    ops = [Op("TANH", [0], [1]), Op("GELU", [1], [2]), Op("TANH", [2], [3])]
    path = tmp_path / "cut.tflite"
    path.write_bytes(build([Graph(tensors, ops, [0], [3])]))
    result = runner().invoke(cli, ["check", str(path), "--target", "edgetpu", "--failure-threshold", "warning"])
    assert result.exit_code == 1  # CPU fallback is a warning: the model runs, partly on the CPU
    assert "OPL301 [edgetpu]" in result.output
    assert "does not take GELU (op 1): GELU is not in the Edge TPU's supported operations" in result.output
    assert "the compiler maps one segment only" in result.output


def test_cli_lists_the_target() -> None:
    from oplint.cli import cli

    out = runner().invoke(cli, ["targets"]).output
    line = next(x for x in out.splitlines() if x.startswith("edgetpu:"))
    assert "Coral Edge TPU" in line
    assert "coral.ai/docs/edgetpu/models-intro@2019-table" in out


@pytest.mark.parametrize("row", sorted({r.name for r in table().values()}))
def test_every_row_names_schema_builtins(row: str) -> None:
    from oplint.knowledge.targets import load

    builtins = load("tflite").builtins
    assert all(b in builtins for r in table().values() if r.name == row for b in r.builtins)


def test_pad_concatenation_and_fully_connected_limitations(tmp_path: Path) -> None:
    import struct

    def pad(paddings: list[int]) -> OpVerdict:
        tensors = [
            _q("x", (1, 4, 4, 2)),
            T("p", "int32", (4, 2), const=True, data=struct.pack("<8i", *paddings)),
            _q("y", (1, 6, 6, 2)),
        ]
        return _verdicts(tmp_path, Graph(tensors, [Op("PAD", [0, 1], [2])], [0], [2]))[(0, 0)]

    assert pad([0, 0, 1, 1, 1, 1, 0, 0]).supported
    v = pad([0, 0, 1, 1, 1, 1, 0, 2])
    assert not v.supported and "padding of dimension 3" in v.reasons[0]

    def concat(zero: bool, n: int) -> OpVerdict:
        data = bytes(8) if zero else b"\x01" * 8
        tensors = [_q(f"x{i}", (1, 8)) for i in range(n - 1)]
        tensors += [T("c", "int8", (1, 8), const=True, quant=QP, data=data), _q("y", (1, 8 * n))]
        op = Op("CONCATENATION", list(range(n)), [n], options=("ConcatenationOptions", {"axis": 1}))
        return _verdicts(tmp_path, Graph(tensors, [op], list(range(n - 1)), [n]))[(0, 0)]

    assert concat(True, 2).supported
    assert "not all zeroes" in concat(False, 2).reasons[0]
    assert "only 2 are allowed" in concat(True, 3).reasons[0]

    def fc(fmt: int) -> OpVerdict:
        tensors = [
            _q("x", (1, 8)),
            T("w", "int8", (4, 8), const=True, quant=QP),
            T("b", "int32", (4,), const=True, quant=Q([0.01], [0])),
            _q("y", (1, 4)),
        ]
        op = Op("FULLY_CONNECTED", [0, 1, 2], [3], options=("FullyConnectedOptions", {"weights_format": fmt}))
        return _verdicts(tmp_path, Graph(tensors, [op], [0], [3]))[(0, 0)]

    ok = fc(0)
    assert ok.supported and ok.reasons == ("not checked: Output tensor is one-dimensional.",)
    assert "only the default format" in fc(1).reasons[0]


def test_resize_carries_its_unchecked_note(tmp_path: Path) -> None:
    import struct

    tensors = [
        _q("x", (1, 4, 4, 2)),
        T("s", "int32", (2,), const=True, data=struct.pack("<2i", 8, 8)),
        _q("y", (1, 8, 8, 2)),
    ]
    v = _verdicts(tmp_path, Graph(tensors, [Op("RESIZE_BILINEAR", [0, 1], [2])], [0], [2]))[(0, 0)]
    assert v.supported and "not checked: Depending on input/output size" in v.reasons[0]


def test_constant_int32_parameters_are_not_tensors_the_tpu_computes(tmp_path: Path) -> None:
    # a RESHAPE's int32 shape (MobileNet's final Squeeze): the model requirement "8-bit tensors"
    # is about the data, not the shape
    tensors = [_q("x", (1, 1, 1, 8)), T("shape", "int32", (2,), const=True), _q("y", (1, 8))]
    v = _verdicts(tmp_path, Graph(tensors, [Op("RESHAPE", [0, 1], [2])], [0], [2]))[(0, 0)]
    assert v.supported, v
    tensors[1] = T("shape", "int32", (2,))  # computed at run time: a dynamic size, not a parameter
    v = _verdicts(tmp_path, Graph(tensors, [Op("RESHAPE", [0, 1], [2])], [0, 1], [2]))[(0, 0)]
    assert not v.supported


CORAL = SHARED / "corpus" / "models" / "google-coral__edgetpu" / "test_data"


@pytest.mark.skipif(not CORAL.is_dir(), reason="../shared is not present")
def test_against_coral_s_own_compiled_copy_of_a_model() -> None:
    """google-coral/edgetpu's test data holds MobileNet-EdgeTPU 0.75 both before and after
    edgetpu_compiler: the compiler put all 79 ops in its one edgetpu-custom-op.  The 2019 table
    maps 77 of them; the two QUANTIZE ops (uint8 <-> int8 at the graph's ends) are mapped since
    compiler 2.0.291256449 (Coral's release notes), which the table now has: all 79."""
    from oplint.delegates.delegation import analyse

    model = read(str(CORAL / "mobilenet_edgetpu_0.75_224_post_training_quant.tflite"))
    compiled = read(str(CORAL / "mobilenet_edgetpu_0.75_224_post_training_quant_edgetpu.tflite"))
    assert [op.display for op in compiled.ops()] == ["edgetpu-custom-op"]
    delegation = analyse(model, EDGETPU)
    assert delegation is not None and delegation.plan.total_ops == 79
    cpu = [op for op, _v, _dropped in delegation.cpu_ops(model)]
    assert cpu == []
