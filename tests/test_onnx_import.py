"""``from_onnx`` and ``hicsim export --onnx``: ONNX graphs to workloads. Graphs are built here,
with onnx.helper or by exporting the test's torch models, never downloaded."""

import warnings

import numpy as np
import pytest

from hicsim.cli.flags import worded

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
    with pytest.raises(InputError, match=r"give the input shape \(input_shape\)") as err:
        from_onnx(path)
    assert worded(err.value).endswith("give the input shape (--input-shape)")  # as the CLI says
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
    """torchvision's networks exported by PyTorch's TorchScript exporter."""
    torch = pytest.importorskip("torch")
    from torchvision_models import mobilenet_v2, resnet18
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
    # The exporter folds eval-mode batch norms into the convolutions before them (their biases).
    from zoo_match import assert_same_layers, batch_norm_folded
    assert_same_layers(from_onnx(exported[name], name=name), batch_norm_folded(zoo.build(name)))


# -- transformers -------------------------------------------------------------------------------
from transformer_counts import encoder_hand_count, layer_rows  # noqa: E402

T, D, HEADS, HEAD, HIDDEN = 10, 32, 4, 8, 64


class _Graph:
    """Builds an encoder layer by layer as exporters write one, whole ops or decomposed."""

    def __init__(self, decomposed: bool):
        self.decomposed, self.nodes, self.weights, self.consts, self.k = decomposed, [], {}, {}, 0

    def _t(self, hint="t"):
        self.k += 1
        return f"{hint}{self.k}"

    def const(self, value, dtype=np.float32):
        name = self._t("c")
        self.consts[name] = np.array(value, dtype)
        return name

    def node(self, op, inputs, name="", **attrs):
        out = self._t()
        self.nodes.append(helper.make_node(op, inputs, [out], name=name or out, **attrs))
        return out

    def linear(self, x, name, a, b):
        w, bias = f"{name}.weight", f"{name}.bias"
        self.weights[w], self.weights[bias] = (a, b), (b,)
        return self.node("Add", [self.node("MatMul", [x, w], name), bias])

    def heads(self, x, perm):
        y = self.node("Reshape", [x, self.const([0, T, HEADS, HEAD], np.int64)])
        return self.node("Transpose", [y], perm=perm)

    def softmax(self, x, name):
        if not self.decomposed:
            return self.node("Softmax", [x], name, axis=-1)
        m = self.node("ReduceMax", [x], axes=[-1], keepdims=1)
        e = self.node("Exp", [self.node("Sub", [x, m])])
        s = self.node("ReduceSum", [e, self.const([-1], np.int64)], keepdims=1)
        return self.node("Div", [e, s], name)

    def layernorm(self, x, name):
        g, b = f"{name}.weight", f"{name}.bias"
        self.weights[g], self.weights[b] = (D,), (D,)
        if not self.decomposed:
            return self.node("LayerNormalization", [x, g, b], name, axis=-1, epsilon=1e-5)
        d = self.node("Sub", [x, self.node("ReduceMean", [x], axes=[-1])])
        var = self.node("ReduceMean", [self.node("Pow", [d, self.const(2.0)])], axes=[-1])
        std = self.node("Sqrt", [self.node("Add", [var, self.const(1e-5)])])
        return self.node("Add", [self.node("Mul", [self.node("Div", [d, std]), g]), b], name)

    def gelu(self, x, name):
        if not self.decomposed:
            return self.node("Gelu", [x], name)
        erf = self.node("Erf", [self.node("Div", [x, self.const(2 ** 0.5)])])
        y = self.node("Mul", [x, self.node("Add", [erf, self.const(1.0)])])
        return self.node("Mul", [y, self.const(0.5)], name)

    def encoder_layer(self, x, p):
        a = f"{p}.self_attn"
        q = self.heads(self.linear(x, f"{a}.q_proj", D, D), [0, 2, 1, 3])
        k = self.heads(self.linear(x, f"{a}.k_proj", D, D), [0, 2, 3, 1])
        v = self.heads(self.linear(x, f"{a}.v_proj", D, D), [0, 2, 1, 3])
        scores = self.node("Div", [self.node("MatMul", [q, k], f"{a}.scores"),
                                   self.const(HEAD ** 0.5)])
        context = self.node("MatMul", [self.softmax(scores, f"{a}.softmax"), v], f"{a}.context")
        merged = self.node("Reshape", [self.node("Transpose", [context], perm=[0, 2, 1, 3]),
                                       self.const([0, T, D], np.int64)])
        x = self.layernorm(self.node("Add", [x, self.linear(merged, f"{a}.out_proj", D, D)],
                                     f"{p}.add"), f"{p}.norm1")
        h = self.gelu(self.linear(x, f"{p}.linear1", D, HIDDEN), f"{p}.gelu")
        y = self.node("Add", [x, self.linear(h, f"{p}.linear2", HIDDEN, D)], f"{p}.add_2")
        return self.layernorm(y, f"{p}.norm2")

    def save(self, path, out):
        inits = [numpy_helper.from_array(np.ones(s, np.float32), n) for n, s in self.weights.items()]
        inits += [numpy_helper.from_array(v, n) for n, v in self.consts.items()]
        graph = helper.make_graph(self.nodes, "encoder", [_tensor("x", ["N", T, D])],
                                  [_tensor(out, ["N", T, D])], initializer=inits)
        # Whole ops need opset 20 (Gelu); decomposed graphs use opset 17 (ReduceMean's axes).
        opset = 17 if self.decomposed else 20
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), path)
        return path


@pytest.mark.parametrize("decomposed", [False, True])
def test_transformer_encoder_matches_a_hand_count(tmp_path, decomposed):
    g = _Graph(decomposed)
    x = "x"
    for i in range(2):
        x = g.encoder_layer(x, f"encoder.layers.{i}")
    w = from_onnx(g.save(tmp_path / "encoder.onnx", x), batch=2)
    # The graph transposes the keys itself, so Q K^T reads a plain right operand.
    assert layer_rows(w) == encoder_hand_count(T, norm_first=False, keys_transposed=False)
    layers = {l.name: l for l in w.layers}
    assert layers["encoder.layers.0.add"].inputs == ["input", "encoder.layers.0.self_attn.out_proj"]
    assert layers["encoder.layers.1.self_attn.scores"].inputs == [
        "encoder.layers.1.self_attn.q_proj", "encoder.layers.1.self_attn.k_proj"]


@pytest.mark.parametrize("norm_first", [False, True])
def test_torch_exported_transformer_encoder_matches_the_torch_import(tmp_path, norm_first):
    # PyTorch's exporter writes each attention as one fused [32, 96] input projection split into
    # q, k and v on a sequence-first layout; the import must give from_torch's layers.
    torch = pytest.importorskip("torch")
    from torch_transformers import SmallEncoder
    from hicsim.workload.frameworks import trace_torch
    model, x = SmallEncoder(norm_first).eval(), torch.randn(2, T, D)
    path = tmp_path / "encoder.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated, not gone
        torch.onnx.export(model, (x,), path, dynamo=False)
    imported = from_onnx(path, batch=2)
    traced = trace_torch(model, x, tracer="hooks").workload
    assert layer_rows(imported) == layer_rows(traced) == encoder_hand_count(T, norm_first)
    assert [l.inputs for l in imported.layers] == [l.inputs for l in traced.layers]


def test_batch_norms_and_biases_are_carried_by_weighted_layers(tmp_path):
    n = helper.make_node
    bn = ["scale", "shift", "mean", "var"]
    nodes = [
        n("Conv", ["x", "w1", "b1"], ["c1"], name="stem", pads=[1, 1, 1, 1]),   # with a bias
        n("BatchNormalization", ["c1", *[f"{p}8" for p in bn]], ["n1"], name="norm0"),
        n("Concat", ["n1", "n1"], ["cat"], name="cat", axis=1),
        n("BatchNormalization", ["cat", *[f"{p}16" for p in bn]], ["n2"], name="norm1"),
        n("Relu", ["n2"], ["r"]),
        n("Conv", ["r", "w2"], ["c2"], name="conv1"),
        n("GlobalAveragePool", ["c2"], ["g"], name="gap"),
        n("Flatten", ["g"], ["f"]),
        n("Gemm", ["f", "fc_w"], ["y"], name="fc", transB=1)]                   # no bias
    weights = {"w1": (8, 3, 3, 3), "b1": (8,), "w2": (4, 16, 1, 1), "fc_w": (10, 4),
               **{f"{p}{c}": (c,) for p in bn for c in (8, 16)}}
    path = _save(tmp_path, nodes, [_tensor("x", [1, 3, 8, 8])], [_tensor("y", [1, 10])], weights)
    w = from_onnx(path)
    assert {l.name: (l.bias, l.batch_norm_channels) for l in w.weighted_layers} == \
        {"stem": (True, 8), "conv1": (False, 16), "fc": (False, 0)}


def test_both_importers_record_the_weights_distribution(tmp_path):
    # the same seeded conv and linear weights through torch tracing and through ONNX
    torch = pytest.importorskip("torch")
    from torch import nn
    from hicsim.workload.frameworks import from_torch
    from hicsim.workload.weight_stats import weight_stats
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 5)).eval()
    x = torch.randn(1, 3, 6, 6)
    path = tmp_path / "small.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), path, dynamo=False)
    want = [weight_stats(model[i].weight.detach().numpy()) for i in (0, 3)]
    for workload in (from_torch(model, x), from_onnx(path, batch=1)):
        assert [l.weight_stats for l in workload.weighted_layers] == want
    # every weight counted; the largest |w| sits at code -1024 or +1024 (here two conv weights
    # round to -max|w|, one linear weight is +max|w|)
    assert [sum(s.histogram) for s in want] == [4 * 3 * 9, 5 * 64]
    assert [(s.histogram[0], s.histogram[-1]) for s in want] == [(2, 0), (0, 1)]
