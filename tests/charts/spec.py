"""Looking things up in a Vega-Lite spec."""

from __future__ import annotations

from typing import Any


def encoding(spec: dict[str, Any], channel: str) -> dict[str, Any]:
    """A channel's encoding in a spec, looked up in the spec itself or its first layer with it."""
    for part in [spec, *spec.get("layer", [])]:
        if channel in part.get("encoding", {}):
            return part["encoding"][channel]
    raise KeyError(channel)
