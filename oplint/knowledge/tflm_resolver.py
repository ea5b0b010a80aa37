"""TensorFlow Lite Micro's ``MicroMutableOpResolver`` as data (``rules/tflm/resolver.json``).

``scripts/gen_tflm_resolver_table.py`` writes the table from the pinned tflite-micro commit:
every ``AddXxx()`` method with the builtin or custom op it registers and its default
registration, the specialized ``Register_<OP>_<VARIANT>()`` functions (and the builds in which
they are a separate kernel), and the messages the runtime prints when a resolver is full or
lacks an op (with file and line).  This module reads it once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from . import rules_dir

#: the custom name ``AddEthosU()`` registers: ``GetString_ETHOSU()`` returns it in the Ethos-U build
#: (tensorflow/lite/micro/kernels/ethos_u/ethosu.cc:171); the reference build's Register_ETHOSU()
#: returns nullptr and AddEthosU() then adds nothing (kernels/ethosu.cc:23, micro_mutable_op_resolver.h:282-288)
ETHOS_U_CUSTOM = "ethos-u"
#: ops whose second input is the weight tensor a specialized variant's suffix also constrains
WEIGHTED = frozenset({"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"})


class Method(NamedTuple):
    name: str  #: ``AddConv2D``
    kind: str  #: "builtin" | "custom"
    op: str  #: builtin name (``CONV_2D``) or custom code (``SignalWindow``)
    default: str  #: the registration function the method uses when given none
    line: int  #: line in micro_mutable_op_resolver.h


class Specialized(NamedTuple):
    function: str  #: ``Register_CONV_2D_INT8``
    op: str  #: ``CONV_2D``
    variant: str  #: ``INT8``
    separate_in: tuple[str, ...]  #: preprocessor conditions of the builds with a separate kernel
    declared: str  #: file:line of that declaration
    alias: str  #: file:line where other builds alias it to the generic registration


class Message(NamedTuple):
    text: str  #: the message as the runtime prints it (placeholders filled in by the caller)
    where: str  #: file:line of the MicroPrintf


class Table(NamedTuple):
    methods: Mapping[str, Method]  #: by method name
    by_op: Mapping[str, Method]  #: by op (builtin name or custom code)
    specialized: Mapping[str, Specialized]  #: by function name
    commit: str
    raw_errors: Mapping[str, Any]


@cache
def table() -> Table:
    data = json.loads((rules_dir() / "tflm" / "resolver.json").read_text(encoding="utf-8"))
    methods: dict[str, Method] = {}
    for m in data["methods"]:
        op = ETHOS_U_CUSTOM if m["method"] == "AddEthosU" else m["op"]
        methods[m["method"]] = Method(m["method"], m["kind"], op, m["default"], int(m["line"]))
    specialized: dict[str, Specialized] = {}
    for s in data["specialized"]:
        sep = next((d for d in s["declared"] if "alias_of" not in d), None)
        alias = next((d for d in s["declared"] if "alias_of" in d), None)
        specialized[s["function"]] = Specialized(
            s["function"],
            s["op"],
            s["variant"],
            (sep["when"],) if sep else (),
            f"{sep['file']}:{sep['line']}" if sep else "",
            f"{alias['file']}:{alias['line']}" if alias else "",
        )
    by_op = {m.op: m for m in methods.values()}
    return Table(methods, by_op, specialized, data["provenance"]["commit"], data["errors"])


def message(key: str) -> Message:
    """The runtime's message ``key`` (``builtin_missing``, ``builtin_resolver_full``, ...)."""
    entry = table().raw_errors[key]
    first = entry["printed"][0]
    return Message(str(entry["shown_as"]), f"{first['file']}:{first['line']}")


def builds(spec: Specialized) -> str:
    """``CMSIS-NN and Xtensa`` from ``defined(CMSIS_NN) || defined(XTENSA)``."""
    names = {"CMSIS_NN": "CMSIS-NN", "XTENSA": "Xtensa", "HEXAGON": "Hexagon"}
    found = [names.get(w, w) for cond in spec.separate_in for w in names if f"defined({w})" in cond]
    return " and ".join(found) if found else "optimized"


def variant_requires(op: str, variant: str) -> dict[str, str]:
    """The tensor types a specialized kernel is written for, by position (``in0``, ``in1``, ``out0``).

    From the variant's suffix as the generated table documents it (``rules/tflm/resolver.json``
    ``notes``: INT8 int8 activations and weights; INT16 int16 activations with int8 weights;
    INT4 int8 activations with int4 packed weights; INT8_INT16 int8 input and int16 output;
    INT8REF the int8 reference implementation).  Weights are constrained for the ops whose
    second input is a weight tensor (convolutions, fully connected); SOFTMAX's output follows
    its variant (``SoftmaxEvalInt8`` writes int8, ``SoftmaxEvalInt16`` int16, cmsis_nn/softmax.cc)."""
    need: dict[str, str] = {}
    if variant in ("INT8", "INT8REF"):
        need["in0"] = "int8"
        if op in WEIGHTED:
            need["in1"] = "int8"
        if op == "SOFTMAX":
            need["out0"] = "int8"
    elif variant == "INT16":
        need["in0"] = "int16"
        if op in WEIGHTED:
            need["in1"] = "int8"
        if op == "SOFTMAX":
            need["out0"] = "int16"
    elif variant == "INT4":
        need["in0"] = "int8"
        if op in WEIGHTED:
            need["in1"] = "int4"
    elif variant == "INT8_INT16":
        need["in0"] = "int8"
        need["out0"] = "int16"
    elif variant == "FLOAT32":
        need["in0"] = "float32"
    return need
