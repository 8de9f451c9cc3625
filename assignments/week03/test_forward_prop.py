"""Visible checks for forward_prop.py: run `pytest` in this folder before you submit.

They catch the most common mistakes early. More checks run after you submit
(hidden ones): every activation and every pair of them, the values stored in
the cache, and your quiz answer against the quiz of your nbgrader id.
"""

import numpy as np
import pytest

from forward_prop import dense_forward, mlp_quiz, my_student_id, quiz_answer, two_layer_forward


def tiny_network(n=4):
    """Inputs and parameters of a 3 -> 5 -> 2 network."""
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 5)), "b1": rng.normal(size=(1, 5)),
              "W2": rng.normal(size=(5, 2)), "b2": rng.normal(size=(1, 2))}
    return rng.normal(size=(n, 3)), params


def test_dense_forward_small_example():
    """dense_forward computes X @ W + b: checked on numbers you can verify by hand."""
    X = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]])
    b = np.array([[0.5, 0.5, 0.5]])
    Z = dense_forward(X, W, b)
    expected = np.array([[1.5, 2.5, 1.5]])
    assert isinstance(Z, np.ndarray) and Z.shape == (1, 3), (
        f"dense_forward: expected shape (1, 3), got {getattr(Z, 'shape', type(Z).__name__)}. "
        "Hint: X (1, 2) @ W (2, 3) is (1, 3).")
    assert np.allclose(Z, expected), (f"dense_forward: expected {expected.tolist()}, got {Z.tolist()}. "
                                      "Hint: Z = X @ W + b.")


@pytest.mark.parametrize("n", [1, 4])
def test_two_layer_forward_shapes_and_cache(n):
    """two_layer_forward returns (out, cache): out (N, C), cache z1, a1 (N, H) and z2, a2 (N, C)."""
    X, params = tiny_network(n)
    out, cache = two_layer_forward(X, params)
    assert out.shape == (n, 2), f"out: expected shape ({n}, 2), got {out.shape}. Hint: a1 @ W2 is (N, C)."
    for key, shape in {"z1": (n, 5), "a1": (n, 5), "z2": (n, 2), "a2": (n, 2)}.items():
        assert key in cache, f"cache: expected key {key!r}, got keys {sorted(cache)}. Hint: store z1, a1, z2, a2."
        assert cache[key].shape == shape, (f"cache[{key!r}]: expected shape {shape}, got {cache[key].shape}. "
                                           "Hint: z and a of a layer have the same shape, (N, H) or (N, C).")
    assert np.array_equal(out, cache["a2"]), ("out: expected the same values as cache['a2'], got different ones. "
                                              "Hint: out is the last activation a2.")


def test_relu_cache_keeps_values_before_and_after():
    """With hidden="relu", cache["a1"] is max(cache["z1"], 0): z1 before the activation, a1 after."""
    X, params = tiny_network()
    _, cache = two_layer_forward(X, params, hidden="relu", output="identity")
    assert np.allclose(cache["a1"], np.maximum(cache["z1"], 0)), (
        f"cache['a1']: expected relu(cache['z1']), first row {np.maximum(cache['z1'][0], 0).round(4).tolist()}, "
        f"got {np.round(cache['a1'][0], 4).tolist()}. Hint: store z1 before the activation and a1 after it.")
    assert np.allclose(cache["a2"], cache["z2"]), (
        f"cache['a2'] with output='identity': expected cache['z2'], first row {np.round(cache['z2'][0], 4).tolist()}, "
        f"got {np.round(cache['a2'][0], 4).tolist()}. Hint: the identity activation returns z unchanged.")


def test_softmax_rows_sum_to_one():
    """With output="softmax" (the default), every row of out sums to 1."""
    X, params = tiny_network()
    out, _ = two_layer_forward(X, params, hidden="tanh")
    sums = out.sum(axis=1)
    assert np.allclose(sums, 1.0), (f"out with output='softmax': expected every row to sum to 1, got row sums {sums}. "
                                    "Hint: divide exp(z2 - row max) by its sum over axis=1, keepdims=True.")


def test_unknown_activation_raises_value_error():
    """An unknown activation name raises ValueError."""
    X, params = tiny_network()
    try:
        two_layer_forward(X, params, hidden="softplus")
    except ValueError:
        return
    pytest.fail("two_layer_forward(X, params, hidden='softplus'): expected a ValueError, got a result. "
                "Hint: check both names first and raise ValueError for an unknown one.")


def test_quiz_answer_agrees_with_your_forward_pass():
    """quiz_answer() holds 2 numbers that agree (within 0.01) with two_layer_forward on YOUR quiz."""
    answer = quiz_answer()
    got = np.asarray(answer, dtype=float).ravel()
    assert got.shape == (2,), f"quiz_answer(): expected a list of 2 numbers, got {answer!r}. Hint: answer = [..., ...]."
    quiz = mlp_quiz(my_student_id())
    out, _ = two_layer_forward(quiz["x"], quiz, hidden=quiz["hidden"], output=quiz["output"])
    assert np.all(np.abs(got - out[0]) <= 0.01), (
        f"quiz_answer(): expected the output of two_layer_forward on your quiz, {np.round(out[0], 4).tolist()}, "
        f"got {got.tolist()}. "
        f"Hint: use the numbers of mlp_quiz({my_student_id()!r}); if both are right, check your two_layer_forward.")
