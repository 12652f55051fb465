"""The layer library: weight layers on a store (``stores``), digital layers in float32.

Every layer has ``forward(x, train)``, ``backward(grad) -> grad of its input``, ``update(lr,
momentum) -> weights programmed`` (after the whole backward pass, so backward reads the weights
the forward used), ``state()`` / ``load_state()`` (all it must keep for a bit-identical resume).
Weight layers also have ``name``, ``store`` and ``weight_count``.
"""

from __future__ import annotations

import math

import numpy as np

from hicsim.train.im2col import col2im, im2col, output_size
from hicsim.train.optim import sgd_step
from hicsim.train.stores import (W_MAX_STDS, apply_gradient, digital_transposed, load_store_state,
                                 make_store, store_state, velocity_shape)


class Layer:
    """A layer without parameters: identity update and state."""

    def update(self, lr: float, momentum: float) -> int:
        return 0

    def state(self) -> dict[str, np.ndarray]:
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        pass

    def weight_layers(self) -> list:
        return []


class DigitalParams(Layer):
    """A layer whose float32 parameters (``self.params``) train by plain SGD in digital logic."""

    def __init__(self, params: dict[str, np.ndarray]):
        self.params = params
        self.grads = {k: np.zeros_like(v) for k, v in params.items()}
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()}

    def update(self, lr: float, momentum: float) -> int:
        for k, p in self.params.items():
            sgd_step(p, self.grads[k], self.velocity[k], lr, momentum)
        return 0

    def state(self) -> dict[str, np.ndarray]:
        return {**self.params, **{f"velocity.{k}": v for k, v in self.velocity.items()}}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        for k in self.params:
            self.params[k][...] = state[k]
            self.velocity[k][...] = state[f"velocity.{k}"]


def he_init(rng: np.random.Generator, inputs: int, outputs: int) -> tuple[np.ndarray, float]:
    """He initialisation for ReLU networks, clipped at 2 std, and the devices' range w_max
    (``W_MAX_STDS`` std): (weights (inputs, outputs), w_max)."""
    std = math.sqrt(2.0 / inputs)
    w = np.clip(rng.standard_normal((inputs, outputs)) * std, -2 * std, 2 * std)
    return w, W_MAX_STDS * std


class WeightLayer(DigitalParams):
    """y = x . W + b with W (inputs, outputs) on a store and the bias b digital.

    The weights are ``init`` = (weights, w_max) when given (a converted network's own), else
    drawn by ``he_init`` from ``rng``. The transposed read follows the spec's
    ``training.backward``: on the crossbar (``shared`` / ``separate``: the same devices and
    converters either way) or, with ``digital``, from the digital copy of the effective weights.
    This class is the one implementation of a weight layer's analog forward, backward and
    update: ``hicsim.torch``'s modules call it."""

    def __init__(self, name: str, inputs: int, outputs: int, arch, rule: str,
                 rng: np.random.Generator | None, seed: int, bias: bool = True, *, init=None,
                 groups: int = 1):
        super().__init__({"bias": np.zeros(outputs, np.float32)} if bias else {})
        self.name, self.rule = name, rule
        w, self.w_max = init if init is not None else he_init(rng, inputs, outputs)
        self.store = make_store(arch, rule, w, self.w_max, seed, groups)
        self.digital_backward = arch is not None and arch.training.backward == "digital"
        self.weight_velocity = np.zeros(velocity_shape(self.store), np.float32)
        self._x = self._delta = None

    @property
    def weight_count(self) -> int:
        return self.store.shape[0] * self.store.shape[1]

    def weight_layers(self) -> list:
        return [self]

    def _matmul(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        y = self.store.forward(x, dtype=np.float32)
        return y + self.params["bias"] if "bias" in self.params else y

    def _matmul_backward(self, delta: np.ndarray, input_grad: bool) -> np.ndarray | None:
        self._delta = np.ascontiguousarray(delta, dtype=np.float32)
        if "bias" in self.params:
            self.grads["bias"][...] = delta.sum(axis=0)
        if not input_grad:  # the errors and the bias gradient kept for the update, no read
            if not self.digital_backward:
                self.store.skip_read()
            return None
        if self.digital_backward:
            return digital_transposed(self.store, self._delta)
        return self.store.backward(self._delta, dtype=np.float32)

    def update(self, lr: float, momentum: float) -> int:
        super().update(lr, momentum)
        if self._x is None or self._delta is None:
            raise RuntimeError(f"{self.name}: update needs a forward and a backward pass first")
        return apply_gradient(self.store, self.rule, self._x, self._delta, lr, momentum,
                              self.weight_velocity)

    def state(self) -> dict[str, np.ndarray]:
        return {**super().state(), "weight_velocity": self.weight_velocity,
                **{f"store.{k}": v for k, v in store_state(self.store).items()}}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        super().load_state(state)
        self.weight_velocity[...] = state["weight_velocity"]
        load_store_state(self.store, {k[6:]: v for k, v in state.items() if k.startswith("store.")})


class Linear(WeightLayer):
    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        return self._matmul(x)

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """The gradient of the input; with ``input_grad`` False none (a first layer's, which
        nothing reads): the update's errors are kept and the transposed read is skipped."""
        return self._matmul_backward(grad, input_grad)


class Conv2d(WeightLayer):
    """A square-kernel convolution as im2col patches times the crossbar; with ``groups`` > 1 each
    group of channels on its own block (``grouped.py``), the matrix packed as
    (in_channels / groups * kernel^2, out_channels)."""

    def __init__(self, name, in_channels, out_channels, kernel, arch, rule, rng, seed, *,
                 stride=1, padding=0, bias=True, init=None, groups=1):
        super().__init__(name, in_channels // groups * kernel * kernel, out_channels, arch, rule,
                         rng, seed, bias, init=init, groups=groups)
        self.kernel, self.stride, self.padding, self.groups = kernel, stride, padding, groups
        self._shape = None

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self._shape = x.shape
        n, _, h, w = x.shape
        ho, wo = (output_size(s, self.kernel, self.stride, self.padding) for s in (h, w))
        y = self._matmul(im2col(x, self.kernel, self.stride, self.padding))
        return np.ascontiguousarray(y.reshape(n, ho, wo, -1).transpose(0, 3, 1, 2))

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """As ``Linear.backward``."""
        delta = grad.transpose(0, 2, 3, 1).reshape(-1, grad.shape[1])
        cols = self._matmul_backward(delta, input_grad)
        if cols is None:
            return None
        return col2im(cols, self._shape, self.kernel, self.stride, self.padding)


class ReLU(Layer):
    def forward(self, x, train):
        self._mask = x > 0
        return x * self._mask

    def backward(self, grad):
        return grad * self._mask


class MaxPool2d(Layer):
    """Non-overlapping max pooling; the gradient goes to the first maximum of each window."""

    def __init__(self, size: int = 2):
        self.size = size

    def forward(self, x, train):
        n, c, h, w = x.shape
        s = self.size
        x = x[:, :, : h - h % s, : w - w % s]
        self._in_shape = (n, c, h, w)
        windows = x.reshape(n, c, h // s, s, w // s, s).transpose(0, 1, 2, 4, 3, 5)
        windows = windows.reshape(n, c, h // s, w // s, s * s)
        self._argmax = windows.argmax(axis=-1)
        return np.take_along_axis(windows, self._argmax[..., None], -1)[..., 0]

    def backward(self, grad):
        n, c, h, w = self._in_shape
        s = self.size
        windows = np.zeros(grad.shape + (s * s,), grad.dtype)
        np.put_along_axis(windows, self._argmax[..., None], grad[..., None], -1)
        windows = windows.reshape(n, c, h // s, w // s, s, s).transpose(0, 1, 2, 4, 3, 5)
        out = np.zeros((n, c, h, w), grad.dtype)
        out[:, :, : h - h % s, : w - w % s] = windows.reshape(n, c, h - h % s, w - w % s)
        return out


class GlobalAvgPool(Layer):
    def forward(self, x, train):
        self._hw = x.shape[2:]
        return x.mean(axis=(2, 3))

    def backward(self, grad):
        h, w = self._hw
        return np.broadcast_to(grad[:, :, None, None] / (h * w), grad.shape + (h, w)).copy()


class Flatten(Layer):
    def forward(self, x, train):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        return grad.reshape(self._shape)


class BatchNorm2d(DigitalParams):
    """Batch normalisation in digital logic: batch statistics in training, running ones after."""

    def __init__(self, channels: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__({"gamma": np.ones(channels, np.float32), "beta": np.zeros(channels, np.float32)})
        self.running_mean = np.zeros(channels, np.float32)
        self.running_var = np.ones(channels, np.float32)
        self.stat_momentum, self.eps = momentum, eps

    def forward(self, x, train):
        if train:
            mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
            m = np.float32(self.stat_momentum)
            self.running_mean[...] = (1 - m) * self.running_mean + m * mean
            self.running_var[...] = (1 - m) * self.running_var + m * var
        else:
            mean, var = self.running_mean, self.running_var
        self._inv_std = (1.0 / np.sqrt(var + self.eps)).astype(np.float32)
        self._xhat = (x - mean[None, :, None, None]) * self._inv_std[None, :, None, None]
        return self.params["gamma"][None, :, None, None] * self._xhat + self.params["beta"][None, :, None, None]

    def backward(self, grad):
        xhat = self._xhat
        self.grads["gamma"][...] = (grad * xhat).sum(axis=(0, 2, 3))
        self.grads["beta"][...] = grad.sum(axis=(0, 2, 3))
        g = grad * self.params["gamma"][None, :, None, None]
        mean_g = g.mean(axis=(0, 2, 3))[None, :, None, None]
        mean_gx = (g * xhat).mean(axis=(0, 2, 3))[None, :, None, None]
        return (g - mean_g - xhat * mean_gx) * self._inv_std[None, :, None, None]

    def state(self):
        return {**super().state(), "running_mean": self.running_mean, "running_var": self.running_var}

    def load_state(self, state):
        super().load_state(state)
        self.running_mean[...] = state["running_mean"]
        self.running_var[...] = state["running_var"]


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy over the batch and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    loss = -float(log_p[np.arange(n), labels].mean())
    grad = np.exp(log_p)
    grad[np.arange(n), labels] -= 1.0
    return loss, (grad / n).astype(np.float32)
