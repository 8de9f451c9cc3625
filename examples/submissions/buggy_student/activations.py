"""My activation functions for Week 3 (a sample submission with one planted bug: softmax overflows)."""

import numpy as np


def sigmoid(z):
    # 1 / (1 + e^-z) == (1 + tanh(z / 2)) / 2, and tanh never overflows
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_derivative(z):
    y = sigmoid(z)
    return y - y * y


def tanh(z):
    return np.tanh(z)


def tanh_derivative(z):
    t = np.tanh(z)
    return 1.0 - t * t


def relu(z):
    return z * (z > 0)


def relu_derivative(z):
    grad = np.zeros_like(z)
    grad[z > 0] = 1.0
    return grad


def leaky_relu(z, alpha=0.01):
    out = z.copy()
    out[z <= 0] *= alpha
    return out


def leaky_relu_derivative(z, alpha=0.01):
    grad = np.ones_like(z)
    grad[z <= 0] = alpha
    return grad


def softmax(z):
    exps = np.exp(z)  # planted bug: no max-shift, so exp overflows for logits above ~709
    return exps / exps.sum(axis=-1, keepdims=True)


def softmax_backward(dp, p):
    # Jacobian-vector product, one dot product per row
    row_dot = np.einsum("...c,...c->...", dp, p)[..., np.newaxis]
    return p * (dp - row_dot)
