"""``[tool.oplint]`` configuration: discovery, validation and rule selection.

Config comes from the nearest ``pyproject.toml`` (walking up from the working directory) that
has a ``[tool.oplint]`` table; command-line options override it.  Unknown keys, targets, rule
codes and bad values raise :class:`ConfigError`, which the CLI turns into exit status 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import checks
from ..core.files import NotARegularFile, TOMLDecodeError, parse_toml, read_regular
from ..core.findings import Severity
from ..core.model import EMPTY
from ..knowledge.targets import Target, TargetError, available, customize, did_you_mean, load, resolve

if TYPE_CHECKING:
    from ..knowledge.firmware import Firmware

DEFAULT_TARGETS = ("tflite", "tflite-flex", "tflm")
DEFAULT_BASELINE = ".oplint-baseline.json"  #: where --write-baseline writes, and what a run reads when present
KNOWN_KEYS = frozenset(
    {
        "targets",
        "runtime",
        "select",
        "ignore",
        "failure-threshold",
        "exclude",
        "include",
        "severity",
        "per-file-ignores",
        "ignore-findings",
        "baseline",
        "signature",
        "resolver",
        "resolver-defines",
    }
)
IGNORE_FINDING_KEYS = frozenset({"path", "code", "node", "target", "reason"})
#: keys of a custom target, ``[tool.oplint.targets.NAME]``
CUSTOM_TARGET_KEYS = frozenset({"extends", "ops", "resolver", "arena-size", "flash-size", "description"})


class ConfigError(ValueError):
    """Bad configuration or options (exit status 2)."""


class TargetSpec(NamedTuple):
    """A target to check, optionally pinned to a runtime: ``tflite`` or ``tflite@2.15``."""

    id: str
    runtime: str | None = None

    @property
    def label(self) -> str:
        return f"{self.id}@{self.runtime}" if self.runtime else self.id

    @classmethod
    def parse(cls, text: str) -> TargetSpec:
        tid, _, runtime = text.strip().partition("@")
        return cls(tid, runtime or None)


class IgnoreFinding(NamedTuple):
    """``[[tool.oplint.ignore-findings]]``: one accepted finding (or family), with its reason."""

    path: str  #: glob, relative to the project root
    code: str  #: rule code, prefix or name
    reason: str
    node: str | None = None  #: glob on the node / tensor name
    target: str | None = None
    index: int = 0  # type: ignore[assignment]  #: position in the config file (shadows tuple.index)


DEFAULT_SPECS = tuple(TargetSpec(t) for t in DEFAULT_TARGETS)


class CustomTarget(NamedTuple):
    """``[tool.oplint.targets.NAME]``: a built-in target as a firmware or board runs it."""

    name: str
    extends: TargetSpec  #: the built-in target (``tflm``, ``tflite@2.15``, ``ethos-u55@256``)
    source: Path  #: the configuration file that defines it
    description: str = ""
    ops: tuple[str, ...] | None = None  #: allow-list of op names (builtins and custom codes)
    resolver: tuple[Path, ...] = ()  #: the firmware's resolver source(s), relative paths resolved
    arena_size: int | None = None
    flash_size: int | None = None


class Config(NamedTuple):
    targets: tuple[TargetSpec, ...] = DEFAULT_SPECS
    runtime: str | None = None
    select: tuple[str, ...] = ("OPL",)
    ignore: tuple[str, ...] = ()
    failure_threshold: Severity = Severity.ERROR
    #: rule options (``max-partitions``, ``arena-size``: see each rule's ``options``), as set
    options: Mapping[str, object] = EMPTY
    #: ``[tool.oplint.severity]``: (selector, severity) overrides; the longest matching selector wins
    severity: tuple[tuple[str, Severity], ...] = ()
    exclude: tuple[str, ...] = ()  #: gitignore-style patterns, relative to the project root
    #: more files a walk considers (besides *.tflite and SavedModels); each must be a TFLite flatbuffer
    include: tuple[str, ...] = ("*.bin",)
    force_exclude: bool = False  #: apply ``exclude`` to explicitly given paths too
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  #: (path glob, selectors)
    ignore_findings: tuple[IgnoreFinding, ...] = ()
    baseline: Path | None = None  #: file of accepted findings (see oplint.suppress)
    source: Path | None = None  #: the pyproject.toml it came from
    root: Path | None = None  #: the project root (the config file's folder); None: the working directory
    signature: str | None = None  #: SavedModel signature to check (None: serving_default, else all)
    #: the firmware's op resolver source(s) (``--resolver``, ``resolver =``), for TFLM-family targets
    resolver: tuple[Path, ...] = ()
    resolver_defines: tuple[str, ...] = ()  #: macros assumed defined when reading resolver sources
    custom_targets: tuple[CustomTarget, ...] = ()  #: ``[tool.oplint.targets.NAME]`` definitions

    def with_options(self, **changes: Any) -> Config:
        return self._replace(**{k: v for k, v in changes.items() if v is not None})

    def validate(self) -> Config:
        """Check targets, runtime, rule options and selectors; returns self or raises ConfigError."""
        self.resolve_targets()
        self.rule_options()
        where = f" in {self.source}" if self.source else ""
        extra = [("per-file-ignores", sels) for _, sels in self.per_file_ignores]
        extra += [("ignore-findings", (entry.code,)) for entry in self.ignore_findings]
        extra += [("severity", (sel,)) for sel, _ in self.severity]
        for key, selectors in (("select", self.select), ("ignore", self.ignore), *extra):
            for sel in selectors:
                if resolve_selector(sel) is None:
                    choices = [*checks.BY_CODE, *checks.BY_NAME]
                    hint = did_you_mean(sel.strip().upper() if sel.strip()[:3].upper() == "OPL" else sel, choices)
                    raise ConfigError(
                        f"invalid {key}{where}: {sel!r} is not a rule code, code prefix or rule name{hint} "
                        f"(see `oplint explain --all`)"
                    )
        return self

    def resolve_targets(self) -> tuple[Target, ...]:
        """The targets of the run, resolved once (variants and runtimes applied, custom targets
        built, the firmware's resolver read), without duplicates."""
        where = f" in {self.source}" if self.source else ""
        out: dict[str, Target] = {}
        for spec in self.targets:
            if spec.label in out:
                continue
            try:
                out[spec.label] = self.resolve_target(spec)
            except TargetError as exc:
                raise ConfigError(f"{exc}{where}") from None
        return tuple(out.values())

    def baseline_file(self) -> Path | None:
        """The baseline to read: the configured one, else ``.oplint-baseline.json`` of the
        project root when it exists (what ``--write-baseline`` writes)."""
        if self.baseline is not None:
            return self.baseline
        default = (self.root or Path.cwd()) / DEFAULT_BASELINE
        return default if default.is_file() else None

    def resolve_target(self, spec: TargetSpec) -> Target:
        """One target: a custom one of ``[tool.oplint.targets]`` or a built-in one; TargetError if unknown."""
        custom = {c.name: c for c in self.custom_targets}
        if spec.id in custom:
            c = custom[spec.id]
            if spec.runtime:
                raise TargetError(
                    f"custom target {c.name!r} has no variants; drop '@{spec.runtime}' (set it in its 'extends')"
                )
            base = resolve(c.extends.id, c.extends.runtime, self.runtime)
            if c.resolver and not base.tflm_family:
                raise TargetError(
                    f"custom target {c.name!r}: a 'resolver' is read for TensorFlow Lite Micro targets "
                    f"(tflm, tflm-arduino, tflm-esp), not for {base.id!r}; list its ops with 'ops'"
                )
            paths = c.resolver or (self.resolver if base.tflm_family else ())
            return customize(
                base,
                c.name,
                description=c.description,
                ops=frozenset(c.ops) if c.ops is not None else None,
                firmware=_firmware(paths, self.resolver_defines, self.root) if paths else None,
                arena_size=c.arena_size,
                flash_size=c.flash_size,
                origin=_display(c.source, self.root),
            )
        try:
            target = resolve(spec.id, spec.runtime, self.runtime)
        except TargetError:
            known = available()
            if not custom or spec.id in known:
                raise
            hint = did_you_mean(spec.id, [*known, *custom])
            raise TargetError(
                f"unknown target {spec.id!r}{hint} (known: {', '.join(known)}; custom: {', '.join(custom)})"
            ) from None
        if self.resolver and target.tflm_family:
            fw = _firmware(self.resolver, self.resolver_defines, self.root)
            return customize(target, target.id, firmware=fw)
        return target

    def rule_options(self) -> dict[str, object]:
        """The rule options that were set, parsed (ConfigError for an unknown key or a bad value)."""
        out: dict[str, object] = {}
        for key, value in self.options.items():
            if key not in checks.OPTIONS:
                raise ConfigError(f"unknown option {key!r} (known: {', '.join(sorted(checks.OPTIONS))})")
            if value is None:
                continue
            try:
                out[key] = checks.option(key).parse(value)
            except ValueError as exc:
                raise ConfigError(f"invalid option: '{key}' {exc}") from None
        return out

    def severity_of(self, code: str, default: Severity) -> Severity:
        """The severity a rule reports at: its own, unless ``[tool.oplint.severity]`` overrides it."""
        best_len, best = -1, default
        for sel, severity in self.severity:
            prefix = resolve_selector(sel)
            if prefix is not None and code.startswith(prefix) and len(prefix) > best_len:
                best_len, best = len(prefix), severity
        return best

    def enabled(self, code: str) -> bool:
        """ruff/flake8 semantics: the longest matching selector decides; select wins ties."""
        best_len, best = -1, False
        for selectors, verdict in ((self.ignore, False), (self.select, True)):
            for sel in selectors:
                prefix = resolve_selector(sel)
                if prefix is not None and code.startswith(prefix) and len(prefix) >= best_len:
                    best_len, best = len(prefix), verdict
        return best


def _severities(raw: object, path: Path) -> tuple[tuple[str, Severity], ...]:
    if not isinstance(raw, dict):
        raise ConfigError(
            f"invalid config in {path}: [tool.oplint.severity] must map rule codes to error, warning or info"
        )
    out = []
    for sel, value in raw.items():
        try:
            out.append((str(sel), Severity.parse(str(value))))
        except ValueError as exc:
            raise ConfigError(f"invalid config in {path}: severity.{sel}: {exc}") from None
    return tuple(out)


def resolve_selector(selector: str) -> str | None:
    """A rule code, a code prefix (``OPL1``) or a rule name -> the code prefix it selects."""
    sel = selector.strip()
    rule = checks.BY_NAME.get(sel.lower())
    if rule is not None:
        return rule.code
    upper = sel.upper()
    if upper == "ALL":
        return "OPL"
    digits = upper[3:]
    well_formed = (
        upper.startswith("OPL") and len(upper) <= 6 and (digits == "" or (digits.isascii() and digits.isdigit()))
    )
    # a code or a prefix of codes, as long as some rule has it (a typo selects nothing)
    if well_formed and any(code.startswith(upper) for code in checks.BY_CODE):
        return upper
    return None


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` with a ``[tool.oplint]`` table."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            raw = _read_bytes(candidate)
            if b"oplint" not in raw:  # cheap pre-check: most pyproject files never mention us
                continue
            if _oplint_table(_parse(candidate, raw), candidate) is not None:
                return candidate
    return None


MAX_CONFIG_BYTES = 4 << 20  #: a configuration file larger than this is refused (it is not one)


def _read_bytes(path: Path) -> bytes:
    try:
        return read_regular(path, MAX_CONFIG_BYTES)
    except NotARegularFile as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _parse(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        return parse_toml(raw.decode("utf-8"))
    except TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (TOML files are UTF-8)") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None


def _read_toml(path: Path) -> dict[str, Any]:
    return _parse(path, _read_bytes(path))


def _oplint_table(data: Mapping[str, Any], path: Path) -> Any:
    """``[tool.oplint]`` of a parsed file (None when absent); ConfigError when ``tool`` is not a table."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"invalid config in {path}: 'tool' must be a table ([tool.oplint])")
    return tool.get("oplint")


def _str_list(value: Any, key: str, where: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"invalid config in {where}: '{key}' must be a list of strings")
    return tuple(value)


def from_table(table: Mapping[str, Any], path: Path) -> Config:
    known = KNOWN_KEYS | set(checks.OPTIONS)
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"invalid config in {path}: unknown option {unknown[0]!r} in [tool.oplint] "
            f"(known: {', '.join(sorted(known))})"
        )
    cfg = Config(source=path, root=path.parent)
    changes: dict[str, Any] = {}
    if "targets" in table and not isinstance(table["targets"], dict):
        targets = _str_list(table["targets"], "targets", path)
        if not targets:
            raise ConfigError(f"invalid config in {path}: 'targets' is empty")
        changes["targets"] = tuple(TargetSpec.parse(t) for t in targets)
    if "runtime" in table:
        if not isinstance(table["runtime"], str):
            raise ConfigError(f"invalid config in {path}: 'runtime' must be a string such as \"2.15\"")
        changes["runtime"] = table["runtime"]
    if "select" in table:
        changes["select"] = _str_list(table["select"], "select", path)
    if "ignore" in table:
        changes["ignore"] = _str_list(table["ignore"], "ignore", path)
    if "signature" in table:
        if not isinstance(table["signature"], str):
            raise ConfigError(f"invalid config in {path}: 'signature' must be a string such as \"serving_default\"")
        changes["signature"] = table["signature"]
    if "severity" in table:
        changes["severity"] = _severities(table["severity"], path)
    options = {}
    for key in sorted(set(table) & set(checks.OPTIONS)):
        try:
            options[key] = checks.option(key).parse(table[key])
        except ValueError as exc:
            raise ConfigError(f"invalid config in {path}: '{key}' {exc}") from None
    if options:
        changes["options"] = options
    if "exclude" in table:
        changes["exclude"] = _str_list(table["exclude"], "exclude", path)
    if "include" in table:
        changes["include"] = _str_list(table["include"], "include", path)
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"invalid config in {path}: [tool.oplint.per-file-ignores] must be a table of globs")
        changes["per_file_ignores"] = tuple(
            (glob, _str_list(sels, f"per-file-ignores.{glob}", path)) for glob, sels in pfi.items()
        )
    if "ignore-findings" in table:
        changes["ignore_findings"] = _ignore_findings(table["ignore-findings"], path)
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"]:
            raise ConfigError(f"invalid config in {path}: 'baseline' must be a file path")
        changes["baseline"] = path.parent / table["baseline"]
    if "resolver" in table:
        changes["resolver"] = _paths(table["resolver"], "resolver", path)
    if "resolver-defines" in table:
        changes["resolver_defines"] = _str_list(table["resolver-defines"], "resolver-defines", path)
    if isinstance(table.get("targets"), dict):
        customs, default = _custom_targets(table["targets"], path)
        changes["custom_targets"] = customs
        changes["targets"] = default or tuple(TargetSpec(c.name) for c in customs)
    if "failure-threshold" in table:
        try:
            changes["failure_threshold"] = Severity.parse(str(table["failure-threshold"]))
        except ValueError as exc:
            raise ConfigError(f"invalid config in {path}: failure-threshold: {exc}") from None
    return cfg._replace(**changes)


def _paths(value: Any, key: str, where: Path) -> tuple[Path, ...]:
    """File paths of a configuration key, relative to the configuration file's folder."""
    items = _str_list(value, key, where)
    if not items or not all(items):
        raise ConfigError(f"invalid config in {where}: '{key}' must name one or more files")
    return tuple(where.parent / item for item in items)


def _custom_targets(table: Mapping[str, Any], path: Path) -> tuple[tuple[CustomTarget, ...], tuple[TargetSpec, ...]]:
    """``[tool.oplint.targets.NAME]`` tables, and the ``default`` list of targets to check."""
    builtin = set(available())
    customs: list[CustomTarget] = []
    default: tuple[TargetSpec, ...] = ()
    for name, spec in table.items():
        where = f"invalid config in {path}: [tool.oplint.targets.{name}]"
        if name == "default":
            default = tuple(TargetSpec.parse(t) for t in _str_list(spec, "targets.default", path))
            continue
        if not isinstance(spec, dict):
            raise ConfigError(
                f"invalid config in {path}: 'targets.{name}' must be a table ([tool.oplint.targets.{name}]); "
                "list the targets to check as targets.default"
            )
        if name in builtin:
            raise ConfigError(f"{where}: {name!r} is a built-in target; give the custom target another name")
        if not name or "@" in name or "," in name or name != name.strip():
            raise ConfigError(f"{where}: a target name has no '@', ',' or surrounding spaces")
        unknown = sorted(set(spec) - CUSTOM_TARGET_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(CUSTOM_TARGET_KEYS))})")
        extends = spec.get("extends")
        if not isinstance(extends, str) or not extends.strip():
            raise ConfigError(f"{where}: 'extends' names the built-in target it runs on (e.g. \"tflm\")")
        base = TargetSpec.parse(extends)
        if base.id not in builtin:
            raise ConfigError(
                f"{where}: 'extends' = {extends!r} is not a built-in target (known: {', '.join(sorted(builtin))})"
            )
        description = spec.get("description", "")
        if not isinstance(description, str):
            raise ConfigError(f"{where}: 'description' must be a string")
        ops = None
        if "ops" in spec:
            ops = _str_list(spec["ops"], f"targets.{name}.ops", path)
            _check_ops(ops, set(load(base.id).custom), where)
        sizes: dict[str, int | None] = {}
        for key in ("arena-size", "flash-size"):
            if key in spec:
                try:
                    sizes[key] = int(checks.option(key).parse(spec[key]))  # type: ignore[call-overload]
                except ValueError as exc:
                    raise ConfigError(f"{where}: '{key}' {exc}") from None
        customs.append(
            CustomTarget(
                name,
                base,
                path,
                description,
                ops,
                _paths(spec["resolver"], f"targets.{name}.resolver", path) if "resolver" in spec else (),
                sizes.get("arena-size"),
                sizes.get("flash-size"),
            )
        )
    return tuple(customs), default


def _check_ops(ops: Iterable[str], customs: set[str], where: str) -> None:
    """Builtin names must be TFLite builtins (a typo is an error); anything else is a custom code."""
    from ..readers.tflite_schema import ENUMS

    builtins = set(ENUMS["BuiltinOperator"][1].values())
    for op in ops:
        if not op.strip():
            raise ConfigError(f"{where}: 'ops' has an empty name")
        if op.upper() == op and op not in builtins and op not in customs:
            raise ConfigError(
                f"{where}: 'ops' names {op!r}, which is not a TFLite builtin operator "
                '(custom ops are named by their custom code, e.g. "TFLite_Detection_PostProcess")'
            )


def _display(path: Path, root: Path | None) -> str:
    """A path as messages show it: below the project root (or the working directory) when it is."""
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except (ValueError, OSError):
            continue
    return str(path)


@cache
def _read_firmware(
    paths: tuple[Path, ...], stamps: tuple[int, ...], defines: tuple[str, ...], root: Path | None
) -> Firmware:
    from ..knowledge.firmware import read_resolver  # loaded only when a resolver is configured

    return read_resolver(paths, defines, [_display(p, root) for p in paths])


def _firmware(paths: tuple[Path, ...], defines: tuple[str, ...], root: Path | None) -> Firmware:
    """The resolver the sources declare (read once per content); ConfigError when they cannot be read."""
    from ..knowledge.firmware import ResolverError

    stamps = []
    for p in paths:
        try:
            stamps.append(p.stat().st_mtime_ns)
        except OSError:
            raise ConfigError(f"resolver source not found: {p}") from None
    try:
        return _read_firmware(paths, tuple(stamps), defines, root)
    except ResolverError as exc:
        raise ConfigError(str(exc)) from None


def _ignore_findings(value: Any, path: Path) -> tuple[IgnoreFinding, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"invalid config in {path}: use [[tool.oplint.ignore-findings]] tables")
    entries = []
    for i, entry in enumerate(value, 1):
        where = f"invalid config in {path}: ignore-findings entry {i}"
        unknown = sorted(set(entry) - IGNORE_FINDING_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(IGNORE_FINDING_KEYS))})")
        for key in ("path", "code", "reason"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ConfigError(
                    f"{where}: '{key}' is required" + (" (say why it is accepted)" if key == "reason" else "")
                )
        for key in ("node", "target"):
            if key in entry and not isinstance(entry[key], str):
                raise ConfigError(f"{where}: '{key}' must be a string")
        entries.append(
            IgnoreFinding(entry["path"], entry["code"], entry["reason"], entry.get("node"), entry.get("target"), i)
        )
    return tuple(entries)


def load_config(config_file: Path | None = None, isolated: bool = False, cwd: Path | None = None) -> Config:
    """The configuration for a run: an explicit file, the nearest pyproject.toml, or defaults."""
    cwd = cwd or Path.cwd()
    if isolated:
        return Config(root=cwd)
    path = config_file
    if path is None:
        path = find_pyproject(cwd)
        if path is None:
            return Config(root=cwd)
    elif not path.exists():
        raise ConfigError(f"config file not found: {path}")
    data = _read_toml(path)
    table = _oplint_table(data, path)
    if table is None:
        if config_file is not None and path.name != "pyproject.toml":
            table = data  # a standalone oplint.toml holds the keys at top level
        else:
            return Config(source=path, root=path.parent)
    if not isinstance(table, dict):
        raise ConfigError(f"invalid config in {path}: [tool.oplint] must be a table")
    return from_table(table, path.resolve())


def project_configs(apply: Callable[[Config], Config], cwd: Path | None = None) -> Callable[[Path], Config]:
    """``config_for(folder)``: the configuration of the project ``folder`` lies in (the closest
    ``pyproject.toml`` with ``[tool.oplint]`` at or above it, else the working directory's), with
    ``apply`` (the command line's options) on top; validated, each project's once."""
    cwd = cwd or Path.cwd()
    by_source: dict[Path | None, Config] = {}
    by_folder: dict[Path, Config] = {}

    def config_for(folder: Path) -> Config:
        key = folder.resolve()
        found = by_folder.get(key)
        if found is None:
            source = find_pyproject(key) or find_pyproject(cwd)
            found = by_source.get(source)
            if found is None:
                base = load_config(source) if source is not None else Config(root=cwd)
                found = by_source[source] = apply(base).validate()
            by_folder[key] = found
        return found

    return config_for


def parse_targets(values: Iterable[str]) -> tuple[TargetSpec, ...]:
    specs = []
    for value in values:
        for part in value.split(","):
            if part.strip():
                specs.append(TargetSpec.parse(part))
    return tuple(specs)
