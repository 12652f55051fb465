"""Tensor shapes through a workload graph: what each layer produces, and whether every layer
receives what it expects from its producers.

Shapes are per sample (no batch axis): ``[C, H, W]`` for feature maps, ``[F]`` (or ``[T, F]``)
for linear layers, ``[M, N]`` for matmuls. A layer that reads a flat vector (linear, matmul)
accepts any producer with the right number of elements, as a flatten between them moves no data.
A channel scaling (mul, as in squeeze-excitation) takes a ``[C, H, W]`` tensor and a ``[C, 1, 1]``
scale broadcast over it; an add takes inputs of its own shape.
"""

from __future__ import annotations

import math
from typing import Optional

from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from hicsim.spec.errors import InputError
from hicsim.workload.layers import Add, Concat, Conv2d, Linear, Matmul, Mul, Pool
from hicsim.workload.model import NETWORK_INPUT, Workload

Shape = tuple


def output_shape(layer) -> Shape:
    """The per-sample shape a layer writes."""
    if hasattr(layer, "output_shape"):  # transformer kinds state their own
        return layer.output_shape()
    if isinstance(layer, Conv2d):
        return (layer.out_channels, *layer.output_hw)
    if isinstance(layer, Pool):
        return (layer.channels, *layer.output_hw)
    if isinstance(layer, Linear):
        return (layer.out_features,) if layer.tokens == 1 else (layer.tokens, layer.out_features)
    if isinstance(layer, Matmul):
        return (layer.m, layer.n) if layer.heads == 1 else (layer.heads, layer.m, layer.n)
    if isinstance(layer, (Add, Mul, Concat)):
        return tuple(layer.shape)
    raise TypeError(f"no output shape rule for {type(layer).__name__}")


def input_problem(layer, shapes: list[Shape], spatial: bool = True) -> Optional[str]:
    """Why ``shapes`` (one per producer, in order) cannot feed ``layer``; None when they can.
    ``spatial=False`` compares channels only for convolutions and pooling (layer lists whose
    input sizes include padding, with pooling left out: SCALE-Sim topologies)."""
    if hasattr(layer, "input_problem"):  # transformer kinds check their own
        return layer.input_problem(shapes)
    if isinstance(layer, (Conv2d, Pool)):
        channels = layer.in_channels if isinstance(layer, Conv2d) else layer.channels
        if not spatial:
            return _exact([tuple(g[:1]) for g in shapes], [(channels,)])
        return _exact(shapes, [(channels, *layer.input_hw)])
    if isinstance(layer, Linear):
        return _flat(shapes, [layer.in_features * layer.tokens])
    if isinstance(layer, Matmul):
        per_head = [layer.m * layer.k] + ([] if layer.weighted else [layer.k * layer.n])
        want = [layer.heads * e for e in per_head]
        # an attention product reads query, key and value as slices of one fused projection
        return _flat(shapes, want) if layer.weighted else _slices(shapes, want)
    if isinstance(layer, Add):
        return _exact(shapes, [tuple(layer.shape)] * len(shapes))
    if isinstance(layer, Mul):
        return _exact(shapes, [tuple(layer.shape), (layer.shape[0], 1, 1)])
    if isinstance(layer, Concat):
        return _concat(shapes, tuple(layer.shape))
    raise TypeError(f"no input shape rule for {type(layer).__name__}")


def input_key(layer, shapes: list[Shape]) -> str:
    """The key of ``layer`` that disagrees with its producers (for error messages)."""
    if hasattr(layer, "input_problem"):
        return "inputs"
    if isinstance(layer, (Conv2d, Pool)):
        channels = layer.in_channels if isinstance(layer, Conv2d) else layer.channels
        if len(shapes) != 1:
            return "inputs"
        return ("in_channels" if isinstance(layer, Conv2d) else "channels") \
            if tuple(shapes[0][:1]) != (channels,) else "input_hw"
    if isinstance(layer, Linear):
        return "in_features"
    if isinstance(layer, Matmul):
        return "k"
    return "shape"


def expected_input(layer) -> Optional[Shape]:
    """The single input shape a layer reading the network input wants (None: no single answer)."""
    if hasattr(layer, "expected_input"):  # transformer kinds that read the input say so
        return layer.expected_input()
    if isinstance(layer, Conv2d):
        return (layer.in_channels, *layer.input_hw)
    if isinstance(layer, Pool):
        return (layer.channels, *layer.input_hw)
    if isinstance(layer, Linear):
        return (layer.in_features,) if layer.tokens == 1 else (layer.tokens, layer.in_features)
    if isinstance(layer, Matmul) and layer.weighted:
        return (layer.m, layer.k)
    return None


def shape_problems(workload: Workload, input_shape: Optional[Shape] = None,
                   spatial: Optional[bool] = None) -> list[tuple[str, str]]:
    """Every layer whose producers' shapes do not fit it, as (key path, message) pairs.

    ``input_shape`` is the network input per sample; omitted, it is taken from the first layer
    that reads the network input, and every other reader must agree with it. ``spatial``
    (default: unless the workload chains channels only) also compares feature-map sizes."""
    return [(f"layers[{i}]({workload.layers[i].name}).{key}", message)
            for i, key, message in mismatches(workload, input_shape, spatial)]


def shape_errors(workload: Workload) -> Optional[ValidationError]:
    """The shape mismatches of a workload being validated, as a pydantic error located at each
    layer's disagreeing key (so the loader names file, layer and key), or None."""
    details = [InitErrorDetails(type=PydanticCustomError("shape_mismatch", message),
                                loc=("layers", i, key), input=None)
               for i, key, message in mismatches(workload, None, None)]
    return ValidationError.from_exception_data("Workload", details) if details else None


def mismatches(workload: Workload, input_shape: Optional[Shape] = None,
               spatial: Optional[bool] = None) -> list[tuple[int, str, str]]:
    """(layer index, key, message) of every layer its producers cannot feed."""
    if spatial is None:
        spatial = getattr(workload, "chaining", "shapes") == "shapes"
    shapes: dict[str, Optional[Shape]] = {}
    if input_shape is not None:
        shapes[NETWORK_INPUT] = tuple(input_shape)
    problems = []
    for i, layer in enumerate(workload.layers):
        producers = workload.inputs_of(i)
        if NETWORK_INPUT in producers and shapes.get(NETWORK_INPUT) is None:
            shapes[NETWORK_INPUT] = _known(expected_input, layer)
        got = [shapes.get(p) for p in producers]
        if all(g is not None for g in got):
            try:
                why = input_problem(layer, got, spatial)
            except TypeError:  # a layer kind without shape rules: not checked
                why = None
            if why:
                problems.append((i, input_key(layer, got), f"{why} (inputs: {', '.join(producers)})"))
        shapes[layer.name] = _known(output_shape, layer)
    return problems


def _known(rule, layer) -> Optional[Shape]:
    """``rule(layer)``, or None for a layer kind it has no rule for (its consumers go unchecked)."""
    try:
        return rule(layer)
    except TypeError:
        return None


def check_shapes(workload: Workload, input_shape: Optional[Shape] = None,
                 source: Optional[str] = None) -> None:
    """Raise an InputError listing every shape mismatch in ``workload``."""
    problems = shape_problems(workload, input_shape)
    if problems:
        raise InputError(source or workload.name, problems)


def _exact(got: list[Shape], want: list[Shape]) -> Optional[str]:
    if [tuple(g) for g in got] != want:
        return f"expects input shape {_fmt(want)}, producers give {_fmt(got)}"
    return None


def _flat(got: list[Shape], want_elems: list[int]) -> Optional[str]:
    elems = [math.prod(g) for g in got]
    if elems != want_elems:
        return f"expects inputs of {want_elems} elements, producers give {elems} ({_fmt(got)})"
    return None


def _slices(got: list[Shape], want_elems: list[int]) -> Optional[str]:
    """Each operand is the producer's whole output or one of equal slices of it (q, k, v of a
    fused qkv projection)."""
    elems = [math.prod(g) for g in got]
    if len(elems) != len(want_elems) or any(e % w for e, w in zip(elems, want_elems)):
        return (f"expects inputs of {want_elems} elements (or whole slices of producers), "
                f"producers give {elems} ({_fmt(got)})")
    return None


def _concat(got: list[Shape], out: Shape) -> Optional[str]:
    if any(len(g) != 3 or g[1:] != out[1:] for g in got) or sum(g[0] for g in got) != out[0]:
        return f"output {list(out)} is not the channel concatenation of {_fmt(got)}"
    return None


def _fmt(shapes: list[Shape]) -> str:
    return ", ".join(str(list(s)) for s in shapes)
