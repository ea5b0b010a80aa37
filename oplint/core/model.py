"""The typed model every reader produces and every rule reads.

One vocabulary-neutral shape for .tflite flatbuffers, SavedModels and GraphDefs:
a :class:`Model` holds :class:`Graph` s (TFLite subgraphs, or TF functions), each with its
:class:`Op` s in execution order and its :class:`Tensor` s.  Everything is immutable.  The
networkx view (:attr:`Model.nx`) is built on first use only, so rules that just iterate ops
never import networkx.

The records are typed ``NamedTuple`` s rather than frozen dataclasses: defining a frozen
dataclass costs ~1.2 ms of start-up and building one ~3.5 us, against ~0.2 ms and ~1.5 us
for a NamedTuple (measured here), which matters for a cold ``oplint check`` and for models
with tens of thousands of tensors.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    import networkx

EMPTY: Mapping[Any, Any] = MappingProxyType({})
T = TypeVar("T")

FLEX_PREFIX = "Flex"  # LiteRT tflite/util.h kFlexCustomCodePrefix


class Quantization(NamedTuple):
    """Quantization parameters of one tensor (values, never weights)."""

    scales: tuple[float, ...] = ()
    zero_points: tuple[int, ...] = ()
    quantized_dimension: int = 0
    scale_count: int = 0  #: full length, even when ``scales`` was capped
    zero_point_count: int = 0
    details: str | None = None  #: "blockwise", "multiaxis" or "custom" (QuantizationDetails union)

    @property
    def per_channel(self) -> bool:
        return self.scale_count > 1

    @property
    def is_set(self) -> bool:
        """Whether the tensor really is quantized (has at least one scale or special details)."""
        return self.scale_count > 0 or self.details is not None

    def bad_scales(self) -> list[float]:
        scales = self.scales
        # fast path (C loops): a finite sum rules out NaN and infinities, min() > 0 the rest
        if not scales or (min(scales) > 0.0 and math.isfinite(sum(scales))):
            return []
        return [s for s in scales if not (s > 0.0 and math.isfinite(s))]


class Tensor(NamedTuple):
    index: int  # type: ignore[assignment]  # a field named like tuple.index, kept for readability
    name: str
    dtype: str  #: lower case: "float32", "int8", "int16", "uint8", "bool", "string", "resource", ...
    shape: tuple[int, ...] | None  #: None = rank unknown
    shape_signature: tuple[int, ...] | None = None  #: -1 = dynamic dimension (tflite shape_signature)
    is_const: bool = False  #: has constant data (a buffer with bytes, or a TF Const)
    is_variable: bool = False
    quant: Quantization | None = None
    sparse: bool = False
    buffer: int = 0

    @property
    def quantized(self) -> bool:
        return self.quant is not None and self.quant.is_set

    @property
    def dynamic(self) -> bool:
        sig = self.shape_signature if self.shape_signature is not None else self.shape
        return sig is None or any(d < 0 for d in sig)

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    def describe(self) -> str:
        shape = (
            "?" if self.shape is None else "x".join(str(d) for d in (self.shape_signature or self.shape)) or "scalar"
        )
        return f"{self.name or '#' + str(self.index)} ({self.dtype}[{shape}])"


class Origin(NamedTuple):
    """Where an op came from in the model the user wrote: the TF node, its Keras layer, the
    Python line that created it (SavedModel debug info).  Set on ops read from a SavedModel or
    GraphDef, and on the TFLite ops predicted from them.  For a Keras model, each op is one
    call of a layer: ``node`` is the layer's path (``outer/inner/conv``), ``op_type`` its class
    and ``pointer`` where its configuration is in the file."""

    node: str  #: TF node name; Keras: the layer path
    op_type: str  #: TF op type ("Conv2D"); Keras: the layer class
    function: str = ""  #: the TF function the node lives in ("" = the top-level graph); Keras: the enclosing model
    layer: str | None = None  #: Keras layer, from the name scope (Keras: the layer path)
    file: str | None = None  #: Python source file (debug info)
    line: int | None = None
    #: Keras: the layer's JSON pointer in the model configuration (``config.json`` of a
    #: ``.keras``, the ``model_config`` attribute of a ``.h5``), e.g. ``/config/layers/3``
    pointer: str | None = None


class Op(NamedTuple):
    graph: int
    index: int  # type: ignore[assignment]  #: execution order within its graph (shadows tuple.index)
    kind: str  #: builtin name ("CONV_2D"), "CUSTOM", or a TF op type ("Conv2D")
    version: int = 1
    custom_code: str | None = None
    inputs: tuple[int, ...] = ()  #: tensor indices; -1 = optional input left out
    outputs: tuple[int, ...] = ()
    intermediates: tuple[int, ...] = ()
    options: Mapping[str, Any] = EMPTY
    name: str = ""  #: TF node name, or the first output tensor's name
    builtin_code: int = -1  #: raw opcode number (tflite); -1 elsewhere
    origin: Origin | None = None  #: the source-model node this op comes from, when known

    @property
    def key(self) -> tuple[int, int]:
        return (self.graph, self.index)

    @property
    def is_custom(self) -> bool:
        return self.kind == "CUSTOM"

    @property
    def is_flex(self) -> bool:
        return self.custom_code is not None and self.custom_code.startswith(FLEX_PREFIX)

    @property
    def flex_op(self) -> str | None:
        """The TF op a Select TF (Flex) custom op runs, e.g. ``Erf`` for ``FlexErf``."""
        return self.custom_code[len(FLEX_PREFIX) :] if self.is_flex and self.custom_code else None

    @property
    def display(self) -> str:
        """The op as users know it: ``CONV_2D``, ``FlexErf``, ``TFLite_Detection_PostProcess``."""
        if self.custom_code is not None and self.kind == "CUSTOM":
            return self.custom_code
        return self.kind


class _Derived:
    """An immutable object's analyses, each computed once (:meth:`derived`)."""

    __slots__ = ("_memo",)

    def __init__(self) -> None:
        self._memo: dict[Any, Any] = {}

    def derived(self, key: Any, compute: Callable[[], T]) -> T:
        """The analysis ``key`` of this object (a graph, a model), computed once: targets and rules share it."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._memo[key] = compute()
            return value


class Graph(_Derived):
    """One graph: a TFLite subgraph, or a TF function (graph 0 is the top-level graph)."""

    __slots__ = ("_consumers", "_producer", "index", "inputs", "name", "ops", "outputs", "tensors")

    def __init__(
        self,
        index: int,
        name: str,
        ops: tuple[Op, ...],
        tensors: tuple[Tensor, ...],
        inputs: tuple[int, ...] = (),
        outputs: tuple[int, ...] = (),
    ) -> None:
        self.index = index
        self.name = name
        self.ops = ops  #: in execution order
        self.tensors = tensors
        self.inputs = inputs
        self.outputs = outputs
        self._producer: dict[int, Op] | None = None
        self._consumers: dict[int, tuple[Op, ...]] | None = None
        super().__init__()

    def __repr__(self) -> str:
        return f"Graph({self.index}, {self.name!r}, {len(self.ops)} ops, {len(self.tensors)} tensors)"

    def tensor(self, index: int) -> Tensor | None:
        if 0 <= index < len(self.tensors):
            return self.tensors[index]
        return None

    def op_inputs(self, op: Op) -> list[Tensor | None]:
        return [self.tensor(i) if i >= 0 else None for i in op.inputs]

    def op_outputs(self, op: Op) -> list[Tensor | None]:
        return [self.tensor(i) for i in op.outputs]

    @property
    def producer(self) -> Mapping[int, Op]:
        """Tensor index -> the op that writes it (the last one, in a malformed graph with several)."""
        if self._producer is None:
            self._wire()
        assert self._producer is not None
        return self._producer

    @property
    def consumers(self) -> Mapping[int, tuple[Op, ...]]:
        """Tensor index -> the ops that read it, in execution order, once per input that reads it."""
        if self._consumers is None:
            self._wire()
        assert self._consumers is not None
        return self._consumers

    def _wire(self) -> None:
        producer: dict[int, Op] = {}
        consumers: dict[int, list[Op]] = {}
        for op in self.ops:
            for t in op.inputs:
                if t >= 0:
                    consumers.setdefault(t, []).append(op)
            for t in op.outputs:
                producer[t] = op
        self._producer = producer
        self._consumers = {t: tuple(ops) for t, ops in consumers.items()}


class Signature(NamedTuple):
    key: str
    graph: int
    inputs: Mapping[str, int]
    outputs: Mapping[str, int]


class ProblemKind(enum.Enum):
    """What a reader found wrong with a model; each kind is reported by the one rule that declares it."""

    UNREADABLE = "unreadable"  #: not a model file at all, or one that cannot be opened or parsed
    LFS_POINTER = "lfs-pointer"  #: a Git LFS pointer file in place of the model
    INVALID = "invalid"  #: a readable flatbuffer whose structure is broken (bad indices, no subgraphs)
    UNREADABLE_TF = "unreadable-tf"  #: a SavedModel or GraphDef protobuf that cannot be parsed
    MISSING_VARIABLES = "missing-variables"  #: the graph reads variables the SavedModel does not hold
    CALL_GRAPH = "call-graph"  #: function calls that cycle, nest too deep, or reach too many nodes
    SIGNATURE = "signature"  #: the requested signature is not in the model
    TOO_LARGE = "too-large"  #: beyond the reader's documented limits (ops, tensors, nodes, lists, bytes)
    UNREADABLE_KERAS = "unreadable-keras"  #: a .keras/.h5 file whose Keras model cannot be read
    NOT_KERAS = "not-keras"  #: an HDF5 file that holds no Keras model (weights only, or other data)
    INTERNAL = "internal"  #: oplint itself failed on the model (a bug: the other models are still checked)


class Problem(NamedTuple):
    """A defect a reader found (``Model.problems``), or the reason it could not read a model."""

    kind: ProblemKind
    message: str


class Model(_Derived):
    """A whole model: its graphs plus what the file says about itself."""

    __slots__ = (
        "_nx",
        "description",
        "format",
        "graphs",
        "metadata",
        "min_runtime_version",
        "path",
        "problems",
        "saved_by",
        "scalars",
        "schema_version",
        "signatures",
        "size",
    )

    def __init__(
        self,
        path: str,
        format: str,
        graphs: tuple[Graph, ...],
        schema_version: int = 3,
        description: str = "",
        signatures: tuple[Signature, ...] = (),
        metadata: Mapping[str, int] = EMPTY,
        min_runtime_version: str | None = None,
        size: int = 0,
        problems: tuple[Problem, ...] = (),
        scalars: Mapping[tuple[int, int], float] | None = None,
        saved_by: Mapping[str, str] = EMPTY,
    ) -> None:
        self.path = path
        self.format = format  #: "tflite" | "savedmodel" | "graphdef" | "keras"
        self.graphs = graphs
        self.schema_version = schema_version
        self.description = description
        self.signatures = signatures
        self.metadata = metadata  #: metadata name -> payload size
        self.min_runtime_version = min_runtime_version  #: the converter's "min_runtime_version" metadata
        self.size = size  #: file size in bytes
        self.problems = problems  #: defects the reader found, each reported by the rule that declares its kind
        #: (graph, tensor) -> value of one-element float constants (TF models: fusion patterns read them)
        self.scalars: Mapping[tuple[int, int], float] = scalars or {}
        #: what the file says about the program that wrote it (Keras: ``keras_version``, ``backend``)
        self.saved_by = saved_by
        self._nx: networkx.MultiDiGraph[tuple[int, int]] | None = None
        super().__init__()

    def __repr__(self) -> str:
        return f"Model({self.path!r}, {self.format}, {len(self.graphs)} graphs, {self.op_count} ops)"

    @property
    def vocabulary(self) -> str:
        """Namespace of the rules that read :attr:`Op.kind`: "tflite" builtins, or "tf" for the models
        oplint predicts the conversion of (TF ops of a SavedModel or GraphDef, Keras layers)."""
        return "tflite" if self.format == "tflite" else "tf"

    def ops(self) -> Iterator[Op]:
        for graph in self.graphs:
            yield from graph.ops

    @property
    def op_count(self) -> int:
        return sum(len(g.ops) for g in self.graphs)

    def graph(self, index: int) -> Graph:
        return self.graphs[index]

    @property
    def nx(self) -> networkx.MultiDiGraph[tuple[int, int]]:
        """Nodes are ``Op.key`` (attr ``op``); an edge runs from the op producing a tensor to
        each op consuming it (attr ``tensor`` = tensor index).  Built on first use."""
        if self._nx is None:
            import networkx as nx

            g: networkx.MultiDiGraph[tuple[int, int]] = nx.MultiDiGraph()
            for graph in self.graphs:
                for op in graph.ops:
                    g.add_node(op.key, op=op)
                for op in graph.ops:
                    for t in op.inputs:
                        src = graph.producer.get(t)
                        if src is not None:
                            g.add_edge(src.key, op.key, tensor=t)
            self._nx = g
        return self._nx
