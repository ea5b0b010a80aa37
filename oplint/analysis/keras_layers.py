"""What ``tf.lite.TFLiteConverter.from_keras_model`` makes of each layer of a Keras model.

The knowledge is ``rules/keras/layers.toml``: per layer class, rows with conditions (Keras
version, the layer's configuration, the shapes and dtypes it is called on, the layers around
it) and what the converter produced for them in the recorded conversions
(``fixtures/keras/VERDICTS.json``), each row naming the models that show it.  The TF ops a
layer keeps (``flex``) go through the TF-op fate table (``rules/tf/tf_ops.toml``): in the Select
TF allowlist they are Select TF ops, otherwise the converter rejects them.  Recurrent layers are
composed from the parts of ``[recurrent]`` (the loop, the cell, the batch dimension, ...), since
their ops follow from a handful of settings.  This module adds what crosses layer boundaries:
activations fused into the op before them, batch normalisation folded into an affine op, casts
between dtype policies, masks.

Nothing is evaluated.  A layer whose code is not in the file (a ``Lambda``, a class of your own)
is an ``opaque`` prediction, a built-in layer (or configuration, or activation) without a row an
``unknown`` one; the rules report both as errors, so that no model is called clean for a part
nobody predicted.  Rows apply to layers computing in float32 unless they name another dtype.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple

from ..core.model import Graph, Model, Op
from ..knowledge import load_toml, rules_dir
from ..readers.keras import compute_dtype
from . import keras_shapes
from .tf_fate import BUILTIN, FLEX, OPAQUE, PLUMBING, TENSORLIST, UNKNOWN, UNSUPPORTED, Prediction, table

#: ops a following ReLU/ReLU6 (with no other use of their output) becomes the fused activation of:
#: LiteRT@f6745779 tflite/converter/transforms/optimize_patterns.td:74-114 (convolutions, pools),
#: :570-591 (ADD, SUB, DIV, MUL), optimize_pass.cc:1747 and :3335-3336 (FULLY_CONNECTED).  Measured:
#: fixtures/keras conv_bn_relu, dense_bn, residual_block, activations_a, holdout h_bn_after_add;
#: TRANSPOSE_CONV, CONV_3D and a dilated convolution's BATCH_TO_SPACE_ND keep their RELU
FUSABLE = frozenset(
    {"FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "SUB", "DIV", "MUL"}
)
#: ops an inference batch normalisation right after them is folded into
AFFINE = frozenset({"FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"})
RECURRENT = frozenset({"LSTM", "GRU", "SimpleRNN", "ConvLSTM2D"})
FLOATS = frozenset({"float16", "float32"})
#: dtype policies other than float32 that change what a layer converts to (a preprocessing layer's
#: int64 or string ``dtype`` is its output type instead)
OTHER_COMPUTE = frozenset({"float16", "bfloat16", "float64", "int8", "int4", "float8"})
#: rows composed in code that handle the dtype policy themselves
SELF_TYPED = frozenset({"recurrent", "bidirectional", "activation"})
#: modules of Keras itself and its libraries: a class from anywhere else is your own code
KERAS_MODULES = ("keras", "tf_keras", "keras_hub", "keras_nlp", "keras_cv")
TENSORLIST_REASON = "the converter lowers a recurrent loop's TensorList ops only when the batch size is fixed"

_FLAGS = frozenset({"masked", "dims_dynamic", "dilated", "channels_first", "expands", "keeps_shape"})
_FACTS = frozenset({"batch", "rank", "compute", "input", "after", "before"})


class Cond(NamedTuple):
    """One condition of a row: ``key rel value``, or a flag; ``negate`` for ``!cond``."""

    key: str
    rel: str  #: "=", "!=", ">", "<"; "" for a flag
    value: Any
    negate: bool = False

    @classmethod
    def parse(cls, text: str) -> Cond:
        negate = text.startswith("!")
        body = text[1:] if negate else text
        m = re.fullmatch(r"([A-Za-z_]+)\s*(=|!=|>|<)\s*(.+)", body)
        if m is None:
            if body not in _FLAGS:
                raise ValueError(f"rules/keras/layers.toml: unknown condition {text!r}")
            return cls(body, "", None, negate)
        key, rel, raw = m.groups()
        value: Any = raw
        if key not in ("compute", "input", "after", "before"):
            value = _literal(raw)
        return cls(key, rel, value, negate)


def _literal(raw: str) -> Any:
    raw = raw.strip()
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


class Row(NamedTuple):
    """One row of the layer table."""

    classes: frozenset[str]
    keras: int | None  #: 2 (tf_keras) or 3; None: both
    when: tuple[Cond, ...]
    ops: tuple[str, ...] = ()  #: TFLite builtins, repeated as often as the converter made them
    flex: tuple[str, ...] = ()  #: TF ops the converter keeps (Select TF ops when allowlisted)
    fails: str | None = None  #: the converter rejects this configuration in every mode
    activation: str = (
        "separate"  #: the layer's own ``activation``: "fused" (relu, relu6 fold into the op) or "separate"
    )
    special: str | None = None  #: composed in code: batchnorm, activation, recurrent, bidirectional, timedistributed
    evidence: tuple[str, ...] = ()  #: model ids of fixtures/keras/VERDICTS.json
    note: str | None = None
    source: str | None = None  #: where a row without recorded evidence comes from

    @property
    def any_compute(self) -> bool:
        """Whether the row says which dtype policy it is for (else: float32 only)."""
        return any(c.key == "compute" for c in self.when)


class Activation(NamedTuple):
    ops2: tuple[str, ...]  #: tf_keras
    ops3: tuple[str, ...]  #: Keras 3
    tf: tuple[str, ...]  #: the TF ops it is (a float16 layer keeps them as Select TF ops)
    fusable: bool

    def ops(self, kv: int) -> list[str]:
        return list(self.ops2 if kv == 2 else self.ops3)


class Table(NamedTuple):
    rows: Mapping[str, tuple[Row, ...]]
    activations: Mapping[str, Activation]
    recurrent: Mapping[str, Any]
    opaque: frozenset[str]
    builtin: frozenset[str]  #: every layer class Keras itself exports (rules/keras/builtin_layers.toml)


@cache
def layer_table() -> Table:
    raw = load_toml(rules_dir() / "keras" / "layers.toml")
    rows: dict[str, list[Row]] = {}
    for item in raw.get("layer", ()):
        classes = item["class"] if isinstance(item["class"], list) else [item["class"]]
        row = Row(
            classes=frozenset(classes),
            keras=item.get("keras"),
            when=tuple(Cond.parse(c) for c in item.get("when", ())),
            ops=tuple(item.get("ops", ())),
            flex=tuple(item.get("flex", ())),
            fails=item.get("fails"),
            activation=item.get("activation", "separate"),
            special=item.get("special"),
            evidence=tuple(item.get("evidence", ())),
            note=item.get("note"),
            source=item.get("source"),
        )
        for cls in classes:
            rows.setdefault(cls, []).append(row)
    activations = {}
    for name, item in raw.get("activation", {}).items():
        ops = tuple(item.get("ops", ()))
        activations[name] = Activation(
            tuple(item.get("keras2", ops)),
            tuple(item.get("keras3", ops)),
            tuple(item.get("tf", ())),
            bool(item.get("fusable", False)),
        )
    known = load_toml(rules_dir() / "keras" / "builtin_layers.toml")
    builtin = frozenset(name for part in known.values() if isinstance(part, dict) for name in part.get("classes", ()))
    return Table(
        {k: tuple(v) for k, v in rows.items()},
        activations,
        raw.get("recurrent", {}),
        frozenset(raw.get("opaque", {}).get("classes", ())),
        builtin,
    )


def keras_major(model: Model) -> int:
    """2 for tf_keras (Keras 2), 3 for Keras 3: from the version the file records, else from the
    configuration's style (tf_keras writes ``batch_input_shape``, Keras 3 ``batch_shape``)."""
    version = model.saved_by.get("keras_version", "")
    if version[:2] in ("2.", "1."):
        return 2
    if version[:1] == "3":
        return 3
    for op in model.graphs[0].ops:
        if "batch_input_shape" in _config(op):
            return 2
    return 3


def _config(op: Op) -> Mapping[str, Any]:
    cfg = op.options.get("config")
    return cfg if isinstance(cfg, dict) else {}


def _sub(value: Any) -> Mapping[str, Any]:
    """A nested layer (``{"class_name": ..., "config": ...}``), or an empty mapping."""
    return value if isinstance(value, dict) else {}


def _class_of(layer: Mapping[str, Any]) -> str:
    cls = layer.get("class_name")
    return cls.rsplit(">", 1)[-1] if isinstance(cls, str) else "?"


# -- facts about one layer call --------------------------------------------------------------


class Facts(NamedTuple):
    """What a row's conditions test for one call."""

    kv: int
    config: Mapping[str, Any]
    shape: tuple[int, ...] | None  #: of the first input
    in_dtype: str
    compute: str
    masked: bool = False
    after: str | None = None  #: "affine" / "fusable": the input is the only use of such an op's output
    before: frozenset[str] = frozenset()  #: the classes of the layers reading the output
    out_shape: tuple[int, ...] | None = None  #: of the first output

    def holds(self, cond: Cond) -> bool:
        return self._holds(cond) != cond.negate

    def _holds(self, cond: Cond) -> bool:
        key, rel, value = cond.key, cond.rel, cond.value
        if not rel:
            return self._flag(key)
        if key == "batch":
            b = self.shape[0] if self.shape else None
            if value in ("dynamic", "static"):
                ok = b is not None and (b < 0) == (value == "dynamic")
                return ok if rel == "=" else not ok
            return b is not None and b >= 0 and _compare(b, rel, value)
        if key == "rank":
            return self.shape is not None and _compare(len(self.shape), rel, value)
        if key == "compute":
            return _compare(self.compute, rel, value)
        if key == "input":
            return _compare(self.in_dtype, rel, value)
        if key == "after":
            return _compare(self.after or "", rel, value)
        if key == "before":
            ok = bool(self.before) and self.before <= frozenset(str(value).split("|"))
            return ok if rel == "=" else not ok
        return _compare(self.config.get(key), rel, value)

    def _flag(self, name: str) -> bool:
        if name == "masked":
            return self.masked
        if name == "dims_dynamic":
            return self.shape is not None and any(d < 0 for d in self.shape[1:])
        if name == "dilated":
            d = self.config.get("dilation_rate")
            return any(isinstance(v, int) and v > 1 for v in (d if isinstance(d, list) else [d]))
        if name == "expands":  # the output has more dimensions than the input
            return self.shape is not None and self.out_shape is not None and len(self.out_shape) > len(self.shape)
        if name == "keeps_shape":  # the output has the input's shape
            return self.shape is not None and self.shape == self.out_shape
        return self.config.get("data_format") == "channels_first"  # channels_first

    def matches(self, row: Row) -> bool:
        if row.keras is not None and row.keras != self.kv:
            return False
        return all(self.holds(c) for c in row.when)


def _compare(left: Any, rel: str, right: Any) -> bool:
    if rel == "=":
        return bool(left == right)
    if rel == "!=":
        return bool(left != right)
    if isinstance(left, bool) or not isinstance(left, (int, float)) or not isinstance(right, (int, float)):
        return False
    return left > right if rel == ">" else left < right


# -- predictions ---------------------------------------------------------------------------------


class LayerResult(NamedTuple):
    """What one layer call becomes."""

    parts: tuple[Prediction, ...]
    row: Row | None
    ops: Counter[str]  #: every TFLite op predicted for it (builtins, and ``Flex<TF op>`` for Select TF ops)


def predictions(model: Model) -> tuple[tuple[Graph, Op, Prediction], ...]:
    """Every layer call with each part of its prediction."""
    results = layer_results(model)
    graph = model.graphs[0]
    return tuple((graph, op, part) for op in graph.ops for part in results[op.index].parts)


def predicted_ops(model: Model) -> Counter[str]:
    """The TFLite ops (``Flex<op>`` for Select TF ops) the whole model is predicted to convert to."""
    total: Counter[str] = Counter()
    for result in layer_results(model).values():
        total.update(result.ops)
    return total


def layer_results(model: Model) -> dict[int, LayerResult]:
    """Layer call (op index) -> what it becomes (computed once per model)."""
    return model.derived("keras-layers", lambda: _Predictor(model).run())


class _Parts:
    """What a layer is found to become, gathered before it is turned into predictions."""

    __slots__ = ("fails", "flex", "opaque", "ops", "tensorlist", "unknown")

    def __init__(self) -> None:
        self.ops: list[str] = []
        self.flex: list[str] = []
        self.tensorlist: tuple[str, ...] = ()
        self.fails: str | None = None
        self.unknown: str | None = None
        self.opaque: str | None = None

    def add(self, other: _Parts) -> None:
        self.ops += other.ops
        self.flex += other.flex
        self.tensorlist = self.tensorlist or other.tensorlist
        self.fails = self.fails or other.fails
        self.unknown = self.unknown or other.unknown
        self.opaque = self.opaque or other.opaque


class _Predictor:
    def __init__(self, model: Model) -> None:
        self.graph = model.graphs[0]
        self.kv = keras_major(model)
        self.table = layer_table()
        self.shapes = keras_shapes.infer(model)
        #: tensor -> (the last op predicted for the layer that computes it, that layer's op index)
        self.anchor: dict[int, tuple[str, int] | None] = {}
        self.fused: set[int] = set()  #: layers whose last op has taken an activation already
        self.masked: set[int] = set()  #: tensors that carry a Keras mask
        self.dtype: dict[int, str] = {t.index: t.dtype for t in self.graph.tensors}

    def run(self) -> dict[int, LayerResult]:
        return {op.index: self.layer(op) for op in self.graph.ops}

    # -- facts -----------------------------------------------------------------------------------
    def facts(self, op: Op) -> Facts:
        x = op.inputs[0] if op.inputs and op.inputs[0] >= 0 else None
        after = None
        if x is not None:
            anchor = self.anchor.get(x)
            if anchor is not None and len(self.graph.consumers.get(x, ())) == 1:
                kind, owner = anchor
                if owner not in self.fused:
                    after = "affine" if kind in AFFINE else "fusable" if kind in FUSABLE else None
                elif kind in AFFINE:
                    after = "affine"  # folding a batch norm into it does not need a free activation
        before = frozenset(u.kind for t in op.outputs for u in self.graph.consumers.get(t, ()))
        return Facts(
            kv=self.kv,
            config=_config(op),
            shape=self.shapes.get(x) if x is not None else None,
            in_dtype=self.dtype.get(x, "?") if x is not None else "?",
            compute=compute_dtype(_config(op).get("dtype")),
            masked=x is not None and x in self.masked,
            after=after,
            before=before,
            out_shape=self.shapes.get(op.outputs[0]) if op.outputs else None,
        )

    def row(self, cls: str, facts: Facts) -> Row | None:
        for row in self.table.rows.get(cls, ()):
            if facts.matches(row):
                if (
                    facts.compute in OTHER_COMPUTE
                    and not row.any_compute
                    and (row.ops or row.flex)
                    and row.special not in SELF_TYPED
                ):
                    return None  # a float16 / quantized layer needs a row that says so
                return row
        return None

    def opaque(self, cls: str, name: str, options: Mapping[str, Any]) -> str | None:
        """Why oplint cannot see inside this layer (None: it can)."""
        if options.get("subclassed_model"):
            return f"subclassed model '{cls}': its layers are in its Python code, not in the file"
        if cls in self.table.opaque:
            return f"{cls} layer '{name}': oplint does not run its code and cannot see inside it"
        module = options.get("module")
        registered = options.get("registered_name")
        if isinstance(registered, str) and ">" in registered:
            return f"custom layer '{cls}' ({registered}) '{name}': oplint cannot see inside it"
        if isinstance(module, str) and module.split(".", 1)[0] not in KERAS_MODULES:
            return f"custom layer '{cls}' (from {module}) '{name}': oplint cannot see inside it"
        if cls not in self.table.builtin and cls not in self.table.rows and not cls.endswith("OpLambda"):
            return f"custom layer '{cls}' '{name}': not a Keras layer; oplint cannot see inside it"
        return None

    # -- one layer call ------------------------------------------------------------------------
    def layer(self, op: Op) -> LayerResult:
        facts = self.facts(op)
        parts = _Parts()
        parts.opaque = self.opaque(op.kind, op.name, op.options)
        module = op.options.get("module")
        operation = isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops"))
        row = None if parts.opaque or operation else self.row(op.kind, facts)
        anchor_kind: str | None = None
        passthrough = False
        if parts.opaque is None and row is None:
            parts.unknown = self.why_unknown(op.kind, facts, module)
        elif row is not None:
            parts.ops += row.ops
            parts.flex += row.flex
            parts.fails = row.fails
            anchor_kind = row.ops[-1] if row.ops else None
            if row.special == "batchnorm":
                passthrough = facts.after == "affine"
                if passthrough:
                    parts.ops = []
            elif row.special == "activation":
                act, fused = self.activation(_activation_name(op.kind, facts.config), facts, standalone=True)
                parts.add(act)
                passthrough = fused
                anchor_kind = act.ops[-1] if act.ops else None
            elif row.special == "recurrent":
                parts.add(self.rnn(op.kind, facts.config, facts))
            elif row.special == "bidirectional":
                parts.add(self.bidirectional(facts))
            elif row.special == "timedistributed":
                parts.add(self.timedistributed(op, facts))
            elif "activation" in facts.config:
                act, _ = self.activation(_activation_name(op.kind, facts.config), facts, own=row.activation == "fused")
                parts.add(act)
                anchor_kind = act.ops[-1] if act.ops else anchor_kind
            parts.ops += self.casts(facts)
            if facts.shape is not None and all(d >= 0 for d in facts.shape):
                # a static shape change is a RESHAPE (the converter's canonicalization; cf. tf_fate
                # _fusions; measured: holdout2:*/h2_conv1d_gru_batch1)
                parts.ops = ["RESHAPE" if o in ("EXPAND_DIMS", "SQUEEZE") else o for o in parts.ops]
        result = self.assemble(parts, row)
        x = op.inputs[0] if op.inputs else -1
        if passthrough and x >= 0:
            anchor = self.anchor.get(x)
            for t in op.outputs:
                self.anchor[t] = anchor
            if row is not None and row.special == "activation" and anchor is not None:
                self.fused.add(anchor[1])
        else:
            for t in op.outputs:
                self.anchor[t] = (anchor_kind, op.index) if anchor_kind else None
            own = _activation_name(op.kind, facts.config)
            if row is not None and row.activation == "fused" and own in ("relu", "relu6"):
                self.fused.add(op.index)
        self.track_mask(op, facts.config)
        return result

    def why_unknown(self, cls: str, facts: Facts, module: object = None) -> str:
        function = facts.config.get("function")
        if isinstance(function, str):  # tf_keras TFOpLambda / SlicingOpLambda: a TF function by name
            return f"no prediction for the TF function {function[:80]!r} called on Keras tensors"
        if isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops")):
            return f"no prediction for the Keras operation {cls} ({module}) called on Keras tensors"
        if cls not in self.table.rows:
            return f"no prediction for {cls} layers"
        if facts.compute in OTHER_COMPUTE:
            return f"no prediction for a {cls} layer computing in {facts.compute}"
        return f"no prediction for this {cls} configuration (Keras {self.kv})"

    def activation(self, name: str, facts: Facts, own: bool = False, standalone: bool = False) -> tuple[_Parts, bool]:
        """An activation function's ops, and whether it is fused into the op before it.  ``own``:
        the ``activation`` argument of a layer whose row fuses relu/relu6 into its op."""
        parts = _Parts()
        if name == "linear":
            return parts, False
        if ">" in name:  # a function registered by your own code (register_keras_serializable)
            parts.opaque = f"custom activation '{name}': oplint cannot see inside it"
            return parts, False
        act = self.table.activations.get(name)
        if act is None:
            parts.unknown = f"no prediction for the activation {name!r}"
            return parts, False
        if facts.compute == "float16":
            if act.tf:
                parts.flex += act.tf
            else:
                parts.unknown = f"no prediction for the activation {name!r} in float16"
            return parts, False
        if act.fusable and (own or (standalone and facts.after in ("affine", "fusable"))):
            return parts, True
        parts.ops += act.ops(self.kv)
        return parts, False

    def casts(self, facts: Facts) -> list[str]:
        """Keras casts a layer's floating input to the dtype it computes in (autocast)."""
        if facts.in_dtype in FLOATS and facts.compute in FLOATS and facts.in_dtype != facts.compute:
            return ["CAST"]
        return []

    def track_mask(self, op: Op, cfg: Mapping[str, Any]) -> None:
        """Masks start at Masking and Embedding(mask_zero=True) and flow through shape-keeping
        layers and recurrent layers that return sequences."""
        carries = op.kind == "Masking" or (op.kind == "Embedding" and cfg.get("mask_zero") is True)
        if not carries and op.inputs and op.inputs[0] in self.masked:
            if op.kind in RECURRENT or op.kind == "Bidirectional":
                carries = bool(cfg.get("return_sequences") or _sub(cfg.get("layer")).get("return_sequences"))
            else:
                carries = op.kind in keras_shapes.SAME_SHAPE or op.kind in ("Dense", "TimeDistributed")
        if carries:
            self.masked.update(op.outputs[:1])

    def assemble(self, parts: _Parts, row: Row | None) -> LayerResult:
        out: list[Prediction] = []
        counted: Counter[str] = Counter(parts.ops)
        if parts.opaque:
            return LayerResult((Prediction(OPAQUE, (), parts.opaque),), None, Counter())
        if parts.unknown:
            out.append(Prediction(UNKNOWN, (), parts.unknown))
        if parts.fails:
            out.append(Prediction(UNSUPPORTED, (), parts.fails))
        if parts.ops:
            out.append(Prediction(BUILTIN, tuple(dict.fromkeys(parts.ops))))
        fates = table()
        kept = list(dict.fromkeys(parts.flex))
        allowed = tuple(t for t in kept if t in fates and fates[t].flex)
        rejected = tuple(t for t in kept if t not in allowed)
        if allowed:
            out.append(Prediction(FLEX, (), None, None, allowed))
        if rejected:
            out.append(Prediction(UNSUPPORTED, (), "not in the Select TF allowlist", None, rejected))
        counted.update(f"Flex{t}" for t in parts.flex)
        if parts.tensorlist:
            out.append(Prediction(TENSORLIST, (), TENSORLIST_REASON, None, parts.tensorlist))
            counted.update(f"Flex{t}" for t in parts.tensorlist)
        if not out:
            reason = (row.note if row is not None else None) or "removed by the converter"
            out.append(Prediction(PLUMBING, (), reason))
        return LayerResult(tuple(out), row, counted)

    # -- recurrent layers ----------------------------------------------------------------------
    def rnn(self, cls: str, cfg: Mapping[str, Any], facts: Facts) -> _Parts:
        """A recurrent layer, composed from the parts of ``[recurrent]``."""
        rec = self.table.recurrent
        kv = f"keras{self.kv}"
        parts = _Parts()
        cell = rec.get("cell", {}).get("ConvLSTM" if cls.startswith("ConvLSTM") else cls)
        if cell is None:
            parts.unknown = f"no prediction for {cls} layers"
            return parts

        def pick(value: Any) -> list[str]:
            """A part: one list for both versions, or a table of keras2 / keras3 lists."""
            if isinstance(value, dict):
                value = value.get(kv, value.get("ops"))
            return [str(v) for v in value] if isinstance(value, list) else []

        shape = facts.shape
        dynamic = shape is None or not shape or shape[0] < 0
        seq = cfg.get("return_sequences") is True
        backwards = cfg.get("go_backwards") is True
        unroll = cfg.get("unroll") is True
        stateful = cfg.get("stateful") is True
        rdrop = isinstance(cfg.get("recurrent_dropout"), (int, float)) and cfg["recurrent_dropout"] > 0
        use_bias = cfg.get("use_bias", True) is not False
        if facts.compute == "float16":
            f16 = rec.get("float16", {})
            parts.ops += pick(f16)
            parts.flex += f16.get("flex", []) + ([] if seq else f16.get("last_flex", []))
            parts.tensorlist = tuple(rec["tensorlist"]) if dynamic else ()
            return parts
        if facts.compute in OTHER_COMPUTE:
            parts.unknown = f"no prediction for a {cls} layer computing in {facts.compute}"
            return parts
        fused = rec.get("fused", {}).get(kv, {}).get(cls)
        if (
            fused is not None
            and not dynamic
            and not (unroll or stateful or rdrop or facts.masked)
            and use_bias
            and cfg.get("activation", "tanh") == "tanh"
            and cfg.get("recurrent_activation", "sigmoid") == "sigmoid"
        ):
            parts.ops += pick(fused) + ([] if seq else rec["last"]) + (rec["backwards"] if backwards else [])
            return parts
        ops = pick(cell)
        if rdrop:
            ops = [o for o in ops if o not in cell.get("recurrent_dropout_drops", [])]
            ops += pick(rec.get("recurrent_dropout"))
        extras = cell.get("extras", {})
        if cfg.get("reset_after", True) is False:
            ops += pick(extras.get("reset_before"))
        if unroll:
            ops += pick(extras.get("unrolled"))
        for attr, default in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
            if attr in cell.get("activations", ()):
                name = cfg.get(attr, default)
                name = name if isinstance(name, str) else "?"
                act = self.table.activations.get(f"{name}_cell") or self.table.activations.get(name)
                if act is None:
                    parts.unknown = f"no prediction for the {attr} {name!r} of a {cls} layer"
                elif not (act.fusable and cell.get("fuses_activation")):
                    ops += act.ops(self.kv)
        if stateful:
            ops += pick(rec["stateful"])
        if unroll and not dynamic:  # the zero state is a constant; the time-major transpose of one batch row a reshape
            batch1 = shape is not None and shape[0] == 1
            ops += pick(rec["unrolled_static_batch1"] if batch1 else rec["unrolled_static_batchn"])
            ops += pick(rec["unrolled_sequences"]) if seq else []
        elif unroll:
            ops += pick(rec["unrolled"]) + (pick(rec["unrolled_sequences"]) if seq else [])
        else:
            ops += pick(rec["loop"])
            if dynamic:
                ops += pick(cell.get("dynamic", rec["dynamic"]))
                parts.tensorlist = tuple(rec["tensorlist"])
                if facts.masked:
                    ops += pick(rec["masked_dynamic"])
            else:
                ops += pick(rec["static"])
                if any(d < 0 for d in shape[1:]):  # type: ignore[index]
                    ops += pick(rec["static_dims_dynamic"])
                else:
                    ops += pick(rec["static_batch1"] if shape and shape[0] == 1 else rec["static_batchn"])
                if seq:
                    ops += pick(rec["static_sequences"])
                if facts.masked:
                    ops += pick(rec["masked_static"])
            if not seq:
                ops += pick(rec["last"])
        if backwards:
            ops += pick(rec["backwards"])
        parts.ops += ops
        return parts

    def bidirectional(self, facts: Facts) -> _Parts:
        """A forward and a backward recurrent layer, their merge, and the backward sequence reversed back."""
        cfg = facts.config
        inner = _sub(cfg.get("layer"))
        backward = _sub(cfg.get("backward_layer")) or None
        cls = _class_of(inner)
        parts = _Parts()
        if cls not in RECURRENT:
            parts.unknown = f"no prediction for Bidirectional({cls})"
            return parts
        forward_cfg = dict(_sub(inner.get("config")))
        backward_cfg = dict(_sub((backward or inner).get("config")))
        if backward is None:  # Keras makes the backward layer from the forward one, reversed
            backward_cfg["go_backwards"] = not backward_cfg.get("go_backwards", False)
        for sub_cfg in (forward_cfg, backward_cfg):
            sub = facts._replace(config=sub_cfg, compute=compute_dtype(sub_cfg.get("dtype", cfg.get("dtype"))))
            parts.add(self.rnn(cls, sub_cfg, sub))
        merge = cfg.get("merge_mode", "concat")
        merged = self.table.recurrent.get("merge", {}).get(str(merge))
        if merged is None:
            parts.unknown = f"no prediction for Bidirectional(merge_mode={merge!r})"
        else:
            parts.ops += merged
        if forward_cfg.get("return_sequences") is True:
            parts.ops += self.table.recurrent["backwards"]  # the backward outputs are reversed back
        return parts

    def timedistributed(self, op: Op, facts: Facts) -> _Parts:
        """The inner layer, called on one time step (Keras 3: once per step)."""
        inner = _sub(facts.config.get("layer"))
        cls = _class_of(inner)
        inner_cfg = _sub(inner.get("config"))
        parts = _Parts()
        options = {"module": inner.get("module"), "registered_name": inner.get("registered_name")}
        if isinstance(inner.get("class_name"), str) and ">" in inner["class_name"]:
            options["registered_name"] = inner["class_name"]
        parts.opaque = self.opaque(cls, f"{op.name}/{inner_cfg.get('name', cls)}", options)
        if parts.opaque:
            return parts
        shape = facts.shape
        step = (shape[0], *shape[2:]) if shape is not None and len(shape) > 2 else None
        sub = Facts(self.kv, inner_cfg, step, facts.in_dtype, compute_dtype(inner_cfg.get("dtype")))
        row = self.row(cls, sub)
        if row is None or row.special is not None:
            parts.unknown = f"no prediction for TimeDistributed({cls})"
            return parts
        inner_parts = _Parts()
        inner_parts.ops += row.ops
        inner_parts.flex += row.flex
        inner_parts.fails = row.fails
        if "activation" in inner_cfg:
            act, _ = self.activation(_activation_name(cls, inner_cfg), sub, own=row.activation == "fused")
            inner_parts.add(act)
        steps = shape[1] if shape is not None and len(shape) > 1 else -1
        repeat = steps if self.kv == 3 and steps > 1 else 1  # Keras 3 unrolls the time steps (k3/timedistributed)
        parts.ops = inner_parts.ops * repeat
        parts.flex = inner_parts.flex * repeat
        parts.fails, parts.unknown = inner_parts.fails, inner_parts.unknown
        return parts


def _activation_name(cls: str, cfg: Mapping[str, Any]) -> str:
    """The activation function a layer applies: its ``activation`` argument, or for ReLU layers
    relu / relu6 / relu_general (a threshold, slope or another ceiling)."""
    if cls == "ReLU":
        max_value = cfg.get("max_value")
        if cfg.get("negative_slope") or cfg.get("threshold"):
            return "relu_general"
        if max_value is None:
            return "relu"
        return "relu6" if max_value == 6 else "relu_general"
    value = cfg.get("activation")
    if isinstance(value, dict):  # a serialized function: {"class_name": "function", "config": "relu"}
        inner = value.get("config")
        value = inner if isinstance(inner, str) else value.get("class_name")
    return value if isinstance(value, str) else "linear"
