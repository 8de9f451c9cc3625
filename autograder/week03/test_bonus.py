"""Hidden graders for the Week 3 bonus (extra credit): ``BonusNN`` and ``plot_decision_boundary`` in bonus.py.

Every check is a bonus check: it adds points but never counts in the maximum.
Models get their parameters here (as in the mini-challenge's graders), so a bug
in ``__init__`` costs points once. Where ``train`` is checked, the model's
forward and backward are the reference's, so a dropout bug costs points once.

Problems are drawn per student and course (fixture ``rng``), and expected
values come from the grader's own arrays, the student's code getting copies.

The dropout mask is read back from the student's own forward pass: with
``W2 = [I | 0]`` and ``b2 = 0`` the logit of class k is a1[k] and the last
logit is 0, so ``log P[:, k] - log P[:, -1]`` is the (dropped-out) hidden
activation a1[k] exactly. The mask is therefore never assumed to be drawn in
one particular way: only that the same ``self.rng`` state gives the same mask.
"""

import types

import matplotlib
import numpy as np
import pytest

from autograder.checks import (
    GradeFailure,
    expect,
    expect_array,
    numerical_gradient,
    numpy_beside,
    real_array,
    type_name,
    without_init,
)
from autograder.sandbox.student_process import beside
from autograder.week03.problems import clear_of_zero, small_problem

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)

PARAMETERS = ("W1", "b1", "W2", "b2")

#: Forward values against the reference: the same float64 expression, so only rounding separates them.
FORWARD_TOL = 1e-7
#: A kept hidden value must be a1 / keep_prob. Read back through log P, the reference's values
#: agree to 7e-16 relative; a missing 1 / keep_prob is off by a factor of 2 (keep_prob 0.5) or 1.25.
SCALE_TOL = 1e-9
#: Fraction of kept units on 200 x 50 = 10,000 draws: its standard deviation is
#: sqrt(p (1 - p) / 10,000) <= 0.005, so 0.03 is six standard deviations; keep and
#: drop swapped (keep_prob used as the drop probability) is off by 0.6 at keep_prob 0.8.
FRACTION_TOL = 0.03
#: Mean of (dropped-out a1 / a1) over 20 forwards of 10,000 units: 1 in expectation, standard
#: deviation sqrt((1 - p) / p / 200,000) <= 0.0023; 0.02 is about nine of them. Without the
#: rescaling the mean is keep_prob itself (off by 0.2 or more).
MEAN_TOL = 0.02
#: Gradients against centered differences (h = 1e-5, float64) with the mask fixed. The mask is read
#: first (it is the student's own draw); the problem is then drawn until every |z1| >= 0.05 (away
#: from ReLU's kink) and every entry of the expected gradient is 0 exactly or at least 1e-3 in size
#: (problems.clear_of_zero): on fixed seeds without that rule the reference reached 1.3e-6, from a
#: W2 entry near 0. With it, over 1,000 draws, the reference measures at most 2.1e-8 (the sample
#: correct submission, whose mask is drawn another way, 2.5e-8); a mask missing from backward
#: measures 1 on W1 and b1, an a1 cached before the mask 1 on W2.
GRADIENT_TOL = 1e-6
#: The mask read back from the student's forward is what the expected gradient is computed with, so it must
#: be a dropout mask: each factor 0 (dropped) or from 0.5 to 1 / keep_prob = 2 (kept, scaled or not), up to
#: this much for the read-back's rounding. Anything else (inf, NaN, tiny factors) would leave no gradient to
#: compare, or none that a drawn problem could tell apart from 0.
MASK_SLACK = 1e-6
#: How many problems dropout_problem draws for one mask before it gives up (a mask as above needs a few).
DROPOUT_TRIES = 1000
#: Parameters after train with momentum 0 against the same updates done here: only the order of
#: the batch sum may differ (the reference measures 0); rates counted from epoch 1 are off by 0.2
#: (W1), a rate recorded but never applied by 0.5.
TRAIN_TOL = 1e-9


def bonus_model(module, params: dict, keep_prob: float = 1.0, training: bool = False, seed: int = 0,
                construct: bool = True):
    """A ``module.BonusNN`` holding ``params``, in the given mode, with ``rng = default_rng(seed)``.

    Built with the student's __init__ when it works, without it otherwise (and
    always without it for the reference, so both are set up the same way).
    """
    d, h = params["W1"].shape
    c = params["W2"].shape[1]
    model = None
    if construct:
        try:
            model = module.BonusNN(input_size=d, hidden_size=h, output_size=c, seed=seed, keep_prob=keep_prob)
        except Exception:
            model = None
    if model is None:
        model = without_init(module, "BonusNN")
        model.cache, model.lr_history = {}, []
    model.rng, model.keep_prob, model.training = numpy_beside(module).random.default_rng(seed), keep_prob, training
    for name in PARAMETERS:
        setattr(model, name, params[name].copy())
    model.velocity = {name: np.zeros_like(params[name]) for name in PARAMETERS}
    return model


def reference_model(reference, params: dict, **options):
    return bonus_model(reference, params, construct=False, **options)


def probe(student, W1: np.ndarray, b1: np.ndarray, keep_prob: float, seed: int):
    """A student model in training mode whose output reveals the hidden activation (see the module docstring)."""
    h = W1.shape[1]
    params = {"W1": W1, "b1": b1, "W2": np.hstack([np.eye(h), np.zeros((h, 1))]), "b2": np.zeros((1, h + 1))}
    return bonus_model(student, params, keep_prob=keep_prob, training=True, seed=seed)


def hidden_after_dropout(model, X: np.ndarray) -> np.ndarray:
    """The (N, H) hidden activation the student's training forward used, read from its probabilities."""
    h = model.W1.shape[1]
    P = model.forward(X.copy())
    shape = P.shape if isinstance(P, np.ndarray) else None
    P = real_array(P)
    ok = P is not None and P.shape == (len(X), h + 1) and bool(np.all(P > 0))
    expect(ok, f"forward(X) in training mode on {len(X)} examples",
           expected=f"positive probabilities of shape ({len(X)}, {h + 1})",
           got=f"shape {shape}" if shape is not None else "not an array",
           hint="apart from the mask, forward is SimpleNN's forward: softmax(a1 @ W2 + b2) over each row")
    return np.log(P[:, :h]) - np.log(P[:, h:])


def dropout_loss(params: dict, X: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    """Mean cross-entropy of the network with the hidden activation multiplied by a fixed ``mask``."""
    a1 = np.maximum(X @ params["W1"] + params["b1"], 0) * mask
    z2 = a1 @ params["W2"] + params["b2"]
    z2 = z2 - z2.max(axis=1, keepdims=True)
    log_p = z2 - np.log(np.exp(z2).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(y)), y]))


# --- forward ----------------------------------------------------------------

@pytest.mark.bonus
@pytest.mark.points(1)
def test_forward_without_dropout_is_the_plain_forward(student, reference, rng):
    """without dropout (evaluation mode, or keep_prob = 1) forward is exactly SimpleNN's forward"""
    params, X, _ = small_problem(rng, n=9)
    expected = reference_model(reference, params).forward(X)
    got = bonus_model(student, params, keep_prob=0.5, training=False).forward(X.copy())
    expect_array(got, expected, "forward(X) in evaluation mode (training False) with keep_prob 0.5",
                 tol=FORWARD_TOL, hint="drop units only while self.training is True: evaluation uses every "
                 "unit, unscaled (inverted dropout already rescaled during training)")
    got = bonus_model(student, params, keep_prob=1.0, training=True).forward(X.copy())
    expect_array(got, expected, "forward(X) in training mode with keep_prob 1.0", tol=FORWARD_TOL,
                 hint="keep_prob is the probability of KEEPING a unit: with 1.0 every unit stays, unscaled")


@pytest.mark.bonus
@pytest.mark.points(2)
def test_forward_training_drops_units_and_rescales_survivors(student, rng):
    """in training mode a fraction 1 - keep_prob of the hidden units is zeroed and the rest divided by keep_prob"""
    while True:
        X, W1, b1 = rng.normal(0, 1, (200, 6)), rng.normal(0, 0.1, (6, 50)), np.full((1, 50), 2.0)
        a1 = np.maximum(X @ W1 + b1, 0)
        if np.min(a1) >= 0.5:  # every unit active, so a dropped one (0) and a kept one are told apart
            break
    for keep_prob in (0.5, 0.8):
        model = probe(student, W1, b1, keep_prob, seed=int(rng.integers(2**31)))
        draws = [hidden_after_dropout(model, X) for _ in range(20)]
        first, setting = draws[0], f"forward(X) with keep_prob {keep_prob} in training mode"
        dropped = np.abs(first) <= SCALE_TOL * a1
        scaled = np.abs(first - a1 / keep_prob) <= SCALE_TOL * a1 / keep_prob
        bad = ~(dropped | scaled)
        where = np.unravel_index(np.argmax(bad), bad.shape)
        expect(not bad.any(), f"hidden activations a1 of {setting}",
               expected=f"each value either 0 or a1 / keep_prob; at index {tuple(map(int, where))}: 0 or "
               f"{a1[where] / keep_prob:.6g} (a1 = {a1[where]:.6g})",
               got=f"{first[where]:.6g}, and {int(bad.sum())} of {bad.size} values are neither",
               hint="inverted dropout: mask = (rng.random(a1.shape) < keep_prob) / keep_prob, a1 = a1 * mask; "
               "dividing the kept units by keep_prob keeps the expected activation equal to a1")
        expect(len({row.tobytes() for row in dropped}) > 1, f"masks of the 200 examples of {setting}",
               expected="a different mask for each example", got="the same units dropped in every row",
               hint="draw one random number per example and unit: rng.random(a1.shape), shape (N, H), not (H,)")
        kept = float(np.mean(~dropped))
        expect(abs(kept - keep_prob) <= FRACTION_TOL, f"fraction of hidden units kept by {setting}",
               expected=f"{keep_prob} +- {FRACTION_TOL}", got=f"{kept:.3f}",
               hint="keep_prob is the probability of KEEPING a unit: keep where rng.random(a1.shape) < keep_prob")
        mean = float(np.mean(np.array(draws) / a1))
        expect(abs(mean - 1.0) <= MEAN_TOL, f"mean of dropped-out a1 / a1 over 20 calls of {setting}",
               expected=f"1 +- {MEAN_TOL} (the expected activation is unchanged)", got=f"{mean:.4f}",
               hint="divide the kept units by keep_prob, so that evaluation needs no rescaling")


@pytest.mark.bonus
@pytest.mark.points(1)
def test_forward_mask_is_drawn_from_self_rng(student, rng):
    """the dropout mask comes from self.rng: the same rng state gives the same mask, each call a new one"""
    X, W1, b1 = rng.normal(0, 1, (40, 6)), rng.normal(0, 0.1, (6, 30)), np.full((1, 30), 2.0)
    seed = int(rng.integers(2**31))
    model = probe(student, W1, b1, keep_prob=0.5, seed=seed)
    students_random = numpy_beside(student).random
    before = students_random.get_state()
    first, second = hidden_after_dropout(model, X), hidden_after_dropout(model, X)
    after = students_random.get_state()
    model.rng = students_random.default_rng(seed)
    again = hidden_after_dropout(model, X)
    expect(np.array_equal(first, again), f"two training forwards, each after model.rng = np.random.default_rng({seed})",
           expected="the same dropped units", got="different dropped units",
           hint="draw the mask from self.rng (self.rng.random(a1.shape)), not from np.random or a new generator")
    expect(np.array_equal(before[1], after[1]) and before[2] == after[2], "NumPy's global random state",
           expected="unchanged by forward", got="changed: forward draws from np.random",
           hint="use self.rng.random(...), not np.random.random(...)")
    expect(not np.array_equal(first, second), "two training forwards in a row",
           expected="a new mask for each call", got="the same mask twice",
           hint="draw the mask inside forward on every call, not once in __init__")


# --- backward ---------------------------------------------------------------

@pytest.mark.bonus
@pytest.mark.points(2)
def test_backward_in_training_mode_matches_numerical_gradient(student, rng):
    """backward in training mode matches a numerical gradient taken with the same dropout mask"""
    n, d, h, seed = 6, 8, 5, int(rng.integers(2**31))
    ones = np.ones((1, h))  # W1 = 0 and b1 = 1: a1 = 1 everywhere, so the hidden activation IS the mask
    masks = [hidden_after_dropout(probe(student, np.zeros((d, h)), ones, 0.5, seed=seed), np.zeros((n, d)))
             for _ in range(2)]
    expect(np.array_equal(*masks), f"the mask of two training forwards from np.random.default_rng({seed})",
           expected="the same mask", got="different masks, so backward cannot be compared with a fixed mask",
           hint="draw the mask from self.rng (self.rng.random(a1.shape)), never from np.random")
    mask = masks[0]
    kept = (mask >= 0.5 - MASK_SLACK) & (mask <= 2.0 + MASK_SLACK)
    usable = bool(np.all(np.isfinite(mask)) and np.all(kept | (np.abs(mask) <= MASK_SLACK)))
    expect(usable, f"the mask of a training forward with keep_prob 0.5 from np.random.default_rng({seed})",
           expected="every hidden unit multiplied by 0 (dropped) or by 1 / keep_prob = 2 (kept)",
           got=f"factors from {np.min(mask):.4g} to {np.max(mask):.4g}",
           hint="the forward checks above show what goes wrong: forward returns softmax probabilities, and "
           "its mask = (rng.random(a1.shape) < keep_prob) / keep_prob")
    params, X, y, expected = dropout_problem(rng, mask)
    model = bonus_model(student, params, keep_prob=0.5, training=True, seed=seed)
    model.forward(X.copy())
    grads = model.backward(X.copy(), y.copy())
    expect(isinstance(grads, dict) and set(PARAMETERS) <= set(grads), "backward(X, y)",
           expected="a dict with keys 'W1', 'b1', 'W2', 'b2'",
           got=f"dict with keys {sorted(grads)}" if isinstance(grads, dict) else type(grads).__name__,
           hint="return {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}, as in SimpleNN")
    hints = {"W2": "dW2 = a1.T @ dz2 with the dropped-out a1, the one forward used (cache it after the mask)",
             "b2": "db2 is dz2 summed over the batch, as in SimpleNN",
             "W1": "multiply by the mask forward used: dz1 = (dz2 @ W2.T) * mask * (z1 > 0), then dW1 = X.T @ dz1",
             "b1": "db1 sums dz1 over the batch, where dz1 = (dz2 @ W2.T) * mask * (z1 > 0) uses forward's mask"}
    for name in ("W2", "b2", "W1", "b1"):
        expect_array(grads[name], expected[name], f"backward(X, y)['{name}'] in training mode (keep_prob 0.5) "
                     "against a numerical gradient with the same mask", tol=GRADIENT_TOL, hint=hints[name])


def dropout_problem(rng: np.random.Generator, mask: np.ndarray):
    """A small problem (shaped like ``mask``) and the numerical gradients of its loss with ``mask`` fixed, drawn
    until no expected entry is near 0."""
    n, h = mask.shape
    for _ in range(DROPOUT_TRIES):
        params, X, y = small_problem(rng, n=n, h=h)
        expected = {name: numerical_gradient(lambda: dropout_loss(params, X, y, mask), params[name])
                    for name in PARAMETERS}
        if all(clear_of_zero(value) for value in expected.values()):
            return params, X, y, expected
    raise GradeFailure("backward(X, y) in training mode", expected="a dropout mask with which a gradient can be "
                       "checked", got=f"no problem of {DROPOUT_TRIES} drawn with your mask had a gradient clear of 0",
                       hint="fix the forward checks first: mask = (rng.random(a1.shape) < keep_prob) / keep_prob")


# --- train ------------------------------------------------------------------

def with_reference_passes(model, reference):
    """``model`` with the reference's forward and backward, so train is judged on its own."""
    model.forward = types.MethodType(reference.BonusNN.forward, model)
    model.backward = types.MethodType(reference.BonusNN.backward, model)
    return model


class StopTraining(Exception):
    """Raised by the grader inside forward, to see what train does when training fails."""


@pytest.mark.bonus
@pytest.mark.points(1)
def test_train_runs_in_training_mode_and_leaves_it(student, reference, rng):
    """train sets self.training to True while it runs and back to False afterwards, even after an error"""
    params, X, y = small_problem(rng, n=6)
    model = with_reference_passes(bonus_model(student, params, keep_prob=0.8), reference)
    seen, forward = [], model.forward

    def spy(X):
        seen.append(model.training)
        return forward(X)

    model.forward = spy
    model.train(X, y, epochs=2, learning_rate=0.01, batch_size=3)
    expect(bool(seen) and all(flag is True for flag in seen), "self.training inside train's forward calls",
           expected="True in every call", got=f"{seen[:6]}" if seen else "forward was never called",
           hint="set self.training = True at the start of train; the batches run through self.forward")
    expect(model.training is False, "self.training after train(...) returned", expected="False",
           got=repr(model.training), hint="set self.training = False when train ends, so evaluation has no dropout")

    def failing(X):
        raise StopTraining("stopped by the grader")

    model.forward = failing
    try:
        model.train(X, y, epochs=2, learning_rate=0.01, batch_size=3)
    except StopTraining:
        pass
    expect(model.training is False, "self.training after a train whose forward raised an exception",
           expected="False", got=repr(model.training),
           hint="reset the flag in a finally: block (try: ... finally: self.training = False)")


@pytest.mark.bonus
@pytest.mark.points(2)
def test_train_decays_the_learning_rate_each_epoch(student, reference, rng):
    """train uses and records learning_rate / (1 + decay * epoch), epochs counted from 0"""
    params, X, y = small_problem(rng, n=6)
    model = with_reference_passes(bonus_model(student, params, keep_prob=1.0), reference)
    history = model.train(X.copy(), y.copy(), epochs=3, learning_rate=0.1, momentum=0.0, batch_size=6, decay=0.5)
    rates = [0.1 / (1 + 0.5 * epoch) for epoch in range(3)]
    got = getattr(model, "lr_history", None)
    values = np.asarray(got, dtype=float) if isinstance(got, (list, tuple, np.ndarray)) else None
    expect(values is not None and values.shape == (3,) and np.allclose(values, rates, rtol=1e-12, atol=0),
           "self.lr_history after train(X, y, epochs=3, learning_rate=0.1, decay=0.5)",
           expected=f"{[round(r, 6) for r in rates]}",
           got=repr([round(float(v), 6) for v in values] if values is not None and values.ndim == 1 else got)[:120],
           hint="epoch e (from 0) uses learning_rate / (1 + decay * e): the first epoch the full rate, "
           "the rate divided, not multiplied")
    expect(isinstance(history, (list, tuple, np.ndarray)) and len(history) == 3, "train(X, y, epochs=3, ...)",
           expected="a list of 3 losses, one per epoch", got=repr(history)[:120],
           hint="collect the loss of every epoch and return the list, as SimpleNN.train does")
    expected = {name: value.copy() for name, value in params.items()}
    for rate in rates:  # momentum 0 and one batch per epoch: each epoch is one step p -= rate * grad
        ref = reference_model(reference, expected, keep_prob=1.0, training=True)
        ref.forward(X)
        grads = ref.backward(X, y)
        expected = {name: expected[name] - rate * grads[name] for name in PARAMETERS}
    for name in PARAMETERS:
        expect_array(getattr(model, name), expected[name], f"{name} after train(X, y, epochs=3, learning_rate=0.1, "
                     "momentum=0, batch_size=6, decay=0.5)", tol=TRAIN_TOL,
                     hint="train each epoch with its decayed rate (pass it on as learning_rate), "
                     "not only record it in lr_history")


# --- plot_decision_boundary -------------------------------------------------

def plot_data():
    """30 points spanning [0, 10] x [-5, 15], so that the 10 % margins are whole numbers."""
    rng = np.random.default_rng(7)
    X = np.vstack([[0.0, -5.0], [10.0, 15.0], rng.uniform([0, -5], [10, 15], (28, 2))])
    return X, rng.integers(0, 3, 30)


def linear_classes(points: np.ndarray) -> np.ndarray:
    """Class 0, 1 or 2 by a linear score; at every grid point of the checks the score is >= 0.25 from a boundary."""
    score = points[:, 0] - 0.5 * points[:, 1] - 0.25
    return (score > 0).astype(int) + (score > 4).astype(int)


def figure_of(result, what: str):
    expect(isinstance(result, tuple) and len(result) == 2, what, expected="a tuple (fig, grid_predictions)",
           got=type(result).__name__, hint="return fig, grid")
    return result


@pytest.mark.bonus
@pytest.mark.points(1)
def test_plot_decision_boundary_returns_figure_and_grid(student):
    """plot_decision_boundary returns a Figure with the regions and the points, and a (resolution, resolution) grid"""
    X, y = plot_data()
    students_plt = beside(student, "matplotlib.pyplot")  # the figure is drawn where the student's code runs
    try:
        for ax in (None, students_plt.subplots()[1]):
            call = f"plot_decision_boundary(predict, X, y, resolution=13{', ax=ax' if ax else ''})"
            fig, grid = figure_of(student.plot_decision_boundary(linear_classes, X.copy(), y.copy(), resolution=13,
                                                                  ax=ax), call)
            expect(type_name(fig) == "Figure" and (ax is None or fig is ax.figure), call,
                   expected="a matplotlib Figure" + (" (the one holding ax)" if ax else ""), got=type_name(fig),
                   hint="draw into ax (a new one from plt.subplots() when ax is None) and return ax.figure")
            expect(isinstance(grid, np.ndarray) and grid.shape == (13, 13) and np.issubdtype(grid.dtype, np.integer),
                   call, expected="grid_predictions: an integer array of shape (13, 13)",
                   got=f"shape {grid.shape}, dtype {grid.dtype}" if isinstance(grid, np.ndarray)
                   else type(grid).__name__, hint="reshape predict(points) to (resolution, resolution), as integers")
            axes = fig.axes[0] if ax is None and fig.axes else ax
            artists = list(axes.collections) if axes is not None else []
            dots = [a for a in artists if np.shape(a.get_offsets()) == X.shape
                    and np.allclose(np.asarray(a.get_offsets()), X)]
            expect(bool(dots), f"what {call} draws", expected="the 30 data points (ax.scatter)",
                   got=f"{len(artists)} collections, none at the data points",
                   hint="draw the points on top: ax.scatter(X[:, 0], X[:, 1], c=y)")
            expect(len(artists) > len(dots) or len(axes.images) > 0, f"what {call} draws",
                   expected="the predicted classes as filled regions (ax.contourf)", got="only the points",
                   hint="fill the plane by class: ax.contourf(xs, ys, grid)")
    finally:
        students_plt.close("all")


@pytest.mark.bonus
@pytest.mark.points(1)
def test_plot_decision_boundary_grid_matches_predict(student, reference):
    """grid_predictions[i, j] is predict at (xs[j], ys[i]): x along the columns, y along the rows"""
    X, y = plot_data()
    try:
        _, expected = reference.plot_decision_boundary(linear_classes, X, y, resolution=25)
        call = "plot_decision_boundary(predict, X, y, resolution=25)"
        _, got = figure_of(student.plot_decision_boundary(linear_classes, X, y, resolution=25), call)
    finally:
        plt.close("all")
    expect(isinstance(got, np.ndarray) and got.shape == expected.shape, f"grid_predictions of {call}",
           expected=f"shape {expected.shape}", got=f"shape {getattr(got, 'shape', type(got).__name__)}",
           hint="reshape predict(points) to (resolution, resolution)")
    transposed = np.array_equal(got, expected.T)
    expect(np.array_equal(got, expected), f"grid_predictions of {call} for a linear 3-class predict",
           expected=f"the classes at (xs[j], ys[i]); row 0: {expected[0].tolist()}",
           got=f"{int(np.sum(got != expected))} of {expected.size} cells differ; row 0: {got[0].tolist()}",
           hint="the grid is transposed: use np.meshgrid(xs, ys) (default indexing='xy'), so rows follow y"
           if transposed else "xs spans feature 0, ys feature 1, each from its min - 10 % of its range to its "
           "max + 10 %; points = np.column_stack([gx.ravel(), gy.ravel()]) with gx, gy = np.meshgrid(xs, ys)")


@pytest.mark.bonus
@pytest.mark.points(1)
def test_plot_decision_boundary_grid_spans_beyond_the_data(student):
    """the grid reaches 10 % of the data range beyond the data on every side"""
    X, y = plot_data()
    asked = []

    def recording(points):
        asked.append(np.array(points, dtype=float))
        return linear_classes(np.asarray(points, dtype=float))

    try:
        student.plot_decision_boundary(recording, X, y, resolution=25)
    finally:
        plt.close("all")
    points = np.concatenate(asked) if asked else np.zeros((0, 2))
    expect(points.ndim == 2 and points.shape == (625, 2), "points passed to predict by "
           "plot_decision_boundary(predict, X, y, resolution=25)", expected="625 points (25 x 25), shape (M, 2)",
           got=f"shape {points.shape}", hint="predict takes the whole grid at once: an (M, 2) array")
    span = [[float(points[:, k].min()), float(points[:, k].max())] for k in range(2)]
    wanted = [[-1.0, 11.0], [-7.0, 17.0]]
    expect(np.allclose(span, wanted, rtol=0, atol=1e-9), "area of the grid for data spanning [0, 10] x [-5, 15]",
           expected=f"{wanted[0]} x {wanted[1]} (10 % of each range beyond the data)",
           got=f"{[round(v, 4) for v in span[0]]} x {[round(v, 4) for v in span[1]]}",
           hint="margin = 0.1 * (max - min) for each feature separately: xs = np.linspace(min0 - margin0, "
           "max0 + margin0, resolution), ys the same with column 1; points on the edge then stay inside the plot")
