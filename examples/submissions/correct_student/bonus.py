"""Week 3 bonus: my SimpleNN with dropout and a decaying learning rate, plus decision-boundary plots."""

import matplotlib.pyplot as plt
import numpy as np

from simple_nn import PARAMETERS, SimpleNN


class BonusNN(SimpleNN):
    def __init__(self, input_size=784, hidden_size=64, output_size=10, seed=0, keep_prob=1.0):
        super().__init__(input_size=input_size, hidden_size=hidden_size, output_size=output_size, seed=seed)
        self.keep_prob = keep_prob
        self.training = False
        self.lr_history = []

    def forward(self, X):
        pre = np.dot(X, self.W1) + self.b1
        hidden = np.where(pre > 0, pre, 0.0)
        if self.training and self.keep_prob < 1.0:
            # keep each unit with probability keep_prob, and boost the survivors
            drop = self.rng.binomial(1, self.keep_prob, size=hidden.shape) / self.keep_prob
        else:
            drop = np.ones(hidden.shape)
        hidden = hidden * drop
        logits = np.dot(hidden, self.W2) + self.b2
        e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
        probs = e / np.sum(e, axis=1, keepdims=True)
        self.cache = {"z1": pre, "a1": hidden, "P": probs, "drop": drop}
        return probs

    def backward(self, X, y):
        batch = len(y)
        delta_out = (self.cache["P"] - np.eye(self.W2.shape[1])[y]) / batch
        delta_hidden = np.dot(delta_out, self.W2.T) * self.cache["drop"]
        delta_hidden[self.cache["z1"] <= 0] = 0.0
        grads = {"W2": np.dot(self.cache["a1"].T, delta_out), "b2": delta_out.sum(axis=0, keepdims=True),
                 "W1": np.dot(X.T, delta_hidden), "b1": delta_hidden.sum(axis=0, keepdims=True)}
        return {name: grads[name] for name in PARAMETERS}

    def train(self, X_train, y_train, epochs=10, learning_rate=0.02, momentum=0.9, batch_size=64, decay=0.0):
        losses = []
        self.lr_history = []
        self.training = True
        try:
            for epoch in range(epochs):
                rate = learning_rate / (1 + decay * epoch)
                self.lr_history.append(rate)
                losses.extend(SimpleNN.train(self, X_train, y_train, epochs=1, learning_rate=rate,
                                             momentum=momentum, batch_size=batch_size))
        finally:
            self.training = False
        return losses


def plot_decision_boundary(predict, X, y, resolution=200, ax=None):
    if ax is None:
        fig = plt.figure(figsize=(5, 4))
        ax = fig.add_subplot()
    axes_values = []
    for column in range(2):
        low, high = X[:, column].min(), X[:, column].max()
        pad = (high - low) / 10
        axes_values.append(np.linspace(low - pad, high + pad, resolution))
    gx, gy = np.meshgrid(axes_values[0], axes_values[1])
    labels = np.asarray(predict(np.c_[gx.ravel(), gy.ravel()])).reshape(gx.shape).astype(np.int64)
    ax.pcolormesh(gx, gy, labels, shading="auto", cmap="Pastel1")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="Set1", s=12, edgecolors="black")
    return ax.figure, labels


def make_moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles in 2-D: a small dataset a straight line cannot separate.

    Args:
        n: number of points (half of them, rounded down, in class 0).
        noise: standard deviation of the Gaussian noise added to every coordinate.
        seed: seed of the random numbers (noise and the positions along each arc).
    Returns:
        X: (n, 2) float points. y: (n,) integer labels 0 or 1.
    """
    rng = np.random.default_rng(seed)
    n0 = n // 2
    angle = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(angle[:n0]), np.sin(angle[:n0])])
    lower = np.column_stack([1.0 - np.cos(angle[n0:]), 0.5 - np.sin(angle[n0:])])
    X = np.vstack([upper, lower]) + rng.normal(0.0, noise, (n, 2))
    y = np.concatenate([np.zeros(n0, dtype=int), np.ones(n - n0, dtype=int)])
    return X, y
