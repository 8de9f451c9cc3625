"""Tests for the hidden graders of Week 3's backpropagation exercise (backprop.py).

Every grading run is real (``run_checks`` in a limited process) and selects
the checks of backprop.py only; one run takes about a second.
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

WEEK, MODULE = "week03", "backprop"
REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"
VISIBLE_TESTS = paths.SOLUTIONS / WEEK / f"test_{MODULE}.py"
CORRECT_STUDENT = paths.EXAMPLES / "correct_student" / f"{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


DENSE_SHAPES = check("dense_backward_shapes")
DENSE_DX = check("dense_backward_dX_matches_numerical_gradient")
DENSE_DW = check("dense_backward_dW_matches_numerical_gradient")
DENSE_DB = check("dense_backward_db_matches_numerical_gradient")
RELU = check("relu_backward_matches_numerical_gradient")
SIGMOID = check("sigmoid_backward_matches_numerical_gradient")
MSE_VALUE = check("mse_loss_value")
MSE_GRAD = check("mse_loss_gradient_matches_numerical_gradient")
CE_VALUE = check("softmax_cross_entropy_value")
CE_GRAD = check("softmax_cross_entropy_gradient_matches_numerical_gradient")
CE_HUGE = check("softmax_cross_entropy_finite_for_huge_logits")
GC_MATCH = check("gradient_check_matches_numerical_gradient")
GC_RESTORE = check("gradient_check_restores_x")
GC_CENTRED = check("gradient_check_is_centred")
REL_ERROR = check("relative_error_on_crafted_values")

#: Every check of backprop.py, in the graders' order, with its points.
POINTS = {DENSE_SHAPES: 1, DENSE_DX: 1, DENSE_DW: 1, DENSE_DB: 1, RELU: 2, SIGMOID: 2, MSE_VALUE: 1,
          MSE_GRAD: 1, CE_VALUE: 1, CE_GRAD: 2, CE_HUGE: 1, GC_MATCH: 1, GC_RESTORE: 1, GC_CENTRED: 1,
          REL_ERROR: 1}

#: The function each check reaches first: the one a stub's message must name.
FIRST_FUNCTION = {
    **dict.fromkeys((DENSE_SHAPES, DENSE_DX, DENSE_DW, DENSE_DB), "dense_backward"),
    RELU: "relu_backward", SIGMOID: "sigmoid_backward", MSE_VALUE: "mse_loss", MSE_GRAD: "mse_loss",
    **dict.fromkeys((CE_VALUE, CE_GRAD, CE_HUGE), "softmax_cross_entropy"),
    **dict.fromkeys((GC_MATCH, GC_RESTORE, GC_CENTRED), "gradient_check"), REL_ERROR: "relative_error",
}


def grade(folder: Path) -> dict:
    return {result.id: result for result in run_checks(WEEK, folder, modules=(MODULE,))}


def test_backprop_has_exactly_the_checks_this_file_knows():
    """Does collect_checks list exactly these 15 backprop checks, in this order, worth 18 points?"""
    specs = [spec for spec in collect_checks(WEEK) if spec.module == MODULE]
    assert {spec.id: spec.points for spec in specs} == POINTS
    assert [spec.id for spec in specs] == list(POINTS)
    assert sum(POINTS.values()) == 18


def test_reference_scores_full_marks(tmp_path):
    """Does the reference, graded as a submission, pass every backprop check?"""
    results = grade(reference_folder(tmp_path / "reference", WEEK))
    assert list(results) == list(POINTS)
    assert {check_id: r.message for check_id, r in results.items() if not r.passed} == {}
    assert sum(r.points for r in results.values()) == sum(POINTS.values())


def test_correct_student_scores_full_marks(tmp_path):
    """Does the sample correct submission (written differently from the reference) get every point?"""
    folder = reference_folder(tmp_path / "student", WEEK)
    shutil.copy(CORRECT_STUDENT, folder / f"{MODULE}.py")
    results = grade(folder)
    assert {check_id: r.message for check_id, r in results.items() if not r.passed} == {}
    assert sum(r.points for r in results.values()) == sum(POINTS.values())


def test_stub_scores_zero_with_not_implemented_messages(tmp_path):
    """Does the generated stub score 0 on every check, from a complete run, each message naming the TODO it hit?"""
    folder = reference_folder(tmp_path / "stub", WEEK)
    (folder / f"{MODULE}.py").write_text(strip_solutions(REFERENCE.read_text(encoding="utf-8"), f"{MODULE}.py"),
                                         encoding="utf-8")
    results = grade(folder)
    assert list(results) == list(POINTS)
    for check_id, result in results.items():
        assert not result.passed and result.points == 0, check_id
        assert f"{FIRST_FUNCTION[check_id]} is not implemented yet" in result.message, (check_id, result.message)
        assert "hint:     complete that TODO" in result.message, (check_id, result.message)
    assert_no_grader_source(results.values())


def run_visible_tests(folder: Path, module_source: str) -> subprocess.CompletedProcess:
    folder.mkdir()
    (folder / f"{MODULE}.py").write_text(module_source, encoding="utf-8")
    shutil.copy(VISIBLE_TESTS, folder / VISIBLE_TESTS.name)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", VISIBLE_TESTS.name],
                          cwd=folder, capture_output=True, text=True)


def test_visible_tests_pass_on_the_reference_and_fail_on_the_stub(tmp_path):
    """Do the visible tests all pass on the reference, and all fail on the stub saying 'not implemented yet'?"""
    source = REFERENCE.read_text(encoding="utf-8")
    done = run_visible_tests(tmp_path / "reference", source)
    assert done.returncode == 0 and " passed" in done.stdout and "failed" not in done.stdout, done.stdout
    done = run_visible_tests(tmp_path / "stub", strip_solutions(source, f"{MODULE}.py"))
    assert done.returncode == 1 and " passed" not in done.stdout, done.stdout
    assert "is not implemented yet" in done.stdout


# ---------------------------------------------------------------- planted bugs

MUTATIONS = [
    Mutation("db-mean-over-batch", MODULE, (("db = np.sum(dZ, axis=0", "db = np.mean(dZ, axis=0"),), {
        DENSE_DB: ("summed over the batch", "not its mean")}),
    Mutation("db-first-row-only", MODULE, (("db = np.sum(dZ, axis=0, keepdims=True)", "db = dZ[0]"),), {
        DENSE_SHAPES: ("shape (1, 5)", "got:      shape (5,)", "keepdims=True"),
        DENSE_DB: ("got:      shape (4,)", "summed over the batch")}),
    Mutation("dW-transposed", MODULE, (("dW = X.T @ dZ", "dW = dZ.T @ X"),), {
        DENSE_SHAPES: ("shape (3, 5)", "got:      shape (5, 3)"),
        DENSE_DW: ("N, D, H = 5, 4, 4", "dW = X.T @ dZ", "dZ.T @ X is its transpose")}),
    Mutation("layer-averages-over-batch", MODULE, (
        ("dX = dZ @ W.T", "dX = dZ @ W.T / len(X)"), ("dW = X.T @ dZ", "dW = X.T @ dZ / len(X)"),
        ("db = np.sum(dZ, axis=0", "db = np.mean(dZ, axis=0")), {
        DENSE_DX: ("no division by N in a layer",), DENSE_DW: ("no division by N: the loss already did it",),
        DENSE_DB: ("not its mean (the loss already divides by N)",)}),
    Mutation("relu-mask-missing", MODULE, (("dZ = dA * (Z > 0)", "dZ = dA.copy()"),), {
        RELU: ("where Z <= 0 the gradient is 0",)}),
    Mutation("relu-mask-from-dA", MODULE, (("dZ = dA * (Z > 0)", "dZ = dA * (dA > 0)"),), {
        RELU: ("the mask comes from the ReLU's input Z (not from dA)",)}),
    Mutation("sigmoid-slope-from-Z", MODULE, (("    s = sigmoid(Z)\n    dZ", "    s = Z\n    dZ"),), {
        SIGMOID: ("s = sigmoid(Z), the sigmoid's output: not Z * (1 - Z)",)}),
    Mutation("mse-loss-summed", MODULE, (("np.mean(diff ** 2)", "np.sum(diff ** 2)"),), {
        MSE_VALUE: ("over ALL elements", "not a sum")}),
    Mutation("mse-loss-mean-over-batch-only", MODULE,
             (("np.mean(diff ** 2)", "np.mean(np.sum(diff ** 2, axis=1))"),), {
        MSE_VALUE: ("shape (5, 3)", "not a sum over the outputs averaged over the batch")}),
    Mutation("mse-gradient-missing-2", MODULE, (("dpred = 2.0 * diff / diff.size", "dpred = diff / diff.size"),), {
        MSE_GRAD: ("the factor 2 comes from the square",)}),
    Mutation("mse-gradient-not-divided", MODULE, (("dpred = 2.0 * diff / diff.size", "dpred = 2.0 * diff"),), {
        MSE_GRAD: ("the division from the mean over all elements",)},
        symptoms={MSE_GRAD: {"scaled_by": 15.0, "batch_size": 15}}),  # pred (5, 3): the mean divides by 15
    Mutation("ce-loss-summed", MODULE, (("-np.mean(log_probs[rows, y])", "-np.sum(log_probs[rows, y])"),), {
        CE_VALUE: ("then the mean over the batch, not the sum",)}),
    Mutation("ce-gradient-not-divided-by-N", MODULE, (("    dlogits /= n\n", ""),), {
        CE_GRAD: ("divide by the batch size N",)}, symptoms={CE_GRAD: {"scaled_by": 6.0, "batch_size": 6}}),
    Mutation("ce-without-max-shift", MODULE,
             (("shifted = logits - np.max(logits, axis=1, keepdims=True)", "shifted = logits"),), {
        CE_HUGE: ("RuntimeWarning", "overflow", "subtract each row's max logit")},
        symptoms={CE_HUGE: {"overflow": True}}),
    Mutation("ce-log-of-softmax", MODULE, (
        ("log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))",
         "log_probs = np.log(np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True))"),), {
        CE_HUGE: ("RuntimeWarning", "divide by zero encountered in log", "log-sum-exp", "log(0) = -inf")}),
    Mutation("gradient-check-one-sided", MODULE, (
        ("        x[index] = old - h\n        f_minus = f()\n", "        x[index] = old\n        f_minus = f()\n"),
        ("(f_plus - f_minus) / (2.0 * h)", "(f_plus - f_minus) / h")), {
        GC_CENTRED: ("against the exact 3 x^2", "one-sided", "centered")}),
    Mutation("gradient-check-leaves-x-changed", MODULE, (("        x[index] = old\n", ""),), {
        GC_RESTORE: ("exactly the values it had before the call", "changed entries", "x[i] = old")}),
    Mutation("gradient-check-ignores-h", MODULE, (
        ("    grad = np.zeros(x.shape, dtype=np.float64)\n",
         "    grad = np.zeros(x.shape, dtype=np.float64)\n    h = 1e-5\n"),), {
        GC_CENTRED: ("same h", "use the step h you are given")}),
    Mutation("gradient-check-perturbs-a-copy", MODULE, (
        ("    grad = np.zeros(x.shape, dtype=np.float64)\n",
         "    grad = np.zeros(x.shape, dtype=np.float64)\n    x = x.copy()\n"),), {
        GC_MATCH: ("f reads x, so a copy changes nothing",), GC_CENTRED: ("exact 3 x^2",)}),
    Mutation("relative-error-ratio-of-maxima", MODULE, (
        ("np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))",
         "np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b)))"),), {
        REL_ERROR: ("a = [1, 100], b = [2, 101]", "the ratio of two maxima is 1/201")}),
    Mutation("relative-error-without-floor", MODULE,
             (("np.maximum(1e-8, np.abs(a) + np.abs(b))", "(np.abs(a) + np.abs(b))"),), {
        REL_ERROR: ("two zero arrays", "got:      nan", "never 0 / 0")}),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_planted_bug_is_caught_by_a_message_naming_it(mutation, tmp_path):
    """Does this planted bug fail exactly its checks, each message naming the mistake, and lose marks?"""
    assert set(mutation.fails) <= set(POINTS)
    assert_caught(mutation, grade_mutant(tmp_path / mutation.id, WEEK, mutation))


def test_dX_without_W_transposed_names_the_wrong_values_and_the_crashing_line(tmp_path):
    """Does dX = dZ @ W (W not transposed) fail every dense check: with wrong values where D == H, and elsewhere
    with the student's own ValueError and line, since the product cannot even be formed?"""
    mutation = Mutation("dX-without-W-transposed", MODULE, (("dX = dZ @ W.T", "dX = dZ @ W"),), {})
    results = grade_mutant(tmp_path / mutation.id, WEEK, mutation)
    failed = {check_id for check_id, result in results.items() if not result.passed}
    assert failed == {DENSE_SHAPES, DENSE_DX, DENSE_DW, DENSE_DB}
    assert "N, D, H = 5, 4, 4" in results[DENSE_DX].message and "W transposed" in results[DENSE_DX].message
    for check_id in (DENSE_SHAPES, DENSE_DW, DENSE_DB):
        message = results[check_id].message
        assert message.startswith("your code raised ValueError: matmul"), message
        assert "in dense_backward: dX = dZ @ W\n" in message, message
    assert_no_grader_source(results.values())
