"""Week 3 exercise: forward propagation through a two-layer network, keeping what backprop needs.

A dense layer is one matrix product plus a bias; a two-layer network is two of
them with an activation after each:

    X (N, D) --W1, b1--> z1 (N, H) --hidden--> a1 (N, H) --W2, b2--> z2 (N, C) --output--> a2 (N, C)

Shapes used in every docstring below:
    N  number of examples in a batch (one example per row)
    D  input features
    H  hidden units
    C  output units

Conventions the grader relies on:
    * Weights are (inputs, outputs) and biases are row vectors: W1 (D, H),
      b1 (1, H), W2 (H, C), b2 (1, C). A layer computes ``X @ W + b``.
    * Activations by name. Hidden layer: "relu", "sigmoid", "tanh". Output
      layer: "softmax" (per row), "sigmoid", "identity" (no change). Any other
      name raises ValueError, and the message lists the valid names.
    * ``two_layer_forward`` returns ``(out, cache)``: ``out`` is a2, and
      ``cache`` holds the four arrays z1, a1, z2, a2 under those names.
    * The quiz is different for every student: ``mlp_quiz(student_id)`` draws
      its numbers from a seed derived from the id (the same id always gives
      the same quiz). The grader checks ``quiz_answer()`` against the quiz of
      the id you are graded under.
"""

import getpass
import hashlib
import os

import numpy as np

HIDDEN_ACTIVATIONS = ("relu", "sigmoid", "tanh")
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "identity")


def dense_forward(X, W, b):
    """One dense (fully connected) layer: Z = X @ W + b.

    Args:
        X: (N, D) inputs, one example per row.
        W: (D, H) weights.
        b: (1, H) bias, added to every row.
    Returns:
        Z: (N, H) pre-activations.
    """
    Z = np.dot(X, W)
    Z = Z + b
    return Z


def activate(z, name):
    """Apply the activation called ``name`` to z.

    Args:
        z: (N, K) pre-activations.
        name: "relu", "sigmoid", "tanh", "softmax" or "identity".
    Returns:
        (N, K) array. relu, sigmoid and tanh work element by element;
        softmax turns each row into probabilities that sum to 1.
    Raises:
        ValueError for any other name.
    """
    if name not in _FUNCTIONS:
        raise ValueError("activation must be relu, sigmoid, tanh, softmax or identity, not " + repr(name))
    a = _FUNCTIONS[name](z)
    return a


def _softmax(z):
    # work on columns of the transpose: each column is one example
    t = z.T - np.max(z.T, axis=0)
    e = np.exp(t)
    return (e / np.sum(e, axis=0)).T


_FUNCTIONS = {
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "sigmoid": lambda z: np.exp(z) / (1.0 + np.exp(z)),
    "tanh": lambda z: (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1),
    "identity": lambda z: z,
    "softmax": _softmax,
}


def two_layer_forward(X, params, hidden="relu", output="softmax"):
    """Forward pass of a two-layer network, caching every intermediate value.

    Args:
        X: (N, D) inputs.
        params: dict with W1 (D, H), b1 (1, H), W2 (H, C), b2 (1, C).
        hidden: activation of the hidden layer, one of HIDDEN_ACTIVATIONS.
        output: activation of the output layer, one of OUTPUT_ACTIVATIONS.
    Returns:
        out: (N, C) the network's output a2.
        cache: dict with z1 (N, H), a1 (N, H), z2 (N, C), a2 (N, C):
            each layer's value before (z) and after (a) its activation.
    Raises:
        ValueError if ``hidden`` or ``output`` is not a valid name for its
        layer; the message names the valid ones.
    """
    for layer, name, allowed in (("hidden", hidden, HIDDEN_ACTIVATIONS), ("output", output, OUTPUT_ACTIVATIONS)):
        if name not in allowed:
            raise ValueError(f"{layer} activation {name!r} is not supported; choose from {allowed}")
    cache = {}
    cache["z1"] = dense_forward(X, params["W1"], params["b1"])
    cache["a1"] = activate(cache["z1"], hidden)
    cache["z2"] = dense_forward(cache["z1"], params["W2"], params["b2"])  # planted bug: z1, not a1
    cache["a2"] = activate(cache["z2"], output)
    out = cache["a2"]
    return out, cache


# --- the quiz: provided, do not change ---------------------------------------

def my_student_id():
    """The id nbgrader uses for you: your JupyterHub user name (else your login name)."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def mlp_quiz(student_id):
    """The quiz network of ``student_id``: the same id always gives the same numbers.

    Returns a dict with x (1, 3), W1 (3, 2), b1 (1, 2), W2 (2, 2), b2 (1, 2),
    small whole numbers from -3 to 3 (stored as floats), hidden "relu" and
    output "sigmoid". Draws are repeated until the quiz is worth doing by hand:
    one hidden unit is active and one is not (so the ReLU matters: leaving it
    out moves an output by more than 0.05), and both outputs lie between
    sigmoid(-4) and sigmoid(4).
    """
    seed = int(hashlib.sha256(student_id.encode("utf-8")).hexdigest(), 16) % 2**32
    rng = np.random.default_rng(seed)
    shapes = {"x": (1, 3), "W1": (3, 2), "b1": (1, 2), "W2": (2, 2), "b2": (1, 2)}
    while True:
        quiz = {name: rng.integers(-3, 4, size=shape).astype(float) for name, shape in shapes.items()}
        z1 = quiz["x"] @ quiz["W1"] + quiz["b1"]
        z2 = np.maximum(z1, 0.0) @ quiz["W2"] + quiz["b2"]
        z2_without_relu = z1 @ quiz["W2"] + quiz["b2"]
        relu_matters = np.max(np.abs(1 / (1 + np.exp(-z2)) - 1 / (1 + np.exp(-z2_without_relu)))) > 0.05
        if z1.max() > 0 > z1.min() and relu_matters and np.all(np.abs(z2) <= 4) and np.all(z2 != 0):
            return {**quiz, "hidden": "relu", "output": "sigmoid"}


def quiz_answer():
    """Return your hand-computed output for YOUR quiz as a list of 2 floats (rounded to 2 decimals is fine).

    Your quiz is ``mlp_quiz(my_student_id())``: the notebook prints it. Work
    the forward pass out on paper (or a calculator), then write the two
    numbers here, e.g. ``answer = [0.12, 0.87]``.
    """
    # my quiz (id buggy_student): x = [1, 2, 3]
    # z1 = [-1 - 2 + 9 - 3, -2 + 4 - 3 - 3] = [3, -4]
    # z2 = [3*1 - 4*0 - 2, 3*-1 - 4*-2 + 0] = [1, 5]  ->  sigmoid = [0.73, 0.99]   (planted bug: no ReLU)
    answer = [0.73, 0.99]
    return answer
