"""Kit tests for Week 3's forward_prop exercise: its hidden graders, visible tests, sample submission and quiz.

Every grading run is real (``run_checks`` in a limited process) on a folder
holding all Week 3 reference modules, with forward_prop.py replaced by the
submission under test. The quiz differs per student: runs grade student
"alice" unless a test says otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mutants import Mutation, assert_caught, assert_no_grader_source, grade_mutant, reference_folder

from autograder import paths
from autograder.authoring.stubs import strip_solutions
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks

WEEK, MODULE = "week03", "forward_prop"
REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"
VISIBLE_TESTS = paths.SOLUTIONS / WEEK / f"test_{MODULE}.py"
CORRECT = paths.EXAMPLES / "correct_student" / f"{MODULE}.py"
STUDENT = "alice"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


DENSE_SHAPE = check("dense_forward_shape_for_batch_sizes")
DENSE_VALUES = check("dense_forward_matches_x_w_plus_b")
HIDDEN = check("two_layer_forward_hidden_activations")
OUTPUT = check("two_layer_forward_output_activations")
COMBINATIONS = check("two_layer_forward_every_combination_and_defaults")
ROWS = check("two_layer_forward_softmax_rows_sum_to_one")
CACHE_SHAPES = check("two_layer_forward_cache_keys_and_shapes")
CACHE_VALUES = check("two_layer_forward_cache_values")
UNKNOWN_NAME = check("two_layer_forward_unknown_activation_raises_value_error")
QUIZ = check("quiz_answer_is_the_output_of_your_quiz")

ALL_CHECKS = (DENSE_SHAPE, DENSE_VALUES, HIDDEN, OUTPUT, COMBINATIONS, ROWS, CACHE_SHAPES, CACHE_VALUES,
              UNKNOWN_NAME, QUIZ)
#: The stub function each check reaches first (the two_layer_forward checks use the reference dense_forward).
STUB_FIRST_TODO = {DENSE_SHAPE: "dense_forward", DENSE_VALUES: "dense_forward", QUIZ: "quiz_answer",
                   **dict.fromkeys(ALL_CHECKS[2:-1], "two_layer_forward")}


def load_reference():
    """The reference module, loaded under a name of its own (it must not shadow a submission)."""
    spec = importlib.util.spec_from_file_location("kit_reference_forward_prop", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def quiz_output(reference, student_id: str) -> np.ndarray:
    """The exact output (2,) of ``student_id``'s quiz network."""
    quiz = reference.mlp_quiz(student_id)
    return reference.two_layer_forward(quiz["x"], quiz, hidden=quiz["hidden"], output=quiz["output"])[0][0]


def submission(folder: Path, source: str) -> Path:
    """A folder with every Week 3 reference module, and ``source`` as forward_prop.py."""
    reference_folder(folder, WEEK)
    (folder / f"{MODULE}.py").write_text(source, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- the module's checks


def test_forward_prop_has_exactly_the_checks_this_file_knows_worth_15_points():
    """Does collect_checks list exactly the 10 forward_prop checks these tests name, in order, worth 15 points?"""
    specs = [spec for spec in collect_checks(WEEK) if spec.module == MODULE]
    assert tuple(spec.id for spec in specs) == ALL_CHECKS
    assert sum(spec.points for spec in specs) == 15 and all(spec.points > 0 for spec in specs)


# ---------------------------------------------------------------- reference, stub, sample submission


@pytest.mark.parametrize("student_id", [STUDENT, "bob", ""], ids=["alice", "bob", "no-id-falls-back-to-login"])
def test_reference_scores_full_marks(student_id, tmp_path):
    """Does the reference get every point of forward_prop, whoever is graded (also with no id given)?"""
    results = run_checks(WEEK, submission(tmp_path / "ref", REFERENCE.read_text(encoding="utf-8")),
                         modules=(MODULE,), student_id=student_id)
    assert [r.id for r in results] == list(ALL_CHECKS)
    assert {r.id: r.message for r in results if not r.passed} == {}


def test_stub_scores_zero_and_says_not_implemented(tmp_path):
    """Does the generated stub get 0 on every check, from a complete run, each message naming the function to do?"""
    stub = strip_solutions(REFERENCE.read_text(encoding="utf-8"), f"{MODULE}.py")
    results = run_checks(WEEK, submission(tmp_path / "stub", stub), modules=(MODULE,), student_id=STUDENT)
    assert [r.id for r in results] == list(ALL_CHECKS)
    for result in results:
        assert not result.passed and result.points == 0
        assert f"{STUB_FIRST_TODO[result.id]} is not implemented yet" in result.message, (result.id, result.message)
        assert "hint:     complete that TODO" in result.message
    assert_no_grader_source(results)


def test_correct_sample_submission_scores_full_marks(tmp_path):
    """Does examples/submissions/correct_student/forward_prop.py (quiz answered by hand) get every point?"""
    results = run_checks(WEEK, submission(tmp_path / "correct", CORRECT.read_text(encoding="utf-8")),
                         modules=(MODULE,), student_id="correct_student")
    assert {r.id: r.message for r in results if not r.passed} == {}
    assert "### BEGIN SOLUTION" not in CORRECT.read_text(encoding="utf-8")


# ---------------------------------------------------------------- planted bugs

REFERENCE_MODULE = load_reference()
#: What bob hands round: his own quiz's answer, rounded as he would write it.
BOB_ANSWER = [round(float(v), 2) for v in quiz_output(REFERENCE_MODULE, "bob")]
HIDDEN_LINE = "    a1 = activate(z1, hidden)\n"
QUIZ_REGION = '''    quiz = mlp_quiz(os.environ.get("NNGRADER_STUDENT_ID") or my_student_id())
    out, _ = two_layer_forward(quiz["x"], quiz, hidden=quiz["hidden"], output=quiz["output"])
    answer = [round(float(value), 2) for value in out[0]]
'''


def mutation(id: str, edits: tuple[tuple[str, str], ...], fails: dict[str, tuple[str, ...]],
             symptoms: dict[str, dict] | None = None) -> Mutation:
    return Mutation(id=id, module=MODULE, edits=edits, fails=fails, symptoms=symptoms or {})


MUTATIONS = [
    mutation("bias-not-added", (("    Z = X @ W + b\n", "    Z = X @ W\n"),), {
        DENSE_VALUES: ("the bias b is missing",), QUIZ: ("for the quiz of student id 'alice'",)}),
    mutation("bias-added-before-product", (("    Z = X @ W + b\n", "    Z = X @ (W + b)\n"),), {
        DENSE_VALUES: ("the bias was added before the product",), QUIZ: ("for the quiz of student id 'alice'",)}),
    mutation("W-transposed", (("    Z = X @ W + b\n", "    Z = X @ W.T + b\n"),), {
        DENSE_SHAPE: ("got:      ValueError: matmul", "(at forward_prop.py, line", "not X @ W.T"),
        DENSE_VALUES: ("not W.T",), QUIZ: ("got:      ValueError: matmul", "the two numbers you computed by hand")}),
    mutation("output-activation-on-hidden-layer", ((HIDDEN_LINE, "    a1 = activate(z1, output)\n"),), {
        HIDDEN: ("a1 must be relu(z1)", "or the output's (identity)"),
        OUTPUT: ("a1 must be relu(z1)", "after the second layer only"),
        COMBINATIONS: ("chosen separately",), CACHE_VALUES: ('cache["a1"] must be relu(z1)',),
        QUIZ: ("for the quiz of student id 'alice'",)}),
    mutation("hidden-activation-missing", ((HIDDEN_LINE, "    a1 = z1\n"),), {
        HIDDEN: ("a1 must be relu(z1)", "your hidden layer got no activation"),
        OUTPUT: ("a1 must be relu(z1)", "your hidden layer got no activation"), COMBINATIONS: ("chosen separately",),
        CACHE_VALUES: ('cache["a1"] holds z1 = X @ W1 + b1',), QUIZ: ("for the quiz of student id 'alice'",)},
        symptoms={c: {"no_hidden_activation": True} for c in (HIDDEN, OUTPUT, COMBINATIONS, QUIZ)}),
    mutation("output-activation-missing", (("    a2 = activate(z2, output)\n", "    a2 = z2\n"),), {
        OUTPUT: ("this is z2: the output activation is missing",), COMBINATIONS: ("chosen separately",),
        ROWS: ("summing to 1",), CACHE_VALUES: ('cache["a2"] holds z2 = a1 @ W2 + b2',),
        QUIZ: ("for the quiz of student id 'alice'", "this is z2: apply the sigmoid")},
        symptoms={c: {"no_output_softmax": True} for c in (OUTPUT, COMBINATIONS, QUIZ)}),
    mutation("hidden-argument-ignored", ((HIDDEN_LINE, '    a1 = activate(z1, "relu")\n'),), {
        HIDDEN: ("with relu on the hidden layer", "apply the activation named by `hidden` (sigmoid)"),
        COMBINATIONS: ("chosen separately",)}),
    mutation("cache-a1-holds-z1", (('    cache = {"z1": z1, "a1": a1,', '    cache = {"z1": z1, "a1": z1,'),), {
        CACHE_VALUES: ('cache["a1"] holds z1 = X @ W1 + b1', "the value before the activation",
                       "store a1 = relu(z1)")}),
    mutation("softmax-over-axis-0", (("e / e.sum(axis=1, keepdims=True)", "e / e.sum(axis=0, keepdims=True)"),), {
        OUTPUT: ("normalized each column", "axis=1 with keepdims=True"), COMBINATIONS: (),
        ROWS: ("summing to 1", "a batch of one example gives all ones")}),
    mutation("value-error-without-the-valid-names", (
        ("unknown hidden activation {hidden!r}: use one of {', '.join(HIDDEN_ACTIVATIONS)}",
         "unknown hidden activation {hidden!r}"),
        ("unknown output activation {output!r}: use one of {', '.join(OUTPUT_ACTIVATIONS)}",
         "unknown output activation {output!r}")), {
        UNKNOWN_NAME: ("it names relu, sigmoid, tanh", "say which names work")}),
    mutation("quiz-answer-shared-by-bob", ((QUIZ_REGION, f"    answer = {BOB_ANSWER}  # bob's, copied\n"),), {
        QUIZ: ("for the quiz of student id 'alice'", f"got:      {BOB_ANSWER}",
               "a classmate's answer is wrong for you")}),
]


@pytest.mark.parametrize("planted", MUTATIONS, ids=lambda m: m.id)
def test_planted_bug_is_a_real_edit_of_the_reference(planted):
    """Does each planted bug's snippet occur exactly once in the reference, so the mutant differs and compiles?"""
    source = REFERENCE.read_text(encoding="utf-8")
    mutant = planted.apply(source)
    assert mutant != source
    compile(mutant, f"{MODULE}.py", "exec")


@pytest.mark.parametrize("planted", MUTATIONS, ids=lambda m: m.id)
def test_planted_bug_is_caught_by_a_message_naming_it(planted, tmp_path):
    """Does each planted bug fail exactly its checks, with expected / got / a hint that names the mistake?"""
    assert_caught(planted, grade_mutant(tmp_path / "mutant", WEEK, planted, student_id=STUDENT))


# ---------------------------------------------------------------- the quiz


def test_quiz_is_the_same_in_another_process():
    """Does mlp_quiz give the same numbers in a fresh Python process (no salted hash(), no global random state)?"""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import forward_prop as f; "
            "print(json.dumps({k: v.tolist() if hasattr(v, 'tolist') else v "
            "for k, v in f.mlp_quiz('alice').items()}))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code, str(REFERENCE.parent)], capture_output=True, text=True,
                          env=env, check=True)
    here = {k: v.tolist() if hasattr(v, "tolist") else v for k, v in REFERENCE_MODULE.mlp_quiz("alice").items()}
    assert json.loads(done.stdout) == here


def test_quiz_differs_between_students_and_so_do_the_answers():
    """Do 30 ids get 30 different quizzes, and do alice's and bob's answers differ by more than the 0.01 tolerance?"""
    ids = [STUDENT, "bob", *(f"s{i:04d}" for i in range(28))]
    quizzes = {json.dumps({k: np.asarray(v).tolist() for k, v in REFERENCE_MODULE.mlp_quiz(i).items()}) for i in ids}
    assert len(quizzes) == len(ids)
    gap = np.max(np.abs(quiz_output(REFERENCE_MODULE, STUDENT) - quiz_output(REFERENCE_MODULE, "bob")))
    assert gap > 0.05, gap


def test_quiz_keeps_its_promises():
    """For 200 ids: small whole numbers in [-3, 3] of the documented shapes, one hidden unit on and one off,
    a ReLU that changes the answer by more than 0.05, and outputs between sigmoid(-4) and sigmoid(4)?"""
    shapes = {"x": (1, 3), "W1": (3, 2), "b1": (1, 2), "W2": (2, 2), "b2": (1, 2)}
    for student_id in (f"student-{i}" for i in range(200)):
        quiz = REFERENCE_MODULE.mlp_quiz(student_id)
        assert (quiz["hidden"], quiz["output"]) == ("relu", "sigmoid")
        for name, shape in shapes.items():
            value = quiz[name]
            assert value.shape == shape and value.dtype == np.float64
            assert np.all(value == np.round(value)) and np.all(np.abs(value) <= 3)
        z1 = quiz["x"] @ quiz["W1"] + quiz["b1"]
        assert z1.max() > 0 > z1.min()
        out = quiz_output(REFERENCE_MODULE, student_id)
        without_relu = 1 / (1 + np.exp(-(z1 @ quiz["W2"] + quiz["b2"])[0]))
        assert np.max(np.abs(out - without_relu)) > 0.05
        assert np.all((out >= 1 / (1 + np.exp(4))) & (out <= 1 / (1 + np.exp(-4))))


# ---------------------------------------------------------------- visible tests


def run_visible(folder: Path, module_source: str) -> subprocess.CompletedProcess:
    folder.mkdir()
    (folder / f"{MODULE}.py").write_text(module_source, encoding="utf-8")
    shutil.copy(VISIBLE_TESTS, folder / VISIBLE_TESTS.name)
    env = {k: v for k, v in os.environ.items() if k != "NNGRADER_STUDENT_ID"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", VISIBLE_TESTS.name],
                          cwd=folder, capture_output=True, text=True, env=env)


def test_visible_tests_pass_on_the_reference_and_fail_on_the_stub(tmp_path):
    """Do the visible tests all pass on the reference, and all fail on the stub saying what is not implemented?"""
    source = REFERENCE.read_text(encoding="utf-8")
    done = run_visible(tmp_path / "ref", source)
    assert done.returncode == 0 and "7 passed" in done.stdout, done.stdout
    done = run_visible(tmp_path / "stub", strip_solutions(source, f"{MODULE}.py"))
    assert "7 failed" in done.stdout and " passed" not in done.stdout, done.stdout
    assert "is not implemented yet" in done.stdout
