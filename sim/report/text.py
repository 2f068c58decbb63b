"""User text on the terminal: names from scenario and data files are shown, never obeyed.

A brand called `[/bold]` must not be read as Rich markup, and one holding `\x1b[2J` must not
clear the screen: control characters are shown as escapes, markup is escaped.
"""

from __future__ import annotations

from rich.markup import escape

__all__ = ["markup_safe", "printable"]


def printable(text: str) -> str:
    """`text` with every non-printable character (ESC, NUL, a line break...) shown escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def markup_safe(text: str) -> str:
    """`text` as Rich shows it literally: printable, with markup escaped."""
    return escape(printable(text))
