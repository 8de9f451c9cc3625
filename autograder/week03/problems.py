"""Small deterministic problems shared by Week 3's graders."""

import numpy as np


def small_problem(seed: int, n: int = 6, d: int = 8, h: int = 5, c: int = 4, scale: float = 0.5):
    """Random float64 two-layer parameters, inputs (n, d) and labels, with every hidden
    pre-activation at least 0.05 away from ReLU's kink (so centred differences are exact)."""
    rng = np.random.default_rng(seed)
    while True:
        params = {"W1": rng.normal(0, scale, (d, h)), "b1": rng.normal(0, scale, (1, h)),
                  "W2": rng.normal(0, scale, (h, c)), "b2": rng.normal(0, scale, (1, c))}
        X = rng.normal(0, 1, (n, d))
        if np.min(np.abs(X @ params["W1"] + params["b1"])) >= 0.05:
            return params, X, rng.integers(0, c, n)
