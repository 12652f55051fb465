"""Every zoo network's layers chain: each layer's input shape is what its producers give."""

import pytest

from hicsim.spec.errors import InputError
from hicsim.workload import Workload, zoo
from hicsim.workload.shapes import check_shapes, output_shape, shape_problems

# By the name's last part; text networks read token ids (BERT 128, GPT-2's prompt 64).
INPUTS = {"cifar10": (3, 32, 32), "imagenet": (3, 224, 224), "seq128": (128,), "decode": (64,)}


@pytest.mark.parametrize("name", zoo.names())
def test_every_zoo_network_chains(name):
    w = zoo.build(name)
    assert shape_problems(w, INPUTS[name.rsplit("_", 1)[1]]) == []
    assert shape_problems(w) == []  # input shape inferred from the first layer


@pytest.mark.parametrize("options", [{"width": 0.35}, {"input_size": 160}, {"num_classes": 7}])
def test_zoo_networks_chain_under_options(options):
    for name in zoo.names():
        if "width" in options and name.startswith("densenet"):
            continue
        assert shape_problems(zoo.build(name, **options)) == [], name


def test_final_output_is_the_class_vector():
    for name in zoo.names():
        assert output_shape(zoo.build(name, num_classes=37).layers[-1]) == (37,)


def _net(*layers):
    """A workload whose shapes may not chain (validation refuses those; these tests look at the
    rules themselves)."""
    return Workload.model_validate({"version": 1, "name": "t", "layers": list(layers)},
                                   context={"check_shapes": False})


CONV = {"name": "c1", "op": "conv2d", "in_channels": 3, "out_channels": 8, "kernel": 3,
        "padding": 1, "input_hw": [8, 8]}


def test_mismatched_channels_and_sizes_are_reported_by_layer():
    w = _net(CONV, {**CONV, "name": "c2", "in_channels": 4},
             {**CONV, "name": "c3", "in_channels": 8, "input_hw": [4, 4]})
    problems = shape_problems(w)
    assert [p[0] for p in problems] == ["layers[1](c2).in_channels", "layers[2](c3).input_hw"]
    assert "expects input shape [4, 8, 8], producers give [8, 8, 8]" in problems[0][1]
    with pytest.raises(InputError, match=r"t: layers\[1\]\(c2\)\.in_channels"):
        check_shapes(w)


def test_explicit_input_shape_is_checked():
    assert shape_problems(_net(CONV), (3, 8, 8)) == []
    assert shape_problems(_net(CONV), (1, 8, 8))[0][0] == "layers[0](c1).in_channels"


def test_add_mul_concat_and_linear_rules():
    pool = {"name": "p", "op": "pool", "mode": "avg", "channels": 8, "input_hw": [8, 8],
            "inputs": ["c1"]}
    good = _net(CONV, pool,
                {"name": "scale", "op": "mul", "inputs": ["c1", "p"], "shape": [8, 8, 8]},
                {"name": "cat", "op": "concat", "inputs": ["c1", "scale"], "shape": [16, 8, 8]},
                {"name": "fc", "op": "linear", "in_features": 1024, "out_features": 10})
    assert shape_problems(good) == []
    bad = _net(CONV, pool,
               {"name": "sum", "op": "add", "inputs": ["c1", "p"], "shape": [8, 8, 8]},
               {"name": "cat", "op": "concat", "inputs": ["c1", "sum"], "shape": [15, 8, 8]},
               {"name": "fc", "op": "linear", "in_features": 100, "out_features": 10})
    assert [p[0] for p in shape_problems(bad)] == ["layers[2](sum).shape", "layers[3](cat).shape",
                                                   "layers[4](fc).in_features"]


def test_loading_refuses_layers_that_do_not_chain(tmp_path):
    """Every way a workload enters (file, override, import) goes through validation, which names
    the file, the layer and its disagreeing key."""
    from hicsim.workload import load_workload
    import yaml
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "name": "t", "layers": [
        CONV, {**CONV, "name": "c2", "in_channels": 17, "inputs": ["c1"]},
        {"name": "fc", "op": "linear", "in_features": 8 * 15 * 15, "out_features": 10}]}))
    with pytest.raises(InputError) as err:
        load_workload(path)
    assert err.value.problems == [
        ("layers[1](c2).in_channels",
         "expects input shape [17, 8, 8], producers give [8, 8, 8] (inputs: c1)"),
        ("layers[2](fc).in_features",
         "expects inputs of [1800] elements, producers give [512] ([8, 8, 8]) (inputs: c2)")]
    assert str(err.value).startswith(f"{path}: layers[1](c2).in_channels: expects")


def test_channel_chaining_ignores_spatial_sizes():
    """SCALE-Sim-style layer lists: sizes include padding, so only channels must chain."""
    padded = {**CONV, "name": "c2", "in_channels": 8, "padding": 0, "input_hw": [10, 10]}
    w = Workload.model_validate({"version": 1, "name": "t", "chaining": "channels",
                                 "layers": [CONV, padded]})
    assert shape_problems(w) == []
    assert shape_problems(w, spatial=True)[0][0] == "layers[1](c2).input_hw"
