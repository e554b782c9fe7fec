"""The suite's own hygiene (issue 12, item 12): the session-end check finds what a test leaves
running, so a leaked server fails the run instead of outliving CI."""

from __future__ import annotations

import subprocess
import sys

from conftest import leftover_processes


def test_a_child_left_running_is_found_and_a_stopped_one_is_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert child.pid in {pid for pid, _ in leftover_processes()}
    finally:
        child.kill()
        child.wait()
    assert child.pid not in {pid for pid, _ in leftover_processes()}
