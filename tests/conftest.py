"""Shared fixtures: paths to shipped files and a small hand-written workload."""

from __future__ import annotations

from pathlib import Path

import pytest

from hicsim.spec import load_arch
from hicsim.workload import Workload

# pytest.approx accepts any value within 1e-12 of the expected one unless a test says otherwise:
# a pJ (1e-12 J) or fJ energy, a ns time or an um^2 area is then hardly checked (0.2 fJ against
# 1 pJ passes). hicsim's tests compare SI values of every scale, so approx is relative only
# unless a test gives its own abs=. The class is taken from what approx returns, not from a private
# module path (pytest moved it between 9.0 and 9.2).
ApproxScalar = type(pytest.approx(1.0))
assert ApproxScalar.DEFAULT_ABSOLUTE_TOLERANCE == 1e-12, "pytest changed approx's default"
ApproxScalar.DEFAULT_ABSOLUTE_TOLERANCE = 0.0

ROOT = Path(__file__).resolve().parents[1]
ARCH_SPECS = sorted((ROOT / "arch_specs").glob("*.yaml"))
WORKLOADS = sorted((ROOT / "workloads").glob("*.yaml"))

SMALL_NET = {
    "version": 1, "name": "small", "batch": 2, "input_bits": 8, "weight_bits": 8,
    "layers": [
        {"name": "conv1", "op": "conv2d", "in_channels": 3, "out_channels": 16, "kernel": 3,
         "padding": 1, "input_hw": [16, 16]},
        {"name": "conv2", "op": "conv2d", "in_channels": 16, "out_channels": 16, "kernel": 3,
         "padding": 1, "input_hw": [16, 16]},
        {"name": "add1", "op": "add", "inputs": ["conv1", "conv2"], "shape": [16, 16, 16]},
        {"name": "pool", "op": "pool", "mode": "avg", "channels": 16, "input_hw": [16, 16]},
        {"name": "fc", "op": "linear", "in_features": 16, "out_features": 10},
    ],
}


@pytest.fixture
def hic():
    return load_arch(ROOT / "arch_specs" / "hic_pcm.yaml")


@pytest.fixture
def small_net() -> Workload:
    return Workload.model_validate(SMALL_NET)


def error_path(override_path: str, data: dict) -> str:
    """How an error names the key an override path addresses: items of a named list (memory
    levels, layers) show their index and name, ``memory[1](global_buffer).capacity``."""
    out, node = [], data
    for key in override_path.split("."):
        if isinstance(node, list):
            i = next(i for i, item in enumerate(node) if item.get("name") == key)
            out.append(f"[{i}]({key})")
            node = node[i]
        else:
            out.append(("." if out else "") + key)
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(out)
