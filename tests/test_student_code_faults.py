"""A fault in student code costs only what it reaches: real grading runs of simple_nn.py that misbehave.

Each submission is a folder holding one simple_nn.py that cannot be imported
(a syntax error, a missing module, an exit), imports slowly, is missing, loops
forever, exits or allocates without end in one method, or prints and warns.
Every run is a real limited grading process; each test asks what the fault
cost, and that it cost nothing else (the other checks, the other modules).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import mutants
import pytest
from mutants import edit
from planted.week03.simple_nn import (
    ALL_CHECKS,
    FAST,
    FORWARD_SHAPE,
    FORWARD_VALUES,
    GRADER_NAMES,
    INIT_SHAPES,
    PREDICT,
    REFERENCE,
)

from autograder import paths
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks
from autograder.results import CheckResult
from autograder.sandbox.limited import Limits

WEEK = "week03"


#: The line the misbehaving submissions below put a statement in front of (first line of forward's body).
FORWARD_FIRST_LINE = "        z1 = X @ self.W1 + self.b1\n"


# ---------------------------------------------------------------- helpers


def submit(tmp_path_factory: pytest.TempPathFactory, name: str, source: str | None) -> Path:
    """A fresh submission folder holding ``source`` as simple_nn.py (nothing if None)."""
    folder = tmp_path_factory.mktemp(name)
    if source is not None:
        (folder / "simple_nn.py").write_text(source, encoding="utf-8")
    return folder


def by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.id: result for result in results}


def selected(only: tuple[str, ...]) -> list[str]:
    """The ids ``run_checks`` reports for ``only``: one per check, in the graders' order."""
    return [c for c in ALL_CHECKS if c in only]


def assert_no_grader_source(results: list[CheckResult]) -> None:
    mutants.assert_no_grader_source(results, GRADER_NAMES)


def line_of(source: str, snippet: str) -> int:
    """1-based number of the line holding ``snippet``."""
    return next(i for i, line in enumerate(source.splitlines(), 1) if snippet in line)


# ---------------------------------------------------------------- robustness of a run


IMPORT_FAILURES = {
    "syntax-error": (lambda src: edit(src, "def forward(self, X):", "def forward(self, X)"),
                     lambda src: ("SyntaxError", f"(simple_nn.py, line {line_of(src, 'def forward(self, X)')})")),
    "unknown-module": (lambda src: "import numpyish_helpers\n" + src,
                       lambda src: ("ModuleNotFoundError", "'numpyish_helpers'")),
    "sys-exit-at-import": (lambda src: 'import sys\nsys.exit("bye")\n' + src, lambda src: ("SystemExit: bye",)),
}


@pytest.mark.parametrize("case", IMPORT_FAILURES)
def test_module_that_cannot_be_imported_fails_every_check_saying_so(case, tmp_path_factory):
    """Does a simple_nn.py that fails at import (syntax error, missing package, sys.exit) score 0 on every check,
    each message saying the import failed, why, and (for a syntax error) on which line?"""
    break_it, phrases = IMPORT_FAILURES[case]
    source = break_it(REFERENCE.read_text(encoding="utf-8"))
    only = (INIT_SHAPES, FORWARD_VALUES, PREDICT)
    results = run_checks(WEEK, submit(tmp_path_factory, case, source), limits=Limits(), only=only)
    assert [r.id for r in results] == selected(only)
    for result in results:
        assert not result.passed and result.points == 0
        assert result.message.startswith("importing simple_nn.py failed\n"), result.message
        assert "hint:     run `python -c 'import simple_nn'`" in result.message
        for phrase in phrases(source):
            assert phrase in result.message, (phrase, result.message)
    assert_no_grader_source(results)


def test_a_slow_import_names_the_limit_it_ran_into(tmp_path_factory):
    """Does a simple_nn.py whose import outlasts the check's time limit fail every check saying which limit, how
    long, and that top-level code runs on import (not "it was stopped")?"""
    source = "import time\ntime.sleep(60)\n" + REFERENCE.read_text(encoding="utf-8")
    only = (INIT_SHAPES, FORWARD_VALUES)
    results = run_checks(WEEK, submit(tmp_path_factory, "slow-import", source), limits=Limits(check_seconds=2),
                         only=only)
    for result in results:
        assert not result.passed and result.graded
        assert "did not finish within the check's time limit of 2 s" in result.message, result.message
        assert "top level of your module runs when it is imported" in result.message
        assert "it was stopped" not in result.message


def test_missing_file_fails_every_check_naming_the_file_and_what_was_found(tmp_path_factory):
    """Does a folder without simple_nn.py (the student renamed it) fail every check saying the file is missing?"""
    folder = submit(tmp_path_factory, "renamed", None)
    shutil.copy(REFERENCE, folder / "simplenn.py")
    only = (INIT_SHAPES, FORWARD_VALUES)
    results = run_checks(WEEK, folder, limits=Limits(), only=only)
    assert [r.id for r in results] == selected(only)
    for result in results:
        assert not result.passed
        assert result.message.startswith("simple_nn.py is missing from your submission\n"), result.message
        assert "got:      simplenn.py" in result.message
        assert "keep the file name simple_nn.py" in result.message


def test_endless_loop_costs_only_its_checks_at_the_check_time_limit(tmp_path_factory):
    """Does a forward that loops forever fail each check calling it after Limits.check_seconds, with a 'time limit'
    message, while the check before it keeps its points and the run goes on (a fresh worker per check)?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), FORWARD_FIRST_LINE,
                  "        while True:\n            pass\n" + FORWARD_FIRST_LINE)
    only = (INIT_SHAPES, FORWARD_SHAPE, FORWARD_VALUES)
    limits = Limits(check_seconds=2)
    collect_checks(WEEK)
    start = time.perf_counter()
    results = run_checks(WEEK, submit(tmp_path_factory, "endless-checks", source), limits=limits, only=only)
    elapsed = time.perf_counter() - start
    assert 2 * limits.check_seconds <= elapsed < 2 * limits.check_seconds + 10
    found = by_id(results)
    assert found[INIT_SHAPES].passed
    for check_id in (FORWARD_SHAPE, FORWARD_VALUES):
        assert not found[check_id].passed and found[check_id].points == 0
        assert found[check_id].message.startswith("did not finish within the time limit of 2 s\n"), found[check_id].message


def test_endless_loop_is_stopped_by_the_wall_limit_and_unrun_checks_score_zero(tmp_path_factory):
    """Does a forward that loops forever end the run at Limits.wall_seconds, keep the checks done before it,
    and give the others 0 with a 'not run ... time limit' message, one result per selected check?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), FORWARD_FIRST_LINE,
                  "        while True:\n            pass\n" + FORWARD_FIRST_LINE)
    only = (INIT_SHAPES, FORWARD_SHAPE, FORWARD_VALUES)
    limits = Limits(wall_seconds=6)
    collect_checks(WEEK)  # collected (and cached) outside the timed call
    start = time.perf_counter()
    results = run_checks(WEEK, submit(tmp_path_factory, "endless", source), limits=limits, only=only)
    elapsed = time.perf_counter() - start
    assert limits.wall_seconds <= elapsed < limits.wall_seconds + 10
    assert [r.id for r in results] == selected(only)
    found = by_id(results)
    assert found[INIT_SHAPES].passed
    for check_id in (FORWARD_SHAPE, FORWARD_VALUES):
        assert not found[check_id].passed and found[check_id].points == 0
        assert found[check_id].message.startswith(
            "not run: the run was stopped after 6 s (time limit) before this check could finish\n"), found[check_id].message
        assert "endless loop" in found[check_id].message


@pytest.mark.parametrize("statement, phrases", [
    ("import sys; sys.exit(0)", ("your code raised SystemExit: 0", "in forward: import sys; sys.exit(0)")),
    ("import os; os._exit(0)", ("the process running your code stopped during this check: it exited with status 0",
                                "sys.exit/os._exit")),
], ids=["sys.exit-in-forward", "os._exit-in-forward"])
def test_exit_in_forward_costs_only_the_checks_that_reach_it(statement, phrases, tmp_path_factory):
    """Does a forward that exits the process (sys.exit or os._exit) score 0 on the checks calling it, keep the points
    of a check that does not, and still give one result per selected check?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), FORWARD_FIRST_LINE,
                  f"        {statement}\n" + FORWARD_FIRST_LINE)
    only = (INIT_SHAPES, FORWARD_VALUES, PREDICT)
    results = run_checks(WEEK, submit(tmp_path_factory, "exits", source), limits=Limits(wall_seconds=60), only=only)
    assert [r.id for r in results] == selected(only)
    found = by_id(results)
    assert found[INIT_SHAPES].passed
    for check_id in (FORWARD_VALUES, PREDICT):
        assert not found[check_id].passed and found[check_id].points == 0
        for phrase in phrases:
            assert phrase in found[check_id].message, (phrase, found[check_id].message)


@pytest.mark.parametrize("allocation, size", [
    ("np.ones((200000, 100000))", "149. GiB"),
    ("np.zeros((16000, 16000))", "1.91 GiB"),  # fits the machine, not Limits(memory_mb=1024)
], ids=["149-GiB", "1.9-GiB-over-the-limit"])
def test_huge_array_is_stopped_by_the_memory_limit(allocation, size, tmp_path_factory):
    """Does an array beyond Limits.memory_mb fail the check that allocates it with a MemoryError naming the student's
    line, while the test process and the other checks carry on?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), FORWARD_FIRST_LINE,
                  f"        big = {allocation}\n" + FORWARD_FIRST_LINE)
    only = (INIT_SHAPES, FORWARD_VALUES)
    results = run_checks(WEEK, submit(tmp_path_factory, "memory", source),
                         limits=Limits(wall_seconds=60, memory_mb=1024), only=only)
    assert [r.id for r in results] == selected(only)
    found = by_id(results)
    assert found[INIT_SHAPES].passed
    message = found[FORWARD_VALUES].message
    assert not found[FORWARD_VALUES].passed and found[FORWARD_VALUES].points == 0
    assert f"your code raised MemoryError: Unable to allocate {size}" in message, message
    assert f"in forward: big = {allocation}" in message, message


# ---------------------------------------------------------------- output of the student's code


def test_prints_and_warnings_in_student_code_change_nothing(tmp_path_factory, capfd):
    """Does a correct submission that prints to stdout and stderr and warns (at import and in every forward) still
    get full marks on the fast checks, with none of its output reaching the caller's stdout or stderr?"""
    source = REFERENCE.read_text(encoding="utf-8")
    source = edit(source, "import numpy as np\n",
                  "import sys\nimport warnings\n\nimport numpy as np\n\nprint('STUDENT-IMPORT-PRINT')\n")
    source = edit(source, FORWARD_FIRST_LINE,
                  "        print('STUDENT-FORWARD-PRINT', X.shape)\n"
                  "        print('STUDENT-FORWARD-STDERR', file=sys.stderr)\n"
                  "        warnings.warn('STUDENT-FORWARD-WARNING')\n" + FORWARD_FIRST_LINE)
    results = run_checks(WEEK, submit(tmp_path_factory, "noisy", source), limits=Limits(), only=FAST)
    assert [r.id for r in results] == list(FAST)
    assert {r.id: r.message for r in results if not r.passed} == {}
    out, err = capfd.readouterr()
    assert "STUDENT-" not in out + err


def test_grading_runs_use_one_blas_thread_whatever_the_callers_environment(tmp_path_factory, monkeypatch):
    """Does the student's code run with BLAS pinned to one thread (even if the caller asked for more), so that a busy
    machine cannot stall training's small matrix products into a time-out of a correct submission?"""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    threads = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    source = ("import os\n"
              f"_seen = {{name: os.environ.get(name) for name in {sorted(threads)!r}}}\n"
              f"assert _seen == {threads!r}, _seen\n" + REFERENCE.read_text(encoding="utf-8"))
    results = run_checks(WEEK, submit(tmp_path_factory, "threads", source), limits=Limits(), only=(INIT_SHAPES,))
    assert results[0].passed, results[0].message


def test_a_module_that_uses_up_its_time_leaves_the_other_modules_theirs(tmp_path_factory):
    """When perceptron.predict loops for ever, do perceptron's checks stop once they have used Limits.wall_seconds
    together ('not run: ... used up their time limit'), while simple_nn's checks, in the same run, keep theirs?"""
    folder = submit(tmp_path_factory, "slow-perceptron", REFERENCE.read_text(encoding="utf-8"))
    perceptron = (paths.SOLUTIONS / WEEK / "perceptron.py").read_text(encoding="utf-8")
    (folder / "perceptron.py").write_text(edit(perceptron, "    def predict(self, X):\n",
                                               "    def predict(self, X):\n        while True:\n            pass\n"))
    own = tuple(c.id for c in collect_checks(WEEK) if c.module == "perceptron")
    limits = Limits(wall_seconds=6, check_seconds=2)
    results = by_id(run_checks(WEEK, folder, limits=limits, only=own + (INIT_SHAPES, FORWARD_VALUES)))
    out_of_time = [r for r in results.values() if r.message.startswith(
        "not run: the checks of perceptron.py used up their time limit together before this one\n")]
    timed_out = [r for r in results.values() if r.message.startswith("did not finish within the time limit of 2 s")]
    assert out_of_time and timed_out and all(r.id in own for r in out_of_time + timed_out)
    assert len(timed_out) <= 4  # 6 s of budget, 2 s per check: the module stops after its third or fourth
    assert all(r.passed or r in out_of_time + timed_out for r in results.values() if r.id in own)
    assert results[INIT_SHAPES].passed and results[FORWARD_VALUES].passed
