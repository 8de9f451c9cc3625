"""Run a command in its own process group with time, CPU and memory limits.

``run_limited`` starts ``python -m autograder.sandbox`` which applies the
resource limits to itself and then becomes the command (``exec``), so the
limits hold for everything the command starts. The wall-clock limit is kept by
the parent, which kills the whole process group when it runs out.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run of student code (environment variables override the defaults)."""

    wall_seconds: float = 900.0   # NNGRADER_WALL_SECONDS: the whole grading run of one submission
    cpu_seconds: int = 1800       # NNGRADER_CPU_SECONDS: CPU time summed over all threads
    memory_mb: int = 4096         # NNGRADER_MEMORY_MB: address space of the process

    @classmethod
    def from_env(cls) -> "Limits":
        env = os.environ
        return cls(wall_seconds=float(env.get("NNGRADER_WALL_SECONDS", cls.wall_seconds)),
                   cpu_seconds=int(env.get("NNGRADER_CPU_SECONDS", cls.cpu_seconds)),
                   memory_mb=int(env.get("NNGRADER_MEMORY_MB", cls.memory_mb)))


@dataclass(frozen=True)
class Outcome:
    """How a limited run ended."""

    returncode: int
    timed_out: bool
    seconds: float

    def describe(self, limits: Limits) -> str:
        """A sentence for a student: why the run stopped, if it did not end normally."""
        if self.timed_out:
            return f"the run was stopped after {limits.wall_seconds:g} s (time limit)"
        if self.returncode == -signal.SIGXCPU or self.returncode == -signal.SIGKILL:
            return (f"the run was killed ({signal.Signals(-self.returncode).name}): it used more than "
                    f"{limits.cpu_seconds} s of CPU time or {limits.memory_mb} MB of memory")
        if self.returncode < 0:
            return f"the run was killed by {signal.Signals(-self.returncode).name}"
        return f"the run ended with exit code {self.returncode}"


def run_limited(argv: list[str], cwd: Path, limits: Limits, env: dict[str, str] | None = None,
                log: Path | None = None) -> Outcome:
    """Run ``argv`` under ``limits`` in ``cwd``; its stdout and stderr go to ``log`` (or nowhere).

    Nothing reaches the caller's own output: under nbgrader, a grading cell
    that shows anything on stderr scores 0, whoever wrote it.
    """
    launcher = [sys.executable, "-m", "autograder.sandbox", str(limits.memory_mb), str(limits.cpu_seconds), "--"]
    start = time.perf_counter()
    with open(log or os.devnull, "wb") as output:
        process = subprocess.Popen(launcher + argv, cwd=cwd, env=env, start_new_session=True,
                                   stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
    try:
        process.wait(timeout=limits.wall_seconds)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # whatever the command left behind
        except ProcessLookupError:
            pass
        process.wait()
    return Outcome(process.returncode, timed_out, time.perf_counter() - start)


def _exec_with_limits(memory_mb: int, cpu_seconds: int, argv: list[str]) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    memory_mb, cpu_seconds, separator, *command = sys.argv[1:]
    if separator != "--" or not command:
        sys.exit("usage: python -m autograder.sandbox MEMORY_MB CPU_SECONDS -- COMMAND...")
    _exec_with_limits(int(memory_mb), int(cpu_seconds), command)
