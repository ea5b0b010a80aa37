"""What a run returns and every output renders: per model, its findings and per-target results."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from .findings import Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    from .opgraph import OpGraph


class Summary(NamedTuple):
    scheme: str  #: float32 | float16-weights | dynamic-range | int8 | int16x8 | uint8 | int4-weights | mixed
    compute_ops: int  #: ops with float or quantized-integer activations (not QUANTIZE/DEQUANTIZE)
    integer_ops: int  #: of those, ops whose activations are all integer
    inputs: tuple[str, ...]  #: dtypes of the main graph's inputs
    outputs: tuple[str, ...]
    misfits: tuple[str, ...]  #: ops that do not fit the scheme ("ELU#12 computes in float")

    @property
    def integer_share(self) -> float:
        return self.integer_ops / self.compute_ops if self.compute_ops else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "scheme": self.scheme,
            "compute_ops": self.compute_ops,
            "integer_ops": self.integer_ops,
            "integer_share": round(self.integer_share, 4),
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "misfits": list(self.misfits),
        }


class TargetResult(NamedTuple):
    ok: bool  #: no finding for this target at or above the run's failure threshold (the exit status agrees)
    errors: int
    warnings: int
    infos: int

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "errors": self.errors, "warnings": self.warnings, "infos": self.infos}


class ModelReport(NamedTuple):
    path: str
    findings: tuple[Finding, ...]
    targets: dict[str, TargetResult]
    format: str | None = None  #: None when the model could not be read
    op_count: int = 0
    graph_count: int = 0
    min_runtime_metadata: str | None = None  #: the converter's min_runtime_version metadata
    min_runtime_required: str | None = None  #: computed from the op versions (runtime_version.cc)
    quantization: Summary | None = None  #: the model's quantization scheme (tflite models)
    suppressed: int = 0  #: findings accepted by ignores or the baseline
    #: per delegate target: how the model splits (oplint.delegation.Delegation.summary)
    delegation: Mapping[str, Mapping[str, Any]] = {}
    #: per TensorFlow Lite Micro target: ``{"arena": {"bytes", "head", "tail", "exact"}, "flash": {"model_bytes"}}``
    memory: Mapping[str, Mapping[str, Any]] = {}
    #: the annotated op graph, when an output asked for it (``lint_paths(..., graph=True)``)
    graph: OpGraph | None = None

    @property
    def readable(self) -> bool:
        return self.format is not None


class RuleInfo(Protocol):
    """What outputs show of a rule (its code, name, default severity and documentation)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def summary(self) -> str: ...
    @property
    def doc(self) -> str: ...


class Report(NamedTuple):
    results: tuple[ModelReport, ...]
    targets: tuple[str, ...]
    rules: tuple[RuleInfo, ...]  #: the enabled rules, in registry order
    failure_threshold: Severity = Severity.ERROR
    notes: tuple[str, ...] = ()  #: warnings about the run itself (e.g. a path without models)
    meta: tuple[Finding, ...] = ()  #: findings about the configuration (OPL9xx), not about a model
    #: target label -> (title, title of the runtime its rules name): how messages name the target
    titles: Mapping[str, tuple[str, str]] = {}

    @property
    def findings(self) -> Iterator[Finding]:
        for result in self.results:
            yield from result.findings
        yield from self.meta

    def failed(self) -> bool:
        """What the exit status says: a target some model fails (each model judged at the failure
        threshold of its own project), or a finding about the configuration at this run's threshold."""
        return any(not r.ok for result in self.results for r in result.targets.values()) or any(
            f.severity >= self.failure_threshold for f in self.meta
        )

    def fired_rules(self) -> list[RuleInfo]:
        codes = {f.code for f in self.findings}
        return [r for r in self.rules if r.code in codes]
