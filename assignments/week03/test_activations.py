"""Visible checks for activations.py: run `pytest` in this folder before you submit.

They catch the most common mistakes early. More checks run after you submit
(hidden ones): values on random inputs, every derivative against a numerical
slope, the convention at z == 0, and softmax_backward.
"""

import warnings

import numpy as np
import pytest

from activations import (leaky_relu, leaky_relu_derivative, relu, relu_derivative, sigmoid, sigmoid_derivative,
                         softmax, softmax_backward, tanh, tanh_derivative)

ELEMENTWISE = (sigmoid, sigmoid_derivative, tanh, tanh_derivative, relu, relu_derivative, leaky_relu,
               leaky_relu_derivative, softmax)


@pytest.mark.parametrize("f", ELEMENTWISE, ids=lambda f: f.__name__)
def test_float32_batch_keeps_shape_and_dtype(f):
    """A float32 (2, 3) input gives a float32 (2, 3) output."""
    z = np.array([[-2.0, 0.0, 3.0], [0.5, -0.5, 1.0]], dtype=np.float32)
    out = f(z)
    assert isinstance(out, np.ndarray) and out.shape == z.shape and out.dtype == z.dtype, (
        f"{f.__name__}: expected a float32 array of shape (2, 3), got "
        f"{getattr(out, 'dtype', type(out).__name__)} of shape {getattr(out, 'shape', None)}. "
        "Hint: booleans and np.where(..., 1.0, alpha) are not float32: convert with .astype(z.dtype).")


def test_simple_values():
    """Values anyone can check by hand."""
    z = np.array([-2.0, 0.0, 3.0])
    at_zero = [("sigmoid", sigmoid(z)[1], 0.5, "1 / (1 + exp(-0)) is 0.5"),
               ("sigmoid_derivative", sigmoid_derivative(z)[1], 0.25, "s * (1 - s) with s = sigmoid(z), not z"),
               ("tanh", tanh(z)[1], 0.0, "np.tanh(0) is 0"),
               ("tanh_derivative", tanh_derivative(z)[1], 1.0, "1 - tanh(z) ** 2: square tanh(z), not z")]
    for name, got, expected, hint in at_zero:
        assert np.isclose(got, expected), f"{name}(0): expected {expected}, got {got}. Hint: {hint}."
    checks = [("relu", relu(z), [0.0, 0.0, 3.0], "np.maximum(z, 0), element by element"),
              ("relu_derivative", relu_derivative(z), [0.0, 0.0, 1.0], "1 where z > 0 (not z >= 0), else 0"),
              ("leaky_relu(alpha=0.1)", leaky_relu(z, alpha=0.1), [-0.2, 0.0, 3.0],
               "z where z > 0, else alpha * z with the alpha argument"),
              ("leaky_relu_derivative(alpha=0.1)", leaky_relu_derivative(z, alpha=0.1), [0.1, 0.1, 1.0],
               "1 where z > 0 (not z >= 0), else alpha")]
    for name, got, expected, hint in checks:
        assert np.allclose(got, expected), f"{name} at [-2, 0, 3]: expected {expected}, got {got}. Hint: {hint}."


@pytest.mark.parametrize("shape", [(4,), (3, 4)], ids=["vector", "batch"])
def test_softmax_rows_sum_to_one(shape):
    """softmax of a vector (C,) or of a batch (N, C): same shape, each row sums to 1."""
    z = np.arange(np.prod(shape), dtype=float).reshape(shape) % 5
    p = softmax(z)
    assert p.shape == z.shape, (f"softmax: expected shape {z.shape}, got {p.shape}. "
                                "Hint: divide by a sum with keepdims=True.")
    assert np.allclose(p.sum(axis=-1), 1.0), (f"softmax: expected every row to sum to 1, got row sums "
                                              f"{p.sum(axis=-1)}. Hint: sum over the last axis (axis=-1), not axis=0.")


@pytest.mark.parametrize("f", [sigmoid, softmax], ids=lambda f: f.__name__)
def test_no_warning_at_plus_minus_1000(f):
    """sigmoid and softmax stay finite and quiet at z = +-1000."""
    z = np.array([[-1000.0, 0.0, 1000.0], [1000.0, 999.0, 998.0]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = f(z)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not messages and np.all(np.isfinite(out)), (
        f"{f.__name__}: expected finite values and no warning, got {messages or out}. "
        "Hint: never exponentiate a large positive number (see the docstring's stable form).")


def test_softmax_backward_matches_a_numerical_gradient():
    """softmax_backward(dp, p) agrees with a centered-difference slope of sum(dp * softmax(z))."""
    z, dp, h = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]]), np.array([[1.0, -2.0, 0.5], [0.3, 0.0, 1.0]]), 1e-5
    estimate = np.zeros_like(z)
    for i in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[i] = h
        estimate[i] = (np.sum(dp * softmax(z + step)) - np.sum(dp * softmax(z - step))) / (2 * h)
    got = softmax_backward(dp, softmax(z))
    assert np.allclose(got, estimate, atol=1e-7), (
        f"softmax_backward: expected {estimate.round(6).tolist()}, got {got}. "
        "Hint: dz = p * (dp - sum(dp * p, axis=-1, keepdims=True)).")
