"""Aggregation over replications for the report: the 90 % bands and the stable group-by, defined
in `sim.running.aggregation` (experiments use them too) and read by the report from here."""

from sim.running.aggregation import LOWER, UPPER, bands, stable_group_by

__all__ = ["LOWER", "UPPER", "bands", "stable_group_by"]
