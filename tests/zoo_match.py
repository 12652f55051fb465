"""Layer-for-layer comparison of an exported workload with the zoo's definition."""

from __future__ import annotations


def layer_table(workload) -> list[dict]:
    """Every layer's fields, operand order included (the zoo follows torchvision's)."""
    return [layer.model_dump() for layer in workload.layers]


def assert_same_layers(exported, reference) -> None:
    got, want = layer_table(exported), layer_table(reference)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"layer {i} differs:\n exported {g}\n zoo      {w}"
    assert len(got) == len(want), f"{len(got)} layers exported, the zoo has {len(want)}"
    assert (exported.total_weights, exported.macs_per_sample) == \
        (reference.total_weights, reference.macs_per_sample)
