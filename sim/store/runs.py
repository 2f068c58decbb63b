"""Results on disk: a run folder of tidy Parquet, the resolved scenario and a manifest.

The folder is written under a temporary name and renamed when complete, so a run folder is
either whole or absent, also when the run is interrupted.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from sim.running.replications import RunResult
from sim.scenario import dump_scenario, load_scenario

__all__ = [
    "FILES",
    "RunFolderError",
    "default_run_dir",
    "git_commit",
    "read_run",
    "versions",
    "write_run",
]

FRAMES = ("metrics", "cohorts", "reviews", "satisfaction")  # RunResult fields kept as Parquet
FILES = (*(f"{name}.parquet" for name in FRAMES), "scenario.toml", "manifest.json")
_PACKAGES = ("moments-of-truth", "mesa", "numpy", "polars", "pydantic", "optuna", "altair")


def default_run_dir(root: Path, scenario: str, now: datetime | None = None) -> Path:
    """`root/<scenario>-<UTC time>`, with a suffix if that name is taken."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = root / f"{scenario}-{stamp}"
    k = 2
    while path.exists():
        path = root / f"{scenario}-{stamp}-{k}"
        k += 1
    return path


def git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def manifest(result: RunResult) -> dict:
    s = result.scenario
    return {
        "scenario": s.name,
        "seed": result.seed,
        "replications": result.replications,
        "consumers": s.population.consumers,
        "steps": s.time.steps,
        "step": s.time.step,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_time_seconds": round(result.wall_time, 3),
        "git_commit": git_commit(),
        "versions": versions(),
        "files": list(FILES),
    }


def write_run(result: RunResult, path: Path) -> Path:
    """Write the run folder at `path` atomically and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    try:
        for name in FRAMES:
            getattr(result, name).write_parquet(tmp / f"{name}.parquet")
        (tmp / "scenario.toml").write_text(dump_scenario(result.scenario), encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest(result), indent=2) + "\n")
        tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


class RunFolderError(ValueError):
    """A run folder that cannot be read: missing, incomplete or damaged (one line)."""


def read_run(path: Path) -> RunResult:
    """Read a run folder written by `write_run` back into a RunResult."""
    if not path.is_dir():
        raise RunFolderError(f"{path}: no such run folder")
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        raise RunFolderError(f"{path}: incomplete run folder, missing {', '.join(missing)}")
    info = _read_manifest(path / "manifest.json")
    frames = {}
    for name in FRAMES:
        try:
            frames[name] = pl.read_parquet(path / f"{name}.parquet")
        except (OSError, pl.exceptions.PolarsError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RunFolderError(f"{path / f'{name}.parquet'}: unreadable ({first})") from None
    return RunResult(
        scenario=load_scenario(path / "scenario.toml"),
        seed=info["seed"],
        replications=info["replications"],
        wall_time=info["wall_time_seconds"],
        **frames,
    )


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunFolderError(f"{path}: not a readable manifest ({exc})") from None
    need = {"seed": int, "replications": int, "wall_time_seconds": (int, float)}
    for key, kind in need.items():
        if not isinstance(info, dict) or not isinstance(info.get(key), kind):
            raise RunFolderError(f"{path}: {key}: missing or not a number")
    return info
