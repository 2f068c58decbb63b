"""Presentation: KPIs, the terminal summary, comparisons, charts and the offline HTML report."""
