"""Hidden graders for the Week 3 mini-challenge: ``standardize`` and ``SimpleNN`` in simple_nn.py.

Each test feeds the student's model parameters chosen here, so a bug in
``__init__`` costs points once and not again in forward, backward and train.
Gradients are checked in float64 against centered differences of a loss
computed with the reference forward pass, never with the student's. The
problems are drawn per student and course (fixture ``rng``); expected values
come from the grader's own arrays, the student's code getting copies.
A failure records symptoms (see ``autograder.checks``) for the mistakes the
week's material names: weights initialized at the wrong scale, overflow,
a missing activation, a gradient not averaged over the batch, a loss that is
NaN, flat or rising, no shuffling, features not standardized, a leaky scaler.
"""

import time

import numpy as np
import pytest

from autograder.checks import (
    call_recording_warnings,
    expect,
    expect_array,
    numerical_gradient,
    numpy_beside,
    real_array,
    rel_error,
    shape_symptoms,
    without_init,
)
from autograder.week03.problems import clear_of_zero, small_problem

PARAMETERS = ("W1", "b1", "W2", "b2")
SHAPES = {"W1": (784, 64), "b1": (1, 64), "W2": (64, 10), "b2": (1, 10)}

#: Forward values must agree with the reference to this relative error: both
#: compute the same float64 expression, so only rounding separates them.
FORWARD_TOL = 1e-7
#: Gradients against centered differences (h = 1e-5, float64) on drawn problems
#: whose hidden pre-activations are all at least 0.05 from ReLU's kink and whose
#: expected gradient has no entry near 0 (each is 0 exactly, a unit no example
#: activates, or at least 1e-3 in size; problems.clear_of_zero): without that,
#: the reference's worst over 300 draws was 6e-5, from near-zero entries, where
#: the estimate's rounding (about 1e-10) is a large part of the value. With it,
#: over 1,000 draws, the reference measures at most 3.0e-8 (W1; W2 1.1e-8, b1
#: 1.6e-8, b2 7.6e-9; the sample correct submission the same); the usual bugs (a missing 1/N, a missing ReLU
#: mask, a bias gradient not summed) measure 0.1 or more. 1e-6 leaves a factor of
#: 30 of margin above and five decades below.
GRADIENT_TOL = 1e-6
#: The accuracy check: full MNIST, the student's own default hyper-parameters.
#: Budget for train(..., epochs=10): the reference takes about 4 s; a correct
#: but unvectorized train (a Python loop over the examples of each batch)
#: measured 56 s on the 2-core development machine, so 300 s leaves 5x margin.
ACCURACY_TARGET = 0.90
TRAIN_BUDGET_S = 300
#: The initial scale of W1 the init check accepts: the course teaches He scale, sqrt(2 / 784) = 0.051, and
#: the classic ``randn * 0.01`` of many courses (CS231n's among them) trains this network as well (97.4 % here);
#: far below it the signal vanishes and learning stalls, far above it softmax saturates from the start. A scale
#: below half of He's passes with a note.
INIT_STD = (0.005, 0.1)
#: Below this test accuracy the network guesses (chance is 10 %): recorded as a symptom.
CHANCE_ACCURACY = 0.2
#: The loss check: three epochs on 2,000 images must bring the loss of the weights, recomputed here, below 60 %
#: of the initial weights' (and more than 1 % below the loss after one epoch). The reference goes from 2.37 to
#: 0.92 after one epoch and 0.37 after three (16 %); the accepted initial scales, 0.01 and 0.005, reach 30 % and
#: 39 %. A training that diverges (gradients summed over the batch instead of averaged) ends between 80 % and
#: 102 % on 60 draws of the data's disguise: a bare "lower" passed or failed it by the draw.
LOSS_LEARNED = 0.6
#: Smaller changes than this are no change: weights that never move give the same loss up to rounding.
LOSS_DROP = 0.01
#: A loss this many times the initial one rose because the steps climb the gradient (a flipped sign takes it from
#: 2.3 to 1e21); a diverging training ends between 0.8 and 1.02 times it, and its advice is its gradient's.
LOSS_ROSE = 1.5
#: standardize against the documented formula, (X - mean) / std per feature: both sides compute it in
#: float64, so only rounding separates them (an equivalent (X - mean) * (1 / std) measures 2e-16). The
#: mistakes measure 6e-3 or more (np.std with ddof=1 on 40 rows: 6.3e-3; statistics that include the
#: test set: 1e-2 or more), so 1e-7 leaves four decades on each side.
SCALER_TOL = 1e-7
#: The features of the scaler problems that are constant in X_train: 0 (an always-black border pixel)
#: and 0.75. Their std is exactly 0 (0.75 is a binary fraction, so its sums and mean are exact; a
#: constant 0.7 can come out with a std of 1e-16), and the documented convention divides them by 1.
ZERO_FEATURE, CONSTANT_FEATURE = 2, 4


def model_with(module, params: dict):
    """A student model holding ``params`` (built without __init__ if theirs fails)."""
    d, h = params["W1"].shape
    c = params["W2"].shape[1]
    try:
        model = module.SimpleNN(input_size=d, hidden_size=h, output_size=c, seed=0)
    except Exception:
        model = without_init(module, "SimpleNN")
        model.rng, model.cache = numpy_beside(module).random.default_rng(0), {}
    for name in PARAMETERS:
        setattr(model, name, params[name].copy())
    model.velocity = {name: np.zeros_like(params[name]) for name in PARAMETERS}
    return model


def logits_of(params: dict, X: np.ndarray) -> np.ndarray:
    """z2 = ReLU(X W1 + b1) W2 + b2, the grader's own."""
    return np.maximum(X @ params["W1"] + params["b1"], 0.0) @ params["W2"] + params["b2"]


def softmax_rows(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward_mistakes(params: dict, X: np.ndarray) -> dict:
    """What forward returns with each mistake of the week's material that can change a prediction: no ReLU,
    no b2, softmax normalized over the batch."""
    z2 = logits_of(params, X)
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    return {"no_hidden_activation": softmax_rows((X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]),
            "no_b2": softmax_rows(z2 - params["b2"]), "softmax_over_the_batch": e / e.sum(axis=0, keepdims=True)}


def mean_cross_entropy(reference, params: dict, X: np.ndarray, y: np.ndarray) -> float:
    P = model_with(reference, params).forward(X)
    return float(-np.mean(np.log(P[np.arange(len(y)), y])))


def nearest(got, candidates: list[np.ndarray]) -> np.ndarray:
    """The candidate closest to ``got``: for expect_array's ``mistakes``, when one mistake has several forms."""
    if not (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.number)):
        return candidates[0]
    return min(candidates, key=lambda c: rel_error(got, c) if c.shape == got.shape else np.inf)


# --- standardize -------------------------------------------------------------

def scaler_problem(rng: np.random.Generator, n: int = 40, d: int = 6) -> np.ndarray:
    """Float64 X_train (n, d): feature means from -3 to 3 and stds from 0.5 to 4 (far from 0 and 1, so that
    centring alone or scaling alone shows), except ZERO_FEATURE (0 in every row) and CONSTANT_FEATURE (0.75)."""
    X = rng.normal(rng.uniform(-3.0, 3.0, d), rng.uniform(0.5, 4.0, d), (n, d))
    X[:, ZERO_FEATURE], X[:, CONSTANT_FEATURE] = 0.0, 0.75
    return X


def fitted(source: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``X`` scaled with the mean and std of ``source``, by the documented convention (std 0 -> 1)."""
    std = source.std(axis=0)
    return (X - source.mean(axis=0)) / np.where(std > 0, std, 1.0)


def standardized(student, X_train: np.ndarray, X_test: np.ndarray, call: str):
    """The student's ``standardize(X_train, X_test)``, checked to be two finite arrays of the inputs' shapes."""
    result = student.standardize(X_train.copy(), X_test.copy())
    expect(isinstance(result, (tuple, list)) and len(result) == 2, call, expected="a pair (X_train_std, X_test_std)",
           got=repr(result)[:80], hint="end with `return X_train_std, X_test_std`")
    for name, got, shape in zip(("X_train_std", "X_test_std"), result, (X_train.shape, X_test.shape)):
        expect(real_array(got) is not None and got.shape == shape,
               f"{name} from {call}", expected=f"a numeric array of shape {shape}",
               got=f"{got.dtype} array of shape {got.shape}" if isinstance(got, np.ndarray) else type(got).__name__,
               hint="one row per example and one column per feature: the mean and std have shape (1, D) "
               "(axis=0, keepdims=True) and broadcast over the rows")
        bad = int(np.sum(~np.isfinite(got)))
        expect(bad == 0, f"{name} from {call}", expected="finite values", got=f"{bad} NaN or inf values",
               hint=f"feature {ZERO_FEATURE} is 0 in every training row, so its std is 0: divide by 1 there, "
               "not by 0, as the docstring says (np.where(std > 0, std, 1.0))", symptoms={"nonfinite": bad})
    return [real_array(got) for got in result]


@pytest.mark.points(1)
def test_standardize_gives_training_features_mean_0_std_1(student, rng):
    """standardize gives every training feature mean 0 and std 1, and a constant feature 0 (no division by 0)"""
    X_train = scaler_problem(rng)
    # X_test holds the same rows, reversed: its statistics are the training ones, so this check is about
    # the scaling alone and passes whichever set the statistics come from; that is the next check's job
    call = "standardize(X_train, X_test), X_train of shape (40, 6)"
    train, _ = standardized(student, X_train, X_train[::-1].copy(), call)
    std = X_train.std(axis=0)
    unchanged, centered, scaled = X_train, X_train - X_train.mean(axis=0), X_train / np.where(std > 0, std, 1.0)
    mistakes = [(unchanged, "X_train came back unchanged: subtract each feature's mean, then divide by its std"),
                (centered, "the features are centered but not scaled: divide each by its std as well"),
                (scaled, "the features are scaled but not centered: subtract each feature's mean first")]
    wrong = next(((value, text) for value, text in mistakes if rel_error(train, value) <= SCALER_TOL), None)
    # 1e-6 on the statistics: rounding gives 1e-16, dividing by std + 1e-8 gives 3e-9 (the value check
    # below, like this one, accepts it); np.std with ddof=1 gives a std of 0.987
    means, stds = train.mean(axis=0), train.std(axis=0)
    ok = (np.allclose(means, 0.0, rtol=0, atol=1e-6) and np.allclose(stds[std > 0], 1.0, rtol=0, atol=1e-6)
          and np.all(np.abs(train[:, std == 0]) <= 1e-6))
    expect(ok, f"the features of X_train_std from {call}",
           expected=f"every feature with mean 0 and std 1; features {ZERO_FEATURE} and {CONSTANT_FEATURE} "
           "(constant in X_train) all 0",
           got=f"means {np.round(means, 3).tolist()}, stds {np.round(stds, 3).tolist()}",
           hint=wrong[1] if wrong else "per feature (axis=0): subtract X_train's mean and divide by X_train's std "
           "(np.std's default, ddof=0); a feature whose std is 0 is divided by 1",
           symptoms={"not_standardized": True} if wrong else {})
    expect_array(train, fitted(X_train, X_train), f"X_train_std from {call}", tol=SCALER_TOL,
                 hint="X_train_std = (X_train - mean) / std, element by element, with the mean and std of each "
                 "feature (column), not of each example (row)")


@pytest.mark.points(1)
def test_standardize_scales_X_test_with_training_statistics(student, rng):
    """standardize learns mean and std from X_train only: X_test is scaled with them and never changes X_train_std"""
    X_train = scaler_problem(rng)
    copied = [3, 8, 13, 21, 34]
    # both test sets come from other distributions than X_train (shifted, wider or narrower), so statistics
    # that include them differ from the training ones; X_test starts with copies of five training rows
    X_test = np.vstack([X_train[copied], rng.normal(2.0, 5.0, (10, 6))])
    X_other = rng.normal(-4.0, 0.5, (15, 6))
    train, test = standardized(student, X_train, X_test, "standardize(X_train, X_test)")
    train_again, _ = standardized(student, X_train, X_other, "standardize(X_train, X_other)")
    leak = {"scaler_leak": nearest(train_again, [fitted(X_other, X_train),
                                                 fitted(np.vstack([X_train, X_other]), X_train)])}
    expect_array(train_again, train, "X_train_std from standardize(X_train, X_other) against standardize(X_train, "
                 "X_test): only the test set changed", tol=SCALER_TOL, mistakes=leak,
                 hint="compute the mean and std from X_train alone: the test set stands for data the model never "
                 "sees while it learns, so it must not change how X_train is scaled")
    k = len(copied)
    leak = {"scaler_leak": nearest(test[:k], [fitted(X_test, X_test)[:k],
                                              fitted(np.vstack([X_train, X_test]), X_test)[:k]])}
    expect_array(test[:k], train[copied], f"the first {k} rows of X_test_std, whose X_test rows are copies of "
                 f"training rows {copied}, against those rows of X_train_std", tol=SCALER_TOL, mistakes=leak,
                 hint="scale X_test with the mean and std of X_train, the very numbers used for X_train, so that "
                 "an example comes out the same in either set; never compute statistics of X_test")
    expect_array(test[:, ZERO_FEATURE], X_test[:, ZERO_FEATURE], f"X_test_std[:, {ZERO_FEATURE}], a feature that is "
                 "0 in every training row (std 0)", tol=SCALER_TOL,
                 hint="as documented, a feature with std 0 in X_train is divided by 1, so its X_test values stay "
                 "x - mean = x - 0; dividing by a tiny epsilon instead would blow them up")


# --- __init__ ---------------------------------------------------------------

@pytest.mark.points(2)
def test_init_parameter_shapes(student):
    """__init__ creates W1 (784, 64), b1 (1, 64), W2 (64, 10), b2 (1, 10), and other sizes on request"""
    for sizes, shapes in [({}, SHAPES), ({"input_size": 5, "hidden_size": 3, "output_size": 2},
                                         {"W1": (5, 3), "b1": (1, 3), "W2": (3, 2), "b2": (1, 2)})]:
        model = student.SimpleNN(seed=0, **sizes)
        for name, shape in shapes.items():
            got = getattr(model, name, None)
            expect(isinstance(got, np.ndarray) and got.shape == shape, f"SimpleNN({sizes or ''}).{name}",
                   expected=f"an array of shape {shape}",
                   got=f"shape {got.shape}" if isinstance(got, np.ndarray) else repr(type(got).__name__),
                   hint="weights are (inputs, outputs); biases are row vectors (1, outputs)",
                   symptoms=shape_symptoms(got.shape, shape) if isinstance(got, np.ndarray) else {})


@pytest.mark.points(1)
def test_init_weights_scaled_biases_zero(student, request):
    """__init__ draws small random weights (He scale, or the classic 0.01) and zero biases"""
    model = student.SimpleNN(seed=0)
    W1 = real_array(getattr(model, "W1", None))
    std = float(np.std(W1)) if W1 is not None and W1.size else float("nan")
    he = np.sqrt(2 / 784)
    expect(INIT_STD[0] <= std <= INIT_STD[1], "standard deviation of W1",
           expected=f"between {INIT_STD[0]} and {INIT_STD[1]}: He scale sqrt(2 / 784) = {he:.3f}, or 0.01",
           got=f"{std:.4g}", hint="weights too small make the signal vanish layer by layer; too large saturate "
           "softmax: scale a standard normal by sqrt(2 / input_size)",
           symptoms={"init_too_small" if std < INIT_STD[0] else "init_too_large": std})
    for name in ("b1", "b2"):
        expect(np.all(getattr(model, name) == 0), f"SimpleNN().{name}", expected="all zeros",
               got=f"values from {np.min(getattr(model, name)):.3g} to {np.max(getattr(model, name)):.3g}",
               hint="start biases at zero: the random weights already break the symmetry")
    if std < 0.5 * he:
        request.node.nngrader_data = {"note": f"W1's standard deviation is {std:.3g}: this network trains with "
                                      f"it, but He scale sqrt(2 / 784) = {he:.3f} keeps the signal alive in "
                                      "deeper ReLU networks (section 4 of the notebook)"}


@pytest.mark.points(1)
def test_init_same_seed_same_weights(student):
    """The same seed gives the same weights; another seed gives others"""
    a, b, c = student.SimpleNN(seed=3), student.SimpleNN(seed=3), student.SimpleNN(seed=4)
    expect(np.array_equal(a.W1, b.W1) and np.array_equal(a.W2, b.W2), "two SimpleNN(seed=3)",
           expected="identical W1 and W2", got="different weights",
           hint="draw every random number from np.random.default_rng(seed), never from np.random directly")
    expect(not np.array_equal(a.W1, c.W1), "SimpleNN(seed=3) vs SimpleNN(seed=4)", expected="different W1",
           got="the same W1", hint="pass seed to np.random.default_rng(seed), and draw W1 from it: "
           "weights that are not random (zeros) are the same for every seed")


# --- forward ----------------------------------------------------------------

@pytest.mark.points(2)
def test_forward_output_shape_for_batch_sizes(student, rng):
    """forward returns one row of 10 probabilities per example, for batches of 1, 7 and 64"""
    params = {name: rng.normal(0, 0.05, shape) for name, shape in SHAPES.items()}
    model = model_with(student, params)
    for n in (1, 7, 64):
        P = model.forward(rng.random((n, 784)))
        expect(isinstance(P, np.ndarray) and P.shape == (n, 10), f"forward(X) with X of shape ({n}, 784)",
               expected=f"probabilities of shape ({n}, 10)",
               got=f"shape {P.shape}" if isinstance(P, np.ndarray) else type(P).__name__,
               hint="keep the batch on axis 0: X @ W1 is (N, 64), a1 @ W2 is (N, 10)")


@pytest.mark.points(3)
def test_forward_matches_reference(student, reference, rng):
    """forward computes softmax(ReLU(X W1 + b1) W2 + b2)"""
    params, X, _ = small_problem(rng, n=9)
    expected = model_with(reference, params).forward(X)
    got = model_with(student, params).forward(X.copy())
    expect_array(got, expected, "forward(X) on a random 9-example batch", tol=FORWARD_TOL,
                 hint="check the ReLU (np.maximum(z1, 0)), that both biases are added, and that softmax "
                 "normalizes each row (axis=1, keepdims=True)",
                 mistakes={"no_hidden_activation": forward_mistakes(params, X)["no_hidden_activation"],
                           "no_output_softmax": logits_of(params, X)})


@pytest.mark.points(1)
def test_forward_rows_sum_to_one(student, rng):
    """every row of forward's output is a probability distribution"""
    params, X, _ = small_problem(rng, n=7)
    P = real_array(model_with(student, params).forward(X.copy()))
    ok = P is not None and P.shape == (7, params["W2"].shape[1])
    sums = np.sum(P, axis=1) if ok else None
    expect(ok and np.allclose(sums, 1.0, atol=1e-9) and np.all(P >= 0), "row sums of forward(X)",
           expected="every row sums to 1 and no probability is negative",
           got=f"row sums {np.round(sums, 6)}" if ok else "not an array of probabilities of shape (7, 4)",
           hint="divide exp(z2) by its sum over the classes of the same row: sum(axis=1, keepdims=True)")


@pytest.mark.points(1)
def test_forward_no_overflow_for_large_logits(student, rng):
    """forward stays finite when the logits reach +-1000 (the max-shift trick)"""
    # drawn until some logit is past exp's overflow (about 709) and every class is the most probable for some
    # example: then only a missing max shift fails here (an axis mistake would divide a column of zeros by 0
    # otherwise, a mistake the value and row checks already charge)
    while True:
        params, X, _ = small_problem(rng, n=5)
        params["W2"] *= 1000.0
        logits = logits_of(params, X)
        if logits.max() > 800 and len(set(np.argmax(logits, axis=1).tolist())) == logits.shape[1]:
            break
    P, caught = call_recording_warnings(student, model_with(student, params).forward, X.copy())
    finite = isinstance(P, np.ndarray) and np.issubdtype(P.dtype, np.number) and bool(np.all(np.isfinite(P)))
    overflow = not finite or any("overflow" in warning for warning in caught)
    expect(finite and not caught, "forward(X) with logits around +-1000",
           expected="finite probabilities and no RuntimeWarning", got="; ".join(caught) or "NaN or inf in the output",
           hint="np.exp overflows above ~709: subtract each row's max logit before exponentiating",
           symptoms={"overflow": True} if overflow else {})


# --- backward ---------------------------------------------------------------

def student_gradients(student, params, X, y) -> dict:
    """The student's backward(X, y) after forward(X), on copies of the grader's arrays."""
    model = model_with(student, params)
    model.forward(X.copy())
    grads = model.backward(X.copy(), y.copy())
    expect(isinstance(grads, dict) and set(PARAMETERS) <= set(grads), "backward(X, y)",
           expected="a dict with keys 'W1', 'b1', 'W2', 'b2'",
           got=f"dict with keys {sorted(grads)}" if isinstance(grads, dict) else type(grads).__name__,
           hint="return {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}")
    return grads


@pytest.mark.points(1)
def test_backward_gradient_shapes(student, rng):
    """backward returns one gradient per parameter, each the shape of its parameter"""
    params, X, y = small_problem(rng, n=6)
    grads = student_gradients(student, params, X, y)
    for name in PARAMETERS:
        got = grads[name]
        expect(isinstance(got, np.ndarray) and got.shape == params[name].shape, f"backward(X, y)['{name}']",
               expected=f"shape {params[name].shape}",
               got=f"shape {got.shape}" if isinstance(got, np.ndarray) else type(got).__name__,
               hint="bias gradients sum over the batch with keepdims=True: shape (1, units)")


def gradient_problem(reference, rng, name: str):
    """A small problem and the numerical gradient of its loss for ``name``, drawn until no entry is near 0."""
    while True:
        params, X, y = small_problem(rng, n=6)
        expected = numerical_gradient(lambda: mean_cross_entropy(reference, params, X, y), params[name])
        if clear_of_zero(expected):
            return params, X, y, expected


def check_gradient(student, reference, rng, name: str, hint: str) -> None:
    params, X, y, expected = gradient_problem(reference, rng, name)
    grads = student_gradients(student, params, X, y)
    P = model_with(student, params).forward(X.copy())
    if not (isinstance(P, np.ndarray) and np.allclose(P, model_with(reference, params).forward(X))):
        hint = ("forward(X) is not right yet (see the forward checks), and backward uses what forward "
                "cached: fix forward first")
    # the loss is the mean over the batch: a gradient that forgot 1/N is N times too large
    expect_array(grads[name], expected, f"backward(X, y)['{name}'] against a numerical gradient",
                 tol=GRADIENT_TOL, hint=hint, batch_size=len(y))


@pytest.mark.points(2)
def test_backward_W2_matches_numerical_gradient(student, reference, rng):
    """the gradient for W2 matches a centered-difference estimate"""
    check_gradient(student, reference, rng, "W2", "dW2 = a1.T @ dz2 with dz2 = (P - one_hot(y)) / N: "
                   "did you divide by the batch size N?")


@pytest.mark.points(2)
def test_backward_b2_matches_numerical_gradient(student, reference, rng):
    """the gradient for b2 matches a centered-difference estimate"""
    check_gradient(student, reference, rng, "b2", "db2 is dz2 summed over the batch (axis=0, keepdims=True), "
                   "with dz2 already divided by N")


@pytest.mark.points(2)
def test_backward_W1_matches_numerical_gradient(student, reference, rng):
    """the gradient for W1 matches a centered-difference estimate"""
    check_gradient(student, reference, rng, "W1", "dz1 = (dz2 @ W2.T) * (z1 > 0): the ReLU passes gradient "
                   "only where its input was positive; then dW1 = X.T @ dz1, with dz2 already divided by N")


@pytest.mark.points(2)
def test_backward_b1_matches_numerical_gradient(student, reference, rng):
    """the gradient for b1 matches a centered-difference estimate"""
    check_gradient(student, reference, rng, "b1", "db1 is dz1 summed over the batch (axis=0, keepdims=True), "
                   "where dz1 = (dz2 @ W2.T) * (z1 > 0) and dz2 is already divided by N")


# --- predict and train ------------------------------------------------------

@pytest.mark.points(1)
def test_predict_returns_integer_labels(student, reference, rng):
    """predict returns the most probable class of each row as integers of shape (N,)"""
    while True:  # labels of all 4 classes, and a wrong forward pass changes some of them (predict uses forward)
        params, X, _ = small_problem(rng, n=8, scale=1.0)
        expected = model_with(reference, params).predict(X)
        if len(set(expected.tolist())) == 4 and all(np.any(np.argmax(wrong, axis=1) != expected)
                                                      for wrong in forward_mistakes(params, X).values()):
            break
    got = model_with(student, params).predict(X.copy())
    expect(isinstance(got, np.ndarray) and got.shape == expected.shape, "predict(X) for 8 examples",
           expected=f"an array of shape {expected.shape}",
           got=f"shape {got.shape}" if isinstance(got, np.ndarray) else type(got).__name__,
           hint="np.argmax(P, axis=1) gives one label per row")
    expect(np.issubdtype(got.dtype, np.integer) and np.array_equal(got, expected), "predict(X) for 8 examples",
           expected=f"integer labels {expected.tolist()}", got=f"{got.tolist()} (dtype {got.dtype})",
           hint="take the argmax over the classes (axis=1), not over the batch")


# train is judged on its own: the grader puts a correct forward and backward in its model's place (so a bug
# there costs points once, in their own checks). train's docstring promises one thing more than its results:
# each batch's gradients come from self.backward. The backward lent here needs no cache, so a train that
# calls only backward (its student's backward calling forward itself) is judged as one that calls both.

def with_reference_passes(model, reference, record: list | None = None):
    """``model`` with a correct forward (which fills ``model.cache`` as documented) and a backward that
    recomputes the forward pass itself; each call's inputs are appended to ``record``."""

    def current(X):
        ref = model_with(reference, {name: real_array(getattr(model, name)) for name in PARAMETERS})
        P = ref.forward(np.asarray(X, dtype=np.float64))
        return ref, P

    def forward(X):
        if record is not None:
            record.append(("forward", np.array(X, dtype=np.float64)))
        ref, P = current(X)
        model.cache = ref.cache
        return P

    def backward(X, y):
        if record is not None:
            record.append(("backward", np.array(X, dtype=np.float64)))
        ref, _ = current(X)
        return ref.backward(np.asarray(X, dtype=np.float64), np.asarray(y))

    model.forward, model.backward = forward, backward
    return model


NO_BACKWARD_CALL = ("train gets each batch's gradients from self.backward(X_batch, y_batch), as its docstring "
                    "says: the grader puts a correct forward and backward in their place, so that a bug in "
                    "those costs points only in their own checks")


@pytest.mark.points(2)
def test_train_applies_momentum_update(student, reference, rng):
    """train moves each parameter by its velocity: v = momentum * v - lr * grad; p += v"""
    params, X, y = small_problem(rng, n=6)
    calls = []
    model = with_reference_passes(model_with(student, params), reference, calls)
    call = "train(X, y, epochs=2, learning_rate=0.1, momentum=0.9, batch_size=6)"
    model.train(X.copy(), y.copy(), epochs=2, learning_rate=0.1, momentum=0.9, batch_size=6)
    expect(any(kind == "backward" for kind, _ in calls), f"the calls {call} made to self.backward",
           expected="one per batch (here one batch per epoch)", got="none", hint=NO_BACKWARD_CALL)
    expected, velocity = {k: v.copy() for k, v in params.items()}, {k: 0.0 for k in PARAMETERS}
    for _ in range(2):  # one batch holds the whole set, so the order of examples does not matter
        ref = model_with(reference, expected)
        ref.forward(X)
        grads = ref.backward(X, y)
        for name in PARAMETERS:
            velocity[name] = 0.9 * velocity[name] - 0.1 * grads[name]
            expected[name] = expected[name] + velocity[name]
    for name in PARAMETERS:
        expect_array(getattr(model, name), expected[name], f"{name} after {call}",
                     tol=1e-6, hint="update with the velocity form: v = momentum * v - learning_rate * grad "
                     "(minus: the step goes against the gradient), then parameter += v; keep v between "
                     "batches (self.velocity)")


@pytest.mark.points(1)
def test_train_shuffles_every_epoch(student, reference, rng):
    """train visits every example once per epoch, in a new random order each epoch"""
    params, X, y = small_problem(rng, n=12)
    X[:, 0] = np.arange(len(X))  # feature 0 numbers the examples: each batch tells which examples it holds
    calls = []
    # learning_rate=0 leaves the parameters alone; forward and backward record the examples of each call
    model = with_reference_passes(model_with(student, params), reference, calls)
    n, epochs, batch_size = len(X), 3, 5
    call = f"train(X, y, epochs={epochs}, learning_rate=0.0, batch_size={batch_size}) on {n} examples"
    model.train(X, y, epochs=epochs, learning_rate=0.0, momentum=0.9, batch_size=batch_size)
    expect(any(kind == "backward" for kind, _ in calls), f"the calls {call} made to self.backward",
           expected=f"one per batch: {epochs * -(-n // batch_size)} or more", got="none", hint=NO_BACKWARD_CALL)
    numbered = [[int(i) for i in np.rint(X_batch[:, 0])] for _, X_batch in calls]
    # the batches: calls of at most batch_size rows (not an evaluation on the whole set), a repeat of the
    # same batch right after it counted once (forward, then backward, on one batch)
    batches = [b for i, b in enumerate(numbered) if len(b) <= batch_size and (i == 0 or b != numbered[i - 1])]
    seen = [i for batch in batches for i in batch]
    expect(len(seen) == epochs * n, f"the examples self.forward and self.backward received during {call}",
           expected=f"{epochs * n}: each of the {n} examples once per epoch, in batches of at most {batch_size}",
           got=f"{len(seen)} examples in {len(batches)} batches",
           hint="each epoch, cut one permutation of range(N) into slices of batch_size (the last one may be "
           "smaller: keep it), and pass each batch to self.backward (after self.forward, if yours needs it)")
    orders = [seen[e * n:(e + 1) * n] for e in range(epochs)]
    expect(all(sorted(order) == list(range(n)) for order in orders), f"the examples of each epoch of {call}",
           expected="every example exactly once per epoch", got="; ".join(
               f"epoch {e + 1}: {order}" for e, order in enumerate(orders)),
           hint="draw the order without repeats, self.rng.permutation(N), not with replacement "
           "(rng.integers or rng.choice draw some examples twice and skip others)")
    repeated = [e + 2 for e in range(epochs - 1) if orders[e + 1] == orders[e]]
    expect(not repeated, f"the order of the examples in each epoch of {call}",
           expected="a new random order in every epoch",
           got=f"epoch {repeated[0]} repeats the order of epoch {repeated[0] - 1}: {orders[0]}" if repeated else "",
           hint="shuffle with self.rng.permutation(N) at the start of every epoch (inside the epoch loop), and "
           "index X_train and y_train with the same order: without it every epoch repeats the same sequence "
           "of updates", symptoms={"no_shuffle": True})


# --- learning ---------------------------------------------------------------
# What the grader believes of a training run is what it recomputes itself from the parameters the student's
# model holds before and after train: the loss, the predictions, the accuracy. The losses train returns are
# compared with the recomputed ones, not trusted; the data train learns from is MNIST with its pixels and
# classes in an order drawn for this student (shuffling the columns of X and renaming the classes changes
# nothing for a network that learns, and everything for weights or answers prepared elsewhere); and the
# student's code runs in a folder holding the week's modules only (grading.run_checks).

def parameters_of(model, when: str) -> dict:
    """The model's W1, b1, W2 and b2 as the grader's own float64 copies: a failure unless each is a finite
    array of the shape SimpleNN() gives it."""
    params = {}
    for name, shape in SHAPES.items():
        value = real_array(getattr(model, name, None))
        expect(value is not None and value.shape == shape, f"self.{name} {when}", expected=f"an array of shape "
               f"{shape}", got=f"shape {value.shape}" if value is not None else "no numeric array",
               hint="keep the parameters in self.W1, self.b1, self.W2 and self.b2, the names __init__ creates, "
               "and update them there", symptoms=shape_symptoms(value.shape, shape) if value is not None else {})
        bad = int(np.sum(~np.isfinite(value)))
        expect(bad == 0, f"self.{name} {when}", expected="finite values", got=f"{bad} NaN or inf values",
               hint="a NaN weight usually means the learning rate is too large or a gradient is wrong: see the "
               "backward checks", symptoms={"loss_nan": True})
        params[name] = value
    return params


def cross_entropy(params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """The mean cross-entropy of the network ``params`` on (X, y), computed here (a stable log-softmax)."""
    z = logits_of(params, X)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(y)), y]))


def disguised(X: np.ndarray, y: np.ndarray, pixels: np.ndarray, classes: np.ndarray):
    """(X, y) with the pixels in the order ``pixels`` and class k named ``classes[k]``: fresh arrays."""
    return np.ascontiguousarray(X[:, pixels]), classes[y].astype(y.dtype)


def confusion_counts(digits: np.ndarray, predicted: np.ndarray) -> list[list[int]]:
    """10 x 10 counts, true digit by row and predicted digit by column, as plain ints: the class report sums them
    (``class_report.class_confusion``)."""
    cells = np.asarray(digits, dtype=np.int64) * 10 + np.asarray(predicted, dtype=np.int64)
    return np.bincount(cells, minlength=100).reshape(10, 10).tolist()


#: The hint of every check that finds the parameters unchanged by training.
UPDATE_IN_PLACE = "update the parameters themselves (self.W1 += v, or self.W1 = self.W1 + v), not copies of them"


def changed(before: dict, after: dict) -> bool:
    return any(not np.array_equal(before[name], after[name]) for name in PARAMETERS)


@pytest.mark.points(2)
def test_train_loss_decreases(student, mnist, rng):
    """train lowers the loss of its own weights on 2,000 MNIST images, as the grader recomputes it, and returns
    one mean loss per epoch that agrees with it"""
    X, y = disguised(mnist["X_train"][:2000], mnist["y_train"][:2000], rng.permutation(784),
                     rng.permutation(10))
    one = student.SimpleNN(seed=0)
    one.train(X.copy(), y.copy(), epochs=1)
    after_one = parameters_of(one, "after train(X, y, epochs=1)")
    model = student.SimpleNN(seed=0)
    initial = parameters_of(model, "after SimpleNN(seed=0)")
    call = "train(X, y, epochs=3) on 2,000 MNIST images"
    history = model.train(X.copy(), y.copy(), epochs=3)
    trained = parameters_of(model, f"after {call}")
    start, end, end_of_one = (cross_entropy(p, X, y) for p in (initial, trained, after_one))
    recomputed = f"{start:.4g} before training, {end:.4g} after (recomputed by the grader from your weights)"
    expect(changed(initial, trained), f"the parameters after {call}", expected="changed by training",
           got="exactly the values SimpleNN(seed=0) gave them", symptoms={"loss_flat": True},
           hint=UPDATE_IN_PLACE + ", with the gradients self.backward returns")
    rose = end > start * LOSS_ROSE
    symptoms = {"loss_rising": True} if rose else {"loss_flat": True} if abs(end - start) <= start * LOSS_DROP \
        else {"loss_slow": True}
    expect(end < start * LOSS_LEARNED, f"the loss of the weights {call} gives", expected=f"below {LOSS_LEARNED:.0%} "
           f"of the initial weights' (the reference's falls to 16%)", got=recomputed,
           hint="the loss rose: check the sign of the update (subtract the gradient: v = momentum * v - "
           "learning_rate * grad)" if rose else "check that the gradients are right (the backward checks: "
           "each is averaged over the batch) and that each update changes the parameters themselves",
           symptoms=symptoms)
    values = np.asarray(history, dtype=np.float64) if isinstance(history, (list, tuple, np.ndarray)) else None
    expect(values is not None and values.ndim == 1 and 1 <= len(values) <= 3, f"what {call} returned",
           expected="a list of 3 losses, one per epoch (fewer if your own rule stopped training early)",
           got=repr(history)[:120], hint="append the epoch's mean loss to history and return it")
    expect(bool(np.all(np.isfinite(values))), f"the losses {call} returned", expected="finite numbers",
           got=str(values.tolist()), hint="a NaN loss usually means the learning rate is too large, or log(0): "
           "add a tiny constant inside the log", symptoms={"loss_nan": True})
    if len(values) == 3:  # three epochs ran: they must have trained further than one
        expect(end < end_of_one * (1 - LOSS_DROP), f"the loss of the weights {call} gives",
               expected=f"lower than after train(X, y, epochs=1) ({end_of_one:.4f}): three epochs train further "
               "than one", got=f"{end:.4f}", hint="run the epochs loop `epochs` times, one full pass over the "
               "shuffled data each, and return one loss per epoch that ran", symptoms={"loss_flat": True})
    # the first epoch's mean loss lies between the loss the weights had before it and after the last epoch,
    # and so does the last's: measured before each batch's update (as documented), after it, or on the whole
    # set at the end of each epoch. The margins allow for the noise of single batches.
    low, high = 0.7 * end - 0.02, 1.1 * start + 0.05
    outside = [f"epoch {e + 1}: {v:.4f}" for e, v in enumerate(values) if not low <= v <= high]
    expect(not outside, f"the losses {call} returned, against the loss of its weights", expected=f"each between "
           f"{low:.3f} and {high:.3f}, the losses of its weights (recomputed) with a margin: {recomputed}",
           got=", ".join(outside), hint="return the mean cross-entropy of each epoch's batches, averaged over "
           "the examples: sum each batch's losses and divide by N at the end of the epoch")
    change = (values[-1] - values[0]) / abs(values[0]) if values[0] != 0 else values[-1] - values[0]
    expect(len(values) == 1 or change < -LOSS_DROP, f"the losses {call} returned",
           expected=f"the last epoch's below the first's, by more than {LOSS_DROP:.0%}, as the loss of the weights "
           "went down", got=str(np.round(values, 4).tolist()),
           hint="measure each epoch's loss afresh: reset the sum at the start of every epoch")


@pytest.mark.points(1)
def test_train_same_seed_same_result(student, mnist, rng):
    """training twice with the same seed gives the same weights and losses, and other images other weights"""
    pixels, classes = rng.permutation(784), rng.permutation(10)
    X, y = disguised(mnist["X_train"][:500], mnist["y_train"][:500], pixels, classes)
    call = "train(X, y, epochs=2) on 500 MNIST images"

    def trained_on(X, y):
        model = student.SimpleNN(seed=7)
        initial = parameters_of(model, "after SimpleNN(seed=7)")
        history = model.train(X.copy(), y.copy(), epochs=2)
        trained = parameters_of(model, f"after {call}")
        expect(changed(initial, trained), f"the parameters after {call}", expected="changed by training (a "
               "training that learns nothing has no result to reproduce)", got="exactly the values SimpleNN(seed=7) "
               "gave them", hint=UPDATE_IN_PLACE + ", with the gradients self.backward returns")
        return trained, real_array(np.asarray(history, dtype=float))

    runs = [trained_on(X, y) for _ in range(2)]
    same = all(np.array_equal(runs[0][0][name], runs[1][0][name]) for name in PARAMETERS) and \
        runs[0][1] is not None and runs[1][1] is not None and np.array_equal(runs[0][1], runs[1][1])
    expect(same, "two trainings of SimpleNN(seed=7)", expected="identical results", got="different weights or losses",
           hint="shuffle with self.rng.permutation(N), not np.random.shuffle: all randomness from the seed")
    # a result that is reproduced but does not come from the data (weights set, not learned) proves nothing
    others, _ = trained_on(*disguised(mnist["X_train"][500:1000], mnist["y_train"][500:1000], pixels, classes))
    expect(changed(runs[0][0], others), f"the weights {call} gives, against those from 500 other images",
           expected="different weights: a training's result depends on the data it learns from",
           got="the same weights from different images",
           hint="learn from the X_train and y_train that train is given: start from the weights __init__ drew and "
           "update them with the gradients self.backward returns")


@pytest.mark.points(6)
@pytest.mark.timeout(TRAIN_BUDGET_S + 60)
def test_accuracy_above_90_percent_on_mnist(student, mnist, rng, request):
    """the weights train learns from the 60,000 MNIST training images classify more than 90 % of the 10,000 test
    images right (the grader's own forward pass on them)"""
    pixels, classes = rng.permutation(784), rng.permutation(10)
    X_train, y_train = disguised(mnist["X_train"], mnist["y_train"], pixels, classes)
    X_test, y_test = disguised(mnist["X_test"], mnist["y_test"], pixels, classes)
    model = student.SimpleNN(seed=0)
    initial = parameters_of(model, "after SimpleNN(seed=0)")
    call = "train(X_train, y_train, epochs=10)"
    start = time.perf_counter()
    history = model.train(X_train, y_train, epochs=10)
    seconds = time.perf_counter() - start
    del X_train, y_train
    trained = parameters_of(model, f"after {call}")
    # the predictions scored are the grader's: the trained weights' forward pass, here, on images the
    # student's code never sees
    predicted = np.argmax(logits_of(trained, X_test), axis=1)
    accuracy = float(np.mean(predicted == y_test))
    try:
        losses = [float(v) for v in np.asarray(history, dtype=np.float64).ravel()][:100]
    except (TypeError, ValueError):
        losses = []
    request.node.nngrader_data = {"accuracy": accuracy, "train_seconds": round(seconds, 2), "history": losses,
                                  "confusion": confusion_counts(mnist["y_test"], np.argsort(classes)[predicted])}
    expect(seconds <= TRAIN_BUDGET_S, f"time taken by {call}",
           expected=f"at most {TRAIN_BUDGET_S} s (the reference takes about 4 s)", got=f"{seconds:.0f} s",
           hint="process a whole mini-batch with one matrix product instead of a loop over examples")
    expect(changed(initial, trained), f"the parameters after {call}", expected="changed by training",
           got="exactly the values SimpleNN(seed=0) gave them", symptoms={"accuracy_chance": True},
           hint=UPDATE_IN_PLACE)
    symptoms = {**({"loss_nan": True} if not np.all(np.isfinite(losses)) else {}),
                **({"accuracy_chance": True} if accuracy < CHANCE_ACCURACY else {})}
    expect(accuracy > ACCURACY_TARGET, f"test accuracy of the weights after {call}",
           expected=f"more than {ACCURACY_TARGET:.0%}", got=f"{accuracy:.2%}",
           hint="about 10 % is chance: check that train updates the weights in place; a NaN loss means the "
           "learning rate is too large; shuffle every epoch and start from small random weights",
           symptoms=symptoms)
