"""The five moments of truth, one module each; `sim.engine.step` runs them in its order.

Each moment acts on the consumers who were in it when the step began (`start`, passed in), so a
consumer moves at most one edge of the journey per step (unless the scenario switches a moment
off).
"""

from sim.engine.moments import fmot, pre_zmot, smot, umot, zmot

__all__ = ["fmot", "pre_zmot", "smot", "umot", "zmot"]
