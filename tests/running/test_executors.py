"""Local processes stop at once when cancelled, whatever state their pool is left in."""

import os
import struct
import threading
import time

from sim.running.executors import LocalProcesses


def _square(x: int) -> int:
    return x * x


def test_a_cancel_ends_even_with_a_result_half_sent() -> None:
    """A worker ended while sending its result leaves the pool's reader waiting for the rest of
    the message: `close(cancel=True)` must still return (it once waited for ever)."""
    pool = LocalProcesses(2)
    assert pool.submit(_square, 3).result(timeout=60) == 9
    # what a worker ended mid-send leaves behind: a header announcing more than ever comes
    writer = pool.pool._result_queue._writer
    os.write(writer.fileno(), struct.pack("!i", 1_000_000) + b"partial")
    time.sleep(0.5)  # the pool's reader is now waiting for the other 999,993 bytes
    closing = threading.Thread(target=pool.close, args=(True,), daemon=True)
    closing.start()
    closing.join(timeout=30)
    assert not closing.is_alive(), "close(cancel=True) is still waiting"


def test_the_next_pool_after_a_cancel_works() -> None:
    """A cancel ends the fork server; the next pool starts another one."""
    pool = LocalProcesses(2)
    assert pool.submit(_square, 4).result(timeout=60) == 16
    pool.close(cancel=True)
    again = LocalProcesses(2)
    try:
        futures = [again.submit(_square, k) for k in range(4)]
        assert [f.result(timeout=60) for f in futures] == [0, 1, 4, 9]
    finally:
        again.close(cancel=False)
