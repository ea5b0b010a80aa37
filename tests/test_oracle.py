"""Fidelity against the real tools' verdicts in ../shared (skipped when it is absent).

* tflm: the tflite-micro interpreter (all kernels, the arena truth.py gave it) on every .tflite
  of the oracle and the corpus: zero false clean, zero false alarms, except the differences
  listed in KNOWN with the reason.
* tflite@2.15: the TF 2.15.1 interpreter rejects builtin-only models for op versions and
  builtin codes it does not know; oplint must fail every one of them, and no other.
"""

from __future__ import annotations

from tests.fidelity import compare_tf215, compare_tflm
from tests.helpers import needs_shared

#: differences no static tool can remove, each with the reason (see the README's fidelity section)
KNOWN_TFLM = {
    # truth.py feeds random inputs; RSQRT of a negative value is a data error, not a model defect
    "models/google-ai-edge__LiteRT/litert/test/testdata/single_rsqrt_default_a16w8_recipe_quantized.tflite": (
        "Rsqrt is only defined for positive values"
    ),
}


@needs_shared
def test_tflm_verdicts_match_the_tflite_micro_interpreter() -> None:
    cmp = compare_tflm()
    false_clean = [(name, why) for name, why in cmp.false_clean if name not in KNOWN_TFLM]
    assert false_clean == [], "oplint says ok, TFLM fails"
    assert cmp.false_alarm == [], "oplint fails models TFLM runs"
    assert len(cmp.agree) >= 400


@needs_shared
def test_tflite_runtime_2_15_rejections_are_predicted() -> None:
    cmp = compare_tf215()
    assert cmp.false_clean == [], "TF 2.15 rejected an op version or builtin code that oplint accepted"
    assert cmp.false_alarm == [], "oplint rejected op versions TF 2.15 ran"
    assert len(cmp.agree) >= 300
