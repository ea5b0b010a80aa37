"""Google Tensor NPUs (Tensor G3 and later) through LiteRT's Google Tensor compiler plugin.

What the pinned source decides (``litert/vendors/google_tensor/compiler/compiler_plugin.cc`` 881):
the open build validates no input with the Tensor compiler (that path is Google-internal, 936-940),
so every op passes the static mapping ``IsOpSupported`` (662-678): a deny list ``kUnSupportedOps``
(120-164: variables, hash tables, LSTM/RNN sequence ops, SHAPE, WHERE, RFFT2D, custom ops, ...), and
composites only when named ``odml.rms_norm``, ``odml.group_norm`` or
``odml.scaled_dot_product_attention``; with no OpFilters (the default) every other op is offered to
the Tensor compiler.  Types, quantization and shapes are not checked when partitioning: the Tensor
compiler (closed, per SoC) decides at compile time, and a model it cannot compile fails there.

No reference ran: the plugin needs the Tensor ML SDK's compiler library even to partition, and
``ai-edge-litert-sdk-google-tensor`` could not download it here (``fixtures/npu/README.md``); probe
models and citation tests pin this translation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..knowledge.sources import litert
from .contract import Assessment, Delegate, OpVerdict
from .litert_npu import carried, compiled, compiled_assessment, composite_name, loader_rejection, plugin_verdicts

if TYPE_CHECKING:  # pragma: no cover
    from ..core.model import Graph, Model, Op
    from ..knowledge.targets import Target

GT = litert("litert/vendors/google_tensor/compiler/compiler_plugin.cc")

#: ``kUnSupportedOps``: op codes never offered to the Tensor compiler
DENIED = {
    "ASSIGN_VARIABLE": GT(121),
    "BIDIRECTIONAL_SEQUENCE_LSTM": GT(122),
    "BROADCAST_ARGS": GT(123),
    "BUCKETIZE": GT(124),
    "CALL_ONCE": GT(125),
    "COMPLEX_ABS": GT(126),
    "CONV_3D_TRANSPOSE": GT(127),
    "DENSIFY": GT(128),
    "FAKE_QUANT": GT(129),
    "HASHTABLE": GT(130),
    "HASHTABLE_FIND": GT(131),
    "HASHTABLE_IMPORT": GT(132),
    "HASHTABLE_SIZE": GT(133),
    "IMAG": GT(134),
    "LOCAL_RESPONSE_NORMALIZATION": GT(135),
    "MATRIX_DIAG": GT(136),
    "MATRIX_SET_DIAG": GT(137),
    "MULTINOMIAL": GT(138),
    "NON_MAX_SUPPRESSION_V4": GT(139),
    "NON_MAX_SUPPRESSION_V5": GT(140),
    "RANDOM_STANDARD_NORMAL": GT(141),
    "RANDOM_UNIFORM": GT(142),
    "RANK": GT(143),
    "READ_VARIABLE": GT(144),
    "REAL": GT(145),
    "REDUCE_PROD": GT(146),
    "REVERSE_SEQUENCE": GT(147),
    "RFFT2D": GT(148),
    "SEGMENT_SUM": GT(149),
    "SHAPE": GT(150),
    "SPARSE_TO_DENSE": GT(151),
    "SVDF": GT(152),
    "UNIDIRECTIONAL_SEQUENCE_RNN": GT(153),
    "UNIQUE": GT(154),
    "UNSORTED_SEGMENT_MAX": GT(155),
    "UNSORTED_SEGMENT_MIN": GT(156),
    "UNSORTED_SEGMENT_PROD": GT(157),
    "UNSORTED_SEGMENT_SUM": GT(158),
    "VAR_HANDLE": GT(159),
    "WHERE": GT(160),
    "CUSTOM": GT(161),
    "STABLEHLO_SCATTER": GT(162),
    "STABLEHLO_REDUCE_WINDOW": GT(163),
}
COMPOSITES = (
    "odml.rms_norm",
    "odml.group_norm",
    "odml.scaled_dot_product_attention",
)  #: kSupportedStableHloCompositeOps
ROLLOUT = "the whole model stays on the CPU: nothing is compiled for the Tensor NPU"
DENY_HINTS = {
    "SHAPE": "convert with fixed input shapes, so the converter folds SHAPE into a constant",
    "WHERE": "keep data-dependent shapes (tf.where with one argument) outside the NPU model",
    "CUSTOM": "replace the custom op with builtin ops, or run it outside the NPU model",
}


def decide(graph: Graph, op: Op) -> OpVerdict:
    """``IsOpSupported`` (662-678) with no OpFilters."""
    if op.kind == "STABLEHLO_COMPOSITE":
        name = composite_name(op)
        if name in COMPOSITES:
            return OpVerdict(True, ("offered to the Tensor compiler",), GT(654))
        return OpVerdict(
            False,
            (f"composite {name or '(unnamed)'!r}: 'unsupported composite op' (only {', '.join(COMPOSITES)})",),
            GT(657),
        )
    if op.kind in DENIED:
        return OpVerdict(
            False, (f"{op.display} is in the plugin's kUnSupportedOps",), DENIED[op.kind], DENY_HINTS.get(op.kind)
        )
    return OpVerdict(
        True,
        (
            "offered to the Tensor compiler (not in kUnSupportedOps); the compiler, closed and per SoC, "
            "decides when compiling",
        ),
        GT(677),
    )


def assess(model: Model, target: Target) -> Assessment:
    """What LiteRT's Google Tensor plugin offers to the Tensor compiler (``Delegate.assess``)."""
    found = compiled(model)
    if found is not None:
        return compiled_assessment(model, found, "Google Tensor", ROLLOUT)
    verdicts = plugin_verdicts(model, decide)
    backend = "LiteRT Google Tensor plugin at the pin: its static mapping (no reference compiler ran)"
    rejection = loader_rejection(model, ROLLOUT)
    return Assessment(verdicts, rejection, backend=backend, grouping="runs", carried=carried(model, verdicts))


def kinds(target: Target) -> frozenset[str]:
    from ..knowledge.targets import load

    return frozenset(k for k in load("tflite").builtins if k not in DENIED) | {"STABLEHLO_COMPOSITE"}


def backend() -> str:
    return (
        "the pinned plugin's static mapping (kUnSupportedOps, composite names); no reference compiler ran here "
        "(the Tensor ML SDK is not downloadable), and the Tensor compiler, closed and per SoC, decides types, "
        "quantization and shapes when it compiles"
    )


DELEGATE = Delegate("google-tensor", assess, kinds, backend)
