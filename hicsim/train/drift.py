"""Inference after training: the final effective weights are programmed onto fresh devices of the
arch spec (program-and-verify with programming noise), then read at times after programming,
where drift and 1/f read noise act, with and without global drift compensation.

Global drift compensation (Joshi 2020, REFERENCE.md): each layer's outputs are scaled by the
ratio of a reference readout's mean magnitude right after programming (at ``REFERENCE_TIME``,
before drift starts at t0 = 20 s) to its mean magnitude now. The reference readout is a fixed
random non-negative input batch (as post-ReLU activations are), drawn from the run seed.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd

from hicsim.train.stores import input_width, programmed_copy

DAY, YEAR = 86400.0, 365.0 * 86400.0
TIMES = (("1 s", 1.0), ("1 h", 3600.0), ("1 day", DAY), ("1 month", 30 * DAY),
         ("1 year", YEAR), ("10 years", 10 * YEAR))
REFERENCE_TIME = 1.0
REFERENCE_INPUTS = 64
PROGRAMMINGS = 3  # default independent programmings of the inference model; accuracies are averaged


class CompensatedStore:
    """A store whose forward outputs are multiplied by ``gain`` (1: no compensation)."""

    def __init__(self, store, reference: np.ndarray):
        self.store, self.reference, self.gain = store, reference, 1.0
        self.shape = store.shape
        self.reference_level = self._level()

    def _level(self) -> float:
        return float(np.abs(self.store.forward(self.reference)).mean())

    def set_time(self, t: float) -> None:
        """Move the devices' clock to ``t`` (a decode of every weight), uncompensated."""
        self.store.set_time(t)
        self.gain = 1.0

    def compensate(self) -> None:
        """Scale by the reference readout's level at the clock's time (one read)."""
        self.gain = self.reference_level / max(self._level(), 1e-30)

    def forward(self, x, dtype=np.float64):
        """The store's float64 outputs times the gain, then rounded to ``dtype`` once."""
        return (self.store.forward(x) * self.gain).astype(dtype, copy=False)


@contextmanager
def swapped_stores(layers, stores):
    old = [l.store for l in layers]
    for l, s in zip(layers, stores):
        l.store = s
    try:
        yield
    finally:
        for l, s in zip(layers, old):
            l.store = s


def program_inference(arch, layers, seed: int, programming: int) -> list[CompensatedStore]:
    stores = []
    for k, layer in enumerate(layers):
        ss = np.random.SeedSequence([seed, 5, programming, k]).generate_state(2)
        xbar = programmed_copy(arch, layer.store, int(ss[0]))
        xbar.set_time(REFERENCE_TIME)
        reference = np.random.default_rng(int(ss[1])).random((REFERENCE_INPUTS,
                                                              input_width(layer.store)))
        stores.append(CompensatedStore(xbar, reference.astype(np.float32)))
    return stores


def drift_table(run, arch, programmings: int = PROGRAMMINGS) -> pd.DataFrame:
    """Test accuracy at each time after programming, with and without compensation, averaged
    over ``programmings`` independent programmings (the first ones of a larger count: the same
    seeds, so one programming is the first of three). Each time's devices are decoded once: the
    uncompensated pass reads them, then the reference readouts set the gains and the
    compensated pass reads them again (two passes, each with its own read noise, as two
    inferences on the chip would see)."""
    layers, rows = run.weight_layers, []
    for programming in range(programmings):
        stores = program_inference(arch, layers, run.config.seed, programming)
        with swapped_stores(layers, stores):
            for label, t in TIMES:
                for s in stores:
                    s.set_time(t)
                for compensate in (False, True):
                    if compensate:
                        for s in stores:
                            s.compensate()
                    rows.append(dict(time=label, seconds=t, compensation=compensate,
                                     programming=programming,
                                     accuracy=run.accuracy(run.data.x_test, run.data.y_test)))
    table = pd.DataFrame(rows)
    return (table.groupby(["time", "seconds", "compensation"], sort=False)["accuracy"]
            .agg(accuracy="mean", accuracy_std="std").reset_index())
