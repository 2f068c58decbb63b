"""The fork server's warm-up leaves the step's kernels ready and starts no thread."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import os
import sim.engine.model
from sim.engine.moments import pre_zmot, smot, umot
from sim.engine import retention
kernels = [pre_zmot._needs, smot._living, umot._umot, retention._deciding]
threads = len(os.listdir("/proc/self/task"))
ready = [len(k.signatures) for k in kernels]
import sim.running.warmup
print(ready, [len(k.signatures) for k in kernels], len(os.listdir("/proc/self/task")) - threads)
"""


def test_the_warm_up_readies_the_kernels_without_a_thread() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, cwd=ROOT
    )
    line = out.stdout.strip()
    assert line == "[0, 0, 0, 0] [1, 1, 1, 1] 0", line
