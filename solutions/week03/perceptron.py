"""Week 3 warm-up: the perceptron, one neuron with a hard threshold.

A perceptron scores each example with a weighted sum and answers 1 when the
score is at least zero:

    X (N, D) --w (D,), b--> z = X @ w + b (N,) --step--> predictions (N,) in {0, 1}

Its decision boundary, the points where ``x @ w + b == 0``, is a straight line
(a plane in more dimensions): it can only learn labels that such a line separates.

Shapes used in every docstring below:
    N  number of examples
    D  input features

Conventions the grader relies on:
    * ``step(z)`` is 1 where ``z >= 0`` (a score of exactly 0 counts as 1), else 0,
      as an integer array of ``z``'s shape.
    * A new perceptron starts from zero: ``self.w`` is a float array of zeros (D,),
      ``self.b`` is 0.0; the learning rate is kept as ``self.learning_rate``.
    * Labels ``y`` are integers 0 or 1. The error of one example is
      ``y - prediction``: -1, 0 or +1, never the raw score.
    * ``fit`` visits the examples in the order given (no shuffling, no randomness),
      so the same data always gives the same weights and the same ``errors_``.
"""

import numpy as np


def step(z):
    """Heaviside step: 1 where z >= 0, 0 elsewhere.

    Args:
        z: array of any shape (a scalar is fine too).
    Returns:
        integer array of z's shape holding 0s and 1s.
    """
    out = None
    ### BEGIN SOLUTION
    # hint: compare with 0 using >= (zero counts as 1), then turn the booleans into integers with .astype(int).
    out = (np.asarray(z) >= 0).astype(int)
    ### END SOLUTION
    return out


class Perceptron:
    """A single neuron with a step activation, trained with the perceptron rule."""

    def __init__(self, n_inputs, learning_rate=0.1):
        """Start with every weight and the bias at zero.

        Sets:
            self.w (D,) float zeros, D = n_inputs
            self.b  0.0
            self.learning_rate  the step size of every update
            self.errors_  empty list; ``fit`` appends the number of mistakes of each epoch
        """
        ### BEGIN SOLUTION
        # hint: np.zeros(n_inputs) is already float; keep learning_rate as self.learning_rate.
        self.w = np.zeros(n_inputs)
        self.b = 0.0
        self.learning_rate = learning_rate
        ### END SOLUTION
        self.errors_ = []

    def predict(self, X):
        """Class of each row of X.

        Args:
            X: (N, D) inputs.
        Returns:
            (N,) integers 0/1: step(X @ w + b).
        """
        labels = None
        ### BEGIN SOLUTION
        # hint: one matrix-vector product gives all N scores; pass them through step.
        labels = step(X @ self.w + self.b)
        ### END SOLUTION
        return labels

    def update(self, x, y):
        """Apply the perceptron rule to one example and return its error.

        Args:
            x: (D,) one example. y: its label, 0 or 1.
        Returns:
            error: int, y - prediction: +1 (the score should have been higher),
            -1 (it should have been lower) or 0 (correct: nothing changes).

        The rule:
            w = w + learning_rate * error * x
            b = b + learning_rate * error
        """
        error = None
        ### BEGIN SOLUTION
        # hint: predict expects a batch: self.predict(x[np.newaxis, :])[0] is the 0/1 prediction for x.
        # hint: error = y - prediction (the 0/1 prediction, not the score), then move w and b by the rule above.
        error = int(y - self.predict(x[np.newaxis, :])[0])
        self.w = self.w + self.learning_rate * error * x
        self.b = self.b + self.learning_rate * error
        ### END SOLUTION
        return error

    def fit(self, X, y, epochs=100):
        """Run the perceptron rule over the data until an epoch makes no mistake.

        Each epoch calls ``self.update`` on every example, in order, and appends
        that epoch's number of mistakes (examples whose error was not 0) to
        ``self.errors_``. Training stops right after the first epoch with zero
        mistakes.

        Args:
            X: (N, D) inputs. y: (N,) labels 0/1.
            epochs: the most passes over the data.
        Returns:
            True if an epoch had zero mistakes (converged), False if every one of
            the ``epochs`` epochs made at least one.
        """
        self.errors_ = []
        ### BEGIN SOLUTION
        # hint: count a mistake when update returns a non-zero error (an error of -1 is a mistake too).
        # hint: after each epoch, append the count; return True at once if it is 0, and False after the last epoch.
        for _ in range(epochs):
            mistakes = 0
            for x_i, y_i in zip(X, y):
                mistakes += int(self.update(x_i, y_i) != 0)
            self.errors_.append(mistakes)
            if mistakes == 0:
                return True
        ### END SOLUTION
        return False
