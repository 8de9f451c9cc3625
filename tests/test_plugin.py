"""Tests for autograder/grading/plugin.py: pytest run as the graders are run, on a crafted week in a temporary folder.

The layout mirrors the real one: ``<graders>/week99/test_mymod.py`` grades
``mymod.py`` of the folder given with ``--submission``; the command line is
grading.run_checks' (same PYTEST_ARGS, rootdir, cwd), without the sandbox.
The crafted graders avoid the ``reference`` fixture, which reads solutions/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder import paths
from autograder.grading.checklist import PYTEST_ARGS
from autograder.results import CheckResult, CheckSpec, read_jsonl

GRADER = textwrap.dedent('''
    """Crafted graders for mymod.py."""

    import pytest

    from autograder.checks import GradeFailure, expect

    SECRET_ANSWER = 2 * 2  # grader-only: must never reach a student


    @pytest.mark.points(3)
    def test_double_is_right(student):
        """double(2) returns 4"""
        got = student.double(2)
        expect(got == SECRET_ANSWER, "double(2)", expected="4", got=repr(got), hint="multiply x by two")


    @pytest.mark.points(2)
    def test_double_raises_grade_failure(student):
        """double(5) returns 10 (GradeFailure raised directly)"""
        got = student.double(5)
        if got != 5 * 2:
            raise GradeFailure("double(5)", expected="10", got=repr(got), hint="look at the operator you used")


    @pytest.mark.points(1.5)
    def test_divide_survives(student):
        """divide(1) returns a number"""
        value = student.divide(1)
        assert value is not None


    @pytest.mark.points(1)
    def test_todo_left(student):
        """unfinished() is implemented"""
        student.unfinished()


    @pytest.mark.points(1)
    @pytest.mark.timeout(7)
    def test_passes(student):
        """identity(5) returns 5"""
        assert student.identity(5) == 5
''').lstrip()

STUDENT = textwrap.dedent('''
    def double(x):
        return x + 3


    def divide(x):
        zero = 0
        return x / zero


    def unfinished():
        # TODO: your code here
        raise NotImplementedError("unfinished is not implemented yet: complete the TODO in mymod.py")


    def identity(x):
        return x
''').lstrip()
DIVIDE_LINE = STUDENT.splitlines().index("    return x / zero") + 1


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_graders(graders: Path, submission: Path | None, *targets: Path, collect: bool = False):
    """Run pytest with the plugin as grading.run_checks / collect_checks do; return (process, records)."""
    out = graders.parent / ("checks.jsonl" if collect else "results.jsonl")
    out.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "pytest", *PYTEST_ARGS, f"--rootdir={graders}", f"--nngrader-out={out}"]
    argv += ["--collect-only"] if collect else [f"--submission={submission}"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(paths.ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(argv + [str(t) for t in targets], cwd=submission or graders.parent, env=env,
                          capture_output=True, text=True, timeout=60)
    return done, read_jsonl(out, CheckSpec if collect else CheckResult)


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("plugin")
    graders = root / "graders"
    return {"graders": graders, "grader": write(graders / "week99" / "test_mymod.py", GRADER),
            "submission": root / "submission", "student": write(root / "submission" / "mymod.py", STUDENT)}


@pytest.fixture(scope="module")
def results(week) -> dict[str, CheckResult]:
    """One graded run of the crafted week on the crafted submission, by test name."""
    done, records = run_graders(week["graders"], week["submission"], week["grader"])
    assert records, f"no results written:\n{done.stdout}{done.stderr}"
    return {record.id.split("::")[1]: record for record in records}


def grader_lines() -> list[str]:
    """The grader's source lines that are long enough to be recognisable."""
    return [line.strip() for line in GRADER.splitlines() if len(line.strip()) >= 12]


def assert_no_grader_source(message: str) -> None:
    for line in grader_lines():
        assert line not in message, f"grader source {line!r} in the student's message:\n{message}"
    assert "test_mymod" not in message and "SECRET_ANSWER" not in message, message


# ---------------------------------------------------------------- collection


def test_collect_only_writes_one_spec_per_grader(week):
    """Does collection write each grader's id (`<module>::<test>`), docstring title, points and time limit?"""
    done, specs = run_graders(week["graders"], None, week["grader"], collect=True)
    assert done.returncode == 0, done.stdout + done.stderr
    by_id = {spec.id: spec for spec in specs}
    assert list(by_id) == ["mymod::test_double_is_right", "mymod::test_double_raises_grade_failure",
                           "mymod::test_divide_survives", "mymod::test_todo_left", "mymod::test_passes"]
    assert by_id["mymod::test_double_is_right"] == CheckSpec("mymod::test_double_is_right", "double(2) returns 4",
                                                             3.0, 60.0)
    assert by_id["mymod::test_divide_survives"].points == 1.5
    assert by_id["mymod::test_passes"].timeout == 7.0


@pytest.mark.parametrize("collect", [True, False], ids=["collect-only", "grading-run"])
def test_grader_without_points_fails_collection_naming_it(tmp_path, collect):
    """Does a grader test without @pytest.mark.points stop the run with an error that names that test?"""
    graders = tmp_path / "graders"
    grader = write(graders / "week99" / "test_mymod.py", textwrap.dedent('''
        import pytest


        @pytest.mark.points(1)
        def test_marked(student):
            """has points"""


        def test_forgot_points(student):
            """has none"""
    '''))
    submission = write(tmp_path / "submission" / "mymod.py", STUDENT).parent
    done, records = run_graders(graders, submission, grader, collect=collect)
    output = done.stdout + done.stderr
    assert done.returncode not in (0, 1), output  # a usage error, not failing tests
    assert "without @pytest.mark.points" in output, output
    assert "test_mymod.py::test_forgot_points" in output, output
    assert "test_marked" not in output.split("without @pytest.mark.points")[1].splitlines()[0]
    assert records == []  # nothing half-collected or half-graded


# ---------------------------------------------------------------- results


def test_every_check_gets_a_result(results):
    """Does the graded run write exactly one result per grader, with its points?"""
    assert sorted(results) == sorted(["test_double_is_right", "test_double_raises_grade_failure",
                                      "test_divide_survives", "test_todo_left", "test_passes"])
    assert results["test_double_is_right"].max_points == 3.0
    assert results["test_passes"].passed and results["test_passes"].points == 1.0
    assert results["test_passes"].message == ""


@pytest.mark.parametrize("name, what, expected, got, hint", [
    ("test_double_is_right", "double(2)", "4", "5", "multiply x by two"),
    ("test_double_raises_grade_failure", "double(5)", "10", "8", "look at the operator you used"),
])
def test_grade_failure_message_is_expected_got_hint_only(results, name, what, expected, got, hint):
    """Is a GradeFailure reported as its what / expected / got / hint text, with no line of the grader's source?"""
    result = results[name]
    assert not result.passed and result.points == 0
    message = result.message
    assert message == f"{what}\n  expected: {expected}\n  got:      {got}\n  hint:     {hint}", message
    assert_no_grader_source(message)
    assert "Traceback" not in message and "assert" not in message


def test_exception_in_student_code_names_the_students_file_and_line(results):
    """Does an exception raised in the student's module name their file, line and code, and not the grader's file?"""
    result = results["test_divide_survives"]
    message = result.message
    assert not result.passed
    assert message.startswith("your code raised ZeroDivisionError: division by zero\n"), message
    assert f"  at mymod.py, line {DIVIDE_LINE}, in divide: return x / zero\n" in message, message
    assert "  hint:     " in message
    assert_no_grader_source(message)
    assert "value = student.divide(1)" not in message


def test_not_implemented_stub_gets_the_todo_hint(results):
    """Is an untouched stub's NotImplementedError reported with the student's line and a hint to finish the TODO?"""
    message = results["test_todo_left"].message
    assert message.startswith("your code raised NotImplementedError: unfinished is not implemented yet"), message
    assert "at mymod.py, line" in message and "in unfinished:" in message
    assert "complete that TODO" in message
    assert_no_grader_source(message)


def test_missing_student_module_fails_every_check_with_a_clear_message(week, tmp_path):
    """When the submission lacks mymod.py, does each check fail with a message naming the file and what was found?"""
    submission = write(tmp_path / "submission" / "other.py", "x = 1\n").parent
    done, records = run_graders(week["graders"], submission, week["grader"])
    assert len(records) == 5, done.stdout + done.stderr
    for record in records:
        assert not record.passed
        assert record.message.startswith("mymod.py is missing from your submission\n"), record.message
        assert "  got:      other.py\n" in record.message
        assert_no_grader_source(record.message)


def test_student_module_failing_at_import_is_explained(week, tmp_path):
    """When importing the student's module raises, does each check say so with the error, not a grader traceback?"""
    submission = write(tmp_path / "submission" / "mymod.py", "import numpy\nraise RuntimeError('boom at import')\n").parent
    done, records = run_graders(week["graders"], submission, week["grader"])
    assert len(records) == 5, done.stdout + done.stderr
    for record in records:
        assert not record.passed
        assert record.message.startswith("importing mymod.py failed\n"), record.message
        assert "RuntimeError: boom at import" in record.message
        assert_no_grader_source(record.message)


def test_a_connection_out_of_step_is_a_protocol_error():
    """Does a wrong echo at the end of a check raise ProtocolError (which costs only that check), not a crash?"""
    from types import SimpleNamespace

    from autograder.jail.rpc import ProtocolError
    from autograder.sandbox.student_process import StudentProcess

    forged = SimpleNamespace(rpc=SimpleNamespace(request=lambda action, target, nonce: "not the nonce"))
    with pytest.raises(ProtocolError, match="out of step"):
        StudentProcess.in_step(forged)
