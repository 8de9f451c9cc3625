"""Week 3 mini-challenge: a two-layer network that recognizes handwritten digits.

The network maps a flattened 28x28 image to ten class probabilities:

    X (N, 784) --W1, b1--> z1 (N, 64) --ReLU--> a1 (N, 64) --W2, b2--> z2 (N, 10) --softmax--> P (N, 10)

Shapes used in every docstring below:
    N  number of examples in a batch
    D  input features (784 for MNIST)
    H  hidden units (64)
    C  classes (10)

Conventions the grader relies on:
    * ``X`` is a float array (N, D); labels ``y`` are integer class ids (N,).
    * Biases are row vectors: ``b1`` is (1, H) and ``b2`` is (1, C).
    * The loss is the *mean* cross-entropy over the batch, so every gradient
      returned by ``backward`` is averaged over the N examples.
    * All randomness comes from ``self.rng``, created from ``seed``; the same
      seed must give the same weights before and after training.
    * Parameters keep the dtype they were given; computations must not cast
      them to a lower precision (the grader checks gradients in float64).
    * ``standardize`` learns its mean and standard deviation from the training
      set only, and applies those same statistics to the test set.
"""

import numpy as np

PARAMETERS = ("W1", "b1", "W2", "b2")


def standardize(X_train, X_test):
    """Give every feature mean 0 and standard deviation 1, with statistics of the training set only.

    Args:
        X_train: (N, D) training inputs: the only data the statistics come from.
        X_test:  (M, D) test inputs, transformed with the training statistics.
    Returns:
        X_train_std: (N, D) (X_train - mean) / std
        X_test_std:  (M, D) (X_test - mean) / std, with the same mean and std

    ``mean`` and ``std`` are per feature (over axis 0) of ``X_train`` alone;
    ``std`` is ``np.std``'s default (ddof=0). A feature that is constant in
    ``X_train`` has std 0 (MNIST's border pixels are black in every training
    image): it is divided by 1 instead, so it becomes 0 in X_train_std and
    ``x - mean`` in X_test_std. Changing X_test never changes X_train_std.
    """
    X_train_std = X_test_std = None
    # TODO: mean and std of X_train over axis 0 (one per feature), with keepdims=True: shape (1, D).
    # TODO: where the std is 0 (a feature that never changes), divide by 1 instead of by 0.
    # TODO: apply that same mean and std to X_test; never compute statistics of X_test.
    raise NotImplementedError("standardize is not implemented yet: complete the TODO in simple_nn.py")
    return X_train_std, X_test_std


class SimpleNN:
    """784 -> 64 -> 10 network: ReLU hidden layer, softmax output, SGD with momentum."""

    def __init__(self, input_size=784, hidden_size=64, output_size=10, seed=0):
        """Create the parameters and the optimizer state.

        Sets:
            self.rng       np.random.Generator seeded with ``seed`` (use it for all randomness)
            self.W1 (D, H) He initialization: normal with standard deviation sqrt(2 / D)
            self.b1 (1, H) zeros
            self.W2 (H, C) normal with standard deviation sqrt(1 / H)
            self.b2 (1, C) zeros
            self.velocity  dict with one zero array per parameter name, same shape
        """
        self.rng = np.random.default_rng(seed)
        # TODO: draw W1 and W2 with self.rng.normal(0.0, std, shape); biases are np.zeros((1, size)).
        # TODO: self.velocity maps each name in PARAMETERS to np.zeros_like(that parameter).
        raise NotImplementedError("SimpleNN.__init__ is not implemented yet: complete the TODO in simple_nn.py")
        self.cache = {}

    def forward(self, X):
        """Compute class probabilities and cache what ``backward`` needs.

        Args:
            X: (N, D) inputs.
        Returns:
            P: (N, C) softmax probabilities; every row sums to 1.
        Caches in ``self.cache``: the hidden pre-activation z1 (N, H), the
        hidden activation a1 (N, H) and the probabilities P (N, C).

        Subtract each row's maximum logit before exponentiating: softmax is
        unchanged by the shift and ``np.exp`` can no longer overflow.
        """
        P = None
        # TODO: z1 = X @ W1 + b1, a1 = ReLU(z1), z2 = a1 @ W2 + b2, then a row-wise softmax of z2.
        # TODO: store z1, a1 and P in self.cache for backward.
        raise NotImplementedError("SimpleNN.forward is not implemented yet: complete the TODO in simple_nn.py")
        return P

    def backward(self, X, y):
        """Gradients of the mean cross-entropy loss, using the values cached by ``forward``.

        Call ``forward(X)`` first.

        Args:
            X: (N, D) the inputs passed to the last ``forward`` call.
            y: (N,) integer labels in [0, C).
        Returns:
            dict with keys "W1" (D, H), "b1" (1, H), "W2" (H, C), "b2" (1, C):
            each the gradient of the mean loss, the same shape as the parameter.

        Chain rule, from the loss back to W1:
            dz2 = (P - one_hot(y)) / N
            dW2 = a1.T @ dz2          db2 = sum of dz2 over the batch
            da1 = dz2 @ W2.T          dz1 = da1 where z1 > 0, else 0
            dW1 = X.T @ dz1           db1 = sum of dz1 over the batch
        """
        grads = None
        # TODO: follow the four lines of the chain rule above; read z1, a1 and P from self.cache.
        # TODO: one_hot(y) has a 1 in column y[i] of row i; np.arange(N) indexes the rows.
        raise NotImplementedError("SimpleNN.backward is not implemented yet: complete the TODO in simple_nn.py")
        return grads

    def train(self, X_train, y_train, epochs=10, learning_rate=0.02, momentum=0.9, batch_size=64):
        """Mini-batch SGD with momentum; returns the mean training loss of each epoch.

        Each epoch visits the examples in a new random order (drawn from
        ``self.rng``), in batches of ``batch_size``. After each batch, every
        parameter moves with its velocity (the week's velocity form):

            v = momentum * v - learning_rate * grad
            parameter = parameter + v

        Each batch's gradients come from ``self.backward(X_batch, y_batch)``
        (after ``self.forward(X_batch)`` if your backward reads its cache): the
        grader checks train with a correct forward and backward in their place.

        Args:
            X_train: (N, D) inputs. y_train: (N,) integer labels.
            epochs: passes over the data.
        Returns:
            history: list of ``epochs`` floats, the mean cross-entropy of each
            epoch's batches (measured before each batch's update).
        """
        history = []
        # TODO: each epoch, order = self.rng.permutation(N); slice it into batches of batch_size.
        # TODO: per batch: forward, add the batch's summed loss, backward, then the momentum update.
        # TODO: history.append(float(total_loss / N)) at the end of each epoch.
        raise NotImplementedError("SimpleNN.train is not implemented yet: complete the TODO in simple_nn.py")
        return history

    def predict(self, X):
        """Predicted digit for each row of X: integer array (N,)."""
        labels = None
        # TODO: the most probable class of each row (np.argmax over axis 1).
        raise NotImplementedError("SimpleNN.predict is not implemented yet: complete the TODO in simple_nn.py")
        return labels
