"""Property-based: mutate shipped specs and workloads (drop, rename and retype keys, swap units,
plant garbage). Every rejection must be an InputError naming the file and a key path; every file
that is accepted must simulate."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hicsim import simulate
from hicsim.spec import InputError, load_arch
from hicsim.workload import Workload, load_workload
from conftest import ROOT, SMALL_NET

SPEC = ROOT / "arch_specs" / "hic_pcm.yaml"
ISAAC = ROOT / "arch_specs" / "isaac_like.yaml"
WORKLOAD = ROOT / "workloads" / "resnet32_cifar10.yaml"
HIC_MODEL = load_arch(SPEC)
SMALL_NET_MODEL = Workload.model_validate(SMALL_NET)

GARBAGE = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.sampled_from(["10 ns", "3 pJ", "5 furlongs", "1e400 J", "-2 B", "1 GHz",
                                          "64 KiB", "2 cycle", "", "nan ns"]),
    st.lists(st.integers(0, 4), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
UNIT_SWAPS = [("ns", "pJ"), ("pJ", "ns"), ("GHz", "GB/s"), ("B/", "J/"), ("KiB", "ns"), ("uS", "mW")]


def paths(node, prefix=()):
    """Every key path in a nested YAML tree (dict keys and list indices)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in items:
        yield prefix + (k,)
        yield from paths(v, prefix + (k,))


@st.composite
def mutated(draw, data):
    import copy
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        all_paths = list(paths(data))
        path = draw(st.sampled_from(all_paths))
        parent = data
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        op = draw(st.sampled_from(["drop", "rename", "retype", "swap_units"]))
        if op == "drop":
            del parent[key]
        elif op == "rename" and isinstance(parent, dict):
            parent[f"{key}x"] = parent.pop(key)
        elif op == "retype":
            parent[key] = draw(GARBAGE)
        elif op == "swap_units" and isinstance(parent[key], str):
            old, new = draw(st.sampled_from(UNIT_SWAPS))
            parent[key] = parent[key].replace(old, new)
    return data


def check_rejection(exc: InputError, path) -> None:
    text = str(exc)
    assert text.startswith(str(path)), text
    assert exc.problems and all(msg for _, msg in exc.problems)
    assert "Traceback" not in text


SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def load_or_reject(tmp_path, doc, loader):
    """The model ``loader`` makes of ``doc`` written to a file, or None after checking that the
    rejection is a clear InputError naming that file."""
    path = tmp_path / "mutant.yaml"
    path.write_text(yaml.safe_dump(doc))
    try:
        return loader(path)
    except InputError as exc:
        check_rejection(exc, path)
        return None


@SETTINGS
@given(data=st.data())
def test_mutated_specs_are_rejected_clearly_or_simulate(tmp_path, data):
    source = data.draw(st.sampled_from([SPEC, ISAAC]))
    arch = load_or_reject(tmp_path, data.draw(mutated(yaml.safe_load(source.read_text()))), load_arch)
    if arch is not None:
        r = simulate(arch, SMALL_NET_MODEL)
        assert r.cycles > 0 and r.energy_J > 0


@SETTINGS
@given(data=st.data())
def test_mutated_workloads_are_rejected_clearly_or_simulate(tmp_path, data):
    source = data.draw(st.sampled_from(["small", "resnet32"]))
    doc = SMALL_NET if source == "small" else yaml.safe_load(WORKLOAD.read_text())
    wl = load_or_reject(tmp_path, data.draw(mutated(doc)), load_workload)
    if wl is not None:
        r = simulate(HIC_MODEL, wl)
        assert r.cycles > 0
