"""oplint's ``tflm`` target against TensorFlow Lite Micro's own kernel tests
(tests/upstream/tflm_kernel_tests.py, recorded by scripts/record_tflm_kernel_tests.py)."""

from __future__ import annotations

import pytest

from oplint.knowledge.sources import TFLM
from tests.upstream import tflm_kernel_tests as kt

RECORD = kt.load_record()
needs_record = pytest.mark.skipif(RECORD is None, reason="evidence/tflm_kernel_tests.json is not recorded")

#: kernel runs where the table and the tests still differ, and why: (test file, kernel) -> cause
#: (all about tensor values or exact shapes, which a table of types and ranks does not model)
KNOWN: dict[tuple[str, str], str] = {
    ("fill_test.cc", "FILL"): "FillInputDimsMismatchWithOutputShallFail: the dims tensor's values are not the"
    " output's shape",
    ("gather_nd_test.cc", "GATHER_ND"): "GatherNd_ReadOOB, GatherNd_ReadOOBNegative: indices out of range, found by"
    " Invoke",
    ("reshape_test.cc", "RESHAPE"): "mismatched element counts, two -1 dimensions, an invalid shape, a shape tensor"
    " of zero elements for a one-element input (the legacy scalar case, refused with the shape tensor)",
}


@needs_record
def test_the_record_is_of_the_pinned_tflm() -> None:
    assert RECORD is not None
    assert RECORD["meta"]["source"] == f"{TFLM.repo}@{TFLM.commit}"  # type: ignore[index]


@needs_record
@pytest.mark.skipif(not kt.test_files(), reason="no checkout of the pinned tflite-micro")
def test_the_record_covers_every_kernel_test_of_the_pin() -> None:
    """A kernel test added or removed at a new pin: re-record (scripts/record_tflm_kernel_tests.py)."""
    assert RECORD is not None
    assert set(kt.test_files()) == set(RECORD["tests"])  # type: ignore[arg-type]


@needs_record
def test_every_kernel_test_ran_and_passed() -> None:
    assert RECORD is not None
    tests: dict[str, dict[str, object]] = RECORD["tests"]  # type: ignore[assignment]
    ran = {t: r for t, r in tests.items() if "skipped" not in r}  # a skipped test records why
    assert len(ran) >= len(tests) - 1
    assert all(r.get("built") for r in ran.values()), [t for t, r in ran.items() if not r.get("built")]
    assert all(r.get("exit") == 0 for r in ran.values()), [t for t, r in ran.items() if r.get("exit")]


@needs_record
def test_the_table_accepts_what_the_tests_run_and_refuses_what_they_refuse() -> None:
    assert RECORD is not None
    verdicts = kt.verdicts(RECORD)
    assert len(verdicts) > 500 and len({v.case.op for v in verdicts}) > 80
    differ = {(v.case.test.split(" ")[0], v.case.op) for v in verdicts if v.kind == "disagree"}
    assert differ == set(KNOWN), sorted(differ - set(KNOWN))
