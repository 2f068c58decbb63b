"""Calibration of the journey model to observed cohort retention with Optuna (`journey calibrate`).

Modules: `observed` (the data), `objective` (the distance, on common random numbers), `study`
(Optuna storage, samplers, workers), `uncertainty` (noise floor, accepted set, forecast,
hold-out), `sbg` (the statistical baseline), `charts`, `report`, and `calibrate` (the command).
"""

__all__ = ["CalibrationError"]


class CalibrationError(ValueError):
    """A calibration that cannot run as asked; str() is the one line shown to the user."""
