"""oplint's ``tflm`` target against TensorFlow Lite Micro's own kernel tests
(tests/upstream/tflm_kernel_tests.py, recorded by scripts/record_tflm_kernel_tests.py)."""

from __future__ import annotations

import pytest

from oplint.knowledge.sources import TFLM
from tests.upstream import tflm_kernel_tests as kt

RECORD = kt.load_record()
needs_record = pytest.mark.skipif(RECORD is None, reason="evidence/tflm_kernel_tests.json is not recorded")

#: kernel runs where the table and the tests still differ, and why: (test file, kernel) -> cause
KNOWN: dict[tuple[str, str], str] = {}


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
    assert all(r.get("built") for r in tests.values()), [t for t, r in tests.items() if not r.get("built")]
    assert all(r.get("exit") == 0 for r in tests.values()), [t for t, r in tests.items() if r.get("exit")]


@needs_record
def test_the_table_accepts_what_the_tests_run_and_refuses_what_they_refuse() -> None:
    assert RECORD is not None
    verdicts = kt.verdicts(RECORD)
    assert len(verdicts) > 500 and len({v.case.op for v in verdicts}) > 80
    differ = {(v.case.test.split(" ")[0], v.case.op) for v in verdicts if v.kind == "disagree"}
    assert differ == set(KNOWN), sorted(differ - set(KNOWN))
