"""My digit recognizer for the Week 3 mini-challenge (a sample submission with one planted bug)."""

import numpy as np

PARAMETERS = ("W1", "b1", "W2", "b2")


def standardize(X_train, X_test):
    center = np.mean(X_train, axis=0)
    spread = np.sqrt(np.mean((X_train - center) ** 2, axis=0))
    spread[spread == 0] = 1.0  # pixels that never change in training: leave their scale alone
    return (X_train - center) / spread, (X_test - center) / spread


def relu(z):
    return np.where(z > 0, z, 0.0)


def softmax(logits):
    stable = logits - np.max(logits, axis=1, keepdims=True)
    e = np.exp(stable)
    return e / np.sum(e, axis=1, keepdims=True)


class SimpleNN:
    def __init__(self, input_size=784, hidden_size=64, output_size=10, seed=0):
        self.rng = np.random.default_rng(seed)
        self.W1 = self.rng.standard_normal((input_size, hidden_size)) * np.sqrt(2.0 / input_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = self.rng.standard_normal((hidden_size, output_size)) * np.sqrt(1.0 / hidden_size)
        self.b2 = np.zeros((1, output_size))
        self.velocity = {}
        for name in PARAMETERS:
            self.velocity[name] = np.zeros(getattr(self, name).shape)
        self.cache = {}

    def forward(self, X):
        hidden_in = np.dot(X, self.W1) + self.b1
        hidden_out = relu(hidden_in)
        probs = softmax(np.dot(hidden_out, self.W2) + self.b2)
        self.cache = {"z1": hidden_in, "a1": hidden_out, "P": probs}
        return probs

    def backward(self, X, y):
        batch = len(y)
        targets = np.eye(self.W2.shape[1])[y]
        delta_out = self.cache["P"] - targets  # planted bug: the gradient is not averaged over the batch
        delta_hidden = np.dot(delta_out, self.W2.T)
        delta_hidden[self.cache["z1"] <= 0] = 0.0
        return {
            "W1": np.dot(X.T, delta_hidden),
            "b1": np.sum(delta_hidden, axis=0, keepdims=True),
            "W2": np.dot(self.cache["a1"].T, delta_out),
            "b2": np.sum(delta_out, axis=0, keepdims=True),
        }

    def train(self, X_train, y_train, epochs=10, learning_rate=0.02, momentum=0.9, batch_size=64):
        history = []
        count = len(y_train)
        for epoch in range(epochs):
            shuffled = self.rng.permutation(count)
            epoch_loss = 0.0
            for first in range(0, count, batch_size):
                idx = shuffled[first:first + batch_size]
                probs = self.forward(X_train[idx])
                epoch_loss -= np.sum(np.log(probs[np.arange(len(idx)), y_train[idx]] + 1e-12))
                grads = self.backward(X_train[idx], y_train[idx])
                for name in PARAMETERS:
                    self.velocity[name] = momentum * self.velocity[name] - learning_rate * grads[name]
                    setattr(self, name, getattr(self, name) + self.velocity[name])
            history.append(epoch_loss / count)
            print(f"epoch {epoch + 1}/{epochs}: loss {history[-1]:.4f}")
        return history

    def predict(self, X):
        return np.argmax(self.forward(X), axis=1)
