"""Hostile input: every truncation, bit flips, random bytes, lying vector lengths.

The reader may only return a model or raise ModelError: no other exception, no hang, no
unbounded allocation (vector lengths are checked against the bytes that remain).
"""

from __future__ import annotations

import struct
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oplint.core.model import ProblemKind
from oplint.readers import ModelError
from oplint.readers.tflite import parse
from tests.helpers import fixture

VALID = Path(fixture("tflite/conv_int8.tflite")).read_bytes()
WHILE = Path(fixture("tflite/while_subgraph.tflite")).read_bytes()


def _read(data: bytes) -> None:
    try:
        parse(data, "fuzz.tflite")
    except ModelError as exc:
        assert exc.kind is ProblemKind.UNREADABLE


def test_every_truncation() -> None:
    for model in (VALID, WHILE):
        for n in range(len(model)):
            _read(model[:n])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 7)), min_size=1, max_size=8))
def test_bit_flips(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID)
    for pos, bit in flips:
        data[pos] ^= 1 << bit
    _read(bytes(data))


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=2048))
def test_random_bytes_with_identifier(payload: bytes) -> None:
    _read(payload[:4] + b"TFL3" + payload[4:])


def test_huge_vector_length_is_rejected_without_allocating() -> None:
    # Point the root at a table whose subgraphs vector claims 2**31 elements.
    data = bytearray(VALID)
    for pos in range(8, len(data) - 4, 4):
        (value,) = struct.unpack_from("<I", data, pos)
        if value == 1:  # the length word of the one-subgraph vector is 1 somewhere
            patched = bytearray(data)
            struct.pack_into("<I", patched, pos, 0x7FFFFFFF)
            _read(bytes(patched))
