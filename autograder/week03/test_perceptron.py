"""Hidden graders for the Week 3 warm-up: ``step`` and ``Perceptron`` in perceptron.py.

Each test sets the weights it needs on the student's perceptron, so a bug in
``__init__`` costs points once. The ``fit`` checks run the student's loop with
the reference ``predict`` and ``update``: they grade the loop (counting
mistakes, stopping, the returned flag), while a wrong update costs only the
update checks.

Exactness: every input, weight and learning rate below is a small multiple of a
power of two (0.5, 0.25, 0.125), so the arithmetic is exact in float64 and any
order of operations gives the same numbers. That is why ``fit`` runs with
learning_rate=0.5: with 0.1, sums such as 0.1 + 0.1 - 0.2 round to about 3e-17
instead of 0, the step at 0 then depends on rounding, and two correct
implementations can record different ``errors_``.
"""

import numbers
import types

import numpy as np
import pytest

from autograder.checks import expect, expect_array, without_init

#: Weights and biases after an update are compared with this relative error.
#: The expected values are exact (see above); the reference measures 0.
#: 1e-12 only allows for a student who computes the same sum in another order.
UPDATE_TOL = 1e-12

#: The four rows of a two-input truth table, and the gates the perceptron learns.
TRUTH_TABLE = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "XOR": [0, 1, 1, 0]}
#: Learning rate of every fit check: exact in binary (see the module docstring).
FIT_LEARNING_RATE = 0.5
#: Epochs of the early-stopping check: AND converges within 13 epochs in every row order and input scale drawn.
STOPS_EPOCHS = 20

XOR_LESSON = ("no straight line puts XOR's 1s, (0,1) and (1,0), on one side and its 0s, (0,0) and (1,1), on the "
              "other, so a single perceptron makes at least one mistake in every epoch and never converges")


def model_with(module, w, b, learning_rate):
    """The student's perceptron holding ``w`` and ``b`` (built without __init__ if theirs fails)."""
    try:
        model = module.Perceptron(len(w), learning_rate=learning_rate)
    except Exception:
        model = without_init(module, "Perceptron")
        model.learning_rate = learning_rate
    model.w, model.b, model.errors_ = np.array(w, dtype=np.float64), float(b), []
    return model


def as_number(value):
    """A 0-d array as its Python number (what ``y - step(score)`` can give); anything else unchanged."""
    return value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value


def describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}: {np.array2string(value, separator=', ')}"
    return f"{value} ({type(value).__name__})"


def is_bool(value, flag: bool) -> bool:
    """True when ``value`` is the boolean ``flag`` (Python's or NumPy's)."""
    return isinstance(value, (bool, np.bool_)) and bool(value) is flag


# --- step -------------------------------------------------------------------

@pytest.mark.points(1)
def test_step_zero_counts_as_one(student):
    """step gives 1 for scores >= 0 (exactly 0 included) and 0 for negative scores"""
    z = np.array([-3.0, -1e-12, 0.0, 1e-12, 2.5])
    got = student.step(z.copy())
    expected = np.array([0, 0, 1, 1, 1])
    ok = isinstance(got, np.ndarray) and got.shape == z.shape and np.array_equal(got, expected)
    at_zero = got[2] if ok or (isinstance(got, np.ndarray) and got.shape == z.shape) else None
    hint = ("a score of exactly 0 counts as class 1: compare with z >= 0, not z > 0" if at_zero == 0 else
            "1 where z >= 0, else 0, element by element: (z >= 0).astype(int)")
    expect(ok, f"step({z.tolist()})", expected=str(expected.tolist()), got=describe(got), hint=hint)


@pytest.mark.points(1)
def test_step_returns_integers_of_the_input_shape(student):
    """step returns an integer array of its input's shape"""
    z = np.array([[-2.0, 0.5, 3.0], [1.5, -0.25, -4.0]])
    got = student.step(z.copy())
    expect(isinstance(got, np.ndarray) and got.shape == z.shape, "step(z) for z of shape (2, 3)",
           expected="an array of shape (2, 3)", got=describe(got),
           hint="work element by element on the whole array; do not flatten it or loop over it")
    expect(np.issubdtype(got.dtype, np.integer), "dtype of step(z)", expected="an integer dtype (int64)",
           got=f"dtype {got.dtype}", hint="a comparison gives booleans (True/False): turn them into 0/1 "
           "integers with .astype(int)")
    expect(np.array_equal(got, [[0, 1, 1], [1, 0, 0]]), "step(z) for z of shape (2, 3)",
           expected="[[0, 1, 1], [1, 0, 0]]", got=describe(got), hint="1 where z >= 0, else 0")


# --- __init__ and predict -----------------------------------------------------

@pytest.mark.points(1)
def test_init_starts_from_zero(student):
    """Perceptron(n_inputs) starts with w = zeros (n_inputs,) as floats and b = 0.0"""
    for n in (2, 5):
        model = student.Perceptron(n, learning_rate=0.5)
        w, b = getattr(model, "w", None), getattr(model, "b", None)
        expect(isinstance(w, np.ndarray) and w.shape == (n,) and np.issubdtype(w.dtype, np.floating)
               and not w.any(), f"Perceptron({n}).w", expected=f"float zeros of shape ({n},)", got=describe(w),
               hint="np.zeros(n_inputs) (float by default; integer weights could not take 0.1-sized steps)")
        expect(isinstance(b, numbers.Real) and b == 0, f"Perceptron({n}).b", expected="0.0", got=describe(b),
               hint="the bias is a single number: self.b = 0.0")


@pytest.mark.points(1)
def test_predict_thresholds_the_score(student):
    """predict returns step(X @ w + b): one 0/1 label per row"""
    w, b = np.array([1.5, -2.0]), 0.25
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, -1.0], [2.0, 1.5], [0.0, 0.0]])
    expected = (X @ w + b >= 0).astype(int)  # scores 1.75, -1.75, -0.25, 0.25, -0.75, 0.25: none at 0
    got = model_with(student, w, b, 0.5).predict(X.copy())
    expect(isinstance(got, np.ndarray) and got.shape == (6,), "predict(X) for X of shape (6, 2)",
           expected="an array of shape (6,)", got=describe(got),
           hint="X @ self.w gives one score per row, shape (N,); add the bias and apply step")
    expect(np.array_equal(got, expected), "predict(X) with w = [1.5, -2.0], b = 0.25",
           expected=str(expected.tolist()), got=describe(got),
           hint="the score of row i is X[i] @ w + b; the label is 1 where it is >= 0")


# --- update -----------------------------------------------------------------

def diagnose_update(w_got, w0, b0, x, y, learning_rate):
    """A hint naming the planted mistake that reproduces (w_got, b_got), if any."""
    error = y - int(x @ w0 + b0 >= 0)
    raw = y - (x @ w0 + b0)
    suspects = [
        ((w0 - learning_rate * error * x, b0 - learning_rate * error),
         "w and b moved the wrong way (the sign is flipped): with error = y - prediction, the rule adds, "
         "w += learning_rate * error * x"),
        ((w0 + error * x, b0 + error),
         "the step ignores the learning rate: multiply by self.learning_rate, w += learning_rate * error * x"),
        ((w0 + learning_rate * raw * x, b0 + learning_rate * raw),
         "the error used the raw score x @ w + b; it must use the 0/1 prediction: error = y - step(score)"),
    ]
    for (w_bug, b_bug), hint in suspects:
        if np.allclose(w_got, w_bug, rtol=0, atol=1e-9):
            return hint
    return "w += learning_rate * error * x, with error = y - prediction (the 0/1 prediction)"


UPDATE_CASES = [  # (w, b, x, y): a mistake in each direction, scores far from 0
    ([0.25, -0.5, 0.125], -0.25, [1.0, 2.0, -1.0], 1),  # score -1.125 -> predicts 0, error +1
    ([0.5, 0.25, -0.25], 0.125, [2.0, 1.0, 1.0], 0),    # score 1.125 -> predicts 1, error -1
]


@pytest.mark.points(2)
def test_update_applies_the_perceptron_rule(student):
    """update on a misclassified example returns its error and moves w and b by learning_rate * error"""
    learning_rate = 0.5
    for w0, b0, x, y in UPDATE_CASES:
        w0, x = np.array(w0), np.array(x)
        model = model_with(student, w0, b0, learning_rate)
        error = as_number(model.update(x.copy(), y))
        expected_error = y - int(x @ w0 + b0 >= 0)
        what = f"one update with learning_rate={learning_rate} on x = {x.tolist()}, y = {y}, " \
               f"from w = {w0.tolist()}, b = {b0} (score {x @ w0 + b0:g})"
        used_score = isinstance(error, numbers.Real) and np.isclose(error, y - (x @ w0 + b0))
        expect(isinstance(error, numbers.Real) and error == expected_error, f"the error returned by {what}",
               expected=f"{expected_error} (y - prediction, the prediction being {y - expected_error})",
               got=describe(error),
               hint="the error used the raw score x @ w + b; it must use the 0/1 prediction: error = y - "
                    "step(score), so it is always -1, 0 or +1" if used_score else
                    "return y - prediction as one int (-1, 0 or +1), not an array: predict(x[np.newaxis, :])[0] "
                    "is the prediction for one example")
        w_expected = w0 + learning_rate * expected_error * x
        b_expected = b0 + learning_rate * expected_error
        expect_array(np.asarray(model.w), w_expected, f"w after {what}", tol=UPDATE_TOL,
                     hint=diagnose_update(np.asarray(model.w, dtype=float), w0, b0, x, y, learning_rate))
        b_hint = ("b did not move: the bias learns too, b += learning_rate * error (think of it as the weight of "
                  "an input that is always 1)" if np.isclose(float(model.b), b0) else
                  "b += learning_rate * error, with the same error as for w")
        expect_array(np.asarray(model.b, dtype=float), np.asarray(b_expected), f"b after {what}",
                     tol=UPDATE_TOL, hint=b_hint)


@pytest.mark.points(1)
def test_update_leaves_a_correct_example_alone(student):
    """update on a correctly classified example returns 0 and changes neither w nor b"""
    w0, b0 = np.array([0.5, -0.25]), 0.25
    for x, y in (([1.0, 1.0], 1), ([0.0, 2.0], 0)):  # scores 0.5 and -0.25: both already right
        x = np.array(x)
        model = model_with(student, w0, b0, 0.5)
        error = as_number(model.update(x.copy(), y))
        what = f"update(x = {x.tolist()}, y = {y}) with w = {w0.tolist()}, b = {b0} (score {x @ w0 + b0:g})"
        hint = ("the perceptron already classifies this example right, so it must not learn from it: the error "
                "is y minus the 0/1 prediction (0 here), not y minus the raw score x @ w + b")
        expect(isinstance(error, numbers.Real) and error == 0, f"the error returned by {what}",
               expected="0", got=describe(error), hint=hint)
        expect(np.array_equal(np.asarray(model.w, dtype=float), w0) and float(model.b) == b0, f"w and b after {what}",
               expected=f"unchanged: w = {w0.tolist()}, b = {b0}",
               got=f"w = {np.asarray(model.w).tolist()}, b = {model.b}", hint=hint)


# --- fit --------------------------------------------------------------------

def with_reference_rule(model, reference, served: list | None = None):
    """``model`` with the reference predict and update, so the fit checks grade only the student's loop. Each
    update appends the (w, b) it leaves to ``served``: a fit learns through them, so it ends on the last."""
    model.predict = types.MethodType(reference.Perceptron.predict, model)
    rule = types.MethodType(reference.Perceptron.update, model)

    def update(x, y):
        error = rule(x, y)
        if served is not None:
            served.append((np.array(model.w, dtype=np.float64), float(model.b)))
        return error

    model.update = update
    model.learning_rate = FIT_LEARNING_RATE  # the name the reference update reads, whatever the student's __init__ did
    return model


def drawn_table(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """The truth table's rows in a drawn order, each input scaled by 1, 2 or 0.5 (exact in binary): the same gate
    for every student, a problem of its own for each, so that no table of prepared answers fits it."""
    order, scale = rng.permutation(4), float(rng.choice([0.5, 1.0, 2.0]))
    return TRUTH_TABLE[order] * scale, order, f"rows in the order {order.tolist()}, inputs scaled by {scale:g}"


def fitted(student, reference, gate: str, epochs: int, rng: np.random.Generator, served: list | None = None):
    """The student's perceptron after fit on ``gate``'s (drawn) truth table, with the reference predict and update:
    (model, fit's result, X, y, how the table was drawn)."""
    X, order, drawn = drawn_table(rng)
    y = np.array(GATES[gate])[order]
    model = with_reference_rule(model_with(student, np.zeros(2), 0.0, FIT_LEARNING_RATE), reference, served)
    converged = model.fit(X.copy(), y.copy(), epochs=epochs)
    return model, converged, X, y, drawn


def errors_of(model):
    """``model.errors_`` as a list of plain numbers (whatever it is, if not a sequence)."""
    errors = getattr(model, "errors_", None)
    if not isinstance(errors, (list, tuple, np.ndarray)):
        return errors
    return [e.item() if isinstance(e, np.generic) else e for e in errors]


def check_learns(student, reference, gate: str, rng: np.random.Generator) -> None:
    served = []
    model, converged, X, y, drawn = fitted(student, reference, gate, 100, rng, served)
    errors = errors_of(model)
    what = f"fit on the {gate} truth table ({drawn}; epochs=100, learning_rate={FIT_LEARNING_RATE})"
    canceled = isinstance(errors, list) and errors[-1:] == [0]
    expect(is_bool(converged, True), what, expected="True (converged)",
           got=f"{describe(converged)}, errors_ = {errors}",
           hint=f"{gate} is separable by a straight line, so the rule converges within a few epochs: "
                "return True right after the first epoch with zero mistakes")
    expect(isinstance(errors, list) and len(errors) > 0 and errors[-1] == 0, f"errors_ after {what}",
           expected="one count per epoch, the last one 0", got=repr(errors),
           hint="append each epoch's number of mistakes to self.errors_ (a list)")
    w, b = np.array(model.w, dtype=np.float64), float(model.b)
    learned = len(served) >= len(X) and np.array_equal(served[-1][0], w) and served[-1][1] == b
    expect(learned, f"how fit reached its weights ({what})", expected="through self.update: at least one call per "
           "example, and w and b as the last call left them",
           got=f"{len(served)} calls to self.update" + ("" if not served or learned else ", then w and b changed"),
           hint="learn by calling self.update(x_i, y_i) on every example of each epoch; never set w or b in fit")
    labels = model.predict(X)
    expect(np.array_equal(labels, y), f"predictions on the four rows after {what}",
           expected=str(y.tolist()), got=f"{labels.tolist()} with errors_ = {errors}",
           hint="an epoch counted 0 mistakes while some rows are still wrong: count the examples whose error is "
                "not 0 (error != 0); adding up the errors lets +1 and -1 cancel" if canceled else
                "return True only after an epoch in which every example was classified right")


@pytest.mark.points(1)
def test_fit_learns_and(student, reference, rng):
    """fit learns AND: returns True and then classifies all four rows right"""
    check_learns(student, reference, "AND", rng)


@pytest.mark.points(1)
def test_fit_learns_or(student, reference, rng):
    """fit learns OR: returns True and then classifies all four rows right"""
    check_learns(student, reference, "OR", rng)


@pytest.mark.points(1)
def test_fit_learns_nand(student, reference, rng):
    """fit learns NAND: returns True and then classifies all four rows right"""
    check_learns(student, reference, "NAND", rng)


@pytest.mark.points(2)
def test_fit_reports_that_xor_does_not_converge(student, reference, rng):
    """fit on XOR returns False after its epochs, with at least one mistake in every epoch"""
    epochs = 25
    served = []
    model, converged, X, _, drawn = fitted(student, reference, "XOR", epochs, rng, served)
    errors = errors_of(model)
    what = f"fit on the XOR truth table ({drawn}; epochs={epochs})"
    counted_zero = isinstance(errors, list) and 0 in errors
    hint = (f"an epoch counted 0 mistakes, but {XOR_LESSON}. Count the examples whose error is not 0 "
            "(error != 0): adding up the errors lets +1 and -1 cancel" if counted_zero else
            f"{XOR_LESSON}: return True only after an epoch with zero mistakes, and False once all "
            "the epochs are used up")
    expect(is_bool(converged, False), what, expected="False (did not converge)",
           got=f"{describe(converged)}, errors_ = {errors}", hint=hint)
    expect(isinstance(errors, list) and len(errors) == epochs and min(errors) > 0, f"errors_ after {what}",
           expected=f"{epochs} counts, none of them 0", got=repr(errors), hint=hint)
    expect(len(served) == epochs * len(X), f"the calls {what} made to self.update",
           expected=f"{epochs * len(X)}: one per example in each of the {epochs} epochs", got=str(len(served)),
           hint="learn by calling self.update(x_i, y_i) on every example of each epoch, for all the epochs")


@pytest.mark.points(1)
def test_fit_stops_after_the_first_clean_epoch(student, reference, rng):
    """fit records the mistakes of each epoch and stops right after the first epoch with none"""
    X, order, drawn = drawn_table(rng)
    for gate, labels in (("AND", np.array(GATES["AND"])[order].tolist()), ("all ones", [1, 1, 1, 1])):
        ref = reference.Perceptron(2, learning_rate=FIT_LEARNING_RATE)
        ref.fit(X.copy(), np.array(labels), epochs=STOPS_EPOCHS)
        expected = ref.errors_  # AND in the table's order: [2, 3, 3, 2, 1, 0]; all ones: [0] (a zero start says 1)
        model = with_reference_rule(model_with(student, np.zeros(2), 0.0, FIT_LEARNING_RATE), reference)
        converged = model.fit(X.copy(), np.array(labels), epochs=STOPS_EPOCHS)
        errors = errors_of(model)
        what = f"errors_ after fit(X, {labels}, epochs={STOPS_EPOCHS}), X the truth table ({drawn}), learning_rate=" \
            f"{FIT_LEARNING_RATE}"
        if isinstance(errors, list) and len(errors) > len(expected) and errors[:len(expected)] == expected:
            hint = (f"fit kept going after epoch {len(expected)}, which had no mistakes: once an epoch is clean, "
                    "every later epoch is clean too, so return True right after it")
        else:
            hint = ("count, in each epoch, the examples whose update returned a non-zero error (-1 is a mistake "
                    "too), and append that count once per epoch")
        expect(errors == expected, what, expected=f"{expected} ({len(expected)} epochs)", got=repr(errors), hint=hint)
        expect(is_bool(converged, True), f"fit(X, {labels}, epochs={STOPS_EPOCHS})",
               expected="True", got=describe(converged), hint="return True when an epoch has zero mistakes")
