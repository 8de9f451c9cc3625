"""Visible checks for backprop.py: run `pytest` in this folder before you submit.

They catch the most common mistakes early. More checks run after you submit
(hidden ones): every backward function against a numerical gradient on several
random shapes, the exact loss values, logits of +-1000, and that
gradient_check is centered and puts x back exactly.
"""

import numpy as np

from backprop import (dense_backward, gradient_check, mse_loss, relative_error, relu_backward,
                      sigmoid_backward, softmax_cross_entropy)


def test_dense_backward_shapes():
    """dense_backward returns dX (N, D), dW (D, H) and db (1, H)."""
    rng = np.random.default_rng(0)
    X, W, dZ = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(4, 5))
    dX, dW, db = dense_backward(dZ, X, W)
    for name, got, shape in (("dX", dX, (4, 3)), ("dW", dW, (3, 5)), ("db", db, (1, 5))):
        assert got.shape == shape, (f"dense_backward {name}: expected shape {shape}, got {got.shape}. "
                                    "Hint: each gradient has the shape of its value; sum db with keepdims=True.")


def test_dense_backward_db_sums_over_the_batch():
    """db adds up dZ over the batch: with dZ all ones and N = 4, every entry of db is 4."""
    _, _, db = dense_backward(np.ones((4, 2)), np.ones((4, 3)), np.ones((3, 2)))
    assert np.allclose(db, 4.0), (f"dense_backward db: expected [[4, 4]], got {db}. "
                                  "Hint: sum over axis 0, do not average.")


def test_activation_backward_values():
    """relu_backward masks where Z <= 0; sigmoid_backward at Z = 0 multiplies by 0.25."""
    dA, Z = np.array([[1.0, 2.0, 3.0]]), np.array([[-1.0, 0.5, 2.0]])
    got = relu_backward(dA, Z)
    assert np.array_equal(got, [[0.0, 2.0, 3.0]]), (f"relu_backward(dA=[[1, 2, 3]], Z=[[-1, 0.5, 2]]): expected "
                                                    f"[[0, 2, 3]], got {got}. Hint: dA * (Z > 0).")
    got = sigmoid_backward(np.array([2.0]), np.array([0.0]))
    assert np.allclose(got, [0.5]), (f"sigmoid_backward(dA=[2], Z=[0]): expected [0.5] (2 * 0.5 * (1 - 0.5)), "
                                     f"got {got}. Hint: use s = sigmoid(Z), not Z itself.")


def test_mse_loss_simple_value():
    """mse_loss([[1, 2], [3, 4]], zeros) is (1 + 4 + 9 + 16) / 4 = 7.5, with gradient 2 * pred / 4."""
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    loss, dpred = mse_loss(pred, np.zeros((2, 2)))
    assert np.isclose(loss, 7.5), f"mse_loss: expected loss 7.5, got {loss}. Hint: the mean over ALL elements."
    assert np.allclose(dpred, pred / 2), (f"mse_loss: expected dpred {(pred / 2).tolist()}, got {dpred}. "
                                          "Hint: 2 * (pred - target) / size.")


def test_softmax_cross_entropy_uniform_logits():
    """Equal logits give loss log(C); each gradient row sums to 0 and carries the 1/N."""
    loss, dlogits = softmax_cross_entropy(np.zeros((2, 4)), np.array([1, 3]))
    assert np.isclose(loss, np.log(4)), (f"softmax_cross_entropy: expected loss log(4) = {np.log(4):.4f}, got {loss}. "
                                         "Hint: the mean of -log p over the batch.")
    expected = (np.full((2, 4), 0.25) - np.eye(4)[[1, 3]]) / 2
    assert np.allclose(dlogits, expected), (f"softmax_cross_entropy: expected dlogits {expected.tolist()}, "
                                            f"got {dlogits}. Hint: (softmax - one_hot(y)) / N.")


def test_gradient_check_on_a_2d_array():
    """gradient_check of sum(x ** 2) is 2 x, for a 2-D x that it leaves unchanged."""
    x = np.arange(6, dtype=np.float64).reshape(2, 3) - 2.5
    before = x.copy()
    grad = gradient_check(lambda: float(np.sum(x ** 2)), x)
    assert np.allclose(grad, 2 * x, rtol=1e-8, atol=1e-8), (
        f"gradient_check: expected 2 x = {(2 * x).tolist()}, got {grad}. "
        "Hint: change x in place, one entry at a time, centered differences.")
    assert np.array_equal(x, before), (f"gradient_check: expected x unchanged afterwards, {before.tolist()}, got {x}. "
                                       "Hint: put each entry back: x[i] = old.")


def test_relative_error_of_two_zeros_is_zero():
    """relative_error(0, 0) is 0 (the 1e-8 floor), and relative_error([1], [3]) is 0.5."""
    got = relative_error(np.zeros(2), np.zeros(2))
    assert got == 0.0, f"relative_error(0, 0): expected 0, got {got}. Hint: divide by max(1e-8, |a| + |b|)."
    got = relative_error(np.array([1.0]), np.array([3.0]))
    assert np.isclose(got, 0.5), (f"relative_error([1], [3]): expected 2 / 4 = 0.5, got {got}. "
                                  "Hint: |a - b| / (|a| + |b|).")
