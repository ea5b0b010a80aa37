"""oplint's TF-op fates against LiteRT's converter lit tests (tests/upstream/converter_lit.py).

The comparison reads the pinned LiteRT checkout (skipped without one); the reading of the lit
syntax itself is checked on inline text everywhere.
"""

from __future__ import annotations

import pytest

from tests.upstream import converter_lit as lit
from tests.upstream.mlir import functions, tensor_type

needs_litert = pytest.mark.skipif(not lit.available(), reason="no checkout of the pinned LiteRT")

#: cases where oplint and the lit tests still differ, and why
KNOWN = {
    # the op sits in a tfl.custom_tf region whose block arguments are the wrapper's constant
    # operands; this reading does not map region arguments, so oplint sees non-constant inputs
    # (a SavedModel never holds tfl.custom_tf)
    ("prepare-tf.mlir", "QuantDequantTranspose", "FakeQuantWithMinMaxVarsPerChannel"),
    # the lit test stops at the lowering (tf.Unpack, tf.Concat); the converted model holds one
    # RESHAPE (fixture:tensor_lists), which oplint predicts
    ("lower-static-tensor-list.mlir", "tensorlistConcat", "TensorListConcatV2"),
}


@needs_litert
def test_every_lit_test_of_the_three_passes_is_classified() -> None:
    """A new test file at a new pin must say which pass and options it tests."""
    assert set(lit.test_files()) <= set(lit.FILES), set(lit.test_files()) - set(lit.FILES)


@needs_litert
def test_cases_are_extracted_from_every_file() -> None:
    every = [c for f in lit.test_files() for c in lit.cases(f)]
    assert len(every) >= 600, len(every)
    per_file = {f: sum(1 for c in every if c.file == f) for f in lit.test_files()}
    assert all(n > 0 for f, n in per_file.items() if f != "legalize_jax_random.mlir"), per_file
    outcomes = {c.outcome for c in every}
    assert outcomes == {"tfl", "tf", "lowered", "removed", "untouched"}, outcomes


@needs_litert
def test_the_fate_table_agrees_with_the_lit_tests() -> None:
    verdicts = lit.verdicts()
    assert len(verdicts) >= 600, len(verdicts)
    differ = {(v.case.file, v.case.function, v.case.op): v.why for v in verdicts if not v.agree}
    assert set(differ) == KNOWN, differ


@needs_litert
def test_type_conditions_decide_the_known_cases() -> None:
    """The rows the lit tests show to depend on types: Relu on integers, BiasAdd on int32."""
    by_function = {(v.case.function, v.case.op): v for v in lit.verdicts(["legalize-tf.mlir"])}
    relu = by_function[("testReluI32", "Relu")]
    assert relu.agree and relu.prediction.builtins == ("MAXIMUM",)
    bias = by_function[("biasAddInt", "BiasAdd")]
    assert bias.agree and bias.prediction.fate == "flex"
    assert by_function[("batch_to_space_nd_unsupported", "BatchToSpaceND")].prediction.fate == "flex"


LIT = """// RUN: litert-opt %s -tfl-legalize-tf | FileCheck %s

func.func @relu_i32(%arg0: tensor<8xi32>) -> tensor<8xi32> {
  %0 = "tf.Relu"(%arg0) : (tensor<8xi32>) -> tensor<8xi32>
  func.return %0 : tensor<8xi32>

// CHECK-LABEL: relu_i32
// CHECK: "tfl.maximum"(%arg0, %cst) : (tensor<8xi32>, tensor<i32>) -> tensor<8xi32>
}

// CHECK-LABEL: complex_slice
func.func @complex_slice(%arg0: tensor<4x4xcomplex<f32>>) -> tensor<2x4xcomplex<f32>> {
  %b = arith.constant dense<[1, 0]> : tensor<2xi32>
  %0 = "tf.StridedSlice"(%arg0, %b, %b, %b) : (tensor<4x4xcomplex<f32>>, tensor<2xi32>, tensor<2xi32>,
    tensor<2xi32>) -> tensor<2x4xcomplex<f32>>
  // CHECK: "tf.StridedSlice"
  func.return %0 : tensor<2x4xcomplex<f32>>
}
"""


def test_reading_the_lit_syntax() -> None:
    relu, sliced = functions(LIT.splitlines())
    assert relu.name == "relu_i32" and [op.name for op in relu.ops] == ["tf.Relu", "func.return"]
    assert relu.ops[0].inputs == (tensor_type("tensor<8xi32>"),) and relu.ops[0].inputs[0].dtype == "int32"
    assert [t for _, _, t in relu.checks][-1].strip().startswith('"tfl.maximum"')
    assert sliced.ops[1].inputs[0].dtype == "complex64" and sliced.ops[1].inputs[3].shape == (2,)
    assert sliced.ops[0].value is None and [k for _, k, _ in sliced.checks] == ["CHECK-LABEL", "CHECK"]
    assert tensor_type("tensor<*xf32>").shape is None and tensor_type("tensor<?x3xi64>").shape == (-1, 3)


def test_comparing_a_function_with_oplint() -> None:
    """The same machinery on inline text: both functions agree with oplint's table."""
    fns = functions(LIT.splitlines())
    found = []
    for fn in fns:
        model = lit.model_of(fn)
        cases = lit._function_cases("legalize-tf.mlir", "legalize", None, fn)
        preds = {op.name: p for _, op, p in lit.predictions(model)}
        found += [lit.compare(c, preds[f"{fn.name}/{c.line}"], frozenset(), set()) for c in cases]
    assert [(v.case.op, v.case.outcome, v.agree) for v in found] == [
        ("Relu", "tfl", True),
        ("StridedSlice", "tf", True),
    ]
    assert found[1].prediction.fate == "flex" and "complex64" in (found[1].prediction.reason or "")
