"""Tests for the hidden graders of Week 3's ``activations.py``, run end to end through ``run_checks``.

Each submission is a temporary folder holding every Week 3 reference module,
with activations.py replaced by the generated stub, a sample student's file,
or the reference with one planted bug (a mistake students really make). Every
run is a real limited grading process restricted to the activations checks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from mutants import Mutation, assert_caught, assert_no_grader_source, edit, grade_mutant, reference_folder

from autograder import paths
from autograder.authoring.stubs import strip_solutions
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks

WEEK, MODULE = "week03", "activations"
REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"
VISIBLE_TESTS = paths.SOLUTIONS / WEEK / f"test_{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


SIGMOID = check("sigmoid_matches_reference")
SIGMOID_STABLE = check("sigmoid_no_overflow_at_plus_minus_1000")
SIGMOID_DERIVATIVE = check("sigmoid_derivative_matches_numerical_derivative")
TANH = check("tanh_matches_reference")
TANH_DERIVATIVE = check("tanh_derivative_matches_numerical_derivative")
RELU = check("relu_matches_reference")
RELU_DERIVATIVE = check("relu_derivative_matches_numerical_derivative")
LEAKY = check("leaky_relu_matches_reference")
LEAKY_DERIVATIVE = check("leaky_relu_derivative_matches_numerical_derivative")
AT_ZERO = check("relu_derivatives_at_zero_follow_the_convention")
SOFTMAX = check("softmax_matches_reference_for_1d_and_2d")
SOFTMAX_ROWS = check("softmax_rows_sum_to_one")
SOFTMAX_STABLE = check("softmax_no_overflow_at_plus_minus_1000")
SOFTMAX_BACKWARD = check("softmax_backward_matches_numerical_gradient")
DTYPES = check("every_function_keeps_shape_and_dtype")

#: Every check of the module with its points, in the graders' order.
POINTS = {SIGMOID: 1, SIGMOID_STABLE: 1, SIGMOID_DERIVATIVE: 1, TANH: 1, TANH_DERIVATIVE: 1, RELU: 1,
          RELU_DERIVATIVE: 1, LEAKY: 1, LEAKY_DERIVATIVE: 1, AT_ZERO: 1, SOFTMAX: 1, SOFTMAX_ROWS: 1,
          SOFTMAX_STABLE: 1, SOFTMAX_BACKWARD: 2, DTYPES: 1}

#: The stub's checks and the unimplemented function each one reaches first.
STUB_FIRST_TODO = {
    SIGMOID: "sigmoid", SIGMOID_STABLE: "sigmoid", SIGMOID_DERIVATIVE: "sigmoid_derivative", TANH: "tanh",
    TANH_DERIVATIVE: "tanh_derivative", RELU: "relu", RELU_DERIVATIVE: "relu_derivative", LEAKY: "leaky_relu",
    LEAKY_DERIVATIVE: "leaky_relu_derivative", AT_ZERO: "relu_derivative", SOFTMAX: "softmax",
    SOFTMAX_ROWS: "softmax", SOFTMAX_STABLE: "softmax", SOFTMAX_BACKWARD: "softmax_backward", DTYPES: "sigmoid",
}


def grade(folder) -> dict:
    return {result.id: result for result in run_checks(WEEK, folder, modules=(MODULE,))}


def test_the_checks_are_the_ones_listed_here():
    """Does the module have exactly these checks, in this order, worth 16 points, none of them a bonus?"""
    specs = [spec for spec in collect_checks(WEEK) if spec.module == MODULE]
    assert {spec.id: spec.points for spec in specs} == POINTS
    assert [spec.id for spec in specs] == list(POINTS)
    assert sum(POINTS.values()) == 16 and not any(spec.bonus for spec in specs)


def test_reference_scores_full_marks(tmp_path):
    """Does the reference pass every check of activations?"""
    results = grade(reference_folder(tmp_path / "reference", WEEK))
    assert list(results) == list(POINTS)
    assert {i: r.message for i, r in results.items() if not r.passed} == {}


def test_correct_student_scores_full_marks(tmp_path):
    """Does the sample correct submission (written differently from the reference) pass every check?"""
    folder = reference_folder(tmp_path / "correct", WEEK)
    shutil.copy(paths.EXAMPLES / "correct_student" / f"{MODULE}.py", folder / f"{MODULE}.py")
    results = grade(folder)
    assert {i: r.message for i, r in results.items() if not r.passed} == {}


def test_stub_scores_zero_saying_which_function_is_not_implemented(tmp_path):
    """Does the generated stub score 0 on every check, one result each, each message naming the unfinished
    function and saying it is not implemented yet, without quoting grader source?"""
    folder = reference_folder(tmp_path / "stub", WEEK)
    (folder / f"{MODULE}.py").write_text(strip_solutions(REFERENCE.read_text(encoding="utf-8"), f"{MODULE}.py"),
                                         encoding="utf-8")
    results = grade(folder)
    assert list(results) == list(POINTS)
    for check_id, result in results.items():
        assert not result.passed and result.points == 0, check_id
        expected = f"{STUB_FIRST_TODO[check_id]} is not implemented yet"
        assert expected in result.message, (check_id, result.message)
        assert "complete that TODO" in result.message
    assert_no_grader_source(results.values())


def mutation(name: str, old: str, new: str, fails: dict[str, tuple[str, ...]],
             symptoms: dict[str, dict] | None = None) -> Mutation:
    """A planted bug made of one text edit of the reference."""
    return Mutation(name, MODULE, ((old, new),), fails, symptoms or {})


SIGMOID_TWO_LINES = "e = np.exp(-np.abs(z))\n    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))"
BACKWARD_LINE = "dz = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))"

MUTATIONS = [
    mutation("sigmoid-derivative-uses-z-for-sigmoid", "ds = s * (1 - s)", "ds = s * (1 - z)", {
        SIGMOID_DERIVATIVE: ("sigmoid_derivative(z) against a numerical derivative", "use s, not z")}),
    mutation("tanh-derivative-squares-z", "dt = 1 - np.tanh(z) ** 2", "dt = 1 - z ** 2", {
        TANH_DERIVATIVE: ("square tanh(z), not z",)}),
    mutation("relu-derivative-1-at-0", "dr = (z > 0)", "dr = (z >= 0)", {
        AT_ZERO: ("relu_derivative([-1, 0, 1])", "expected: [0.0, 0.0, 1.0]", "got:      [0.0, 1.0, 1.0]",
                  "test z > 0, not z >= 0")}),
    mutation("leaky-relu-derivative-1-at-0", "dl = np.where(z > 0, 1.0, alpha)", "dl = np.where(z >= 0, 1.0, alpha)", {
        AT_ZERO: ("leaky_relu_derivative([-1, 0, 1], alpha=0.2)", "got:      [0.2, 1.0, 1.0]",
                  "test z > 0, not z >= 0")}),
    mutation("leaky-relu-ignores-alpha", "lr = np.where(z > 0, z, alpha * z)", "lr = np.maximum(z, 0)", {
        LEAKY: ("leaky_relu(z) on a random (4, 5) array", "multiplied by alpha")}),
    mutation("leaky-relu-alpha-on-positive-side", "np.where(z > 0, z, alpha * z)", "np.where(z > 0, alpha * z, z)", {
        LEAKY: ("positive z pass unchanged",)}),
    mutation("leaky-relu-hard-codes-alpha", "alpha * z)", "0.01 * z)", {
        LEAKY: ("leaky_relu(z, alpha=0.2)", "use the alpha argument")}),
    mutation("sigmoid-naive-overflows-at-minus-1000", SIGMOID_TWO_LINES, "s = 1 / (1 + np.exp(-z))", {
        SIGMOID_STABLE: ("no RuntimeWarning", "overflow encountered in exp", "exponentiate only -|z|")},
        symptoms={SIGMOID_STABLE: {"overflow": True}}),
    mutation("sigmoid-np-where-evaluates-both-branches", SIGMOID_TWO_LINES,
             "s = np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))", {
                 SIGMOID_STABLE: ("overflow encountered in exp", "np.where evaluates both of its branches")},
             symptoms={SIGMOID_STABLE: {"overflow": True}}),
    Mutation("naive-sigmoid-hidden-by-np-seterr", MODULE, (
        ("import numpy as np\n", 'import numpy as np\n\nnp.seterr(all="ignore")\n'),
        (SIGMOID_TWO_LINES, "s = 1 / (1 + np.exp(-z))")), {
        SIGMOID_STABLE: ("no RuntimeWarning", "overflow encountered in exp")},
        symptoms={SIGMOID_STABLE: {"overflow": True}}),
    # one bug costs points once: sigmoid_derivative is checked with the reference sigmoid in its place
    mutation("sigmoid-forgets-the-negative-branch", "s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
             "s = 1 / (1 + e)", {
                 SIGMOID: ("sigmoid(z) on a random (4, 5) array", "for z < 0 the stable form is exp(z) / (1 + exp(z))"),
                 SIGMOID_STABLE: ("sigmoid(-1000) is 0",)}),
    mutation("softmax-without-max-shift", "np.exp(z - np.max(z, axis=-1, keepdims=True))", "np.exp(z)", {
        SOFTMAX_STABLE: ("no RuntimeWarning", "overflow encountered in exp", "subtract each row's own max")},
        symptoms={SOFTMAX_STABLE: {"overflow": True}}),
    mutation("softmax-shift-by-max-of-whole-array", "np.max(z, axis=-1, keepdims=True)", "np.max(z)", {
        SOFTMAX_STABLE: ("invalid value encountered", "the max of the whole array")}),
    mutation("softmax-normalizes-over-axis-0",
             "np.sum(e, axis=-1, keepdims=True)", "np.sum(e, axis=0, keepdims=True)", {
        SOFTMAX: ("z of shape (4, 6)", "LAST axis"),
        SOFTMAX_ROWS: ("z of shape (3, 5)", "sum to 1", "axis=0 would normalize the columns")}),
    mutation("relu-derivative-forced-to-float64", "(z > 0).astype(z.dtype)", "(z > 0).astype(float)", {
        DTYPES: ("relu_derivative(z) for a float32 input of shape (2, 3)", "expected: a float32 array",
                 "got:      float64 array", ".astype(z.dtype)")}),
    mutation("softmax-backward-element-wise", BACKWARD_LINE, "dz = p * dp", {
        SOFTMAX_BACKWARD: ("p of shape (5,)", "dz is not dp * p")}),
    mutation("softmax-backward-sums-over-the-batch", BACKWARD_LINE, "dz = p * (dp - np.sum(dp * p))", {
        SOFTMAX_BACKWARD: ("p of shape (3, 4)", "never over the batch")}),
]


@pytest.mark.parametrize("planted", MUTATIONS, ids=lambda m: m.id)
def test_planted_bug_is_a_real_edit_of_the_reference(planted):
    """Does each planted bug's snippet occur exactly once in the reference, so the mutant differs and compiles?"""
    reference = REFERENCE.read_text(encoding="utf-8")
    mutant = planted.apply(reference)
    assert mutant != reference
    compile(mutant, f"{MODULE}.py", "exec")
    assert set(planted.fails) <= set(POINTS)


@pytest.mark.parametrize("planted", MUTATIONS, ids=lambda m: m.id)
def test_planted_bug_is_caught_by_a_message_naming_it(planted, tmp_path):
    """Does each planted bug fail exactly its checks, lose marks, and get messages that name the mistake?"""
    assert_caught(planted, grade_mutant(tmp_path / planted.id, WEEK, planted))


def run_visible(folder, source: str) -> subprocess.CompletedProcess:
    """Run the visible tests of activations in ``folder`` against ``source`` as activations.py."""
    folder.mkdir()
    shutil.copy(VISIBLE_TESTS, folder / VISIBLE_TESTS.name)
    (folder / f"{MODULE}.py").write_text(source, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", VISIBLE_TESTS.name],
                          cwd=folder, capture_output=True, text=True)


def test_visible_tests_pass_on_the_reference(tmp_path):
    """Do the visible tests of activations pass on the reference?"""
    done = run_visible(tmp_path / "reference", REFERENCE.read_text(encoding="utf-8"))
    assert done.returncode == 0 and " passed" in done.stdout and "failed" not in done.stdout, done.stdout


def test_visible_tests_all_fail_on_the_stub(tmp_path):
    """Does the stub fail every visible test of activations, saying what is not implemented yet?"""
    stub = strip_solutions(REFERENCE.read_text(encoding="utf-8"), f"{MODULE}.py")
    done = run_visible(tmp_path / "stub", stub)
    assert done.returncode == 1 and " passed" not in done.stdout, done.stdout
    assert "sigmoid is not implemented yet" in done.stdout


def test_visible_tests_catch_the_naive_sigmoid(tmp_path):
    """Does the visible overflow test catch a naive sigmoid (exp(1000) at z = -1000), with a hint?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), SIGMOID_TWO_LINES, "s = 1 / (1 + np.exp(-z))")
    done = run_visible(tmp_path / "naive", source)
    assert "1 failed" in done.stdout and "test_no_warning_at_plus_minus_1000[sigmoid]" in done.stdout, done.stdout
    assert "never exponentiate a large positive number" in done.stdout
