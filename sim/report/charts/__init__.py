"""Charts: functions from run frames to Altair charts, one module per chart family.

Aggregation (mean and 90 % band over replications) is done in polars first, so a chart holds
only the points it draws. `theme` gives every brand and scenario one colour in all charts;
`export.save_chart` writes a chart as offline HTML, PNG and SVG.
"""

from sim.report.charts.bands import band_chart
from sim.report.charts.export import FORMATS, chart_spec, save_chart
from sim.report.charts.retention import retention_bands, retention_chart
from sim.report.charts.theme import BRAND_COLORS, SCENARIO_COLORS, brand_scale, scenario_scale
from sim.running.aggregation import bands

__all__ = [
    "BRAND_COLORS",
    "FORMATS",
    "SCENARIO_COLORS",
    "band_chart",
    "bands",
    "brand_scale",
    "chart_spec",
    "retention_bands",
    "retention_chart",
    "save_chart",
    "scenario_scale",
]
