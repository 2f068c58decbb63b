"""The one atomic writer: every output appears whole or not at all.

A file is written under a temporary name beside it and renamed; a folder is filled under a
temporary name beside it and renamed when complete. An error or Ctrl-C on the way removes
the temporary and leaves what was there before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_folder", "write_atomic"]


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write `path` (text as UTF-8) through a temporary file and a rename; return `path`."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextmanager
def atomic_folder(path: Path, *, replace: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder beside `path`; renamed to `path` when the block ends.

    Without `replace`, `path` must not exist or be an empty folder. With `replace`, a folder
    already at `path` is swapped out and removed once the new one is in place.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    old = path.with_name(f".{path.name}.old") if replace and path.exists() else None
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
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
