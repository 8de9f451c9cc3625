"""Visible checks for bonus.py (extra credit): run `pytest` in this folder before you submit.

BonusNN builds on your SimpleNN, so make simple_nn.py pass its own tests first.
More checks run after you submit (hidden ones): the fraction of dropped units and
their rescaling, the gradients through the mask, the decayed learning rate really
being used, and the exact area and layout of the decision grid.
"""

import matplotlib

matplotlib.use("Agg")  # no windows: the tests only look at what is drawn

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bonus import BonusNN, make_moons, plot_decision_boundary  # noqa: E402
from simple_nn import SimpleNN  # noqa: E402


def tiny_pair(keep_prob):
    """A 4 -> 6 -> 3 BonusNN and a SimpleNN holding the same weights."""
    model = BonusNN(input_size=4, hidden_size=6, output_size=3, seed=0, keep_prob=keep_prob)
    plain = SimpleNN(input_size=4, hidden_size=6, output_size=3, seed=0)
    for name in ("W1", "b1", "W2", "b2"):
        setattr(plain, name, getattr(model, name).copy())
    return model, plain


def test_evaluation_mode_is_simple_nn():
    """Outside train (training False), BonusNN.forward gives exactly SimpleNN.forward, even with keep_prob 0.5."""
    model, plain = tiny_pair(keep_prob=0.5)
    X = np.random.default_rng(1).normal(size=(5, 4))
    got, expected = model.forward(X), plain.forward(X)
    assert model.training is False, (f"BonusNN(): expected training to be False, got {model.training!r}. "
                                     "Hint: set self.training = False in __init__.")
    assert np.allclose(got, expected), (f"BonusNN.forward in evaluation mode: expected SimpleNN's output\n{expected}\n"
                                        f"got\n{got}\nHint: drop units only while self.training is True.")


def test_training_mode_drops_units_reproducibly():
    """In training mode the output changes (units are dropped), and the same self.rng state gives the same output."""
    model, plain = tiny_pair(keep_prob=0.5)
    X = np.random.default_rng(2).normal(size=(5, 4))
    model.training = True
    model.rng = np.random.default_rng(7)
    first = model.forward(X)
    model.rng = np.random.default_rng(7)
    again = model.forward(X)
    assert np.allclose(first, again), ("BonusNN.forward in training mode: expected the same output after resetting "
                                       "model.rng, got a different one. "
                                       "Hint: draw the mask with self.rng.random(...), not np.random.")
    assert not np.allclose(first, plain.forward(X)), ("BonusNN.forward in training mode: expected an output that "
                                                      "differs from SimpleNN's (some hidden units dropped), got the "
                                                      "same. Hint: apply the mask while self.training is True.")


def test_train_records_decayed_rates_and_leaves_training_mode():
    """train returns one loss per epoch, records learning_rate / (1 + decay * epoch) and ends with training False."""
    X, y = make_moons(60, noise=0.1, seed=0)
    model = BonusNN(input_size=2, hidden_size=8, output_size=2, seed=0, keep_prob=0.8)
    history = model.train(X, y, epochs=3, learning_rate=0.1, batch_size=20, decay=1.0)
    assert len(history) == 3, f"BonusNN.train: expected 3 losses, got {history!r}. Hint: one loss per epoch."
    assert model.training is False, (f"BonusNN.train: expected training False afterwards, got {model.training!r}. "
                                     "Hint: reset it in a finally: block.")
    expected = [0.1, 0.1 / 2, 0.1 / 3]
    assert np.allclose(model.lr_history, expected), (f"BonusNN.train: expected lr_history {expected}, "
                                                     f"got {model.lr_history}. Hint: the first epoch is epoch 0.")


def test_plot_decision_boundary_returns_figure_and_grid():
    """plot_decision_boundary returns a matplotlib Figure and an integer grid of shape (resolution, resolution)."""
    X, y = make_moons(40, noise=0.1, seed=0)
    fig, grid = plot_decision_boundary(lambda points: (points[:, 0] > 0.5).astype(int), X, y, resolution=30)
    plt.close("all")
    assert isinstance(fig, matplotlib.figure.Figure), (
        f"plot_decision_boundary: expected a Figure first, got {type(fig).__name__}. "
        "Hint: return ax.figure, grid.")
    assert isinstance(grid, np.ndarray) and grid.shape == (30, 30) and np.issubdtype(grid.dtype, np.integer), (
        f"plot_decision_boundary: expected an integer grid of shape (30, 30), got "
        f"{getattr(grid, 'dtype', type(grid).__name__)} of shape {getattr(grid, 'shape', None)}. "
        "Hint: reshape predict(points) to (resolution, resolution) and convert it with .astype(int).")
    assert set(np.unique(grid)) == {0, 1}, (
        f"plot_decision_boundary: expected both classes on the grid, got only {np.unique(grid)}. "
        "Hint: the grid spans each feature's range plus a 10 % margin (X.min(axis=0), X.max(axis=0)).")
