"""oplint on Keras models against the real ``TFLiteConverter.from_keras_model`` (no TF needed here).

``fixtures/keras/VERDICTS.json`` records what TensorFlow 2.21.0's converter did with each model of
the corpus (tf_keras 2.21.0 and Keras 3.15.1, ``.keras`` and ``.h5``), with builtins only and with
Select TF ops; ``fixtures/keras/holdout/VERDICTS.json`` the same for a first holdout set, whose
conversions were recorded after the layer table (``rules/keras/layers.toml``) was written (and
then used to correct it), ``fixtures/keras/holdout2/VERDICTS.json`` for a second one, recorded
after that correction and not used as evidence.  Per model, every saved file is checked, and a
model agrees when all of its files do:

* **verdict**: oplint's ``tflite`` target is ok exactly when the builtins-only conversion
  succeeded; ``tflite-flex`` exactly when the Select TF conversion did.  A *false clean* is ok
  where the converter failed.
* **op set**: the TFLite ops oplint predicts (``Flex<op>`` for Select TF ops) are the converted
  model's op kinds (builtins mode, or Select TF mode when builtins failed; when both failed, a
  prediction that the converter rejects the model).

A model with a layer whose code oplint cannot see (Lambda, custom class, subclassed model:
OPL115) is *opaque*: oplint reports it on every target and predicts none of its ops, so its op
set never counts as a match.

    python -m tests.fidelity_keras
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from oplint.analysis.keras_layers import layer_results, predicted_ops
from oplint.analysis.tf_fate import OPAQUE, UNSUPPORTED
from oplint.readers import ModelError, load
from tests.helpers import FIXTURES, lint

CORPUS = FIXTURES / "keras" / "VERDICTS.json"
HOLDOUT = FIXTURES / "keras" / "holdout" / "VERDICTS.json"
HOLDOUT2 = FIXTURES / "keras" / "holdout2" / "VERDICTS.json"


class FileResult(NamedTuple):
    path: str
    opaque: bool
    tflite_ok: bool  #: oplint's tflite verdict
    flex_ok: bool  #: oplint's tflite-flex verdict
    ops: frozenset[str]
    rejects: bool  #: oplint predicts a conversion failure in every mode


class ModelResult(NamedTuple):
    id: str
    files: tuple[FileResult, ...]
    builtins_ok: bool  #: the converter, builtins only
    select_ok: bool  #: the converter, with Select TF ops
    truth_ops: frozenset[str] | None  #: None: both modes failed

    @property
    def opaque(self) -> bool:
        return any(f.opaque for f in self.files)

    @property
    def verdict_agrees(self) -> bool:
        return all(f.tflite_ok == self.builtins_ok for f in self.files)

    @property
    def flex_agrees(self) -> bool:
        return all(f.flex_ok == self.select_ok for f in self.files)

    @property
    def false_clean(self) -> bool:
        return any((f.tflite_ok and not self.builtins_ok) or (f.flex_ok and not self.select_ok) for f in self.files)

    @property
    def ops_agree(self) -> bool:
        if self.opaque:
            return False
        if self.truth_ops is None:
            return all(f.rejects for f in self.files)
        return all(f.ops == self.truth_ops for f in self.files)


def _ok(findings: list[Any]) -> bool:
    return not any(f.severity.label == "error" for f in findings)


def check_file(path: Path) -> FileResult:
    rel = str(path.relative_to(FIXTURES))
    try:
        model = load(str(path))
    except ModelError:
        return FileResult(rel, False, False, False, frozenset(), False)
    parts = [p for r in layer_results(model).values() for p in r.parts]
    return FileResult(
        rel,
        any(p.fate == OPAQUE for p in parts),
        _ok(lint(rel, "tflite")),
        _ok(lint(rel, "tflite-flex")),
        frozenset(predicted_ops(model)),
        any(p.fate == UNSUPPORTED and not p.tf_ops for p in parts),
    )


def compare(verdicts: Path) -> list[ModelResult]:
    data = json.loads(verdicts.read_text(encoding="utf-8"))
    root = FIXTURES / "keras"  # the files' paths are relative to fixtures/keras/ in both recordings
    out = []
    for rec in data["models"]:
        if rec.get("build", {}).get("status") != "ok":
            continue
        files = tuple(
            check_file(root / f["path"]) for f in rec["files"].values() if f.get("status") == "ok" and f.get("path")
        )
        builtins, select = rec["convert"]["builtins"], rec["convert"]["select_tf"]
        ref = builtins if builtins["status"] == "ok" else select
        truth = frozenset(ref["op_counts"]) if ref["status"] == "ok" else None
        out.append(ModelResult(rec["id"], files, builtins["status"] == "ok", select["status"] == "ok", truth))
    return out


class Numbers(NamedTuple):
    models: int
    files: int
    opaque: int
    verdict: int  #: tflite verdict agrees (all models)
    verdict_predicted: int  #: ... on the models without opaque layers
    flex: int
    false_clean: int
    ops: int  #: op set matches (opaque models count as misses)
    predicted: int  #: models without opaque layers

    @property
    def ops_share(self) -> float:
        return self.ops / self.models if self.models else 0.0


def numbers(results: list[ModelResult]) -> Numbers:
    predicted = [r for r in results if not r.opaque]
    return Numbers(
        models=len(results),
        files=sum(len(r.files) for r in results),
        opaque=len(results) - len(predicted),
        verdict=sum(r.verdict_agrees for r in results),
        verdict_predicted=sum(r.verdict_agrees for r in predicted),
        flex=sum(r.flex_agrees for r in results),
        false_clean=sum(r.false_clean for r in results),
        ops=sum(r.ops_agree for r in results),
        predicted=len(predicted),
    )


def report(name: str, results: list[ModelResult]) -> str:
    n = numbers(results)
    lines = [
        f"{name}: {n.models} models ({n.files} files), {n.opaque} with opaque layers",
        f"  tflite verdict agrees: {n.verdict}/{n.models} ({n.verdict_predicted}/{n.predicted} without opaque layers); "
        f"tflite-flex: {n.flex}/{n.models}; false clean: {n.false_clean}",
        f"  op set matches: {n.ops}/{n.models} ({n.ops_share:.1%}; {n.ops}/{n.predicted} of the predicted models)",
    ]
    for r in results:
        if r.opaque:
            lines.append(f"  opaque   {r.id}: converter builtins {'ok' if r.builtins_ok else 'failed'}")
        elif not (r.verdict_agrees and r.flex_agrees and r.ops_agree):
            for f in r.files:
                missing = sorted((r.truth_ops or frozenset()) - f.ops)
                extra = sorted(f.ops - (r.truth_ops or frozenset()))
                lines.append(
                    f"  differs  {f.path}: tflite {f.tflite_ok} vs {r.builtins_ok}, flex {f.flex_ok} vs {r.select_ok}; "
                    f"missing {missing} extra {extra}"
                )
    return "\n".join(lines)


def main() -> None:
    print(report("corpus (fixtures/keras/VERDICTS.json)", compare(CORPUS)))
    print(report("first holdout (fixtures/keras/holdout/VERDICTS.json)", compare(HOLDOUT)))
    if HOLDOUT2.exists():
        print(report("second holdout (fixtures/keras/holdout2/VERDICTS.json)", compare(HOLDOUT2)))


if __name__ == "__main__":
    main()
