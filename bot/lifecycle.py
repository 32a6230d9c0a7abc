"""Long-running processes that stop when told to, and when whoever started them is gone.

honcho starts each Procfile line in a session of its own. If honcho itself is killed (an
impatient `docker stop`, a closed terminal) those processes live on: a delivery worker would
wait for the next run's Redis on the same port and deliver its messages with this run's
settings. So every long-running griddesk process watches its parent and the supervisor named
by GRIDDESK_SUPERVISOR_PID (`make run` sets it to honcho's pid), and stops itself when either is
gone; the processes it forks (RQ's scheduler) are signalled by the kernel when it dies.
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading
import time

log = logging.getLogger(__name__)

SUPERVISOR_ENV = "GRIDDESK_SUPERVISOR_PID"
_PR_SET_PDEATHSIG = 1
_watching = False


def alive(pid: int) -> bool:
    """Running (a zombie, exited but not yet reaped by its parent, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return True


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Ask Linux to send `signum` to this process when its parent exits (elsewhere: nothing)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def supervisor_pid() -> int | None:
    raw = os.environ.get(SUPERVISOR_ENV, "")
    return int(raw) if raw.isdigit() and int(raw) > 1 else None


def orphaned(parent: int, supervisor: int | None) -> bool:
    return os.getppid() != parent or (supervisor is not None and not alive(supervisor))


def watch_supervisor(interval: float = 1.0, grace: float = 10.0) -> None:
    """Once this process's parent or supervisor is gone, SIGTERM this process (its own stop
    path runs), and end it outright if it is still here `grace` seconds later."""
    global _watching
    if _watching:
        return
    _watching = True
    parent, supervisor = os.getppid(), supervisor_pid()
    os.register_at_fork(after_in_child=die_with_parent)

    def watch() -> None:
        while not orphaned(parent, supervisor):
            time.sleep(interval)
        log.warning("supervisor gone (parent %s, supervisor %s): stopping", parent, supervisor)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace)
        log.error("still running %.0f s after the supervisor went: exiting now", grace)
        os._exit(1)

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


class StopFlag:
    """SIGTERM / SIGINT noted instead of acted on, for loops that check between steps."""

    def __init__(self) -> None:
        self.requested = False

    def install(self) -> StopFlag:
        signal.signal(signal.SIGTERM, self._note)
        signal.signal(signal.SIGINT, self._note)
        return self

    def _note(self, signum, frame) -> None:
        self.requested = True

    def sleep(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if a stop was requested meanwhile."""
        deadline = time.monotonic() + seconds
        while not self.requested and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        return self.requested
