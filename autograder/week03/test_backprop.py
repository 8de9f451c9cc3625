"""Hidden graders for the Week 3 exercise on backpropagation: backprop.py.

Every backward function is checked against a numerical gradient (centered
differences, float64, h = 1e-5, ``autograder.checks.numerical_gradient``) of a
scalar built here: ``sum(G * node(inputs))`` for a random upstream gradient G,
whose gradient is exactly what the node's backward must return for G. Loss
gradients are checked against centered differences of the *reference* loss, so
a wrong loss value costs its own check only. ``gradient_check`` is compared with
the autograder's own estimate and with exact derivatives. A loss gradient's
failure records the number of elements its mean divides by (``batch_size``),
so that a gradient that forgot the division shows as ``scaled_by`` that number;
the huge-logits check records ``overflow``.

The problems are drawn per student and course (fixture ``rng``), with the
shapes fixed; a draw whose expected gradient has an entry near 0 (see
``problems.clear_of_zero``) is drawn again, which is what the tolerances below
rely on. Expected values are computed before the student's call, which gets
copies.
"""


import numpy as np
import pytest

from autograder.checks import call_recording_warnings, expect, expect_array, numerical_gradient
from autograder.week03.problems import clear_of_zero, signed

#: Backward functions against centered differences (h = 1e-5, float64). Every node
#: checked here is linear in the perturbed input except sigmoid and the losses,
#: so only rounding separates the two: about 1e-10 in absolute terms, which is why
#: every drawn problem keeps each expected entry 0 or at least 1e-3 in size
#: (problems.clear_of_zero; ReLU inputs at least 0.05 from the kink, sigmoid inputs
#: within +-4). Measured over 2,000 draws of each problem, the reference's worst
#: relative errors are: dense dX 5.7e-8, dW 7.5e-8, db 3.7e-8; ReLU 7.6e-10; sigmoid
#: 3.5e-8; MSE 2.2e-8; cross-entropy 2.7e-8 (the sample correct submission: the
#: same). Every planted bug (a transposed product, a mean instead of a sum, a missing
#: mask, a missing factor 2 or 1/N) measures 0.1 or more. 1e-6 leaves a factor of 13
#: or more over the worst correct value and five decades below the bugs.
GRADIENT_TOL = 1e-6
#: Loss values against the reference: the same float64 expression, rounding only.
VALUE_TOL = 1e-10
#: gradient_check against numerical_gradient (same h = 1e-5). A correct centered
#: implementation agrees to rounding (the reference: 0, bit for bit; x[i] += h then
#: -= 2h: 1e-10). The tolerance is loose on purpose: a one-sided difference differs
#: by O(h) and not putting x back shifts later entries by O(h) too (over 10,000 draws,
#: at most 6.3e-5 and 9.5e-5, 10x below the tolerance); each of those mistakes is the job of its own
#: check, so one bug costs one check. Wrong indexing of a 2-D array or perturbing a
#: copy measures 0.1 or more. The drawn x keep every derivative at least
#: GRADCHECK_FLOOR in size, so that those O(h) errors stay small relative to it.
GRADCHECK_TOL = 1e-3
GRADCHECK_FLOOR = 0.3
#: The centered check: f = sum(x ** 3) for x drawn in [0.7, 1.3], h = 1e-3 passed
#: explicitly. Centered differences give 3 x^2 + h^2 exactly (relative error at most
#: h^2 / (6 x^2) = 3.4e-7); a one-sided difference gives 3 x^2 + 3 x h + h^2 (at least
#: h / (2 x) = 3.8e-4). 1e-5 sits between them, a factor of about 30 from each.
CENTRED_TOL = 1e-5
#: The same centered estimate, by the student and by numerical_gradient with the
#: same h = 1e-3: rounding only (measured 0). Ignoring h (using 1e-5) measures 1e-7 or more.
SAME_H_TOL = 1e-9

#: (N, D, H) for the dense layer. The first is square (D == H), so a transposed
#: product still has the right shape and shows up as wrong values.
DENSE_CASES = [(5, 4, 4), (3, 6, 2), (1, 3, 5), (8, 2, 7)]


def dense_problem(rng: np.random.Generator, n: int, d: int, h: int):
    """Float64 X (N, D), W (D, H), b (1, H) and an upstream gradient G (N, H) whose exact gradients
    dX = G W^T, dW = X^T G and db = sum(G) have no entry near 0."""
    while True:
        X, W, b, G = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=(1, h)), rng.normal(size=(n, h))
        if all(clear_of_zero(g) for g in (G @ W.T, X.T @ G, G.sum(axis=0))):
            return X, W, b, G


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

def dense_gradients(student, X, W, G):
    """The student's dense_backward on copies of the grader's arrays, as a dict dX, dW, db."""
    (n, d), h = X.shape, W.shape[1]
    result = student.dense_backward(G.copy(), X.copy(), W.copy())
    expect(isinstance(result, tuple) and len(result) == 3, f"dense_backward(dZ, X, W) with N, D, H = {n}, {d}, {h}",
           expected="a tuple (dX, dW, db)", got=repr(type(result).__name__), hint="return dX, dW, db")
    return dict(zip(("dX", "dW", "db"), result))


def check_dense(student, rng, name: str, hint: str) -> None:
    for n, d, h in DENSE_CASES:
        X, W, b, G = dense_problem(rng, n, d, h)
        value = {"dX": X, "dW": W, "db": b}[name]
        expected = numerical_gradient(lambda: float(np.sum(G * (X @ W + b))), value)
        grads = dense_gradients(student, X, W, G)
        expect_array(grads[name], expected, f"{name} from dense_backward(dZ, X, W) with N, D, H = {n}, {d}, {h}, "
                     "against a numerical gradient", tol=GRADIENT_TOL, hint=hint)


@pytest.mark.points(1)
def test_dense_backward_shapes(student, rng):
    """dense_backward returns dX (N, D), dW (D, H) and db (1, H)"""
    n, d, h = 4, 3, 5
    X, W, _, G = dense_problem(rng, n, d, h)
    grads = dense_gradients(student, X, W, G)
    for name, shape in {"dX": (n, d), "dW": (d, h), "db": (1, h)}.items():
        got = grads[name]
        expect(isinstance(got, np.ndarray) and got.shape == shape,
               f"{name} from dense_backward(dZ, X, W) with N, D, H = {n}, {d}, {h}", expected=f"shape {shape}",
               got=f"shape {got.shape}" if isinstance(got, np.ndarray) else type(got).__name__,
               hint="each gradient has the shape of its value: dX like X, dW like W, db like b (1, H), "
               "which needs keepdims=True when you sum over the batch")


@pytest.mark.points(1)
def test_dense_backward_dX_matches_numerical_gradient(student, rng):
    """dX from dense_backward matches a centered-difference estimate"""
    check_dense(student, rng, "dX", "dX = dZ @ W.T: each input feeds every output through a row of W, so the "
                "upstream gradient flows back through W transposed; no division by N in a layer")


@pytest.mark.points(1)
def test_dense_backward_dW_matches_numerical_gradient(student, rng):
    """dW from dense_backward matches a centered-difference estimate"""
    check_dense(student, rng, "dW", "dW = X.T @ dZ: the (D, N) by (N, H) product sums the contributions of the "
                "whole batch (no division by N: the loss already did it); dZ.T @ X is its transpose")


@pytest.mark.points(1)
def test_dense_backward_db_matches_numerical_gradient(student, rng):
    """db from dense_backward is dZ summed over the batch"""
    check_dense(student, rng, "db", "b is added to every row, so db is dZ summed over the batch "
                "(axis=0, keepdims=True): not its mean (the loss already divides by N), not one row")


# --- activations ------------------------------------------------------------

@pytest.mark.points(2)
def test_relu_backward_matches_numerical_gradient(student, rng):
    """relu_backward passes the upstream gradient where Z > 0 and blocks it elsewhere"""
    for shape in ((6, 5), (3, 7)):
        Z, dA = signed(rng, shape), signed(rng, shape)  # no input near the kink, no upstream entry near 0
        expected = numerical_gradient(lambda: float(np.sum(dA * np.maximum(Z, 0.0))), Z)
        expect_array(student.relu_backward(dA.copy(), Z.copy()), expected,
                     f"relu_backward(dA, Z) for shape {shape} against a numerical gradient", tol=GRADIENT_TOL,
                     hint="dZ = dA * (Z > 0): the mask comes from the ReLU's input Z (not from dA), and "
                     "where Z <= 0 the gradient is 0")


@pytest.mark.points(2)
def test_sigmoid_backward_matches_numerical_gradient(student, reference, rng):
    """sigmoid_backward multiplies the upstream gradient by s (1 - s), s = sigmoid(Z)"""
    for shape in ((6, 5), (4, 3)):
        Z, dA = sigmoid_problem(rng, shape)
        expected = numerical_gradient(lambda: float(np.sum(dA * reference.sigmoid(Z))), Z)
        expect_array(student.sigmoid_backward(dA.copy(), Z.copy()), expected,
                     f"sigmoid_backward(dA, Z) for shape {shape} against a numerical gradient", tol=GRADIENT_TOL,
                     hint="dZ = dA * s * (1 - s) with s = sigmoid(Z), the sigmoid's output: not Z * (1 - Z)")


def sigmoid_problem(rng: np.random.Generator, shape: tuple):
    """Z within +-4 and an upstream gradient dA whose exact product dA * s (1 - s) has no entry near 0."""
    while True:
        Z, dA = np.clip(rng.normal(0.0, 2.0, size=shape), -4.0, 4.0), rng.normal(size=shape)
        s = 1.0 / (1.0 + np.exp(-Z))
        if clear_of_zero(dA * s * (1 - s)):
            return Z, dA


# --- losses -----------------------------------------------------------------

def mse_problem(rng: np.random.Generator, shape: tuple):
    """pred and target whose exact gradient 2 (pred - target) / size has no entry near 0."""
    while True:
        pred, target = rng.normal(size=shape), rng.normal(size=shape)
        if clear_of_zero(2.0 * (pred - target) / pred.size):
            return pred, target


@pytest.mark.points(1)
def test_mse_loss_value(student, reference, rng):
    """mse_loss returns the mean of (pred - target) ** 2 over all elements"""
    for shape in ((5, 3), (4, 1)):
        pred, target = mse_problem(rng, shape)
        expected, _ = reference.mse_loss(pred, target)
        got, _ = check_pair(student.mse_loss(pred.copy(), target.copy()), f"mse_loss for shape {shape}")
        expect(abs(got - expected) <= VALUE_TOL * abs(expected), f"mse_loss(pred, target) for shape {shape}",
               expected=f"{expected:.10g}", got=f"{got:.10g}",
               hint="average the squared differences over ALL elements (np.mean of the whole array), "
               "not a sum, and not a sum over the outputs averaged over the batch")


@pytest.mark.points(1)
def test_mse_loss_gradient_matches_numerical_gradient(student, reference, rng):
    """the gradient from mse_loss matches a centered-difference estimate of the mean squared error"""
    for shape in ((5, 3), (4, 1)):
        pred, target = mse_problem(rng, shape)
        expected = numerical_gradient(lambda: reference.mse_loss(pred, target)[0], pred)
        _, got = check_pair(student.mse_loss(pred.copy(), target.copy()), f"mse_loss for shape {shape}")
        # the mean runs over every element, so a gradient without the division is pred.size times too large
        expect_array(got, expected, f"dpred from mse_loss(pred, target) for shape {shape} against a numerical "
                     "gradient", tol=GRADIENT_TOL, batch_size=pred.size,
                     hint="dpred = 2 * (pred - target) / pred.size: the factor 2 comes from the square, "
                     "the division from the mean over all elements")


def cross_entropy_problem(rng: np.random.Generator, n: int = 6, c: int = 4):
    """Logits (N, C) and labels whose exact gradient (softmax(logits) - one_hot(y)) / N has no entry near 0."""
    while True:
        logits, y = rng.normal(0.0, 2.0, size=(n, c)), rng.integers(0, c, size=n)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), y] -= 1.0
        if clear_of_zero(p / n):
            return logits, y


@pytest.mark.points(1)
def test_softmax_cross_entropy_value(student, reference, rng):
    """softmax_cross_entropy returns the mean over the batch of -log softmax(logits)[i, y_i]"""
    for _ in range(2):
        logits, y = cross_entropy_problem(rng)
        expected, _ = reference.softmax_cross_entropy(logits, y)
        got, _ = check_pair(student.softmax_cross_entropy(logits.copy(), y.copy()),
                            "softmax_cross_entropy(logits, y)")
        expect(abs(got - expected) <= VALUE_TOL * abs(expected),
               f"softmax_cross_entropy(logits, y) with logits {logits.shape}, labels {y.tolist()}",
               expected=f"{expected:.10g}", got=f"{got:.10g}",
               hint="take -log of each row's probability at its own label (rows np.arange(N), columns y), "
               "then the mean over the batch, not the sum")


@pytest.mark.points(2)
def test_softmax_cross_entropy_gradient_matches_numerical_gradient(student, reference, rng):
    """the gradient from softmax_cross_entropy matches a centered-difference estimate of the mean loss"""
    for _ in range(2):
        logits, y = cross_entropy_problem(rng)
        expected = numerical_gradient(lambda: reference.softmax_cross_entropy(logits, y)[0], logits)
        _, got = check_pair(student.softmax_cross_entropy(logits.copy(), y.copy()),
                            "softmax_cross_entropy(logits, y)")
        expect_array(got, expected, f"dlogits from softmax_cross_entropy(logits, y) with logits {logits.shape} "
                     "against a numerical gradient", tol=GRADIENT_TOL, batch_size=len(y),
                     hint="dlogits = (softmax(logits) - one_hot(y)) / N: subtract 1 at each row's label, and "
                     "divide by the batch size N because the loss is a mean")


def huge_logit_rows(rng: np.random.Generator) -> list[tuple[list[float], int]]:
    """Three rows of logits around +-1000 and their labels, columns in a random order: the label's logit is the
    largest (loss about 0), close to the largest (loss d + log(1 + e^-d), d from 0.5 to 2), and the smallest, so
    far below the largest that its probability underflows to 0 (loss about 2000: only log-sum-exp gets it)."""
    big = rng.integers(900, 1101, size=4).astype(np.float64)
    gap = rng.choice([0.5, 1.0, 1.5, 2.0])
    rows = [([big[0], -big[1], 0.0], 0), ([-big[2], big[3], big[3] - gap], 2), ([0.0, -big[1], big[0]], 1)]
    shuffled = []
    for row, label in rows:
        order = rng.permutation(3)
        shuffled.append(([float(row[i]) for i in order], int(np.flatnonzero(order == label)[0])))
    return shuffled


@pytest.mark.points(1)
def test_softmax_cross_entropy_finite_for_huge_logits(student, reference, rng):
    """softmax_cross_entropy stays finite and right for logits of +-1000 (max shift, log-sum-exp)"""
    # One example per call (N = 1), so this check is about stability only: a mean
    # that should be a sum, or a missing 1/N, cannot change the result here.
    hint = ("np.exp overflows above ~709: subtract each row's max logit first; then compute log-probabilities "
            "as shifted - log(sum(exp(shifted))) (log-sum-exp), because log(softmax) is log(0) = -inf "
            "once a probability underflows to 0")
    for row, label in huge_logit_rows(rng):
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

def functions_to_check(rng: np.random.Generator):
    """(description, f, x) for gradient_check: a 1-D and two 2-D arrays, two of them non-separable, each drawn
    until every exact derivative is at least GRADCHECK_FLOOR in size."""
    def drawn(draw, gradient):
        while True:
            values = draw()
            if np.all(np.abs(gradient(*values)) >= GRADCHECK_FLOOR):
                return values

    x1, = drawn(lambda: (rng.uniform(-2.0, 2.0, size=5),), lambda x: np.sin(x) + x * np.cos(x))
    x2, B = drawn(lambda: (rng.uniform(-1.0, 1.0, size=(3, 4)), rng.normal(size=(4, 2))),
                  lambda x, B: (1 - np.tanh(x @ B) ** 2) @ B.T)
    x3, = drawn(lambda: (rng.uniform(-2.0, 2.0, size=(2, 3)),),
                lambda x: 2 * x * x[0, 0] + np.sum(x ** 2) * (np.arange(x.size) == 0).reshape(x.shape))
    return [("f = sum(sin(x) * x) for x of shape (5,)", lambda: float(np.sum(np.sin(x1) * x1)), x1),
            ("f = sum(tanh(X @ B)) for X of shape (3, 4)", lambda: float(np.sum(np.tanh(x2 @ B))), x2),
            ("f = sum(X ** 2) * X[0, 0] for X of shape (2, 3)", lambda: float(np.sum(x3 ** 2) * x3[0, 0]), x3)]


@pytest.mark.points(1)
def test_gradient_check_matches_numerical_gradient(student, rng):
    """gradient_check estimates the gradient of f() for 1-D and 2-D arrays"""
    for description, f, x in functions_to_check(rng):
        expected = numerical_gradient(f, x)
        got = student.gradient_check(f, x)
        expect_array(got, expected, f"gradient_check(f, x) with {description}", tol=GRADCHECK_TOL,
                     hint="change x itself, one entry at a time (f reads x, so a copy changes nothing), and visit "
                     "EVERY index of a 2-D array: np.ndindex(x.shape) gives the index tuples")


@pytest.mark.points(1)
def test_gradient_check_restores_x(student, rng):
    """after gradient_check(f, x), x holds exactly its old values"""
    for description, f, x in functions_to_check(rng):
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
def test_gradient_check_is_centred(student, rng):
    """gradient_check uses centered differences (error O(h^2)), and the h it is given"""
    x = rng.uniform(0.7, 1.3, size=6)

    def f():
        return float(np.sum(x ** 3))

    exact, same_h = 3.0 * x ** 2, numerical_gradient(f, x, h=1e-3)  # before the call: x may not come back
    got = student.gradient_check(f, x, h=1e-3)
    expect_array(got, exact, "gradient_check(f, x, h=1e-3) with f = sum(x ** 3), x near 1, against the "
                 "exact 3 x^2", tol=CENTRED_TOL,
                 hint="a one-sided difference (f(x + h) - f(x)) / h is off by about 3 x h; the centered "
                 "(f(x + h) - f(x - h)) / (2 h) only by h^2")
    expect_array(got, same_h, "gradient_check(f, x, h=1e-3) with f = sum(x ** 3), "
                 "against a centered estimate with the same h", tol=SAME_H_TOL,
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
