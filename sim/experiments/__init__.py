"""The experiment layer: designs over declared factors, many runs, and their analysis.

Specification apart from running apart from analysis, as EMA Workbench does it: `spec` (the
experiment file), `designs` (the points: grid, OAT, LHS, Morris, Sobol via SALib), `runner`
(runs batched into tasks on one process, local processes or a Dask cluster), `parts` (results
streamed to disk), `analysis` (means and sensitivity indices via SALib) and `experiment` (the
whole, writing its folder).
"""

from sim.experiments.spec import DESIGNS, Experiment, ExperimentError, load_experiment

__all__ = ["DESIGNS", "Experiment", "ExperimentError", "load_experiment"]
