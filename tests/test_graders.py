"""One meta-test suite for the hidden graders of every module of every week, run end to end.

What is known of each graded module is data, in ``tests/planted/<week>/<module>.py``: its checks with their
points (``POINTS``), the function each check of the generated stub reaches first (``STUB_FIRST_TODO``), and
planted bugs, mistakes students really make, each with the checks it must fail and the words and symptoms
those failures must carry (``MUTATIONS``). For every module this file proves, each with real grading runs
(``run_checks``, a limited process and the sandbox):

* the checks are exactly the listed ones, in order, with their points (and extra credit where it says so);
* the reference scores full marks, and so does the sample correct submission, written unlike it;
* the fresh stub scores 0 on every check from a run that reached every check, each message naming the
  first unfinished function, its line, and the TODO to complete;
* each planted bug is a real edit of the reference, and fails exactly its listed checks with its symptoms;
* the visible tests students get pass on the reference and fail on the stub.

A module's own questions (its quiz, a bug's crashing line) stay in ``tests/test_<week>_<module>.py``.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from mutants import assert_caught, assert_no_grader_source, grade_mutant, reference_folder

from autograder import paths
from autograder.authoring.stubs import strip_solutions
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks

PLANTED = Path(__file__).parent / "planted"


def planted_modules() -> list[ModuleType]:
    """Every ``tests/planted/<week>/<module>.py``: one per graded module of every week."""
    return [importlib.import_module(f"planted.{path.parent.name}.{path.stem}")
            for path in sorted(PLANTED.glob("*/*.py")) if path.stem != "__init__"]


MODULES = planted_modules()
MUTATIONS = [(data, mutation) for data in MODULES for mutation in data.MUTATIONS]


def name_of(data: ModuleType) -> str:
    return f"{data.WEEK}/{data.MODULE}"


def grade(data: ModuleType, folder: Path, student_id: str | None = None) -> dict:
    """The module's checks on ``folder``, by id (graded as ``student_id``, by default the module's own)."""
    student = getattr(data, "STUDENT_ID", "") if student_id is None else student_id
    return {r.id: r for r in run_checks(data.WEEK, folder, modules=(data.MODULE,), student_id=student)}


def with_module(folder: Path, data: ModuleType, source: str) -> Path:
    """Every reference module of the week (they import each other), with ``source`` as the module."""
    reference_folder(folder, data.WEEK)
    (folder / f"{data.MODULE}.py").write_text(source, encoding="utf-8")
    return folder


def stub_of(data: ModuleType) -> str:
    return strip_solutions(data.REFERENCE.read_text(encoding="utf-8"), f"{data.MODULE}.py")


def test_every_graded_module_of_every_week_is_here():
    """Does tests/planted hold one module of data for each graded module of each week, and nothing else?"""
    graded = {(week, spec.module) for week in paths.weeks() for spec in collect_checks(week)}
    assert {(data.WEEK, data.MODULE) for data in MODULES} == graded


@pytest.mark.parametrize("data", MODULES, ids=name_of)
def test_the_checks_are_exactly_the_listed_ones_with_their_points(data):
    """Does the module have exactly these checks, in this order, with these points, extra credit only where its
    data says so?"""
    specs = [spec for spec in collect_checks(data.WEEK) if spec.module == data.MODULE]
    assert [(spec.id, spec.points) for spec in specs] == list(data.POINTS.items())
    assert all(spec.bonus == getattr(data, "EXTRA_CREDIT", False) for spec in specs)
    assert set(data.STUB_FIRST_TODO) == set(data.POINTS)


@pytest.mark.parametrize("data", MODULES, ids=name_of)
def test_the_reference_scores_full_marks(data, tmp_path, mnist_dir):
    """Does the reference, graded as a submission, get every point of every check, recording no symptom?"""
    results = grade(data, reference_folder(tmp_path / "reference", data.WEEK))
    assert list(results) == list(data.POINTS)
    assert {i: r.message for i, r in results.items() if not r.passed} == {}
    assert all(r.points == r.max_points == data.POINTS[i] for i, r in results.items())
    assert not [i for i, r in results.items() if "symptoms" in r.data]  # a check that passes records none
    for check_id, holds in getattr(data, "REFERENCE_DATA", {}).items():
        assert holds(results[check_id].data), (check_id, results[check_id].data)


@pytest.mark.parametrize("data", MODULES, ids=name_of)
def test_the_sample_correct_submission_scores_full_marks(data, tmp_path, mnist_dir):
    """Does the sample correct student's module (written unlike the reference, beside the student's other
    modules) get every point?"""
    folder = tmp_path / "correct_student"
    shutil.copytree(paths.EXAMPLES / "correct_student", folder)
    for module in paths.PROVIDED_MODULES:
        shutil.copy(module, folder / module.name)
    assert "### BEGIN SOLUTION" not in (folder / f"{data.MODULE}.py").read_text(encoding="utf-8")
    results = grade(data, folder, student_id="correct_student")
    assert {i: r.message for i, r in results.items() if not r.passed} == {}
    assert sum(r.points for r in results.values()) == sum(data.POINTS.values())


@pytest.mark.parametrize("data", MODULES, ids=name_of)
def test_the_stub_scores_zero_naming_the_first_unfinished_function_and_its_line(data, tmp_path):
    """Does the generated stub get 0 on every check, from a run that reached every check, each message naming
    the function the check reaches first, the line of its TODO, and the hint to complete it, quoting no
    grader source?"""
    stub = stub_of(data)
    results = grade(data, with_module(tmp_path / "stub", data, stub))
    assert list(results) == list(data.POINTS)
    for check_id, result in results.items():
        function = data.STUB_FIRST_TODO[check_id]
        line = next(n for n, text in enumerate(stub.splitlines(), 1)
                    if f'NotImplementedError("{function} is not implemented yet' in text)
        assert not result.passed and result.points == 0, check_id
        assert not result.message.startswith("not run"), result.message
        assert f"{function} is not implemented yet" in result.message, (check_id, result.message)
        assert f"at {data.MODULE}.py, line {line}, in {function.split('.')[-1]}:" in result.message, result.message
        assert "hint:     complete that TODO" in result.message, result.message
    assert_no_grader_source(results.values(), getattr(data, "GRADER_NAMES", ()))


@pytest.mark.parametrize("data, planted", MUTATIONS, ids=[f"{name_of(d)}:{m.id}" for d, m in MUTATIONS])
def test_a_planted_bug_is_a_real_edit_of_the_reference(data, planted):
    """Does each snippet of the planted bug occur exactly once in the reference, so the mutant differs, compiles,
    and names only checks of its module (among those it runs)?"""
    reference = data.REFERENCE.read_text(encoding="utf-8")
    mutant = planted.apply(reference)
    assert mutant != reference and planted.module == data.MODULE
    compile(mutant, f"{data.MODULE}.py", "exec")
    assert set(planted.fails) <= set(planted.only or data.POINTS) <= set(data.POINTS)


@pytest.mark.parametrize("data, planted", MUTATIONS, ids=[f"{name_of(d)}:{m.id}" for d, m in MUTATIONS])
def test_a_planted_bug_fails_exactly_its_checks_naming_the_mistake(data, planted, tmp_path, mnist_dir):
    """Does each planted bug fail exactly its listed checks (0 points each), with messages saying what was
    expected, what came back and a hint naming the mistake, and the symptoms that mistake shows?"""
    results = grade_mutant(tmp_path / planted.id, data.WEEK, planted, student_id=getattr(data, "STUDENT_ID", ""))
    assert list(results) == [i for i in data.POINTS if not planted.only or i in planted.only]
    assert_caught(planted, results, getattr(data, "GRADER_NAMES", ()))


def visible_tests(data: ModuleType) -> Path:
    return paths.SOLUTIONS / data.WEEK / f"test_{data.MODULE}.py"


def run_visible(folder: Path, data: ModuleType, source: str) -> subprocess.CompletedProcess:
    """The module's visible tests, run as a student runs them, in a folder with ``source`` as the module."""
    with_module(folder, data, source)
    shutil.copy(visible_tests(data), folder / visible_tests(data).name)
    env = {k: v for k, v in os.environ.items() if k != "NNGRADER_STUDENT_ID"}  # a student's shell has none
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", visible_tests(data).name],
                          cwd=folder, capture_output=True, text=True, env=env)


@pytest.mark.parametrize("data", [d for d in MODULES if visible_tests(d).exists()], ids=name_of)
def test_the_visible_tests_pass_on_the_reference_and_all_fail_on_the_stub(data, tmp_path, mnist_dir):
    """Do the visible tests students get pass on the reference, and all fail on the stub, saying what is not
    implemented yet?"""
    done = run_visible(tmp_path / "reference", data, data.REFERENCE.read_text(encoding="utf-8"))
    assert done.returncode == 0 and re.search(r"\d+ passed", done.stdout) and "failed" not in done.stdout, done.stdout
    done = run_visible(tmp_path / "stub", data, stub_of(data))
    assert done.returncode == 1 and " passed" not in done.stdout, done.stdout
    assert "is not implemented yet" in done.stdout
