"""Visible checks for simple_nn.py: run `pytest` in this folder before you submit.

They catch the most common mistakes early. More checks run after you submit
(hidden ones): every gradient, the momentum update, shuffling, determinism,
standardize without leakage, and more than 90 % accuracy on the 10,000 MNIST
test images.
"""

import numpy as np
import pytest

from simple_nn import SimpleNN, standardize


def tiny_model(seed=0):
    """A 4 -> 3 -> 2 network in float64, small enough to check by hand."""
    return SimpleNN(input_size=4, hidden_size=3, output_size=2, seed=seed)


def test_parameter_shapes():
    """SimpleNN() creates W1 (784, 64), b1 (1, 64), W2 (64, 10), b2 (1, 10)."""
    model = SimpleNN(seed=0)
    for name, shape in {"W1": (784, 64), "b1": (1, 64), "W2": (64, 10), "b2": (1, 10)}.items():
        got = getattr(model, name).shape
        assert got == shape, f"{name}: expected shape {shape}, got {got}. Hint: weights are (inputs, outputs)."


@pytest.mark.parametrize("n", [1, 5])
def test_forward_gives_probabilities(n):
    """forward(X) returns (N, 10) probabilities whose rows sum to 1."""
    P = SimpleNN(seed=0).forward(np.random.default_rng(0).random((n, 784)))
    assert P.shape == (n, 10), f"expected shape ({n}, 10), got {P.shape}. Hint: keep the batch on axis 0."
    assert np.allclose(P.sum(axis=1), 1.0), f"rows sum to {P.sum(axis=1)}, expected 1. Hint: normalize per row."


def test_forward_survives_huge_logits():
    """forward stays finite when the logits are around 1000 (subtract the row max first)."""
    model = tiny_model()
    model.W2 = model.W2 * 1e4
    with np.errstate(over="raise", invalid="raise"):
        P = model.forward(np.ones((2, 4)))
    assert np.all(np.isfinite(P)), "expected finite probabilities. Hint: z2 - z2.max(axis=1, keepdims=True)."


def test_gradients_match_numerical_estimate():
    """backward(X, y) agrees with a centered-difference estimate of the mean loss (float64)."""
    model, rng = tiny_model(seed=1), np.random.default_rng(1)
    X, y, h = rng.normal(size=(3, 4)), np.array([0, 1, 1]), 1e-5
    model.forward(X)
    grads = model.backward(X, y)

    def loss():
        return -np.mean(np.log(model.forward(X)[np.arange(3), y]))

    for name in ("W1", "b1", "W2", "b2"):
        param, estimate = getattr(model, name), np.zeros_like(getattr(model, name))
        for i in np.ndindex(param.shape):
            old = param[i]
            param[i] = old + h
            up = loss()
            param[i] = old - h
            estimate[i] = (up - loss()) / (2 * h)
            param[i] = old
        error = np.max(np.abs(grads[name] - estimate) / np.maximum(1e-8, np.abs(grads[name]) + np.abs(estimate)))
        assert error < 1e-5, (f"gradient of {name}: relative error {error:.2g}, expected below 1e-5. "
                              "Hint: divide by the batch size N, and mask dz1 where z1 <= 0.")


def test_predict_returns_labels():
    """predict(X) returns one integer label per row."""
    labels = SimpleNN(seed=0).predict(np.zeros((4, 784)))
    assert labels.shape == (4,) and np.issubdtype(labels.dtype, np.integer), (
        f"expected 4 integer labels, got shape {labels.shape}, dtype {labels.dtype}. Hint: np.argmax(P, axis=1).")


def test_standardize_uses_training_statistics_only():
    """standardize: training features get mean 0 and std 1, X_test is scaled with the TRAINING mean and std."""
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(5.0, 3.0, size=(20, 4)), rng.normal(-2.0, 1.0, size=(6, 4))
    X_train[:, 1] = 0.0  # a feature that never changes, like MNIST's border pixels: std 0
    train, test = standardize(X_train, X_test)
    assert np.all(np.isfinite(train)) and np.all(np.isfinite(test)), (
        "standardize: expected finite values, got NaN or inf. "
        "Hint: feature 1 is 0 in every training row (std 0): divide it by 1, not by 0.")
    means, stds = train.mean(axis=0), train.std(axis=0)
    assert np.allclose(means, 0.0) and np.allclose(stds[[0, 2, 3]], 1.0), (
        f"standardize X_train_std: expected every feature with mean 0 and std 1, got means {np.round(means, 3)} "
        f"and stds {np.round(stds, 3)}. Hint: subtract X_train's mean and divide by its std, per feature (axis=0).")
    std = X_train.std(axis=0)
    expected = (X_test - X_train.mean(axis=0)) / np.where(std > 0, std, 1.0)
    assert np.allclose(test, expected), (
        f"standardize X_test_std: expected X_test scaled with the training mean and std (its feature means stay "
        f"far from 0 here), got means {np.round(test.mean(axis=0), 3)}. "
        "Hint: reuse X_train's mean and std; never compute them on X_test.")
