"""What the meta-tests know of Week 3's forward_prop graders (``tests/test_graders.py``).

Its checks and points, the function each check of the stub reaches first, and the planted bugs with
the checks each must fail.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from mutants import Mutation

from autograder import paths

WEEK, MODULE = "week03", "forward_prop"

REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"




STUDENT_ID = "alice"


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


#: Every check of the module with its points, in the graders' order.
POINTS = {DENSE_SHAPE: 1, DENSE_VALUES: 2, HIDDEN: 2, OUTPUT: 2, COMBINATIONS: 1, ROWS: 1, CACHE_SHAPES: 1,
          CACHE_VALUES: 2, UNKNOWN_NAME: 1, QUIZ: 2}
ALL_CHECKS = tuple(POINTS)


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

