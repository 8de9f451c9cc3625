"""The kit's tests for the Week 3 perceptron exercise (perceptron.py).

Every grading run is real (``run_checks`` in a limited process, about 2 s each)
and selects the perceptron's checks only, so no MNIST is needed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mutants import Mutation, assert_caught, assert_no_grader_source, grade_mutant, reference_folder

from autograder import paths
from autograder.authoring.stubs import strip_solutions
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks

WEEK, MODULE = "week03", "perceptron"
REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"
VISIBLE_TESTS = paths.SOLUTIONS / WEEK / f"test_{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


STEP_VALUES = check("step_zero_counts_as_one")
STEP_DTYPE = check("step_returns_integers_of_the_input_shape")
INIT = check("init_starts_from_zero")
PREDICT = check("predict_thresholds_the_score")
UPDATE_RULE = check("update_applies_the_perceptron_rule")
UPDATE_CORRECT = check("update_leaves_a_correct_example_alone")
LEARNS_AND = check("fit_learns_and")
LEARNS_OR = check("fit_learns_or")
LEARNS_NAND = check("fit_learns_nand")
XOR = check("fit_reports_that_xor_does_not_converge")
STOPS_EARLY = check("fit_stops_after_the_first_clean_epoch")

#: The module's checks in the graders' order, with the unimplemented function each reaches first in the stub.
FIRST_TODO = {
    STEP_VALUES: "step", STEP_DTYPE: "step", INIT: "Perceptron.__init__", PREDICT: "Perceptron.predict",
    UPDATE_RULE: "Perceptron.update", UPDATE_CORRECT: "Perceptron.update", LEARNS_AND: "Perceptron.fit",
    LEARNS_OR: "Perceptron.fit", LEARNS_NAND: "Perceptron.fit", XOR: "Perceptron.fit", STOPS_EARLY: "Perceptron.fit",
}

UPDATE_LINE = "error = int(y - self.predict(x[np.newaxis, :])[0])"
COUNT_LINE = "mistakes += int(self.update(x_i, y_i) != 0)"

MUTATIONS = [
    Mutation("error-from-raw-score", MODULE, ((UPDATE_LINE, "error = y - (x @ self.w + self.b)"),), {
        UPDATE_RULE: ("got:      2.125", "raw score x @ w + b", "0/1 prediction"),
        UPDATE_CORRECT: ("got:      0.5", "already classifies this example right", "not y minus the raw score")}),
    Mutation("bias-never-updated", MODULE, (("        self.b = self.b + self.learning_rate * error\n", ""),), {
        UPDATE_RULE: ("b after one update", "b did not move", "b += learning_rate * error")}),
    Mutation("update-sign-flipped", MODULE, (("self.w = self.w + self", "self.w = self.w - self"),
                                             ("self.b = self.b + self", "self.b = self.b - self")), {
        UPDATE_RULE: ("w after one update", "wrong way (the sign is flipped)", "w += learning_rate * error * x")}),
    Mutation("learning-rate-ignored", MODULE, (("self.w + self.learning_rate * error * x", "self.w + error * x"),
                                               ("self.b + self.learning_rate * error", "self.b + error")), {
        UPDATE_RULE: ("w after one update with learning_rate=0.5", "ignores the learning rate",
                      "multiply by self.learning_rate")}),
    Mutation("step-uses-strictly-greater", MODULE, (("np.asarray(z) >= 0", "np.asarray(z) > 0"),), {
        STEP_VALUES: ("expected: [0, 0, 1, 1, 1]", "[0, 0, 0, 1, 1]", "exactly 0 counts as class 1",
                      "z >= 0, not z > 0")}),
    Mutation("step-returns-booleans", MODULE, (("(np.asarray(z) >= 0).astype(int)", "np.asarray(z) >= 0"),), {
        STEP_DTYPE: ("integer dtype", "got:      dtype bool", ".astype(int)")}),
    Mutation("fit-never-stops-early", MODULE, (("            if mistakes == 0:\n                return True\n", ""),
                                               ("        return False\n", "        return self.errors_[-1] == 0\n")),
             {STOPS_EARLY: (" epochs)", ", 0, 0, 0, 0]", "kept going after epoch ", "which had no mistakes")}),
    Mutation("fit-reports-converged-on-xor", MODULE, (("        return False\n", "        return True\n"),), {
        XOR: ("False (did not converge)", "got:      True", "no straight line", "never converges",
              "False once all the epochs are used up")}),
    Mutation("mistakes-summed-so-errors-cancel", MODULE, ((COUNT_LINE, "mistakes += self.update(x_i, y_i)"),), {
        **dict.fromkeys((LEARNS_AND, LEARNS_OR, LEARNS_NAND), ("predictions on the four rows", "+1 and -1 cancel")),
        XOR: ("got:      True", "errors_ = [", "0]", "no straight line", "+1 and -1 cancel"),
        STOPS_EARLY: ("got:      [", "-1 is a mistake too")}),
]


def test_module_has_exactly_the_checks_this_file_knows():
    """Does collect_checks list exactly the perceptron checks these tests name, in order, 13 points in all?"""
    specs = [spec for spec in collect_checks(WEEK) if spec.module == MODULE]
    assert [spec.id for spec in specs] == list(FIRST_TODO)
    assert sum(spec.points for spec in specs) == 13 and all(spec.points > 0 for spec in specs)


def test_reference_scores_full_marks(tmp_path):
    """Does the reference perceptron.py, graded as a submission, get every point of every perceptron check?"""
    results = run_checks(WEEK, reference_folder(tmp_path / "reference", WEEK), modules=(MODULE,))
    assert [r.id for r in results] == list(FIRST_TODO)
    assert {r.id: r.message for r in results if not r.passed} == {}
    assert all(r.points == r.max_points > 0 for r in results)


def test_correct_student_scores_full_marks(tmp_path):
    """Does the sample correct submission (written unlike the reference) get every point?"""
    folder = reference_folder(tmp_path / "student", WEEK)
    shutil.copy(paths.EXAMPLES / "correct_student" / f"{MODULE}.py", folder / f"{MODULE}.py")
    results = run_checks(WEEK, folder, modules=(MODULE,))
    assert {r.id: r.message for r in results if not r.passed} == {}
    assert sum(r.points for r in results) == sum(r.max_points for r in results) == 13


def stub_folder(folder: Path) -> Path:
    reference_folder(folder, WEEK)
    (folder / f"{MODULE}.py").write_text(strip_solutions(REFERENCE.read_text(encoding="utf-8"), f"{MODULE}.py"),
                                         encoding="utf-8")
    return folder


def test_stub_scores_zero_and_names_the_unimplemented_function(tmp_path):
    """Does the generated stub get 0 on every check, from a complete run, each message naming the first TODO it hits?"""
    results = run_checks(WEEK, stub_folder(tmp_path / "stub"), modules=(MODULE,))
    assert [r.id for r in results] == list(FIRST_TODO)
    for result in results:
        assert not result.passed and result.points == 0, result.id
        assert not result.message.startswith("not run"), result.message
        assert f"{FIRST_TODO[result.id]} is not implemented yet" in result.message, (result.id, result.message)
        assert "hint:     complete that TODO" in result.message, result.message
    assert_no_grader_source(results)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_planted_bug_is_caught_and_named(mutation, tmp_path):
    """Does this planted bug fail exactly its checks, each message naming the mistake (expected, got, hint)?"""
    assert_caught(mutation, grade_mutant(tmp_path / mutation.id, WEEK, mutation))


def run_visible_tests(folder: Path) -> subprocess.CompletedProcess:
    shutil.copy(VISIBLE_TESTS, folder / VISIBLE_TESTS.name)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", VISIBLE_TESTS.name],
                          cwd=folder, capture_output=True, text=True)


def test_visible_tests_pass_on_the_reference(tmp_path):
    """Do the visible tests of perceptron.py pass on the reference?"""
    done = run_visible_tests(reference_folder(tmp_path / "reference", WEEK))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


def test_visible_tests_fail_on_the_stub_saying_not_implemented(tmp_path):
    """Does every visible test fail on the stub, with a 'not implemented yet' that names a function?"""
    done = run_visible_tests(stub_folder(tmp_path / "stub"))
    assert "4 failed" in done.stdout and " passed" not in done.stdout, done.stdout
    for function in ("step", "Perceptron.__init__"):
        assert f"{function} is not implemented yet" in done.stdout, done.stdout
