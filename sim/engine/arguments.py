"""A kernel's arguments taken from the model once and kept, where every step built them again.

A moment's kernel takes the arrays and settings it reads as a tuple, and building one costs a
few microseconds of Python: a dozen a step were some 15 us, a tenth of a 1,000-consumer step.
The arrays are the model's own and change in place, and the settings are the scenario's, so a
tuple stays right until a promotion starts or ends or a dated change applies: those replace
arrays a tuple holds (the offers to new customers, the prices offered) or change what one was
made from (the running touchpoints, FMOT's plan of them by brand), and the model calls `forget`
then.
What changes from step to step (the step, a stream's base) is passed beside a kept tuple, not
in it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.engine.model import JourneyModel

__all__ = ["forget", "kept"]


def kept[T](build: Callable[[JourneyModel], T]) -> Callable[[JourneyModel], T]:
    """`build(model)`, made once for each model and kept until the model `forget`s it."""

    @functools.wraps(build)
    def keeping(model: JourneyModel) -> T:
        made: Any = model.kept_arguments.get(build)
        if made is None:
            made = model.kept_arguments[build] = build(model)
        return made

    return keeping


def forget(model: JourneyModel) -> None:
    """The model has replaced an array a kept tuple may hold: build them again when asked."""
    model.kept_arguments.clear()
