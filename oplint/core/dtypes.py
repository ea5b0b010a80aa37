"""Tensor element types: their widths and how to decode them (one table for every reader of bytes).

Type names are the lower-case ``TensorType`` names of ``schema.fbs`` (``float32``, ``int8``,
``int4``, ``string``, ...); TF dtypes read from SavedModels use the same names.
"""

from __future__ import annotations

#: bits per element as stored; types of variable size (string, resource, variant) have none.
#: int4 is packed two to a byte in a .tflite buffer (runtimes may unpack it to a byte each).
BITS: dict[str, int] = {
    "bool": 8,
    "int4": 4,
    "int8": 8,
    "uint8": 8,
    "int16": 16,
    "uint16": 16,
    "float16": 16,
    "bfloat16": 16,
    "int32": 32,
    "uint32": 32,
    "float32": 32,
    "int64": 64,
    "uint64": 64,
    "float64": 64,
    "complex64": 64,
    "complex128": 128,
}

#: :mod:`struct` format of one little-endian element, for the types stored as one
STRUCT: dict[str, str] = {
    "bool": "?",
    "int8": "b",
    "uint8": "B",
    "int16": "h",
    "uint16": "H",
    "int32": "i",
    "uint32": "I",
    "int64": "q",
    "uint64": "Q",
    "float16": "e",
    "float32": "f",
    "float64": "d",
}

#: types that hold integer-quantized values when they carry quantization parameters
INTEGER_TYPES = frozenset(
    {"int2", "int4", "uint4", "int8", "uint8", "int16", "uint16", "int32", "int64", "uint32", "uint64"}
)
FLOAT_TYPES = frozenset({"float16", "bfloat16", "float32", "float64"})
