"""What you see when you run `pytest` in this folder: short, friendly results.

For each failing visible test it prints what the test checks (its docstring's
first line), the check's message (expected, got, hint) and the line of your
code where it failed; an unfinished function is listed once, as "not done yet".
A count per module ends the run.

Each notebook's "Visible checks" cell calls ``visible_check_problems``, so nbgrader's
Validate button (and ``nbgrader validate``) fails, naming what to fix, until
the module's visible tests pass.

Nothing here changes which tests run or whether they pass. For pytest's usual
output with full tracebacks, run `pytest --tb=long` (or any other --tb style).

This file is generated: the course kit copies it into every student folder as
conftest.py. It uses only pytest and the standard library.
"""

from __future__ import annotations

import linecache
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parent
HIDDEN_CHECKS = ("These are the visible tests. More (hidden) checks run when your work is graded: "
                 "passing these does not guarantee full marks.")
REMINDER = ("When these pass, submit as usual. The hidden checks run after you submit: "
            "passing the visible tests does not guarantee full marks.")
MAX_MESSAGE_LINES = 16
MAX_PRINTED_LINES = 5

Frame = tuple[Path, int, str]  # file, line, function


@dataclass(frozen=True)
class Todo:
    """An unfinished function (its stub raised NotImplementedError) and the line of its TODO."""

    function: str
    file: str
    line: int

    def describe(self) -> str:
        return f"not done yet: {self.function} - complete its TODO in {self.file}, line {self.line}"


@dataclass
class Failure:
    """One failing test as the student sees it: what it checks, the message, where it failed."""

    title: str
    message: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)
    todo: Todo | None = None


@pytest.hookimpl(trylast=True)  # after pytest's terminal reporter exists
def pytest_configure(config: pytest.Config) -> None:
    """Register the student view for this run (a new one per run, so repeated runs in Jupyter stay apart)."""
    if config.pluginmanager.has_plugin("terminalreporter"):
        config.pluginmanager.register(StudentView(config), "student-view")


def module_of(test_file: Path) -> str:
    """The module a visible test file checks: test_simple_nn.py checks simple_nn.py."""
    return test_file.name.removeprefix("test_")


def in_folder(filename: str) -> Path | None:
    """``filename`` as a path if it is a file of this folder (your module or a visible test), else None."""
    if filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>: no file
        return None
    path = Path(filename).resolve()
    return path if path.parent == FOLDER and path.name != "conftest.py" and path.is_file() else None


def folder_frames(tb) -> list[Frame]:
    """The frames of traceback ``tb`` that ran a file of this folder, outermost first."""
    frames = []
    for frame, line in traceback.walk_tb(tb):
        path = in_folder(frame.f_code.co_filename)
        if path is not None:
            frames.append((path, line, getattr(frame.f_code, "co_qualname", frame.f_code.co_name)))
    return frames


def is_test(frame: Frame) -> bool:
    return frame[0].name.startswith("test_")


def where(frames: list[Frame], nodeid: str) -> list[str]:
    """Where it failed: the last line of your code that ran, then the test and its line."""
    yours = [frame for frame in frames if not is_test(frame)]
    tests = [frame for frame in frames if is_test(frame)]
    lines = []
    if yours:
        path, line, function = yours[-1]
        code = linecache.getline(str(path), line).strip()
        lines.append(f"your code: {path.name}, line {line}, in {function}" + (f":  {code}" if code else ""))
    return lines + [f"test: {nodeid}" + (f", line {tests[-1][1]}" if tests else "")]


def todo_line(path: Path, raise_line: int) -> int:
    """The first ``# TODO`` line of the comments right above ``raise_line`` (else ``raise_line`` itself)."""
    found, line = raise_line, raise_line - 1
    while line > 0 and linecache.getline(str(path), line).strip().startswith("#"):
        if linecache.getline(str(path), line).strip().startswith("# TODO"):
            found = line
        line -= 1
    return found


def assertion_message(error: AssertionError) -> list[str]:
    """The message a visible test wrote, without pytest's re-evaluation of the assert after it."""
    text = str(error)
    if text.startswith("assert "):  # the assert has no message: pytest's explanation is all there is
        return text.splitlines()
    own, explained, _ = text.partition("\nassert ")
    lines = own.splitlines()
    if explained:  # pytest indents the message's own continuation lines by two spaces
        lines = lines[:1] + [line.removeprefix("  ") for line in lines[1:]]
    return lines or ["the check failed"]


def shorten(lines: list[str], limit: int) -> list[str]:
    """At most ``limit`` lines, keeping the last one (a test's message ends with its hint)."""
    lines = [line.rstrip() for line in lines]
    if len(lines) <= limit:
        return lines
    return lines[:limit - 2] + [f"... ({len(lines) - limit + 1} lines left out: pytest --tb=long shows them)",
                                lines[-1]]


def title_of(item: pytest.Item) -> str:
    """What the test checks: its docstring's first line, and the parameter it runs with."""
    doc = (getattr(getattr(item, "obj", None), "__doc__", None) or "").strip()
    title = doc.splitlines()[0].strip() if doc else item.name.split("[")[0].replace("_", " ")
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec is not None else title


def failure_of_test(item: pytest.Item, excinfo: pytest.ExceptionInfo, when: str, printed: str) -> Failure:
    """A failing test: "not done yet" for a stub, else its message and where it failed."""
    error, frames = excinfo.value, folder_frames(excinfo.tb)
    yours = [frame for frame in frames if not is_test(frame)]
    if isinstance(error, NotImplementedError) and yours:
        path, line, function = yours[-1]
        named = re.match(r"([\w.]+) is not implemented yet", str(error))
        return Failure(title_of(item), todo=Todo(named.group(1) if named else function, path.name,
                                                  todo_line(path, line)))
    if isinstance(error, AssertionError) and not yours:
        message = assertion_message(error)
    elif isinstance(error, pytest.fail.Exception):  # pytest.raises that did not raise, pytest.fail
        message = str(error).splitlines()
    else:
        message = f"{type(error).__name__}: {error}".splitlines()
    if when != "call":
        message[0] = f"could not {'set up' if when == 'setup' else 'clean up'} the test: {message[0]}"
    return Failure(title_of(item), shorten(message, MAX_MESSAGE_LINES), where(frames, item.nodeid),
                   shorten(printed.splitlines(), MAX_PRINTED_LINES))


def collect_failure(node: pytest.File, error: BaseException, nodeid: str) -> Failure:
    """A visible test file that could not be imported: a syntax error, a missing name, a crash at import."""
    cause = error.__cause__ if isinstance(error, pytest.Collector.CollectError) and error.__cause__ else error
    message = f"{type(cause).__name__}: {cause}".splitlines()
    if type(cause) is ImportError and cause.name:  # cannot import name 'x' from 'module'
        message.append(f"Hint: {node.path.name} imports your functions by name: keep the names you were given.")
    if isinstance(cause, SyntaxError) and in_folder(cause.filename or ""):
        lines = [f"your code: {Path(cause.filename).name}, line {cause.lineno}:  {(cause.text or '').strip()}",
                 f"test: {nodeid}"]
    else:
        lines = where(folder_frames(cause.__traceback__), nodeid)
    return Failure(f"{node.path.name} could not start", shorten(message, MAX_MESSAGE_LINES), lines)


class StudentView:
    """Records each test's outcome; prints the header, the failures and the count per module."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.friendly = config.option.tbstyle == "auto" and not config.option.fulltrace
        self.tests: dict[str, list[str]] = {}  # module -> node ids of its visible tests
        self.passed: set[str] = set()
        self.skipped: set[str] = set()
        self.failures: dict[str, Failure] = {}  # node id -> its first failure
        self.broken: dict[str, Failure] = {}  # module -> why its test file could not be collected
        if self.friendly:  # pytest's FAILURES and ERRORS sections and short-summary lines: ours instead
            config.option.tbstyle = "no"
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            reporter.reportchars = reporter.reportchars.replace("f", "").replace("E", "")
            config.option.continue_on_collection_errors = True  # one broken module does not stop the others

    def pytest_report_collectionfinish(self, items: list[pytest.Item]) -> list[str]:
        for item in items:
            self.tests.setdefault(module_of(item.path), []).append(item.nodeid)
        files = sorted({item.path.name for item in items})
        return [f"Visible tests: {', '.join(files) or 'none'} ({len(items)} tests).", HIDDEN_CHECKS]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report = outcome.get_result()
        if report.failed and call.excinfo is not None and item.nodeid not in self.failures:
            self.failures[item.nodeid] = failure_of_test(item, call.excinfo, call.when, report.capstdout)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and report.passed:
            self.passed.add(report.nodeid)
        elif report.skipped:
            self.skipped.add(report.nodeid)

    def pytest_exception_interact(self, node, call: pytest.CallInfo, report) -> None:
        if isinstance(report, pytest.CollectReport) and isinstance(node, pytest.File):
            self.broken[module_of(node.path)] = collect_failure(node, call.excinfo.value, report.nodeid)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.config.option.collectonly:
            return
        tr, modules = terminalreporter, sorted(set(self.tests) | set(self.broken))
        if self.friendly and (self.failures or self.broken):
            tr.write_sep("=", "what to fix")
            for module in modules:
                self.write_problems(tr, module)
        tr.write_sep("=", "visible tests per module")
        for module in modules:
            self.write_count(tr, module)
        tr.write_line(REMINDER)
        if self.friendly and (self.failures or self.broken):
            example = next(iter(self.failures), "test_<module>.py::<test name>")
            tr.write_line(f'Full tracebacks: pytest --tb=long   (one test: pytest "{example}" --tb=long)')

    def write_problems(self, tr, module: str) -> None:
        failures = [self.failures[nodeid] for nodeid in self.tests.get(module, []) if nodeid in self.failures]
        if module in self.broken:
            failures.insert(0, self.broken[module])
        if not failures:
            return
        tr.write_line(module, bold=True)
        todos: dict[Todo, int] = {}
        for failure in failures:
            if failure.todo:
                todos[failure.todo] = todos.get(failure.todo, 0) + 1
        for todo, count in todos.items():
            tr.write_line(f"  {todo.describe()} (needed by {count} test{'s' if count > 1 else ''})", yellow=True)
        for failure in failures:
            if failure.todo:
                continue
            tr.write_line(f"  FAILED {failure.title}", red=True, bold=True)
            for line in failure.message:
                tr.write_line(f"      {line}")
            if failure.printed:
                tr.write_line("      your code printed:")
                for line in failure.printed:
                    tr.write_line(f"        {line}")
            for line in failure.where:
                tr.write_line(f"      {line}")

    def write_count(self, tr, module: str) -> None:
        if module in self.broken:
            tr.write_line(f"{module}: its visible tests could not start (see above)", red=True)
            return
        nodeids = self.tests[module]
        passed = sum(nodeid in self.passed and nodeid not in self.failures for nodeid in nodeids)
        skipped = sum(nodeid in self.skipped for nodeid in nodeids)
        ran = self.passed | self.skipped | set(self.failures)
        not_run = sum(nodeid not in ran for nodeid in nodeids)
        notes = ", ".join(f"{count} {what}" for count, what in ((not_run, "not run"), (skipped, "skipped")) if count)
        text = f"all {passed} visible tests pass" if passed == len(nodeids) else \
            f"{passed} of {len(nodeids)} visible tests pass"
        tr.write_line(f"{module}: {text}" + (f" ({notes})" if notes else ""),
                      green=passed == len(nodeids), red=passed < len(nodeids))


class VisibleChecksFail(Exception):
    """The visible tests of a module fail: what Validate shows for the notebook's "Visible checks" cell."""


def visible_check_problems(module: str) -> str:
    """Run the visible tests of ``module``.py: what to fix, or "" (and a line saying so) if they all pass.

    They run in a new Python, on the file as it is saved now (not the copy this kernel imported earlier).
    """
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider",
                          f"test_{module}.py"],
                         cwd=FOLDER, capture_output=True, text=True)
    if run.returncode == 0:
        print(f"The visible checks of {module}.py pass. {REMINDER}")
        return ""
    return "\n".join(fail_summary(run.stdout + run.stderr, module))


def fail_summary(output: str, module: str) -> list[str]:
    """What to fix, from a visible-test run's output: its "what to fix" section and the count, else its end."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if re.fullmatch(r"=+ what to fix =+", line)]
    if starts:
        section = lines[starts[0] + 1:]
        end = next((i for i, line in enumerate(section) if re.fullmatch(r"=+ .* =+", line)), len(section))
        counts = [line for line in section[end:] if line.startswith(f"{module}.py: ")]
        found = section[:end] + counts
    else:  # pytest itself could not run the tests: its own last words
        found = [line for line in lines if line.strip()][-MAX_MESSAGE_LINES:]
    return [f"the visible checks of {module}.py fail:", *shorten(found, 2 * MAX_MESSAGE_LINES),
            f"Run `pytest test_{module}.py` in this folder for the details; fix these before you submit."]
