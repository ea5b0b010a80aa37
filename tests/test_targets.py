"""The knowledge base: every target loads, records provenance, and keeps its invariants."""

from __future__ import annotations

import pytest

from oplint.knowledge.targets import TargetError, available, load, parse_version
from oplint.readers import tflite_schema as S
from tests.helpers import ROOT

SCHEMA_OPS = set(S.ENUMS["BuiltinOperator"][1].values())


def test_base_targets_exist() -> None:
    assert {"tflite", "tflite-flex", "tflm"} <= set(available())


@pytest.mark.parametrize("target_id", available())
def test_target_loads_with_provenance(target_id: str) -> None:
    target = load(target_id)
    assert target.id == target_id and target.title and target.description
    assert target.provenance, "every target records where its facts come from"
    for p in target.provenance:
        if p.get("repo") == "oplint":  # a hand-curated file of this repository, citing its own sources
            assert (ROOT / str(p["path"])).is_file(), p
            continue
        assert ("commit" in p and len(str(p["commit"])) == 40) or "version" in p, p
        assert p.get("path") or p.get("package"), p
    assert set(target.builtins) <= SCHEMA_OPS, set(target.builtins) - SCHEMA_OPS


def test_chain_invariants() -> None:
    tflite, flex, tflm = load("tflite"), load("tflite-flex"), load("tflm")
    assert set(flex.builtins) == set(tflite.builtins) and flex.extends == "tflite"
    assert set(tflm.builtins) <= set(tflite.builtins), set(tflm.builtins) - set(tflite.builtins)
    assert flex.flex and not tflite.flex and not tflm.flex
    assert tflite.op_versions and not tflm.op_versions
    assert len(flex.flex_allowlist) > 700


def test_runtime_table() -> None:
    tflite = load("tflite")
    fc = tflite.builtins["FULLY_CONNECTED"]
    assert fc.runtime[1] == (1, 5, 0) and fc.runtime[12] == (2, 17, 0)
    assert tflite.default_runtime == max(tflite.runtimes)
    assert fc.kernel_versions is not None and fc.kernel_versions[1] == max(fc.runtime)


def test_unknown_target() -> None:
    with pytest.raises(TargetError, match="unknown target 'nope'"):
        load("nope")


def test_parse_version() -> None:
    assert parse_version("2.14") == (2, 14, 0)
    assert parse_version("v2.15.1") == (2, 15, 1)
    for bad in ("", "two", "2.x", "1.2.3.4"):
        with pytest.raises(ValueError):
            parse_version(bad)


def test_delegate_variants_set_their_option() -> None:
    from oplint.cli import cli
    from tests.helpers import fixture, runner

    u55 = load("ethos-u55")
    assert u55.variant("256").delegate_options["accelerator-config"] == "ethos-u55-256"
    assert u55.delegate_options["accelerator-config"] == "ethos-u55-128"  # the loaded target is untouched
    with pytest.raises(ValueError, match="no variant '100'"):
        u55.variant("100")
    path = fixture("ethosu/conv_strides.tflite")
    result = runner().invoke(
        cli,
        [
            "check",
            path,
            "--isolated",
            "-t",
            "ethos-u55@256",
            "--output-format",
            "concise",
            "--failure-threshold",
            "warning",
        ],
    )
    assert result.exit_code == 1 and "OPL301 [ethos-u55@256]" in result.stdout
    for bad in ("ethos-u55@100", "tflm@30"):
        result = runner().invoke(cli, ["check", path, "--isolated", "-t", bad])
        assert result.exit_code == 2
        assert ("no variant" in result.stderr) or ("no runtime versions" in result.stderr)


def test_every_target_was_made_from_the_pinned_sources() -> None:
    """The pins live in oplint/knowledge/sources.py; generated and hand-written files agree with them."""
    from oplint.knowledge.sources import PINS

    by_repo = {p.repo: p for p in PINS.values()}
    for target_id in available():
        for entry in load(target_id).provenance:
            pin = by_repo.get(entry.get("repo") or entry.get("package", ""))
            if pin is not None:
                assert entry.get("commit", entry.get("version")) == pin.commit, (target_id, entry)
