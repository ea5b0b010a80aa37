"""A bounded run of the fuzz campaign (scripts/fuzz_campaign.py) in the suite: seed models mutated
by the campaign's own mutators, checked end to end as `oplint check` checks them.  Every input
gives a report (findings, possibly OPL0xx for an unreadable model); none raises and none makes
oplint fail on itself (OPL013)."""

from __future__ import annotations

import importlib.util
import os
import random
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oplint.api import Config, lint_file, prepare
from oplint.run.config import parse_targets
from tests.helpers import FIXTURES, ROOT


def _campaign() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_campaign", ROOT / "scripts" / "fuzz_campaign.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.SHARED_SIZES = [100, 1_000, 100_001, 250_001]  # at and beyond the limits, but small files
    return module


CAMPAIGN = _campaign()
TFLITE_SEEDS = [p.read_bytes() for p in sorted((FIXTURES / "tflite").glob("*.tflite")) if p.stat().st_size > 16][:40]
PROTO_SEEDS = [
    (FIXTURES / "savedmodel" / name / "saved_model.pb").read_bytes() for name in ("cumprod", "rfft", "keras_export")
] + [(FIXTURES / "savedmodel" / "frozen_cumprod.pb").read_bytes()]
os.environ.setdefault("OPLINT_ETHOSU_BACKEND", "tables")
QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
RUN = prepare(Config().with_options(targets=parse_targets([CAMPAIGN.TARGETS])))


def _check(tmp: Path, suffix: str, data: bytes) -> None:
    path = tmp / f"fuzzed{suffix}"
    path.write_bytes(data)
    report = lint_file(str(path), RUN)
    internal = [f.message for f in report.findings if f.code == "OPL013"]
    assert not internal, internal


def _mutate(mutators: list[Callable[..., bytes]], seed: int, data: bytes, picks: list[int]) -> bytes:
    rng = random.Random(seed)
    for pick in picks:
        if len(data) < 16:
            break
        data = mutators[pick % len(mutators)](rng, data)
    return data


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    which=st.integers(0, len(TFLITE_SEEDS) - 1),
    picks=st.lists(st.integers(0, 100), min_size=1, max_size=3),
)
def test_mutated_tflite_models_get_a_report(tmp_path: Path, seed: int, which: int, picks: list[int]) -> None:
    _check(tmp_path, ".tflite", _mutate(CAMPAIGN.TFLITE_MUTATORS, seed, TFLITE_SEEDS[which], picks))


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    which=st.integers(0, len(PROTO_SEEDS) - 1),
    picks=st.lists(st.integers(0, 100), min_size=1, max_size=3),
)
def test_mutated_protobuf_models_get_a_report(tmp_path: Path, seed: int, which: int, picks: list[int]) -> None:
    _check(tmp_path, ".pb", _mutate(CAMPAIGN.PROTO_MUTATORS, seed, PROTO_SEEDS[which], picks))


@pytest.mark.parametrize("mutator", [m.__name__ for m in CAMPAIGN.TFLITE_MUTATORS + CAMPAIGN.PROTO_MUTATORS])
def test_every_mutator_runs_at_least_once(tmp_path: Path, mutator: str) -> None:
    fn: Any = getattr(CAMPAIGN, mutator)
    seeds = PROTO_SEEDS if fn in CAMPAIGN.PROTO_MUTATORS and fn not in CAMPAIGN.TFLITE_MUTATORS else TFLITE_SEEDS
    suffix = ".pb" if seeds is PROTO_SEEDS else ".tflite"
    for seed in range(3):
        _check(tmp_path, suffix, fn(random.Random(seed), seeds[seed % len(seeds)]))


def test_campaign_finding_a_dilated_convolution_whose_input_index_is_out_of_range(tmp_path: Path) -> None:
    """Found by the campaign: Vela's dilated-convolution pattern (SPACE_TO_BATCH_ND, CONV_2D,
    BATCH_TO_SPACE_ND) read the SPACE_TO_BATCH_ND input by index without checking it (IndexError
    in the Ethos-U tables); a broken index is OPL003 and the pattern is not merged."""
    from fixtures.tflite_builder import Graph, Op, Q, T, build

    q = Q([0.5], [0])
    tensors = [
        T("block", "int32", (2,), const=True, data=b"\x02\0\0\0\x02\0\0\0"),
        T("pad", "int32", (2, 2), const=True),
        T("s2b_out", "int8", (4, 2, 2, 1), quant=q),
        T("w", "int8", (1, 3, 3, 1), const=True, quant=q),
        T("b", "int32", (1,), const=True, quant=Q([0.25], [0])),
        T("conv_out", "int8", (4, 2, 2, 1), quant=q),
        T("crops", "int32", (2, 2), const=True),
        T("y", "int8", (1, 4, 4, 1), quant=q),
    ]
    ops = [
        Op("SPACE_TO_BATCH_ND", [1424, 0, 1], [2]),  # input index beyond the 8 tensors
        Op("CONV_2D", [2, 3, 4], [5], options=("Conv2DOptions", {"stride_w": 1, "stride_h": 1})),
        Op("BATCH_TO_SPACE_ND", [5, 0, 6], [7]),
    ]
    path = tmp_path / "dilated.tflite"
    path.write_bytes(build([Graph(tensors, ops, [2], [7])]))
    run = prepare(Config().with_options(targets=parse_targets(["ethos-u55"])))
    codes = {f.code for f in lint_file(str(path), run).findings}
    assert "OPL003" in codes and "OPL013" not in codes


def test_campaign_finding_a_resize_from_a_zero_sized_input(tmp_path: Path) -> None:
    """Found by the campaign: a RESIZE whose input has a zero height divided by zero in the
    Ethos-U tables' scale check (ZeroDivisionError, OPL013); Vela divides as floats (infinity),
    so the op is refused for its scale factor like any other unsupported one."""
    from fixtures.tflite_builder import Graph, Op, Q, T, build

    q = Q([0.5], [0])
    tensors = [
        T("x", "int8", (1, 0, 4, 1), quant=q),
        T("size", "int32", (2,), const=True, data=b"\x04\0\0\0\x08\0\0\0"),
        T("y", "int8", (1, 4, 8, 1), quant=q),
    ]
    path = tmp_path / "resize.tflite"
    path.write_bytes(build([Graph(tensors, [Op("RESIZE_NEAREST_NEIGHBOR", [0, 1], [2])], [0], [2])]))
    run = prepare(Config().with_options(targets=parse_targets(["ethos-u55"])))
    findings = lint_file(str(path), run).findings
    assert "OPL013" not in {f.code for f in findings}
    assert any(f.code == "OPL301" and "scale" in f.message for f in findings), [f.message for f in findings]
