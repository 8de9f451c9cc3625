"""The first thing that runs inside the sandbox, before any student code.

``python -m autograder.jail.confine --uid=N --memory-mb=M --cpu-seconds=C --processes=P
--file-mb=F --source=DIR --target=DIR -- COMMAND...`` copies the submitted folder
to the scratch folder (a size-limited tmpfs inside the sandbox), sets the
resource limits, drops to user ``N`` (when started as root; ``-1`` keeps the
user), and becomes COMMAND in the scratch folder. The limits and the user hold
for everything COMMAND starts. It imports nothing but the standard library.

The copy is made before the limits are set, so the file-size limit (F MB,
``Limits.disk_mb``) binds the student's code only: no file it writes or
extends, wherever it may write (a tmpfs of the sandbox, or the folder itself
with ``NNGRADER_SANDBOX=off``), grows beyond F MB. Python ignores SIGXFSZ, so
the write fails with ``OSError: [Errno 27] File too large``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys

#: Exit status when the submitted folder does not fit the scratch space (sandbox.Limits.disk_mb).
FOLDER_TOO_LARGE = 75


def copy_submission(source: str, target: str, uid: int) -> None:
    """Copy the student's files (not caches) into ``target``, owned by ``uid`` when one is given."""
    if os.path.realpath(source) != os.path.realpath(target):
        shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc"))
    if uid >= 0:
        for root, dirs, files in os.walk(target):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(root, name), uid, uid)
        os.chown(target, uid, uid)


def set_limits(memory_mb: int, cpu_seconds: int, processes: int, file_mb: int) -> None:
    memory = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb << 20, file_mb << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def drop_privileges(uid: int) -> None:
    """Become ``uid``: no groups, no capabilities, and counted for RLIMIT_NPROC (root is not)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit(f"confine: could not drop to uid {uid}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.jail.confine")
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--processes", type=int, required=True)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    try:
        copy_submission(args.source, args.target, args.uid)
    except OSError as error:
        print(f"confine: copying the submission failed: {error}", file=sys.stderr)
        raise SystemExit(FOLDER_TOO_LARGE) from None
    set_limits(args.memory_mb, args.cpu_seconds, args.processes, args.file_mb)
    if args.uid >= 0:
        drop_privileges(args.uid)
    os.chdir(args.target)
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    main(sys.argv[1:])
