"""The process that holds a submission's code, inside the sandbox; the graders drive it over ``rpc``.

Started (through ``sandbox.confined_argv``) as ``python -m autograder.jail.worker FD``
in the scratch copy of the student's folder, with FD one end of a socket pair
whose other end the grading process holds. It refuses deep-learning libraries
(``forbidden``), puts the folder on ``sys.path`` and answers requests (import
a module, read an attribute, call a function) until the grader hangs up.
Nothing here is secret: the student's code runs in this process and can see
and change all of it, which gains it nothing, since the grader believes only
values, checked, and decides every score itself.
"""

import os
import socket
import sys

from autograder.jail.forbidden import install_blocker
from autograder.jail.rpc import Connection


def call_recording_warnings(f, *args, **kwargs):
    """``f(*args, **kwargs)`` under numpy's default error settings: (result, distinct RuntimeWarning messages).

    For graders whose check is "no overflow warning": the settings are set here,
    so an ``np.seterr(all="ignore")`` in the student's module cannot hide them.
    """
    import warnings

    import numpy as np

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            result = f(*args, **kwargs)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return result, list(dict.fromkeys(messages))  # each distinct warning once, in order


def new_instance(cls: type) -> object:
    """An instance of ``cls`` whose ``__init__`` never ran (for graders, when a student's ``__init__`` fails)."""
    return cls.__new__(cls)


def main(fd: int) -> None:
    install_blocker()
    folder = os.getcwd()
    sys.path.insert(0, folder)
    connection = Connection(socket.socket(fileno=fd), side="w", trusted_peer=True, peer_name="grader",
                            student_root=folder)
    connection.serve()


if __name__ == "__main__":
    main(int(sys.argv[1]))
