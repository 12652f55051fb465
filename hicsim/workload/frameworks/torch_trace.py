"""Trace a PyTorch model into a workload: torch.fx first, forward hooks where fx cannot trace.

Both tracers run the model once on the example input and hand every call, with the real tensors
it read and wrote, to ``TorchEmitter``:

- torch.fx: ``symbolic_trace`` turns the model into a graph of module and function calls; an
  interpreter runs that graph, so every node's shapes are real. A function's owner (for naming
  ``layer1.0.add``) is the innermost module in the node's ``nn_module_stack``.
- forward hooks, for models fx cannot trace (data-dependent control flow, say): hooks on every
  module track which module is running, and a ``TorchFunctionMode`` sees every torch function
  and tensor method called outside PyTorch's own modules (``x + y``, ``torch.cat``, ...).

PyTorch's own modules (not containers) are single ops in both, as in torch.fx.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch
import torch.fx
from torch import nn
from torch.overrides import TorchFunctionMode

from hicsim.workload.frameworks.recorder import Recorder
from hicsim.workload.frameworks.stats import OperandStats
from hicsim.workload.frameworks.torch_ops import TorchEmitter, is_leaf_module
from hicsim.workload.model import Workload


class Traced(NamedTuple):
    workload: Workload
    stats: dict[str, OperandStats]   # per weighted layer; empty unless asked for
    tracer: str                      # "torch.fx" or "forward hooks"
    fx_error: Optional[str]          # why torch.fx could not trace, when it could not


def trace_torch(model: nn.Module, example_input: torch.Tensor, *, name: Optional[str] = None,
                stats: bool = False, batch: Optional[int] = None, input_bits: int = 8,
                weight_bits: int = 8, phase: str = "inference",
                source: Optional[str] = None, tracer: str = "auto") -> Traced:
    """The workload of ``model`` run on ``example_input`` (one tensor, batch axis first).
    ``tracer``: "auto" (torch.fx, else forward hooks), "fx" or "hooks"."""
    if tracer not in ("auto", "fx", "hooks"):
        raise ValueError(f"tracer must be 'auto', 'fx' or 'hooks', not {tracer!r}")
    if not isinstance(example_input, torch.Tensor) or example_input.dim() < 2:
        raise TypeError("example_input must be one tensor with a batch axis first")
    name = name or type(model).__name__.lower()
    source = source or f"hicsim.workload.from_torch({type(model).__name__}, "\
                       f"input {list(example_input.shape)})"
    was_training = model.training
    model.eval()  # batch norm with running statistics, dropout off: the inference graph
    try:
        fx_error = "not tried" if tracer == "hooks" else None
        if fx_error is None:
            try:
                graph = torch.fx.symbolic_trace(model)
            except Exception as exc:  # fx raises many kinds (TraceError, TypeError on proxies)
                if tracer == "fx":
                    raise
                fx_error = f"{type(exc).__name__}: {exc}"
        rec = Recorder(source, input_bits=input_bits, stats=stats)
        emitter = TorchEmitter(rec, example_input)
        with torch.no_grad():
            if fx_error is None:
                result = _FxWalk(graph, emitter).run(example_input)
            else:
                result = _run_with_hooks(model, emitter, example_input)
            emitter.outputs(result)
    finally:
        model.train(was_training)
    workload = rec.workload(name, batch=batch or example_input.shape[0], input_bits=input_bits,
                            weight_bits=weight_bits, phase=phase, source=source)
    return Traced(workload, rec.stats, "torch.fx" if fx_error is None else "forward hooks",
                  fx_error)


class _FxWalk(torch.fx.Interpreter):
    """Runs the traced graph, reporting each call with its real arguments and result."""

    def __init__(self, graph: torch.fx.GraphModule, emitter: TorchEmitter):
        # Values stay alive for the whole run: the emitter keys tensors by id.
        super().__init__(graph, garbage_collect_values=False)
        self.emitter = emitter

    def run_node(self, node: torch.fx.Node):
        result = super().run_node(node)
        if node.op in ("call_module", "call_function", "call_method"):
            args, kwargs = self.fetch_args_kwargs_from_env(node)
            if node.op == "call_module":
                self.emitter.module(node.target, self.module.get_submodule(node.target), args,
                                    result)
            else:
                self.emitter.function(_owner(node), node.target, args, kwargs, result)
        return result


def _owner(node: torch.fx.Node) -> str:
    """Qualified name of the module whose forward made this call ('' at the top level)."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path = list(stack.values())[-1]
    return path[0] if isinstance(path, tuple) else str(list(stack)[-1])


class _HookTracer(TorchFunctionMode):
    """Sees torch functions called outside PyTorch's own modules, attributing each to the
    module running it."""

    def __init__(self, emitter: TorchEmitter):
        super().__init__()
        self.emitter = emitter
        self.running: list[str] = []   # qualified names of modules being run, outermost first
        self.in_leaf = 0               # inside a PyTorch module: its internals are one op

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if not self.in_leaf:
            owner = self.running[-1] if self.running else ""
            self.emitter.function(owner, func, args, kwargs, result)
        return result

    def attach(self, model: nn.Module) -> list:
        handles = []
        for qualname, module in model.named_modules():
            leaf = qualname != "" and is_leaf_module(module)
            handles.append(module.register_forward_pre_hook(self._enter(qualname, leaf)))
            handles.append(module.register_forward_hook(self._leave(qualname, leaf)))
        return handles

    def _enter(self, qualname: str, leaf: bool):
        def hook(module, args):
            self.running.append(qualname)
            self.in_leaf += leaf
        return hook

    def _leave(self, qualname: str, leaf: bool):
        def hook(module, args, output):
            # Still counted as inside the module: the emitter's own tensor calls go unseen.
            if leaf and self.in_leaf == 1:
                self.emitter.module(qualname, module, args, output)
            self.in_leaf -= leaf
            self.running.pop()
        return hook


def _run_with_hooks(model: nn.Module, emitter: TorchEmitter, example: torch.Tensor):
    tracer = _HookTracer(emitter)
    handles = tracer.attach(model)
    try:
        with tracer:
            return model(example)
    finally:
        for handle in handles:
            handle.remove()
