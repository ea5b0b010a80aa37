"""The annotated op graph (ModelReport.graph): placement per target, islands, dominators, and
that the default path never builds it."""

from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx

from fixtures.tflite_builder import Graph, Op, T, build
from oplint.analysis.quantization import float_islands
from oplint.core.opgraph import CPU, DELEGATED, RUNS, UNSUPPORTED, graph_json, statuses, to_networkx
from oplint.core.report import ModelReport
from oplint.readers import load
from oplint.readers.tflite import parse
from oplint.run.config import Config, IgnoreFinding, TargetSpec
from oplint.run.lint import lint_model, lint_paths, prepare
from oplint.run.opgraph import build as build_graph
from tests.helpers import ROOT, fixture, runner

PLANESTRIKE = str(ROOT / "examples" / "planestrike_tf_agents.tflite")


def result_for(path: str, *targets: str, **config: object) -> ModelReport:
    cfg = Config(targets=tuple(TargetSpec(t) for t in targets), **config)  # type: ignore[arg-type]
    (result,) = lint_paths([path], cfg, graph=True).results
    return result


def test_the_default_check_builds_no_graph_and_imports_none_of_it() -> None:
    code = (
        "import sys; from oplint.cli import main; sys.argv = ['oplint', 'check', '--isolated', '--exit-zero', "
        f"'-t', 'tflite,tflm,xnnpack,ethos-u55', {PLANESTRIKE!r}, '--output-format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "mods = ('networkx', 'oplint.run.opgraph', 'oplint.core.opgraph')\n"
        "print(*(m in sys.modules for m in mods), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert proc.stderr.strip().splitlines()[-1] == "False False False"
    assert "graph" not in json.loads(proc.stdout)["results"][0]


def test_placement_and_status_per_target() -> None:
    result = result_for(PLANESTRIKE, "tflite", "tflm", "xnnpack")
    graph = result.graph
    assert graph is not None and graph.vocabulary == "tflite"
    status = statuses(graph, result.findings)
    assert status["tflite"][0][9] == UNSUPPORTED  # FlexMultinomial
    assert status["tflite"][0][0] == RUNS
    assert status["xnnpack"][0][6:9] == (DELEGATED,) * 3  # the three FULLY_CONNECTED ops
    assert status["xnnpack"][0][0] == CPU  # SHAPE: OPL301 says where it runs, not that it fails
    xnn = graph.targets["xnnpack"]
    assert [(p.delegated, p.ops) for p in xnn.partitions][:2] == [(False, (0, 1, 2, 3, 4, 5)), (True, (6, 7, 8))]
    assert xnn.partition[0][7] == 1
    assert sum(p.macs for p in xnn.partitions if p.delegated) == result.delegation["xnnpack"]["delegated_macs"]
    assert "SHAPE" in xnn.reasons[(0, 0)]


def test_ignored_findings_do_not_mark_the_op() -> None:
    ignore = IgnoreFinding(path="*", code="OPL102", reason="our runtime links Flex", index=1)
    result = result_for(PLANESTRIKE, "tflite", ignore_findings=(ignore,))
    assert result.graph is not None
    assert statuses(result.graph, result.findings)["tflite"][0][9] == RUNS


def test_islands_are_connected_components_and_match_opl206s() -> None:
    for name in ("tflite/int8_float_island.tflite", "ethosu/float_islands.tflite", "tflite/quant_bounce.tflite"):
        model = load(fixture(name))
        graph = build_graph(model, ())
        floats = sorted(i.ops for i in graph.islands if i.numeric == "float")
        assert floats == sorted(tuple(op.index for op in i.ops) for i in float_islands(model)), name
        # islands of one type never touch: a connection would have merged them
        view = model.nx
        for a in graph.islands:
            for b in graph.islands:
                if a is not b and a.numeric == b.numeric and a.graph == b.graph:
                    assert not any(view.has_edge((a.graph, x), (b.graph, y)) for x in a.ops for y in b.ops)


def _brute_dominated(model_graph: Graph) -> dict[int, int]:
    """op -> ops unreachable from the inputs once the op is removed (and reachable with it)."""
    g = nx.DiGraph()
    producer = {t: op.index for op in model_graph.ops for t in op.outputs}
    for op in model_graph.ops:
        g.add_node(op.index)
        srcs = {producer[t] for t in op.inputs if t in producer}
        if not srcs:
            g.add_edge("in", op.index)
        for s in srcs:
            g.add_edge(s, op.index)
    reach = nx.descendants(g, "in")
    out = {}
    for op in model_graph.ops:
        h = g.copy()
        h.remove_node(op.index)
        out[op.index] = len(reach - {op.index} - nx.descendants(h, "in"))
    return out


def test_dominates_counts_what_cannot_run_without_the_op() -> None:
    # a diamond after a stem, then a tail: x -> a -> (b, c) -> d -> e
    tensors = [T(n, "float32", (1, 4)) for n in "xabcde"]
    ops = [
        Op("RELU", [0], [1]),
        Op("RELU", [1], [2]),
        Op("TANH", [1], [3]),
        Op("ADD", [2, 3], [4]),
        Op("RELU", [4], [5]),
    ]
    model = parse(build([Graph(tensors, ops, [0], [5])]), "diamond.tflite")
    graph = build_graph(model, ())
    assert [op.dominates for op in graph.graphs[0].ops] == [4, 0, 0, 1, 0]
    for path in (PLANESTRIKE, fixture("tflite/while_subgraph.tflite"), fixture("ethosu/float_islands.tflite")):
        model = load(path)
        graph = build_graph(model, ())
        for sub, info in zip(model.graphs, graph.graphs):
            brute = _brute_dominated(sub)
            assert {op.index: op.dominates for op in info.ops} == brute, path


def test_json_carries_the_graph_when_asked() -> None:
    from oplint.cli import cli

    plain = runner().invoke(cli, ["check", "--isolated", PLANESTRIKE, "--output-format", "json", "-t", "xnnpack"])
    assert "graph" not in json.loads(plain.stdout)["results"][0]
    args = ["check", "--isolated", PLANESTRIKE, "--output-format", "json", "-t", "xnnpack", "--with-graph"]
    doc = json.loads(runner().invoke(cli, args).stdout)["results"][0]["graph"]
    assert doc["version"] == 1 and doc["vocabulary"] == "tflite"
    assert doc["graphs"][0]["ops"][9]["op"] == "FlexMultinomial"
    assert doc["targets"]["xnnpack"]["status"][0][6:9] == ["delegated"] * 3
    assert doc["targets"]["xnnpack"]["partition"][0][6] == 1 and doc["targets"]["xnnpack"]["partition"][0][0] == 0
    assert doc["memory"]["tflm_arena"]["total"] > 0
    # the same document as graph_json of the report
    result = result_for(PLANESTRIKE, "xnnpack")
    assert json.loads(json.dumps(graph_json(result))) == doc


def test_networkx_graph_carries_ops_tensors_and_verdicts() -> None:
    result = result_for(PLANESTRIKE, "tflite", "xnnpack")
    g = to_networkx(result)
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_nodes() == 21
    node = g.nodes["sg0:op9"]
    assert node["op"] == "FlexMultinomial"
    assert node["inputs"][0]["dtype"] == "float32" and node["inputs"][0]["shape"] == [-1, 64]
    assert node["targets"]["tflite"]["status"] == UNSUPPORTED
    assert [f["code"] for f in node["targets"]["tflite"]["findings"]] == ["OPL102"]
    assert g.nodes["sg0:op7"]["targets"]["xnnpack"] == {
        "status": DELEGATED,
        "partition": 1,
        "reason": None,
        "findings": [],
    }
    (edge,) = g.get_edge_data("sg0:op6", "sg0:op7").values()
    assert edge["dtype"] == "float32"
    assert g.graph["verdicts"]["tflite"]["ok"] is False
    # what depends on the unsupported op: reachability in the exported graph (the sampled action
    # is transposed, reshaped and clipped: ops 10 and 15-20)
    assert nx.descendants(g, "sg0:op9") == {f"sg0:op{i}" for i in (10, 15, 16, 17, 18, 19, 20)}


def test_savedmodel_graph_marks_what_the_converter_removes() -> None:
    result = result_for(fixture("savedmodel/gelu_fused"), "tflite", "xnnpack")
    assert result.graph is not None and result.graph.vocabulary == "tf"
    status = statuses(result.graph, result.findings)
    assert status["tflite"][2].count("removed") == 4
    kinds = {op.op: status["xnnpack"][2][op.index] for op in result.graph.graphs[2].ops}
    assert kinds["Erfc"] == DELEGATED  # becomes GELU with the ops around it, which XNNPACK takes


def test_lint_model_in_process_can_build_the_graph() -> None:
    run = prepare(Config(targets=(TargetSpec("tflm"),)), graph=True)
    report = lint_model(load(PLANESTRIKE), run)
    assert report.graph is not None and report.graph.op_count == 21
