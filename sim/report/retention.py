"""Retention measures over cohort tables: pooled and chained, named apart.

Both are defined in `sim.running.retention`, below the report, because the per-replication
KPIs (`sim.running.kpis`) need the pooled one; the report reads them from here.
"""

from sim.running.retention import chained_retention, pooled_retention

__all__ = ["chained_retention", "pooled_retention"]
