"""What both Ethos-U paths (Vela itself, the generated tables) share: settings and results."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..contract import Verdicts

if TYPE_CHECKING:  # pragma: no cover
    from ...core.model import Model
    from ...knowledge.targets import Target


ETHOSU_CUSTOM_CODE = "ethos-u"  #: the custom op Vela writes (ethosu/regor/tflite/custom_operator_ethosu.hpp)


BACKEND_ENV = "OPLINT_ETHOSU_BACKEND"  #: "auto" (default), "vela" or "tables"


VELA_ENV = "OPLINT_VELA"  #: a ``vela`` executable to use instead of the ``ethos-u-vela`` package


TIMEOUT_ENV = "OPLINT_VELA_TIMEOUT"  #: seconds one Vela compile may take (default 600)


#: the ops a fused activation becomes in Vela (TfLiteMapping::_activationFunctionToOpType)
FUSED_ACTIVATIONS = frozenset({"RELU", "RELU6", "RELU_N1_TO_1", "TANH", "SIGN_BIT"})


class EthosUResult(NamedTuple):
    """Everything one Ethos-U analysis of a model found."""

    verdicts: Verdicts
    backend: str  #: "vela", "tables" or "compiled" (the model already holds ethos-u ops)
    source: str  #: e.g. "vela 5.2.0 (ethos-u55-128)" or "vela 5.2.0 constraint tables"
    vela_version: str  #: the Vela release that decided (the installed one, or the tables')
    compile_error: str | None = None  #: Vela refused the whole model (or the tables predict it will)
    compile_detail: str | None = None  #: why, where oplint knows
    npu_partitions: int | None = None  #: ethos-u custom ops (NPU command streams), when known
    notes: tuple[str, ...] = ()  #: anything the user should know about how the answer was reached


class Settings(NamedTuple):
    """The target's ``[delegate-options]``: which NPU, and the Vela options that matter."""

    accelerator_config: str  #: Vela ``--accelerator-config``: ethos-u55-128, ethos-u85-256, ...
    tables: str  #: generated constraint table, relative to ``rules/``
    system_config: str | None = None
    memory_mode: str | None = None
    config: str | None = None  #: a vela.ini of the user's

    @classmethod
    def of(cls, target: Target) -> Settings:
        opts = target.delegate_options
        accel = str(opts.get("accelerator-config", "")) or _default_accelerator(target.id)
        return cls(
            accelerator_config=accel,
            tables=str(opts.get("tables", "")),
            system_config=opts.get("system-config"),
            memory_mode=opts.get("memory-mode"),
            config=opts.get("config"),
        )


def _default_accelerator(target_id: str) -> str:
    return {"ethos-u55": "ethos-u55-128", "ethos-u65": "ethos-u65-256", "ethos-u85": "ethos-u85-256"}.get(
        target_id, "ethos-u55-128"
    )


# -- already-compiled models -------------------------------------------------------------------
def is_compiled(model: Model) -> bool:
    """Whether Vela already compiled this model (it holds ``ethos-u`` custom ops)."""
    return any(op.kind == "CUSTOM" and op.custom_code == ETHOSU_CUSTOM_CODE for op in model.ops())
