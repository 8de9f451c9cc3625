"""My perceptron for the Week 3 warm-up (a sample submission that is correct)."""

import numpy as np


def step(z):
    return np.where(np.asarray(z) >= 0, 1, 0)


class Perceptron:
    def __init__(self, n_inputs, learning_rate=0.1):
        self.w = np.zeros(n_inputs, dtype=float)
        self.b = 0.0
        self.learning_rate = learning_rate
        self.errors_ = []

    def predict(self, X):
        scores = np.dot(X, self.w) + self.b
        return step(scores)

    def update(self, x, y):
        guess = step(np.dot(x, self.w) + self.b)
        err = int(y) - int(guess)
        if err != 0:
            delta = self.learning_rate * err
            self.w = self.w + delta * x
            self.b += delta
        return err

    def fit(self, X, y, epochs=100):
        self.errors_ = []
        for epoch in range(epochs):
            wrong = 0
            for i in range(len(X)):
                if self.update(X[i], y[i]):
                    wrong += 1
            self.errors_.append(wrong)
            if wrong == 0:
                break
        return len(self.errors_) > 0 and self.errors_[-1] == 0
