"""The background work runs in one worker at a time: the one holding the lock file; another
takes over once the holder lets go (its process ended)."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path

from chalicelib.server.leader import lead


def test_only_the_holder_of_the_lock_works_and_the_next_takes_over(tmp_path: Path) -> None:
    lock = str(tmp_path / "leader.lock")
    ran = threading.Event()
    with open(lock, "a+") as holder:  # another worker, leading
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lead(lock, ran.set, every=0.01, retry=0.02)
        time.sleep(0.3)
        assert not ran.is_set()
    # The holder's file is closed, as when its process ends: the waiting one leads now.
    assert ran.wait(5.0)


def test_a_failing_round_does_not_stop_the_leader(tmp_path: Path) -> None:
    rounds: list[int] = []
    done = threading.Event()

    def work() -> None:
        rounds.append(1)
        if len(rounds) >= 3:  # a third round, after two that failed: the leader lives on
            done.set()
            return
        raise RuntimeError("a round failed")

    lead(str(tmp_path / "leader.lock"), work, every=0.01)
    assert done.wait(5.0)
