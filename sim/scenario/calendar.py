"""Calendar time: which step a date falls in, and the date a step begins on.

With `[time] start = 2026-01-01` step 1 begins on that date and a step lasts a day, a week or
a calendar month (`time.step`). Wherever a scenario takes a step (`start`, `end`, `at`) it
also takes a date, which means the step the date falls in.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = ["StepOrDate", "add_months", "date_of", "dates", "step_of"]

StepOrDate = int | date


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clipped to the month's last day."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def step_of(day: date, start: date, step: str) -> int:
    """The step `day` falls in, step 1 beginning on `start` (0 or less: before the start)."""
    if step == "day":
        return (day - start).days + 1
    if step == "week":
        return (day - start).days // 7 + 1
    months = (day.year - start.year) * 12 + day.month - start.month
    if add_months(start, months) > day:
        months -= 1
    return months + 1


def date_of(step_number: int, start: date, step: str) -> date:
    """The date step `step_number` begins on (step 1 on `start`)."""
    if step == "day":
        return start + timedelta(days=step_number - 1)
    if step == "week":
        return start + timedelta(weeks=step_number - 1)
    return add_months(start, step_number - 1)


def dates(steps: int, start: date, step: str) -> list[date]:
    """The dates steps 1..`steps` begin on."""
    return [date_of(k, start, step) for k in range(1, steps + 1)]
