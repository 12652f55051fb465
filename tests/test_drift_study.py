"""The drift study (``hicsim.train.drift``): what it reads and decodes per time, and its numbers
on a small run, pinned."""

from __future__ import annotations

import pytest

from hicsim.kernels.crossbar import CrossbarArray
from hicsim.spec import load_arch
from hicsim.train.data import load_dataset
from hicsim.train.drift import TIMES, drift_table
from hicsim.train.run import EVAL_BATCH, RunConfig, TrainingRun


@pytest.fixture(scope="module")
def run():
    """The digits CNN on hic_pcm after 3 passes over the first 1,408 training images (132 steps
    of 32, about 1 s): trained far enough (85 % at 1 s) that the table's accuracies can show what
    drift does, where 6 steps left them at chance."""
    arch = load_arch("arch_specs/hic_pcm.yaml")
    data = load_dataset("digits")
    config = RunConfig(model="cnn", dataset="digits", rule="hic", width=1.0, epochs=3, seed=0,
                       batch=32, lr=0.1, momentum=0.0)
    run = TrainingRun(config, arch, data)
    for k in range(3 * 44):
        b = 32 * (k % 44)
        run.step(data.x_train[b:b + 32], data.y_train[b:b + 32])
    return run, arch


def test_each_time_decodes_the_devices_once_and_each_pass_reads_each_layer_once(run, monkeypatch):
    """Per programmed layer: a decode when programmed, one at the reference time and one per
    time (the uncompensated and compensated passes share it; each decoded twice before); one
    reference readout when programmed, then per time one read per test batch in each of the two
    passes and one reference readout for the compensated pass. No read draws noise twice."""
    run, arch = run
    calls = {"decode": 0, "mvm": 0}

    def counted(name, method):
        def wrapper(self, *args):
            calls[name] += 1
            return method(self, *args)
        return wrapper

    monkeypatch.setattr(CrossbarArray, "_decode", counted("decode", CrossbarArray._decode))
    monkeypatch.setattr(CrossbarArray, "_mvm", counted("mvm", CrossbarArray._mvm))
    drift_table(run, arch, programmings=1)
    layers = len(run.weight_layers)
    batches = -(-len(run.data.x_test) // EVAL_BATCH)
    assert (layers, batches, len(TIMES)) == (3, 2, 6)
    assert calls == {"decode": layers * (2 + len(TIMES)),
                     "mvm": layers * (1 + len(TIMES) * (2 * batches + 1))}


def test_drift_table_numbers(run):
    """Correct test images out of 360 per (time, compensation), raw then compensated, 1 s to 10
    years, pinned. Drift costs this small CNN little (306 -> 298 raw over 10 years), and global
    compensation recovers part of it (304)."""
    run, arch = run
    table = drift_table(run, arch, programmings=1)
    assert list(zip(table.time, table.compensation)) == [
        (label, c) for label, _ in TIMES for c in (False, True)]
    assert list(table.accuracy * 360) == pytest.approx([306, 306, 304, 310, 301, 305, 300, 309,
                                                        308, 308, 298, 304], abs=1e-9)
