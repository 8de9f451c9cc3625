"""Run one nbgrader command in a process of its own, without paying for nbgrader's imports each time.

Importing nbgrader's applications takes about 1.4 s, and grading a class runs
one ``nbgrader autograde`` per student (``jobs``). Each command still runs in a
fresh process, as ``python -m nbgrader`` would, but that process is forked from
a server that imported nbgrader once: its state is new, its imports are done.

The server (``python -m autograder.course.nbgrader_process SOCKET``) is started by the
first command of a process and ends when that process does (it watches its
stdin, a pipe from the client). Each command is one connection to its Unix
socket: the client sends the arguments, folder, environment and output file;
the server forks; the child becomes ``nbgrader``, and writes back its exit code.

multiprocessing's forkserver does the same, but re-runs the calling program's
main script in every child (a script without a ``__main__`` guard would run
again; a program read from stdin cannot start one), so the kit keeps its own.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

#: What the server imports once: nbgrader's commands, and the kit's preprocessors and exporter they load.
PRELOAD = ("nbgrader.apps.nbgraderapp", "autograder.course.nbgrader_hooks", "autograder.course.export")
KILLED = -9  # the exit code reported when a command ends without saying how

_lock = threading.Lock()
_server: tuple[subprocess.Popen, str] | None = None


def run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run ``nbgrader *args`` in ``cwd`` with exactly the environment ``env``: (exit code, what it printed)."""
    request = {"args": list(args), "cwd": str(cwd), "env": dict(env)}
    with tempfile.TemporaryDirectory(prefix="nngrader-nbgrader-") as tmp:
        request["output"] = str(Path(tmp) / "output.log")
        with _connect() as connection:
            connection.sendall(json.dumps(request).encode() + b"\n")
            reply = connection.makefile("rb").readline()
        output = Path(request["output"])
        printed = output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
    try:
        return int(json.loads(reply)["code"]), printed
    except (ValueError, KeyError, TypeError):
        return KILLED, printed + "\n(the nbgrader process ended without an exit code: it was killed)"


def _connect() -> socket.socket:
    """A connection to this process's server; a server that stopped answering is replaced, once."""
    address = _server_socket()
    try:
        return _connected(address)
    except OSError:  # its socket is gone (a /tmp cleaner?) or refuses: start another server
        return _connected(_server_socket(dead=address))


def _connected(address: str) -> socket.socket:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(address)
    except OSError:
        connection.close()
        raise
    return connection


def _server_socket(dead: str | None = None) -> str:
    """The socket of this process's server, started on first use, and again if it has died (or is ``dead``)."""
    global _server
    with _lock:
        if _server is not None and (_server[1] == dead or _server[0].poll() is not None):
            _server[0].kill()
            _server[0].wait()
            _server = None
        if _server is None:
            folder = tempfile.mkdtemp(prefix="nngrader-forks-")
            address = str(Path(folder) / "server.sock")
            process = subprocess.Popen([sys.executable, "-m", __name__, address], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE)
            if process.stdout.readline() != b"ready\n":  # the server listens before it says so
                raise RuntimeError(f"the nbgrader fork server did not start (exit {process.wait()})")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            _server = (process, address)
        return _server[1]


def serve(address: str) -> None:
    """The server: import PRELOAD, then fork one child per connection until stdin closes."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(64)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ)
    events.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in events.select():
            if key.fileobj is sys.stdin:
                return  # the client is gone (its end of the pipe closed)
            connection, _ = listener.accept()
            if os.fork() == 0:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # nbgrader waits for the kernels it starts
                listener.close()
                _child(connection)
            connection.close()


def _child(connection: socket.socket) -> None:
    """In a forked child: become ``nbgrader *args`` in the request's folder and environment; reply its exit code."""
    code = 1
    try:
        request = json.loads(connection.makefile("rb").readline())
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        nothing = os.open(os.devnull, os.O_RDONLY)  # not the server's stdin, the pipe from the client
        for descriptor, number in ((nothing, 0), (output, 1), (output, 2)):
            os.dup2(descriptor, number)
        os.close(output)
        os.close(nothing)
        sys.argv = ["nbgrader", *request["args"]]
        from nbgrader.apps.nbgraderapp import NbGraderApp

        NbGraderApp.launch_instance(argv=request["args"])
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        import logging

        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            connection.sendall(json.dumps({"code": code}).encode() + b"\n")
        finally:
            os._exit(0)


if __name__ == "__main__":
    serve(sys.argv[1])
