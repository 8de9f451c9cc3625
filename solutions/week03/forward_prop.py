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
    Z = None
    ### BEGIN SOLUTION
    # hint: one matrix product, then add the bias; broadcasting adds the (1, H) row to all N rows.
    Z = X @ W + b
    ### END SOLUTION
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
    a = None
    ### BEGIN SOLUTION
    # hint: relu is np.maximum(z, 0); sigmoid is 1 / (1 + exp(-z)); tanh is np.tanh; identity returns z.
    # hint: softmax per row: exp(z - row max), divided by its sum over axis=1 with keepdims=True.
    if name == "relu":
        a = np.maximum(z, 0.0)
    elif name == "sigmoid":
        a = 1.0 / (1.0 + np.exp(-z))
    elif name == "tanh":
        a = np.tanh(z)
    elif name == "identity":
        a = z
    elif name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        a = e / e.sum(axis=1, keepdims=True)
    else:
        raise ValueError(f"unknown activation {name!r}: use relu, sigmoid, tanh, softmax or identity")
    ### END SOLUTION
    return a


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
    out = cache = None
    ### BEGIN SOLUTION
    # hint: first check both names against HIDDEN_ACTIVATIONS and OUTPUT_ACTIVATIONS (raise ValueError listing them).
    # hint: z1 = dense_forward(X, W1, b1), a1 = activate(z1, hidden); then the same with W2, b2 and output.
    # hint: cache = {"z1": z1, "a1": a1, "z2": z2, "a2": a2}; out is a2.
    if hidden not in HIDDEN_ACTIVATIONS:
        raise ValueError(f"unknown hidden activation {hidden!r}: use one of {', '.join(HIDDEN_ACTIVATIONS)}")
    if output not in OUTPUT_ACTIVATIONS:
        raise ValueError(f"unknown output activation {output!r}: use one of {', '.join(OUTPUT_ACTIVATIONS)}")
    z1 = dense_forward(X, params["W1"], params["b1"])
    a1 = activate(z1, hidden)
    z2 = dense_forward(a1, params["W2"], params["b2"])
    a2 = activate(z2, output)
    cache = {"z1": z1, "a1": a1, "z2": z2, "a2": a2}
    out = a2
    ### END SOLUTION
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
    answer = None
    ### BEGIN SOLUTION
    # hint: run the quiz cell of the notebook: it prints x, W1, b1, W2, b2 of YOUR quiz.
    # hint: compute z1 = x W1 + b1, a1 = relu(z1), z2 = a1 W2 + b2, a2 = sigmoid(z2); set answer = [a2_1, a2_2].
    quiz = mlp_quiz(os.environ.get("NNGRADER_STUDENT_ID") or my_student_id())
    out, _ = two_layer_forward(quiz["x"], quiz, hidden=quiz["hidden"], output=quiz["output"])
    answer = [round(float(value), 2) for value in out[0]]
    ### END SOLUTION
    return answer
