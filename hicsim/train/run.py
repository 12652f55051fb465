"""One training run: a model on a dataset with one update rule and width, epoch by epoch, with a
checkpoint after each epoch. The run is deterministic given its configuration: the model's
weights and device seeds and the batch order derive from ``seed``.

Time passes while the network trains: every step advances the crossbars' clock by ``step_time``
seconds (``step_time.py``), so the devices drift and their read noise grows as they train, and
a device programmed at step k drifts from then on. ``step_time`` 0 keeps the clock at 0 (the
devices still read with the noise of their first read, at t0)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from hicsim.spec.errors import OptionError
from hicsim.train.checkpoint import load_checkpoint, save_checkpoint
from hicsim.train.data import Dataset
from hicsim.train.layers import softmax_cross_entropy
from hicsim.train.models import build_network
from hicsim.train.wear import wear_counts

EVAL_BATCH = 256


@dataclass(frozen=True)
class RunConfig:
    model: str
    dataset: str
    rule: str
    width: float
    epochs: int
    seed: int
    batch: int
    lr: float
    momentum: float
    step_time: float = 0.0  # seconds of chip time per training step

    @property
    def tag(self) -> str:
        return f"{self.rule}_w{self.width:g}"


class TrainingRun:
    def __init__(self, config: RunConfig, arch, data: Dataset):
        self.config, self.data = config, data
        self.model = build_network(config.model, data.input_shape, data.classes, config.width, arch,
                                 config.rule, config.seed)
        self.order_rng = np.random.default_rng([config.seed, 3])
        self.epoch, self.steps, self.history = 0, 0, []
        # counters right after the initial programming: training's own wear is the difference
        self.initial_wear = {l.name: {k: v.copy() for k, v in wear_counts(l.store).items()}
                             for l in self.weight_layers}

    @property
    def weight_layers(self):
        return self.model.weight_layers()

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    # ---- training -------------------------------------------------------------------------
    def train_epoch(self, progress: bool) -> dict:
        c, x, y = self.config, self.data.x_train, self.data.y_train
        order = self.order_rng.permutation(len(x))
        batches = range(0, len(x), c.batch)
        started = time.perf_counter()
        loss_sum, correct, programmed = 0.0, 0, 0
        bar = tqdm(batches, desc=f"{c.tag} epoch {self.epoch + 1}/{c.epochs}", unit="batch",
                   disable=not progress, leave=False)
        for start in bar:
            idx = order[start:start + c.batch]
            loss, logits, n = self.step(x[idx], y[idx])
            programmed += n
            self.steps += 1
            self._advance_clock()
            loss_sum += loss * len(idx)
            correct += int((logits.argmax(axis=1) == y[idx]).sum())
            bar.set_postfix(loss=f"{loss:.3f}")
        seconds = time.perf_counter() - started
        self.epoch += 1
        row = dict(epoch=self.epoch, train_loss=loss_sum / len(x), train_accuracy=correct / len(x),
                   test_accuracy=self.accuracy(self.data.x_test, self.data.y_test),
                   weights_programmed=programmed, seconds=seconds)
        self.history.append(row)
        return row

    def step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, int]:
        """One training step on a batch: (loss, logits, weights programmed)."""
        logits = self.model.forward(x, train=True)
        loss, grad = softmax_cross_entropy(logits, y)
        self.model.backward(grad)
        return loss, logits, self.model.update(self.config.lr, self.config.momentum)

    def _advance_clock(self) -> None:
        if self.config.step_time:
            for layer in self.weight_layers:
                if hasattr(layer.store, "set_time"):  # an fp32 store has no devices and no clock
                    layer.store.set_time(self.steps * self.config.step_time)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        correct = 0
        for start in range(0, len(x), EVAL_BATCH):
            logits = self.model.forward(x[start:start + EVAL_BATCH], train=False)
            correct += int((logits.argmax(axis=1) == y[start:start + EVAL_BATCH]).sum())
        return correct / len(x)

    # ---- checkpoints ----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        meta = dict(config=asdict(self.config), epoch=self.epoch, steps=self.steps,
                    history=self.history, order_rng=self.order_rng.bit_generator.state)
        save_checkpoint(path, self.model.state(), meta)

    def restore(self, path: Path) -> None:
        arrays, meta = load_checkpoint(path)
        saved = {k: v for k, v in meta["config"].items() if k != "epochs"}
        wanted = {k: v for k, v in asdict(self.config).items() if k != "epochs"}
        if saved != wanted:
            diff = ", ".join(f"{k}: {saved.get(k)!r} -> {v!r}" for k, v in wanted.items()
                             if saved.get(k) != v)
            raise OptionError("", f"checkpoint was made with other settings ({diff}); resume "
                                  "with the same ones or use another output directory ({out})", str(path),
                              mentions=("out",))
        self.model.load_state(arrays)
        self.order_rng.bit_generator.state = meta["order_rng"]
        self.epoch, self.steps, self.history = meta["epoch"], meta["steps"], meta["history"]
