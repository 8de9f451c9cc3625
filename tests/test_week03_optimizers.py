"""Tests for the hidden graders of Week 3's optimizers.py, run end to end through ``run_checks``.

Each submission is a temporary folder holding every Week 3 reference module,
with optimizers.py replaced by the case under test: the reference itself, the
generated stub, a correct submission written differently, or the reference
with one planted bug (a mistake students really make).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from mutants import Mutation, assert_caught, assert_no_grader_source, grade_mutant, reference_folder

from autograder import paths
from autograder.authoring.stubs import strip_solutions
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks

WEEK, MODULE = "week03", "optimizers"
REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


SGD_PATH = check("sgd_matches_reference_trajectory")
SGD_IN_PLACE = check("sgd_updates_parameters_in_place")
MOMENTUM_PATH = check("momentum_matches_reference_trajectory")
MOMENTUM_STATE = check("momentum_keeps_one_velocity_per_parameter")
IN_PLACE = check("momentum_and_adam_update_parameters_in_place")
ADAM_FIRST = check("adam_first_step_moves_each_coordinate_by_lr")
ADAM_COUNT = check("adam_counts_one_step_per_call")
ADAM_EPS = check("adam_adds_eps_after_the_square_root")
ADAM_PATH = check("adam_matches_reference_trajectory")
ADAM_STATE = check("adam_keeps_moments_per_parameter")
MOMENTUM_ROSENBROCK = check("momentum_converges_on_rosenbrock")
ADAM_ROSENBROCK = check("adam_converges_on_rosenbrock")
STEP_DECAY = check("step_decay_matches_reference")
EXPONENTIAL_DECAY = check("exponential_decay_matches_reference")
INVERSE_TIME_DECAY = check("inverse_time_decay_matches_reference")

#: The module's checks in the graders' order, with their points.
POINTS = {SGD_PATH: 1, SGD_IN_PLACE: 1, MOMENTUM_PATH: 2, MOMENTUM_STATE: 1, IN_PLACE: 1, ADAM_FIRST: 2,
          ADAM_COUNT: 1, ADAM_EPS: 1, ADAM_PATH: 2, ADAM_STATE: 1, MOMENTUM_ROSENBROCK: 1, ADAM_ROSENBROCK: 1,
          STEP_DECAY: 1, EXPONENTIAL_DECAY: 1, INVERSE_TIME_DECAY: 1}

#: Helper names of the graders that must never reach a student.
GRADER_NAMES = ("check_trajectory", "expect_path", "call_step", "Quadratic", "TRAJECTORY_TOL", "test_optimizers")


def grade(folder) -> dict:
    return {result.id: result for result in run_checks(WEEK, folder, modules=(MODULE,))}


def assert_full_marks(results: dict) -> None:
    assert list(results) == list(POINTS)
    failed = {check_id: result.message for check_id, result in results.items() if not result.passed}
    assert not failed, failed
    assert sum(result.points for result in results.values()) == sum(POINTS.values()) == 18


# ---------------------------------------------------------------- the module's checks


def test_module_has_exactly_these_checks_and_points():
    """Does collect_checks list the 15 optimizers checks in this order, worth 18 points, none of them a bonus?"""
    specs = [spec for spec in collect_checks(WEEK) if spec.module == MODULE]
    assert {spec.id: spec.points for spec in specs} == POINTS
    assert [spec.id for spec in specs] == list(POINTS)
    assert not any(spec.bonus for spec in specs)


# ---------------------------------------------------------------- meta: reference, correct student, stub


def test_reference_scores_full_marks(tmp_path):
    """Does the reference optimizers.py, graded as a submission, get all 18 points?"""
    assert_full_marks(grade(reference_folder(tmp_path / "reference", WEEK)))


def test_correct_student_scores_full_marks(tmp_path):
    """Does the sample correct submission (np.subtract(out=), dict.get state, math.pow, math.exp) get all 18 points?"""
    folder = reference_folder(tmp_path / "student", WEEK)
    shutil.copy(paths.EXAMPLES / "correct_student" / f"{MODULE}.py", folder / f"{MODULE}.py")
    assert_full_marks(grade(folder))


@pytest.fixture(scope="module")
def stub_results(tmp_path_factory) -> dict:
    folder = reference_folder(tmp_path_factory.mktemp("stub"), WEEK)
    stub = strip_solutions(REFERENCE.read_text(encoding="utf-8"), f"{MODULE}.py")
    (folder / f"{MODULE}.py").write_text(stub, encoding="utf-8")
    return grade(folder)


def test_stub_scores_zero_on_every_check_saying_not_implemented(stub_results):
    """Does the generated stub get 0 on every check, each reached (none 'not run'), each saying what is not
    implemented yet and pointing at the TODO?"""
    assert list(stub_results) == list(POINTS)
    for check_id, result in stub_results.items():
        assert not result.passed and result.points == 0, check_id
        assert not result.message.startswith("not run"), result.message
        assert re.search(r"your code raised NotImplementedError: \S+ is not implemented yet", result.message), (
            check_id, result.message)
        assert "hint:     complete that TODO" in result.message
    assert_no_grader_source(stub_results.values())


def test_stub_messages_name_the_first_unfinished_function(stub_results):
    """Does each stub message name the function the check reaches first (SGD.step, Momentum.step, Adam.step, ...)?"""
    first = {SGD_PATH: "SGD.step", SGD_IN_PLACE: "SGD.step", MOMENTUM_PATH: "Momentum.step",
             MOMENTUM_STATE: "Momentum.step", IN_PLACE: "Momentum.step", MOMENTUM_ROSENBROCK: "Momentum.step",
             STEP_DECAY: "step_decay", EXPONENTIAL_DECAY: "exponential_decay",
             INVERSE_TIME_DECAY: "inverse_time_decay"}
    for check_id, result in stub_results.items():
        assert f"{first.get(check_id, 'Adam.step')} is not implemented yet" in result.message, result.message


# ---------------------------------------------------------------- visible tests


def run_visible(folder, source) -> subprocess.CompletedProcess:
    shutil.copy(paths.SOLUTIONS / WEEK / f"test_{MODULE}.py", folder / f"test_{MODULE}.py")
    (folder / f"{MODULE}.py").write_text(source, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"test_{MODULE}.py"],
                          cwd=folder, capture_output=True, text=True)


def test_visible_tests_pass_on_the_reference_and_fail_on_the_stub(tmp_path):
    """Do the visible tests (test_optimizers.py) pass on the reference and all fail on the stub?"""
    source = REFERENCE.read_text(encoding="utf-8")
    (tmp_path / "ref").mkdir()
    done = run_visible(tmp_path / "ref", source)
    assert done.returncode == 0 and "5 passed" in done.stdout, done.stdout
    (tmp_path / "stub").mkdir()
    done = run_visible(tmp_path / "stub", strip_solutions(source, f"{MODULE}.py"))
    assert "5 failed" in done.stdout and "is not implemented yet" in done.stdout, done.stdout


# ---------------------------------------------------------------- planted bugs

SGD_LINE = "            params[name] -= self.learning_rate * grads[name]\n"
ADAM_T = "        self.t += 1\n        for name in params:\n"
ADAM_UPDATE = "params[name] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)"
NAN = ("NaN or inf",)

MUTATIONS = [
    Mutation("momentum-sign-flipped", MODULE, (
        ("velocity -= self.learning_rate * grads[name]", "velocity += self.learning_rate * grads[name]"),), {
        MOMENTUM_PATH: ("v = momentum * v - learning_rate * g (minus: the velocity points downhill)",),
        MOMENTUM_STATE: ("(minus: the velocity points downhill)",),
        MOMENTUM_ROSENBROCK: ("the optimizer diverged", "a flipped sign")}),
    Mutation("momentum-one-velocity-for-all-parameters", MODULE, (
        ("if name not in self.velocity:\n                self.velocity[name] =",
         'if not self.velocity:\n                self.velocity["all"] ='),
        ("velocity = self.velocity[name]", 'velocity = self.velocity["all"]')), {
        MOMENTUM_PATH: ("ValueError", "at optimizers.py, line", "one state array per parameter name"),
        MOMENTUM_STATE: ("each parameter needs its own velocity", "a velocity shared by 'a' and 'b'")}),
    Mutation("adam-without-bias-correction", MODULE, (
        ("m_hat = m / (1 - self.beta1**self.t)", "m_hat = m"), ("v_hat = v / (1 - self.beta2**self.t)", "v_hat = v")), {
        ADAM_FIRST: ("moves from 3.162 to 3.162 times lr", "bias correction", "3.16 times lr"),
        ADAM_COUNT: ("3.162", "both bias corrections"),
        ADAM_EPS: ("fix the bias correction first",),
        ADAM_PATH: ("m_hat = m / (1 - beta1**t)", "v_hat = v / (1 - beta2**t)"),
        ADAM_STATE: ("m_hat = m / (1 - beta1**t)",)}),
    Mutation("adam-t-never-incremented", MODULE, ((ADAM_T, "        for name in params:\n"),), {
        ADAM_FIRST: (*NAN, "t must be 1 during the first call", "1 - beta1**0 = 0"),
        ADAM_COUNT: (*NAN, "t must be 1 during the first call"),
        ADAM_EPS: (*NAN, "add 1 to t before the bias correction"),
        ADAM_PATH: (*NAN, "add 1 to t before the bias correction"),
        ADAM_STATE: (*NAN, "add 1 to t before the bias correction"),
        ADAM_ROSENBROCK: ("NaN or inf at step 1: the optimizer diverged",)}),
    Mutation("adam-t-counted-per-parameter", MODULE, (
        (ADAM_T, "        for name in params:\n            self.t += 1\n"),), {
        ADAM_COUNT: ("parameter 'b'", "0.7441", "once per call, before the loop over the parameters"),
        ADAM_PATH: ("with t the number of this call",),
        ADAM_STATE: ("it grows once per call, not once per parameter",)}),
    Mutation("adam-eps-inside-the-square-root", MODULE, (
        ("(np.sqrt(v_hat) + self.eps)", "np.sqrt(v_hat + self.eps)"),), {
        ADAM_EPS: ("add eps outside it", "np.sqrt(v_hat + eps) is a different optimizer"),
        ADAM_PATH: ("(np.sqrt(v_hat) + eps)",),
        ADAM_STATE: ("(np.sqrt(v_hat) + eps)",)}),
    Mutation("adam-square-root-missing", MODULE, (("(np.sqrt(v_hat) + self.eps)", "(v_hat + self.eps)"),), {
        ADAM_FIRST: ("moves from 0.3333 to 2 times lr", "take the square root of v_hat"),
        ADAM_COUNT: ("take the square root of v_hat",),
        ADAM_EPS: ("take the square root of v_hat",),
        ADAM_PATH: ("np.sqrt(v_hat)",),
        ADAM_STATE: ("np.sqrt(v_hat)",),
        ADAM_ROSENBROCK: ("within 0.01 of the minimum (1, 1)",)}),
    Mutation("adam-rebinds-the-dict-entry", MODULE, (
        (ADAM_UPDATE, "params[name] = params[name] - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)"),), {
        IN_PLACE: ("after Adam(learning_rate=0.1).step", "a new array object",
                   "not params[name] = params[name] - ...")}),
    Mutation("sgd-updates-a-local-variable", MODULE, (
        (SGD_LINE, "            p = params[name]\n            p = p - self.learning_rate * grads[name]\n"),), {
        SGD_PATH: ("p -= learning_rate * g",),
        SGD_IN_PLACE: ("the same values as before the call", "p = p - lr * g only rebinds the local name p")}),
    Mutation("sgd-rebinds-the-dict-entry", MODULE, (
        (SGD_LINE, "            params[name] = params[name] - self.learning_rate * grads[name]\n"),), {
        SGD_IN_PLACE: ("a new array object", "model's self.W1", "not params[name] = params[name] - ...")}),
    Mutation("step-decay-without-floor", MODULE, (
        ("drop ** (epoch // every)\n    ###", "drop ** (epoch / every)\n    ###"),),
             {STEP_DECAY: ("drop ** (epoch // every)", "integer division", "epoch / every would lower it")}),
    Mutation("exponential-decay-positive-exponent", MODULE, (("np.exp(-rate * epoch)", "np.exp(rate * epoch)"),),
             {EXPONENTIAL_DECAY: ("exp(-rate * epoch)", "the exponent is negative")}),
    Mutation("inverse-time-decay-without-brackets", MODULE, (
        ("initial_lr / (1 + rate * epoch)\n    ###", "initial_lr / 1 + rate * epoch\n    ###"),),
             {INVERSE_TIME_DECAY: ("divide by the whole denominator", "with brackets")}),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[mutation.id for mutation in MUTATIONS])
def test_planted_bug_is_caught_by_a_message_naming_the_mistake(mutation, tmp_path):
    """Does this planted bug fail exactly its checks, each message saying expected/got/hint and naming the mistake,
    without quoting the graders' code?"""
    results = grade_mutant(tmp_path / mutation.id, WEEK, mutation)
    assert_caught(mutation, results)
    leaked = {r.id: name for r in results.values() for name in GRADER_NAMES if name in r.message}
    assert not leaked, leaked
