"""Week 3 bonus (extra credit): dropout, learning-rate decay and decision boundaries.

``BonusNN`` is your own ``SimpleNN`` from simple_nn.py with two additions:

    * inverted dropout on the hidden layer, only while training;
    * a learning rate that shrinks from epoch to epoch (inverse-time decay).

``plot_decision_boundary`` colors the plane by the class a model predicts, for
2-D toy data such as ``make_moons``.

Shapes (as in simple_nn.py):
    N  examples in a batch     D  input features
    H  hidden units            C  classes

Conventions the grader relies on:
    * ``keep_prob`` is the probability of KEEPING a hidden unit (1.0: no dropout).
    * ``self.training`` is False except inside ``train``; in evaluation mode
      ``forward`` is exactly SimpleNN's forward (no dropout, no rescaling).
    * The dropout mask comes from ``self.rng`` (never from ``np.random``), one
      fresh value per example and hidden unit on every training ``forward``:
      the same ``self.rng`` state gives the same mask.
    * Epochs are counted from 0: epoch e trains with ``learning_rate / (1 + decay * e)``.
    * ``grid_predictions[i, j]`` is the class predicted at the point
      ``(xs[j], ys[i])``: columns follow feature 0 (the x axis), rows feature 1.
"""

import matplotlib.pyplot as plt
import numpy as np

from simple_nn import SimpleNN


class BonusNN(SimpleNN):
    """SimpleNN with inverted dropout on the hidden layer and learning-rate decay in ``train``."""

    def __init__(self, input_size=784, hidden_size=64, output_size=10, seed=0, keep_prob=1.0):
        """SimpleNN's parameters, plus ``keep_prob``, ``training`` (False) and ``lr_history`` ([])."""
        super().__init__(input_size, hidden_size, output_size, seed)
        self.keep_prob = keep_prob
        self.training = False
        self.lr_history = []

    def forward(self, X):
        """SimpleNN's forward pass, with inverted dropout on a1 while ``self.training``.

        Args:
            X: (N, D) inputs.
        Returns:
            P: (N, C) softmax probabilities.

        Only when ``self.training`` is True and ``keep_prob < 1``:

            mask = (self.rng.random(a1.shape) < keep_prob) / keep_prob     # (N, H)
            a1 = a1 * mask

        A unit survives with probability keep_prob and is then divided by
        keep_prob, so every unit's expected value is unchanged and evaluation
        needs no rescaling. Otherwise the mask is all ones. Cache z1, the
        dropped-out a1, the mask and P in ``self.cache`` for ``backward``.
        """
        P = None
        ### BEGIN SOLUTION
        # hint: start from your SimpleNN.forward: z1, then a mask of ones (no dropout).
        # hint: while self.training and keep_prob < 1: mask = (self.rng.random(z1.shape) < keep_prob) / keep_prob.
        # hint: a1 = ReLU(z1) * mask, then z2 and the row-wise softmax; cache z1, a1, mask and P.
        z1 = X @ self.W1 + self.b1
        mask = np.ones_like(z1)
        if self.training and self.keep_prob < 1:
            mask = (self.rng.random(z1.shape) < self.keep_prob) / self.keep_prob
        a1 = np.maximum(z1, 0) * mask
        z2 = a1 @ self.W2 + self.b2
        shifted = np.exp(z2 - z2.max(axis=1, keepdims=True))
        P = shifted / shifted.sum(axis=1, keepdims=True)
        self.cache = {"z1": z1, "a1": a1, "mask": mask, "P": P}
        ### END SOLUTION
        return P

    def backward(self, X, y):
        """Gradients of the mean cross-entropy through the mask of the last ``forward``.

        Args:
            X: (N, D) the inputs of the last ``forward``. y: (N,) integer labels.
        Returns:
            dict "W1" (D, H), "b1" (1, H), "W2" (H, C), "b2" (1, C), as in SimpleNN.

        Dropout multiplied a1 by the mask, so the gradient flowing back into
        the hidden layer is multiplied by the same mask:

            dz1 = (dz2 @ W2.T) * mask * (z1 > 0)

        Everything else is SimpleNN's backward (dW2 uses the dropped-out a1).
        """
        grads = None
        ### BEGIN SOLUTION
        # hint: copy your SimpleNN.backward and multiply dz1 by self.cache's mask (the one forward used).
        n = X.shape[0]
        dz2 = self.cache["P"].copy()
        dz2[np.arange(n), y] -= 1.0
        dz2 /= n
        dz1 = (dz2 @ self.W2.T) * self.cache["mask"] * (self.cache["z1"] > 0)
        grads = {
            "W1": X.T @ dz1,
            "b1": dz1.sum(axis=0, keepdims=True),
            "W2": self.cache["a1"].T @ dz2,
            "b2": dz2.sum(axis=0, keepdims=True),
        }
        ### END SOLUTION
        return grads

    def train(self, X_train, y_train, epochs=10, learning_rate=0.02, momentum=0.9, batch_size=64, decay=0.0):
        """SimpleNN's training, in training mode, with a learning rate that decays every epoch.

        Epoch e (counted from 0) uses ``learning_rate / (1 + decay * e)``; the
        rates used are stored in ``self.lr_history`` (one per epoch). Sets
        ``self.training = True`` for the duration and back to False at the end,
        also when training stops with an exception.

        Returns:
            history: list of ``epochs`` floats, the mean loss of each epoch (as SimpleNN.train).
        """
        history = []
        ### BEGIN SOLUTION
        # hint: self.lr_history = []; self.training = True; then try: ... finally: self.training = False.
        # hint: each epoch: lr = learning_rate / (1 + decay * epoch); append it to self.lr_history.
        # hint: reuse SimpleNN for that epoch: super().train(..., epochs=1, learning_rate=lr, ...) returns its loss list.
        self.lr_history = []
        self.training = True
        try:
            for epoch in range(epochs):
                lr = learning_rate / (1.0 + decay * epoch)
                self.lr_history.append(lr)
                history += super().train(X_train, y_train, epochs=1, learning_rate=lr,
                                         momentum=momentum, batch_size=batch_size)
        finally:
            self.training = False
        ### END SOLUTION
        return history


def plot_decision_boundary(predict, X, y, resolution=200, ax=None):
    """Color the plane by predicted class and draw the data on top.

    Args:
        predict: function mapping points (M, 2) to integer labels (M,).
        X: (N, 2) points. y: (N,) their integer labels (the colors of the dots).
        resolution: grid points along each axis.
        ax: a matplotlib Axes to draw into; None creates a new figure.
    Returns:
        (fig, grid_predictions): the Figure drawn into, and the integer array
        (resolution, resolution) of predicted classes.

    The grid spans each feature's data range plus a margin of 10 % of that
    range on both sides:

        xs = np.linspace(min0 - m0, max0 + m0, resolution)   with m0 = 0.1 * (max0 - min0)
        ys = the same for feature 1 (column 1 of X)

    and ``grid_predictions[i, j] = predict at (xs[j], ys[i])``: this is the
    layout of ``np.meshgrid(xs, ys)``, which ``ax.contourf(xs, ys, grid)`` expects.
    Call ``predict`` once on all resolution**2 points. Do not call ``plt.show()``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    grid = None
    ### BEGIN SOLUTION
    # hint: lo, hi = X.min(axis=0), X.max(axis=0); margin = 0.1 * (hi - lo); one np.linspace per feature.
    # hint: gx, gy = np.meshgrid(xs, ys); points = np.column_stack([gx.ravel(), gy.ravel()]).
    # hint: reshape predict(points) to (resolution, resolution); draw ax.contourf, then ax.scatter of X colored by y.
    lo, hi = X.min(axis=0), X.max(axis=0)
    margin = 0.1 * (hi - lo)
    xs = np.linspace(lo[0] - margin[0], hi[0] + margin[0], resolution)
    ys = np.linspace(lo[1] - margin[1], hi[1] + margin[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    grid = np.asarray(predict(points)).astype(int).reshape(resolution, resolution)
    ax.contourf(xs, ys, grid, levels=np.arange(grid.min(), grid.max() + 2) - 0.5, cmap="coolwarm", alpha=0.35)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=15)
    ### END SOLUTION
    return ax.figure, grid


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
