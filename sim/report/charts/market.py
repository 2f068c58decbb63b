"""Customers and market share per brand over time, with their 90 % bands."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from sim.report.charts.bands import band_chart, series
from sim.report.charts.theme import brand_scale
from sim.running.aggregation import bands

__all__ = ["customers_chart", "share_chart"]


def _by_brand(metrics: pl.DataFrame, metric: str) -> pl.DataFrame:
    return bands(series(metrics, metric), ["step", "brand"])


def customers_chart(
    metrics: pl.DataFrame, brands: Sequence[str], unit: str = "step"
) -> alt.LayerChart:
    """Active customers of each brand at the end of each step."""
    return band_chart(
        _by_brand(metrics, "customers"),
        color="brand",
        scale=brand_scale(brands),
        title="Customers per brand",
        subtitle="active customers at the end of each step; band: 90 % of replications",
        x_title=unit.capitalize(),
        y_title="Customers",
    )


def share_chart(metrics: pl.DataFrame, brands: Sequence[str], unit: str = "step") -> alt.LayerChart:
    """Each brand's share of all active customers."""
    return band_chart(
        _by_brand(metrics, "share"),
        color="brand",
        scale=brand_scale(brands),
        title="Market share per brand",
        subtitle="share of all active customers; band: 90 % of replications",
        x_title=unit.capitalize(),
        y_title="Share of customers (%)",
        y_format=".0%",
    )
