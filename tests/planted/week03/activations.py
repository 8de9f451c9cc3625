"""What the meta-tests know of Week 3's activations graders (``tests/test_graders.py``).

Its checks and points, the function each check of the stub reaches first, and the planted bugs with
the checks each must fail.
"""

from __future__ import annotations

from mutants import Mutation

from autograder import paths

WEEK, MODULE = "week03", "activations"

REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"


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

