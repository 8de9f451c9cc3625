"""What the meta-tests know of Week 3's backprop graders (``tests/test_graders.py``).

Its checks and points, the function each check of the stub reaches first, and the planted bugs with
the checks each must fail.
"""

from __future__ import annotations

from mutants import Mutation

from autograder import paths

WEEK, MODULE = "week03", "backprop"

REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"




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
STUB_FIRST_TODO = {
    **dict.fromkeys((DENSE_SHAPES, DENSE_DX, DENSE_DW, DENSE_DB), "dense_backward"),
    RELU: "relu_backward", SIGMOID: "sigmoid_backward", MSE_VALUE: "mse_loss", MSE_GRAD: "mse_loss",
    **dict.fromkeys((CE_VALUE, CE_GRAD, CE_HUGE), "softmax_cross_entropy"),
    **dict.fromkeys((GC_MATCH, GC_RESTORE, GC_CENTRED), "gradient_check"), REL_ERROR: "relative_error",
}


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

