"""The scenario layer: what a run is, as validated data.

`schema` holds the typed sections of a scenario (pydantic models), `distributions` the trait
distributions they use, `loading` reads TOML files with their base files and overrides, and
`errors` turns any problem into one line naming the file, the key path and what is wrong.
Nothing here imports the engine.
"""

from sim.scenario.errors import ScenarioError
from sim.scenario.loading import (
    apply_overrides,
    check_key_path,
    conversions_of,
    dump_scenario,
    explanation,
    key_path_overrides,
    load_scenario,
    read_toml,
    resized,
    validate_scenario,
    warnings_of,
)
from sim.scenario.schema import (
    EDITABLE_BRAND,
    EDITABLE_TOUCHPOINT,
    MAX_CONSUMERS,
    MAX_STEPS,
    Brand,
    FreeParameter,
    Network,
    Promotion,
    Scenario,
    Touchpoint,
)

__all__ = [
    "EDITABLE_BRAND",
    "EDITABLE_TOUCHPOINT",
    "MAX_CONSUMERS",
    "MAX_STEPS",
    "Brand",
    "FreeParameter",
    "Network",
    "Promotion",
    "Scenario",
    "ScenarioError",
    "Touchpoint",
    "apply_overrides",
    "check_key_path",
    "conversions_of",
    "dump_scenario",
    "explanation",
    "key_path_overrides",
    "load_scenario",
    "read_toml",
    "resized",
    "validate_scenario",
    "warnings_of",
]
