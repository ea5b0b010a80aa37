"""oplint's HDF5 root-attribute reader: what Keras writes reads, everything else is an HDF5Error.

Hostile input may only give a value or :class:`HDF5Error`: every truncation, bit flips anywhere
in the metadata, random bytes after the signature.  The checksummed layout (superblock v3, v2
object headers) is cross-checked against lookup3's published test values.
"""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oplint.readers.hdf5 import SIGNATURE, HDF5Error, lookup3, read_file, read_root_attributes
from tests.helpers import FIXTURES

MODELS = sorted((FIXTURES / "keras" / "models").glob("*/*.h5"))
VARIANTS = FIXTURES / "keras" / "hdf5"
SMALL = (VARIANTS / "libver_latest.h5").read_bytes()  # superblock v3, checksummed v2 object headers
CLASSIC = (FIXTURES / "keras" / "models" / "k3" / "dense_mlp.h5").read_bytes()  # superblock v0, global heap


def test_lookup3_matches_the_reference_values() -> None:
    # lookup3.c's driver5: hashlittle("", 0) and "Four score and seven years ago" with 0 and 1
    assert lookup3(b"") == 0xDEADBEEF
    assert lookup3(b"Four score and seven years ago") == 0x17770551
    assert lookup3(b"Four score and seven years ago", 1) == 0xCD628161


def test_every_corpus_h5_gives_its_keras_attributes() -> None:
    assert len(MODELS) >= 200
    for path in MODELS:
        attrs = read_file(str(path))
        assert set(attrs) >= {"model_config", "keras_version", "backend"}, path
        config = json.loads(str(attrs["model_config"]))
        assert config["class_name"] and attrs["backend"] == "tensorflow"
        assert str(attrs["keras_version"])[:1] in "23"


@pytest.mark.parametrize("name", ["libver_latest", "userblock_512", "fixed_length_bytes", "many_attrs_earliest"])
def test_the_layouts_h5py_writes(name: str) -> None:
    reference = read_file(str(FIXTURES / "keras" / "models" / "k3" / "dense_mlp.h5"))
    attrs = read_file(str(VARIANTS / f"{name}.h5"))
    for key in ("model_config", "keras_version", "backend"):
        assert attrs[key] == reference[key], (name, key)
    if name == "many_attrs_earliest":
        assert attrs["extra_11"] == "value 11"


def test_dense_attribute_storage_is_refused_by_name() -> None:
    with pytest.raises(HDF5Error, match="dense attribute storage"):
        read_file(str(VARIANTS / "dense_attrs_latest.h5"))


def test_arrays_of_fixed_length_strings() -> None:
    assert read_file(str(VARIANTS / "weights_only.h5"))["layer_names"] == ["dense", "dense_1"]


def test_a_checksum_mismatch_is_an_error() -> None:
    data = bytearray(SMALL)
    at = data.index(b"OHDR") + 8  # inside the root object header, which lookup3 covers
    data[at] ^= 0x40
    with pytest.raises(HDF5Error, match="checksum"):
        read_root_attributes(bytes(data))


def test_not_hdf5_and_empty() -> None:
    with pytest.raises(HDF5Error, match="not an HDF5 file"):
        read_root_attributes(b"PK\x03\x04 a zip")
    with pytest.raises(HDF5Error):
        read_root_attributes(SIGNATURE)


def _read(data: bytes) -> None:
    with contextlib.suppress(HDF5Error):
        read_root_attributes(data)


def test_every_truncation() -> None:
    for data in (SMALL, CLASSIC[:8192]):
        for n in range(0, len(data)):
            _read(data[:n])
    for n in range(0, len(CLASSIC), 97):
        _read(CLASSIC[:n])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([SMALL, CLASSIC]),
    st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 7)), min_size=1, max_size=8),
)
def test_bit_flips(data: bytes, flips: list[tuple[int, int]]) -> None:
    mutated = bytearray(data)
    for pos, bit in flips:
        mutated[pos % len(mutated)] ^= 1 << bit
    _read(bytes(mutated))


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=4096))
def test_random_bytes_after_the_signature(payload: bytes) -> None:
    _read(SIGNATURE + payload)
    _read(SIGNATURE + payload[:1] + b"\x00" * 7 + payload[1:])


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(CLASSIC) - 8), st.binary(min_size=8, max_size=8))
def test_lying_addresses_and_lengths(at: int, word: bytes) -> None:
    """Any 8-byte word replaced (an address, a length, a size) is read or refused, never trusted."""
    mutated = CLASSIC[:at] + word + CLASSIC[at + 8 :]
    _read(mutated)
