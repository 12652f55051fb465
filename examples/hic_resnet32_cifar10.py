"""The HIC paper's experiment on CIFAR-10: ResNet-32 trained with HIC and in FP32, widths, seeds,
accuracy after drift and wear.

    python examples/hic_resnet32_cifar10.py --data cifar10.npz [--epochs 100] [--widths 0.5,1,2]
        [--seeds 0,1,2,3,4] [--out runs/hic_resnet32_cifar10] [--table-only]

``cifar10.npz`` holds four arrays: ``x_train`` (50000 x 32 x 32 x 3 uint8, or N x 3 x 32 x 32),
``y_train`` (50000 integer labels 0..9), ``x_test`` (10000 x 32 x 32 x 3) and ``y_test``; 8-bit
images are scaled to [0, 1] (``hicsim.train.data``). For example, from the Python pickles of the
CIFAR-10 site: stack ``data_batch_1..5``'s ``data`` reshaped to (N, 3, 32, 32) into x_train and
their ``labels`` into y_train, ``test_batch`` into x_test / y_test, and ``np.savez``.

The same grid as ``examples/resnet32_digits_study.py`` (``hicsim.train.seed_study``): one
``hicsim train ... --model resnet32 --baseline --width W --seed S`` per cell, resumable, a
study.csv and a table. The defaults (100 epochs, batch 128, lr 0.1, momentum 0.9, constant
learning rate: ``hicsim train`` has no schedule) are ours, not the paper's, which does not
state them in its abstract; budget days of CPU per cell for width 1 on simulated devices.
"""

from __future__ import annotations

import sys

from hicsim.train.seed_study import main

DEFAULTS = dict(data=None, epochs=100, batch=128, lr=0.1, momentum=0.9, threads=None,
                drift_programmings=3, out="runs/hic_resnet32_cifar10")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], __doc__.splitlines()[0], **DEFAULTS))
