"""Name the formats oplint does not read, so a user given the wrong file learns what it is.

Only called for a file that is not a TFLite flatbuffer (its identifier is not ``TFL3``), not a
TensorFlow protobuf by name and not a Keras model (HDF5 files and ``.keras`` zips go to the Keras
reader).  Each format is recognised by its magic bytes where it has some, by
its file name suffix otherwise; the message says what the file is and how to get a model oplint
reads (a .tflite flatbuffer, a SavedModel directory, a frozen GraphDef).
"""

from __future__ import annotations

from collections.abc import Callable

READS = (
    "oplint reads .tflite flatbuffers, SavedModel directories, frozen GraphDefs (.pb) and Keras models (.keras, .h5)"
)

ZIP = b"PK\x03\x04"
GZIP = b"\x1f\x8b"
NUMPY = b"\x93NUMPY"
GGUF = b"GGUF"


def _onnx(path: str, head: bytes) -> bool:
    return path.endswith(".onnx")


def _torch(path: str, head: bytes) -> bool:
    return path.endswith((".pt", ".pth", ".ptl")) or (head[:1] == b"\x80" and head[1:2] in b"\x02\x03\x04\x05")


def _pickle_like(path: str, head: bytes) -> bool:
    return path.endswith((".pkl", ".pickle", ".joblib"))


def _tfjs(path: str, head: bytes) -> bool:
    return head.lstrip()[:1] == b"{" and (b'"modelTopology"' in head or b'"weightsManifest"' in head)


def _safetensors(path: str, head: bytes) -> bool:
    return path.endswith(".safetensors") or (len(head) > 9 and head[8:10] == b'{"' and head[4:8] == b"\0\0\0\0")


def _named(*suffixes: str) -> Callable[[str, bytes], bool]:
    return lambda path, head: path.lower().endswith(suffixes)


def _zip(path: str, head: bytes) -> bool:
    return head.startswith(ZIP)


def _tar(path: str, head: bytes) -> bool:
    return head[257:262] == b"ustar"


#: (recognise, what it is, what to do); the first match names the file
KNOWN: tuple[tuple[Callable[[str, bytes], bool], str, str], ...] = (
    (_onnx, "an ONNX model", "convert it to TFLite (e.g. onnx2tf) and check the .tflite"),
    (
        _torch,
        "a PyTorch model (pickle or TorchScript archive)",
        "oplint never unpickles; export it to TFLite with ai-edge-torch (LiteRT Torch) and check the .tflite",
    ),
    (_pickle_like, "a Python pickle", "oplint never unpickles; export the model as a .tflite or a SavedModel"),
    (_named(".pte"), "an ExecuTorch program", "export the model to TFLite instead and check the .tflite"),
    (
        _tfjs,
        "a TensorFlow.js model (model.json)",
        "check the SavedModel or Keras model it was converted from, or convert it back with tensorflowjs_converter",
    ),
    (_safetensors, "a safetensors weights file", "it holds weights, not a graph: check the exported model"),
    (lambda path, head: head.startswith(NUMPY), "a NumPy array (.npy)", "it holds data, not a model"),
    (lambda path, head: head.startswith(GGUF), "a GGUF model (llama.cpp)", "oplint checks TensorFlow/LiteRT models"),
    (_named(".mlmodel", ".mlpackage"), "a Core ML model", "check the .tflite or SavedModel it was converted from"),
    (_named(".engine", ".plan", ".trt"), "a TensorRT engine", "check the model it was built from"),
    (_named(".param", ".caffemodel", ".prototxt"), "an ncnn/Caffe model", "oplint checks TensorFlow/LiteRT models"),
    (
        _named(".nb", ".dlc", ".rknn", ".kmodel", ".vmfb"),
        "a model compiled for a vendor runtime",
        "check the .tflite it was compiled from",
    ),
    (_zip, "a zip archive", "unzip it and check the model inside"),
    (lambda path, head: head.startswith(GZIP), "a gzip-compressed file", "decompress it (tar -xzf / gunzip) first"),
    (_tar, "a tar archive", "extract it (tar -xf) and check the model inside"),
)


def identify(path: str, head: bytes) -> tuple[str, str] | None:
    """(what the file is, what to do) for a file in a format oplint does not read; None when the
    file is none of the formats it knows (the TFLite reader then says why)."""
    for recognise, what, todo in KNOWN:
        if recognise(path.lower(), head):
            return f"{what}; {READS}", todo
    return None
