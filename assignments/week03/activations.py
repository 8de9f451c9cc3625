"""Week 3 exercise: activation functions and their derivatives.

Every activation comes with the derivative that backpropagation needs:

    sigmoid, tanh, relu, leaky_relu     element-wise; each ``*_derivative(z)``
                                        is d activation / dz, evaluated at z
    softmax                             row-wise over the LAST axis
    softmax_backward                    the gradient through softmax

Shapes used below:
    z, dp, p  any shape for the element-wise functions; for softmax either
              (C,) one vector of logits or (N, C) a batch, one row per example
    N  examples in a batch        C  classes

Conventions the grader relies on:
    * Every function returns a new array of the same shape AND dtype as its
      input: float32 in gives float32 out, a 2-D input gives a 2-D output.
    * At the kink z == 0, relu_derivative is 0 and leaky_relu_derivative is
      alpha: both use the slope of the left side (z <= 0 counts as "off").
    * sigmoid and softmax stay finite and raise no RuntimeWarning (overflow,
      invalid value) for inputs as large as +-1000, with numpy's default
      error settings.
"""

import numpy as np


def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), computed without overflow.

    Args:
        z: float array, any shape.
    Returns:
        array of z's shape and dtype, values in [0, 1].

    exp(-z) overflows for z below about -709 (float64). Exponentiate only
    -|z| <= 0 instead: with e = exp(-|z|),
        z >= 0:  1 / (1 + e)
        z <  0:  e / (1 + e)     (the same value, multiplied through by exp(z))
    """
    s = None
    # TODO: exponentiate only -|z| (np.abs), then choose between the two forms above by the sign of z.
    # TODO: np.where(condition, a, b) evaluates BOTH a and b first, so neither may contain exp of a large number.
    raise NotImplementedError("sigmoid is not implemented yet: complete the TODO in activations.py")
    return s


def sigmoid_derivative(z):
    """d sigmoid / dz at z: sigmoid(z) * (1 - sigmoid(z)).

    Args:
        z: float array, any shape (the pre-activation, not the sigmoid output).
    Returns:
        array of z's shape and dtype, values in (0, 0.25].
    """
    ds = None
    # TODO: compute s = sigmoid(z) once, then use s (not z) in the formula.
    raise NotImplementedError("sigmoid_derivative is not implemented yet: complete the TODO in activations.py")
    return ds


def tanh(z):
    """The hyperbolic tangent, element-wise.

    Args:
        z: float array, any shape.
    Returns:
        array of z's shape and dtype, values in [-1, 1].
    """
    t = None
    # TODO: numpy has it, and its version cannot overflow.
    raise NotImplementedError("tanh is not implemented yet: complete the TODO in activations.py")
    return t


def tanh_derivative(z):
    """d tanh / dz at z: 1 - tanh(z) ** 2.

    Args:
        z: float array, any shape (the pre-activation, not the tanh output).
    Returns:
        array of z's shape and dtype, values in (0, 1].
    """
    dt = None
    # TODO: square tanh(z), not z.
    raise NotImplementedError("tanh_derivative is not implemented yet: complete the TODO in activations.py")
    return dt


def relu(z):
    """max(z, 0), element-wise.

    Args:
        z: float array, any shape.
    Returns:
        array of z's shape and dtype.
    """
    r = None
    # TODO: np.maximum compares element by element (np.max would reduce the array to one number).
    raise NotImplementedError("relu is not implemented yet: complete the TODO in activations.py")
    return r


def relu_derivative(z):
    """d relu / dz at z: 1 where z > 0, else 0.

    Convention: the derivative at exactly z == 0 is 0 (the kink counts as "off").

    Args:
        z: float array, any shape.
    Returns:
        array of z's shape and dtype holding 0s and 1s.
    """
    dr = None
    # TODO: a comparison gives booleans; convert them with .astype(z.dtype) to keep float32 as float32.
    raise NotImplementedError("relu_derivative is not implemented yet: complete the TODO in activations.py")
    return dr


def leaky_relu(z, alpha=0.01):
    """z where z > 0, alpha * z elsewhere.

    Args:
        z: float array, any shape.
        alpha: slope for z <= 0 (a small positive number).
    Returns:
        array of z's shape and dtype.
    """
    lr = None
    # TODO: np.where(z > 0, ..., ...): positive inputs pass unchanged, the others are scaled by alpha.
    raise NotImplementedError("leaky_relu is not implemented yet: complete the TODO in activations.py")
    return lr


def leaky_relu_derivative(z, alpha=0.01):
    """d leaky_relu / dz at z: 1 where z > 0, alpha elsewhere.

    Convention (as for relu): at exactly z == 0 the derivative is alpha.

    Args:
        z: float array, any shape.
        alpha: slope for z <= 0.
    Returns:
        array of z's shape and dtype holding 1s and alphas.
    """
    dl = None
    # TODO: np.where(z > 0, 1.0, alpha) is float64 whatever z is: convert with .astype(z.dtype).
    raise NotImplementedError("leaky_relu_derivative is not implemented yet: complete the TODO in activations.py")
    return dl


def softmax(z):
    """Softmax over the last axis: p_k = exp(z_k) / sum_j exp(z_j), for each row.

    Args:
        z: (C,) logits, or (N, C) one row of logits per example.
    Returns:
        p: array of z's shape and dtype; every row (last axis) is positive
        and sums to 1.

    Subtract each row's maximum before exponentiating: the result does not
    change (the factor exp(-max) cancels) and np.exp never sees a number
    above 0, so it cannot overflow.
    """
    p = None
    # TODO: work along axis=-1 with keepdims=True, so the same code serves (C,) and (N, C).
    # TODO: shift by the max of each row (not of the whole array), exponentiate, divide by the row sums.
    raise NotImplementedError("softmax is not implemented yet: complete the TODO in activations.py")
    return p


def softmax_backward(dp, p):
    """Gradient with respect to the logits z, given the gradient with respect to p = softmax(z).

    Args:
        dp: upstream gradient dL/dp, the shape of p.
        p:  softmax output, (C,) or (N, C).
    Returns:
        dz: dL/dz, the shape and dtype of p:
            dz = p * (dp - sum(dp * p, axis=-1, keepdims=True))

    Each p_k depends on every z_j of its row: dp_k/dz_j = p_k * ([k == j] - p_j).
    Multiplying that C x C Jacobian by dp gives the formula above, without
    ever building the matrix. Rows do not interact.
    """
    dz = None
    # TODO: one dot product per row, dp . p, kept as a column (axis=-1, keepdims=True), then the formula above.
    raise NotImplementedError("softmax_backward is not implemented yet: complete the TODO in activations.py")
    return dz
