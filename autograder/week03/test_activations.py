"""Hidden graders for the Week 3 exercise ``activations.py``: activation functions and their derivatives.

Values are compared with the reference on random inputs, drawn per student and
course (fixture ``rng``), the overflow checks' included. Derivatives are
compared with centered differences of the *reference* activation, and a
derivative that calls the student's own activation gets the reference one
while it is checked (``upstream_from_reference``), so a wrong ``sigmoid``
costs points in the sigmoid checks only. Student functions get copies of the
inputs, so one that changes its argument in place cannot spoil the expected
values. Overflow checks run with numpy's default error settings restored, so
a module-level ``np.seterr(all="ignore")`` cannot hide a warning, and their
failures record the symptom ``overflow`` (see ``overflowed``).
"""

import contextlib

import numpy as np
import pytest

from autograder.checks import call_recording_warnings, expect, expect_array, numerical_gradient, real_array
from autograder.week03.problems import clear_of_zero, signed

#: Values against the reference: both evaluate the same float64 formulas (or
#: equivalent ones, e.g. sigmoid through tanh), so only rounding separates them;
#: the relative error has a floor of 1e-8 in its denominator, so outputs near 0
#: (sigmoid(-9) ~ 1e-4) stay well inside. Wrong formulas measure 1e-2 or more.
VALUE_TOL = 1e-7
#: Derivatives against centered differences, h = 1e-5, float64, on drawn inputs:
#: smooth ones within |z| <= 4 (where tanh's slope is still 1.3e-3, so the difference's
#: rounding stays small beside it), piecewise-linear ones at least 0.1 from the kink.
#: Over 2,000 draws the reference measures at most: sigmoid 3.5e-10, tanh 1.8e-9,
#: relu 3.3e-12, leaky_relu 1.4e-11; the planted bugs (using z instead of the
#: activation, a missing alpha) measure 0.1 or more. 1e-6 leaves over two decades each side.
DERIVATIVE_TOL = 1e-6
#: softmax_backward against the numerical gradient of sum(w * softmax(z)), h = 1e-5:
#: near-zero entries of the exact gradient would make the estimate's rounding (about
#: 1e-11) a large part of them, so a draw with an entry below 1e-3 is drawn again
#: (problems.clear_of_zero). Over 2,000 draws the reference measures at most 2.1e-8;
#: the bugs (dp * p without the subtraction term, one sum over the whole batch)
#: measure 0.25 or more.
BACKWARD_TOL = 1e-6
H = 1e-5

ELEMENTWISE = ("sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "relu", "relu_derivative",
               "leaky_relu", "leaky_relu_derivative")


def smooth_inputs(rng: np.random.Generator, shape=(4, 5), scale: float = 2.0, limit: float = 6.0) -> np.ndarray:
    """Float64 values of both signs, |z| <= limit, with an exact 0 in a random place."""
    z = np.clip(rng.normal(0.0, scale, shape), -limit, limit)
    z.flat[rng.integers(z.size)] = 0.0
    return z


def away_from_kink(rng: np.random.Generator, shape=(4, 5)) -> np.ndarray:
    """Float64 values of both signs with 0.1 <= |z| <= 3, so z +- H never crosses 0."""
    return signed(rng, shape, 0.1, 3.0)


def huge_inputs(rng: np.random.Generator) -> np.ndarray:
    """Inputs from -1000 to 1000 in a random order: past exp's overflow at about +-709 and around 0, drawn
    around fixed landmarks (+-1000, +-710, +-30, +-1, 0), so that no table of answers fits them."""
    landmarks = [-1000.0, -710.0, -30.0, -1.0, 0.0, 1.0, 30.0, 710.0, 1000.0]
    drawn = np.round(signed(rng, (4,), 710.0, 1000.0), 1).tolist() + np.round(signed(rng, (2,), 0.5, 30.0), 2).tolist()
    return rng.permutation(np.array(landmarks + drawn))


def centred_difference(f, z: np.ndarray) -> np.ndarray:
    """(f(z + H) - f(z - H)) / 2H, element by element (f is element-wise)."""
    return (f(z + H) - f(z - H)) / (2 * H)


@contextlib.contextmanager
def upstream_from_reference(student, reference, name: str):
    """While checking a derivative, the student's module uses the reference's ``name`` (e.g. sigmoid)."""
    missing = object()
    own = getattr(student, name, missing)
    setattr(student, name, getattr(reference, name))
    try:
        yield
    finally:
        if own is missing:
            delattr(student, name)
        else:
            setattr(student, name, own)


def overflowed(caught: list[str], got) -> dict:
    """The symptom of an overflow check's failure: np.exp overflowed, or the result holds NaN or inf."""
    finite = isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.number) and bool(np.all(np.isfinite(got)))
    return {"overflow": True} if not finite or any("overflow" in warning for warning in caught) else {}


def describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__


# --- sigmoid ----------------------------------------------------------------

@pytest.mark.points(1)
def test_sigmoid_matches_reference(student, reference, rng):
    """sigmoid computes 1 / (1 + exp(-z)) for negative, zero and positive z"""
    z = smooth_inputs(rng, scale=3.0)
    expect_array(student.sigmoid(z.copy()), reference.sigmoid(z), "sigmoid(z) on a random (4, 5) array",
                 tol=VALUE_TOL, hint="sigmoid(0) = 0.5, sigmoid(z) -> 1 for large z, -> 0 for very negative z; "
                 "for z < 0 the stable form is exp(z) / (1 + exp(z))")


@pytest.mark.points(1)
def test_sigmoid_no_overflow_at_plus_minus_1000(student, reference, rng):
    """sigmoid stays finite and raises no RuntimeWarning for z = +-1000 (a stable form)"""
    z = huge_inputs(rng)
    got, caught = call_recording_warnings(student, student.sigmoid, z.copy())
    expect(not caught, f"sigmoid({z.tolist()})", expected="no RuntimeWarning", got="; ".join(caught),
           hint="exp(-z) overflows for z below about -709: exponentiate only -|z|, i.e. "
           "e = np.exp(-np.abs(z)), and use 1 / (1 + e) for z >= 0, e / (1 + e) for z < 0. np.where "
           "evaluates both of its branches, so neither branch may contain np.exp(-z) or np.exp(z)",
           symptoms=overflowed(caught, got))
    expect_array(got, reference.sigmoid(z), f"sigmoid({z.tolist()})", tol=VALUE_TOL,
                 hint="sigmoid(-1000) is 0 and sigmoid(1000) is 1; both forms give the same value for any z")


@pytest.mark.points(1)
def test_sigmoid_derivative_matches_numerical_derivative(student, reference, rng):
    """sigmoid_derivative(z) matches a centered-difference slope of sigmoid"""
    z = smooth_inputs(rng, limit=4.0)
    with upstream_from_reference(student, reference, "sigmoid"):
        got = student.sigmoid_derivative(z.copy())
    expect_array(got, centred_difference(reference.sigmoid, z), "sigmoid_derivative(z) against a numerical "
                 "derivative", tol=DERIVATIVE_TOL, hint="the derivative is s * (1 - s) with s = sigmoid(z): "
                 "use s, not z, in both places (it is 0.25 at z = 0)")


# --- tanh -------------------------------------------------------------------

@pytest.mark.points(1)
def test_tanh_matches_reference(student, reference, rng):
    """tanh computes the hyperbolic tangent for negative, zero and positive z"""
    z = smooth_inputs(rng, scale=3.0)
    expect_array(student.tanh(z.copy()), reference.tanh(z), "tanh(z) on a random (4, 5) array", tol=VALUE_TOL,
                 hint="np.tanh(z) does it; by hand it is (exp(z) - exp(-z)) / (exp(z) + exp(-z))")


@pytest.mark.points(1)
def test_tanh_derivative_matches_numerical_derivative(student, reference, rng):
    """tanh_derivative(z) matches a centered-difference slope of tanh"""
    z = smooth_inputs(rng, limit=4.0)
    with upstream_from_reference(student, reference, "tanh"):
        got = student.tanh_derivative(z.copy())
    expect_array(got, centred_difference(reference.tanh, z), "tanh_derivative(z) against a numerical derivative",
                 tol=DERIVATIVE_TOL, hint="the derivative is 1 - tanh(z) ** 2: square tanh(z), not z "
                 "(1 - z ** 2 is the formula in terms of the output t = tanh(z), and it turns negative for |z| > 1)")


# --- relu and leaky relu ----------------------------------------------------

@pytest.mark.points(1)
def test_relu_matches_reference(student, reference, rng):
    """relu keeps positive values and sets the others to 0"""
    z = smooth_inputs(rng, scale=3.0)
    expect_array(student.relu(z.copy()), reference.relu(z), "relu(z) on a random (4, 5) array", tol=VALUE_TOL,
                 hint="np.maximum(z, 0), element by element (np.max would return a single number)")


@pytest.mark.points(1)
def test_relu_derivative_matches_numerical_derivative(student, reference, rng):
    """relu_derivative(z) matches a centered-difference slope of relu away from z = 0"""
    z = away_from_kink(rng)
    expect_array(student.relu_derivative(z.copy()), centred_difference(reference.relu, z),
                 "relu_derivative(z) against a numerical derivative (no z near 0)", tol=DERIVATIVE_TOL,
                 hint="the slope is 1 where z > 0 and 0 where z < 0: (z > 0).astype(z.dtype)")


@pytest.mark.points(1)
def test_leaky_relu_matches_reference(student, reference, rng):
    """leaky_relu keeps positive values and multiplies the others by alpha (default 0.01)"""
    z = smooth_inputs(rng, scale=3.0)
    for kwargs, call in (({}, "leaky_relu(z)"), ({"alpha": 0.2}, "leaky_relu(z, alpha=0.2)")):
        expect_array(student.leaky_relu(z.copy(), **kwargs), reference.leaky_relu(z, **kwargs),
                     f"{call} on a random (4, 5) array", tol=VALUE_TOL,
                     hint="positive z pass unchanged, negative z are multiplied by alpha (use the alpha argument): "
                     "np.where(z > 0, z, alpha * z)")


@pytest.mark.points(1)
def test_leaky_relu_derivative_matches_numerical_derivative(student, reference, rng):
    """leaky_relu_derivative(z, alpha) matches a centered-difference slope away from z = 0"""
    z = away_from_kink(rng)
    for alpha in (0.01, 0.2):
        expect_array(student.leaky_relu_derivative(z.copy(), alpha=alpha),
                     centred_difference(lambda x: reference.leaky_relu(x, alpha=alpha), z),
                     f"leaky_relu_derivative(z, alpha={alpha}) against a numerical derivative (no z near 0)",
                     tol=DERIVATIVE_TOL, hint="the slope is 1 where z > 0 and alpha where z < 0: "
                     "np.where(z > 0, 1.0, alpha), converted to z's dtype")


@pytest.mark.points(1)
def test_relu_derivatives_at_zero_follow_the_convention(student):
    """at exactly z = 0, relu_derivative is 0 and leaky_relu_derivative is alpha"""
    z = np.array([-1.0, 0.0, 1.0])
    for call, got, expected in (
            ("relu_derivative([-1, 0, 1])", student.relu_derivative(z.copy()), [0.0, 0.0, 1.0]),
            ("leaky_relu_derivative([-1, 0, 1], alpha=0.2)", student.leaky_relu_derivative(z.copy(), alpha=0.2),
             [0.2, 0.2, 1.0])):
        values = np.asarray(got, dtype=np.float64).tolist() if isinstance(got, np.ndarray) else repr(got)
        expect(isinstance(got, np.ndarray) and got.shape == (3,) and np.allclose(got, expected, rtol=0, atol=1e-12),
               call, expected=str(expected), got=str(values),
               hint="the stated convention treats z == 0 like z < 0 (the unit is off): test z > 0, not z >= 0")


# --- softmax ----------------------------------------------------------------

@pytest.mark.points(1)
def test_softmax_matches_reference_for_1d_and_2d(student, reference, rng):
    """softmax turns a vector (C,) or each row of a batch (N, C) into probabilities"""
    for z in (rng.normal(0.0, 2.0, 6), rng.normal(0.0, 2.0, (4, 6))):
        expect_array(student.softmax(z.copy()), reference.softmax(z), f"softmax(z) for z of shape {z.shape}",
                     tol=VALUE_TOL, hint="exponentiate the shifted logits and divide by their sum over the LAST "
                     "axis of each row (axis=-1, keepdims=True); axis=-1 serves (C,) and (N, C) alike")


@pytest.mark.points(1)
def test_softmax_rows_sum_to_one(student, rng):
    """every row of softmax's output is positive and sums to 1, for (C,) and (N, C) inputs"""
    for z in (rng.normal(0.0, 3.0, 5), rng.normal(0.0, 3.0, (3, 5))):
        p = student.softmax(z.copy())
        ok = real_array(p) is not None and p.shape == z.shape
        p = real_array(p) if ok else p
        sums = np.sum(p, axis=-1) if ok else None
        expect(ok and np.allclose(sums, 1.0, rtol=0, atol=1e-9) and bool(np.all(p >= 0)),
               f"sums over the last axis of softmax(z), z of shape {z.shape}",
               expected=f"an array of shape {z.shape} whose rows are >= 0 and sum to 1",
               got=f"row sums {np.round(sums, 6).tolist()}" if ok else describe(p),
               hint="normalize each row by its own sum: np.sum(e, axis=-1, keepdims=True); "
               "axis=0 would normalize the columns of a batch instead")


def huge_logits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A batch of three rows, all near +c, all near -c, and (0, c, -c), and a vector near +c, c from 900 to 1100
    per row, in a random order within each row: a max shift per row keeps every exponent finite; a shift by the
    whole batch's max leaves the second row with exp(-2000) = 0 everywhere."""
    def near(c):
        return c + rng.permutation([-1.0, 0.0, 1.0]) * rng.integers(1, 4)

    big = rng.integers(900, 1101, size=4).astype(np.float64)
    batch = np.array([near(big[0]), near(-big[1]), rng.permutation([0.0, big[2], -big[2]])])
    return batch, near(big[3])


@pytest.mark.points(1)
def test_softmax_no_overflow_at_plus_minus_1000(student, reference, rng):
    """softmax stays finite and raises no RuntimeWarning for logits around +-1000 (subtract the row max)"""
    batch, vector = huge_logits(rng)
    for z in (batch, vector):
        got, caught = call_recording_warnings(student, student.softmax, z.copy())
        expect(not caught and isinstance(got, np.ndarray) and bool(np.all(np.isfinite(got))),
               f"softmax(z) for z = {z.tolist()}", expected="finite probabilities and no RuntimeWarning",
               got="; ".join(caught) or (describe(got) + " with NaN or inf" if isinstance(got, np.ndarray)
                                         else describe(got)),
               hint="np.exp overflows above ~709: subtract each row's own max (np.max(z, axis=-1, "
               "keepdims=True)) before exponentiating; the max of the whole array leaves a row near -1000 "
               "with exp(-2000) = 0 everywhere, and 0 / 0 = nan", symptoms=overflowed(caught, got))
    # the vector was checked last: got is softmax(vector); a 1-D input is immune to an axis mistake,
    # so this catches clipping without charging the axis=0 bug a second time
    expect_array(got, reference.softmax(vector), f"softmax({vector.tolist()})", tol=VALUE_TOL,
                 hint="the answer equals softmax(z - max(z)), of numbers between -6 and 0: shifting all logits of "
                 "a row by the same number changes nothing, so shift, do not clip")


def softmax_backward_problem(rng: np.random.Generator, shape: tuple):
    """Logits z and an upstream gradient w whose exact gradient p * (w - sum(w * p)) has no entry near 0."""
    while True:
        z, w = rng.normal(0.0, 2.0, shape), rng.normal(0.0, 1.0, shape)
        p = np.exp(z - z.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        if clear_of_zero(p * (w - np.sum(w * p, axis=-1, keepdims=True))):
            return z, w


@pytest.mark.points(2)
def test_softmax_backward_matches_numerical_gradient(student, reference, rng):
    """softmax_backward(dp, p) is the gradient of sum(dp * softmax(z)) with respect to z, for (C,) and (N, C)"""
    for shape in ((5,), (3, 4)):
        z, w = softmax_backward_problem(rng, shape)
        expected = numerical_gradient(lambda: float(np.sum(w * reference.softmax(z))), z)
        p = reference.softmax(z)
        expect_array(student.softmax_backward(w.copy(), p.copy()), expected,
                     f"softmax_backward(dp, p) for p of shape {shape} against a numerical gradient",
                     tol=BACKWARD_TOL, hint="every p_k depends on every z_j of its row, so dz is not dp * p: "
                     "dz = p * (dp - s) with s = np.sum(dp * p, axis=-1, keepdims=True), one sum per row "
                     "(over the classes, never over the batch)")


# --- shapes and dtypes ------------------------------------------------------

@pytest.mark.points(1)
def test_every_function_keeps_shape_and_dtype(student, rng):
    """every function returns its input's shape and dtype: float32 stays float32, 2-D stays 2-D"""
    for z in (rng.normal(0.0, 2.0, (2, 3)).astype(np.float32), rng.normal(0.0, 2.0, 4),
              rng.normal(0.0, 2.0, (2, 2, 3)).astype(np.float32)):
        calls = [(f"{name}(z)", getattr(student, name), (z.copy(),)) for name in ELEMENTWISE + ("softmax",)]
        calls.append(("softmax_backward(dp, p)", student.softmax_backward, (z.copy(), np.full_like(z, 0.25))))
        for call, f, args in calls:
            got = f(*args)
            expect(isinstance(got, np.ndarray) and got.shape == z.shape and got.dtype == z.dtype,
                   f"{call} for a {z.dtype} input of shape {z.shape}",
                   expected=f"a {z.dtype} array of shape {z.shape}", got=describe(got),
                   hint="build the result from z with numpy operations; a comparison gives booleans, and "
                   "np.where(..., 1.0, alpha), .astype(float) or np.array(z, dtype=float) give float64: "
                   "convert with .astype(z.dtype)")
