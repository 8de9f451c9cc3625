"""The pytest plugin that runs hidden graders against one submission.

Loaded with ``-p autograder.grading.plugin``. It gives graders five fixtures:
``student`` (the submitted module whose name matches the grader file:
``test_simple_nn.py`` grades ``simple_nn.py``), ``reference`` (the same module
from ``solutions/``), ``student_id`` (who is graded), ``rng`` (the check's own
random numbers, drawn per student and course: ``draws``) and ``mnist`` (the
official data). It insists that every grader declares its points, refuses deep-learning
libraries in student code, and writes one JSON line per check to
``--nngrader-out``: a CheckSpec when collecting, a CheckResult when running.
A failure's message is the grader's GradeFailure text, or, for an exception
raised by the student's code, the exception and the student's own line: never
the grader's source.

Student code never runs in this process. ``student`` is a handle on the module
inside a sandboxed worker (``student_process``), which runs in a folder holding
the week's modules of the submission and nothing else (no notebook, none of its
outputs, no data file; a module larger than MODULE_BYTES is refused). Each
check has until its ``timeout`` mark (DEFAULT_TIMEOUT otherwise) for everything
it asks of that worker, and a worker that crashes, hangs or exits is replaced
for the next check.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from autograder import intake
from autograder.checks import GradeFailure
from autograder.faults import KitFault, is_kit_fault, not_graded
from autograder.grading import draws, solutions
from autograder.grading.runner import student_id_of_user
from autograder.jail.forbidden import scan
from autograder.jail.rpc import MAX_UNTRUSTED_HEADER, PeerGone, PeerTimeout, ProtocolError, RpcError, ValueTooLarge
from autograder.results import CheckResult, CheckSpec, write_jsonl
from autograder.sandbox.limited import Limits, describe_bytes
from autograder.sandbox.student_process import StudentModule, Workers

DEFAULT_TIMEOUT = 60.0
#: A module larger than this is not run: students' modules are a few kB, and a large one carries data (a copy
#: of MNIST, weights trained elsewhere) rather than code.
MODULE_BYTES = 1 << 20
WORKERS = pytest.StashKey[Workers]()
MODULES = pytest.StashKey[Path]()
LIMIT = pytest.StashKey[float]()  # the running check's time limit
STARTED = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nngrader")
    group.addoption("--submission", help="folder holding the student's modules")
    group.addoption("--nngrader-out", help="JSON-lines file receiving one record per check")
    group.addoption("--nngrader-log", help="file receiving the output of the student's process")


def pytest_configure(config: pytest.Config) -> None:
    submission = _submission(config)
    if submission is not None:
        log = config.getoption("nngrader_log")
        config.stash[MODULES] = Path(tempfile.mkdtemp(prefix="nngrader-modules-"))  # filled by ``student``
        config.stash[WORKERS] = Workers(config.stash[MODULES], Limits.from_env(), Path(log) if log else None,
                                        os.environ.get("NNGRADER_STUDENT_ID") or student_id_of_user())
    config.addinivalue_line("markers", "points(n): what the check is worth (required on every grader)")
    config.addinivalue_line("markers", "bonus: extra credit, never counted in the maximum score")
    config.addinivalue_line("markers", f"timeout(seconds): the check's time limit (default {DEFAULT_TIMEOUT:g} s)")


def pytest_unconfigure(config: pytest.Config) -> None:
    workers = config.stash.get(WORKERS, None)
    if workers is not None:
        workers.close()
    if MODULES in config.stash:
        shutil.rmtree(config.stash[MODULES], ignore_errors=True)


class ModuleOutOfTime(Exception):
    """The checks of one module used up ``Limits.wall_seconds`` together: the rest of them are not run."""


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """The check's clock starts before its fixtures, which may already run student code.

    The checks of one module share ``Limits.wall_seconds``: once they have used
    it, the module's remaining checks are not run, and the other modules keep
    their own time (a run of several modules gets the sum as its wall clock).
    """
    workers = item.config.stash.get(WORKERS, None)
    if workers is not None:
        module = _module_name(item)
        if workers.seconds_used.get(module, 0.0) >= workers.limits.wall_seconds:
            raise ModuleOutOfTime(module)
        item.stash[STARTED] = time.monotonic()
        item.config.stash[LIMIT] = time_limit(spec_of(item), workers.limits)
        workers.set_deadline(item.stash[STARTED] + item.config.stash[LIMIT])


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    workers = item.config.stash.get(WORKERS, None)
    if workers is not None:
        workers.set_deadline(None)
        if STARTED in item.stash:
            module = _module_name(item)
            workers.seconds_used[module] = workers.seconds_used.get(module, 0.0) + time.monotonic() - \
                item.stash[STARTED]


def time_limit(spec: CheckSpec, limits: Limits) -> float:
    """A check's time limit: its grader's, capped by ``Limits.check_seconds`` when the instructor sets one."""
    return min(spec.timeout, limits.check_seconds) if limits.check_seconds > 0 else spec.timeout


def spec_of(item: pytest.Item) -> CheckSpec:
    """The CheckSpec of a grader test: id, docstring title, points and time limit."""
    points = item.get_closest_marker("points")
    timeout = item.get_closest_marker("timeout")
    doc = (item.function.__doc__ or item.name).strip().splitlines()[0]
    return CheckSpec(id=f"{_module_name(item)}::{item.name}", title=doc, points=float(points.args[0]),
                     timeout=float(timeout.args[0]) if timeout else DEFAULT_TIMEOUT,
                     bonus=item.get_closest_marker("bonus") is not None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [item.nodeid for item in items if item.get_closest_marker("points") is None]
    if missing:
        raise pytest.UsageError(f"grader tests without @pytest.mark.points(n): {', '.join(missing)}")
    out = config.getoption("nngrader_out")
    if out and config.getoption("collectonly"):
        for item in items:
            write_jsonl(Path(out), spec_of(item))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    out = item.config.getoption("nngrader_out")
    finished = report.when == "call" or (report.when == "setup" and report.failed)
    if not out or not finished:
        return
    spec = spec_of(item)
    stopped = ""
    workers = item.config.stash.get(WORKERS, None)
    if workers is not None and workers.current is not None and workers.current.usable:
        try:
            workers.current.in_step()  # a message the student's code slipped in costs this check, not the next
        except RpcError as error:
            report.outcome, call.excinfo = "failed", pytest.ExceptionInfo.from_exception(error)
    if workers is not None and workers.current is not None and not workers.current.usable:
        stopped = workers.discard()  # the next check gets a fresh process
    if workers is not None:
        spec = replace(spec, timeout=time_limit(spec, workers.limits))
    error = None if report.passed or call.excinfo is None else call.excinfo.value
    if is_kit_fault(error):  # the kit's or the machine's fault: not graded, never the student's 0
        write_jsonl(Path(out), not_graded(spec, error))
        return
    message = "" if report.passed else explain(call.excinfo, spec, stopped)
    write_jsonl(Path(out), CheckResult(id=spec.id, title=spec.title, max_points=spec.points,
                                       passed=report.passed, message=message,
                                       seconds=round(call.duration, 3),
                                       data=result_data(item, None if report.passed else call.excinfo)))


def result_data(item: pytest.Item, excinfo: pytest.ExceptionInfo | None) -> dict:
    """What a check saves beside its verdict: the grader's ``nngrader_data`` and, for a failure, its symptoms."""
    data = dict(getattr(item, "nngrader_data", {}))
    error = excinfo.value if excinfo else None
    if isinstance(error, GradeFailure) and error.symptoms:
        data["symptoms"] = error.symptoms
    elif error is not None and not isinstance(error, GradeFailure):
        kind = ("timeout" if isinstance(error, PeerTimeout) else "too_large" if isinstance(error, ValueTooLarge)
                else "crash" if isinstance(error, (PeerGone, RpcError))
                else getattr(error, "type_name", None) or "grader_error")
        data["symptoms"] = {"raised": kind}
    return data


def explain(excinfo: pytest.ExceptionInfo | None, spec: CheckSpec, stopped: str = "") -> str:
    """The student-facing text for a failed check: never a line of the grader."""
    error = excinfo.value if excinfo else None
    if isinstance(error, GradeFailure):
        return str(error)
    if isinstance(error, ModuleOutOfTime):
        return (f"not run: the checks of {error}.py used up their time limit together before this one\n"
                "  hint:     all checks of a module share this limit: look for an endless loop or slow code")
    if isinstance(error, ValueTooLarge):
        return str(too_large_failure(error))
    if isinstance(error, PeerTimeout):
        return (f"did not finish within the time limit of {spec.timeout:g} s\n"
                "  hint:     look for a loop over single examples that numpy can do on the whole batch, "
                "or a loop that never ends")
    if isinstance(error, (PeerGone, ProtocolError)) or (isinstance(error, RpcError) and stopped):
        what = ("your code broke the connection to the grader" if isinstance(error, ProtocolError) else
                f"the process running your code stopped during this check: {stopped or error}")
        return (f"{what}\n  hint:     look for sys.exit/os._exit, a crash, or a huge allocation (the visible tests "
                "meet it only if they call your code as this check does)")
    if isinstance(error, RpcError):
        return f"could not run your code: {error}\n  hint:     an earlier check ended the process running your code"
    type_name = getattr(error, "type_name", None)
    if type_name == "ForbiddenImport":
        library = str(error).split(" ")[0].split(".")[0]
        return str(forbidden_failure(f"your code imported {library} while running", library,
                                     _student_frame(error).strip() or "an import at run time"))
    if type_name is None:  # raised by the grader's own code, e.g. on a value of the wrong type
        return (f"the check could not use what your code returned ({type(error).__name__}: {error})\n"
                "  hint:     compare the types and shapes your functions return with their docstrings")
    # only an unfinished TODO is sure to fail the visible tests too: any other error may need the inputs this check
    # gives (the reference's arrays, a drawn problem), so the hint does not promise that `pytest` reproduces it
    hint = ("complete that TODO, then run the visible tests (`pytest` in your folder)"
            if type_name == "NotImplementedError" else
            "the line above is where it was raised; this check calls your function on inputs of the shapes and "
            "types its docstring gives, which your own tests may not use: call it so yourself to reproduce it")
    return f"your code raised {type_name}: {error}\n{_student_frame(error)}  hint:     {hint}"


def too_large_failure(error: ValueTooLarge) -> GradeFailure:
    """What a student reads when a value their code sent back was refused for its size (never read, never built)."""
    if error.part == "array data":
        limit = (f"at most {describe_bytes(error.limit)} of array data in one value (NNGRADER_RETURN_MB), "
                 "besides the arrays the grader passed in")
    else:
        limit = (f"at most {describe_bytes(MAX_UNTRUSTED_HEADER)} of other data (numbers, strings, lists) in one "
                 "value; arrays travel apart")
    return GradeFailure("a value your code sent back to the grader was too large to check", expected=limit,
                        got=f"{describe_bytes(error.size)} of {error.part}",
                        hint="return what the docstring asks for, of the shape it gives: a result this large is "
                        "usually an accidental broadcast (an (N,) array minus an (N, 1) one is (N, N)), a "
                        "history kept for every step, or a long Python list where an array would do")


def _student_frame(error: BaseException) -> str:
    """``  at simple_nn.py, line 57, in forward: <code>`` for the student's last frame, if any."""
    frames = getattr(error, "frames", None)
    if not frames:
        return ""
    name, line, function, code = frames[-1]
    return f"  at {name}, line {line}, in {function}: {code}\n"


def _module_name(item: pytest.Item) -> str:
    return Path(item.fspath).stem.removeprefix("test_")


def _submission(config: pytest.Config) -> Path | None:
    raw = config.getoption("submission")
    return Path(raw).resolve() if raw else None


@pytest.fixture(scope="module")
def student(request: pytest.FixtureRequest):
    """The submitted module whose name matches this grader file."""
    submission = _submission(request.config)
    if submission is None:
        raise pytest.UsageError("--submission is required to run graders")
    name = _module_name(request.node)
    path = submission / f"{name}.py"
    if not path.is_file():
        found = ", ".join(sorted(p.name for p in submission.glob("*.py"))) or "no .py files"
        raise GradeFailure(f"{name}.py is missing from your submission", expected=f"a file named {name}.py "
                           "next to your notebook", got=found, hint=f"keep the file name {name}.py you were given")
    size = path.stat().st_size
    if size > MODULE_BYTES:
        raise GradeFailure(f"{name}.py is too large to run", expected=f"a module of at most "
                           f"{describe_bytes(MODULE_BYTES)} (the week's modules are a few kB)",
                           got=describe_bytes(size), hint="keep data (arrays, weights, images) out of your "
                           "module: the checks give train its data, and nothing else of your folder reaches "
                           "your code while it is graded")
    uses = scan(path.read_text(encoding="utf-8", errors="replace"))
    if uses:
        first = uses[0]
        raise forbidden_failure(f"{name}.py imports {first.library}", first.library,
                                f"line {first.line}: {first.text}")
    workers = request.config.stash[WORKERS]
    modules = request.config.stash[MODULES]
    if not any(modules.iterdir()):  # before the first worker starts: the week's modules, nothing else
        week = sorted(p.stem.removeprefix("test_") for p in Path(request.node.fspath).parent.glob("test_*.py"))
        intake.copy_modules(submission, modules, week, MODULE_BYTES)
    try:
        workers.module(name)
    except KitFault:  # no sandbox to run the code in: the machine's fault, reported as not graded
        raise
    except PeerTimeout:
        workers.discard()
        got = (f"the import did not finish within the check's time limit of "
               f"{request.config.stash.get(LIMIT, DEFAULT_TIMEOUT):g} s: the code at the top level of your "
               "module runs when it is imported (move slow work, such as training, into a function)")
    except RpcError as error:
        got = f"the process running your code stopped: {workers.discard() or error}"
    except Exception as error:  # whatever the module raised at import time, rebuilt from the worker (exit() too)
        got = f"{getattr(error, 'type_name', type(error).__name__)}: {error}"
    else:
        return StudentModule(workers, name)
    raise GradeFailure(f"importing {name}.py failed", expected="the module imports without errors", got=got,
                       hint=f"run `python -c 'import {name}'` in your folder and fix the first error")


def forbidden_failure(what: str, library: str, got: str) -> GradeFailure:
    return GradeFailure(what, expected="NumPy only: no deep-learning library", got=got,
                        hint=f"this course builds networks from scratch, so every check of this module scores 0 "
                        f"while it uses {library}: write it with NumPy and remove the import")


@pytest.fixture(scope="module")
def reference(request: pytest.FixtureRequest):
    """The reference solution of the module this grader file checks."""
    return solutions.load(Path(request.node.fspath).parent.name, _module_name(request.node))


@pytest.fixture(scope="session")
def student_id() -> str:
    """The nbgrader id of the student being graded (for exercises whose numbers differ per student)."""
    return os.environ.get("NNGRADER_STUDENT_ID", "")


@pytest.fixture(scope="session")
def course_secret() -> bytes:
    """The secret of the course being graded (``draws.course_secret``), read once per grading run."""
    return draws.course_secret()


@pytest.fixture
def rng(request: pytest.FixtureRequest, student_id: str, course_secret: bytes):
    """This check's random numbers: the same for the same course, student and check, others for anyone else."""
    week = Path(request.node.fspath).parent.name
    return draws.generator(course_secret, student_id, f"{week}/{spec_of(request.node).id}")


@pytest.fixture(scope="session")
def mnist():
    """The official MNIST arrays: a dict with X_train, y_train, X_test, y_test."""
    from autograder.handout import mnist as data

    X_train, y_train, X_test, y_test = data.load_mnist()
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}
