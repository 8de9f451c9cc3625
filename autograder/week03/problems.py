"""Week 3's random problems: drawn from the check's ``rng`` fixture (per student and course,
``autograder.grading.draws``).

A tolerance measured on one problem holds for a drawn one only if every draw
keeps the property the measurement relied on. The two that centered
differences need: no input of a ReLU within h of its kink (so the difference
never straddles it), and no expected entry so close to 0 that the estimate's
rounding (about 1e-10 absolute) is a large part of it. Problems that miss
them are drawn again.
"""

import numpy as np

#: Hidden pre-activations stay this far from ReLU's kink (h = 1e-5 moves them by far less).
KINK_MARGIN = 0.05
#: An expected gradient entry is 0 exactly (a unit no example activates) or at least this large: centered
#: differences of a loss near 1 err by about 1e-10 in absolute terms, so their relative error stays below 1e-7.
GRADIENT_FLOOR = 1e-3


def small_problem(rng: np.random.Generator, n: int = 6, d: int = 8, h: int = 5, c: int = 4, scale: float = 0.5):
    """Random float64 two-layer parameters, inputs (n, d) and labels, with every hidden pre-activation at least
    KINK_MARGIN away from ReLU's kink (so centered differences never cross it)."""
    while True:
        params = {"W1": rng.normal(0, scale, (d, h)), "b1": rng.normal(0, scale, (1, h)),
                  "W2": rng.normal(0, scale, (h, c)), "b2": rng.normal(0, scale, (1, c))}
        X = rng.normal(0, 1, (n, d))
        if np.min(np.abs(X @ params["W1"] + params["b1"])) >= KINK_MARGIN:
            return params, X, rng.integers(0, c, n)


def signed(rng: np.random.Generator, shape: tuple, low: float = 0.05, high: float = 2.0) -> np.ndarray:
    """Random values with |x| in [low, high] and random signs: none near 0 (a ReLU's kink, a vanishing factor)."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


def clear_of_zero(values: np.ndarray, floor: float = GRADIENT_FLOOR) -> bool:
    """Whether every entry of ``values`` is exactly 0 or at least ``floor`` in size."""
    size = np.abs(values)
    return bool(np.all((size == 0) | (size >= floor)))


def copies(params: dict) -> dict:
    """A dict of copies of ``params``' arrays: what a student's code is lent, the originals staying the grader's."""
    return {name: np.array(value, copy=True) for name, value in params.items()}
