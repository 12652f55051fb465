"""Import an ONNX graph as a workload: Conv, Gemm, MatMul (of a weight or of two activations,
with heads), Add/Sub/Sum, Mul, Concat and 2-D pooling (MaxPool, AveragePool, the global pools,
ReduceMean over H and W) become layers; so do Softmax, LayerNormalization, Gelu and their
decomposed forms (``onnx_fusion``), and PyTorch's export of ``nn.MultiheadAttention`` with its
fused input projection (``onnx_attention``).

Shapes come from ONNX shape inference; ``input_shape`` fixes symbolic input dimensions first.
A tensor computed only from initializers, constants and shapes is a constant, not an activation
(shape arithmetic, weight preprocessing). As in ``from_torch``, feature-map normalisations (batch
norm's scale and shift counted on a weighted layer), activation functions, dropout, reshapes and
casts are compute-free and passed through, and so are Add, Sub,
Mul and Div with one activation operand (a bias or a scale). A MatMul with a constant 2-D right
operand is a linear layer, which is what PyTorch exports ``nn.Linear`` on sequences to. Every
other op that reads an activation is listed as unsupported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import onnx
from onnx import helper, numpy_helper, shape_inference

from hicsim.spec.errors import OptionError, single
from hicsim.workload.frameworks import attention_layers, fields
from hicsim.workload.frameworks.onnx_attention import Attention, find_attention
from hicsim.workload.frameworks.onnx_fusion import find_regions
from hicsim.workload.frameworks.onnx_names import LayerNames
from hicsim.workload.frameworks.recorder import Recorder
from hicsim.workload.model import Workload

COMPUTE_FREE = {
    "BatchNormalization", "InstanceNormalization", "GroupNormalization",
    "Relu", "Clip", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Sigmoid", "HardSigmoid",
    "HardSwish", "Tanh", "LogSoftmax", "Softplus", "Mish", "Erf", "Dropout",
    "Identity", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Cast", "Expand",
    "Split", "Slice", "Neg", "Div", "Sqrt", "Pow"}
CONSTANT_SOURCES = {"Constant", "ConstantOfShape", "Shape", "Size"}
ELEMENTWISE = {"Add": "add", "Sub": "add", "Sum": "add", "Mul": "mul"}
KIND = {"Conv": "conv2d", "Gemm": "linear", "MatMul": "matmul", "Concat": "concat",
        "MaxPool": "maxpool", "AveragePool": "avgpool", "GlobalMaxPool": "maxpool",
        "GlobalAveragePool": "avgpool", "ReduceMean": "avgpool", **ELEMENTWISE}


def from_onnx(path: str | Path, *, input_shape: Optional[Sequence[int]] = None,
              name: Optional[str] = None, batch: Optional[int] = None, input_bits: int = 8,
              weight_bits: int = 8, phase: str = "inference",
              source: Optional[str] = None) -> Workload:
    source = source or f"hicsim export --onnx {path}"
    graph = _graph(path, input_shape)
    importer = _Importer(graph, Recorder(str(path), input_bits=input_bits))
    importer.run()
    importer.rec.network_output([o.name for o in graph.output])
    return importer.rec.workload(name or Path(path).stem, batch=batch or importer.batch,
                                 input_bits=input_bits, weight_bits=weight_bits, phase=phase,
                                 source=source)


def _graph(path, input_shape) -> onnx.GraphProto:
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # missing file, not protobuf, ...: all one message to the user
        raise single(str(path), f"cannot read as an ONNX model: {exc}") from None
    inputs = _graph_inputs(model.graph)
    if len(inputs) != 1:
        raise single(str(path), f"expects one graph input, found {len(inputs)}: "
                                f"{', '.join(i.name for i in inputs)}")
    if input_shape is not None:
        dims = inputs[0].type.tensor_type.shape.dim
        if len(dims) != len(input_shape):
            raise OptionError("input_shape", f"has {len(input_shape)} dimensions, the model's "
                                             f"input {len(dims)}", str(path))
        for dim, size in zip(dims, input_shape):
            dim.Clear()
            dim.dim_value = int(size)
    try:
        return shape_inference.infer_shapes(model).graph
    except Exception as exc:  # onnx's InferenceError and checker errors: a malformed model
        raise single(str(path), f"ONNX shape inference failed: {exc}") from None


def _graph_inputs(graph: onnx.GraphProto) -> list:
    initialized = {t.name for t in graph.initializer}
    return [i for i in graph.input if i.name not in initialized]


class _Importer:
    def __init__(self, graph: onnx.GraphProto, recorder: Recorder):
        self.graph, self.rec = graph, recorder
        self.constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        self.static = set(self.constants) | {""}  # "" is an omitted optional input
        self.shapes = {t.name: tuple(t.dims) for t in graph.initializer}
        for info in (*graph.input, *graph.value_info, *graph.output):
            dims = info.type.tensor_type.shape.dim
            self.shapes[info.name] = tuple(d.dim_value if d.HasField("dim_value") else None
                                           for d in dims)
        x = _graph_inputs(graph)[0]
        self.batch = self.shapes[x.name][0] or 1
        recorder.network_input(x.name, self._per_sample(x.name))

    def run(self) -> None:
        self._mark_constants()
        plan = [(node, self._dynamic(node)) for node in self.graph.node]
        attention = find_attention(self.graph.node, lambda t: t in self.static, self.shapes)
        in_attention = {i for a in attention for i in a.nodes}
        regions = find_regions(self.graph.node, self.constants, lambda t: t in self.static,
                               lambda t: len(self.shapes[t]) if t in self.shapes else None,
                               skip=in_attention)
        # Transformer ops (whole or decomposed) are one layer each, at their last node; an
        # exported attention module is its layers, at its last node.
        fused = {i: None for r in (*regions, *attention) for i in r.nodes}
        fused.update({r.nodes[-1]: r for r in (*regions, *attention)})
        layer_nodes = [n.name for i, (n, dyn) in enumerate(plan) if i not in fused and dyn
                       and self._makes_layer(n, dyn)]
        layer_nodes += [self.graph.node[r.nodes[-1]].name for r in regions]
        names = LayerNames([n.name for n in self.graph.node], layer_nodes)
        for i, (node, dynamic) in enumerate(plan):
            if i in fused:
                region = fused[i]
                if isinstance(region, Attention):
                    self._attention(region)
                elif region is not None:
                    self._fused(region, names.name(node.name, region.kind))
            elif not dynamic:
                self._constant(node)
            elif node.op_type == "BatchNormalization":  # its scale and shift: see Recorder
                self.rec.batch_norm(node.name or node.output[0], dynamic[0], node.output[0],
                                    self._per_sample(node.output[0], required=False),
                                    self.shapes[node.input[1]][0])
            elif not self._makes_layer(node, dynamic):
                for out in filter(None, node.output):
                    self.rec.passthrough(dynamic[0], out, self._per_sample(out, required=False))
            else:
                self._layer(node, dynamic, names.name(node.name, KIND.get(node.op_type,
                                                                           node.op_type)))

    def _mark_constants(self) -> None:
        """Tensors computed from constants only, known before any layer is built (fusion reads
        reduction axes from them)."""
        for node in self.graph.node:
            if not self._dynamic(node):
                self._constant(node)

    def _fused(self, region, name: str) -> None:
        shape = self._per_sample(region.root)
        layer_fields = (fields.softmax(shape, region.scale) if region.kind == "softmax"
                        else fields.tokens(shape))
        self.rec.layer(name, region.kind, layer_fields, [region.root], region.output,
                       self._per_sample(region.output))

    def _attention(self, a: Attention) -> None:
        shape = self._per_sample(a.root)
        tokens = shape[0] if len(shape) == 2 else 1
        # A fused input projection means query, key and value all have the embedding's width.
        plan = attention_layers.multihead(a.embed, a.embed, a.embed, a.embed, a.heads, tokens)
        keys = iter(f"{a.output}#{suffix}" for suffix, *_ in plan)
        attention_layers.record(self.rec, a.name, plan, dict(src=a.root), a.output,
                                lambda: next(keys))

    def _dynamic(self, node) -> list[str]:
        """The node's activation inputs (none: it computes a constant)."""
        if node.op_type in CONSTANT_SOURCES:
            return []
        return [i for i in node.input if i not in self.static]

    def _makes_layer(self, node, dynamic: list[str]) -> bool:
        if node.op_type in COMPUTE_FREE:
            return False
        return not (node.op_type in ELEMENTWISE and len(dynamic) == 1)

    def _constant(self, node) -> None:
        self.static.update(node.output)
        if node.op_type == "Constant":
            value = next(a for a in node.attribute if a.name == "value")
            self.constants[node.output[0]] = numpy_helper.to_array(value.t)

    def _layer(self, node, dynamic: list[str], name: str) -> None:
        out = node.output[0]
        try:
            op, layer_fields, srcs = self._describe(node, dynamic)
        except ValueError as exc:
            self.rec.unsupported(name, f"{node.op_type}: {exc}", dynamic, list(node.output))
            return
        weights = self.constants.get(node.input[1]) if op in ("conv2d", "linear") else None
        self.rec.layer(name, op, layer_fields, srcs, out, self._per_sample(out), weights=weights)

    def _describe(self, node, dynamic: list[str]) -> tuple[str, dict, list[str]]:
        """(workload op, its fields, its activation inputs) for one ONNX node."""
        t, attrs = node.op_type, {a.name: helper.get_attribute_value(a) for a in node.attribute}
        x = dynamic[0]
        shape = self._per_sample(x)
        if t == "Conv":
            weight = self.shapes[node.input[1]]
            if len(weight) != 4 or node.input[1] in dynamic:
                raise ValueError("only 2-D convolutions with constant weights")
            kernel = tuple(attrs.get("kernel_shape", weight[2:]))
            dilation = tuple(attrs.get("dilations", (1, 1)))
            padding = _padding(attrs, kernel, dilation)
            return "conv2d", fields.conv2d(shape, weight[0], kernel, attrs.get("strides", (1, 1)),
                                           padding, dilation, attrs.get("group", 1),
                                           bias=_has_input(node, 2)), [x]
        if t in ("Gemm", "MatMul"):
            return self._matmul(node, attrs, dynamic)
        if t in ELEMENTWISE:
            out = self._per_sample(node.output[0])
            if t == "Mul":  # the channel scaling reads [tensor, [C, 1, 1] scale]
                dynamic = sorted(dynamic, key=lambda d: self._per_sample(d) != out)
            return ELEMENTWISE[t], fields.elementwise(out), dynamic
        if t == "Concat":
            if len(shape) != 3 or attrs.get("axis") not in (1, -3):
                raise ValueError(f"concat along axis {attrs.get('axis')} (only channels)")
            return "concat", fields.elementwise(self._per_sample(node.output[0])), dynamic
        if t in ("MaxPool", "AveragePool"):
            if any(d != 1 for d in attrs.get("dilations", (1, 1))):
                raise ValueError("dilated pooling")
            kernel = tuple(attrs["kernel_shape"])
            return "pool", fields.pool("max" if t == "MaxPool" else "avg", shape, kernel,
                                       tuple(attrs.get("strides", (1, 1))),
                                       _padding(attrs, kernel, (1, 1))), [x]
        if t in ("GlobalMaxPool", "GlobalAveragePool"):
            return "pool", fields.pool("max" if t == "GlobalMaxPool" else "avg", shape), [x]
        if t == "ReduceMean" and self._spatial_axes(node, attrs):
            return "pool", fields.pool("avg", shape), [x]
        raise ValueError("no workload op for it")

    def _matmul(self, node, attrs, dynamic) -> tuple[str, dict, list[str]]:
        lhs, rhs = node.input[0], node.input[1]
        if node.op_type == "MatMul" and len(dynamic) == 2:
            return "matmul", fields.matmul(self._per_sample(lhs), self._per_sample(rhs)), dynamic
        weight = self.shapes[rhs]
        if lhs not in dynamic or len(weight) != 2 or attrs.get("transA", 0):
            raise ValueError("needs an activation on the left and a constant 2-D weight")
        k, n = weight[::-1] if attrs.get("transB", 0) else weight
        return "linear", fields.linear(self._per_sample(lhs), k, n, bias=_has_input(node, 2)), [lhs]

    def _spatial_axes(self, node, attrs) -> bool:
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1] in self.constants:
            axes = self.constants[node.input[1]].tolist()
        rank = len(self.shapes.get(node.input[0], ()))
        return axes is not None and rank == 4 and sorted(a % 4 for a in axes) == [2, 3]

    def _per_sample(self, tensor: str, required: bool = True) -> tuple:
        """A tensor's shape without the batch axis; unknown shapes are an error if ``required``
        (a layer needs them), else ``()`` (a pass-through op's output may never reach a layer)."""
        shape = self.shapes.get(tensor)
        if shape is None or any(d is None for d in shape[1:]):
            if not required:
                return ()
            raise OptionError("", f"shape of {tensor!r} is unknown after shape inference; give "
                                  "the input shape ({input_shape})", self.rec.source,
                              mentions=("input_shape",))
        return tuple(int(d) for d in shape[1:])


def _has_input(node, index: int) -> bool:
    """Whether optional input ``index`` (a Conv's or Gemm's bias) is given."""
    return len(node.input) > index and node.input[index] != ""


def _padding(attrs: dict, kernel, dilation) -> tuple[int, int]:
    """Symmetric padding from ``pads`` ([top, left, bottom, right]) or ``auto_pad``."""
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return fields.conv_padding("same", kernel, dilation)
    if auto == "VALID":
        return (0, 0)
    pads = list(attrs.get("pads", (0, 0, 0, 0)))
    if pads[:2] != pads[2:]:
        raise ValueError(f"asymmetric padding {pads}")
    return tuple(pads[:2])

