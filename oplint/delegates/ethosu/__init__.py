"""Arm Ethos-U (U55, U65, U85): which ops Vela places on the NPU, and why it leaves the others
on the CPU.

Two ways to the same answer, and every assessment says which one gave it (``Assessment.backend``):

* **Vela itself** (:mod:`.vela`) when ``ethos-u-vela`` is installed (``pip install
  'oplint[ethos-u]'``) or ``OPLINT_VELA`` names a ``vela`` executable;
* **generated constraint tables** (:mod:`.tables`) otherwise: each op is re-checked against the
  constraints of a pinned Vela release (``rules/ethosu/*.toml``, written by
  ``scripts/gen_ethosu_tables.py`` from Vela's own constraint documentation and sources).

A model that already contains ``ethos-u`` custom ops was compiled by Vela: its ``ethos-u`` ops
are the NPU part and every other op runs on the CPU (the assessment says it is compiled).  A
model Vela cannot compile at all is a compiler-stage :class:`~oplint.delegates.contract.Rejection`
(OPL321).  Nothing here imports Vela or numpy; the modules only the Vela path needs (subprocess,
hashlib, ...) are imported there, to keep ``oplint check``'s cold start small.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..contract import Assessment, Delegate, OpVerdict, Rejection
from .common import BACKEND_ENV, ETHOSU_CUSTOM_CODE, EthosUResult, Settings, is_compiled

if TYPE_CHECKING:  # pragma: no cover
    from ...core.model import Model
    from ...knowledge.targets import Target


# -- entry points ---------------------------------------------------------------------------
def assess(model: Model, target: Target) -> Assessment:
    """What Vela places on the NPU (``Delegate.assess``)."""
    result = analyse(model, target)
    rejection = None
    if result.compile_error is not None:
        how = "reported by Vela" if result.backend == "vela" else "predicted from Vela's constraint tables"
        detail = f"{result.compile_detail}; " if result.compile_detail else ""
        accel = Settings.of(target).accelerator_config
        rejection = Rejection(
            result.compile_error,
            f"Vela {result.vela_version} cannot compile this model for {accel}",
            stage="compiler",
            detail=f"{detail}{how}",
        )
    # Vela partitions offline and lowers variables: no side-effect ordering between NPU streams
    return Assessment(result.verdicts, rejection, result.backend == "compiled", result.source, side_effects=False)


def analyse(model: Model, target: Target) -> EthosUResult:
    """Analyse ``model`` for the Ethos-U ``target``, once per model, target settings and backend
    (the rules of one run share one Vela compile)."""
    key = ("ethos-u", target.id, Settings.of(target), os.environ.get(BACKEND_ENV, ""))
    return model.derived(key, lambda: _analyse(model, target))


def _analyse(model: Model, target: Target) -> EthosUResult:
    settings = Settings.of(target)
    if model.vocabulary != "tflite":  # Vela reads TFLite ops; a SavedModel's TF ops say nothing yet
        return EthosUResult({}, "tables", "not checked", "-", notes=("Vela places TFLite ops; convert first",))
    if is_compiled(model):
        return compiled_result(model, settings)
    backend = os.environ.get(BACKEND_ENV, "auto").strip().lower() or "auto"
    notes: tuple[str, ...] = ()
    if backend not in ("auto", "vela", "tables"):
        notes = (f"{BACKEND_ENV}={backend!r} is not one of auto, vela, tables; using auto",)
        backend = "auto"
    if backend != "tables":
        from .vela import find_vela, run_vela

        vela = find_vela()
        path = model.path
        if vela is not None and model.format == "tflite" and os.path.isfile(path):
            result = run_vela(model, path, settings, vela)
            return result._replace(notes=notes + result.notes)
        if backend == "vela":
            why = "Vela is not installed" if vela is None else "Vela only reads .tflite files"
            notes += (f"{BACKEND_ENV}=vela, but {why}; used the generated constraint tables",)
    from .tables import table_result

    result = table_result(model, settings)
    return result._replace(notes=notes + result.notes)


def compiled_result(model: Model, settings: Settings) -> EthosUResult:
    """What runs where in a model Vela already compiled: the ``ethos-u`` ops are NPU command
    streams; every other op was left on the CPU by that compile.  The generated tables say
    why, where they can."""
    from .tables import table_result

    source = "already compiled for Ethos-U by Vela"
    if model.description:
        source += f" ({model.description})"
    table = table_result(model, settings)
    explained = table.verdicts
    found: dict[tuple[int, int], OpVerdict] = {}
    npu = 0
    for op in model.ops():
        if op.kind == "CUSTOM" and op.custom_code == ETHOSU_CUSTOM_CODE:
            npu += 1
            found[op.key] = OpVerdict(True, ("NPU command stream",))
            continue
        why = ["Vela left it on the CPU when it compiled this model"]
        known = explained.get(op.key)
        if known is not None and not known.supported:
            why += list(known.reasons)
        found[op.key] = OpVerdict(False, tuple(why))
    return EthosUResult(found, "compiled", source, table.vela_version, npu_partitions=npu)


def summary(result: EthosUResult) -> Mapping[str, Any]:
    """A JSON-able summary (used by tests and the fidelity harness)."""
    on_cpu = sorted(k for k, v in result.verdicts.items() if not v.supported)
    return {
        "backend": result.backend,
        "source": result.source,
        "compile_error": result.compile_error,
        "npu_partitions": result.npu_partitions,
        "cpu_ops": on_cpu,
    }


def kinds(target: Target) -> frozenset[str]:
    """The builtins Vela can place on the NPU at all (their regor op type has constraints)."""
    from .tables import load_tables

    tables = load_tables(Settings.of(target).tables)
    return frozenset(k for k, optype in tables.optype.items() if optype in tables.ops)


def backend() -> str:
    """Which of the two paths an Ethos-U check takes here, in a sentence."""
    from .vela import backend_summary

    return backend_summary()


DELEGATE = Delegate("ethos-u", assess, kinds, backend, compiles=True)
