"""Mapping: layers onto crossbars and tiles (partitions, packing, replication, streaming)."""

from hicsim.mapping.place import LayerMap, Mapping, map_layer, map_workload

__all__ = ["LayerMap", "Mapping", "map_layer", "map_workload"]
