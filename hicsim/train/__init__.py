"""Functional training on real data with simulated PCM crossbars (numpy + numba kernels).

- ``data``: the 8x8 digits (fixed stratified split) or user arrays (.npz), validated.
- ``im2col``, ``layers``, ``models``: the layer library (linear, conv2d, ReLU, max / global-average
  pooling, digital batch norm, residual blocks, softmax cross-entropy) and the MLP, CNN and
  residual network; weight layers hold their matrix on a store.
- ``stores``: ``CrossbarArray`` (rules hic, mixed_precision, mixed_precision_closed_loop,
  stochastic_pulse) or ``FloatArray`` (fp32) behind one code path; ``optim``: SGD with momentum
  for digital parameters.
- ``run``: one run, epoch by epoch, with bit-identical checkpoints (``checkpoint``); the devices'
  clock advances by the step time every step (``step_time``: a figure, or the engine's simulated
  latency of one training step through ``hicsim.simulate``).
- ``wear``: per-device write-erase counts and the ``RatesFile`` the engine reads;
  ``drift``: accuracy of the programmed inference model over years; ``size``: bits per weight.
- ``study``: runs per rule and width, measurements; ``report``: tables and summary.
"""

from hicsim.train.run import RunConfig, TrainingRun
from hicsim.train.study import Study, run_study

__all__ = ["RunConfig", "TrainingRun", "Study", "run_study"]
