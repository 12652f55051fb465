"""The hardware model: one typed object graph built once from a validated ``Arch`` by
``hicsim.hardware.model.build_hardware``, read by mapping, engine, functional model and reports.

- ``ids``: typed ids of phases, memory levels, components, actions.
- ``technology``: the device-technology interface and its registry by ``kind``; ``pcm``: the two
  PCM kinds.
- ``weights``: the weight representation (devices per weight, roles, columns).
- ``memory``: the memory hierarchy as ordered, typed levels.
- ``model``: ``Hardware`` and its factory.

This file imports nothing so that the device models (``hicsim.devices``) can use
``hardware.technology`` without an import cycle.
"""
