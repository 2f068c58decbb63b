"""Where a benchmark's results go: one JSON file under benchmarks/out/, stamped with when."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def record(path: Path, results: dict[str, Any]) -> None:
    """Write `results` to `path` as indented JSON, the UTC time of writing first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamped = {"when": datetime.now(UTC).isoformat(timespec="seconds"), **results}
    path.write_text(json.dumps(stamped, indent=2))
