"""``oplint graph`` and ``oplint.api.op_graph``: the annotated graph for scripts and viewers."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest

from oplint.api import Config, ConfigError, ModelError, TargetSpec, op_graph
from oplint.cli import cli
from tests.helpers import ROOT, fixture, runner

PLANESTRIKE = str(ROOT / "examples" / "planestrike_tf_agents.tflite")


def graph_cli(*args: str) -> str:
    result = runner().invoke(cli, ["graph", "--isolated", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_api_returns_the_annotated_multidigraph() -> None:
    g = op_graph(PLANESTRIKE, Config(targets=(TargetSpec("tflite"), TargetSpec("xnnpack"))))
    assert isinstance(g, nx.MultiDiGraph) and g.number_of_nodes() == 21
    assert g.nodes["sg0:op6"]["op"] == "FULLY_CONNECTED"
    assert g.nodes["sg0:op6"]["targets"]["xnnpack"]["status"] == "delegated"
    assert g.nodes["sg0:op9"]["targets"]["tflite"]["status"] == "unsupported"
    assert g.graph["targets"] == ["tflite", "xnnpack"]


def test_api_errors() -> None:
    with pytest.raises(ModelError, match="OPL001"):
        op_graph(fixture("tflite/garbage.tflite"))
    with pytest.raises(ConfigError, match="holds 2 models"):
        op_graph(str(ROOT / "examples"))


def test_graphml_and_gexf_read_back() -> None:
    graphml = graph_cli(PLANESTRIKE, "-t", "tflite,xnnpack", "--format", "graphml")
    g = nx.parse_graphml(graphml, force_multigraph=True)
    assert g.number_of_nodes() == 21 and g.number_of_edges() == 22
    node = g.nodes["sg0:op9"]
    assert node["tflite.status"] == "unsupported" and node["xnnpack.partition"] == 2
    assert node["tflite.findings"].startswith("OPL102 FlexMultinomial runs TF op Multinomial")
    assert "float32[-1x64]" in node["inputs"]
    gexf = graph_cli(PLANESTRIKE, "-t", "xnnpack", "--format", "gexf")
    h = nx.read_gexf(io.BytesIO(gexf.encode()))
    assert h.nodes["sg0:op7"]["viz"]["color"] == {"r": 47, "g": 158, "b": 90, "a": 1.0}  # delegated: green


def test_json_is_node_link() -> None:
    doc = json.loads(graph_cli(PLANESTRIKE, "-t", "tflm", "--format", "json"))
    try:
        g = nx.node_link_graph(doc, edges="edges")  # networkx 3.4 and later
    except TypeError:
        g = nx.node_link_graph(doc, link="edges")
    assert g.is_multigraph() and g.number_of_nodes() == 21
    assert g.nodes["sg0:op2"]["targets"]["tflm"]["findings"][0]["code"] == "OPL201"


def test_dot_is_valid_graphviz(tmp_path: Path) -> None:
    dot = graph_cli(fixture("tflite/while_subgraph.tflite"), "-t", "tflm", "--format", "dot")
    assert dot.count("subgraph cluster_sg") == 3
    assert dot.startswith("// oplint graph") and dot.rstrip().endswith("}")
    exe = shutil.which("dot")
    if exe is None:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz; .ci/run does)")
    out = subprocess.run([exe, "-Tsvg"], input=dot, capture_output=True, text=True, check=True)
    assert out.stdout.count('class="node"') == sum(
        1 for line in dot.splitlines() if "[label=" in line and "->" not in line
    )


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    bad = runner().invoke(cli, ["graph", "--isolated", fixture("tflite/truncated.tflite")])
    assert bad.exit_code == 2 and bad.stderr.startswith("oplint: error: ") and bad.stderr.count("\n") == 1
    out = tmp_path / "g.graphml"
    ok = runner().invoke(cli, ["graph", "--isolated", PLANESTRIKE, "-o", str(out)])
    assert ok.exit_code == 0 and ok.stdout == "" and out.read_text().splitlines()[1].startswith("<graphml")


def test_names_that_are_not_xml_still_give_valid_files(tmp_path: Path) -> None:
    from fixtures.tflite_builder import Graph, Op, T, build

    odd = 'a\x01<b>&"c"QQ'  # a control character, markup, and (below) bytes that are not UTF-8
    path = tmp_path / "odd.tflite"
    tensors = [T("x"), T(odd)]
    path.write_bytes(build([Graph(tensors, [Op("RELU", [0], [1])], [0], [1])]).replace(b"QQ", b"\xff\xfe"))
    g = nx.parse_graphml(graph_cli(str(path), "-t", "tflite", "--format", "graphml"), force_multigraph=True)
    assert g.nodes["sg0:op0"]["name"].startswith('a\ufffd<b>&"c"')
    h = nx.read_gexf(io.BytesIO(graph_cli(str(path), "-t", "tflite", "--format", "gexf").encode()))
    assert h.nodes["sg0:op0"]["label"] == "0 RELU"
    assert '"sg0:op0" [label="0 RELU"' in graph_cli(str(path), "-t", "tflite", "--format", "dot")


def test_the_models_project_configuration_applies(tmp_path: Path) -> None:
    """As `oplint check` does: the closest pyproject.toml with [tool.oplint] above the model."""
    (tmp_path / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm", "xnnpack"]\n')
    model = tmp_path / "models" / "m.tflite"
    model.parent.mkdir()
    model.write_bytes(Path(PLANESTRIKE).read_bytes())
    result = runner().invoke(cli, ["graph", str(model), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["graph"]["targets"] == ["tflm", "xnnpack"]
    isolated = runner().invoke(cli, ["graph", "--isolated", str(model), "--format", "json"])
    assert json.loads(isolated.stdout)["graph"]["targets"] == ["tflite", "tflite-flex", "tflm"]
