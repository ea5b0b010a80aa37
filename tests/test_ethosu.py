"""Ethos-U targets: Vela's verdicts, from Vela itself or from the generated tables.

fixtures/ethosu/VERDICTS.json is what the real Vela 5.2.0 did with each fixture
(fixtures/ethosu/verify_vela.py); the table path must reproduce it without Vela, and the Vela
path (tests skipped when Vela is not installed) must read it back from Vela.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from oplint.delegates import ethosu, get
from oplint.delegates.contract import OpVerdict
from oplint.delegates.ethosu import common, vela
from oplint.delegates.ethosu import tables as tables
from oplint.knowledge.targets import load
from oplint.readers.tflite import BUILTIN_CODES, read
from tests.helpers import FIXTURES, ROOT, lint

RECORD = json.loads((FIXTURES / "ethosu" / "VERDICTS.json").read_text())
VERDICTS = RECORD["fixtures"]
TARGETS = ("ethos-u55", "ethos-u85")
CASES = [(name, target) for name in sorted(VERDICTS) for target in TARGETS]


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The backend is chosen per call (results are memoised per model, target and backend)."""
    yield


def result_for(name: str, target: str) -> ethosu.EthosUResult:
    model = read(str(FIXTURES / "ethosu" / name))
    return ethosu.analyse(model, load(target))


def cpu_ops(result: ethosu.EthosUResult) -> list[list[int]]:
    return [list(key) for key, verdict in sorted(result.verdicts.items()) if not verdict.supported]


# -- the targets -----------------------------------------------------------------------------------
@pytest.mark.parametrize("target_id", ["ethos-u55", "ethos-u65", "ethos-u85"])
def test_ethos_u_targets_name_their_delegate_and_npu(target_id: str) -> None:
    target = load(target_id)
    assert target.delegate == "ethos-u"
    assert get(target.delegate) is ethosu.DELEGATE
    settings = ethosu.Settings.of(target)
    assert settings.accelerator_config.startswith(target_id + "-")
    assert tables.load_tables(settings.tables).vela_version == "5.2.0"
    assert any(p.get("package") == "ethos-u-vela" and p.get("version") == "5.2.0" for p in target.provenance)


def test_generated_tables_are_consistent() -> None:
    for arch in ("ethosu/u55.toml", "ethosu/u85.toml"):
        t = tables.load_tables(arch)
        used = {cid for ids in t.ops.values() for cid in ids}
        assert used == set(t.constraints), used ^ set(t.constraints)
        assert used <= set(tables.CHECKS), used - set(tables.CHECKS)
        for cid, spec in t.constraints.items():
            assert spec["doc"] and spec["check"] and spec["source"].startswith("ethosu/regor/"), cid
        assert set(t.optype) <= set(BUILTIN_CODES), set(t.optype) - set(BUILTIN_CODES)
        assert set(t.ops) <= set(t.optype.values()) | set(t.activation.values())
    u55, u85 = tables.load_tables("ethosu/u55.toml"), tables.load_tables("ethosu/u85.toml")
    assert "Cast" in u85.ops and "Cast" not in u55.ops  # U85 supports more op types
    assert "bool" in u85.params["feature-map-dtypes"] and "bool" not in u55.params["feature-map-dtypes"]


def test_ethos_u65_uses_the_u55_checks_with_its_own_npu() -> None:
    u65 = ethosu.Settings.of(load("ethos-u65"))
    assert u65.tables == ethosu.Settings.of(load("ethos-u55")).tables
    assert u65.accelerator_config == "ethos-u65-256"


# -- the tables against the real Vela ----------------------------------------------------------------
@pytest.mark.parametrize(("name", "target"), CASES)
def test_tables_reproduce_vela(name: str, target: str, backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "tables")
    real = VERDICTS[name][target]
    result = result_for(name, target)
    assert result.backend == "tables" and "constraint tables" in result.source
    if not real["compiles"]:
        assert result.compile_error, f"Vela fails on {name}: {real['error']}"
        assert result.compile_error == real["error"]
        assert not any(v.supported for v in result.verdicts.values())
    else:
        assert result.compile_error is None, result.compile_error
        assert cpu_ops(result) == real["cpu_ops"], [(k, v.reasons) for k, v in result.verdicts.items()]


def vela_available() -> bool:
    return vela.find_vela() is not None


@pytest.mark.skipif(not vela_available(), reason="Vela is not installed (pip install 'oplint[ethos-u]')")
@pytest.mark.parametrize(("name", "target"), CASES)
def test_vela_path_reads_vela_back(name: str, target: str, backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "vela")
    real = VERDICTS[name][target]
    result = result_for(name, target)
    assert result.backend == "vela" and result.source.startswith(f"vela {result.vela_version} (")
    if not real["compiles"]:
        assert result.compile_error == real["error"]
    else:
        assert cpu_ops(result) == real["cpu_ops"]
        assert result.npu_partitions == real["npu_ops"]


# -- reasons, in Vela's words ------------------------------------------------------------------------
def test_reasons_name_the_constraint(backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "tables")
    result = result_for("conv_strides.tflite", "ethos-u55")
    (reason,) = result.verdicts[(0, 1)].reasons
    assert reason.startswith("Unsupported kernel stride: 4, 4 (constraint: Stride>3 is only supported IF")
    assert result.verdicts[(0, 0)] == OpVerdict(True)
    islands = result_for("float_islands.tflite", "ethos-u85")
    assert "DEQUANTIZE is not supported on the NPU by Vela 5.2.0" in islands.verdicts[(0, 1)].reasons[0]
    assert "unsupported DataType Float32" in islands.verdicts[(0, 2)].reasons[0]


def test_fused_activation_is_checked_with_its_op(backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CONV_2D with a fused RELU is two ops to Vela; the activation is checked first."""
    monkeypatch.setenv(ethosu.BACKEND_ENV, "tables")
    model = read(str(FIXTURES / "tflite" / "conv_float.tflite"))
    verdict = ethosu.analyse(model, load("ethos-u55")).verdicts[(0, 0)]
    assert not verdict.supported
    assert verdict.reasons[0].startswith(
        "fused Relu activation: Operation has tensor with unsupported DataType Float32"
    )


# -- already-compiled models ---------------------------------------------------------------------------
def test_compiled_model_reports_npu_and_cpu_parts(backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "auto")
    result = result_for("compiled_u55.tflite", "ethos-u55")
    assert result.backend == "compiled" and result.npu_partitions == 2
    assert result.verdicts[(0, 0)].supported and result.verdicts[(0, 2)].supported
    conv = result.verdicts[(0, 1)]
    assert not conv.supported
    assert conv.reasons[0] == "Vela left it on the CPU when it compiled this model"
    assert conv.reasons[1].startswith("Unsupported kernel stride: 4, 4")  # why, from the tables


# -- choosing the path ----------------------------------------------------------------------------------
def test_backend_is_said(backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "tables")
    assert "constraint tables" in vela.backend_summary()
    result = result_for("reductions.tflite", "ethos-u85")
    assert result.source == "vela 5.2.0 constraint tables (EthosU85, rules/ethosu/u85.toml)"
    assert result.verdicts[(0, 0)].cite is None  # a placed op: the result's source says how
    # a rejected op cites the check of Vela's that rejects it
    assert str(result.verdicts[(0, 1)].cite) == "ethosu/regor/tflite/tflite_supported_operators.cpp:762"
    islands = result_for("float_islands.tflite", "ethos-u55")
    assert str(islands.verdicts[(0, 1)].cite).endswith("tflite_supported_operators_u55.cpp:34")


def test_unknown_backend_falls_back_to_auto(backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "magic")
    monkeypatch.setattr(vela, "find_vela", lambda: None)
    result = result_for("reductions.tflite", "ethos-u55")
    assert result.backend == "tables" and "is not one of auto, vela, tables" in result.notes[0]


def test_vela_requested_but_missing(backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "vela")
    monkeypatch.setattr(vela, "find_vela", lambda: None)
    result = result_for("reductions.tflite", "ethos-u55")
    assert result.backend == "tables" and "Vela is not installed" in result.notes[0]


def test_vela_failure_modes_are_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """A Vela that crashes or times out is a compile failure, not a traceback."""
    fake = vela.Vela((sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"), "9.9")
    path = str(FIXTURES / "ethosu" / "reductions.tflite")
    assert vela.compile_with_vela(path, [], fake) == {"error": "Vela crashed (SIGSEGV)"}
    slow = vela.Vela((sys.executable, "-c", "import time; time.sleep(5)"), "9.9")
    monkeypatch.setenv(common.TIMEOUT_ENV, "0.5")
    assert "did not finish" in vela.compile_with_vela(path, [], slow)["error"]
    failing = vela.Vela((sys.executable, "-c", "print('RuntimeError: Compilation failed: boom'); exit(1)"), "9.9")
    assert vela.compile_with_vela(path, [], failing) == {"error": "Compilation failed: boom"}


def test_placement_matches_unnamed_ops_by_their_tensors() -> None:
    """Vela names unnamed tensors '<unnamed>'; ops of one kind are told apart by their tensors."""
    model = read(str(FIXTURES / "ethosu" / "float_islands.tflite"))
    graph = model.graphs[0]
    logistic = graph.ops[4]
    cpu = [[0, "LOGISTIC", None, ["out"], vela.tensor_signature(graph, logistic)]]
    warning = [["LOGISTIC", "out", "Reason: made up\nconstraint text"]]
    found = vela.placement_verdicts(model, cpu, warning)
    assert [k for k, v in found.items() if not v.supported] == [(0, 4)]
    assert found[(0, 4)].reasons == ("made up (constraint: constraint text)",)


# -- the pieces of the emulation ---------------------------------------------------------------------
def test_quantized_shift_follows_regor() -> None:
    assert tables.quantized_shift(0.5) == 31 and tables.quantized_shift(1.0) == 30
    assert tables.quantized_shift(2.0**31) == 0  # shifted back into range
    assert tables.quantized_shift(2.0**40) < 0  # "Quantization scale of any tensor must be positive"


def test_transpose_type() -> None:
    assert tables.transpose_type([0, 1, 2, 3]) == tables.TRANSPOSE_NONE
    assert tables.transpose_type([0, 2, 1, 3]) == tables.NWHC
    assert tables.transpose_type([0, 3, 1, 2]) == tables.NCHW
    assert tables.transpose_type([0, 2, 1]) == tables.NHCW  # rank 3: read as (H, W, C)


def test_ops_feeding_no_output_are_dropped(
    backend: None, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    """Vela drops ops whose results nothing uses (TfLiteReader::LoadGraphs): not CPU ops."""
    from fixtures.tflite_builder import Graph, Op, Q, T, build

    monkeypatch.setenv(ethosu.BACKEND_ENV, "tables")
    tensors = [T("x", "int8", (1, 4), quant=Q([0.1], [0])), T("y", "int8", (1, 4), quant=Q([0.1], [0]))]
    tensors.append(T("unused", "float32", (1, 4)))
    ops = [Op("RELU", [0], [1]), Op("DEQUANTIZE", [0], [2], version=2)]
    path = tmp_path / "dead.tflite"
    path.write_bytes(build([Graph(tensors, ops, [0], [1])]))
    result = ethosu.analyse(read(str(path)), load("ethos-u55"))
    assert result.verdicts[(0, 1)].supported and "nothing uses its result" in result.verdicts[(0, 1)].reasons[0]


# -- housekeeping ------------------------------------------------------------------------------------
def test_fixtures_are_current() -> None:
    script = ROOT / "fixtures" / "ethosu" / "build.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_numpy_or_vela_import_on_the_table_path() -> None:
    code = (
        "import os, sys; os.environ['OPLINT_ETHOSU_BACKEND'] = 'tables'\n"
        "from oplint.api import lint_file, prepare\n"
        "from oplint.run.config import Config, TargetSpec\n"
        f"lint_file({str(FIXTURES / 'ethosu' / 'reductions.tflite')!r}, "
        "prepare(Config(targets=(TargetSpec('ethos-u55'),))))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'ethosu', 'networkx')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_every_fixture_is_analysed_without_error(backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Malformed models (bad tensor indices, unknown opcodes, no subgraphs) give verdicts or a
    compile error, never an exception."""
    from oplint.readers.problems import ModelError

    monkeypatch.setenv(ethosu.BACKEND_ENV, "tables")
    for path in sorted((FIXTURES / "tflite").glob("*.tflite")) + sorted((FIXTURES / "ethosu").glob("*.tflite")):
        try:
            model = read(str(path))
        except ModelError:
            continue
        for target in ("ethos-u55", "ethos-u85"):
            result = ethosu.analyse(model, load(target))
            assert set(result.verdicts) == {op.key for op in model.ops()}, path.name


def test_vela_options_come_from_the_target(tmp_path: pathlib.Path) -> None:
    ini = tmp_path / "board.ini"
    ini.write_text("[System_Config.Board]\n")
    settings = ethosu.Settings("ethos-u55-64", "ethosu/u55.toml", "Board", "Shared_Sram", str(ini))
    assert vela._vela_options(settings) == [
        "--accelerator-config",
        "ethos-u55-64",
        "--config",
        str(ini.resolve()),
        "--system-config",
        "Board",
        "--memory-mode",
        "Shared_Sram",
    ]


def test_other_targets_never_load_the_ethos_u_code() -> None:
    code = (
        "import sys\n"
        "from oplint.api import lint_file, prepare\n"
        "from oplint.run.config import Config, TargetSpec\n"
        f"lint_file({str(FIXTURES / 'ethosu' / 'compiled_u55.tflite')!r}, "
        "prepare(Config(targets=(TargetSpec('tflm'),))))\n"
        "print([m for m in sys.modules if m.startswith('oplint.delegates.ethosu')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


PROBES = json.loads((ROOT / "evidence" / "ethosu.probe.json").read_text())


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: f"{p['probe']}-{p['target']}")
def test_tables_match_vela_on_the_synthetic_probes(probe: dict[str, Any], tmp_path: pathlib.Path) -> None:
    """scripts/probe_ethosu.py's one-op models on either side of each constraint, against the
    Vela verdicts it recorded in evidence/ethosu.probe.json."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import probe_ethosu
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    path = tmp_path / "probe.tflite"
    path.write_bytes(probe_ethosu.VARIANTS[probe["probe"]]())
    said = probe_ethosu.table_placement(str(path), probe_ethosu.TARGETS[probe["target"]][1])
    real = probe["vela"]
    assert (said.get("error") is None) == (real.get("error") is None), (said, real)
    assert said.get("cpu") == real.get("cpu"), (said, real)


def test_ops_on_the_npu_never_meet_tflm_kernels() -> None:
    """A uint8 (TF1-era asymmetric) classifier: Vela puts every op but LOG_SOFTMAX on the NPU
    (fixtures/ethosu/VERDICTS.json), so only LOG_SOFTMAX meets TFLite Micro's kernels (no uint8
    LOG_SOFTMAX there: OPL201); the uint8 CONV_2D, FULLY_CONNECTED, SOFTMAX... never reach TFLM."""
    for target in ("ethos-u55", "ethos-u85"):
        found = [(f.code, f.location.op_index) for f in lint("ethosu/uint8_classifier.tflite", target)]
        assert sorted(found) == [("OPL201", 7), ("OPL301", 7)], (target, found)
    on_tflm = {f.location.op_index for f in lint("ethosu/uint8_classifier.tflite", "tflm") if f.code == "OPL201"}
    assert on_tflm == {0, 1, 2, 4, 5, 6, 7}
