"""The graders' side of a submission's sandboxed process: start it, import from it, replace it when it dies.

``StudentProcess`` starts ``worker`` in the sandbox (``sandbox.limited.confined_argv``)
with one end of a socket pair and wraps the other end in an ``rpc.Connection``.
``Workers`` keeps one such process per grading run and starts a fresh one
after a crash or a timeout, so one check's disaster costs only that check.
``StudentModule`` is what a grader sees as ``student``: the module inside the
current process, looked up again after a restart.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from autograder.jail.confine import FOLDER_TOO_LARGE
from autograder.jail.rpc import Connection, ProtocolError, Remote
from autograder.sandbox.limited import Limits, confined_argv

#: How long a worker that closed its connection may take to exit by itself before it is killed.
EXIT_GRACE_SECONDS = 1.0


class StudentProcess:
    """One sandboxed worker holding the code in ``folder``."""

    def __init__(self, folder: Path, limits: Limits, log: Path | None = None, student_id: str = ""):
        self.limits = limits
        ours, theirs = socket.socketpair()
        # The student's code may ask who it is (the per-student quiz): as on JupyterHub, it is the user name.
        env = {"JUPYTERHUB_USER": student_id, "USER": student_id, "LOGNAME": student_id} if student_id else {}
        argv = confined_argv(folder, [sys.executable, "-m", "autograder.jail.worker", str(theirs.fileno())], limits,
                             env=env)
        with open(log or os.devnull, "ab") as output:
            self.process = subprocess.Popen(argv, pass_fds=(theirs.fileno(),), start_new_session=True,
                                            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
        theirs.close()
        self.rpc = Connection(ours, side="g", trusted_peer=False, peer_name="process running your code",
                              value_limit=limits.return_mb << 20)
        self.sandboxed = argv[0] == "bwrap"

    def in_step(self) -> None:
        """Check that the next reply will answer the next request: raises ProtocolError if the student's code
        left a message of its own in the connection (a forged reply, say)."""
        nonce = os.urandom(8).hex()
        if self.rpc.request("echo", None, nonce) != nonce:
            raise ProtocolError("the connection to the grader was out of step")

    def import_module(self, name: str) -> Remote:
        return self.rpc.request("import", None, name)

    @property
    def usable(self) -> bool:
        return self.rpc.broken is None and self.process.poll() is None

    def stop(self) -> None:
        """Kill the sandbox and everything in it. A process that has closed its end of the connection is exiting
        by itself: it gets up to EXIT_GRACE_SECONDS to finish, so that its exit status can be reported."""
        if self._closed_its_end():
            try:
                self.process.wait(timeout=EXIT_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.rpc.sock.close()

    def _closed_its_end(self) -> bool:
        try:
            readable, _, _ = select.select([self.rpc.sock], [], [], 0)  # the socket's own timeout would wait
            return bool(readable) and self.rpc.sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):  # the socket is already closed
            return False

    def why_it_stopped(self) -> str:
        """What a student should read about this process's end (call after ``stop``)."""
        code = self.process.returncode
        if self.sandboxed and code is not None and 128 < code < 128 + 65:
            code = 128 - code  # bwrap exits with 128 + N when the code it ran was killed by signal N
        if code == FOLDER_TOO_LARGE:
            return f"your folder holds more than {self.limits.disk_mb} MB, the space a submission gets"
        if code is None or code == -signal.SIGKILL:
            return "it was stopped"
        if code == -signal.SIGXCPU:
            return f"it used more than {self.limits.cpu_seconds} s of CPU time"
        if code == -signal.SIGBUS:
            return (f"it was killed by SIGBUS: memory it had mapped from a file ran out of room (shared memory, in "
                    f"/dev/shm, may take {self.limits.shm_mb} MB)")
        if code < 0:
            return f"it was killed by {signal.Signals(-code).name}"
        return (f"it exited with status {code} (sys.exit, os._exit or exit() in your code, "
                "or a change to Python's builtins?)")


class Workers:
    """The student's process for one grading run: started on first use, replaced when it breaks."""

    def __init__(self, folder: Path, limits: Limits, log: Path | None = None, student_id: str = ""):
        self.folder, self.limits, self.log, self.student_id = folder, limits, log, student_id
        self.seconds_used: dict[str, float] = {}  # per module: its checks share limits.wall_seconds
        self.current: StudentProcess | None = None
        self.modules: dict[str, Remote] = {}
        self.deadline: float | None = None

    def process(self) -> StudentProcess:
        if self.current is not None and not self.current.usable:
            self.discard()
        if self.current is None:
            self.current = StudentProcess(self.folder, self.limits, self.log, self.student_id)
            self.modules = {}
        self.current.rpc.deadline = self.deadline
        return self.current

    def set_deadline(self, deadline: float | None) -> None:
        self.deadline = deadline
        if self.current is not None:
            self.current.rpc.deadline = deadline

    def module(self, name: str) -> Remote:
        process = self.process()
        if name not in self.modules:
            self.modules[name] = process.import_module(name)
        return self.modules[name]

    def discard(self) -> str:
        """Stop the current process (if any); returns why it had stopped, for the student."""
        if self.current is None:
            return ""
        self.current.stop()
        reason = self.current.why_it_stopped()
        self.current, self.modules = None, {}
        return reason

    def close(self) -> None:
        self.discard()


class StudentModule:
    """A student's module as the graders use it: attribute access reaches the module in the worker."""

    __slots__ = ("_workers", "_name")

    def __init__(self, workers: Workers, name: str):
        object.__setattr__(self, "_workers", workers)
        object.__setattr__(self, "_name", name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._workers.module(self._name), attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        setattr(self._workers.module(self._name), attr, value)

    def __repr__(self) -> str:
        return f"<student module {self._name}>"




def beside(module: StudentModule, name: str) -> StudentModule:
    """Another module (``numpy``, ``matplotlib.pyplot``) in the process that holds ``module``.

    Graders hand student code only data and functions written to be called
    back; an object the student's code should use (a random generator, a
    matplotlib Axes) is made inside the student's process with this.
    """
    return StudentModule(module._workers, name)
