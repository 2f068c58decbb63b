"""Checks shared by the chart and report tests: spec look-ups, images, offline pages."""

from __future__ import annotations

import os
import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]


@dataclass(frozen=True)
class Drawn:
    """What a page did in the browser: (chart id, state, marks) per chart, a screenshot, the
    requests it tried to make and the errors and warnings it logged."""

    drawn: list[tuple[str, str, int]]
    screenshot: Path
    fetched: list[str]
    problems: list[str]
    probed: Any = None


def draw_in_browser(page_path: Path, probe: str | None = None) -> Drawn:
    """Open a report in headless Chromium, offline and with every request refused, and wait
    until every chart has drawn or failed (skips where Chromium is missing, unless CI).

    `probe`, a JavaScript function expression, is then evaluated in the page; what it returns
    is `Drawn.probed` (e.g. the colours the charts drew)."""
    if not CHROMIUM.exists():
        if os.environ.get("JOURNEY_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and JOURNEY_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium, or run .ci/run)")
    from playwright.sync_api import sync_playwright

    fetched: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})

            def refuse(route) -> None:
                if not route.request.url.startswith("file://"):
                    fetched.append(route.request.url)
                    route.abort()
                else:
                    route.continue_()

            context.route("**/*", refuse)
            page = context.new_page()
            page.on(
                "console",
                lambda m: (
                    problems.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(page_path.as_uri())
            page.wait_for_function(
                "[...document.querySelectorAll('.chart')].every(e => e.dataset.drawn)",
                timeout=30_000,
            )
            drawn = page.eval_on_selector_all(
                ".chart",
                "els => els.map(e => [e.id, e.dataset.drawn,"
                " e.querySelectorAll('svg .role-mark > *').length])",
            )
            probed = page.evaluate(probe) if probe is not None else None
            shot = page_path.parent / "screenshot.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    return Drawn([tuple(d) for d in drawn], shot, fetched, problems, probed)
