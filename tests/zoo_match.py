"""Layer-for-layer comparison of an exported workload with the zoo's definition."""

from __future__ import annotations


def layer_table(workload) -> list[dict]:
    """Every layer's fields, operand order included (the zoo follows torchvision's), but the
    weights' distribution (an importer records it from real weights; the zoo has none)."""
    return [layer.model_dump(exclude={"weight_stats"}) for layer in workload.layers]


def assert_same_layers(exported, reference) -> None:
    got, want = layer_table(exported), layer_table(reference)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"layer {i} differs:\n exported {g}\n zoo      {w}"
    assert len(got) == len(want), f"{len(got)} layers exported, the zoo has {len(want)}"
    assert (exported.total_weights, exported.macs_per_sample) == \
        (reference.total_weights, reference.macs_per_sample)


def batch_norm_folded(workload):
    """``workload`` as torch's ONNX exporter writes it in eval mode: every batch norm that follows
    a convolution folded into that convolution, which gains a bias and loses the norm (true for
    networks whose norms all follow a convolution, as ResNet's and MobileNet's do)."""
    layers = [l.model_copy(update={"bias": True, "batch_norm_channels": 0})
              if l.weighted and l.batch_norm_channels else l for l in workload.layers]
    return workload.model_copy(update={"layers": layers})


def without_biases(workload):
    """``workload`` with every layer's bias flag cleared: the transformer zoo counts biases
    outside its layers (its tests add them to the totals), so exports compare without them."""
    layers = [l.model_copy(update={"bias": False}) if l.weighted else l for l in workload.layers]
    return workload.model_copy(update={"layers": layers})
