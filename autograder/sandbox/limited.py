"""Where untrusted code runs: limits, and the bubblewrap sandbox that holds a submission.

Student code (the graders' worker, and the Jupyter kernel that executes a
submitted notebook under ``nbgrader autograde``) runs inside ``bwrap``
(bubblewrap, a small, well-audited setuid-free sandbox tool used by Flatpak):

* its own mount namespace that shows only the operating system, the Python
  installation, the kit's ``jail/`` folder (``KIT_IN_SANDBOX``) and a
  scratch copy of the student's folder at ``/submission`` (a size-limited
  tmpfs), so the hidden graders, the solutions, the MNIST test labels and the
  gradebook are not there to read, and nothing outside the three sized
  tmpfs of ``WRITABLE`` (the scratch copy, ``/tmp``, ``/dev/shm``) can be
  written or deleted: the rest is mounted read-only, the sandbox's own root
  included;
* its own network namespace (no network at all), PID namespace (everything it
  starts dies with it) and IPC/UTS namespaces;
* ``confine.py`` then sets the resource limits (among them a file-size limit
  of ``Limits.disk_mb``), drops to an unprivileged user
  (when the kit runs as root), and only then runs the command.

``run_limited`` is the outer guard for the kit's own grading process: a
wall-clock limit on the whole run, with the process group killed at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from autograder import paths
from autograder.faults import KitFault

#: What of the kit the sandbox sees, read-only: the package's empty ``__init__.py`` and ``jail/`` (what runs in
#: there beside student code), nothing that grades.
KIT_IN_SANDBOX = (paths.GRADERS / "__init__.py", paths.JAIL)
KIT_MOUNT = "/opt/nngrader"
SUBMISSION_MOUNT = "/submission"
SOURCE_MOUNT = "/srv/submitted"
#: The only places in the sandbox student code can write, each a memory-backed tmpfs with a size.
WRITABLE = (SUBMISSION_MOUNT, "/tmp", "/dev/shm")


@dataclass(frozen=True)
class Limits:
    """Resource limits for student code; each can be set by an environment variable."""

    wall_seconds: float = 900.0   # NNGRADER_WALL_SECONDS: all checks of one submission together
    cpu_seconds: int = 1800       # NNGRADER_CPU_SECONDS: CPU time of the student's process
    memory_mb: int = 4096         # NNGRADER_MEMORY_MB: address space of the student's process
    processes: int = 32           # NNGRADER_PROCESSES: processes and threads the student's code may run
    disk_mb: int = 512            # NNGRADER_DISK_MB: the scratch copy of the folder, and /tmp, each; and any one file
    shm_mb: int = 64              # NNGRADER_SHM_MB: /dev/shm (POSIX shared memory, multiprocessing's semaphores)
    return_mb: int = 64           # NNGRADER_RETURN_MB: array data in one value the student's process sends back
    cell_output_kb: int = 1024    # NNGRADER_CELL_OUTPUT_KB: the outputs of one notebook cell together, as kept
    notebook_output_kb: int = 8192  # NNGRADER_NOTEBOOK_OUTPUT_KB: the outputs of one notebook together, as kept
    check_seconds: float = 0.0    # NNGRADER_CHECK_SECONDS: caps every check's own time limit (0: the graders')
    cell_seconds: float = 0.0     # NNGRADER_CELL_SECONDS: one notebook cell under autograde (0: wall_seconds)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Limits":
        """The limits the environment (``os.environ`` by default) sets; defaults for the others."""
        environ = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            raw = environ.get(_env_name(field.name))
            if raw:
                try:
                    values[field.name] = type(field.default)(raw)
                except ValueError:
                    raise ValueError(f"{_env_name(field.name)}={raw!r} is not a number") from None
        return cls(**values)

    def as_env(self) -> dict[str, str]:
        """The environment variables that give another process these limits (``from_env`` reads them)."""
        return {_env_name(field.name): str(getattr(self, field.name)) for field in fields(self)}


def describe_bytes(count: int) -> str:
    """A byte count as a limit's message gives it: ``76.3 MB``, ``1.0 KB``, ``12 bytes``."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _env_name(field: str) -> str:
    return f"NNGRADER_{field.upper()}"


class SandboxUnavailable(KitFault):
    """bubblewrap is missing or cannot create namespaces here: the machine's fault, never the student's."""


def isolation() -> str:
    """How student code is isolated: ``bwrap`` (the default) or ``off`` (NNGRADER_SANDBOX=off)."""
    mode = os.environ.get("NNGRADER_SANDBOX", "bwrap")
    if mode not in ("bwrap", "off"):
        raise ValueError(f"NNGRADER_SANDBOX={mode!r}: use 'bwrap' (default) or 'off'")
    if mode == "bwrap" and shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed, and student code must not run with your rights",
            "install it (`make sandbox`, `sudo apt-get install bubblewrap`, `dnf install bubblewrap`), or set "
            "NNGRADER_SANDBOX=off to run code you trust (your own) without isolation")
    return mode


def sandbox_uid() -> int:
    """An unprivileged user id for one sandbox, distinct between concurrent graders (used when root)."""
    return 100_000 + os.getpid() % 50_000


def confined_argv(folder: Path, command: list[str], limits: Limits, *, binds: tuple[tuple[Path, str], ...] = (),
                  env: dict[str, str] | None = None) -> list[str]:
    """The argv that runs ``command`` on a scratch copy of ``folder`` inside the sandbox.

    ``binds`` adds (host path, sandbox path) pairs, read-only. ``command``
    sees the copy as its working directory. The only places it can write are
    the three memory-backed folders that have a size (``WRITABLE``): the copy
    and ``/tmp`` (``Limits.disk_mb`` each) and ``/dev/shm`` (``Limits.shm_mb``).
    Everything else is read-only, the sandbox's own root and ``/dev``
    included: without root, the sandbox's user is ours inside a user
    namespace and owns the folders bubblewrap creates, so only a read-only
    mount, not a file mode, keeps it from writing there.
    """
    folder = Path(folder).resolve()
    mode = isolation()
    root = os.geteuid() == 0 and mode == "bwrap"  # without the sandbox, nobody to drop to: the code is yours
    # RLIMIT_NPROC counts every process of the user: the sandbox's own user when root, else all of yours.
    processes = limits.processes if root else limits.processes + _processes_of(os.getuid())
    confine = ["-m", "autograder.jail.confine", f"--uid={sandbox_uid() if root else -1}",
               f"--memory-mb={limits.memory_mb}", f"--cpu-seconds={limits.cpu_seconds}",
               f"--processes={processes}", f"--file-mb={limits.disk_mb}"]
    if mode == "off":
        return [sys.executable, *confine, f"--source={folder}", f"--target={folder}", "--", *command]
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
            "--unshare-uts", "--unshare-cgroup-try",
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(limits.shm_mb << 20), "--tmpfs", "/dev/shm",
            "--perms", "1777", "--size", str(limits.disk_mb << 20), "--tmpfs", "/tmp",
            "--perms", "0755", "--size", str(limits.disk_mb << 20), "--tmpfs", SUBMISSION_MOUNT,
            "--ro-bind", str(folder), SOURCE_MOUNT]
    if os.geteuid() != 0:  # as root, confine.py drops to an unprivileged user instead
        argv += ["--unshare-user", "--disable-userns"]
    mounts = [("--ro-bind", path, path) for path in _system_paths()]
    mounts += [("--ro-bind", str(host), inside) for host, inside in binds]
    mounts += [("--ro-bind", str(path), f"{KIT_MOUNT}/autograder/{path.relative_to(paths.GRADERS).as_posix()}")
               for path in KIT_IN_SANDBOX]
    for parent in sorted({str(p) for _, _, inside in mounts for p in Path(inside).parents if str(p) != "/"}, key=len):
        argv += ["--perms", "0755", "--dir", parent]  # bwrap would make them 0700: unreadable once unprivileged
    for option, host, inside in mounts:
        argv += [option, host, inside]
    for secret in _secrets():
        if any(_under(secret, Path(p)) for p in _system_paths()):
            # e.g. a non-editable install of the kit inside the venv: hidden by an empty, read-only tmpfs
            argv += ["--size", str(1 << 12), "--tmpfs", str(secret), "--remount-ro", str(secret)]
    argv += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/", "--clearenv"]
    for key, value in {**_sandbox_env(), **(env or {})}.items():
        argv += ["--setenv", key, value]
    return [*argv, sys.executable, *confine, f"--source={SOURCE_MOUNT}", f"--target={SUBMISSION_MOUNT}",
            "--", *command]


def _processes_of(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (what RLIMIT_NPROC counts)."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)]:
            count += int(fields.get("Threads", "1"))
    return count


def _sandbox_env() -> dict[str, str]:
    return {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp",
            "LANG": "C.UTF-8", "PYTHONPATH": KIT_MOUNT, "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib",
            # One BLAS thread: on a busy machine, threaded OpenBLAS stalls small matmuls 10-100x.
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _system_paths() -> list[str]:
    """What Python needs, read-only: the OS libraries and the interpreter with its packages."""
    wanted = ["/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32", "/etc/alternatives", "/etc/ld.so.cache",
              "/etc/fonts", sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parent.parent)]
    kept: list[str] = []
    # A symlink (/lib -> usr/lib on merged-/usr systems) is bound as itself; other paths by their real location.
    for path in sorted({os.path.realpath(p) if not os.path.islink(p) else p for p in wanted}, key=len):
        if os.path.exists(path) and not any(_under(Path(path), Path(k)) for k in kept):
            kept.append(path)
    return kept


def _secrets() -> list[Path]:
    """What student code must never read: the kit's graders and solutions, the data, the course."""
    from autograder.handout import mnist

    return [paths.GRADERS, paths.SOLUTIONS, paths.course_dir(), mnist.resolve_data_dir().resolve()]


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


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
        if self.returncode < 0:
            return f"the run was killed by {signal.Signals(-self.returncode).name}"
        return f"the run ended with exit code {self.returncode}"


def run_limited(argv: list[str], cwd: Path, limits: Limits, env: dict[str, str] | None = None,
                log: Path | None = None) -> Outcome:
    """Run ``argv`` in ``cwd`` for at most ``limits.wall_seconds``; its output goes to ``log`` (or nowhere).

    The command runs in its own process group, killed as a whole at the end.
    Nothing reaches the caller's own output: under nbgrader, a grading cell
    that shows anything on stderr scores 0, whoever wrote it.
    """
    start = time.perf_counter()
    with open(log or os.devnull, "wb") as output:
        process = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True,
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
