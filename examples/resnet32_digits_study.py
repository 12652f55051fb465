"""ResNet-32 on the 8x8 digits, HIC against FP32, widths and seeds (the HIC paper's experiment).

ResNet-32 (3 stages x 5 basic blocks, 16/32/64 channels x width) trained with HIC on
arch_specs/hic_pcm.yaml and in FP32 on scikit-learn's 8x8 digits, widths 0.5 / 1 / 2, five seeds:
accuracy, model size, accuracy after drift and wear.

    python examples/resnet32_digits_study.py [--epochs 4] [--out runs/resnet32_digits] [--table-only]

One `hicsim train ... --model resnet32 --baseline --width W --seed S` per (seed, width), one after
the other, each resumable (``hicsim.train.seed_study``); DIR/study.csv gets one row per (seed,
rule, width) and the printed table its per-(rule, width) summary (the README's table). The
defaults are the schedule the README's table was measured with on a shared 2-core machine: a few
epochs at a constant learning rate, far short of the paper's CIFAR-10 schedule.
"""

from __future__ import annotations

import sys

from hicsim.train.seed_study import main

DEFAULTS = dict(data="digits", epochs=4, batch=32, lr=0.1, momentum=0.0, threads=1,
                drift_programmings=1,
                out="runs/resnet32_digits")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], __doc__.splitlines()[0], **DEFAULTS))
