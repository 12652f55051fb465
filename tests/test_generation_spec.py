"""The generation: section of an arch spec: parsing, defaults, overrides and clear errors."""

import pytest

from hicsim.spec.errors import InputError
from hicsim.spec.generation import Factorisation, GenerationUnit
from hicsim.spec.load import validate

UNIT = {"macs_per_cycle": 256, "latency": "4 cycle", "energy_per_mac": "0.2 pJ",
        "basis_buffer": {"capacity": "128 KiB", "bandwidth": "64 B/cycle",
                         "read_energy": "0.8 pJ/B", "write_energy": "1.0 pJ/B"}}
CLOCK = {"clock_hz": 1e9}


def load(**changes) -> GenerationUnit:
    return validate(GenerationUnit, {**UNIT, **changes}, "arch.yaml", CLOCK)


def test_units_parse_to_si_and_defaults_apply():
    unit = load()
    assert unit.enabled and unit.macs_per_cycle == 256
    assert unit.latency == pytest.approx(4e-9)  # 4 cycles at 1 GHz
    assert unit.energy_per_mac == pytest.approx(0.2e-12)
    assert unit.basis_buffer.capacity == 128 * 1024
    assert unit.basis_buffer.bandwidth == pytest.approx(64e9)
    assert unit.factorisation == Factorisation()
    assert unit.direct == ["pointwise", "classifier"] and unit.direct_bits is None


def test_dump_validates_again_to_the_same_model():
    unit = load(layers={"conv1": {"bi": 4, "disable": ["cross"]}}, direct=["depthwise"])
    assert GenerationUnit.model_validate(unit.model_dump(mode="json")) == unit


@pytest.mark.parametrize("changes, path, message", [
    ({"macs_per_cyle": 3}, "macs_per_cyle", "unknown key"),
    ({"factorisation": {"bits_u": 17}}, "factorisation.bits_u", "less than or equal to 16"),
    ({"factorisation": {"bi": 0}}, "factorisation.bi", "greater than 0"),
    ({"layers": {"conv1": {"bo": -2}}}, "layers.conv1.bo", "greater than 0"),
    ({"layers": {"conv1": {"rank": 2}}}, "layers.conv1.rank", "unknown key"),
    ({"direct": ["pointwise", "pointwise"]}, "direct", "more than once: pointwise"),
    ({"direct": ["bias"]}, "direct[0]", "'first'"),
    ({"energy_per_mac": "2 ns"}, "energy_per_mac", "energy"),
])
def test_bad_values_name_their_key(changes, path, message):
    with pytest.raises(InputError) as err:
        load(**changes)
    (where, what), = err.value.problems
    assert where == path and message in what


def test_per_layer_overrides_change_only_what_they_name():
    unit = load(factorisation={"bi": 3, "bo": 32, "bits_u": 4},
                layers={"conv1": {"bi": 4, "bits_v": 2}, "conv2": {"disable": ["intra"]},
                        "fc": {"direct": False}})
    assert unit.factorisation_for("conv1") == Factorisation(bi=4, bo=32, bits_u=4, bits_v=2)
    assert unit.factorisation_for("conv2").bi is None and unit.factorisation_for("conv2").bo == 32
    assert unit.factorisation_for("other") == unit.factorisation
    assert unit.forced_direct("fc") is False and unit.forced_direct("conv1") is None
