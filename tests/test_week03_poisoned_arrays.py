"""Gaming submissions that poison what the graders lend them, or return values no tolerance can judge.

Arguments cross to the student's process *lent*: whatever the student's code
writes into them in place comes back into the grader's own arrays (that is how
an optimizer's ``params[k] -= ...`` works). A grader that computed its expected
value after the call, from those same arrays, compared the student's answer
with NaN, and ``rel_error(got, nan) > tol`` is False: the check passed.

Each submission here is the sample correct student with exact edits
(``mutants.edit``): a function that writes NaN into the arrays it was lent and
returns zeros (or changes its parameters to NaN in place), or a forward pass
that hands back infinite probabilities so that a value the grader reads from it
is infinite. Every run is a real grading run (``run_checks``) of the checks the
trick aims at, and each must score exactly 0 on them, graded (a real 0, not
"not graded"). On the graders before issue 13 every one of these runs scored
full marks on those checks.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from mutants import assert_no_grader_source, edit

from autograder import paths
from autograder.grading.runner import run_checks

WEEK = "week03"
CORRECT = paths.EXAMPLES / "correct_student"


@dataclass(frozen=True)
class Poisoned:
    """A gaming edit of the correct sample's ``module`` and the checks it aims at (each must score 0)."""

    id: str
    module: str
    edits: tuple[tuple[str, str], ...]
    checks: tuple[str, ...]
    #: points those checks are worth: what the trick scored before issue 13
    points: float

    def folder(self, root: Path) -> Path:
        folder = root / self.id
        shutil.copytree(CORRECT, folder)
        for module in paths.PROVIDED_MODULES:
            shutil.copy(module, folder / module.name)
        target = folder / f"{self.module}.py"
        source = target.read_text(encoding="utf-8")
        for old, new in self.edits:
            source = edit(source, old, new)
        target.write_text(source, encoding="utf-8")
        return folder


def ids(module: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{module}::test_{name}" for name in names)


SIMPLE_NN_BACKWARD = "    def backward(self, X, y):\n        batch = len(y)\n"
BONUS_BACKWARD = "    def backward(self, X, y):\n        batch = len(y)\n        delta_out ="
BONUS_TRAIN = ("    def train(self, X_train, y_train, epochs=10, learning_rate=0.02, momentum=0.9, batch_size=64, "
               "decay=0.0):\n")
TWO_LAYER = "    cache = {}\n    cache[\"z1\"] = dense_forward(X, params[\"W1\"], params[\"b1\"])\n"

CASES = [
    # the case: backward writes NaN into the lent X and returns zeros; the four gradient checks
    Poisoned("simple-nn-backward-poisons-X", "simple_nn", ((
        SIMPLE_NN_BACKWARD,
        "    def backward(self, X, y):\n        X[...] = np.nan\n"
        "        return {name: np.zeros(getattr(self, name).shape) for name in PARAMETERS}\n"),),
        ids("simple_nn", *(f"backward_{p}_matches_numerical_gradient" for p in ("W2", "b2", "W1", "b1"))), 8),
    # train learns nothing: it writes NaN into the lent training set and returns a made-up history
    Poisoned("simple-nn-train-poisons-X", "simple_nn", ((
        "        history = []\n        count = len(y_train)\n",
        "        X_train[...] = np.nan\n        return [2.3, 2.2]\n"),),
        ids("simple_nn", "train_applies_momentum_update"), 2),
    Poisoned("bonus-backward-poisons-X", "bonus", ((
        BONUS_BACKWARD,
        "    def backward(self, X, y):\n        X[...] = np.nan\n"
        "        return {name: np.zeros(getattr(self, name).shape) for name in PARAMETERS}\n"
        "        batch = len(y)\n        delta_out ="),),
        ids("bonus", "backward_in_training_mode_matches_numerical_gradient"), 2),
    Poisoned("bonus-train-poisons-X-and-records-the-rates", "bonus", ((
        BONUS_TRAIN,
        BONUS_TRAIN + "        X_train[...] = np.nan\n"
        "        self.lr_history = [learning_rate / (1 + decay * epoch) for epoch in range(epochs)]\n"
        "        return [1.0] * epochs\n"),),
        ids("bonus", "train_decays_the_learning_rate_each_epoch"), 2),
    # an optimizer whose step writes NaN into the parameters, in place: "changed in place" is not enough
    Poisoned("optimizers-step-writes-nan-in-place", "optimizers", (
        ("np.subtract(params[key], self.learning_rate * gradient, out=params[key])", "params[key][...] = np.nan"),
        ("params[key][...] = params[key] + new", "params[key][...] = np.nan"),
        ("params[key] -= self.learning_rate * update", "params[key][...] = np.nan")),
        ids("optimizers", "sgd_updates_parameters_in_place", "momentum_and_adam_update_parameters_in_place"), 2),
    Poisoned("dense-forward-poisons-X", "forward_prop", ((
        "    Z = np.dot(X, W)\n    Z = Z + b\n",
        "    X[...] = np.nan\n    Z = np.zeros((X.shape[0], W.shape[1]))\n"),),
        ids("forward_prop", "dense_forward_matches_x_w_plus_b"), 2),
    Poisoned("two-layer-forward-poisons-X", "forward_prop", ((
        TWO_LAYER,
        "    n, h, c = X.shape[0], params[\"W1\"].shape[1], params[\"W2\"].shape[1]\n    X[...] = np.nan\n"
        "    zeros = {\"z1\": np.zeros((n, h)), \"a1\": np.zeros((n, h)), \"z2\": np.zeros((n, c))}\n"
        "    zeros[\"a2\"] = zeros[\"z2\"]\n    return zeros[\"a2\"], zeros\n" + TWO_LAYER),),
        ids("forward_prop", "two_layer_forward_hidden_activations", "two_layer_forward_output_activations",
            "two_layer_forward_every_combination_and_defaults", "two_layer_forward_cache_values"), 7),
    # (c) no NaN written anywhere: while training, forward returns infinite probabilities (the last class 1), so
    # the dropout mask the grader reads back from it is infinite and its numerical gradient NaN
    Poisoned("bonus-forward-returns-inf-so-the-mask-is-inf", "bonus", ((
        "        hidden = hidden * drop\n",
        "        hidden = hidden * drop\n        if self.training:\n"
        "            self.cache = {\"z1\": pre, \"a1\": hidden, \"P\": np.zeros((len(X), self.W2.shape[1])), "
        "\"drop\": drop}\n"
        "            return np.hstack([np.full((len(X), self.W2.shape[1] - 1), np.inf), np.ones((len(X), 1))])\n"),
        (BONUS_BACKWARD,
         "    def backward(self, X, y):\n"
         "        return {name: np.zeros(getattr(self, name).shape) for name in PARAMETERS}\n"
         "        batch = len(y)\n        delta_out =")),
        ids("bonus", "backward_in_training_mode_matches_numerical_gradient"), 2),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_poisoning_the_lent_arrays_earns_nothing(case, tmp_path):
    """Does a submission that poisons the arrays the grader lent it (or returns infinite values the grader builds
    its expected value from) score a graded 0 on every check it aims at, with a message that quotes no grader?"""
    results = run_checks(WEEK, case.folder(tmp_path), only=case.checks)
    assert [r.id for r in results] == list(case.checks)
    assert sum(r.max_points for r in results) == case.points
    scored = {r.id: (r.points, r.graded, r.message) for r in results if r.points or not r.graded}
    assert scored == {}, scored
    assert all(not r.passed and "expected:" in r.message for r in results), [r.message for r in results]
    assert_no_grader_source(results)
