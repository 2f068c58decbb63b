"""What a scenario changed from its base: the settings that differ between two resolved
scenarios, as (key path, base value, new value).

A what-if file names its base and overrides a few settings; a report reader should not have to
diff two TOML files to see which. The diff is taken on the resolved scenarios (base files merged,
defaults filled in, command-line sizes applied: what each run folder's `scenario.toml` holds), so
it works for any two runs, whether or not one was written as a what-if of the other. A table
present on one side only (a touchpoint added, say) is one row, its settings written inline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario import Scenario

__all__ = ["ABSENT", "IGNORED", "Change", "changes", "diff_settings", "show_value"]

IGNORED = frozenset({"name", "description"})
"""Top-level keys that name or describe a scenario rather than set anything."""

ABSENT = "not set"
"""How a setting missing on one side is shown."""


@dataclass(frozen=True)
class Change:
    """One setting that differs: its key path, and its value in the base and in the scenario
    (None where it is not set)."""

    path: str
    base: Any
    new: Any


def diff_settings(
    base: Mapping[str, Any], new: Mapping[str, Any], prefix: str = ""
) -> list[Change]:
    """Every leaf that differs between two nested mappings, in the base's key order (keys only
    in `new` after), a sub-table on one side only as one change. Pure: no scenario needed."""
    found: list[Change] = []
    for key in [*base, *(k for k in new if k not in base)]:
        path = f"{prefix}{key}"
        a, b = base.get(key), new.get(key)
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            found += diff_settings(a, b, path + ".")
        elif a != b:
            found.append(Change(path, a, b))
    return found


def changes(base: Scenario, new: Scenario) -> list[Change]:
    """The settings `new` changed from `base` (its name and description left out)."""
    a, b = base.model_dump(exclude_none=True), new.model_dump(exclude_none=True)
    return diff_settings(
        {k: v for k, v in a.items() if k not in IGNORED},
        {k: v for k, v in b.items() if k not in IGNORED},
    )


def show_value(value: Any, width: int = 80) -> str:
    """A setting's value as TOML writes it (`4.4`, `"weekly"`, `true`, `{ a = 2, b = 5 }`),
    cut to `width` characters; `ABSENT` for None."""
    text = ABSENT if value is None else _toml(value)
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".12g")
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k} = {_toml(v)}" for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)
