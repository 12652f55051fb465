"""``from_onnx`` and ``hicsim export --onnx``: ONNX graphs to workloads. Graphs are built here,
with onnx.helper or by exporting the test's torch models, never downloaded."""

import warnings

import numpy as np
import pytest

from hicsim.cli import main
from hicsim.spec.errors import InputError
from hicsim.workload import load_workload, zoo

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from hicsim.workload.frameworks import from_onnx  # noqa: E402


def _save(tmp_path, nodes, inputs, outputs, weights, name="net", domains=()):
    """Write a one-graph ONNX model; ``weights`` are name -> array initializers, ``domains``
    custom op domains it imports."""
    graph = helper.make_graph(
        nodes, name, inputs, outputs,
        initializer=[numpy_helper.from_array(np.ones(shape, np.float32), n)
                     for n, shape in weights.items()])
    path = tmp_path / f"{name}.onnx"
    opsets = [helper.make_opsetid("", 17)] + [helper.make_opsetid(d, 1) for d in domains]
    onnx.save(helper.make_model(graph, opset_imports=opsets), path)
    return path


def _tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _small_net(tmp_path, height="H"):
    """conv -> relu -> conv(+x) -> SE-style channel scale -> concat -> global pool -> gemm, with
    a symbolic batch (and, by default, symbolic height)."""
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "w1"], ["c1"], name="stem", pads=[1, 1, 1, 1]),
        n("Relu", ["c1"], ["r1"]),
        n("Conv", ["r1", "w2"], ["c2"], name="body", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
          group=8),
        n("Add", ["c2", "c1"], ["a"], name="residual"),
        n("ReduceMean", ["a"], ["m"], name="squeeze", axes=[2, 3], keepdims=1),
        n("Sigmoid", ["m"], ["s"]),
        n("Mul", ["s", "a"], ["scaled"], name="excite"),        # scale first: reordered
        n("Concat", ["scaled", "a"], ["cat"], name="cat", axis=1),
        n("GlobalAveragePool", ["cat"], ["g"], name="gap"),
        n("Flatten", ["g"], ["f"]),
        n("Gemm", ["f", "fc_w", "fc_b"], ["y"], name="fc", transB=1),
    ]
    weights = {"w1": (8, 3, 3, 3), "w2": (8, 1, 3, 3), "fc_w": (10, 16), "fc_b": (10,)}
    return _save(tmp_path, nodes, [_tensor("x", ["N", 3, height, 8])], [_tensor("y", ["N", 10])],
                 weights)


def test_hand_built_graph_becomes_layers(tmp_path):
    w = from_onnx(_small_net(tmp_path, height=8), batch=3)
    assert [(layer.name, layer.op) for layer in w.layers] == [
        ("stem", "conv2d"), ("body", "conv2d"), ("residual", "add"), ("squeeze", "pool"),
        ("excite", "mul"), ("cat", "concat"), ("gap", "pool"), ("fc", "linear")]
    layers = {layer.name: layer for layer in w.layers}
    assert (layers["stem"].in_channels, layers["stem"].kernel, layers["stem"].padding,
            layers["stem"].input_hw) == (3, 3, 1, (8, 8))
    assert layers["body"].groups == 8
    assert layers["residual"].inputs == ["body", "stem"]
    assert layers["excite"].inputs == ["residual", "squeeze"]   # tensor first, then the scale
    assert layers["cat"].shape == (16, 8, 8)
    assert (layers["fc"].in_features, layers["fc"].out_features) == (16, 10)
    assert (w.name, w.batch) == ("net", 3)


def test_symbolic_sizes_need_the_input_shape(tmp_path):
    path = _small_net(tmp_path)
    with pytest.raises(InputError, match="--input-shape"):
        from_onnx(path)
    assert from_onnx(path, input_shape=(2, 3, 16, 8)).layers[0].input_hw == (16, 8)


def test_unsupported_ops_are_all_listed_in_one_error(tmp_path):
    n = helper.make_node
    nodes = [n("Conv", ["x", "w"], ["c"], name="conv"),
             n("CumSum", ["c", "axis"], ["s"], name="running_sum"),
             n("MyOp", ["s"], ["t"], name="custom", domain="my.domain"),
             n("Shape", ["c"], ["shape"]),                       # shape arithmetic: a constant
             n("Reshape", ["t", "shape"], ["y"])]
    path = _save(tmp_path, nodes, [_tensor("x", [1, 3, 6, 6])], [_tensor("y", None)],
                 {"w": (4, 3, 3, 3), "axis": ()}, domains=["my.domain"])
    with pytest.raises(InputError) as err:
        from_onnx(path)
    text = str(err.value)
    assert "running_sum: CumSum" in text and "custom: MyOp" in text
    assert "2 unsupported op(s)" in text


def test_unreadable_file_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_text("not a model")
    with pytest.raises(InputError, match="cannot read as an ONNX model"):
        from_onnx(bad)


def test_cli_exports_an_onnx_file(tmp_path, capsys):
    out = tmp_path / "net.yaml"
    assert main(["export", "--onnx", str(_small_net(tmp_path)), "--input-shape", "1,3,8,8",
                 "--name", "small", "-o", str(out)]) == 0
    w = load_workload(out)
    assert (w.name, len(w.layers)) == ("small", 8)
    assert "--onnx" in w.source and "--input-shape 1,3,8,8" in w.source
    assert main(["export", "--onnx", str(tmp_path / "missing.onnx")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The test's torchvision-equivalent networks exported by PyTorch's TorchScript exporter."""
    torch = pytest.importorskip("torch")
    from torch_models import mobilenet_v2, resnet18
    paths = {}
    for name, factory in (("resnet18_imagenet", resnet18), ("mobilenetv2_imagenet",
                                                             mobilenet_v2)):
        paths[name] = tmp_path_factory.mktemp("onnx") / f"{name}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated, not gone
            torch.onnx.export(factory().eval(), (torch.randn(1, 3, 224, 224),), paths[name],
                              dynamo=False)
    return paths


@pytest.mark.parametrize("name", ["resnet18_imagenet", "mobilenetv2_imagenet"])
def test_torchvision_networks_exported_to_onnx_match_the_zoo(exported, name):
    from zoo_match import assert_same_layers
    assert_same_layers(from_onnx(exported[name], name=name), zoo.build(name))
