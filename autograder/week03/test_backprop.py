"""Hidden graders for the Week 3 exercise on backpropagation: backprop.py.

Every backward function is checked against a numerical gradient (centred
differences, float64, h = 1e-5, ``autograder.checks.numerical_gradient``) of a
scalar built here: ``sum(G * node(inputs))`` for a random upstream gradient G,
whose gradient is exactly what the node's backward must return for G. Loss
gradients are checked against centred differences of the *reference* loss, so
a wrong loss value costs its own check only. ``gradient_check`` is compared with
the autograder's own estimate and with exact derivatives. A loss gradient's
failure records the number of elements its mean divides by (``batch_size``),
so that a gradient that forgot the division shows as ``scaled_by`` that number;
the huge-logits check records ``overflow``.
"""


import numpy as np
import pytest

from autograder.checks import call_recording_warnings, expect, expect_array, numerical_gradient

#: Backward functions against centred differences (h = 1e-5, float64). Every node
#: checked here is linear in the perturbed input except sigmoid and the losses,
#: so only rounding separates the two. Measured on exactly these problems, the
#: reference's worst relative errors are: dense dX 5e-10, dW 3e-9, db 7e-11;
#: ReLU 2e-10 (inputs kept at least 0.05 from the kink, where centred differences
#: with h = 1e-5 are exact); sigmoid 2e-9; MSE 4e-10; cross-entropy 2.4e-8. Every
#: planted bug (a transposed product, a mean instead of a sum, a missing mask,
#: a missing factor 2 or 1/N) measures 0.1 or more. 1e-6 leaves a factor of 40
#: over the worst correct value and five decades below the bugs.
GRADIENT_TOL = 1e-6
#: Loss values against the reference: the same float64 expression, rounding only.
VALUE_TOL = 1e-10
#: gradient_check against numerical_gradient (same h = 1e-5). A correct centred
#: implementation agrees to rounding (the reference: 0, bit for bit; x[i] += h then
#: -= 2h: 1e-10). The tolerance is loose on purpose: a one-sided difference differs
#: by O(h) (measured 4e-6 to 1.5e-5) and not putting x back shifts later entries by
#: up to 1e-5; each of those mistakes is the job of its own check, so one bug costs
#: one check. Wrong indexing of a 2-D array or perturbing a copy measures 0.1 or more.
GRADCHECK_TOL = 1e-4
#: The centred check: f = sum(x ** 3) near x = 1, h = 1e-3 passed explicitly.
#: Centred differences give 3 x^2 + h^2 exactly (relative error measured 2.1e-7);
#: a one-sided difference gives 3 x^2 + 3 x h + h^2 (measured 5.6e-4). 1e-5 sits
#: between them, a factor of about 50 from each.
CENTRED_TOL = 1e-5
#: The same centred estimate, by the student and by numerical_gradient with the
#: same h = 1e-3: rounding only (measured 0). Ignoring h (using 1e-5) measures 2.1e-7.
SAME_H_TOL = 1e-9

#: (N, D, H, seed) for the dense layer. The first is square (D == H), so a
#: transposed product still has the right shape and shows up as wrong values.
DENSE_CASES = [(5, 4, 4, 31), (3, 6, 2, 32), (1, 3, 5, 33), (8, 2, 7, 34)]


def dense_problem(n: int, d: int, h: int, seed: int):
    """Float64 X (N, D), W (D, H), b (1, H) and an upstream gradient G (N, H)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=(1, h)), rng.normal(size=(n, h))


def away_from_zero(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Random values with |Z| in [0.05, 2] and random signs: no input on ReLU's kink."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 2.0, size=shape)


def scalar(value) -> float | None:
    """``value`` as a float if it is one number (Python or NumPy), else None."""
    try:
        return float(value) if np.ndim(value) == 0 else None
    except (TypeError, ValueError):
        return None


def check_pair(result, what: str):
    """Unpack a (loss, gradient) pair, checking that the loss is one number."""
    expect(isinstance(result, tuple) and len(result) == 2, what, expected="a tuple (loss, gradient)",
           got=repr(result)[:80], hint="return loss, gradient")
    loss, grad = result
    value = scalar(loss)
    expect(value is not None, f"the loss returned by {what}", expected="one number (a float)",
           got=f"shape {np.shape(loss)}", hint="average over every element to get a single number")
    return value, grad


# --- dense_backward ---------------------------------------------------------

def dense_gradients(student, n, d, h, seed):
    X, W, b, G = dense_problem(n, d, h, seed)
    result = student.dense_backward(G.copy(), X.copy(), W.copy())
    expect(isinstance(result, tuple) and len(result) == 3, f"dense_backward(dZ, X, W) with N, D, H = {n}, {d}, {h}",
           expected="a tuple (dX, dW, db)", got=repr(type(result).__name__), hint="return dX, dW, db")
    return (X, W, b, G), dict(zip(("dX", "dW", "db"), result))


def check_dense(student, name: str, hint: str) -> None:
    for n, d, h, seed in DENSE_CASES:
        (X, W, b, G), grads = dense_gradients(student, n, d, h, seed)
        value = {"dX": X, "dW": W, "db": b}[name]
        expected = numerical_gradient(lambda: float(np.sum(G * (X @ W + b))), value)
        expect_array(grads[name], expected, f"{name} from dense_backward(dZ, X, W) with N, D, H = {n}, {d}, {h}, "
                     "against a numerical gradient", tol=GRADIENT_TOL, hint=hint)


@pytest.mark.points(1)
def test_dense_backward_shapes(student):
    """dense_backward returns dX (N, D), dW (D, H) and db (1, H)"""
    n, d, h = 4, 3, 5
    _, grads = dense_gradients(student, n, d, h, seed=30)
    for name, shape in {"dX": (n, d), "dW": (d, h), "db": (1, h)}.items():
        got = grads[name]
        expect(isinstance(got, np.ndarray) and got.shape == shape,
               f"{name} from dense_backward(dZ, X, W) with N, D, H = {n}, {d}, {h}", expected=f"shape {shape}",
               got=f"shape {got.shape}" if isinstance(got, np.ndarray) else type(got).__name__,
               hint="each gradient has the shape of its value: dX like X, dW like W, db like b (1, H), "
               "which needs keepdims=True when you sum over the batch")


@pytest.mark.points(1)
def test_dense_backward_dX_matches_numerical_gradient(student):
    """dX from dense_backward matches a centred-difference estimate"""
    check_dense(student, "dX", "dX = dZ @ W.T: each input feeds every output through a row of W, so the "
                "upstream gradient flows back through W transposed; no division by N in a layer")


@pytest.mark.points(1)
def test_dense_backward_dW_matches_numerical_gradient(student):
    """dW from dense_backward matches a centred-difference estimate"""
    check_dense(student, "dW", "dW = X.T @ dZ: the (D, N) by (N, H) product sums the contributions of the "
                "whole batch (no division by N: the loss already did it); dZ.T @ X is its transpose")


@pytest.mark.points(1)
def test_dense_backward_db_matches_numerical_gradient(student):
    """db from dense_backward is dZ summed over the batch"""
    check_dense(student, "db", "b is added to every row, so db is dZ summed over the batch "
                "(axis=0, keepdims=True): not its mean (the loss already divides by N), not one row")


# --- activations ------------------------------------------------------------

@pytest.mark.points(2)
def test_relu_backward_matches_numerical_gradient(student):
    """relu_backward passes the upstream gradient where Z > 0 and blocks it elsewhere"""
    for seed, shape in ((41, (6, 5)), (42, (3, 7))):
        rng = np.random.default_rng(seed)
        Z, dA = away_from_zero(rng, shape), rng.normal(size=shape)
        expected = numerical_gradient(lambda: float(np.sum(dA * np.maximum(Z, 0.0))), Z)
        expect_array(student.relu_backward(dA.copy(), Z.copy()), expected,
                     f"relu_backward(dA, Z) for shape {shape} against a numerical gradient", tol=GRADIENT_TOL,
                     hint="dZ = dA * (Z > 0): the mask comes from the ReLU's input Z (not from dA), and "
                     "where Z <= 0 the gradient is 0")


@pytest.mark.points(2)
def test_sigmoid_backward_matches_numerical_gradient(student, reference):
    """sigmoid_backward multiplies the upstream gradient by s (1 - s), s = sigmoid(Z)"""
    for seed, shape in ((51, (6, 5)), (52, (4, 3))):
        rng = np.random.default_rng(seed)
        Z, dA = rng.normal(0.0, 2.0, size=shape), rng.normal(size=shape)
        expected = numerical_gradient(lambda: float(np.sum(dA * reference.sigmoid(Z))), Z)
        expect_array(student.sigmoid_backward(dA.copy(), Z.copy()), expected,
                     f"sigmoid_backward(dA, Z) for shape {shape} against a numerical gradient", tol=GRADIENT_TOL,
                     hint="dZ = dA * s * (1 - s) with s = sigmoid(Z), the sigmoid's output: not Z * (1 - Z)")


# --- losses -----------------------------------------------------------------

@pytest.mark.points(1)
def test_mse_loss_value(student, reference):
    """mse_loss returns the mean of (pred - target) ** 2 over all elements"""
    for seed, shape in ((61, (5, 3)), (62, (4, 1))):
        rng = np.random.default_rng(seed)
        pred, target = rng.normal(size=shape), rng.normal(size=shape)
        expected, _ = reference.mse_loss(pred, target)
        got, _ = check_pair(student.mse_loss(pred.copy(), target.copy()), f"mse_loss for shape {shape}")
        expect(abs(got - expected) <= VALUE_TOL * abs(expected), f"mse_loss(pred, target) for shape {shape}",
               expected=f"{expected:.10g}", got=f"{got:.10g}",
               hint="average the squared differences over ALL elements (np.mean of the whole array), "
               "not a sum, and not a sum over the outputs averaged over the batch")


@pytest.mark.points(1)
def test_mse_loss_gradient_matches_numerical_gradient(student, reference):
    """the gradient from mse_loss matches a centred-difference estimate of the mean squared error"""
    for seed, shape in ((61, (5, 3)), (62, (4, 1))):
        rng = np.random.default_rng(seed)
        pred, target = rng.normal(size=shape), rng.normal(size=shape)
        expected = numerical_gradient(lambda: reference.mse_loss(pred, target)[0], pred)
        _, got = check_pair(student.mse_loss(pred.copy(), target.copy()), f"mse_loss for shape {shape}")
        # the mean runs over every element, so a gradient without the division is pred.size times too large
        expect_array(got, expected, f"dpred from mse_loss(pred, target) for shape {shape} against a numerical "
                     "gradient", tol=GRADIENT_TOL, batch_size=pred.size,
                     hint="dpred = 2 * (pred - target) / pred.size: the factor 2 comes from the square, "
                     "the division from the mean over all elements")


def cross_entropy_problem(seed: int, n: int = 6, c: int = 4):
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 2.0, size=(n, c)), rng.integers(0, c, size=n)


@pytest.mark.points(1)
def test_softmax_cross_entropy_value(student, reference):
    """softmax_cross_entropy returns the mean over the batch of -log softmax(logits)[i, y_i]"""
    for seed in (71, 72):
        logits, y = cross_entropy_problem(seed)
        expected, _ = reference.softmax_cross_entropy(logits, y)
        got, _ = check_pair(student.softmax_cross_entropy(logits.copy(), y.copy()),
                            "softmax_cross_entropy(logits, y)")
        expect(abs(got - expected) <= VALUE_TOL * abs(expected),
               f"softmax_cross_entropy(logits, y) with logits {logits.shape}, labels {y.tolist()}",
               expected=f"{expected:.10g}", got=f"{got:.10g}",
               hint="take -log of each row's probability at its own label (rows np.arange(N), columns y), "
               "then the mean over the batch, not the sum")


@pytest.mark.points(2)
def test_softmax_cross_entropy_gradient_matches_numerical_gradient(student, reference):
    """the gradient from softmax_cross_entropy matches a centred-difference estimate of the mean loss"""
    for seed in (71, 72):
        logits, y = cross_entropy_problem(seed)
        expected = numerical_gradient(lambda: reference.softmax_cross_entropy(logits, y)[0], logits)
        _, got = check_pair(student.softmax_cross_entropy(logits.copy(), y.copy()),
                            "softmax_cross_entropy(logits, y)")
        expect_array(got, expected, f"dlogits from softmax_cross_entropy(logits, y) with logits {logits.shape} "
                     "against a numerical gradient", tol=GRADIENT_TOL, batch_size=len(y),
                     hint="dlogits = (softmax(logits) - one_hot(y)) / N: subtract 1 at each row's label, and "
                     "divide by the batch size N because the loss is a mean")


@pytest.mark.points(1)
def test_softmax_cross_entropy_finite_for_huge_logits(student, reference):
    """softmax_cross_entropy stays finite and right for logits of +-1000 (max shift, log-sum-exp)"""
    # One example per call (N = 1), so this check is about stability only: a mean
    # that should be a sum, or a missing 1/N, cannot change the result here.
    hint = ("np.exp overflows above ~709: subtract each row's max logit first; then compute log-probabilities "
            "as shifted - log(sum(exp(shifted))) (log-sum-exp), because log(softmax) is log(0) = -inf "
            "once a probability underflows to 0")
    rows = [([1000.0, -1000.0, 0.0], 0), ([-1000.0, 1000.0, 999.0], 2), ([0.0, -1000.0, 1000.0], 1)]
    for row, label in rows:  # losses 0, 1 + log(1 + e^-1) and 2000: the last needs log-sum-exp
        logits, y = np.array([row]), np.array([label])
        what = f"softmax_cross_entropy(logits, y) with logits {row}, label {label}"
        expected_loss, expected_grad = reference.softmax_cross_entropy(logits, y)
        result, caught = call_recording_warnings(student, student.softmax_cross_entropy, logits.copy(), y.copy())
        loss, grad = check_pair(result, what)
        # overflow: np.exp overflowed, or the result is NaN or inf (log(0) of an underflow alone is not overflow)
        overflow = any("overflow" in warning for warning in caught) or not np.isfinite(loss) or (
            isinstance(grad, np.ndarray) and np.issubdtype(grad.dtype, np.number) and not np.all(np.isfinite(grad)))
        expect(not caught and abs(loss - expected_loss) <= VALUE_TOL * max(1.0, abs(expected_loss)),
               f"the loss from {what}", expected=f"{expected_loss + 0.0:.10g}, with no RuntimeWarning",
               got=f"{loss + 0.0:.10g}" + (f" ({'; '.join(caught)})" if caught else ""), hint=hint,
               symptoms={"overflow": True} if overflow else {})
        expect_array(grad, expected_grad, f"dlogits from {what}", tol=GRADIENT_TOL, hint=hint)


# --- gradient_check and relative_error --------------------------------------

def functions_to_check():
    """(description, f, x, h) for gradient_check: a 1-D and two 2-D arrays, one non-separable."""
    x1 = np.random.default_rng(81).normal(size=5)
    x2 = np.random.default_rng(82).normal(size=(3, 4))
    B = np.random.default_rng(83).normal(size=(4, 2))
    x3 = np.random.default_rng(84).normal(size=(2, 3))
    return [("f = sum(sin(x) * x) for x of shape (5,)", lambda: float(np.sum(np.sin(x1) * x1)), x1),
            ("f = sum(tanh(X @ B)) for X of shape (3, 4)", lambda: float(np.sum(np.tanh(x2 @ B))), x2),
            ("f = sum(X ** 2) * X[0, 0] for X of shape (2, 3)", lambda: float(np.sum(x3 ** 2) * x3[0, 0]), x3)]


@pytest.mark.points(1)
def test_gradient_check_matches_numerical_gradient(student):
    """gradient_check estimates the gradient of f() for 1-D and 2-D arrays"""
    for description, f, x in functions_to_check():
        expected = numerical_gradient(f, x)
        got = student.gradient_check(f, x)
        expect_array(got, expected, f"gradient_check(f, x) with {description}", tol=GRADCHECK_TOL,
                     hint="change x itself, one entry at a time (f reads x, so a copy changes nothing), and visit "
                     "EVERY index of a 2-D array: np.ndindex(x.shape) gives the index tuples")


@pytest.mark.points(1)
def test_gradient_check_restores_x(student):
    """after gradient_check(f, x), x holds exactly its old values"""
    for description, f, x in functions_to_check():
        before = x.copy()
        student.gradient_check(f, x)
        changed = np.flatnonzero(x != before)
        expect(changed.size == 0, f"x after gradient_check(f, x) with {description}",
               expected="exactly the values it had before the call",
               got=f"{changed.size} changed entries, e.g. {float(before.flat[changed[0]])!r} -> "
               f"{float(x.flat[changed[0]])!r}"
               if changed.size else "", hint="save old = x[i] before you perturb it, and finish with x[i] = old "
               "(adding and subtracting h can leave a rounding error)")


@pytest.mark.points(1)
def test_gradient_check_is_centred(student):
    """gradient_check uses centred differences (error O(h^2)), and the h it is given"""
    x = 1.0 + 0.1 * np.random.default_rng(85).normal(size=6)

    def f():
        return float(np.sum(x ** 3))

    exact, same_h = 3.0 * x ** 2, numerical_gradient(f, x, h=1e-3)  # before the call: x may not come back
    got = student.gradient_check(f, x, h=1e-3)
    expect_array(got, exact, "gradient_check(f, x, h=1e-3) with f = sum(x ** 3), x near 1, against the "
                 "exact 3 x^2", tol=CENTRED_TOL,
                 hint="a one-sided difference (f(x + h) - f(x)) / h is off by about 3 x h; the centred "
                 "(f(x + h) - f(x - h)) / (2 h) only by h^2")
    expect_array(got, same_h, "gradient_check(f, x, h=1e-3) with f = sum(x ** 3), "
                 "against a centred estimate with the same h", tol=SAME_H_TOL,
                 hint="use the step h you are given, not a fixed 1e-5")


@pytest.mark.points(1)
def test_relative_error_on_crafted_values(student):
    """relative_error is the largest element-wise |a - b| / max(1e-8, |a| + |b|), and 0 for two zeros"""
    cases = [
        ("two zero arrays", np.zeros(3), np.zeros(3), 0.0, "the floor 1e-8 makes 0 / 1e-8 = 0, never 0 / 0"),
        ("a = [1, 100], b = [2, 101]", np.array([1.0, 100.0]), np.array([2.0, 101.0]), 1.0 / 3.0,
         "divide element by element first and take the max at the end: the ratio of two maxima is 1/201"),
        ("a = [[1e-10, 0]], b = [[0, 0]]", np.array([[1e-10, 0.0]]), np.zeros((1, 2)), 1e-2,
         "the denominator is max(1e-8, |a| + |b|): 1e-10 / 1e-8 = 0.01"),
        ("a = [-1, 2], b = [1, 2]", np.array([-1.0, 2.0]), np.array([1.0, 2.0]), 1.0,
         "the denominator adds absolute values, |a| + |b|, not |a + b|"),
        ("the numbers 3.0 and 3.0", 3.0, 3.0, 0.0, "accept plain numbers too: np.asarray(a)"),
    ]
    for description, a, b, expected, hint in cases:
        got = scalar(student.relative_error(a, b))
        expect(got is not None and abs(got - expected) <= 1e-12 * max(1.0, expected),
               f"relative_error(a, b) for {description}", expected=f"{expected:.6g}",
               got="not one number" if got is None else f"{got:.6g}", hint=hint)
