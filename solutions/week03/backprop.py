"""Week 3 exercise: backpropagation by the chain rule, one building block at a time.

Every function here is one node of a computational graph. A backward function
receives the *upstream* gradient (how the loss changes with the node's output)
and returns the gradient with respect to the node's inputs: upstream times the
node's *local* derivative. A loss returns both its value and its gradient, so
the chain of backward calls can start from it.

Shapes used in every docstring below:
    N  number of examples in a batch
    D  input features of a dense layer
    H  output units of a dense layer
    C  classes

Conventions the grader relies on:
    * Everything is float64; biases are row vectors (1, H).
    * A gradient has the shape of the value it belongs to (dX like X, dW like W).
    * Averaging happens in the loss, and only there: ``mse_loss`` averages over
      all elements, ``softmax_cross_entropy`` over the batch. Backward functions
      of layers sum over the batch and never divide by N.
    * Labels ``y`` are integer class ids (N,).
    * ``gradient_check`` uses centered differences and changes ``x`` in place,
      putting every entry back to its exact old value.
"""

import numpy as np


def sigmoid(Z):
    """The logistic function 1 / (1 + exp(-Z)), element by element (given, not a TODO).

    Written so that np.exp never sees a large positive number: for Z < 0 it
    uses the equal form exp(Z) / (1 + exp(Z)). Safe for Z = +-1000.
    """
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def dense_backward(dZ, X, W):
    """Gradients of a dense layer Z = X @ W + b, given the upstream gradient dZ.

    Args:
        dZ: (N, H) gradient of the loss with respect to Z.
        X:  (N, D) the layer's input.
        W:  (D, H) the layer's weights.
    Returns:
        dX: (N, D) gradient with respect to X.
        dW: (D, H) gradient with respect to W.
        db: (1, H) gradient with respect to b: summed over the batch. No
            averaging here: dZ already carries the loss's 1/N.
    """
    dX = dW = db = None
    ### BEGIN SOLUTION
    # hint: a gradient has the shape of its value: order dZ, X, W (and .T) so the products give (N, D) and (D, H).
    # hint: b was added to every row, so its gradient sums dZ over the batch (axis=0, keepdims=True).
    dX = dZ @ W.T
    dW = X.T @ dZ
    db = np.sum(dZ, axis=0, keepdims=True)
    ### END SOLUTION
    return dX, dW, db


def relu_backward(dA, Z):
    """Gradient of A = max(Z, 0) with respect to Z.

    Args:
        dA: (any shape) upstream gradient, the gradient of the loss with respect to A.
        Z:  (same shape) the ReLU's input from the forward pass.
    Returns:
        dZ: (same shape) dA where Z > 0, and 0 where Z <= 0.
    """
    dZ = None
    ### BEGIN SOLUTION
    # hint: the local slope is 1 where the input Z was positive and 0 elsewhere: multiply dA by that mask.
    dZ = dA * (Z > 0)
    ### END SOLUTION
    return dZ


def sigmoid_backward(dA, Z):
    """Gradient of A = sigmoid(Z) with respect to Z.

    Args:
        dA: (any shape) upstream gradient. Z: (same shape) the sigmoid's input.
    Returns:
        dZ: (same shape) dA * s * (1 - s) with s = sigmoid(Z).
    """
    dZ = None
    ### BEGIN SOLUTION
    # hint: the local slope is s * (1 - s) where s is the sigmoid's OUTPUT: compute s = sigmoid(Z) first.
    s = sigmoid(Z)
    dZ = dA * s * (1.0 - s)
    ### END SOLUTION
    return dZ


def mse_loss(pred, target):
    """Mean squared error and its gradient.

    Args:
        pred, target: arrays of the same shape, e.g. (N, K).
    Returns:
        loss:  float, the mean of (pred - target) ** 2 over ALL elements
               (over the batch and the outputs alike).
        dpred: array like pred, 2 * (pred - target) / pred.size.
    """
    loss = dpred = None
    ### BEGIN SOLUTION
    # hint: loss = mean of the squared differences over every element; return it as a float.
    # hint: each element's square contributes 2 * difference, and the mean divides by the number of elements.
    diff = pred - target
    loss = float(np.mean(diff ** 2))
    dpred = 2.0 * diff / diff.size
    ### END SOLUTION
    return loss, dpred


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Args:
        logits: (N, C) unnormalized scores.
        y:      (N,) integer labels in [0, C).
    Returns:
        loss:    float, the mean over the batch of -log softmax(logits)[i, y[i]].
        dlogits: (N, C) gradient of that mean, (softmax(logits) - one_hot(y)) / N.

    Must stay finite for logits of +-1000: subtract each row's maximum, and
    compute log-probabilities as shifted - log(sum(exp(shifted))) (log-sum-exp)
    rather than log(softmax), which is log(0) once a probability underflows.
    """
    loss = dlogits = None
    ### BEGIN SOLUTION
    # hint: subtract each row's max, then log-probabilities = shifted - log(row sums of exp(shifted)), keepdims=True.
    # hint: pick each row's log-probability at its label with [np.arange(N), y].
    # hint: dlogits: the probabilities exp(log_probs), minus 1 at each row's label, divided by N.
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = float(-np.mean(log_probs[rows, y]))
    dlogits = np.exp(log_probs)
    dlogits[rows, y] -= 1.0
    dlogits /= n
    ### END SOLUTION
    return loss, dlogits


def gradient_check(f, x, h=1e-5):
    """Numerical gradient of the scalar function f() with respect to the array x, by centered differences.

    f takes no arguments: it reads x, so the function changes x IN PLACE, one
    entry at a time, and calls f again:

        grad[i] = (f() with x[i] + h  -  f() with x[i] - h) / (2 h)

    Every entry is put back to its exact old value (save it, then assign it:
    adding and subtracting h can leave a rounding error), so x is unchanged
    after the call. Works for x of any shape (1-D, 2-D, ...).

    Args:
        f: callable with no arguments returning a float.
        x: float64 array of any shape.
        h: the step.
    Returns:
        grad: float64 array with x's shape.
    """
    grad = None
    ### BEGIN SOLUTION
    # hint: np.ndindex(x.shape) yields every index tuple of an array of any shape.
    # hint: per index: save the old value, evaluate f at old + h and at old - h, then put the old value back.
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f()
        x[index] = old - h
        f_minus = f()
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    ### END SOLUTION
    return grad


def relative_error(a, b):
    """The largest element-wise relative error between a and b: max of |a - b| / max(1e-8, |a| + |b|).

    The floor 1e-8 keeps two zeros (or two tiny numbers) from dividing by
    zero: relative_error(0, 0) is 0. Takes arrays or plain numbers; returns a float.
    """
    error = None
    ### BEGIN SOLUTION
    # hint: work element by element with np.abs and np.maximum(1e-8, ...), and take np.max only at the end.
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    error = float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
    ### END SOLUTION
    return error
