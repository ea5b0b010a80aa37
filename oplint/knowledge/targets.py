"""Targets: what a runtime (or delegate, or board) can run, loaded from ``rules/targets/*.toml``.

A target file is generated from upstream sources and records its provenance.  ``extends``
names the parent in the progressive chain (``tflm`` < ``tflite`` < ``tflite-flex``: a child
runs a subset of what its parent runs; tests enforce it).  ``inherit`` names a target whose
keys are copied when the file does not define them (``tflite-flex`` is ``tflite`` plus the
Select TF allowlist).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ..core.model import EMPTY
from . import load_toml, targets_dir
from .sources import PINS
from .tflm_resolver import ETHOS_U_CUSTOM

if TYPE_CHECKING:  # the firmware reader loads only when a resolver is configured
    from .firmware import Firmware

Version = tuple[int, int, int]


class TargetError(ValueError):
    """An unknown or malformed target (a usage/config error: exit 2)."""


@cache
def parse_version(text: str) -> Version:
    """``"2.14"`` -> ``(2, 14, 0)``; raises ValueError for anything that is not 1-3 numbers."""
    parts = str(text).strip().lstrip("v").split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
        raise ValueError(f"not a version number: {text!r} (expected e.g. 2.14 or 2.14.1)")
    nums = [int(p) for p in parts] + [0] * (3 - len(parts))
    return (nums[0], nums[1], nums[2])


def format_version(v: Version) -> str:
    return ".".join(str(p) for p in v)


class OpSupport(NamedTuple):
    """What a target knows about one builtin or custom op.

    Tensor positions are named ``in0, in1, ..., out0, ...`` (the op's input and output order).
    """

    kernel_versions: tuple[int, int] | None = None
    runtime: Mapping[int, Version] = EMPTY  #: op version -> first runtime with it
    types: tuple[Mapping[str, frozenset[str]], ...] | None = None  #: accepted dtype signatures
    uniform_inputs: bool = False  #: every input (variadic ones too) has the dtype a signature gives in0
    max_rank: int | None = None  #: bound on the rank of the main input
    rank_limits: Mapping[str, tuple[int, int]] = EMPTY  #: position -> (min rank, max rank)
    constant_inputs: frozenset[str] = frozenset()  #: positions that must hold constant data
    absent_inputs: frozenset[str] = frozenset()  #: optional inputs the kernel requires left out
    reference_build: bool = True  #: False: only registered by special builds (e.g. TFLM's Ethos-U kernel)
    source: str | None = None
    note: str | None = None
    first: Version | None = None  #: min(runtime.values()), computed once when the table is loaded

    def first_runtime(self) -> Version | None:
        """The first runtime release with any version of the op."""
        if self.first is not None:
            return self.first
        return min(self.runtime.values()) if self.runtime else None


class Limits(NamedTuple):
    """Model-wide limits of a runtime (``[limits]`` in the target file)."""

    tensor_dtypes: frozenset[str] | None = None  #: dtypes any tensor may have (None: no limit)
    dynamic_tensors: bool = True  #: False: every op output needs a static shape with all dims > 0
    nonempty_intermediates: bool = True  #: False: op intermediates must hold zero elements
    sources: Mapping[str, str] = EMPTY  #: limit -> source line it comes from


class Target(NamedTuple):
    id: str
    title: str
    description: str
    extends: str | None
    flex: bool
    op_versions: bool
    builtins: Mapping[str, OpSupport]
    custom: Mapping[str, OpSupport]
    flex_allowlist: frozenset[str] = frozenset()
    flex_conditional: Mapping[str, str] = EMPTY  #: op -> library it needs
    schema_version: int | None = None  #: the only Model.version the runtime loads (None: not checked)
    static_arena: bool = False  #: tensors live in one statically planned arena (TFLM)
    kernels: str = ""  #: kernel family ("litert", "tflm") for checks tied to one implementation
    integer_io: bool = False  #: integer models are deployed with integer inputs/outputs here
    limits: Limits = Limits()
    runtimes: tuple[Version, ...] = ()
    default_runtime: Version | None = None
    provenance: tuple[Mapping[str, str], ...] = ()
    path: str = ""
    #: delegate family ("ethos-u", "gpu", ...): the module of :mod:`oplint.delegates` that decides,
    #: op by op, what the delegate takes; None for runtimes
    delegate: str | None = None
    #: the delegate's own settings (the target file's ``[delegate-options]`` table)
    delegate_options: Mapping[str, Any] = EMPTY
    #: delegate targets: the title of the runtime that runs the ops the delegate leaves to the CPU
    cpu_runtime_title: str = ""
    #: the delegate option ``target@VALUE`` sets (``nnapi@30``: the Android API level), its
    #: allowed values (empty: any) and the text the value becomes (``"ethos-u55-{}"``)
    variant_option: str | None = None
    variant_values: tuple[str, ...] = ()
    variant_format: str = "{}"
    #: how the run names this target: ``tflite``, ``tflite@2.15``, ``nnapi@29`` (see :func:`resolve`)
    label: str = ""
    #: the runtime release op versions are checked against (targets with op versions; see :func:`resolve`)
    runtime: Version | None = None
    #: op versions the runtime-version table dates but no kernel of this runtime registers
    #: (``[runtime-only]``: the converter still writes them into ``min_runtime_version``)
    runtime_only: Mapping[str, Mapping[int, Version]] = EMPTY
    #: the firmware's own op resolver (``--resolver``, ``resolver =``): the ops it registers; None:
    #: every kernel of the build is registered (see :func:`customize`)
    firmware: Firmware | None = None
    allowed_ops: frozenset[str] | None = None  #: a custom target's ``ops`` allow-list (None: no list)
    arena_size: int | None = None  #: a custom target's tensor arena budget in bytes (OPL501)
    flash_size: int | None = None  #: a custom target's flash budget in bytes (OPL502)
    #: where a custom target is defined (the configuration file); "" for built-in targets
    origin: str = ""
    #: the built-in target a custom one extends ("" for built-in targets: themselves)
    base: str = ""
    #: TFLM builds: the specialized registrations (``Register_CONV_2D_INT8``) the build declares
    #: (``[resolver] specialized`` of a vendor target file); None: all of ``rules/tflm/resolver.json``
    specialized: frozenset[str] | None = None

    @property
    def tflm_family(self) -> bool:
        """Runs on TensorFlow Lite Micro itself (its statically planned arena, a firmware resolver)."""
        return self.static_arena and self.delegate is None and self.kernels == "tflm"

    def budget(self, memory: str, configured: object) -> int | None:
        """The ``"arena"`` or ``"flash"`` budget in bytes: a custom target's own, else the configured
        option (``arena-size``, ``flash-size``); None when neither is set."""
        own = self.arena_size if memory == "arena" else self.flash_size
        if own is not None:
            return own
        return configured if isinstance(configured, int) else None

    def runtime_of(self, kind: str, version: int) -> Version | None:
        """The first runtime release with this op version (None: not dated)."""
        support = self.builtins.get(kind)
        if support is not None and version in support.runtime:
            return support.runtime[version]
        return self.runtime_only.get(kind, EMPTY).get(version)

    def variant(self, value: str) -> Target:
        """This target with its variant option set from ``target@VALUE``; ValueError if not allowed."""
        if self.variant_option is None:
            raise ValueError(f"target {self.id!r} has no variants; drop '@{value}'")
        if self.variant_values and value not in self.variant_values:
            raise ValueError(f"target {self.id!r} has no variant {value!r} (one of: {', '.join(self.variant_values)})")
        text = self.variant_format.format(value)
        option: Any = int(text) if text.isascii() and text.isdigit() else text
        return self._replace(delegate_options={**self.delegate_options, self.variant_option: option})

    @property
    def runtime_title(self) -> str:
        """Who runs the kernels the runtime-level rules check: the target, or a delegate's CPU runtime."""
        return self.cpu_runtime_title or self.title

    def support(self, kind: str, custom_code: str | None) -> OpSupport | None:
        """The target's entry for an op (builtin name, or the custom code of a CUSTOM op)."""
        if kind == "CUSTOM":
            return self.custom.get(custom_code or "")
        return self.builtins.get(kind)

    def source_summary(self) -> str:
        seen = []
        for p in self.provenance:
            pin = p.get("commit", p.get("version"))
            origin = p.get("repo") or p.get("package") or "?"
            key = f"{origin}@{str(pin)[:10]}" if pin else origin
            if key not in seen:
                seen.append(key)
        return ", ".join(seen)


def available() -> list[str]:
    return sorted(p.stem for p in targets_dir().glob("*.toml"))


def did_you_mean(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


@cache
def _raw(target_id: str) -> dict[str, Any]:
    known = available()
    # a target is named, never a path: only the ids of rules/targets/ (custom targets come from the configuration)
    if target_id not in known:
        raise TargetError(f"unknown target {target_id!r}{did_you_mean(target_id, known)} (known: {', '.join(known)})")
    path = targets_dir() / f"{target_id}.toml"
    data = load_toml(path)
    data["_path"] = str(path)
    return data


def _resolved(target_id: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
    if target_id in chain:
        raise TargetError(f"target {target_id!r} inherits from itself ({' -> '.join((*chain, target_id))})")
    raw = dict(_raw(target_id))
    parent_id = raw.get("inherit")
    if parent_id:
        parent = _resolved(parent_id, (*chain, target_id))
        for key, value in parent.items():
            if key not in raw and key not in ("id", "title", "description", "extends", "provenance"):
                raw[key] = value
        raw["provenance"] = list(raw.get("provenance", [])) + [
            p for p in parent.get("provenance", []) if p not in raw.get("provenance", [])
        ]
    return raw


def _types(items: Any) -> tuple[Mapping[str, frozenset[str]], ...] | None:
    if items is None:
        return None
    return tuple({pos: frozenset([v] if isinstance(v, str) else v) for pos, v in item.items()} for item in items)


def _op_support(spec: Mapping[str, Any]) -> OpSupport:
    kernel_versions = spec.get("kernel-versions")
    runtime = {int(v): parse_version(rel) for v, rel in spec.get("runtime", {}).items()}
    return OpSupport(
        kernel_versions=(int(kernel_versions[0]), int(kernel_versions[1])) if kernel_versions else None,
        runtime=runtime,
        types=_types(spec.get("types")),
        uniform_inputs=bool(spec.get("uniform-inputs", False)),
        max_rank=spec.get("max-rank"),
        rank_limits={pos: (int(lo), int(hi)) for pos, (lo, hi) in spec.get("rank-limits", {}).items()},
        constant_inputs=frozenset(spec.get("constant-inputs", ())),
        absent_inputs=frozenset(spec.get("absent-inputs", ())),
        reference_build=bool(spec.get("reference-build", True)),
        source=spec.get("source"),
        note=spec.get("note"),
        first=min(runtime.values()) if runtime else None,
    )


def _provenance(entry: Mapping[str, Any]) -> Mapping[str, str]:
    """A provenance entry; ``pin = "litert"`` stands for the pinned repository, commit and date."""
    if "pin" not in entry:
        return entry
    pin = PINS.get(str(entry["pin"]))
    if pin is None:
        raise TargetError(f"unknown pin {entry['pin']!r} in a target's provenance (known: {', '.join(PINS)})")
    rest = {k: str(v) for k, v in entry.items() if k not in ("pin", "path")}
    return {**pin.provenance(str(entry.get("path", ""))), **rest}


@cache
def load(target_id: str) -> Target:
    raw = _resolved(target_id)
    own = _raw(target_id)
    parent = raw.get("inherit")
    # an inheriting target that defines no builtins/custom ops shares its parent's (loaded once)
    builtins = (
        load(parent).builtins
        if parent and "builtins" not in own
        else {name: _op_support(spec) for name, spec in raw.get("builtins", {}).items()}
    )
    custom = (
        load(parent).custom
        if parent and "custom" not in own
        else {name: _op_support(spec) for name, spec in raw.get("custom", {}).items()}
    )
    limits = raw.get("limits", {})
    allow = raw.get("flex-allowlist", {})
    conditional = {op: "TF Text" for op in allow.get("tftext", [])}
    conditional.update({op: "SentencePiece" for op in allow.get("sentencepiece", [])})
    runtimes = tuple(sorted(parse_version(v) for v in raw.get("runtimes", [])))
    default_runtime = raw.get("default-runtime")
    runtime_only = {
        name: {int(v): parse_version(rel) for v, rel in spec.get("runtime", {}).items()}
        for name, spec in raw.get("runtime-only", {}).items()
    }
    return Target(
        id=raw.get("id", target_id),
        title=raw.get("title", target_id),
        description=raw.get("description", ""),
        extends=raw.get("extends"),
        flex=bool(raw.get("flex", False)),
        op_versions=bool(raw.get("op-versions", False)),
        builtins=builtins,
        custom=custom,
        flex_allowlist=frozenset(allow.get("core", [])),
        flex_conditional=conditional,
        schema_version=raw.get("schema-version"),
        static_arena=bool(raw.get("static-arena", False)),
        kernels=str(raw.get("kernels", "")),
        integer_io=bool(raw.get("integer-io", False)),
        limits=Limits(
            tensor_dtypes=frozenset(limits["tensor-dtypes"]) if "tensor-dtypes" in limits else None,
            dynamic_tensors=bool(limits.get("dynamic-tensors", True)),
            nonempty_intermediates=bool(limits.get("nonempty-intermediates", True)),
            sources={k[: -len("-source")]: str(v) for k, v in limits.items() if k.endswith("-source")},
        ),
        runtimes=runtimes,
        default_runtime=parse_version(default_runtime) if default_runtime else None,
        provenance=tuple(_provenance(p) for p in raw.get("provenance", [])),
        path=raw["_path"],
        delegate=raw.get("delegate"),
        delegate_options=raw.get("delegate-options", EMPTY),
        cpu_runtime_title=load(parent).runtime_title if parent and raw.get("delegate") else "",
        variant_option=raw.get("variant", {}).get("option"),
        variant_values=tuple(str(v) for v in raw.get("variant", {}).get("values", ())),
        variant_format=str(raw.get("variant", {}).get("format", "{}")),
        label=target_id,
        runtime=parse_version(default_runtime) if default_runtime and raw.get("op-versions") else None,
        runtime_only=runtime_only,
        specialized=frozenset(raw["resolver"]["specialized"]) if "specialized" in raw.get("resolver", {}) else None,
    )


def resolve(target_id: str, at: str | None = None, runtime: str | None = None) -> Target:
    """The target a run checks: ``target_id@at`` picks a delegate variant (``nnapi@29``) or pins a
    runtime release (``tflite@2.15``); ``runtime`` is the run's default release for targets with op
    versions.  Raises :class:`TargetError` for an unknown target, variant or release."""
    target = load(target_id)
    label = f"{target_id}@{at}" if at else target_id
    if at and target.variant_option is not None:
        try:  # nnapi@30, ethos-u55@256: a delegate option, not a runtime release
            return target.variant(at)._replace(label=label)
        except ValueError as exc:
            raise TargetError(str(exc)) from None
    text = at or runtime
    version = None
    if text is not None:
        try:
            version = parse_version(text)
        except ValueError as exc:
            raise TargetError(f"invalid runtime: {exc}") from None
        if at and not target.op_versions:
            raise TargetError(f"target {target_id!r} has no runtime versions; drop '@{at}'")
        if target.op_versions and target.runtimes and version[:2] not in {v[:2] for v in target.runtimes}:
            releases = sorted({format_version(v)[: format_version(v).rindex(".")] for v in target.runtimes})
            releases.sort(key=lambda r: tuple(int(p) for p in r.split(".")))
            hint = did_you_mean(text, releases)
            raise TargetError(
                f"unknown TFLite runtime {text!r} for {target_id!r}{hint} "
                f"(releases oplint knows: {releases[0]} to {releases[-1]})"
            )
    if target.op_versions and version is not None:
        return target._replace(label=label, runtime=version)
    return target._replace(label=label)


def customize(
    base: Target,
    target_id: str,
    *,
    description: str = "",
    ops: frozenset[str] | None = None,
    firmware: Firmware | None = None,
    arena_size: int | None = None,
    flash_size: int | None = None,
    origin: str = "",
) -> Target:
    """``base`` as a firmware or board runs it: only ``ops`` (an allow-list) and the ops the
    firmware's resolver registers, with its memory budgets.  Custom ops the firmware registers by
    name become known custom ops (their kernel is the firmware's own); an ``AddEthosU()`` call
    makes the build an Ethos-U one.  ``target_id`` is how the run names the result."""
    custom = dict(base.custom)
    extra: list[tuple[str, str]] = []
    if firmware is not None:
        for resolver in firmware.resolvers:
            extra += [(r.op, f"registered by {r.where}") for r in resolver.registrations if r.kind == "custom"]
    if ops is not None:
        extra += [(name, f"listed in the ops of target {target_id!r}") for name in ops if name not in base.builtins]
    for name, note in extra:
        known = custom.get(name)
        if known is None:
            custom[name] = OpSupport(source=note, note="the firmware's own kernel")
        elif not known.reference_build and name == ETHOS_U_CUSTOM:
            custom[name] = known._replace(reference_build=True)
    title = base.title if target_id == base.id else f"{target_id} ({base.title})"
    return base._replace(
        id=target_id,
        label=target_id if target_id != base.id else base.label,
        title=title,
        description=description or base.description,
        custom=custom,
        firmware=firmware,
        allowed_ops=ops,
        arena_size=arena_size,
        flash_size=flash_size,
        origin=origin,
        base=base.base or base.id,
    )


def matches(sig: Mapping[str, frozenset[str]], dtypes: Mapping[str, str | None], uniform: bool = False) -> bool:
    """Every position the signature names holds an allowed dtype (an empty set: must be absent);
    with ``uniform``, every input also has the dtype of in0."""
    for pos, allowed in sig.items():
        dtype = dtypes.get(pos)
        if dtype is not None and dtype not in allowed:
            return False
    if uniform and "in0" in sig:
        first = dtypes.get("in0")
        for pos, dtype in dtypes.items():
            if pos.startswith("in") and dtype is not None and dtype != first:
                return False
    return True
