"""One ``make grade`` per course at a time: a lock file that says who holds it.

Two gradings at once would both grade everyone and race on the gradebook. The
lock is an ``flock`` on ``<course>/.nngrader/grade.lock``: the kernel releases
it when its holder exits, even by ``kill -9``, so a stale lock cannot stay
behind. The file holds who took it (process, user, host, time), for the line
the second grading prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path


class Busy(RuntimeError):
    """Someone else holds the lock; the message says who, since when, and what to do."""


@contextlib.contextmanager
def held(path: Path, what: str) -> Iterator[None]:
    """Hold the lock at ``path`` while the body runs, or raise Busy at once if another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(f"another {what} is running on this course ({_holder(fd)}): wait for it to finish, "
                       f"or stop that process; the lock is {path}") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "user": getpass.getuser(), "host": socket.gethostname(),
                                 "since": dt.datetime.now().isoformat(timespec="seconds")}).encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _holder(fd: int) -> str:
    try:
        who = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"process {who['pid']} of {who['user']} on {who['host']}, since {who['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"
