"""The pre-commit hook, end to end with the real `pre-commit` tool (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pre_commit")
    repo = tmp_path_factory.mktemp("models_repo")
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    (repo / "models").mkdir()
    shutil.copy(FIXTURES / "tflite" / "conv_int8.tflite", repo / "models" / "kws_int8.tflite")
    shutil.copy(FIXTURES / "tflite" / "exp_int8.tflite", repo / "models" / "exp_int8.tflite")
    # a SavedModel as tf_keras writes it today (fingerprint.pb, keras_metadata.pb, variables/)
    shutil.copytree(FIXTURES / "savedmodel" / "keras_export", repo / "models" / "export")
    shutil.copytree(FIXTURES / "savedmodel" / "cumprod", repo / "models" / "flex_export")
    shutil.copy(FIXTURES / "keras" / "models" / "k3" / "lstm_last.keras", repo / "models" / "lstm.keras")
    shutil.copy(FIXTURES / "keras" / "models" / "tfk2" / "dense_mlp.h5", repo / "models" / "mlp.h5")
    (repo / "pyproject.toml").write_text('[tool.oplint]\ntargets = ["tflm"]\n')
    (repo / "README.md").write_text("not a model\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "models")
    return repo


def _try_repo(project: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"), "OPLINT_CACHE_DIR": ""}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "oplint", "--files", *files],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def test_hook_fails_on_a_model_the_target_cannot_run(project: Path) -> None:
    result = _try_repo(project, "models/exp_int8.tflite", "README.md")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "OPL201 [tflm] EXP" in result.stdout
    assert "README.md" not in result.stdout.split("oplint", 1)[-1]  # not a model: not passed to the hook


def test_hook_passes_on_a_model_that_runs(project: Path) -> None:
    result = _try_repo(project, "models/kws_int8.tflite")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_changed_files_of_a_savedmodel_check_that_savedmodel_once(project: Path) -> None:
    changed = [
        "models/export/fingerprint.pb",
        "models/export/keras_metadata.pb",
        "models/export/saved_model.pb",
        "models/export/variables/variables.index",
        "models/export/variables/variables.data-00000-of-00001",
    ]
    result = _try_repo(project, *changed, "--verbose")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OPL006" not in result.stdout and "GraphDef" not in result.stdout  # never read as GraphDefs
    assert "All checks passed: 1 model, targets tflm." in result.stdout, result.stdout


def test_a_savedmodel_the_target_cannot_run_fails_the_commit(project: Path) -> None:
    result = _try_repo(project, "models/flex_export/saved_model.pb", "models/flex_export/variables/variables.index")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("OPL111 [tflm] Cumprod") == 1, result.stdout  # one SavedModel, one report


def test_hook_checks_keras_models(project: Path) -> None:
    result = _try_repo(project, "models/lstm.keras", "models/mlp.h5")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "models/lstm.keras:sg0:op0: OPL116 [tflm] LSTM layer 'lstm'" in result.stdout
    assert "models/mlp.h5: passes tflm" in result.stdout  # checked too, and it runs there
