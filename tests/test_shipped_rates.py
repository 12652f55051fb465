"""The programming rates shipped for ResNet-32 (``workloads/rates/resnet32/``) were measured on
ResNet-32 itself: every weighted layer of the zoo's resnet32_cifar10 has its own measured rate,
so nothing transfers per weight, and the training workload carries exactly those rates."""

from __future__ import annotations

from pathlib import Path

import pytest

from hicsim.workload import zoo
from hicsim.workload.rates import load_rates, with_rates

ROOT = Path(__file__).resolve().parents[1]
RESNET32 = ROOT / "workloads" / "rates" / "resnet32"
DESIGNS = {"hic_pcm.yaml": ("arch_specs/hic_pcm.yaml", "--rule hic"),
           "hic_pcm_acc32.yaml": ("arch_specs/hic_pcm.yaml", "--set tile.accumulator.bits=32"),
           "pcm_multilevel.yaml": ("arch_specs/pcm_multilevel.yaml", "--rule mixed_precision")}


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_resnet32_rates_name_every_layer_of_the_zoo_network(name):
    rates = load_rates(RESNET32 / name)
    spec, rule = DESIGNS[name]
    assert f"hicsim train {spec} --model resnet32 " in rates.source and rule in rates.source
    assert "--width 1 " in rates.source and rates.batch == 32
    base = zoo.build("resnet32_cifar10", batch=64, dataset_size=50_000)
    assert set(rates.per_layer) == {l.name for l in base.weighted_layers}  # 34 layers
    trained = with_rates(base, rates, name)
    for layer in trained.weighted_layers:
        measured = rates.per_layer[layer.name]
        # per step, scaled from the measured batch 32 to the workload's 64 (exactly x2)
        assert layer.programming.set_pulses == measured.set_pulses * 2
        assert layer.programming.reset_pulses == measured.reset_pulses * 2
