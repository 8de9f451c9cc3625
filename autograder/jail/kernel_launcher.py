"""The notebook kernel inside the sandbox: ipykernel, on listening sockets the grading side made and lent it.

Started (through ``sandbox.confined_argv``) as ``python -m autograder.jail.kernel_launcher -f CONNECTION_FILE``
in place of ``python -m ipykernel_launcher``, with the environment variable
``NNGRADER_KERNEL_SOCKETS`` mapping each of the kernel's ZeroMQ addresses
(``ipc://<folder>/kernel-<port>``) to an inherited file descriptor: a Unix
socket already bound and listening, in a folder of the grading side that the
sandbox does not show. Where ipykernel binds one of those addresses, ZeroMQ
is handed the descriptor instead (``ZMQ_USE_FD``), so the kernel needs no
folder to create its sockets in, and has none to fill
(``nbgrader_hooks.SandboxedKernelManager`` says why). Nothing here is
secret or trusted: the student's code runs in this process.
"""

import json
import os
import sys

SOCKETS_ENV = "NNGRADER_KERNEL_SOCKETS"


def use_lent_sockets(lent: dict[str, int]) -> None:
    """Make ZeroMQ sockets that bind one of ``lent``'s addresses use its descriptor instead of creating a file."""
    import zmq

    bind = zmq.Socket.bind

    def bind_lent(socket: zmq.Socket, address: str):
        fd = lent.pop(address, None)  # each descriptor serves one socket
        if fd is not None:
            socket.setsockopt(zmq.USE_FD, fd)
        return bind(socket, address)

    zmq.Socket.bind = bind_lent


def main() -> None:
    # The student's folder is the working directory, first on sys.path: a zmq.py or traitlets.py of theirs would
    # replace what the kernel itself imports, and a kernel that dies before its first cell would cost the whole
    # submission. So the kernel's own modules are imported with the folder off the path; IPython puts it back
    # ('') for the student's cells.
    folder = {"", os.getcwd()}
    sys.path[:] = [entry for entry in sys.path if entry not in folder]
    use_lent_sockets({str(address): int(fd) for address, fd in json.loads(os.environ.pop(SOCKETS_ENV)).items()})
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
