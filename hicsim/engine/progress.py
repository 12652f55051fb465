"""Per-layer progress of a run, for callers that show it (``hicsim run``); the engine never prints.

``watch_layers`` appends a plain callback to each (layer, wave) output event of a flow. Event
callbacks are not SimPy events, so watching adds no events and moves no cycle: a run with a
watcher has the same cycles and event count as one without (``tests/test_progress.py``).

A layer is reported once every wave's output exists and every earlier layer has been reported,
so calls come in layer order with non-decreasing cycles even when branches finish out of order.
Training reports its forward pass (the backward pass and the update follow the last call); a
decoder reports its prefill (the decode steps follow).
"""

from __future__ import annotations

from typing import Callable, Protocol

from hicsim.engine.keys import TensorKey

# (layer name, layer index, layer count, simulated cycle at which the layer is complete)
LayerCallback = Callable[[str, int, int, int], None]


class _Flow(Protocol):
    env: object
    workload: object
    samples: dict  # each wave by its first sample (``engine.waves``)

    def _event(self, key): ...


def watch_layers(flow: _Flow, on_layer: LayerCallback) -> None:
    layers, waves = flow.workload.layers, list(flow.samples)
    remaining = [len(waves)] * len(layers)
    done = [0] * len(layers)  # the cycle the layer's last sample so far finished
    state = {"next": 0}  # the first layer not reported yet

    def finished(i: int, event) -> None:
        remaining[i] -= 1
        # a wave's last sample finishes ``lag`` after its event (``engine.waves``)
        done[i] = max(done[i], int(flow.env.now) + max(getattr(event, "lag", (0,))))
        while state["next"] < len(layers) and remaining[state["next"]] == 0:
            j = state["next"]
            state["next"] += 1
            on_layer(layers[j].name, j, len(layers), max(done[: j + 1]))

    for i, layer in enumerate(layers):
        for b in waves:
            flow._event(TensorKey(layer.name, b)).callbacks.append(lambda ev, i=i: finished(i, ev))
