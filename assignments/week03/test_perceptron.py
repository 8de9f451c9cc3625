"""Visible checks for perceptron.py: run `pytest` in this folder before you submit.

More checks run after you submit (hidden ones): an exact update in each
direction, AND, OR and NAND learned, XOR reported as not learnable, and fit
stopping right after its first epoch without mistakes.
"""

import numpy as np

from perceptron import Perceptron, step

TRUTH_TABLE = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def test_step_counts_zero_as_one():
    """step gives integer 0/1 values, and a score of exactly 0 gives 1."""
    got = step(np.array([-1.0, 0.0, 2.0]))
    assert np.array_equal(got, [0, 1, 1]), (f"step([-1, 0, 2]): expected [0, 1, 1], got {got}. "
                                            "Hint: 1 where z >= 0 (not z > 0).")
    assert np.issubdtype(got.dtype, np.integer), (f"step: expected an integer dtype, got {got.dtype}. "
                                                  "Hint: .astype(int).")


def test_new_perceptron_predicts_one_label_per_row():
    """A new Perceptron(2) has zero weights, so every score is 0 and predict says 1 for each row."""
    labels = Perceptron(2).predict(TRUTH_TABLE)
    assert labels.shape == (4,), (f"Perceptron.predict: expected shape (4,), got {labels.shape}. "
                                  "Hint: step(X @ self.w + self.b).")
    assert np.array_equal(labels, [1, 1, 1, 1]), (f"Perceptron.predict: expected [1, 1, 1, 1], got {labels}. "
                                                  "Hint: step(0) is 1.")


def test_update_on_one_mistake():
    """From zero weights, update(x=[1, 1], y=0) is a mistake (predicted 1): error -1, w and b drop by 0.1."""
    model = Perceptron(2, learning_rate=0.1)
    error = model.update(np.array([1.0, 1.0]), 0)
    assert error == -1, (f"Perceptron.update: expected error -1 (y - prediction = 0 - 1), got {error}. "
                         "Hint: use the 0/1 prediction.")
    assert np.allclose(model.w, [-0.1, -0.1]) and np.isclose(model.b, -0.1), (
        f"Perceptron.update: expected w = [-0.1, -0.1] and b = -0.1, got w = {model.w}, b = {model.b}. "
        "Hint: w += learning_rate * error * x and b += learning_rate * error.")


def test_fit_learns_and():
    """fit on the AND truth table returns True, ends with a clean epoch, and predicts AND."""
    model = Perceptron(2)
    converged = model.fit(TRUTH_TABLE, np.array([0, 0, 0, 1]))
    assert converged is True or converged is np.True_, (
        f"Perceptron.fit: expected True, got {converged} ({len(model.errors_)} epochs, errors_ ending "
        f"{model.errors_[-3:]}). Hint: return True after an epoch with 0 mistakes.")
    assert model.errors_ and model.errors_[-1] == 0, (
        f"Perceptron.fit: expected errors_ to end with 0, got {model.errors_}. "
        "Hint: append each epoch's count of mistakes, the last one (0) too.")
    labels = model.predict(TRUTH_TABLE)
    assert np.array_equal(labels, [0, 0, 0, 1]), (
        f"Perceptron.predict after fit on AND: expected [0, 0, 0, 1], got {labels}. "
        "Hint: in fit, count a mistake whenever update's error is not 0 (-1 counts too).")
