"""``oplint predict`` agrees with ``oplint check``: an op fails a target in predict exactly when
a check flags it there."""

from __future__ import annotations

import pytest

from oplint.cli import cli
from oplint.knowledge.targets import available
from oplint.readers import load
from oplint.run.config import Config, parse_targets
from oplint.run.predict import plan
from tests.helpers import FIXTURES, ROOT, lint, runner

TF_CODES = {"OPL111", "OPL112", "OPL113", "OPL114", "OPL303"}
MODELS = sorted(
    p.name for p in (FIXTURES / "savedmodel").iterdir() if (p / "saved_model.pb").is_file() and p.name != "corrupt"
)


@pytest.mark.parametrize("name", MODELS)
def test_predict_fails_a_target_exactly_where_check_reports(name: str) -> None:
    model = load(str(FIXTURES / "savedmodel" / name))
    targets = Config().with_options(targets=parse_targets(available())).resolve_targets()
    lines = plan(model, targets, show_all=True)
    for target in targets:
        predicted = {line.example for line in lines if any(t == target.id for t, _ in line.failing)}
        findings = [f for f in lint(f"savedmodel/{name}", target.id) if f.code in TF_CODES]
        # A check reports a layer once; each of its ops is in predict's failing lines.
        assert bool(predicted) == bool(findings), (name, target.id, predicted, [str(f) for f in findings])


def test_an_op_a_delegate_has_no_kernel_for_fails_that_delegate_in_predict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = runner().invoke(cli, ["predict", "fixtures/savedmodel/rfft", "-t", "xnnpack", "-t", "tflite"])
    assert result.exit_code == 0, result.output
    line = next(s for s in result.stdout.splitlines() if s.startswith("RFFT "))
    assert "ok on tflite" in line and "fails xnnpack (RFFT2D: xnnpack has no kernel for it" in line
    check = runner().invoke(cli, ["check", "fixtures/savedmodel/rfft", "-t", "xnnpack"])
    assert "OPL303" in check.stdout
