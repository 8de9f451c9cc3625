"""The hostile-submission corpus: the correct student's code with one malicious or reckless edit each.

Every case starts from a copy of the correct sample submission
(``examples/submissions/correct_student`` plus the provided ``mnist.py``) and
changes ONE function of ONE module (the monkeypatching cases also patch at the
module's import) with exact snippet edits (``mutants.edit``: each snippet must
occur exactly once, so an edit never silently does nothing). The edits are
what a student could write to crash, hang, starve or escape the grading
machine, to fake a result, or to read what it must not read:

* the process running the code dies: a segfault, ``os._exit``, a CPU-bound
  endless loop past ``Limits.cpu_seconds``; or the code misbehaves inside it:
  ``sys.exit``, an array beyond ``Limits.memory_mb``, a fork bomb held by
  ``Limits.processes``;
* an endless loop that the run's wall-clock limit stops, and one that the
  check's own time limit stops (capped by ``Limits.check_seconds``);
* it deletes, writes or reads files outside its folder: a canary file the test
  makes, the hidden grader, the solution, the MNIST test labels, the kit's own
  ``rpc.py`` (which the sandbox shows read-only), the submitted folder itself
  (shown read-only at ``/srv/submitted``); it imports the graders;
* it monkeypatches numpy, pytest or builtins, prints fake "PASSED" lines and
  fake result records, opens network connections, or writes garbage or a
  forged reply on the socket that links it to the grader;
* it is a file Python refuses (not UTF-8), no file at all, or a renamed file
  (these three change the folder, not a function).

A case names the checks it grades (``only``: two to four checks, to keep the
corpus fast), the ones among them it must fail (``fails``, with phrases each
failure message must contain; every failure also has a ``hint:``), and the
limits of its run. Every check of ``only`` not in ``fails`` must pass as it
does for the correct submission: a hostile edit costs exactly the checks that
reach it and never gains a point. The escape attempts that the sandbox must
defeat fail nothing (``fails`` is empty): the reads raise if any of them
worked, the connecting code returns a wrong value if it reached the network,
and the test compares the files the deletes and writes aim at before and after.

Paths and ports that are only known when the test runs (the canary file, a
listening port) are placeholders ``@NAME@`` in the snippets, replaced by the
Python literal of ``Targets.substitutions()`` when a case's folder is written.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from mutants import edit

from autograder import paths
from autograder.handout import mnist
from autograder.sandbox.limited import KIT_MOUNT, SOURCE_MOUNT, Limits

WEEK = "week03"
CORRECT = paths.EXAMPLES / "correct_student"
#: The quiz of forward_prop only passes for this student id; every run of the corpus uses it.
STUDENT_ID = "correct_student"
#: The name (``/proc/PID/comm``) the fork bomb's children give themselves, so the test can find them anywhere.
FORK_BOMB_NAME = "nngr-forkbomb"


def activations(name: str) -> str:
    return f"activations::test_{name}"


def backprop(name: str) -> str:
    return f"backprop::test_{name}"


def perceptron(name: str) -> str:
    return f"perceptron::test_{name}"


SIGMOID = activations("sigmoid_matches_reference")      # calls sigmoid only
TANH = activations("tanh_matches_reference")            # calls tanh only
RELU = activations("relu_matches_reference")            # calls relu only
RELU_DERIVATIVE = activations("relu_derivative_matches_numerical_derivative")  # calls relu_derivative only
DENSE_SHAPES = backprop("dense_backward_shapes")        # calls dense_backward only
RELU_BACKWARD = backprop("relu_backward_matches_numerical_gradient")  # calls relu_backward only
MSE = backprop("mse_loss_value")                        # calls mse_loss only
STEP = perceptron("step_zero_counts_as_one")            # calls step only

#: A limit on the whole run far above what the few checks of a case need (about a second).
RUN_LIMIT = 60.0


@dataclass(frozen=True)
class Targets:
    """What the hostile code aims at: files it must not touch or read, and a port it must not reach."""

    canary: Path   # a file the test makes outside every submission folder
    port: int      # a TCP port on the host's loopback where the test listens
    grader: Path = paths.GRADERS / WEEK / "test_activations.py"
    solution: Path = paths.SOLUTIONS / WEEK / "activations.py"
    kit_file: Path = paths.JAIL / "rpc.py"   # shown read-only inside the sandbox (sandbox.limited.KIT_IN_SANDBOX)
    labels: Path = field(default_factory=lambda: mnist.resolve_data_dir().resolve() / "t10k-labels-idx1-ubyte.gz")

    def substitutions(self) -> dict[str, str]:
        """Placeholder -> Python literal, as the hostile snippets use them."""
        return {
            "@CANARY@": repr(str(self.canary)),
            "@PORT@": repr(self.port),
            "@GRADER@": repr(str(self.grader)),
            "@GRADER_IN_KIT_MOUNT@": repr(f"{KIT_MOUNT}/autograder/{WEEK}/{self.grader.name}"),
            "@GRADING_IN_KIT_MOUNT@": repr(f"{KIT_MOUNT}/autograder/grading/runner.py"),
            "@SOLUTION@": repr(str(self.solution)),
            "@LABELS@": repr(str(self.labels)),
            "@KIT_FILE@": repr(str(self.kit_file)),
            "@KIT_FILE_IN_SANDBOX@": repr(f"{KIT_MOUNT}/autograder/jail/{self.kit_file.name}"),
            "@SUBMITTED@": repr(f"{SOURCE_MOUNT}/activations.py"),
            "@FORK_BOMB_NAME@": repr(FORK_BOMB_NAME.encode()),
        }

    def protected(self) -> tuple[Path, ...]:
        """The host files the hostile code tries to delete or change: each must be intact afterwards."""
        return (self.canary, self.grader, self.kit_file)


@dataclass(frozen=True)
class Hostile:
    """One hostile submission: edits of ``module`` in the correct folder, the checks graded, and the verdicts."""

    name: str
    module: str
    edits: tuple[tuple[str, str], ...]
    #: the checks graded, in any order (few: the affected ones and at least one that must still pass)
    only: tuple[str, ...]
    #: affected check id -> phrases its failure message must contain; every other check of ``only`` passes
    fails: dict[str, tuple[str, ...]]
    limits: Limits = field(default_factory=lambda: Limits(wall_seconds=RUN_LIMIT))
    #: the encoding ``module``'s file is written in (Python reads source as UTF-8)
    encoding: str = "utf-8"
    #: "" (the module edited in place), "empty" (the folder holds no file), or the module's new file name
    layout: str = ""
    #: what the case shows (quoted when one of its tests fails)
    about: str = ""

    def apply(self, source: str, targets: Targets | None = None) -> str:
        """``source`` with every edit made (each snippet once) and the placeholders replaced."""
        for old, new in self.edits:
            source = edit(source, old, new)
        for placeholder, value in (targets.substitutions() if targets else {}).items():
            source = source.replace(placeholder, value)
        return source

    def build(self, folder: Path, targets: Targets) -> Path:
        """Write this case's submission folder: the correct one, edited, then laid out."""
        correct_folder(folder)
        path = folder / f"{self.module}.py"
        path.write_bytes(self.apply(path.read_text(encoding="utf-8"), targets).encode(self.encoding))
        if self.layout == "empty":
            for child in folder.iterdir():
                child.unlink()
        elif self.layout:
            path.rename(folder / self.layout)
        return folder


def correct_folder(folder: Path) -> Path:
    """A copy of the correct sample submission with the provided modules (mnist.py), in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in CORRECT.glob("*.py"):
        shutil.copy(path, folder / path.name)
    for module in paths.PROVIDED_MODULES:
        shutil.copy(module, folder / module.name)
    return folder


def first_lines(definition: str, code: str) -> tuple[str, str]:
    """The edit that puts ``code`` (unindented, one or more lines) first in the body of ``definition``."""
    return definition, definition + textwrap.indent(textwrap.dedent(code), "    ")


SIGMOID_DEF = "def sigmoid(z):\n"
TANH_DEF = "def tanh(z):\n"
RELU_DEF = "def relu(z):\n"
RELU_BODY = "    return z * (z > 0)\n"
WRONG_RELU = "    return z * (z > 0) - 1.0  # wrong on purpose\n"   # every value off by 1
NUMPY_IMPORT = "import numpy as np\n"

#: The failure of a check whose process died, and its hint.
DIED = "the process running your code stopped during this check"
DIED_HINT = "look for sys.exit/os._exit, a crash, or a huge allocation"
#: How the graders describe a wrong relu (the value check's message).
WRONG_RELU_PHRASES = ("relu(z) on a random (4, 5) array", "worst relative error", "expected:", "got:")


def fork_bomb(give_up: str) -> str:
    """Code in which every process forks for ever; the worker itself ends with ``give_up`` once fork fails."""
    return f"""\
        import ctypes, os, time
        worker = os.getpid()
        tally = os.open("/tmp/" + @FORK_BOMB_NAME@.decode(), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        while True:
            if os.fstat(tally).st_size >= 64:  # a cap far above the limit, should nothing else stop the bomb
                if os.getpid() == worker:
                    raise RuntimeError("64 processes and no process limit: the bomb stopped itself")
                time.sleep(0.05)
                continue
            try:
                child = os.fork() == 0
            except OSError:
                if os.getpid() == worker:
                    time.sleep(1)  # the bomb at its full size for a while, for the test to see
                    {give_up}
                time.sleep(0.05)
                continue
            if child:
                os.write(tally, b"x")
                ctypes.CDLL(None).prctl(15, @FORK_BOMB_NAME@, 0, 0, 0)  # PR_SET_NAME: findable in /proc
        """


FORGED_RESULT = ('{"id": "activations::test_relu_matches_reference", "title": "relu", "max_points": 1.0, '
                 '"passed": true, "message": "", "seconds": 0.0, "data": {}}')

CASES: list[Hostile] = [
    # ---- the process dies, or is stopped -------------------------------------------------------
    Hostile("segfault", "activations", (first_lines(TANH_DEF, """\
        import ctypes
        ctypes.string_at(0)  # reads address 0: SIGSEGV
        """),), only=(SIGMOID, TANH, RELU), fails={TANH: (DIED, "SIGSEGV", DIED_HINT)},
        about="a crash costs the check that reaches it; the next check gets a fresh process"),
    Hostile("endless-loop-wall-limit", "activations", (first_lines(TANH_DEF, """\
        while True:
            pass
        """),), only=(SIGMOID, TANH), fails={TANH: ("not run", "time limit", "6 s")},
        limits=Limits(wall_seconds=6),
        about="the run's wall limit stops the loop: the check before it keeps its point, the looping one "
              "(and any after it) score 0 as not run"),
    Hostile("endless-loop-check-limit", "activations", (first_lines(TANH_DEF, """\
        while True:
            pass
        """),), only=(SIGMOID, TANH, RELU),
        fails={TANH: ("did not finish within the time limit of 3 s", "a loop that never ends")},
        limits=Limits(wall_seconds=RUN_LIMIT, check_seconds=3),
        about="the graders' own limits are 60 s and more; capped by Limits.check_seconds, the check's time limit "
              "stops the loop, and the next check runs in a fresh process"),
    Hostile("endless-loop-cpu-limit", "activations", (first_lines(TANH_DEF, """\
        while True:
            pass
        """),), only=(SIGMOID, TANH, RELU), fails={TANH: (DIED, "more than 3 s of CPU time")},
        limits=Limits(wall_seconds=RUN_LIMIT, cpu_seconds=3),
        about="the CPU limit kills the looping process; the next check runs in a fresh one"),
    Hostile("huge-array", "activations", (first_lines(TANH_DEF, """\
        big = np.zeros((16000, 16000))  # 1.9 GiB
        """),), only=(SIGMOID, TANH, RELU),
        fails={TANH: ("your code raised MemoryError", "Unable to allocate 1.91 GiB",
                      "in tanh: big = np.zeros((16000, 16000))")},
        limits=Limits(wall_seconds=RUN_LIMIT, memory_mb=1024)),
    Hostile("fork-bomb", "activations", (first_lines(TANH_DEF, fork_bomb(give_up="raise")),),
            only=(SIGMOID, TANH, RELU),
            fails={TANH: ("your code raised BlockingIOError", "Resource temporarily unavailable", "in tanh:")},
            limits=Limits(wall_seconds=RUN_LIMIT, processes=16),
            about="RLIMIT_NPROC stops the bomb; the next check runs beside it; its processes die with the sandbox"),
    Hostile("fork-bomb-then-exit", "activations", (first_lines(TANH_DEF, fork_bomb(give_up="os._exit(3)")),),
            only=(SIGMOID, TANH, RELU), fails={TANH: (DIED, "exited with status 3", DIED_HINT)},
            limits=Limits(wall_seconds=RUN_LIMIT, processes=16),
            about="the worker leaves its bomb behind: the next check's fresh process runs as the same user, so "
                  "it only starts if the bomb died with the old sandbox (RLIMIT_NPROC counts per user)"),
    Hostile("sys-exit", "activations", (first_lines(TANH_DEF, """\
        import sys; sys.exit(0)
        """),), only=(SIGMOID, TANH, RELU),
        fails={TANH: ("your code raised SystemExit: 0", "in tanh: import sys; sys.exit(0)")}),
    Hostile("os-exit", "backprop", (first_lines("def relu_backward(dA, Z):\n", """\
        import os; os._exit(0)
        """),), only=(DENSE_SHAPES, RELU_BACKWARD, MSE),
        fails={RELU_BACKWARD: (DIED, "exited with status 0", DIED_HINT)}),

    # ---- escape attempts the sandbox must defeat: the correct value comes back, no gain, no loss -----
    Hostile("deletes-files-outside-its-folder", "activations", (first_lines(SIGMOID_DEF, """\
        import os
        for path in (@CANARY@, @GRADER@, @KIT_FILE@, @KIT_FILE_IN_SANDBOX@, @SUBMITTED@):
            try:
                os.remove(path)
            except OSError:
                pass
        """),), only=(SIGMOID, RELU), fails={}),
    Hostile("writes-files-outside-its-folder", "activations", (first_lines(SIGMOID_DEF, """\
        for path, mode in ((@CANARY@, "w"), (@GRADER@, "a"), (@KIT_FILE@, "a"), (@KIT_FILE_IN_SANDBOX@, "a"),
                           (@SUBMITTED@, "a")):
            try:
                with open(path, mode) as out:
                    out.write("raise SystemExit('written by a submission')\\n")
            except OSError:
                pass
        """),), only=(SIGMOID, RELU), fails={}),
    Hostile("reads-hidden-files", "activations", (first_lines(SIGMOID_DEF, """\
        import importlib
        leaked = []
        for path in (@GRADER@, @GRADER_IN_KIT_MOUNT@, @GRADING_IN_KIT_MOUNT@, @SOLUTION@, @LABELS@):
            try:
                with open(path, "rb") as hidden:
                    leaked.append(f"{path} ({len(hidden.read())} bytes)")
            except OSError:
                pass
        for name in ("autograder.week03.test_activations", "autograder.grading.runner", "autograder.grading.plugin"):
            try:
                importlib.import_module(name)
                leaked.append(name)
            except BaseException:  # ImportError, or a grader's own complaint (pytest's Failed)
                pass
        if leaked:  # a read that worked costs the point, so a passing check proves every read failed
            raise RuntimeError(f"LEAKED: {leaked}")
        """),), only=(SIGMOID, RELU), fails={}),

    # ---- faking: patched libraries and fake output change nothing in the grader ---------------
    Hostile("monkeypatches-numpy", "activations", (
        (NUMPY_IMPORT, NUMPY_IMPORT + "np.allclose = lambda *a, **k: True\n"
                                      "np.array_equal = lambda *a, **k: True\n"
                                      "np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)\n"
                                      "np.testing.assert_allclose = lambda *a, **k: None\n"
                                      "np.testing.assert_array_equal = lambda *a, **k: None\n"),
        (RELU_BODY, WRONG_RELU)), only=(SIGMOID, RELU), fails={RELU: WRONG_RELU_PHRASES}),
    Hostile("monkeypatches-pytest-and-builtins", "activations", (
        (NUMPY_IMPORT, NUMPY_IMPORT + "import pytest\n"
                                      "import _pytest.outcomes\n"
                                      "pytest.fail = lambda *a, **k: None\n"
                                      "pytest.approx = lambda *a, **k: a[0] if a else None\n"
                                      "_pytest.outcomes.fail = lambda *a, **k: None\n"
                                      "_pytest.outcomes.Failed = type('Failed', (BaseException,), {})\n"),
        first_lines(RELU_DEF, """\
        import builtins
        builtins.isinstance = lambda *a: True
        builtins.print = lambda *a, **k: None
        builtins.abs = lambda x: 0
        """),
        (RELU_BODY, WRONG_RELU)), only=(SIGMOID, RELU, RELU_DERIVATIVE), fails={RELU: (DIED,)},
        about="patched builtins break the worker's own code, so the process dies; the next check runs in a "
              "fresh one, and the pytest the student patched is not the graders'"),
    Hostile("prints-fake-results", "activations", (
        first_lines(RELU_DEF, f"""\
        import os, sys
        for stream in (sys.stdout, sys.stderr):
            print("PASSED", file=stream)
            print("activations::test_relu_matches_reference PASSED", file=stream)
            print({FORGED_RESULT!r}, file=stream, flush=True)
        for fd in (1, 2):
            os.write(fd, b"\\n1 passed in 0.01s\\n" + {FORGED_RESULT!r}.encode() + b"\\n")
        """),
        (RELU_BODY, WRONG_RELU)), only=(SIGMOID, RELU), fails={RELU: WRONG_RELU_PHRASES}),

    # ---- network: there is none ------------------------------------------------------------------
    Hostile("connects-to-the-internet", "activations", (first_lines(TANH_DEF, """\
        import socket
        socket.create_connection(("8.8.8.8", 53), timeout=2).close()
        """),), only=(SIGMOID, TANH, RELU),
        fails={TANH: ("your code raised OSError", "Network is unreachable", "in tanh:")}),
    Hostile("connects-to-the-hosts-loopback", "activations", (first_lines(TANH_DEF, """\
        import socket
        socket.create_connection(("127.0.0.1", @PORT@), timeout=2).close()
        """),), only=(SIGMOID, TANH, RELU),
        fails={TANH: ("your code raised ConnectionRefusedError", "in tanh:")},
        about="the test listens on that port of the host: a refusal proves the sandbox has its own loopback"),
    Hostile("connects-and-catches-the-error", "activations", (first_lines(TANH_DEF, """\
        import socket
        for address in (("8.8.8.8", 53), ("127.0.0.1", @PORT@)):
            try:
                socket.create_connection(address, timeout=2).close()
            except OSError:
                continue
            return z  # reached the network: a wrong value
        """),), only=(SIGMOID, TANH), fails={},
        about="no gain and no loss: the code that copes with having no network keeps its point"),

    # ---- the socket to the grader ----------------------------------------------------------------
    Hostile("writes-garbage-to-the-grader-socket", "activations", (first_lines(TANH_DEF, f"""\
        import os, sys
        for fd in sorted({{*range(3, 11), int(sys.argv[-1])}}):
            try:
                os.write(fd, b"PASSED " + {FORGED_RESULT!r}.encode() + b"\\x00" * 64)
            except OSError:
                pass
        """),), only=(SIGMOID, TANH, RELU),
        fails={TANH: ("your code broke the connection to the grader", "hint:")}),
    Hostile("forges-a-reply-to-the-grader", "activations", (first_lines(TANH_DEF, """\
        import json, os, struct, sys
        forged = json.dumps({"op": "return", "value": "forged", "blobs": [], "sync": []}).encode()
        for fd in sorted({*range(3, 11), int(sys.argv[-1])}):
            try:
                os.write(fd, struct.pack("!I", len(forged)) + forged)
            except OSError:
                pass
        """),), only=(SIGMOID, TANH, RELU),
        fails={TANH: ()},  # the grader may take the forgery for tanh's value (a str) or refuse it: both fail
        about="a well-formed reply written ahead of the real one: the check that gets it fails, "
              "and the real reply, left on the socket, must not reach a later check"),

    # ---- files Python or the grader cannot use -------------------------------------------------
    Hostile("not-utf8", "activations", (("(a sample submission", "(a caf\xe9 sample submission"),),
            only=(SIGMOID, RELU, STEP), encoding="latin-1",
            fails=dict.fromkeys((SIGMOID, RELU), ("importing activations.py failed", "SyntaxError",
                                                  "'utf-8' codec can't decode byte 0xe9")),
            about="the module docstring written in latin-1; (CPython 3.11 skips a comment's bytes undecoded, "
                  "so a latin-1 comment alone would import fine)"),
    Hostile("empty-folder", "activations", (), only=(SIGMOID, RELU, STEP), layout="empty",
            fails={SIGMOID: ("activations.py is missing from your submission", "no .py files"),
                   RELU: ("activations.py is missing from your submission", "no .py files"),
                   STEP: ("perceptron.py is missing from your submission", "no .py files")}),
    Hostile("renamed-module", "activations", (), only=(SIGMOID, RELU, STEP), layout="Activations.py",
            fails=dict.fromkeys((SIGMOID, RELU), ("activations.py is missing from your submission",
                                                  "got:      Activations.py, backprop.py",
                                                  "keep the file name activations.py"))),
]


def checks_used() -> tuple[str, ...]:
    """Every check some case grades: the correct submission is graded on these."""
    return tuple(dict.fromkeys(check for case in CASES for check in case.only))
