"""A Ctrl-C while numba compiles a kernel waits for the compile: the kernel is whole after it."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A fresh process with an empty cache compiles for well over the 50 ms the signal waits, so
# the signal arrives mid-compile; without the hold the compile is abandoned (no signature).
SCRIPT = textwrap.dedent(
    """
    import os, signal, threading
    import numpy as np
    from sim.engine.kernels import njit

    @njit(cache=True)
    def total(x):
        s = 0.0
        for v in x:
            s += v
        return s

    threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        total(np.ones(3))
        print("not interrupted")
    except KeyboardInterrupt:
        print("interrupted", len(total.signatures), total(np.ones(4)))
    """
)


@pytest.mark.slow
def test_ctrl_c_during_a_compile_comes_after_it(tmp_path: Path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    script = tmp_path / "compile.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["interrupted", "1", "4.0"]
    assert "Exception ignored" not in done.stderr
