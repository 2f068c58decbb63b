"""Scenario errors: any problem with a scenario as one line naming the file, the key path and
what is wrong, with a "did you mean" for a near miss."""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from sim.scenario.distributions import DISTRIBUTIONS
from sim.scenario.schema import Scenario

__all__ = ["ScenarioError", "explain", "hint", "toml_value", "unknown"]


class ScenarioError(Exception):
    """A scenario that cannot be run; str() is the one line shown to the user."""

    def __init__(self, file: str | Path, path: str, problem: str) -> None:
        self.file, self.path, self.problem = str(file), path, problem
        where = f"{self.file}: {path}: " if path else f"{self.file}: "
        super().__init__(where + problem)


def hint(name: str, known: typing.Sequence[str], listing: str = "known") -> str:
    """' (did you mean ...?)' for a close match, else the list of what is known."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f"; {listing}: {', '.join(known)}" if known else ""


def unknown(what: str, name: str, known: typing.Sequence[str]) -> str:
    return f"unknown {what} '{name}'" + hint(name, known)


# --- turning pydantic's errors into one line -----------------------------------------------

_LIMITS = {
    "greater_than_equal": ("ge", "must be at least"),
    "greater_than": ("gt", "must be greater than"),
    "less_than_equal": ("le", "must be at most"),
    "less_than": ("lt", "must be less than"),
}
_EXPECTED = {
    "int_type": "an integer",
    "int_from_float": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a number or a distribution table",
}
_TOML_TYPES = {
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    str: "a string",
    dict: "a table",
    list: "an array",
}


def _walk(loc: tuple[int | str, ...], root: type[BaseModel]) -> tuple[str, Any]:
    """Follow an error location through the schema.

    Returns the key path to show, without the tag pydantic adds for a distribution's kind, and
    the model holding the last key (None if that is not a model's field).
    """
    tp: Any = root
    owner = None
    shown: list[str] = []
    for part in loc:
        owner = None
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            field = tp.model_fields.get(str(part))
            tp = field.annotation if field else None
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        elif part in DISTRIBUTIONS and typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = DISTRIBUTIONS[str(part)]  # the tag: pydantic's, not a key in the file
            continue
        else:
            tp = None
        shown.append(f'"{part}"' if "." in str(part) else str(part))
    return ".".join(shown), owner


def toml_value(value: Any) -> str:
    kind = _TOML_TYPES.get(type(value), type(value).__name__)
    if isinstance(value, dict | list):
        return kind
    return f"{kind} {str(value).lower() if isinstance(value, bool) else repr(value)}"


def explain(err: ErrorDetails, file: str | Path, root: type[BaseModel] = Scenario) -> ScenarioError:
    loc = tuple(err["loc"])
    path, owner = _walk(loc, root)
    kind, msg, value, ctx = err["type"], err["msg"], err.get("input"), err.get("ctx", {})
    if kind == "extra_forbidden":
        known = [k for k in owner.model_fields if k != "dist"] if owner else []
        problem = unknown("key", str(loc[-1]), known)
    elif kind == "missing":
        problem = "required key is missing"
    elif kind == "greater_than_equal" and ctx.get("ge") == 0:
        problem = f"must not be negative, got {value!r}"
    elif kind in _LIMITS:
        bound, text = _LIMITS[kind]
        problem = f"{text} {ctx[bound]}, got {value!r}"
    elif kind == "finite_number":
        problem = f"must be a finite number, got {value!r}"
    elif kind == "union_tag_invalid":
        problem = unknown("distribution", str(ctx["tag"]), sorted(DISTRIBUTIONS))
    elif kind == "union_tag_not_found":
        problem = f"a distribution needs a 'dist' key ({', '.join(sorted(DISTRIBUTIONS))})"
    elif kind == "literal_error":
        options = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        problem = f"unknown {loc[-1]} {value!r}" + hint(str(value), options, "one of")
    elif kind in _EXPECTED or kind.endswith(("_type", "_parsing")):
        expected = _EXPECTED.get(kind) or msg.lower().removeprefix("input should be ")
        problem = f"wrong type: expected {expected}, got {toml_value(value)}"
    elif kind == "value_error":  # our own validators: the message is written to be shown
        problem = msg.removeprefix("Value error, ")
    else:
        problem = msg[:1].lower() + msg[1:]
        if not isinstance(value, dict | list):
            problem += f", got {value!r}"
    return ScenarioError(file, path, problem)
