"""Mapping: layers onto crossbars and tiles (partitions, packing, replication, streaming)."""

from hicsim.mapping.layout import WeightLayout, layout_of
from hicsim.mapping.place import LayerMap, Mapping, map_layer, map_workload

__all__ = ["WeightLayout", "layout_of", "LayerMap", "Mapping", "map_layer", "map_workload"]
