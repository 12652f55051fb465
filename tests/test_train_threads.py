"""The products a training step makes between kernel calls (the weight gradient x^T delta,
``training.backward: digital``'s delta W^T) run with BLAS single-threaded, on every path that
trains: ``TrainingRun`` (numpy and converted models) and a user's loop with ``AnalogSGD``. With
OpenBLAS's default threads its workers kept spinning into the next kernels (a converted
ResNet-32 step 300-310 ms against 108-110; ``hicsim.train.stores.apply_gradient``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from hicsim.kernels import CrossbarArray
from hicsim.spec import load_arch
from hicsim.train.data import Dataset
from hicsim.train.run import RunConfig, TrainingRun
from hicsim.train.stores import digital_transposed

ROOT = Path(__file__).resolve().parents[1]
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"
OUTSIDE = 2  # BLAS threads outside hicsim's products: more than one, so the tests can fail


def blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def seen(monkeypatch):
    """BLAS threads at every weight update a store receives (the gradient product has just been
    made, in the same guarded block, when ``update_gradient`` is called)."""
    calls = []
    for name in ("update", "update_gradient"):
        def record(self, *args, _original=getattr(CrossbarArray, name), **kwargs):
            calls.append(blas_threads())
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(CrossbarArray, name, record)
    with threadpool_limits(limits=OUTSIDE, user_api="blas"):
        assert set(blas_threads()) == {OUTSIDE}
        yield calls
        assert set(blas_threads()) == {OUTSIDE}  # the guard restores the caller's setting


def _data(shape, n=32) -> Dataset:
    rng = np.random.default_rng(0)
    return Dataset("d", rng.random((n, *shape), dtype=np.float32), np.arange(n) % 10,
                   rng.random((8, *shape), dtype=np.float32), np.arange(8) % 10, 10)


@pytest.mark.parametrize("model,shape", [("cnn", (1, 8, 8)), ("resnet32", (1, 8, 8))])
def test_a_training_runs_step_makes_its_products_single_threaded(seen, model, shape):
    if model == "resnet32":
        pytest.importorskip("torch")
    config = RunConfig(model=model, dataset="d", rule="hic", width=0.25, epochs=1, seed=0,
                       batch=16, lr=0.05, momentum=0.9, step_time=1e-3)
    run = TrainingRun(config, load_arch(HIC), _data(shape))
    run.train_epoch(progress=False)
    layers = len(run.weight_layers)
    assert len(seen) == 2 * layers  # two steps, every layer's update through the product path
    assert all(threads == [1] * len(threads) for threads in seen), seen


def test_a_users_converted_network_with_analog_sgd_makes_its_products_single_threaded(seen):
    torch = pytest.importorskip("torch")
    from torch import nn
    from torch.nn import functional as F

    from hicsim.torch import AnalogSGD, convert
    torch.manual_seed(0)
    model = convert(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                                  nn.Linear(256, 10)), load_arch(HIC), seed=0)
    opt = AnalogSGD(model, lr=0.05, momentum=0.9)
    loss = F.cross_entropy(model(torch.rand(16, 1, 8, 8)), torch.arange(16) % 10)
    opt.zero_grad()
    loss.backward()
    opt.step()
    assert len(seen) == 2 and all(threads == [1] * len(threads) for threads in seen), seen


def test_the_digital_transposed_read_is_single_threaded(seen):
    class Store:  # reports the BLAS threads when the product reads its weights
        @property
        def weights(self):
            seen.append(blas_threads())
            return np.eye(3, dtype=np.float32)

    delta = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(digital_transposed(Store(), delta), delta)
    assert seen == [[1] * len(seen[0])]
