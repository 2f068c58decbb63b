from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.kernel_profile import _short

ROOT = Path(__file__).resolve().parents[2]


def test_kernel_names_are_read_from_numbas_mangled_symbols() -> None:
    assert _short("_ZN3sim6engine7moments4smot4_useB3v25B38c8tJTIeFIjxB2IKSgI4CrvQ") == "smot._use"
    assert _short("_ZN3sim6engine6memory7_forgetB2v9B38c8tJTI") == "memory._forget"
    assert (
        _short("_ZN5numba2np8arrayobj19impl_np_concatenate12_3clocals_3e4implB3v47B42c")
        == "impl_np_concatenate.impl"
    )
    assert _short("NRT_incref") == "NRT_incref"


@pytest.mark.skipif(shutil.which("nm") is None, reason="nm (binutils) is not installed")
def test_the_map_names_a_freshly_compiled_kernel_and_the_reference_counts(tmp_path: Path) -> None:
    """perf's map, written in a process whose kernels compile afresh, gives a kernel's code
    an address and a size, and the runtime's reference counts theirs."""
    code = (
        "import numpy as np, os\n"
        "from pathlib import Path\n"
        "from sim.engine.draws import _mix\n"
        "from benchmarks.kernel_profile import write_map\n"
        "_mix(np.uint64(3))\n"
        f"print(write_map(Path({str(tmp_path / 'perf.map')!r})))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split(maxsplit=2) for line in (tmp_path / "perf.map").read_text().splitlines()]
    assert int(done.stdout.split()[-1]) == len(rows)
    named = {name: (int(at, 16), int(size, 16)) for at, size, name in rows}
    assert named["draws._mix"][0] > 0 and named["draws._mix"][1] > 0
    assert {"NRT_incref", "NRT_decref"} <= set(named)
