"""Visible checks for optimizers.py: run `pytest` in this folder before you submit.

They catch the most common mistakes early. More checks run after you submit
(hidden ones): whole trajectories against a reference on quadratics, one
state per parameter, Adam's step counter and eps, convergence on the
Rosenbrock function, and every learning-rate schedule.
"""

import numpy as np

from optimizers import SGD, Adam, Momentum, exponential_decay, inverse_time_decay, step_decay


def test_sgd_one_step_in_place():
    """SGD(0.1) moves p = [1, 2] with g = [10, -10] to [0, 3], inside the same array."""
    p = np.array([1.0, 2.0])
    params = {"p": p}
    SGD(learning_rate=0.1).step(params, {"p": np.array([10.0, -10.0])})
    assert params["p"] is p, ("SGD.step: expected params['p'] to be the same array afterwards, got a new array. "
                              "Hint: update in place with params[name] -= ..., not params[name] = ...")
    assert np.allclose(p, [0.0, 3.0]), f"SGD.step: expected p = [0, 3], got {p}. Hint: p -= learning_rate * g."


def test_momentum_two_steps():
    """Momentum(0.1, 0.9) with g = 1 twice: v = -0.1 then -0.19, so p goes 0 -> -0.1 -> -0.29."""
    params, opt, path = {"p": np.zeros(1)}, Momentum(learning_rate=0.1, momentum=0.9), []
    for _ in range(2):
        opt.step(params, {"p": np.ones(1)})
        path.append(float(params["p"][0]))
    assert np.allclose(path, [-0.1, -0.29]), (
        f"Momentum.step: expected p after each step [-0.1, -0.29], got {path}. "
        "Hint: v = momentum * v - learning_rate * g, then p += v; keep v between calls.")


def test_momentum_velocity_per_parameter():
    """Two parameters with opposite gradients move in opposite directions (one velocity each)."""
    params, opt = {"a": np.zeros(2), "b": np.zeros(2)}, Momentum(learning_rate=0.1, momentum=0.9)
    for _ in range(3):
        opt.step(params, {"a": np.ones(2), "b": -np.ones(2)})
    assert np.allclose(params["a"], -params["b"]) and params["a"][0] < 0, (
        f"Momentum.step: expected a = -b with a < 0, got a = {params['a']}, b = {params['b']}. "
        "Hint: one velocity per name, self.velocity[name] = np.zeros_like(params[name]) on first sight.")


def test_adam_first_step_is_lr():
    """Adam's first step moves every coordinate by lr, whatever the gradient's size (bias correction)."""
    params = {"W": np.zeros((2, 3))}
    grad = np.array([[0.5, -2.0, 1.0], [-0.8, 3.0, -1.5]])
    Adam(learning_rate=0.001).step(params, {"W": grad})
    moves = -params["W"] * np.sign(grad)
    assert np.allclose(moves, 0.001, rtol=1e-6), (
        f"Adam.step: expected every coordinate to move by 0.001 against its gradient, got moves {moves.ravel()}. Hint: "
        "bias-correct m and v with t = 1 on the first call; without it the step is 3.16 times too large.")


def test_decay_schedules():
    """The three schedules at a few epochs, for initial_lr = 0.1."""
    for what, got, expected, hint in [
        ("step_decay at epochs 0, 9, 10, 25", [step_decay(0.1, e) for e in (0, 9, 10, 25)], [0.1, 0.1, 0.05, 0.025],
         "initial_lr * drop ** (epoch // every)"),
        ("exponential_decay at epochs 0, 10", [exponential_decay(0.1, e) for e in (0, 10)], [0.1, 0.1 * np.exp(-0.5)],
         "initial_lr * exp(-rate * epoch)"),
        ("inverse_time_decay at epochs 0, 10", [inverse_time_decay(0.1, e) for e in (0, 10)], [0.1, 0.05],
         "initial_lr / (1 + rate * epoch)"),
    ]:
        assert np.allclose(np.asarray(got, dtype=float), expected), (
            f"{what}: expected {[float(v) for v in expected]}, got {np.asarray(got, dtype=float).tolist()}. "
            f"Hint: {hint}.")
