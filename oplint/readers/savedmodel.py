"""SavedModel (TF1 and TF2) and frozen GraphDef reader, with ``protobuf`` and oplint's own proto.

Only what the converter converts is read into the :class:`~oplint.model.Model`: the chosen
signature's outputs are followed back through the graph and into the functions that
``StatefulPartitionedCall``/``PartitionedCall`` (``f``), ``If``/``StatelessIf``
(``then_branch``/``else_branch``), ``While``/``StatelessWhile`` (``cond``/``body``), ``Case``
(``branches``) and any other function-valued attribute call.  The function library also holds
checkpoint save/restore functions; they are never reached from a serving signature and never
read.  Graph plumbing the converter removes (:data:`PLUMBING`) becomes no op.

Each :class:`~oplint.model.Graph` is one TF function (graph 0 is the top-level graph); each
:class:`~oplint.model.Op` is one TF node with ``kind`` = the TF op type, its type attributes in
``options`` (``T``, ``dtype``, ...), its output dtypes and ``_output_shapes`` in its output
tensors, and an :class:`~oplint.model.Origin` with the node, the Keras layer (its name scope),
the function and, from ``debug/saved_model_debug_info.pb``, the Python file and line.

Reading never executes anything and is bounded: file size, function-call depth, node count.
Problems found on the way are typed :class:`~oplint.core.model.Problem` s in ``Model.problems``
(a missing variables folder, an unknown signature, a function call cycle); the rule that declares
a problem's kind reports it.
"""

from __future__ import annotations

import os
import re
import stat
import struct
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ..core.files import SAVEDMODEL_FILES, savedmodel_file
from ..core.model import EMPTY, Graph, Model, Op, Origin, Signature, Tensor
from .problems import ModelError, Problem, ProblemKind
from .tf_outputs import OUTPUT_ARGS

CALL_GRAPH = ProblemKind.CALL_GRAPH

MAX_BYTES = 2**31 - 1  #: protobuf cannot parse a message of 2 GB or more (nor can TensorFlow)
#: the largest saved_model.pb / GraphDef oplint reads (it is parsed in memory: a frozen graph with
#: its weights inside can be large, but past this it costs more memory than checking is worth)
MAX_READ_BYTES = 1 << 30
#: outputs one node may declare (``_output_shapes``, ``Tout``); real ops have a handful, Split and
#: Unpack up to a few hundred
MAX_OUTPUTS = 4096
MAX_CALL_DEPTH = 64  #: nested function calls followed before the walk gives up (a CALL_GRAPH problem)
MAX_NODES = 2_000_000  #: nodes visited before the walk gives up (a CALL_GRAPH problem)
DEFAULT_SIGNATURE = "serving_default"
INIT_SIGNATURE = "__saved_model_init_op"

#: Ops the converter drops or folds away before legalization: they are not findings
#: (LiteRT tflite/converter/transforms/prepare_patterns.td, prepare_tf.cc; TF graph pruning).
PLUMBING = frozenset(
    {
        "Const",
        "HostConst",
        "Identity",
        "IdentityN",
        "NoOp",
        "Placeholder",
        "PlaceholderWithDefault",
        "PlaceholderV2",
        "StopGradient",
        "PreventGradient",
        "Snapshot",
        "CheckNumerics",
        "EnsureShape",
        "ReadVariableOp",
        "VarHandleOp",
        "VariableV2",
        "Variable",
        "VarIsInitializedOp",
        "_Arg",
        "_Retval",
        "_DeviceArg",
        "_DeviceRetval",
        "PartitionedCall",
        "StatefulPartitionedCall",
    }
)
#: attributes that name functions: PartitionedCall/StatefulPartitionedCall (and dataset ops) ``f``,
#: If ``then_branch``/``else_branch``, While ``cond``/``body``, Case ``branches``
FUNCTION_ATTRS = ("f", "then_branch", "else_branch", "cond", "body", "branches")
#: function-call ops whose callee is inlined (the call itself is plumbing)
CALL_OPS = frozenset({"PartitionedCall", "StatefulPartitionedCall"})
#: ops whose value is known after freezing (a constant, or a variable frozen to one)
CONSTANT_SOURCES = frozenset({"Const", "HostConst", "ReadVariableOp", "VarHandleOp", "VariableV2", "Variable"})
VARIABLE_OPS = frozenset({"VarHandleOp", "VariableV2", "Variable"})
#: ops that write a resource variable (plus ResourceApply*, ResourceScatter*): the converter keeps it
VARIABLE_WRITES = frozenset({"AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp"})
LOOP_OPS = frozenset({"While", "StatelessWhile"})
BRANCH_OPS = frozenset({"If", "StatelessIf", "Case", "StatelessCase"})
SHAPE_OPS = frozenset({"Shape", "Size", "Rank"})
#: ops never folded even with constant inputs (state, randomness, calls, control flow, I/O)
_NO_FOLD_MARKERS = (
    "Random",
    "Variable",
    "Table",
    "Multinomial",
    "While",
    "If",
    "Case",
    "Call",
    "Print",
    "Assert",
    "Iterator",
    "Dataset",
    "Queue",
    "Save",
    "Restore",
    "Placeholder",
    "Stack",
    "TensorList",
    "Unique",
)
#: single-input plumbing that passes its input's constness through
PASS_THROUGH = frozenset({"Identity", "StopGradient", "PreventGradient", "Snapshot", "CheckNumerics", "EnsureShape"})

#: TF DataType enum (tensorflow/core/framework/types.proto, TF 2.21) -> oplint dtype names
DTYPES: dict[int, str] = {
    1: "float32",
    2: "float64",
    3: "int32",
    4: "uint8",
    5: "int16",
    6: "int8",
    7: "string",
    8: "complex64",
    9: "int64",
    10: "bool",
    11: "qint8",
    12: "quint8",
    13: "qint32",
    14: "bfloat16",
    15: "qint16",
    16: "quint16",
    17: "uint16",
    18: "complex128",
    19: "float16",
    20: "resource",
    21: "variant",
    22: "uint32",
    23: "uint64",
    24: "float8_e5m2",
    25: "float8_e4m3fn",
    26: "float8_e4m3fnuz",
    27: "float8_e4m3b11fnuz",
    28: "float8_e5m2fnuz",
    29: "int4",
    30: "uint4",
    31: "int2",
    32: "uint2",
    33: "float4_e2m1fn",
}

#: attribute that holds the dtype of output 0, per op where it is not ``T`` or ``dtype``
_OUT_TYPE_ATTR = {
    "Cast": "DstT",
    "Bitcast": "type",
    "ArgMax": "output_type",
    "ArgMin": "output_type",
    "Shape": "out_type",
    "ShapeN": "out_type",
    "Size": "out_type",
    "Rank": None,
    "Bucketize": None,
    "StringToNumber": "out_type",
    "Complex": "Tout",
    "Real": "Tout",
    "Imag": "Tout",
    "ComplexAbs": "Tout",
    "Angle": "Tout",
    "RFFT": "Tcomplex",
    "IRFFT": "Treal",
    "HistogramFixedWidth": "dtype",
    "RandomUniform": "dtype",
    "RandomStandardNormal": "dtype",
    "Multinomial": "output_dtype",
    "DenseBincount": "T",
    "Equal": "bool",
    "NotEqual": "bool",
    "Less": "bool",
    "LessEqual": "bool",
    "Greater": "bool",
    "GreaterEqual": "bool",
    "IsNan": "bool",
    "IsInf": "bool",
    "IsFinite": "bool",
    "LogicalAnd": "bool",
    "LogicalOr": "bool",
    "LogicalNot": "bool",
    "Unique": "T",
    "TensorListGetItem": "element_dtype",
    "TensorListStack": "element_dtype",
    "LookupTableFindV2": "Tout",
}
#: output dtype when the type attribute was stripped as a default (stripped_default_attrs;
#: defaults of the TF 2.21 op registry)
_DEFAULT_OUT = {
    "RFFT": "complex64",
    "RFFT2D": "complex64",
    "RFFT3D": "complex64",
    "IRFFT": "float32",
    "IRFFT2D": "float32",
    "IRFFT3D": "float32",
    "ComplexAbs": "float32",
    "Real": "float32",
    "Imag": "float32",
    "Angle": "float32",
    "Complex": "complex64",
    "ArgMax": "int64",
    "ArgMin": "int64",
    "Shape": "int32",
    "Size": "int32",
}
_TYPE_ATTRS = ("T", "dtype", "out_type", "Tout", "DstT", "output_type", "Tidx", "element_dtype")


class Options(NamedTuple):
    """What to read: the signature (None: ``serving_default`` if present, else all of them;
    ``"*"``: all of them, as ``TFLiteConverter.from_saved_model`` does without ``signature_keys``)."""

    signature: str | None = None


def _pb() -> Any:
    """The generated message module (imports protobuf: only when a TF model is read)."""
    try:
        from .tf_proto import tf_minimal_pb2
    except ImportError as exc:  # pragma: no cover - protobuf is a dependency
        raise ModelError(
            ProblemKind.UNREADABLE_TF, f"cannot read TensorFlow models: protobuf is not installed ({exc})"
        ) from None
    return tf_minimal_pb2


def read(path: str, display: str | None = None, options: Options | None = None) -> Model:
    """Read a SavedModel directory, a ``saved_model.pb(txt)`` path, or a frozen GraphDef ``.pb``."""
    display = display or path
    options = options or Options()
    if os.path.isdir(path):
        found = savedmodel_file(path)
        if found is not None:
            return _read_savedmodel(found, path, display, options)
        raise ModelError(
            ProblemKind.UNREADABLE, "a directory that is not a SavedModel (no saved_model.pb or saved_model.pbtxt)"
        )
    base = os.path.basename(path)
    if base in SAVEDMODEL_FILES:
        return _read_savedmodel(path, os.path.dirname(path) or ".", display, options)
    return _read_graphdef(path, display, options)


def _read_bytes(path: str) -> bytes:
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # a FIFO or a device would block or never end
            raise ModelError(ProblemKind.UNREADABLE, f"{os.path.basename(path)} is not a regular file")
        size = st.st_size
        if size > MAX_BYTES:
            raise ModelError(
                ProblemKind.UNREADABLE_TF,
                f"{size:,} bytes: protobuf messages (and TensorFlow's own loader) stop at 2 GB; "
                "large weights belong in variables/, not in the graph",
            )
        if size > MAX_READ_BYTES:
            raise ModelError(
                ProblemKind.TOO_LARGE,
                f"{size:,} bytes: oplint reads graphs of up to {MAX_READ_BYTES:,} bytes "
                "(weights frozen into the graph make it large; a SavedModel keeps them in variables/)",
            )
        with open(path, "rb") as fh:
            return fh.read(min(size, MAX_READ_BYTES) + 1)
    except OSError as exc:
        raise ModelError(ProblemKind.UNREADABLE, f"cannot read: {exc.strerror or exc}") from None


def _parse(message: Any, data: bytes, text: bool, what: str) -> None:
    from google.protobuf import message as pb_message  # type: ignore[import-untyped,unused-ignore]

    try:
        if text:
            from google.protobuf import text_format  # type: ignore[import-untyped,unused-ignore]

            text_format.Parse(data.decode("utf-8"), message, allow_unknown_field=True, allow_unknown_extension=True)
        else:
            message.ParseFromString(data)
    except (pb_message.DecodeError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ModelError(
            ProblemKind.UNREADABLE_TF, f"corrupt or truncated {what} ({len(data):,} bytes): {detail}"
        ) from None
    except Exception as exc:  # text_format.ParseError and anything else protobuf raises on garbage
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ModelError(
            ProblemKind.UNREADABLE_TF, f"corrupt or truncated {what} ({len(data):,} bytes): {detail}"
        ) from None


def _read_savedmodel(pb_path: str, directory: str, display: str, options: Options) -> Model:
    pb = _pb()
    data = _read_bytes(pb_path)
    saved = pb.SavedModel()
    _parse(saved, data, pb_path.endswith(".pbtxt"), "SavedModel protobuf")
    if not saved.meta_graphs:
        raise ModelError(ProblemKind.UNREADABLE_TF, "the SavedModel holds no MetaGraph (no graph to convert)")
    meta = next((m for m in saved.meta_graphs if "serve" in m.meta_info_def.tags), saved.meta_graphs[0])
    problems: list[Problem] = []
    signatures = {k: v for k, v in meta.signature_def.items() if k != INIT_SIGNATURE}
    chosen = _choose_signatures(signatures, options.signature, problems)
    outputs: list[tuple[str, str]] = []  # (signature key, tensor name)
    for key in chosen:
        outputs.extend((key, info.name) for _, info in sorted(signatures[key].outputs.items()) if info.name)
    graph_def = meta.graph_def
    if not signatures and not options.signature:
        outputs = [("", name) for name in _graph_outputs(graph_def.node)]
    debug = _read_debug_info(directory)
    model, uses_variables = _build(graph_def, outputs, display, "savedmodel", len(data), problems, debug)
    if uses_variables and not os.path.isfile(os.path.join(directory, "variables", "variables.index")):
        problems.append(
            Problem(
                ProblemKind.MISSING_VARIABLES,
                "the signature reads variables, but variables/variables.index is missing: "
                "the converter cannot freeze the weights",
            )
        )
        model.problems = tuple(problems)
    return model


def _choose_signatures(signatures: Mapping[str, Any], wanted: str | None, problems: list[Problem]) -> list[str]:
    if wanted in ("*", "all"):
        return sorted(signatures)  # what the converter converts when no signature is named
    if wanted is not None:
        if wanted in signatures:
            return [wanted]
        known = ", ".join(sorted(signatures)) or "none"
        problems.append(
            Problem(ProblemKind.SIGNATURE, f"no signature {wanted!r} in the SavedModel (signatures: {known})")
        )
        return []
    if DEFAULT_SIGNATURE in signatures:
        return [DEFAULT_SIGNATURE]
    return sorted(signatures)  # the converter converts every signature when none is named


def _read_graphdef(path: str, display: str, options: Options) -> Model:
    pb = _pb()
    data = _read_bytes(path)
    text = path.endswith((".pbtxt", ".txt"))
    graph_def = pb.GraphDef()
    try:
        _parse(graph_def, data, text, "GraphDef protobuf")
    except ModelError:
        graph_def = None
    if graph_def is None or (not graph_def.node and not graph_def.library.function):
        saved = pb.SavedModel()  # a saved_model.pb under another name?
        try:
            _parse(saved, data, text, "SavedModel protobuf")
        except ModelError:
            saved = None
        is_saved = saved is not None and bool(saved.meta_graphs) and bool(saved.meta_graphs[0].graph_def.node)
        saved = None  # released before it is read again as a SavedModel: one parsed copy at a time
        if is_saved:
            return _read_savedmodel(path, os.path.dirname(path) or ".", display, options)
        if graph_def is None:
            _parse(pb.GraphDef(), data, text, "GraphDef protobuf")  # raises the GraphDef error
        raise ModelError(ProblemKind.UNREADABLE_TF, f"not a TensorFlow GraphDef: no nodes ({len(data):,} bytes)")
    problems: list[Problem] = []
    if options.signature:
        ignored = f"a frozen GraphDef has no signatures; --signature {options.signature!r} ignored"
        problems.append(Problem(ProblemKind.SIGNATURE, ignored))
    outputs = [("", name) for name in _graph_outputs(graph_def.node)]
    return _build(graph_def, outputs, display, "graphdef", len(data), problems, None)[0]


_SAVER_SCOPE = re.compile(r"^save(_\d+)?/")


def _graph_outputs(nodes: Iterable[Any]) -> list[str]:
    """TF1 without signatures: every node no other node consumes (what freezing keeps), except
    the Saver's subgraph (``save/...``) and NoOps (``init``, which runs the variable initializers)."""
    consumed: set[str] = set()
    candidates = []
    for node in nodes:
        if node.op != "NoOp" and not _SAVER_SCOPE.match(node.name):
            candidates.append(node.name)
        for inp in node.input:
            consumed.add(inp.lstrip("^").split(":", 1)[0])
    return [n for n in candidates if n not in consumed]


# ---------------------------------------------------------------- debug info


class _Debug(NamedTuple):
    files: tuple[str, ...]
    traces: Mapping[str, Any]  #: "node@function" (or "node") -> StackTrace
    frames: Mapping[int, Any]
    name_to_id: Mapping[str, int]
    by_id: Mapping[int, Any]

    def where(self, node: str, function: str) -> tuple[str | None, int | None]:
        key = f"{node}@{function}" if function else node
        trace = self.traces.get(key)
        if trace is None:
            tid = self.name_to_id.get(key)
            trace = self.by_id.get(tid) if tid is not None else None
        if trace is None:
            return None, None
        frames = list(trace.file_line_cols) or [self.frames[f] for f in trace.frame_id if f in self.frames]
        best = None
        for frame in frames:  # outermost first; the innermost frame outside libraries made the op
            if 0 <= frame.file_index < len(self.files) and not _library_file(self.files[frame.file_index]):
                best = frame
        if best is None:
            return None, None
        return self.files[best.file_index], best.line or None


def _library_file(path: str) -> bool:
    p = path.replace("\\", "/")
    return "site-packages/" in p or "dist-packages/" in p or p.startswith("<") or "/lib/python" in p


def _read_debug_info(directory: str) -> _Debug | None:
    path = os.path.join(directory, "debug", "saved_model_debug_info.pb")
    if not os.path.isfile(path):
        return None
    pb = _pb()
    info = pb.GraphDebugInfo()
    try:
        _parse(info, _read_bytes(path), False, "debug info")
    except ModelError:
        return None  # debug info only adds source lines; a broken file just goes without them
    return _Debug(tuple(info.files), info.traces, info.frames_by_id, info.name_to_trace_id, info.traces_by_id)


# ---------------------------------------------------------------- the walk


class _Function(NamedTuple):
    name: str
    nodes: Mapping[str, Any]  #: node name -> NodeDef
    args: Mapping[str, int]  #: argument name -> position
    arg_shapes: Mapping[int, Any]  #: position -> _output_shapes attr of the argument
    arg_types: Mapping[int, str]  #: position -> dtype (when the signature fixes it)
    ret: Mapping[str, str]


def _split_input(ref: str, in_function: bool, nodes: Mapping[str, Any] | None = None) -> tuple[str, int, bool]:
    """``"^n"`` -> control; ``"n:2"`` (graph) or ``"n:out:2"`` (function) -> (node, index).

    In a function the index counts within the named output argument; with ``nodes`` (the
    function's nodes) it is turned into the op's flat output index when the op has several
    output arguments (``tf_outputs.OUTPUT_ARGS``)."""
    control = ref[:1] == "^"
    if control:
        ref = ref[1:]
    node, sep, rest = ref.partition(":")
    if not sep:
        return node, 0, control
    arg, _, last = rest.rpartition(":")
    # ASCII digits only ("²" and "٣" are digits to str.isdigit), and a plausible output index
    index = int(last) if last.isascii() and last.isdigit() and len(last) <= 9 else 0
    if in_function and arg and nodes is not None:
        producer = nodes.get(node)
        if producer is not None and producer.op in OUTPUT_ARGS:
            flat = _flat_output(producer, arg, index)
            if flat is not None:
                index = flat
    return node, index, control


def _arg_length(node: Any, count: str | None) -> int | None:
    if count is None:
        return 1
    if count not in node.attr:
        return None
    attr = node.attr[count]
    which = attr.WhichOneof("value")
    if which == "i":
        return int(attr.i)
    if which == "list":
        return len(attr.list.type)
    return None


def _flat_output(node: Any, arg: str, index: int) -> int | None:
    """The flat output index of ``arg:index`` of a node whose op has several output arguments."""
    offset = 0
    for name, count, _ in OUTPUT_ARGS[node.op]:
        if name == arg:
            return offset + index
        length = _arg_length(node, count)
        if length is None:
            return None
        offset += length
    return None


def _build(
    graph_def: Any,
    outputs: list[tuple[str, str]],
    display: str,
    fmt: str,
    size: int,
    problems: list[Problem],
    debug: _Debug | None,
) -> tuple[Model, bool]:
    """The model of the walked part, and whether that part reads variables."""
    library = {f.signature.name: f for f in graph_def.library.function}
    top_nodes = {n.name: n for n in graph_def.node}
    functions: dict[str, _Function] = {"": _Function("", top_nodes, {}, {}, {}, {})}
    order: list[str] = [""]  # graphs in discovery order
    depth: dict[str, int] = {"": 0}
    path_of: dict[str, tuple[str, ...]] = {"": ()}
    callers: dict[str, tuple[str, Any]] = {}  # function -> (caller function, call NodeDef)
    composites: dict[tuple[str, str], str] = {}  # (function, call node) -> what the converter fuses it into
    visited: dict[str, set[str]] = {"": set()}
    stack: list[tuple[str, str]] = []  # (function, node)
    reported: set[str] = set()

    def function(name: str) -> _Function:
        fn = functions.get(name)
        if fn is None:
            fdef = library[name]
            args = {a.name: i for i, a in enumerate(fdef.signature.input_arg)}
            shapes = {int(i): a.attr["_output_shapes"] for i, a in fdef.arg_attr.items() if "_output_shapes" in a.attr}
            types = {i: DTYPES.get(a.type % 100, "?") for i, a in enumerate(fdef.signature.input_arg) if a.type}
            nodes = {n.name: n for n in fdef.node_def}
            fn = functions[name] = _Function(name, nodes, args, shapes, types, dict(fdef.ret))
        return fn

    def enter(callee: str, caller: str, node: Any) -> None:
        if callee not in library:
            return
        composite = _composite(library[callee])
        if composite is not None and node.op in CALL_OPS:
            composites[(caller, node.name)] = composite  # replaced whole; its body is not converted
            return
        chain = (*path_of[caller], caller)
        if callee in chain:
            if "cycle:" + callee not in reported:
                reported.add("cycle:" + callee)
                cycle = " -> ".join(_short(f) for f in (*chain[chain.index(callee) :], callee))
                problems.append(Problem(CALL_GRAPH, f"function call cycle: {cycle}; the converter cannot inline it"))
            return
        if callee in visited:
            return
        if depth[caller] + 1 > MAX_CALL_DEPTH:
            if "depth" not in reported:
                reported.add("depth")
                text = f"functions nested more than {MAX_CALL_DEPTH} calls deep (at {_short(callee)}); "
                problems.append(Problem(CALL_GRAPH, text + "the rest was not checked"))
            return
        depth[callee] = depth[caller] + 1
        path_of[callee] = chain
        callers[callee] = (caller, node)
        visited[callee] = set()
        order.append(callee)
        fn = function(callee)
        fdef = library[callee]
        for ret in (*fn.ret.values(), *fdef.control_ret.values()):
            stack.append((callee, ret.split(":", 1)[0]))

    for _, tensor in outputs:
        stack.append(("", tensor.lstrip("^").split(":", 1)[0]))

    count = 0
    while stack:
        fname, nname = stack.pop()
        seen = visited[fname]
        if nname in seen:
            continue
        fn = functions[fname]
        node = fn.nodes.get(nname)
        if node is None:
            continue  # a function argument, or a dangling reference
        seen.add(nname)
        count += 1
        if count > MAX_NODES:
            problems.append(Problem(CALL_GRAPH, f"more than {MAX_NODES:,} nodes reached; the rest was not checked"))
            break
        for ref in node.input:
            src, _, _ = _split_input(ref, bool(fname))
            if src not in seen:
                stack.append((fname, src))
        if node.op in library:
            enter(node.op, fname, node)
        attrs = node.attr
        for key in FUNCTION_ATTRS:
            if key not in attrs:
                continue
            attr = attrs[key]
            which = attr.WhichOneof("value")
            if which == "func":
                enter(attr.func.name, fname, node)
            elif which == "list":
                for f in attr.list.func:
                    enter(f.name, fname, node)

    kept = _mutable_variables(functions, visited, callers)
    graphs = []
    scalars: dict[tuple[int, int], float] = {}
    for gi, fname in enumerate(order):
        graphs.append(
            _graph(gi, functions[fname], visited[fname], library, callers, functions, debug, scalars, composites, kept)
        )
    signatures = tuple(Signature(key, 0, EMPTY, EMPTY) for key in sorted({k for k, _ in outputs if k}) if key)
    uses_variables = any(functions[f].nodes[n].op in VARIABLE_OPS for f, names in visited.items() for n in names)
    model = Model(
        path=display,
        format=fmt,
        graphs=tuple(graphs),
        schema_version=0,
        signatures=signatures,
        size=size,
        problems=tuple(problems),
        scalars=scalars,
    )
    return model, uses_variables


def _mutable_variables(
    functions: Mapping[str, _Function], visited: Mapping[str, set[str]], callers: Mapping[str, tuple[str, Any]]
) -> frozenset[tuple[str, str]]:
    """The resource-variable nodes (``VarHandleOp``) and their reads (``ReadVariableOp``) of the
    variables the walked graph writes: the converter keeps those variables (VAR_HANDLE,
    READ_VARIABLE, ASSIGN_VARIABLE; oracle: stateful_variable_update) and freezes the others into
    constants."""

    def origin(fname: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        if depth > 48:
            return None
        fn = functions[fname]
        node = fn.nodes.get(name)
        if node is None:
            position = fn.args.get(name)
            if position is None or fname not in callers:
                return None
            caller, call = callers[fname]
            refs = [r for r in call.input if not r.startswith("^")]
            offset = 1 if call.op in ("If", "StatelessIf", "Case", "StatelessCase") else 0
            if position + offset >= len(refs):
                return None
            return origin(caller, _split_input(refs[position + offset], bool(caller))[0], depth + 1)
        if node.op == "VarHandleOp":
            return (fname, name)
        if node.op in PASS_THROUGH and node.input:
            return origin(fname, _split_input(node.input[0], bool(fname))[0], depth + 1)
        return None

    written: set[tuple[str, str]] = set()
    reads: list[tuple[str, str, tuple[str, str] | None]] = []
    for fname, names in visited.items():
        fn = functions[fname]
        for name in names:
            node = fn.nodes[name]
            if not node.input:
                continue
            if node.op in VARIABLE_WRITES or node.op.startswith(("ResourceApply", "ResourceScatter")):
                found = origin(fname, _split_input(node.input[0], bool(fname))[0])
                if found is not None:
                    written.add(found)
            elif node.op == "ReadVariableOp":
                reads.append((fname, name, origin(fname, _split_input(node.input[0], bool(fname))[0])))
    if not written:
        return frozenset()
    return frozenset(written | {(f, n) for f, n, var in reads if var in written})


def _short(function: str) -> str:
    """``__inference_call_123`` -> ``call`` (the Python name TF derived the function name from)."""
    name = function
    for prefix in ("__inference_", "__forward_", "__backward_"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    head, _, tail = name.rpartition("_")
    return head if head and tail.isascii() and tail.isdigit() else name


def _graph(
    gi: int,
    fn: _Function,
    seen: set[str],
    library: Mapping[str, Any],
    callers: Mapping[str, tuple[str, Any]],
    functions: Mapping[str, _Function],
    debug: _Debug | None,
    scalars: dict[tuple[int, int], float],
    composites: Mapping[tuple[str, str], str],
    kept: frozenset[tuple[str, str]] = frozenset(),
) -> Graph:
    tensors: list[Tensor] = []
    tensor_of: dict[tuple[str, int], int] = {}
    ops: list[Op] = []
    const_memo: dict[tuple[str, str], bool] = {}

    refs_memo: dict[int, list[str]] = {}

    def data_inputs(node: Any) -> list[str]:
        """A node's data inputs (no control edges), computed once: a call with thousands of
        arguments is asked about each of them."""
        found = refs_memo.get(id(node))
        if found is None:
            found = refs_memo[id(node)] = [r for r in node.input if not r.startswith("^")]
        return found

    def is_const(name: str, index: int, fname: str, depth: int = 0) -> bool:
        """Known at conversion time: a constant, a frozen variable, or computed from them only
        (the converter folds such ops away), or the shape of a fully static tensor."""
        key = (fname, name)
        known = const_memo.get(key)
        if known is not None:
            return known
        if depth > 48:
            return False
        f = functions[fname]
        node = f.nodes.get(name)
        result = False
        if node is None:
            position = f.args.get(name)
            if position is not None and fname in callers:
                caller, call = callers[fname]
                refs = data_inputs(call)
                offset = 1 if call.op in ("If", "StatelessIf", "Case", "StatelessCase") else 0
                # the converter keeps If/Case branches as functions: their arguments are not
                # constants there (oracle: cond_if converts a MatMul in a branch to BATCH_MATMUL)
                invariant = call.op not in BRANCH_OPS and (
                    call.op not in LOOP_OPS or _loop_invariant(call, position, library)
                )
                if invariant and position + offset < len(refs):  # loop state that changes is not
                    src, idx, _ = _split_input(refs[position + offset], bool(caller))
                    result = is_const(src, idx, caller, depth + 1)
        elif node.op in CONSTANT_SOURCES:
            result = (fname, name) not in kept  # a variable the model writes is not frozen
        elif node.op in PASS_THROUGH and node.input:
            src, idx, _ = _split_input(node.input[0], bool(fname))
            result = is_const(src, idx, fname, depth + 1)
        elif node.op in SHAPE_OPS and node.input:
            src, idx, _ = _split_input(node.input[0], bool(fname))
            result = _static(f, src, idx)
        elif _foldable(node.op) and node.op not in library:
            refs = [r for r in node.input if not r.startswith("^")]
            result = bool(refs) and all(
                is_const(*_split_input(r, bool(fname), f.nodes)[:2], fname, depth + 1) for r in refs
            )
        const_memo[key] = result
        return result

    def dtype_of(name: str, index: int) -> str:
        node = fn.nodes.get(name)
        if node is None:
            position = fn.args.get(name)
            return fn.arg_types.get(position, "?") if position is not None else "?"
        return _output_dtype(node, index)

    def tensor(name: str, index: int) -> int:
        key = (name, index)
        t = tensor_of.get(key)
        if t is None:
            t = tensor_of[key] = len(tensors)
            node = fn.nodes.get(name)
            shape = None
            if node is not None and "_output_shapes" in node.attr:
                shapes = node.attr["_output_shapes"].list.shape
                if index < len(shapes):
                    shape = _shape(shapes[index])
            elif node is None and name in fn.args:
                attr = fn.arg_shapes.get(fn.args[name])
                if attr is not None and attr.list.shape:
                    shape = _shape(attr.list.shape[0])
            label = name if index == 0 else f"{name}:{index}"
            if node is not None and node.op == "Const":
                value = _float_scalar(node)
                if value is not None:
                    scalars[(gi, t)] = value
            tensors.append(
                Tensor(
                    index=t,
                    name=label,
                    dtype=dtype_of(name, index),
                    shape=shape,
                    shape_signature=shape,
                    is_const=is_const(name, index, fn.name),
                )
            )
        return t

    ordered = [n for n in fn.nodes.values() if n.name in seen]  # the file's order is a topological order
    for node in ordered:
        composite = composites.get((fn.name, node.name))
        if node.op in PLUMBING and composite is None and (fn.name, node.name) not in kept:
            continue
        inputs = []
        for ref in node.input:
            if ref.startswith("^"):
                continue
            src, idx, _ = _split_input(ref, bool(fn.name), fn.nodes)
            inputs.append(tensor(src, idx))
        n_out = _output_count(node)
        outputs = tuple(tensor(node.name, i) for i in range(n_out))
        file, line = debug.where(node.name, fn.name) if debug is not None else (None, None)
        origin = Origin(
            node=node.name,
            op_type=node.op,
            function=_short(fn.name) if fn.name else "",
            layer=node.name.rsplit("/", 1)[0] if "/" in node.name else None,
            file=file,
            line=line,
        )
        ops.append(
            Op(
                graph=gi,
                index=len(ops),
                kind=node.op,
                inputs=tuple(inputs),
                outputs=outputs,
                options={**_attrs(node, library), "implements": composite} if composite else _attrs(node, library),
                name=node.name,
                origin=origin,
            )
        )
    return Graph(index=gi, name=_short(fn.name) if fn.name else "graph", ops=tuple(ops), tensors=tuple(tensors))


_FOLDABLE: dict[str, bool] = {}


def _foldable(op: str) -> bool:
    known = _FOLDABLE.get(op)
    if known is None:
        known = _FOLDABLE[op] = not any(marker in op for marker in _NO_FOLD_MARKERS)
    return known


def _composite(fdef: Any) -> str | None:
    """What the converter replaces a whole function with: Keras LSTM layers carry
    ``api_implements = "lstm_<uuid>"`` and become UNIDIRECTIONAL_SEQUENCE_LSTM (LiteRT
    prepare_composite_functions_tf.cc); None for ordinary functions."""
    attr = fdef.attr.get("api_implements") if "api_implements" in fdef.attr else None
    if attr is not None and attr.s.startswith(b"lstm_"):
        return "lstm"
    return None


def _loop_invariant(call: Any, position: int, library: Mapping[str, Any]) -> bool:
    """Whether a While loop passes its argument ``position`` through its body unchanged."""
    body = library.get(call.attr["body"].func.name) if "body" in call.attr else None
    if body is None or position >= len(body.signature.input_arg) or position >= len(body.signature.output_arg):
        return False
    arg = body.signature.input_arg[position].name
    nodes = {n.name: n for n in body.node_def} if len(body.node_def) < 10_000 else {}
    ref = body.ret.get(body.signature.output_arg[position].name, "")
    for _ in range(16):  # through Identity chains
        name = ref.split(":", 1)[0]
        if name == arg:
            return True
        node = nodes.get(name)
        if node is None or node.op != "Identity" or not node.input:
            return False
        ref = node.input[0]
    return False


def _static(fn: _Function, name: str, index: int) -> bool:
    """Whether a tensor's shape is fully known (``_output_shapes``, or the argument's shape)."""
    node = fn.nodes.get(name)
    attr = None
    if node is not None and "_output_shapes" in node.attr:
        shapes = node.attr["_output_shapes"].list.shape
        attr = shapes[index] if index < len(shapes) else None
    elif node is None and name in fn.args:
        arg = fn.arg_shapes.get(fn.args[name])
        attr = arg.list.shape[0] if arg is not None and arg.list.shape else None
    return attr is not None and not attr.unknown_rank and all(d.size >= 0 for d in attr.dim)


def _float_scalar(node: Any) -> float | None:
    """The value of a one-element float32, int32 or int64 constant (fusion patterns compare such
    values; legalizations check constant operands such as MatrixDiagV3's ``k``)."""
    tensor = node.attr["value"].tensor if "value" in node.attr else None
    if tensor is None or tensor.dtype not in (1, 3, 9) or any(d.size != 1 for d in tensor.tensor_shape.dim):
        return None
    if tensor.dtype == 1:
        if tensor.float_val:
            return float(tensor.float_val[0])
        if len(tensor.tensor_content) == 4:
            return float(struct.unpack("<f", tensor.tensor_content)[0])
        return None
    if tensor.dtype == 3:
        if tensor.int_val:
            return float(tensor.int_val[0])
        if len(tensor.tensor_content) == 4:
            return float(struct.unpack("<i", tensor.tensor_content)[0])
        return None
    if tensor.int64_val:
        return float(tensor.int64_val[0])
    if len(tensor.tensor_content) == 8:
        return float(struct.unpack("<q", tensor.tensor_content)[0])
    return None


def _shape(proto: Any) -> tuple[int, ...] | None:
    if proto.unknown_rank:
        return None
    return tuple([d.size for d in proto.dim])


def _output_count(node: Any) -> int:
    shapes = node.attr.get("_output_shapes") if "_output_shapes" in node.attr else None
    count = 1
    if shapes is not None and shapes.list.shape:
        count = len(shapes.list.shape)
    elif "Tout" in node.attr and node.attr["Tout"].WhichOneof("value") == "list":
        count = max(1, len(node.attr["Tout"].list.type))
    if count > MAX_OUTPUTS:
        raise ModelError(
            ProblemKind.TOO_LARGE,
            f"node {node.name[:200]!r} declares {count:,} outputs (oplint reads at most {MAX_OUTPUTS:,} per node)",
        )
    return count


def _output_dtype(node: Any, index: int) -> str:
    attrs = node.attr
    args = OUTPUT_ARGS.get(node.op)
    if args is not None:  # several output arguments: the type of the one at this flat index
        offset = 0
        for _, count, dtype in args:
            length = _arg_length(node, count)
            if length is None:
                break
            if index < offset + length:
                if dtype is not None and not dtype.startswith("attr:"):
                    return dtype
                if dtype is not None and dtype[5:] in attrs:
                    return _attr_dtype(attrs[dtype[5:]], 0)
                break
            offset += length
    name = _OUT_TYPE_ATTR.get(node.op, "")
    if name == "bool":
        return "bool"
    if name and name in attrs:
        return _attr_dtype(attrs[name], index)
    if "Tout" in attrs and attrs["Tout"].WhichOneof("value") == "list":
        return _attr_dtype(attrs["Tout"], index)
    if name and node.op in _DEFAULT_OUT:
        return _DEFAULT_OUT[node.op]
    for key in _TYPE_ATTRS:
        if key in attrs:
            return _attr_dtype(attrs[key], index)
    return _DEFAULT_OUT.get(node.op, "?")


def _attr_dtype(attr: Any, index: int) -> str:
    which = attr.WhichOneof("value")
    if which == "type":
        return DTYPES.get(attr.type % 100, "?")
    if which == "list" and attr.list.type:
        types = attr.list.type
        return DTYPES.get(types[min(index, len(types) - 1)] % 100, "?")
    return "?"


def _attrs(node: Any, library: Mapping[str, Any]) -> Mapping[str, Any]:
    """The attributes rules read: types, small scalars, strings, function names (no tensors)."""
    out: dict[str, Any] = {}
    for key, attr in node.attr.items():
        if key.startswith("_"):
            continue
        which = attr.WhichOneof("value")
        if which == "type":
            out[key] = DTYPES.get(attr.type % 100, "?")
        elif which in ("i", "f", "b"):
            out[key] = getattr(attr, which)
        elif which == "s":
            out[key] = attr.s[:256].decode("utf-8", "replace")
        elif which == "func":
            out[key] = attr.func.name
        elif which == "list":
            lst = attr.list
            # lists are cut to what a rule can use: a hostile node may list millions of entries
            if lst.type:
                out[key] = tuple(DTYPES.get(t % 100, "?") for t in lst.type[:MAX_OUTPUTS])
            elif lst.i:
                out[key] = tuple(lst.i[:64])
            elif lst.func:
                out[key] = tuple(f.name for f in lst.func[:64])
    return out
