"""The TFLite 8-bit quantization spec as data (``rules/quantization/int8_spec.toml``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import NamedTuple

from . import load_toml, rules_dir


class TensorSpec(NamedTuple):
    position: str  #: "in0", "out0", or "in*" (every input)
    data_type: str  #: "int8" or "int32"
    granularity: str = "per-tensor"  #: or "per-axis"
    axis: int | None = None
    role: str | None = None  #: "weight", "bias"
    value_range: tuple[int, int] | None = None
    scale: float | None = None  #: a fixed output scale (LOGISTIC, SOFTMAX, TANH, ...)
    zero_point: int | None = None
    scale_from: str | None = None  #: the bias rule: "input0_scale * input1_scale"
    restriction: str | None = None


class OpSpec(NamedTuple):
    tensors: tuple[TensorSpec, ...]
    restriction: str | None = None  #: e.g. "Input and outputs must all have same scale/zero_point"

    def at(self, position: str) -> TensorSpec | None:
        for spec in self.tensors:
            if spec.position == position or (spec.position == "in*" and position.startswith("in")):
                return spec
        return None


@cache
def int8_spec() -> Mapping[str, OpSpec]:
    raw = load_toml(rules_dir() / "quantization" / "int8_spec.toml")
    out = {}
    for name, op in raw.get("ops", {}).items():
        tensors = tuple(
            TensorSpec(
                position=t["position"],
                data_type=t["data_type"],
                granularity=t.get("granularity", "per-tensor"),
                axis=t.get("axis"),
                role=t.get("role"),
                value_range=tuple(t["range"]) if "range" in t else None,
                scale=t.get("scale"),
                zero_point=t.get("zero_point"),
                scale_from=t.get("scale_from"),
                restriction=t.get("restriction"),
            )
            for t in op.get("tensors", [])
        )
        out[name] = OpSpec(tensors, op.get("restriction"))
    return out
