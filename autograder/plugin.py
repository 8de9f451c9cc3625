"""The pytest plugin that runs hidden graders against one submission.

Loaded with ``-p autograder.plugin``. It gives graders four fixtures:
``student`` (the submitted module whose name matches the grader file:
``test_simple_nn.py`` grades ``simple_nn.py``), ``reference`` (the same module
from ``solutions/``), ``student_id`` (who is graded) and ``mnist`` (the official
data). It insists that every grader declares its points, refuses deep-learning
libraries in student code, and writes one JSON line per check to
``--nngrader-out``: a CheckSpec when collecting, a CheckResult when running.
A failure's message is the grader's GradeFailure text, or, for an exception
raised by the student's code, the exception and the student's own line: never
the grader's source.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from pathlib import Path

import pytest

from . import paths
from .checks import GradeFailure
from .forbidden import ForbiddenImport, install_blocker, scan
from .results import CheckResult, CheckSpec, write_jsonl

DEFAULT_TIMEOUT = 60.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nngrader")
    group.addoption("--submission", help="folder holding the student's modules")
    group.addoption("--nngrader-out", help="JSON-lines file receiving one record per check")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("submission"):
        install_blocker()  # before any student code: torch & co. cannot be imported, however spelled
    config.addinivalue_line("markers", "points(n): what the check is worth (required on every grader)")
    config.addinivalue_line("markers", "bonus: extra credit, never counted in the maximum score")


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
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT))
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
    message = "" if report.passed else explain(call.excinfo, spec, _submission(item.config))
    write_jsonl(Path(out), CheckResult(id=spec.id, title=spec.title, max_points=spec.points,
                                       passed=report.passed, message=message,
                                       seconds=round(call.duration, 3),
                                       data=getattr(item, "nngrader_data", {})))


def explain(excinfo: pytest.ExceptionInfo | None, spec: CheckSpec, submission: Path | None) -> str:
    """The student-facing text for a failed check: never a line of the grader."""
    error = excinfo.value if excinfo else None
    if isinstance(error, GradeFailure):
        return str(error)
    if isinstance(error, ForbiddenImport):
        return str(forbidden_failure(f"your code imported {error.library} while running", error.library,
                                     _student_frame(excinfo, submission).strip() or "an import at run time"))
    if "Timeout" in str(error) and type(error).__name__ == "Failed":
        return (f"did not finish within the time limit of {spec.timeout:g} s\n"
                "  hint:     look for a loop over single examples that numpy can do on the whole batch, "
                "or a loop that never ends")
    where = _student_frame(excinfo, submission)
    if not where:  # raised by the grader's own code, e.g. on a value of the wrong type
        return (f"the check could not use what your code returned ({type(error).__name__}: {error})\n"
                "  hint:     compare the types and shapes your functions return with their docstrings")
    hint = ("complete that TODO, then run the visible tests (`pytest` in your folder)"
            if isinstance(error, NotImplementedError) else
            "run the visible tests (`pytest` in your folder) to reproduce it, then read the line above")
    return f"your code raised {type(error).__name__}: {error}\n{where}  hint:     {hint}"


def _student_frame(excinfo: pytest.ExceptionInfo | None, submission: Path | None) -> str:
    """``  at simple_nn.py, line 57, in forward: <code>`` for the student's last frame, if any."""
    if excinfo is None or submission is None:
        return ""
    frames = [f for f in traceback.extract_tb(excinfo.tb) if _inside(Path(f.filename), submission)]
    if not frames:
        return ""
    frame = frames[-1]
    return f"  at {Path(frame.filename).name}, line {frame.lineno}, in {frame.name}: {frame.line}\n"


def _inside(path: Path, folder: Path) -> bool:
    """True for a real file under ``folder`` (not ``<frozen ...>``, which would resolve against the cwd)."""
    try:
        return path.is_absolute() and path.resolve().is_relative_to(folder)
    except OSError:
        return False


def _module_name(item: pytest.Item) -> str:
    return Path(item.fspath).stem.removeprefix("test_")


def _submission(config: pytest.Config) -> Path | None:
    raw = config.getoption("submission")
    return Path(raw).resolve() if raw else None


def _load(name: str, path: Path, alias: str):
    spec = importlib.util.spec_from_file_location(alias, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


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
    uses = scan(path.read_text(encoding="utf-8", errors="replace"))
    if uses:
        first = uses[0]
        raise forbidden_failure(f"{name}.py imports {first.library}", first.library,
                                f"line {first.line}: {first.text}")
    sys.path.insert(0, str(submission))
    try:
        return _load(name, path, name)
    except (Exception, SystemExit) as error:  # anything the student's module does at import time (exit() too)
        raise GradeFailure(f"importing {name}.py failed", expected="the module imports without errors",
                           got=f"{type(error).__name__}: {error}",
                           hint=f"run `python -c 'import {name}'` in your folder and fix the first error") from None


def forbidden_failure(what: str, library: str, got: str) -> GradeFailure:
    return GradeFailure(what, expected="NumPy only: no deep-learning library", got=got,
                        hint=f"this course builds networks from scratch, so every check of this module scores 0 "
                        f"while it uses {library}: write it with NumPy and remove the import")


@pytest.fixture(scope="module")
def reference(request: pytest.FixtureRequest):
    """The reference solution of the module this grader file checks."""
    week = Path(request.node.fspath).parent.name
    name = _module_name(request.node)
    return _load(name, paths.SOLUTIONS / week / f"{name}.py", f"reference_{name}")


@pytest.fixture(scope="session")
def student_id() -> str:
    """The nbgrader id of the student being graded (for exercises whose numbers differ per student)."""
    return os.environ.get("NNGRADER_STUDENT_ID", "")


@pytest.fixture(scope="session")
def mnist():
    """The official MNIST arrays: a dict with X_train, y_train, X_test, y_test."""
    from . import mnist as data

    X_train, y_train, X_test, y_test = data.load_mnist()
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}
