"""Where a command's outputs go: checked before any work, held while written, and cleaned of
what killed writers left there.

`claim(path)` is called by every command before it simulates: it creates the parent folders,
writes and removes a probe file beside `path` (and in it, if it is a folder already), then
takes `path` with a marker `.<name>.lock` beside it holding this process's id. A second command
on the same destination is refused while the first runs; a destination that cannot be written
(a parent that is a file, a read-only folder, /proc, a full disk) is refused in one line,
before the work rather than after. When the block ends the marker goes, and so do the parent
folders it made if nothing was written into them.

Temporaries carry their writer's process id (`.<name>.<pid>.<random>.partial`, and
`.<name>.<pid>.old` for a folder being replaced), and so does the marker; `sweep(folder)`
removes those of processes that are gone (`kill -9`), and is run by every writer before it
writes into a folder. A temporary whose writer still runs is left alone. Process ids are
judged on this machine (`sim.running.processes.alive`), so two machines writing into one
folder of a shared disk at once could take each other's temporaries for leftovers; an
experiment's parts, which a Dask cluster writes, are swept only by their owner, before the work.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sim.running.processes import alive

__all__ = [
    "OutputError",
    "check_writable",
    "claim",
    "default_run_dir",
    "marker_of",
    "old_name",
    "partial_prefix",
    "remove_empty",
    "sweep",
]

PARTIAL = ".partial"
OLD = ".old"
LOCK = ".lock"
_PARTIAL = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[a-z0-9_]+\.partial$")
_OLD = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.old$")
_LOCK = re.compile(r"^\.(?P<name>.+)\.lock$")
UNREADABLE_MARKER_AGE = 60.0
"""Seconds after which a marker without a readable process id counts as left behind (a
writer puts its id in at once)."""

_held: set[Path] = set()


class OutputError(Exception):
    """An output that cannot be written: its path and the problem, shown as one line."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path, self.problem = path, problem

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.problem}"

    @classmethod
    def of(cls, path: Path, exc: OSError) -> OutputError:
        """The one line for an operating-system error while writing `path`."""
        problem = exc.strerror or str(exc) or type(exc).__name__
        where = exc.filename
        if where is not None and str(where) != str(path) and not _temporary(Path(where)):
            problem = f"{where}: {problem}"
        return cls(str(path), problem)


def _temporary(path: Path) -> bool:
    """Whether `path` is, or is inside, a temporary of a writer (not worth showing)."""
    return any(part.startswith(".") and part.endswith((PARTIAL, OLD)) for part in path.parts)


def partial_prefix(path: Path) -> str:
    """The start of the name of a temporary for `path`: `.<name>.<pid>.`."""
    return f".{path.name}.{os.getpid()}."


def old_name(path: Path) -> Path:
    """Where a folder being replaced by this process waits until its successor is in place."""
    return path.with_name(f".{path.name}.{os.getpid()}{OLD}")


def marker_of(path: Path) -> Path:
    """The marker beside `path` that a command holding it writes."""
    return path.with_name(f".{path.name}{LOCK}")


def _owner(marker: Path) -> int | None:
    try:
        text = marker.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _mtime(entry: Path) -> float | None:
    try:
        return entry.lstat().st_mtime
    except OSError:
        return None


def _marker_left(marker: Path) -> bool:
    """Whether a claim marker was left by a process that is gone."""
    when = _mtime(marker)
    if when is None:
        return False
    pid = _owner(marker)
    if pid is None:
        return time.time() - when > UNREADABLE_MARKER_AGE
    return not alive(pid, since=when)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            entry.unlink()


def sweep(folder: Path) -> list[Path]:
    """Remove from `folder` the temporaries and markers of processes that are gone; return
    what was removed. A folder left half-way through a replacement (`.<name>.<pid>.old` with no
    `<name>`) is put back instead."""
    removed: list[Path] = []
    try:
        entries = [e for e in folder.iterdir() if e.name.startswith(".")]
    except OSError:
        return removed
    for entry in entries:
        if m := _PARTIAL.match(entry.name) or _OLD.match(entry.name):
            when = _mtime(entry)
            if when is None or alive(int(m["pid"]), since=when):
                continue
            target = folder / m["name"]
            if entry.name.endswith(OLD) and not target.exists():
                with contextlib.suppress(OSError):
                    entry.rename(target)
                    continue
            _remove(entry)
            removed.append(entry)
        elif _LOCK.match(entry.name) and _marker_left(entry):
            _remove(entry)
            removed.append(entry)
    return removed


def _make_parents(path: Path) -> list[Path]:
    """Create the missing folders above `path`; return those made, deepest first."""
    missing = []
    parent = path.parent
    while not parent.exists() and not parent.is_symlink():
        missing.append(parent)
        if parent.parent == parent:
            break
        parent = parent.parent
    existing = parent
    if existing.exists() and not existing.is_dir():
        raise OutputError(str(path), f"{existing} is not a folder")
    made: list[Path] = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            remove_empty(made)
            raise OutputError.of(path, exc) from None
        made.insert(0, folder)
    return made


def remove_empty(folders: list[Path]) -> None:
    """Remove `folders` (deepest first, as `check_writable` returns those it made) while they
    are empty: a command that stops early leaves no empty folders behind."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _probe(folder: Path, path: Path) -> None:
    """Write a few bytes into a temporary file in `folder` and remove it."""
    try:
        fd, name = tempfile.mkstemp(prefix=partial_prefix(path), suffix=PARTIAL, dir=folder)
    except OSError as exc:
        raise OutputError.of(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b"probe\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise OutputError.of(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def check_writable(path: Path) -> list[Path]:
    """Check that `path` (a file or folder to write, replace or fill) can be written: its
    parents are created and a probe file is written beside it, and into it if it is a folder.
    Return the parent folders made (deepest first). Raise `OutputError` if it cannot."""
    if path.exists() and not path.is_dir() and not path.is_file():
        raise OutputError(str(path), "exists and is neither a file nor a folder")
    made = _make_parents(path)
    try:
        _probe(path.parent, path)
        if path.is_dir():
            _probe(path, path)
    except OutputError:
        remove_empty(made)
        raise
    return made


def _take(marker: Path, path: Path) -> bool:
    """Create `marker` holding this process's id; False if another live process holds it."""
    for _ in range(3):
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if not _marker_left(marker):
                return False
            _remove(marker)  # a killed command's: take its place
            continue
        except OSError as exc:
            raise OutputError.of(path, exc) from None
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(f"{os.getpid()}\n")
        except OSError as exc:
            marker.unlink(missing_ok=True)
            raise OutputError.of(path, exc) from None
        return True
    return False


@contextmanager
def claim(path: Path, wait: float = 0.0) -> Iterator[Path]:
    """Hold the destination `path` for this process while the block runs; yield `path`.

    Before: `check_writable(path)`, the leftovers of gone processes swept from beside it, and
    the marker `.<name>.lock` created beside it. Another live process holding it refuses the
    claim with `OutputError` (after waiting up to `wait` seconds for it to finish). After: the
    marker is removed, and the parent folders made for it if they stayed empty. Claiming a
    destination this process already holds does nothing.
    """
    key = path.resolve()
    if key in _held:
        yield path
        return
    made = check_writable(path)
    marker = marker_of(path)
    try:
        sweep(path.parent)
        deadline = time.monotonic() + wait
        while not _take(marker, path):
            if time.monotonic() >= deadline:
                owner = _owner(marker)
                who = f" (process {owner})" if owner is not None else ""
                raise OutputError(
                    str(path), f"another journey command{who} is writing there; wait for it"
                )
            time.sleep(0.2)
    except BaseException:
        remove_empty(made)
        raise
    _held.add(key)
    try:
        yield path
    finally:
        _held.discard(key)
        if _owner(marker) == os.getpid():  # ours still (never another's, taken after a sweep)
            marker.unlink(missing_ok=True)
        remove_empty(made)


def default_run_dir(root: Path, scenario: str, now: datetime | None = None) -> Path:
    """`root/<scenario>-<UTC time>`, with a suffix if that name is taken (by a folder, or by
    a command writing it); always directly inside `root`, whatever the name holds."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = root / f"{scenario}-{stamp}"
    k = 2
    while path.exists() or marker_of(path).exists():
        path = root / f"{scenario}-{stamp}-{k}"
        k += 1
    if path.parent != root or path.name in ("", ".", ".."):
        raise ValueError(f"{scenario!r} cannot name a folder inside {root}")
    return path
