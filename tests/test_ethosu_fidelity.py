"""Ethos-U verdicts agree with Vela 5.2 op by op on the oracle and corpus models (../shared).

The table path runs everywhere ../shared is; the Vela path compiles ~400 models twice (about
seven minutes, then cached) and runs when ``OPLINT_VELA_FIDELITY=1`` and Vela is installed.
"""

from __future__ import annotations

import os

import pytest

from oplint.delegates import ethosu
from oplint.delegates.ethosu import vela
from tests import fidelity_ethosu as fid

needs_truth = pytest.mark.skipif(not fid.available(), reason="../shared (oracle and corpus) is not present")


def check(result: fid.Fidelity) -> None:
    for target in fid.TOOLS:
        assert result.ops[target] > 4000, "the corpus should hold thousands of ops"
        assert result.agreement(target) >= 0.99, fid.report(result, "")
    unexplained = [d for d in result.differences if d.explained is None]
    assert not unexplained, fid.report(result, "")
    assert not any(k == "Vela compiles, oplint fails" for _t, k in result.files), result.files


@needs_truth
def test_tables_agree_with_vela_per_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "tables")
    check(fid.compare("tables"))


@needs_truth
@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("OPLINT_VELA_FIDELITY") != "1" or vela.find_vela() is None,
    reason="set OPLINT_VELA_FIDELITY=1 with Vela installed to compile the corpus with Vela",
)
def test_vela_path_agrees_with_the_recorded_vela(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ethosu.BACKEND_ENV, "vela")
    check(fid.compare("vela"))
