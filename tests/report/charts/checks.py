"""Checks shared by the chart and report tests: spec look-ups, images, offline pages."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from sim.report.charts.export import PNG_SCALE


def encoding(spec: dict[str, Any], channel: str) -> dict[str, Any]:
    """A channel's encoding in a spec, looked up in the spec itself or its first layer with it."""
    for part in [spec, *spec.get("layer", [])]:
        if channel in part.get("encoding", {}):
            return part["encoding"][channel]
    raise KeyError(channel)


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


def svg_size(data: bytes) -> tuple[float, float]:
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return float(root.get("width")), float(root.get("height"))


def assert_images_match(png: Path, svg: Path) -> None:
    """Non-empty images, the PNG the SVG's size at PNG_SCALE."""
    width, height = svg_size(svg.read_bytes())
    assert width > 100 and height > 50
    assert png_size(png.read_bytes()) == (round(width * PNG_SCALE), round(height * PNG_SCALE))


def assert_offline(page: str) -> None:
    """Scripts inlined, and no external style sheet, image or frame outside them."""
    scripts = re.findall(r"<script\b([^>]*)>", page, re.I)
    assert scripts and all("src" not in attrs for attrs in scripts)
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.I | re.S)
    assert not re.search(r"<(link|img|iframe)[^>]*\s(src|href)\s*=", markup, re.I)
