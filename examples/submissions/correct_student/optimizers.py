"""My optimizers for Week 3 (a sample submission that is correct)."""

import math

import numpy as np


class SGD:
    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate

    def step(self, params, grads):
        for key, gradient in grads.items():
            np.subtract(params[key], self.learning_rate * gradient, out=params[key])


class Momentum:
    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.velocity = {}

    def step(self, params, grads):
        for key, gradient in grads.items():
            old = self.velocity.get(key, np.zeros(params[key].shape))
            new = self.momentum * old - self.learning_rate * gradient
            self.velocity[key] = new
            params[key][...] = params[key] + new


class Adam:
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.m = {}
        self.v = {}
        self.t = 0

    def step(self, params, grads):
        self.t = self.t + 1
        fix1 = 1.0 - math.pow(self.beta1, self.t)
        fix2 = 1.0 - math.pow(self.beta2, self.t)
        for key in params:
            g = grads[key]
            first = self.beta1 * self.m.get(key, 0.0) + (1.0 - self.beta1) * g
            second = self.beta2 * self.v.get(key, 0.0) + (1.0 - self.beta2) * np.square(g)
            self.m[key], self.v[key] = first, second
            update = (first / fix1) / (np.sqrt(second / fix2) + self.eps)
            params[key] -= self.learning_rate * update


def step_decay(initial_lr, epoch, drop=0.5, every=10):
    blocks = math.floor(epoch / every)
    return initial_lr * drop ** blocks


def exponential_decay(initial_lr, epoch, rate=0.05):
    return initial_lr * math.exp(-rate * epoch)


def inverse_time_decay(initial_lr, epoch, rate=0.1):
    return initial_lr / (1.0 + rate * epoch)
