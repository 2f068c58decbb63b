"""The one atomic writer: every output appears whole or not at all.

A file is written under a temporary name beside it and renamed; a folder is filled under a
temporary name beside it and renamed when complete. An error or Ctrl-C on the way removes
the temporary and leaves what was there before; the operating system refusing a write (a full
disk, a read-only folder) becomes one `OutputError` naming the output. Temporaries carry the
writer's process id (`.<name>.<pid>.<random>.partial`), and each write first sweeps the folder
of those a killed process left (`sim.store.destination.sweep`).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from sim.store.destination import PARTIAL, OutputError, old_name, partial_prefix, sweep

__all__ = ["OutputError", "atomic_folder", "parquet_bytes", "write_atomic"]


def _parent(path: Path, clean: bool = True) -> None:
    """Create `path`'s folder and (if `clean`) sweep it of what killed writers left."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError.of(path, exc) from None
    if clean:
        sweep(path.parent)


def write_atomic(path: Path, data: bytes | str, *, clean: bool = True) -> Path:
    """Write `path` (text as UTF-8) through a temporary file and a rename; return `path`.

    `clean=False` skips the sweep: for folders that processes on other machines write into at
    the same time (an experiment's parts on a Dask cluster), whose process ids mean nothing
    here; such a folder is cleaned by its owner before the work starts.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    _parent(path, clean)
    try:
        fd, tmp = tempfile.mkstemp(prefix=partial_prefix(path), suffix=PARTIAL, dir=path.parent)
    except OSError as exc:
        raise OutputError.of(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are for sharing
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError.of(path, exc) from None
        raise
    return path


@contextmanager
def atomic_folder(path: Path, *, replace: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder beside `path`; renamed to `path` when the block ends.

    Without `replace`, `path` must not exist or be an empty folder. With `replace`, a folder
    already at `path` is swapped out and removed once the new one is in place. An `OSError`
    in the block (writing into the folder) or on the way becomes an `OutputError` about `path`.
    """
    _parent(path)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=partial_prefix(path), suffix=PARTIAL, dir=path.parent))
    except OSError as exc:
        raise OutputError.of(path, exc) from None
    old = old_name(path) if replace and path.exists() else None
    try:
        yield tmp
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
        try:
            tmp.rename(path)
        except BaseException:
            if old is not None:
                old.rename(path)
            raise
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError.of(path, exc) from None
        if isinstance(exc, OutputError):  # a file inside: name the output, not its temporary
            raise OutputError(str(path), exc.problem) from None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """`frame` as Parquet bytes, to be written with Python's own file calls: polars reports a
    full disk as a ComputeError, Python as the `OSError` the writers turn into one line."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()
