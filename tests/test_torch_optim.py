"""``AnalogSGD`` as a ``torch.optim.Optimizer``: a learning-rate scheduler sets the rate its
next step programs the devices with, and training with it does not import ``torch._dynamo``
(torch's optimizer base would on construction and on zero_grad: 0.9-1.0 s of CPU)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from hicsim.spec import load_arch  # noqa: E402
from hicsim.torch import AnalogSGD, analog_modules, convert  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HIC = ROOT / "arch_specs" / "hic_pcm.yaml"


def _model():
    torch.manual_seed(0)
    return convert(nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(256, 10)), load_arch(HIC), seed=0)


def _train(lrs, scheduler=None):
    """Steps with the rate of each entry of ``lrs`` (set by hand; with a scheduler factory, the
    first only, the scheduler setting the rest); returns every analog device plane and bias."""
    model = _model()
    opt = AnalogSGD(model, lr=lrs[0], momentum=0.5)
    sched = scheduler(opt) if scheduler else None
    g = torch.Generator().manual_seed(1)
    for lr in lrs:
        if sched is None:
            opt.param_groups[0]["lr"] = lr
        assert opt.param_groups[0]["lr"] == pytest.approx(lr, rel=1e-15)
        x, y = torch.rand(16, 1, 8, 8, generator=g), torch.randint(0, 10, (16,), generator=g)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    planes = [np.concatenate([a.ravel() for a in m.store.state]) for m in analog_modules(model)]
    return planes + [p.detach().numpy().copy() for p in model.parameters()]


def test_a_learning_rate_scheduler_sets_the_rate_the_devices_are_programmed_with():
    lrs = [0.4, 0.1, 0.025]
    scheduled = _train(lrs, lambda opt: torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.25))
    by_hand = _train(lrs)
    for a, b in zip(scheduled, by_hand):
        np.testing.assert_array_equal(a, b)
    unscheduled = _train([0.4] * 3)  # the rate matters: without the schedule the devices differ
    assert any(not np.array_equal(a, b) for a, b in zip(scheduled[:2], unscheduled[:2]))


def test_training_with_analog_sgd_does_not_import_dynamo():
    code = f"""
import sys
import torch
from torch import nn
from torch.nn import functional as F
from hicsim.spec import load_arch
from hicsim.torch import AnalogSGD, convert
model = convert(nn.Sequential(nn.Flatten(), nn.Linear(64, 10)), load_arch({str(HIC)!r}), seed=0)
opt = AnalogSGD(model, lr=0.1, momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
for _ in range(2):
    loss = F.cross_entropy(model(torch.rand(4, 1, 8, 8)), torch.arange(4))
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
print(opt.param_groups[0]["lr"], opt.programmed > 0, "torch._dynamo" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.split() == ["0.025", "True", "False"]
