"""``from_torch`` and ``hicsim export --torch``: PyTorch models to workloads."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from hicsim.cli import main
from hicsim.spec.errors import InputError
from hicsim.workload import zoo
from hicsim.workload.frameworks import operand_stats, with_stats

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from torchvision_models import mobilenet_v2, resnet18  # noqa: E402  (needs torch)
from zoo_match import assert_same_layers, without_biases  # noqa: E402
from hicsim.workload.frameworks import from_torch, trace_torch  # noqa: E402

IMAGENET_INPUT = (1, 3, 224, 224)
NETWORKS = {"resnet18_imagenet": resnet18, "mobilenetv2_imagenet": mobilenet_v2}


@pytest.mark.parametrize("tracer", ["fx", "hooks"])
@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_torchvision_networks_match_the_zoo(name, tracer):
    traced = trace_torch(NETWORKS[name](), torch.randn(IMAGENET_INPUT), name=name, tracer=tracer)
    assert_same_layers(traced.workload, zoo.build(name))


class Block(nn.Module):
    """Ops without modules: two adds in one block, a channel scale, a concat, a global mean."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding="same")
        self.fc1 = nn.Conv2d(8, 2, 1)
        self.weight = nn.Parameter(torch.randn(4, 8, 1, 1))

    def forward(self, x):
        y = self.conv(x) + x
        y = y + x
        scale = torch.sigmoid(self.fc1(y.mean((2, 3), keepdim=True)))
        scale = F.conv2d(scale, torch.ones(8, 2, 1, 1))          # constant weight: a conv
        z = scale * y                                            # scale first in the code
        return torch.cat([z, F.conv2d(z, self.weight, stride=1)], dim=1)


class Tokens(nn.Module):
    """Tokens: a linear layer over a sequence and a product of two activations."""

    def __init__(self):
        super().__init__()
        self.block = Block()
        self.proj = nn.Linear(12, 16)

    def forward(self, x):
        h = self.block(x).flatten(2).transpose(1, 2)          # [B, 64 tokens, 12]
        q = self.proj(h)                                      # [B, 64, 16]
        return torch.matmul(q, q.transpose(1, 2))             # [B, 64, 64]


@pytest.mark.parametrize("tracer", ["fx", "hooks"])
def test_ops_without_modules_are_named_after_their_caller(tracer):
    w = trace_torch(Tokens(), torch.randn(2, 8, 8, 8), tracer=tracer).workload
    table = [(layer.name, layer.op) for layer in w.layers]
    assert table == [
        ("block.conv", "conv2d"), ("block.add", "add"), ("block.add_2", "add"),
        ("block.avgpool", "pool"), ("block.fc1", "conv2d"), ("block.conv2d", "conv2d"),
        ("block.mul", "mul"), ("block.conv2d_2", "conv2d"), ("block.concat", "concat"),
        ("proj", "linear"), ("matmul", "matmul")]
    layers = {layer.name: layer for layer in w.layers}
    assert layers["block.conv"].padding == 1
    assert layers["block.add"].inputs == ["block.conv", "input"]
    assert layers["block.add_2"].inputs == ["block.add", "input"]
    assert layers["block.mul"].inputs == ["block.add_2", "block.conv2d"]  # tensor, then scale
    assert layers["block.concat"].shape == (12, 8, 8)
    assert (layers["proj"].in_features, layers["proj"].tokens) == (12, 64)
    assert (layers["matmul"].m, layers["matmul"].k, layers["matmul"].n,
            layers["matmul"].rhs) == (64, 16, 64, "activation")
    assert w.batch == 2


class DataDependent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        if x.sum() > -1e9:  # torch.fx cannot trace a branch on a value
            x = self.conv(x)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def test_falls_back_to_forward_hooks_where_fx_cannot_trace():
    traced = trace_torch(DataDependent(), torch.randn(1, 3, 10, 10))
    assert traced.tracer == "forward hooks" and "TraceError" in traced.fx_error
    assert [layer.name for layer in traced.workload.layers] == ["conv", "avgpool", "fc"]


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.rnn = nn.LSTM(4, 4, batch_first=True)

    def forward(self, x):
        x = torch.cumsum(self.conv(x), dim=1)
        out, _ = self.rnn(x.flatten(2).transpose(1, 2))
        return out


@pytest.mark.parametrize("tracer", ["fx", "hooks"])
def test_unsupported_ops_are_all_listed_in_one_error(tracer):
    with pytest.raises(InputError) as err:
        from_torch(Unsupported(), torch.randn(1, 3, 6, 6), tracer=tracer)
    text = str(err.value)
    assert "cumsum: function cumsum" in text and "rnn: module LSTM" in text
    assert "2 unsupported op(s)" in text


def test_operand_statistics_quantise_at_the_input_precision():
    relu = operand_stats(np.array([0.0, 0.0, 1 / 3, 1.0]), input_bits=2)
    assert (relu.signed, relu.scale, relu.histogram, relu.input_density) == \
        (False, 1.0, [2, 1, 0, 1], 0.5)
    assert relu.bit_density == [0.5, 0.25]   # codes 0, 0, 1, 3
    signed = operand_stats(np.array([-2.0, 1.0, 0.0, 0.2]), input_bits=3)
    assert (signed.signed, signed.histogram) == (True, [2, 0, 1, 1])  # 2 magnitude bits


def test_trace_records_stats_of_each_weighted_layers_input():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 1))
    x = torch.randn(4, 3, 5, 5)
    traced = trace_torch(model, x, stats=True, input_bits=4)
    assert set(traced.stats) == {"0", "2"}
    first, second = (model[i].weight.detach().numpy() for i in (0, 2))
    assert traced.stats["0"] == operand_stats(x.numpy(), 4, first)
    relu_out = torch.relu(model[0](x)).detach().numpy()
    assert traced.stats["2"] == operand_stats(relu_out, 4, second)
    # the weights' mean share of the range, from the real weights: mean |w| / max |w|
    assert traced.stats["2"].weight_fraction == pytest.approx(
        np.abs(second).mean() / np.abs(second).max(), rel=1e-6)
    assert not traced.stats["2"].signed
    workload = with_stats(traced.workload, traced.stats)
    assert workload.layers[1].stats == traced.stats["2"]


def test_cli_exports_a_module_factory(tmp_path, monkeypatch, capsys):
    (tmp_path / "mynet.py").write_text(textwrap.dedent("""
        import torch
        from torch import nn
        def small():
            torch.manual_seed(0)
            return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    """))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["export", "--torch", "mynet:small", "--input-shape", "2,3,8,8",
                 "--input-bits", "4", "-o", "small.yaml"]) == 0
    from hicsim.workload import load_workload
    w = load_workload(tmp_path / "small.yaml")
    assert [layer.op for layer in w.layers] == ["conv2d", "pool", "linear"]
    assert (w.name, w.batch, w.input_bits) == ("small", 2, 4)
    assert w.source == "hicsim export --torch mynet:small --input-bits 4 --input-shape 2,3,8,8"
    assert main(["export", "--torch", "mynet:small"]) == 2
    assert "needs --input-shape" in capsys.readouterr().err
    # a sample batch: the trace records each weighted layer's operand statistics
    np.save(tmp_path / "batch.npy", np.random.default_rng(0).random((4, 3, 8, 8)))
    assert main(["export", "--torch", "mynet:small", "--sample", "batch.npy",
                 "-o", "stats.yaml"]) == 0
    w = load_workload(tmp_path / "stats.yaml")
    assert w.batch == 4 and all(l.stats is not None for l in w.weighted_layers)
    assert 0 < w.layers[-1].stats.input_density < 1  # after ReLU and pooling: some zeros
    # and the weights' mean |w| / max |w|, computed by numpy on the same (seeded) weights
    import mynet
    weights = [m.weight.detach().numpy() for m in mynet.small() if hasattr(m, "weight")]
    assert [l.stats.weight_fraction for l in w.weighted_layers] == \
        [pytest.approx(np.abs(v).mean() / np.abs(v).max(), rel=1e-6) for v in weights]
    (tmp_path / "bad.npy").write_text("not an array")
    assert main(["export", "--torch", "mynet:small", "--sample", "bad.npy"]) == 2


def test_missing_torch_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # "import torch" now raises ImportError
    assert main(["export", "--torch", "mynet:small", "--input-shape", "1,3,8,8"]) == 2
    assert "pip install 'hicsim[torch]'" in capsys.readouterr().err


def test_importing_hicsim_does_not_import_torch_or_onnx():
    code = ("import sys, hicsim.workload, hicsim.cli.export; "
            "assert not {'torch', 'onnx'} & set(sys.modules), 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


from torch_transformers import SmallEncoder  # noqa: E402
from torchvision_models import vit_b_16  # noqa: E402
from transformer_counts import encoder_hand_count, layer_rows  # noqa: E402


@pytest.mark.parametrize("tracer", ["fx", "hooks"])
def test_vit_b16_matches_the_zoo_layer_for_layer(tracer):
    traced = trace_torch(vit_b_16(), torch.randn(1, 3, 224, 224), name="vit_b16_imagenet",
                         tracer=tracer)
    assert_same_layers(without_biases(traced.workload), zoo.build("vit_b16_imagenet"))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("tracer", ["fx", "hooks"])
def test_transformer_encoder_matches_a_hand_count(tracer, norm_first):
    w = trace_torch(SmallEncoder(norm_first).eval(), torch.randn(2, 10, 32), tracer=tracer).workload
    assert layer_rows(w) == encoder_hand_count(10, norm_first)
    layers = {l.name: l for l in w.layers}
    # Residual adds read the block input and the attention output.
    assert layers["encoder.layers.0.add"].inputs == ["input", "encoder.layers.0.self_attn.out_proj"]
    assert layers["encoder.layers.1.add"].inputs == [
        "encoder.layers.0.add_2" if norm_first else "encoder.layers.0.norm2",
        "encoder.layers.1.self_attn.out_proj"]
    assert layers["encoder.layers.0.self_attn.scores"].inputs == [
        "encoder.layers.0.self_attn.q_proj", "encoder.layers.0.self_attn.k_proj"]


class Sdpa(nn.Module):
    """Attention written out: projections, then F.scaled_dot_product_attention over 2 heads.
    (Separate projections: a fused QKV projection split three ways is not expressible, as a
    layer reads all of its producer.)"""

    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(16, 16), nn.Linear(16, 16), nn.Linear(16, 16)
        self.norm = nn.LayerNorm(16)

    def forward(self, x):
        b, t, _ = x.shape
        x = self.norm(x)
        q, k, v = (p(x).reshape(b, t, 2, 8).transpose(1, 2) for p in (self.q, self.k, self.v))
        y = F.scaled_dot_product_attention(q, k, v)                  # [B, 2, T, 8]
        s = torch.matmul(q, k.transpose(-2, -1)).softmax(-1)         # [B, 2, T, T]
        return y, F.gelu(s)


@pytest.mark.parametrize("tracer", ["fx", "hooks"])
def test_sdpa_matmul_softmax_layernorm_and_gelu(tracer):
    w = trace_torch(Sdpa(), torch.randn(1, 6, 16), tracer=tracer).workload
    table = [(l.name, l.op) for l in w.layers]
    assert table == [
        ("norm", "layernorm"), ("q", "linear"), ("k", "linear"), ("v", "linear"),
        ("scaled_dot_product_attention.scores", "matmul"),
        ("scaled_dot_product_attention.softmax", "softmax"),
        ("scaled_dot_product_attention.context", "matmul"),
        ("matmul", "matmul"), ("softmax", "softmax"), ("gelu", "gelu")]
    layers = {l.name: l for l in w.layers}
    scores = layers["scaled_dot_product_attention.scores"]
    assert (scores.heads, scores.m, scores.k, scores.n) == (2, 6, 8, 6)
    product = layers["matmul"]
    assert (product.heads, product.m, product.k, product.n) == (2, 6, 8, 6)
    assert (layers["softmax"].heads, layers["softmax"].rows, layers["softmax"].cols) == (2, 6, 6)
    assert (layers["gelu"].tokens, layers["gelu"].features) == (12, 6)


class TinyDecoder(nn.Module):
    """Token ids in: an embedding, RMSNorm, a SiLU MLP, a tanh head and the last token."""

    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(50, 16)
        self.norm = nn.RMSNorm(16)
        self.up = nn.Linear(16, 32)
        self.act = nn.SiLU()
        self.down = nn.Linear(32, 16)
        self.head = nn.Linear(16, 50)

    def forward(self, ids):
        x = self.down(self.act(self.up(self.norm(self.wte(ids)))))
        return self.head(torch.tanh(x)[:, -1])


@pytest.mark.parametrize("tracer", ["fx", "hooks"])
def test_embedding_rmsnorm_silu_tanh_and_last_token(tracer):
    w = trace_torch(TinyDecoder(), torch.randint(0, 50, (1, 7)), tracer=tracer).workload
    assert [(l.name, l.op) for l in w.layers] == [
        ("wte", "embedding"), ("norm", "rmsnorm"), ("up", "linear"), ("act", "silu"),
        ("down", "linear"), ("tanh", "tanh"), ("token_slice", "token_slice"), ("head", "linear")]
    layers = {l.name: l for l in w.layers}
    assert (layers["wte"].num_embeddings, layers["wte"].dim, layers["wte"].tokens) == (50, 16, 7)
    assert layers["wte"].parameters == 800 and layers["norm"].parameters == 16
    assert (layers["token_slice"].position, layers["head"].tokens) == ("last", 1)


class PreActivation(nn.Module):
    """DenseNet's batch-norm placements: after the stem conv, before a conv on a concatenation,
    between two convs, and before the global pool and classifier; plus a functional conv with a
    bias and one without."""

    def __init__(self):
        super().__init__()
        self.conv0, self.norm0 = nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8)
        self.norm1, self.conv1 = nn.BatchNorm2d(16), nn.Conv2d(16, 4, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(4)
        self.w, self.b = nn.Parameter(torch.randn(4, 4, 3, 3)), nn.Parameter(torch.randn(4))
        self.norm5, self.fc = nn.BatchNorm2d(8), nn.Linear(8, 10)

    def forward(self, x):
        x = F.relu(self.norm0(self.conv0(x)))
        x = torch.cat([x, x], 1)
        x = F.relu(self.norm2(self.conv1(F.relu(self.norm1(x)))))
        x = F.conv2d(F.conv2d(x, self.w, self.b, padding=1), self.w, padding=1)
        x = torch.cat([x, x], 1)
        x = F.adaptive_avg_pool2d(F.relu(self.norm5(x)), 1)
        return self.fc(torch.flatten(x, 1))


@pytest.mark.parametrize("tracer", ["fx", "hooks"])
def test_batch_norms_and_biases_are_carried_by_weighted_layers(tracer):
    w = trace_torch(PreActivation().eval(), torch.randn(1, 3, 8, 8), tracer=tracer).workload
    carried = {l.name: (l.bias, l.batch_norm_channels) for l in w.weighted_layers}
    assert carried == {"conv0": (False, 8),          # norm0 on its output
                       "conv1": (False, 16 + 4),     # norm1 on its input, norm2 on its output
                       "conv2d": (True, 0), "conv2d_2": (False, 0),
                       "fc": (True, 8)}              # norm5 on a concat, through the pool
    assert sum(l.batch_norm_params for l in w.weighted_layers) == \
        sum(2 * m.num_features for m in PreActivation().modules() if isinstance(m, nn.BatchNorm2d))


def test_a_batch_norm_no_weighted_layer_carries_is_reported():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.BatchNorm1d(4 * 3 * 3))
    with pytest.raises(InputError, match="batch norm whose parameters no weighted layer carries"):
        from_torch(model.eval(), torch.randn(1, 3, 8, 8))
