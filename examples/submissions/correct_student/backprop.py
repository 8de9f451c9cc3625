"""My backward passes for the Week 3 backprop exercise (a sample submission that is correct)."""

import numpy as np


def sigmoid(Z):
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def dense_backward(dZ, X, W):
    grad_input = np.dot(dZ, W.T)
    grad_weights = np.einsum("nd,nh->dh", X, dZ)
    grad_bias = dZ.sum(axis=0)[np.newaxis, :]
    return grad_input, grad_weights, grad_bias


def relu_backward(dA, Z):
    return np.where(Z > 0, dA, 0.0)


def sigmoid_backward(dA, Z):
    out = sigmoid(Z)
    local = out - out ** 2
    return local * dA


def mse_loss(pred, target):
    err = pred - target
    count = err.size
    value = np.sum(err * err) / count
    return float(value), err * (2.0 / count)


def softmax_cross_entropy(logits, y):
    batch = len(y)
    top = logits.max(axis=1, keepdims=True)
    log_norm = top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    log_p = logits - log_norm
    picked = log_p[np.arange(batch), y]
    probs = np.exp(log_p)
    targets = np.zeros_like(probs)
    targets[np.arange(batch), y] = 1.0
    return float(-picked.sum() / batch), (probs - targets) / batch


def gradient_check(f, x, h=1e-5):
    estimate = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        saved = x[i].copy()
        x[i] = saved + h
        up = f()
        x[i] = saved - h
        down = f()
        x[i] = saved
        estimate[i] = (up - down) / (2 * h)
    return estimate


def relative_error(a, b):
    a = np.array(a, dtype=float)
    b = np.array(b, dtype=float)
    denominator = np.where(np.abs(a) + np.abs(b) < 1e-8, 1e-8, np.abs(a) + np.abs(b))
    return float((np.abs(a - b) / denominator).max())
