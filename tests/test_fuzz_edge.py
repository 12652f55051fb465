"""Fuzz the input and output edge through the CLI, in process: spec values with units, YAML text,
workload shapes, SCALE-Sim rows, sweeps, npz files, numeric options and output paths.

Every case must keep the contract (exit 0, or exit 2 with one message naming the file or option,
never a traceback), and the oracles below say which inputs must be refused: a value of the wrong
dimension, a key given twice, a layer whose input does not chain, a number out of range. A few
hundred cases run by default; ``pytest -m slow tests/test_fuzz_edge.py`` runs over 2,000. Set
HICSIM_FUZZ_REPORT=FILE to receive the count of cases tried per category.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from hicsim.spec.errors import InputError
from hicsim.train.data import load_dataset
from fuzz_support import check_contract, invoke, no_temporaries, write_report
from conftest import ROOT, SMALL_NET, error_path

SPEC_TEXT = (ROOT / "arch_specs" / "hic_pcm.yaml").read_text()
SPEC_DATA = yaml.safe_load(SPEC_TEXT)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    write_report()


def cases(default: int, slow: int, salt: int):
    """Two tests from one property: ``default`` examples in the default suite, ``slow`` more in
    the slow job (another seed, so they are other cases)."""
    def make(prop):
        common = dict(deadline=None, suppress_health_check=list(HealthCheck))
        quick = settings(max_examples=default, derandomize=True, **common)(given(data=st.data())(prop))
        long = seed(salt)(settings(max_examples=slow, **common)(given(data=st.data())(prop)))
        return quick, pytest.mark.slow(long)
    return make


# ---- spec values: every field's dimension is checked ------------------------------------------

FIELDS = {  # path -> dimension name (units.DIMENSIONS)
    "clock": "frequency", "memory.dram.channel_bandwidth": "bandwidth", "memory.dram.energy": "energy per byte",
    "memory.dram.latency": "time", "memory.global_buffer.capacity": "size",
    "memory.global_buffer.bandwidth": "bandwidth", "memory.global_buffer.read_energy": "energy per byte",
    "memory.global_buffer.write_energy": "energy per byte", "chip.interconnect.energy": "energy per byte",
    "chip.interconnect.link_bandwidth": "bandwidth", "memory.local_buffer.capacity": "size",
    "tile.crossbar.read_latency": "time", "tile.dac.energy": "energy", "tile.adc.sample_rate": "frequency",
    "devices.pcm_ml.g_max": "conductance", "devices.pcm_ml.set_pulse.energy": "energy",
    "devices.pcm_ml.set_pulse.width": "time", "devices.pcm_bin.g_on": "conductance",
}
UNITS = {  # unit text -> its dimension ("cycle"-based ones convert with the clock)
    "ns": "time", "us": "time", "cycle": "time", "GHz": "frequency", "MHz": "frequency",
    "pJ": "energy", "fJ": "energy", "pJ/B": "energy per byte", "pJ/bit": "energy per byte",
    "KiB": "size", "B": "size", "kbit": "size", "GB/s": "bandwidth", "B/cycle": "bandwidth",
    "Gbit/s": "bandwidth", "uS": "conductance", "mW": "power", "mm^2": "area",
    "percent": "none", "": "none", "Hz*B": "bandwidth", "1/ns": "frequency", "V": "none",
    "J/s/B": "none", "bit/s": "bandwidth", "J": "energy",
}
MAGNITUDES = st.sampled_from(["1", "0.5", "3", "64", "2.5e2", "1e-3"])


def prop_spec_values(tmp_path_factory, data):
    path = data.draw(st.sampled_from(sorted(FIELDS)))
    unit = data.draw(st.sampled_from(sorted(UNITS)))
    value = f"{data.draw(MAGNITUDES)} {unit}".strip()
    doc = copy.deepcopy(SPEC_DATA)
    node = doc
    *parents, last = path.split(".")
    for key in parents:  # memory levels are a list of named items
        node = next(m for m in node if m["name"] == key) if isinstance(node, list) else node[key]
    node[last] = value
    spec = tmp_path_factory.mktemp("spec") / "spec.yaml"
    spec.write_text(yaml.safe_dump(doc))
    code, out, err = invoke(["validate", str(spec)])
    check_contract("spec values (units, dimensions, bounds)", code, err, [str(spec)])
    if UNITS[unit] != FIELDS[path]:  # the wrong dimension is never accepted
        assert code == 2 and f"{spec}: {error_path(path, SPEC_DATA)}:" in err, (path, value, out)


# ---- YAML text: duplicate keys, garbage ---------------------------------------------------------

KEY_LINE = re.compile(r"^(  )*[a-z_]+:")  # not a flow mapping's continuation line
SPEC_LINES = SPEC_TEXT.splitlines(keepends=True)
KEY_LINES = [i for i, line in enumerate(SPEC_LINES) if KEY_LINE.match(line)]
JUNK = st.sampled_from(["\t", ": :", "{", "]", "&a", "*b", "!!python/object:os.system", "\x00",
                        "key: [1, 2", "- x", "? ", "%YAML 9.9", "'", "|", "\xff", "—"])


def prop_yaml_text(tmp_path_factory, data):
    lines = list(SPEC_LINES)
    duplicated = data.draw(st.booleans())
    if duplicated:  # a key line repeated right after itself: same mapping, same key
        i = data.draw(st.sampled_from(KEY_LINES))
        if lines[i].rstrip().endswith(":"):  # a section header: an empty one of the same name
            lines.insert(i, lines[i].rstrip() + " null\n")
        else:
            lines.insert(i + 1, lines[i])
    else:
        i = data.draw(st.integers(0, len(lines) - 1))
        at = data.draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:at] + data.draw(JUNK) + lines[i][at:]
    spec = tmp_path_factory.mktemp("yaml") / "spec.yaml"
    spec.write_bytes("".join(lines).encode("utf-8", "surrogateescape"))
    code, _, err = invoke(["validate", str(spec)])
    check_contract("YAML text (duplicate keys, garbage)", code, err, [str(spec)])
    if duplicated:
        assert code == 2 and "duplicate key" in err, err


# ---- workloads: shapes must chain ------------------------------------------------------------

SHAPE_KEYS = [(1, "in_channels"), (1, "input_hw"), (2, "shape"), (3, "channels"), (3, "input_hw"),
              (4, "in_features")]


def prop_workload_shapes(tmp_path_factory, data):
    doc = copy.deepcopy(SMALL_NET)
    broken = data.draw(st.booleans())
    if broken:
        i, key = data.draw(st.sampled_from(SHAPE_KEYS))
        delta = data.draw(st.integers(-3, 24).filter(bool))
        layer = doc["layers"][i]
        layer[key] = ([v + delta for v in layer[key]] if isinstance(layer[key], list)
                      else layer[key] + delta)
    else:
        doc["batch"] = data.draw(st.integers(1, 16))
    path = tmp_path_factory.mktemp("wl") / "net.yaml"
    path.write_text(yaml.safe_dump(doc))
    code, out, err = invoke(["run", str(ROOT / "arch_specs" / "hic_pcm.yaml"), str(path),
                             "--format", "json"])
    check_contract("workload shapes (chaining)", code, err, [str(path)])
    if broken:
        name = doc["layers"][i]["name"]
        assert code == 2 and f"layers[{i}]({name})." in err, err
    else:
        assert code == 0 and '"latency_s"' in out, out


# ---- SCALE-Sim rows ----------------------------------------------------------------------------

def prop_scalesim(tmp_path_factory, data):
    rows = data.draw(st.integers(1, 5))
    dims = [data.draw(st.integers(1, 64)) for _ in range(rows + 1)]
    m = data.draw(st.integers(1, 32))
    lines = ["Layer, M, N, K"] + [f"g{i}, {m}, {dims[i + 1]}, {dims[i]}" for i in range(rows)]
    broken_at = None
    if rows > 1 and data.draw(st.booleans()):
        broken_at = data.draw(st.integers(1, rows - 1))
        k = dims[broken_at] + data.draw(st.sampled_from([1, 3]))
        lines[1 + broken_at] = f"g{broken_at}, {m}, {dims[broken_at + 1]}, {k}"
    csv = tmp_path_factory.mktemp("csv") / "topo.csv"
    csv.write_text("\n".join(lines) + "\n")
    out = csv.with_suffix(".yaml")
    code, _, err = invoke(["export", "--scalesim", str(csv), "-o", str(out)])
    check_contract("SCALE-Sim topologies", code, err, [str(csv)])
    if broken_at is not None:
        assert code == 2 and f"line {broken_at + 2}, column 'K'" in err, err
        assert not out.exists()
    else:
        assert code == 0 and out.is_file() and no_temporaries(out.parent)


# ---- sweeps ------------------------------------------------------------------------------------

AXES = {"tile.adc.bits": st.sampled_from([4, 8, 40, "8 bit", None]),
        "chip.tiles": st.sampled_from([4, 8, 0, 10 ** 9]),
        "workload.batch": st.sampled_from([1, 2, 0, -3]),
        "memory.dram.channel_bandwidth": st.sampled_from(["25.6 GB/s", "25.6 GHz", "1 PB/s", "-1 GB/s"]),
        "tile.crossbar.rows": st.sampled_from([64, 128, 100000])}


def prop_sweeps(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("sweep")
    (d / "small.yaml").write_text(yaml.safe_dump(SMALL_NET))
    names = data.draw(st.lists(st.sampled_from(sorted(AXES)), min_size=1, max_size=2, unique=True))
    grid = {n: data.draw(st.lists(AXES[n], min_size=1, max_size=2)) for n in names}
    doc = {"version": 1, "name": "f", "arch": str(ROOT / "arch_specs" / "hic_pcm.yaml"),
           "workloads": ["small.yaml"], "fixed": {}, "grid": grid}
    text = yaml.safe_dump(doc, sort_keys=False)
    duplicated = data.draw(st.booleans())
    if duplicated:  # the same axis twice: it must not silently drop a dimension
        first = f"  {names[0]}:"
        line = next(l for l in text.splitlines() if l.startswith(first))
        text = text.replace(line, f"{line}\n{line}", 1)
    if data.draw(st.booleans()):
        text += "random: {samples: 1000000000, params: {tile.dac.bits: {choices: [1]}}}\n"
        huge = True
    else:
        huge = False
    path = d / "sweep.yaml"
    path.write_text(text)
    out = d / "r.jsonl"
    code, _, err = invoke(["sweep", str(path), "-o", str(out), "-j", "1", "--no-progress"])
    check_contract("sweeps", code, err, [str(path), str(out)])
    assert not (out.exists() and out.stat().st_size == 0)  # never an empty results file
    if duplicated or huge:
        assert code == 2 and not out.exists(), err
    if code == 0:
        assert out.is_file() and len(out.read_text().splitlines()) >= 1


# ---- npz files ---------------------------------------------------------------------------------

DTYPES = st.sampled_from(["float32", "float64", "uint8", "int64", "complex64", "bool", "U1"])


def prop_npz(tmp_path_factory, data):
    n_train, n_test = data.draw(st.integers(0, 6)), data.draw(st.integers(0, 4))
    hw = data.draw(st.sampled_from([(8, 8), (4, 4, 3), (2,), (1, 8, 8)]))
    arrays = {}
    for key, n in (("x_train", n_train), ("x_test", n_test)):
        arrays[key] = np.ones((n, *hw)).astype(data.draw(DTYPES))
    for key, n in (("y_train", n_train), ("y_test", n_test)):
        labels = data.draw(st.lists(st.sampled_from([0, 1, 2, -1, 10 ** 9]), min_size=n, max_size=n))
        arrays[key] = np.array(labels, dtype=data.draw(st.sampled_from(["int64", "float32", "int32"])))
    drop = data.draw(st.sampled_from([None, "x_test", "y_train"]))
    if drop:
        del arrays[drop]
    path = tmp_path_factory.mktemp("npz") / "d.npz"
    np.savez(path, **arrays)
    if data.draw(st.booleans()):  # a truncated download
        raw = path.read_bytes()
        path.write_bytes(raw[: data.draw(st.integers(0, len(raw) - 1))])
    try:
        ds = load_dataset(str(path))
        code, err = 0, ""
    except InputError as exc:
        code, err = 2, f"error: {exc}"
    check_contract("npz files", code, err, [str(path)])
    if code == 0:  # what was accepted is usable: labels 0..C-1, each present, shapes agree
        assert ds.classes == len(np.unique(ds.y_train)) >= 2
        assert ds.y_train.min() >= 0 and len(ds.x_train) == len(ds.y_train) > 0
        assert np.isfinite(ds.x_train).all() and ds.x_train.dtype == np.float32


# ---- numeric CLI options -----------------------------------------------------------------------

NUMBERS = st.sampled_from(["0", "1", "-1", "nan", "inf", "-inf", "1e9", "0.5", "99999999999", "2", "1e-9"])
TRAIN_RANGES = {"--seed": (0, 2 ** 32 - 1, True), "--epochs": (1, 10_000, True),
                "--batch": (1, 65_536, True), "--lr": (0, 1e3, False), "--momentum": (0, 1, False)}


def _in_range(option: str, text: str) -> bool | None:
    low, high, whole = TRAIN_RANGES[option]
    try:
        v = int(text) if whole else float(text)
    except ValueError:
        return None  # argparse refuses it
    if option == "--lr":
        return math.isfinite(v) and 0 < v <= high
    if option == "--momentum":
        return math.isfinite(v) and 0 <= v < 1
    return low <= v <= high


def prop_cli_options(tmp_path_factory, data):
    option = data.draw(st.sampled_from(sorted(TRAIN_RANGES)))
    value = data.draw(st.one_of(NUMBERS, st.integers(-2 ** 40, 2 ** 40).map(str),
                                st.floats(allow_nan=True, allow_infinity=True).map(repr)))
    out = tmp_path_factory.mktemp("train") / "o"
    # an unknown model: with every number in range the run stops there, after the checks
    argv = ["train", str(ROOT / "arch_specs" / "hic_pcm.yaml"), "--model", "nosuchmodel",
            "--out", str(out), option, value]
    code, _, err = invoke(argv)
    check_contract("CLI numeric options", code, err, [option, "--model", "usage:"])
    ok = _in_range(option, value)
    assert code == 2 and not out.exists()
    if ok is False:
        assert option in err, err
    elif ok:
        assert "unknown model" in err, err


# ---- output paths ------------------------------------------------------------------------------

NAME = st.sampled_from(["t.yaml", "x" * 300, "sub/t.yaml", "file.txt/t.yaml", "dir", "", ".",
                        "a b.yaml", "ü.yaml", "deep/er/t.yaml"])


def prop_output_paths(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("out")
    (d / "file.txt").write_text("mine\n")
    (d / "dir").mkdir()
    name = data.draw(st.one_of(NAME, st.text(st.sampled_from("ab/._- xü"), min_size=1, max_size=12),
                               st.integers(200, 300).map(lambda n: "y" * n)))
    target = str(d / name) if name else ""
    before = sorted(p.name for p in d.iterdir())
    code, _, err = invoke(["export", "--model", "vgg8_cifar10", "-o", target])
    check_contract("output paths", code, err, [target or "-o", "-o"])
    assert (d / "file.txt").read_text() == "mine\n" and no_temporaries(d)
    if code == 0:
        assert yaml.safe_load(Path(target).read_text())["name"] == "vgg8_cifar10"
    else:
        assert sorted(p.name for p in d.iterdir()) == before  # nothing made on the way


# ---- wiring: each property as a default test and a slow one ---------------------------------

PROPERTIES = {  # name: (property, default cases, slow cases)
    "spec_values": (prop_spec_values, 80, 600),
    "yaml_text": (prop_yaml_text, 60, 400),
    "workload_shapes": (prop_workload_shapes, 25, 150),
    "scalesim": (prop_scalesim, 40, 300),
    "sweeps": (prop_sweeps, 12, 80),
    "npz": (prop_npz, 50, 300),
    "cli_options": (prop_cli_options, 40, 250),
    "output_paths": (prop_output_paths, 30, 200),
}


def _bind(prop):
    def test(tmp_path_factory, data):
        prop(tmp_path_factory, data)
    test.__name__ = prop.__name__
    return test


for _salt, (_name, (_prop, _quick, _slow)) in enumerate(PROPERTIES.items()):
    _default, _long = cases(_quick, _slow, _salt)(_bind(_prop))
    globals()[f"test_fuzz_{_name}"] = _default
    globals()[f"test_fuzz_{_name}_slow"] = _long
