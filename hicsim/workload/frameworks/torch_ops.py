"""What each PyTorch module or function is in a workload, given the tensors it really read and
wrote. Both tracers (torch.fx and the forward-hook fallback) feed every call through here, so
they agree op for op.

Compute-free here, passed through silently: batch norm (its learned scale and shift counted on a
weighted layer, see ``Recorder.batch_norm``) and the other normalisations of feature maps (a
per-element scale and shift, folded into the weights), activation functions but GELU, SiLU and
tanh, dropout, and reshapes/views/transposes (a flatten moves no data). So are add, sub, mul and
div with only one activation operand (a constant bias or scale) smaller than it. What
transformers do is layers: LayerNorm and RMSNorm, GELU, SiLU, tanh, softmax, embeddings,
attention modules and ``scaled_dot_product_attention`` (``torch_attention``), a learned tensor
as large as the activation added to it (position embeddings) or concatenated with it along the
tokens (a class token), and the first or last token taken (``x[:, 0]``). Anything else that
reads an activation and is not a convolution, linear layer, matmul, residual add, channel
scaling, concatenation or 2-D pooling is listed as unsupported.
"""

from __future__ import annotations

from typing import Any, Callable

import math

import torch
from torch import nn

from hicsim.workload.frameworks import fields
from hicsim.workload.frameworks.recorder import Recorder, child_name
from hicsim.workload.frameworks.torch_attention import ATTENTION_MODULES, AttentionExpander

COMPUTE_FREE_MODULES = (
    nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm,
    nn.GroupNorm, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU,
    nn.Mish, nn.Hardswish, nn.Hardsigmoid, nn.Hardtanh, nn.Sigmoid,
    nn.LogSoftmax, nn.Softplus, nn.modules.dropout._DropoutNd, nn.Identity,
    nn.Flatten, nn.Unflatten)
FUNCTION_MODULES = {nn.GELU: "gelu", nn.SiLU: "silu", nn.Tanh: "tanh"}
NORM_MODULES = {nn.LayerNorm: "layernorm", **({nn.RMSNorm: "rmsnorm"} if hasattr(nn, "RMSNorm") else {})}
FUNCTIONS = {"gelu", "silu", "tanh"}
NORM_FUNCTIONS = {"layer_norm": "layernorm", "rms_norm": "rmsnorm"}
COMPUTE_FREE_FUNCTIONS = {
    "relu", "relu6", "hardtanh", "sigmoid", "mish", "hardswish",
    "hardsigmoid", "elu", "selu", "leaky_relu", "log_softmax", "softplus", "dropout",
    "batch_norm", "group_norm", "instance_norm", "flatten", "view", "reshape",
    "permute", "transpose", "t", "contiguous", "getitem", "squeeze", "unsqueeze", "clone",
    "detach", "to", "float", "half", "expand", "expand_as", "chunk", "split", "unbind", "neg",
    "div", "truediv"}
# Python operator spellings of the same ops: __iadd__, __radd__, add_ -> add.
ALIASES = {"cat": "concat", "concatenate": "concat", "mm": "matmul", "bmm": "matmul",
           "multiply": "mul", "subtract": "sub", "divide": "div"}
REFLECTED = ("add", "sub", "mul", "matmul", "truediv", "div")
POOL_MODULES = {nn.MaxPool2d: "max", nn.AvgPool2d: "avg"}
ADAPTIVE_POOL_MODULES = {nn.AdaptiveMaxPool2d: "max", nn.AdaptiveAvgPool2d: "avg"}
POOL_FUNCTIONS = {"max_pool2d": "max", "avg_pool2d": "avg"}
ADAPTIVE_POOL_FUNCTIONS = {"adaptive_max_pool2d": "max", "adaptive_avg_pool2d": "avg"}
# Ops without a module are named after their kind; pools as torchvision names pool modules.
NAME_OF_KIND = {"max_pool2d": "maxpool", "adaptive_max_pool2d": "maxpool",
                "avg_pool2d": "avgpool", "adaptive_avg_pool2d": "avgpool", "mean": "avgpool"}


def is_leaf_module(module: nn.Module) -> bool:
    """torch.fx's rule: PyTorch's own modules (but not containers) are single ops."""
    return (module.__module__.startswith(("torch.nn", "torch.ao.nn"))
            and not isinstance(module, (nn.Sequential, nn.ModuleList, nn.ModuleDict)))


def op_name(target: Any) -> str:
    """A function or method's plain name: ``__iadd__``, ``add_``, ``operator.add`` -> ``add``."""
    name = (target if isinstance(target, str) else getattr(target, "__name__", str(target)))
    name = name.strip("_")
    if name[:1] in "ir" and name[1:] in REFLECTED:
        name = name[1:]
    return ALIASES.get(name, name)


def per_sample(t: torch.Tensor) -> tuple:
    return tuple(t.shape[1:])


class TorchEmitter:
    """Classifies each call and tells the recorder; activations are tensors keyed by ``id``
    (kept alive here, so an id is never reused during the trace)."""

    def __init__(self, recorder: Recorder, example: torch.Tensor):
        self.rec = recorder
        self.attention = AttentionExpander(recorder)
        self._alive: list = [example]
        recorder.network_input(id(example), per_sample(example))

    def module(self, name: str, module: nn.Module, args: tuple, output: Any) -> None:
        srcs = self._activations(args)
        if srcs and isinstance(module, ATTENTION_MODULES):  # (output, weights) from attention
            out = output[0] if isinstance(output, tuple) else output
            self._keep(out)
            return self._guard(name, srcs[:1], out, lambda: self.attention.module(
                name, module, srcs[0], id(out)))
        if not srcs or not isinstance(output, torch.Tensor):
            return self._constant_or_opaque(name, type(module).__name__, srcs, output)
        x = srcs[0]
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and module.affine:
            self._keep(output)
            return self.rec.batch_norm(name, id(x), id(output), per_sample(output),
                                       module.num_features)
        if isinstance(module, COMPUTE_FREE_MODULES):
            return self._passthrough(x, output)
        self._guard(name, [x], output, lambda: self._module_layer(name, module, x, output))

    def function(self, owner: str, target: Any, args: tuple, kwargs: dict, output: Any) -> None:
        kind = op_name(target)
        tensors = [a for a in _flat(args) + _flat(kwargs.values()) if isinstance(a, torch.Tensor)]
        srcs = [t for t in tensors if self.rec.is_activation(id(t))]
        outs = [o for o in _flat([output]) if isinstance(o, torch.Tensor)]
        if not srcs or not outs:
            return  # computes on constants, or asks for a size: no activation data moves
        norm_weight = _arg(args, kwargs, 3, "weight", None) if kind == "batch_norm" else None
        if norm_weight is not None and len(outs) == 1:
            self._keep(outs[0])
            return self.rec.batch_norm(child_name(owner, kind), id(srcs[0]), id(outs[0]),
                                       per_sample(outs[0]), norm_weight.numel())
        if kind in ("add", "concat", "getitem") and len(outs) == 1:
            table = self._token_op(owner, kind, args, kwargs, tensors, srcs, outs[0])
            if table:
                return
        if kind in COMPUTE_FREE_FUNCTIONS or (kind in ("add", "sub", "mul") and len(srcs) == 1):
            for out in outs:
                self._passthrough(srcs[0], out)
            return
        name = child_name(owner, NAME_OF_KIND.get(kind, kind))
        if len(outs) != 1:
            return self.rec.unsupported(name, f"{kind} (several outputs)", [id(t) for t in srcs],
                                        [id(o) for o in outs])
        self._keep(outs[0])
        self._guard(name, srcs, outs[0], lambda: self._function_layer(
            name, kind, args, kwargs, srcs, outs[0]))

    def outputs(self, result: Any) -> None:
        """The model's result: ops it depends on must be expressible."""
        self.rec.network_output([id(t) for t in _flat([result]) if isinstance(t, torch.Tensor)])

    # -- modules ----------------------------------------------------------------------------
    def _module_layer(self, name: str, m: nn.Module, x: torch.Tensor, out: torch.Tensor) -> None:
        if isinstance(m, nn.Conv2d):
            padding = (fields.conv_padding(m.padding, m.kernel_size, m.dilation)
                       if isinstance(m.padding, str) else m.padding)
            self._layer(name, "conv2d", fields.conv2d(per_sample(x), m.out_channels,
                        m.kernel_size, m.stride, padding, m.dilation, m.groups,
                        bias=m.bias is not None), [x], out, x, m.weight)
        elif isinstance(m, nn.Linear):
            self._layer(name, "linear", fields.linear(per_sample(x), m.in_features,
                                                      m.out_features, bias=m.bias is not None),
                        [x], out, x, m.weight)
        elif type(m) in POOL_MODULES:
            if getattr(m, "dilation", 1) not in (1, (1, 1)):
                raise ValueError("dilated pooling")
            self._layer(name, "pool", fields.pool(POOL_MODULES[type(m)], per_sample(x),
                                                  m.kernel_size, m.stride, m.padding), [x], out)
        elif type(m) in ADAPTIVE_POOL_MODULES:
            self._layer(name, "pool", fields.adaptive_pool(ADAPTIVE_POOL_MODULES[type(m)],
                                                           per_sample(x), m.output_size), [x], out)
        elif type(m) in NORM_MODULES:
            self._layer(name, NORM_MODULES[type(m)], fields.tokens(
                per_sample(x), math.prod(m.normalized_shape)), [x], out)
        elif type(m) in FUNCTION_MODULES:
            self._layer(name, FUNCTION_MODULES[type(m)], fields.tokens(per_sample(x)), [x], out)
        elif isinstance(m, nn.Softmax):
            self._layer(name, "softmax", fields.softmax(per_sample(x)), [x], out)
        elif isinstance(m, nn.Embedding):
            self._layer(name, "embedding", dict(num_embeddings=m.num_embeddings,
                        dim=m.embedding_dim, tokens=math.prod(per_sample(x))), [x], out)
        else:
            self.rec.unsupported(name, f"module {type(m).__name__}", [id(x)], [id(out)],
                                 per_sample(out))

    # -- functions --------------------------------------------------------------------------
    def _function_layer(self, name, kind, args, kwargs, srcs, out) -> None:
        x = srcs[0]
        if kind in ("add", "sub"):
            self._layer(name, "add", fields.elementwise(per_sample(out)), srcs, out)
        elif kind == "mul":
            # The schema's channel scaling reads [tensor, [C, 1, 1] scale]: full tensor first.
            srcs = sorted(srcs, key=lambda t: t.numel() != out.numel())
            self._layer(name, "mul", fields.elementwise(per_sample(out)), srcs, out)
        elif kind == "concat":
            dim = _arg(args, kwargs, 1, "dim", 0)
            if x.dim() != 4 or dim % 4 != 1:
                raise ValueError(f"concat along axis {dim} of {x.dim()}-d tensors (only channels)")
            self._layer(name, "concat", fields.elementwise(per_sample(out)), srcs, out)
        elif kind == "matmul":
            self._matmul(name, args, out)
        elif kind in NORM_FUNCTIONS:
            shape = _arg(args, kwargs, 1, "normalized_shape", None)
            self._layer(name, NORM_FUNCTIONS[kind], fields.tokens(
                per_sample(x), math.prod(shape)), [x], out)
        elif kind in FUNCTIONS:
            self._layer(name, kind, fields.tokens(per_sample(x)), [x], out)
        elif kind == "softmax":
            self._layer(name, "softmax", fields.softmax(per_sample(x)), [x], out)
        elif kind == "scaled_dot_product_attention":
            q, k, v = (per_sample(t) for t in srcs[:3])
            heads = math.prod(q[:-2]) if len(q) > 2 else 1
            self._keep(out)
            self.attention.attention(name, *(id(t) for t in srcs[:3]), heads, q[-2], k[-2], q[-1],
                                     out=id(out))
        elif kind in ("conv2d", "linear"):
            self._functional_weighted(name, kind, args, kwargs, x, out)
        elif kind in POOL_FUNCTIONS:
            kernel = _arg(args, kwargs, 1, "kernel_size", None)
            stride = _arg(args, kwargs, 2, "stride", None) or kernel
            self._layer(name, "pool", fields.pool(POOL_FUNCTIONS[kind], per_sample(x), kernel,
                        stride, _arg(args, kwargs, 3, "padding", 0)), [x], out)
        elif kind in ADAPTIVE_POOL_FUNCTIONS:
            self._layer(name, "pool", fields.adaptive_pool(ADAPTIVE_POOL_FUNCTIONS[kind],
                        per_sample(x), _arg(args, kwargs, 1, "output_size", 1)), [x], out)
        elif kind == "mean" and _is_spatial(_arg(args, kwargs, 1, "dim", None), x.dim()):
            self._layer(name, "pool", fields.pool("avg", per_sample(x)), [x], out)
        else:
            self.rec.unsupported(name, f"function {kind}", [id(t) for t in srcs], [id(out)],
                                 per_sample(out))

    def _matmul(self, name: str, args: tuple, out: torch.Tensor) -> None:
        lhs, rhs = args[0], args[1]
        if self.rec.is_activation(id(lhs)) and self.rec.is_activation(id(rhs)):
            self._layer(name, "matmul", fields.matmul(per_sample(lhs), per_sample(rhs)),
                        [lhs, rhs], out)
        elif self.rec.is_activation(id(lhs)) and rhs.dim() == 2:
            # A static right operand is a weight matrix: a linear layer over lhs's rows.
            self._layer(name, "linear", fields.linear(per_sample(lhs), *rhs.shape), [lhs], out,
                        lhs, rhs)
        else:
            raise ValueError("matmul with a constant left operand or a batched weight")

    def _functional_weighted(self, name, kind, args, kwargs, x, out) -> None:
        weight = _arg(args, kwargs, 1, "weight", None)
        if self.rec.is_activation(id(weight)):
            raise ValueError(f"{kind} whose weight is an activation")
        bias = _arg(args, kwargs, 2, "bias", None) is not None
        if kind == "linear":
            self._layer(name, "linear", fields.linear(per_sample(x), weight.shape[1],
                                                      weight.shape[0], bias=bias), [x], out, x,
                        weight)
            return
        groups = _arg(args, kwargs, 6, "groups", 1)
        self._layer(name, "conv2d", fields.conv2d(
            per_sample(x), weight.shape[0], tuple(weight.shape[2:]),
            _arg(args, kwargs, 3, "stride", 1), _arg(args, kwargs, 4, "padding", 0),
            _arg(args, kwargs, 5, "dilation", 1), groups, bias=bias), [x], out, x, weight)

    def _token_op(self, owner, kind, args, kwargs, tensors, srcs, out) -> bool:
        """Learned tensors read as tokens: one as large as the activation added to it (position
        embeddings), one concatenated with it along the tokens (a class token); and the first or
        last token taken. Each learned tensor becomes a positions lookup named ``<op>.table``.
        False: not such an op (the caller treats it as usual)."""
        x = srcs[0]
        if kind == "getitem":
            index = args[1] if len(args) > 1 else None
            if (x.dim() != 3 or not isinstance(index, tuple) or len(index) != 2
                    or index[0] != slice(None) or index[1] not in (0, -1)):
                return False
            name = child_name(owner, "token_slice")
            self._layer(name, "token_slice", dict(dim=x.shape[-1], position="first" if index[1] == 0
                        else "last"), [x], out)
            return True
        constants = [t for t in tensors if not self.rec.is_activation(id(t))]
        if out.dim() != 3 or not constants or (kind == "add" and len(srcs) != 1):
            return False
        dim = out.shape[-1]
        if kind == "add" and constants[0].numel() != math.prod(per_sample(out)):
            return False  # a bias broadcast over the tokens: compute-free
        if kind == "concat" and _arg(args, kwargs, 1, "dim", 0) % 3 != 1:
            return False
        name = child_name(owner, kind)
        table = f"{name}.table"
        operands = []
        for t in (tensors if kind == "concat" else [x, constants[0]]):
            if self.rec.is_activation(id(t)):
                operands.append(t)
                continue
            rows = t.shape[-2] if t.dim() > 1 else 1
            self._keep(t)
            self.attention.layer(table, "embedding", dict(num_embeddings=rows, dim=dim,
                                 tokens=rows, lookup="positions"), [id(x)], id(t))
            operands.append(t)
        self._keep(out)
        if kind == "add":
            self._layer(name, "add", dict(shape=per_sample(out)), operands, out)
        else:
            self._layer(name, "token_concat", dict(tokens=out.shape[1], dim=dim), operands, out)
        return True

    # -- plumbing ---------------------------------------------------------------------------
    def _layer(self, name, op, layer_fields, srcs, out, sample_of=None, weight=None) -> None:
        def values(t):
            return t.detach().float().cpu().numpy() if t is not None else None

        # the weights' distribution is always recorded; the input sample only when asked for
        sample = values(sample_of) if self.rec.want_stats else None
        weights = values(weight)
        self._keep(out)
        self.rec.layer(name, op, layer_fields, [id(s) for s in srcs], id(out), per_sample(out),
                       sample, weights)

    def _guard(self, name: str, srcs: list, out: torch.Tensor, build: Callable[[], None]) -> None:
        """Run ``build``; a ValueError means the op is one the schema cannot express."""
        try:
            build()
        except ValueError as exc:
            self.rec.unsupported(name, str(exc), [id(t) for t in srcs], [id(out)],
                                 per_sample(out))

    def _passthrough(self, src: torch.Tensor, out: torch.Tensor) -> None:
        self._keep(out)
        self.rec.passthrough(id(src), id(out), per_sample(out))

    def _constant_or_opaque(self, name, what, srcs, output) -> None:
        outs = [o for o in _flat([output]) if isinstance(o, torch.Tensor)]
        if srcs:  # reads activations but returns no single tensor (an LSTM's tuple, say)
            self._keep(*outs)
            self.rec.unsupported(name, f"module {what}", [id(t) for t in srcs],
                                 [id(o) for o in outs])

    def _activations(self, values) -> list:
        return [t for t in _flat(values) if isinstance(t, torch.Tensor)
                and self.rec.is_activation(id(t))]

    def _keep(self, *tensors) -> None:
        self._alive.extend(tensors)


def _flat(values) -> list:
    """Leaves of nested lists, tuples and dicts (a model may return any of them)."""
    out = []
    for v in values:
        if isinstance(v, dict):
            v = list(v.values())
        out.extend(_flat(v) if isinstance(v, (list, tuple)) else [v])
    return out


def _arg(args: tuple, kwargs: dict, index: int, name: str, default):
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else default


def _is_spatial(dims, ndim: int) -> bool:
    """``mean`` over the two spatial axes of an NCHW tensor: global average pooling."""
    if dims is None or ndim != 4:
        return False
    dims = (dims,) if isinstance(dims, int) else dims
    return sorted(d % 4 for d in dims) == [2, 3]
