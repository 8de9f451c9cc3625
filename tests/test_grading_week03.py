"""Tests for Week 3's hidden graders, run end to end through ``autograder.grading.runner.run_checks``.

Each submission is a folder in a temporary directory holding one simple_nn.py:
the reference solution, the generated stub, the reference with one planted
bug (a mistake students really make), or a misbehaving file (syntax error,
endless loop, exit, huge array). Every run is a real limited grading process.

Runtime: the full run with the MNIST accuracy check happens twice (the
reference, and the stub, which stops at ``__init__`` before loading any data);
every other run selects checks with ``only=``, mostly the fast ones that need
no MNIST at all.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from mutants import assert_symptoms, edit

from autograder import paths
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks
from autograder.results import CheckResult
from autograder.sandbox.limited import Limits

WEEK = "week03"
REFERENCE = paths.SOLUTIONS / WEEK / "simple_nn.py"
STUB = paths.ASSIGNMENTS / WEEK / "simple_nn.py"


def check(name: str) -> str:
    return f"simple_nn::test_{name}"


STANDARDIZE_STATS = check("standardize_gives_training_features_mean_0_std_1")
STANDARDIZE_LEAK = check("standardize_scales_X_test_with_training_statistics")
INIT_SHAPES = check("init_parameter_shapes")
INIT_SCALE = check("init_weights_scaled_biases_zero")
INIT_SEED = check("init_same_seed_same_weights")
FORWARD_SHAPE = check("forward_output_shape_for_batch_sizes")
FORWARD_VALUES = check("forward_matches_reference")
FORWARD_ROWS = check("forward_rows_sum_to_one")
FORWARD_OVERFLOW = check("forward_no_overflow_for_large_logits")
GRAD_SHAPES = check("backward_gradient_shapes")
GRAD_W2 = check("backward_W2_matches_numerical_gradient")
GRAD_B2 = check("backward_b2_matches_numerical_gradient")
GRAD_W1 = check("backward_W1_matches_numerical_gradient")
GRAD_B1 = check("backward_b1_matches_numerical_gradient")
PREDICT = check("predict_returns_integer_labels")
MOMENTUM = check("train_applies_momentum_update")
SHUFFLE = check("train_shuffles_every_epoch")
LOSS_DECREASES = check("train_loss_decreases")
TRAIN_SEED = check("train_same_seed_same_result")
ACCURACY = check("accuracy_above_90_percent_on_mnist")

#: Every check of the week, in the graders' order.
ALL_CHECKS = (STANDARDIZE_STATS, STANDARDIZE_LEAK, INIT_SHAPES, INIT_SCALE, INIT_SEED, FORWARD_SHAPE,
              FORWARD_VALUES, FORWARD_ROWS, FORWARD_OVERFLOW, GRAD_SHAPES, GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1,
              PREDICT, MOMENTUM, SHUFFLE, LOSS_DECREASES, TRAIN_SEED, ACCURACY)
#: The checks that load MNIST (2 s for the data alone; the accuracy check trains on all of it).
MNIST_CHECKS = (LOSS_DECREASES, TRAIN_SEED, ACCURACY)
#: Everything that runs in well under a second on small random problems.
FAST = tuple(c for c in ALL_CHECKS if c not in MNIST_CHECKS)

#: Text of the graders' source that must never reach a student.
GRADER_SOURCE = ("def test_", "expect_array(", "expect(", "small_problem", "model_with", "check_gradient",
                 "student_gradients", "mean_cross_entropy", "GRADIENT_TOL", "FORWARD_TOL", "GradeFailure",
                 "Traceback", "autograder/", "test_simple_nn", "scaler_problem", "standardized(", "fitted(",
                 "nearest(", "SCALER_TOL")

#: The stub's checks and the unimplemented function each one reaches first.
STUB_FIRST_TODO = {
    STANDARDIZE_STATS: "standardize", STANDARDIZE_LEAK: "standardize",
    INIT_SHAPES: "SimpleNN.__init__", INIT_SCALE: "SimpleNN.__init__", INIT_SEED: "SimpleNN.__init__",
    **dict.fromkeys((FORWARD_SHAPE, FORWARD_VALUES, FORWARD_ROWS, FORWARD_OVERFLOW, GRAD_SHAPES, GRAD_W2, GRAD_B2,
                     GRAD_W1, GRAD_B1), "SimpleNN.forward"),
    PREDICT: "SimpleNN.predict", MOMENTUM: "SimpleNN.train", SHUFFLE: "SimpleNN.train",
    LOSS_DECREASES: "SimpleNN.__init__", TRAIN_SEED: "SimpleNN.__init__", ACCURACY: "SimpleNN.__init__",
}

#: The line the misbehaving submissions below put a statement in front of (first line of forward's body).
FORWARD_FIRST_LINE = "        z1 = X @ self.W1 + self.b1\n"


# ---------------------------------------------------------------- helpers


def submit(tmp_path_factory: pytest.TempPathFactory, name: str, source: str | None) -> Path:
    """A fresh submission folder holding ``source`` as simple_nn.py (nothing if None)."""
    folder = tmp_path_factory.mktemp(name)
    if source is not None:
        (folder / "simple_nn.py").write_text(source, encoding="utf-8")
    return folder


def by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.id: result for result in results}


def selected(only: tuple[str, ...]) -> list[str]:
    """The ids ``run_checks`` reports for ``only``: one per check, in the graders' order."""
    return [c for c in ALL_CHECKS if c in only]


def assert_no_grader_source(results: list[CheckResult]) -> None:
    for result in results:
        leaked = [text for text in GRADER_SOURCE if text in result.message]
        assert not leaked, f"{result.id} quotes grader source {leaked}:\n{result.message}"


def line_of(source: str, snippet: str) -> int:
    """1-based number of the line holding ``snippet``."""
    return next(i for i, line in enumerate(source.splitlines(), 1) if snippet in line)


# ---------------------------------------------------------------- the week's checks


def test_week03_has_exactly_the_checks_this_file_knows():
    """Does collect_checks list exactly the 20 simple_nn checks these tests select by id, in order, worth 35?"""
    specs = [spec for spec in collect_checks(WEEK) if spec.module == "simple_nn"]
    assert tuple(spec.id for spec in specs) == ALL_CHECKS
    assert sum(spec.points for spec in specs) == 35


def test_the_cached_check_list_follows_every_change_to_the_graders(tmp_path, monkeypatch):
    """Is the on-disk check list used again, and never once a grader file has changed (or the cache is broken)?"""
    graders = tmp_path / "autograder"
    shutil.copytree(paths.GRADERS, graders, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "GRADERS", graders)
    monkeypatch.setenv("NNGRADER_CACHE_DIR", str(tmp_path / "cache"))
    collect_checks.cache_clear()
    try:
        first = collect_checks(WEEK)
        [cached] = (tmp_path / "cache" / "checks").iterdir()
        collect_checks.cache_clear()
        assert collect_checks(WEEK) == first

        grader = graders / WEEK / "test_simple_nn.py"
        source = grader.read_text(encoding="utf-8")
        old_title = '"""the weights train learns from the 60,000 MNIST training images'
        assert old_title in source
        grader.write_text(source.replace(old_title, '"""CHANGED: after train on the 60,000 MNIST training images'),
                          encoding="utf-8")
        collect_checks.cache_clear()
        changed = {spec.id: spec.title for spec in collect_checks(WEEK)}
        assert changed[check("accuracy_above_90_percent_on_mnist")].startswith("CHANGED: ")

        cached.write_text("not json", encoding="utf-8")  # the old key's file, broken: never read again anyway
        for entry in (tmp_path / "cache" / "checks").iterdir():
            entry.write_text("[{\"broken\": 1}]", encoding="utf-8")
        collect_checks.cache_clear()
        assert {spec.id: spec.title for spec in collect_checks(WEEK)} == changed
    finally:
        collect_checks.cache_clear()  # later tests collect the real graders again


# ---------------------------------------------------------------- meta: reference and stub


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory, mnist_dir):
    folder = submit(tmp_path_factory, "reference", REFERENCE.read_text(encoding="utf-8"))
    log = folder / "pytest.log"
    return run_checks(WEEK, folder, limits=Limits(), log=log, modules=("simple_nn",)), log


def test_reference_scores_full_marks_on_every_check(reference_run):
    """Does the reference solution, graded as a submission (full run, MNIST accuracy included), get every point?"""
    results, log = reference_run
    assert [r.id for r in results] == list(ALL_CHECKS)
    failed = {r.id: r.message for r in results if not r.passed}
    assert not failed, f"the reference fails checks (a kit bug): {failed}"
    specs = {spec.id: spec.points for spec in collect_checks(WEEK) if spec.module == "simple_nn"}
    assert all(r.points == r.max_points == specs[r.id] > 0 for r in results)
    assert sum(r.points for r in results) == sum(specs.values())
    assert not [r.id for r in results if "symptoms" in r.data]  # a check that passes records no symptom
    assert re.search(rf"\b{len(ALL_CHECKS)} passed\b", log.read_text(encoding="utf-8"))


def test_reference_accuracy_check_records_accuracy_time_and_history(reference_run):
    """Does the accuracy check keep, for instructors, the test accuracy (> 90 %), the training time and 10 losses?"""
    results, _ = reference_run
    data = by_id(results)[ACCURACY].data
    assert data["accuracy"] > 0.90
    assert 0 < data["train_seconds"] <= 60  # the budget is 300 s; the reference needs about 4 s
    assert len(data["history"]) == 10 and data["history"][-1] < data["history"][0]


@pytest.fixture(scope="module")
def stub_run(tmp_path_factory):
    folder = submit(tmp_path_factory, "stub", STUB.read_text(encoding="utf-8"))
    log = folder / "pytest.log"
    return run_checks(WEEK, folder, limits=Limits(), log=log, modules=("simple_nn",)), log


def test_stub_scores_zero_on_every_check_and_the_run_completes(stub_run):
    """Does the untouched stub get 0 on every check, from a run that reached every check (none 'not run')?"""
    results, log = stub_run
    assert [r.id for r in results] == list(ALL_CHECKS)
    assert all(not r.passed and r.points == 0 for r in results)
    assert not [r.id for r in results if r.message.startswith("not run")]
    assert re.search(rf"\b{len(ALL_CHECKS)} failed\b", log.read_text(encoding="utf-8"))


def test_stub_messages_name_the_unimplemented_function_and_its_line_with_a_hint(stub_run):
    """Does every stub message name the first unimplemented function the check reaches, its line, and a hint?"""
    results, _ = stub_run
    stub = STUB.read_text(encoding="utf-8")
    for result in results:
        function = STUB_FIRST_TODO[result.id]
        line = line_of(stub, f'raise NotImplementedError("{function} is not implemented yet')
        message = result.message
        assert f"{function} is not implemented yet" in message, (result.id, message)
        assert f"at simple_nn.py, line {line}, in {function.split('.')[-1]}:" in message, (result.id, message)
        assert "hint:     complete that TODO" in message, (result.id, message)


def test_stub_messages_quote_no_grader_source(stub_run):
    """Are the stub's messages free of the hidden graders' code (names, helpers, asserts)?"""
    assert_no_grader_source(stub_run[0])


# ---------------------------------------------------------------- planted bugs


@dataclass
class Mutation:
    """A mistake planted in the reference: exact text edits, the checks it must fail and their wording."""

    id: str
    edits: tuple[tuple[str, str], ...]
    #: check id -> phrases its failure message must contain (the words that name the mistake)
    fails: dict[str, tuple[str, ...]]
    #: MNIST checks to run as well, when the mistake only shows in training on real data
    extra: tuple[str, ...] = field(default=())
    #: check id -> symptoms its failure must record (a value, or a predicate on it; see mutants.assert_symptoms)
    symptoms: dict[str, dict] = field(default_factory=dict)

    @property
    def only(self) -> tuple[str, ...]:
        return FAST + self.extra

    def apply(self, source: str) -> str:
        for old, new in self.edits:
            source = edit(source, old, new)
        return source


MUTATIONS = [
    Mutation("gradient-not-divided-by-N", (("        dz2 /= n\n", ""),), {
        GRAD_W2: ("divide by the batch size N",), GRAD_B2: ("already divided by N",),
        GRAD_W1: ("already divided by N",), GRAD_B1: ("already divided by N",)},
        symptoms={c: {"scaled_by": 6.0, "batch_size": 6} for c in (GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1)}),
    Mutation("db2-mean-instead-of-sum",
             (('"b2": dz2.sum(axis=0, keepdims=True)', '"b2": dz2.mean(axis=0, keepdims=True)'),),
             {GRAD_B2: ("summed over the batch",)}),
    Mutation("db1-sum-without-keepdims", (('"b1": dz1.sum(axis=0, keepdims=True)', '"b1": dz1.sum(axis=0)'),), {
        GRAD_SHAPES: ("shape (1, 5)", "got:      shape (5,)", "keepdims=True"),
        GRAD_B1: ("got:      shape (5,)", "keepdims=True")}),
    Mutation("relu-mask-on-a1-ge-0", (('(self.cache["z1"] > 0)', '(self.cache["a1"] >= 0)'),), {
        GRAD_W1: ("ReLU", "only where its input was positive", "(z1 > 0)"), GRAD_B1: ("(z1 > 0)",)}),
    Mutation("relu-mask-missing", ((' * (self.cache["z1"] > 0)', ""),), {
        GRAD_W1: ("ReLU", "only where its input was positive"), GRAD_B1: ("(z1 > 0)",)}),
    Mutation("softmax-without-max-shift", (("np.exp(z2 - z2.max(axis=1, keepdims=True))", "np.exp(z2)"),), {
        FORWARD_OVERFLOW: ("overflow", "subtract each row's max logit")},
        symptoms={FORWARD_OVERFLOW: {"overflow": True}}),
    Mutation("softmax-over-axis-0", (("shifted.sum(axis=1, keepdims=True)", "shifted.sum(axis=0, keepdims=True)"),), {
        FORWARD_VALUES: ("normalizes each row (axis=1, keepdims=True)",),
        FORWARD_ROWS: ("every row sums to 1", "sum over the classes of the same row", "axis=1"),
        **dict.fromkeys((GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1), ("fix forward first",)), PREDICT: ()}),
    Mutation("momentum-sign-flipped", (("v -= learning_rate * grads[name]", "v += learning_rate * grads[name]"),), {
        MOMENTUM: ("v = momentum * v - learning_rate * grad",),
        LOSS_DECREASES: ("recomputed by the grader", "the loss rose", "sign of the update (subtract the gradient")},
        extra=(LOSS_DECREASES,), symptoms={LOSS_DECREASES: {"loss_rising": True}}),  # 2.29 -> 4e21, finite
    Mutation("update-applied-to-nothing", (("getattr(self, name)[...] += v", "pass"),), {
        MOMENTUM: ("parameter += v",),
        LOSS_DECREASES: ("changed by training", "the parameters themselves", "not copies of them")},
        extra=(LOSS_DECREASES,), symptoms={LOSS_DECREASES: {"loss_flat": True}}),
    Mutation("velocity-not-kept-between-steps",
             (("v *= momentum\n                    v -= learning_rate * grads[name]\n",
               "v = momentum * v - learning_rate * grads[name]\n"),),
             {MOMENTUM: ("keep v between batches (self.velocity)",)}),
    Mutation("weights-initialized-tiny",
             (("np.sqrt(2.0 / input_size), (input_size", "0.0001 * np.sqrt(2.0 / input_size), (input_size"),),
             {INIT_SCALE: ("standard deviation of W1", "weights too small", "sqrt(2 / input_size)")},
             symptoms={INIT_SCALE: {"init_too_small": lambda std: 0 < std < 1e-4}}),
    Mutation("weights-initialized-huge",
             (("np.sqrt(2.0 / input_size), (input_size", "100 * np.sqrt(2.0 / input_size), (input_size"),),
             {INIT_SCALE: ("standard deviation of W1", "too large saturate softmax")},
             symptoms={INIT_SCALE: {"init_too_large": lambda std: std > 1}}),
    Mutation("weights-initialized-zero", (
        ("self.W1 = self.rng.normal(0.0, np.sqrt(2.0 / input_size), (input_size, hidden_size))",
         "self.W1 = np.zeros((input_size, hidden_size))"),
        ("self.W2 = self.rng.normal(0.0, np.sqrt(1.0 / hidden_size), (hidden_size, output_size))",
         "self.W2 = np.zeros((hidden_size, output_size))")), {
        INIT_SCALE: ("standard deviation of W1", "got:      0\n", "sqrt(2 / input_size)"),
        INIT_SEED: ("different W1", "the same W1")}, symptoms={INIT_SCALE: {"init_too_small": 0.0}}),
    Mutation("init-ignores-seed", (("self.W1 = self.rng.normal(", "self.W1 = np.random.normal("),
                                   ("self.W2 = self.rng.normal(", "self.W2 = np.random.normal(")), {
        INIT_SEED: ("identical W1 and W2", "never from np.random directly")}),
    Mutation("shuffle-ignores-seed", (("order = self.rng.permutation(n)", "order = np.random.permutation(n)"),), {
        TRAIN_SEED: ("identical results", "self.rng.permutation(N), not np.random")}, extra=(TRAIN_SEED,)),
    Mutation("predict-argmax-over-axis-0",
             (("np.argmax(self.forward(X), axis=1)", "np.argmax(self.forward(X), axis=0)"),), {
        PREDICT: ("an array of shape (8,)", "got:      shape (4,)", "axis=1", "one label per row")}),
    Mutation("forward-forgets-b2", (("z2 = a1 @ self.W2 + self.b2", "z2 = a1 @ self.W2"),), {
        FORWARD_VALUES: ("both biases are added",),
        **dict.fromkeys((GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1), ("fix forward first",)), PREDICT: ()}),
    Mutation("forward-without-relu", (("a1 = np.maximum(z1, 0)", "a1 = z1"),), {
        FORWARD_VALUES: ("check the ReLU (np.maximum(z1, 0))",),
        **dict.fromkeys((GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1), ("fix forward first",)), PREDICT: ()},
        symptoms={FORWARD_VALUES: {"no_hidden_activation": True}}),
    Mutation("forward-without-softmax", (("P = shifted / shifted.sum(axis=1, keepdims=True)", "P = z2"),), {
        FORWARD_VALUES: ("softmax normalizes each row",), FORWARD_ROWS: ("every row sums to 1",),
        **dict.fromkeys((GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1), ("fix forward first",))},
        symptoms={FORWARD_VALUES: {"no_output_softmax": True}}),
    # --- shuffling: train's own forward and backward are the reference's in SHUFFLE
    Mutation("no-shuffle", (("order = self.rng.permutation(n)", "order = np.arange(n)"),), {
        SHUFFLE: ("a new random order in every epoch", "epoch 2 repeats the order of epoch 1",
                  "self.rng.permutation(N) at the start of every epoch")}, symptoms={SHUFFLE: {"no_shuffle": True}}),
    Mutation("shuffle-once-before-all-epochs", (
        ("        for _ in range(epochs):\n            order = self.rng.permutation(n)\n",
         "        order = self.rng.permutation(n)\n        for _ in range(epochs):\n"),), {
        SHUFFLE: ("a new random order in every epoch", "inside the epoch loop")},
        symptoms={SHUFFLE: {"no_shuffle": True}}),
    Mutation("shuffle-with-replacement", (("order = self.rng.permutation(n)", "order = self.rng.integers(0, n, n)"),), {
        SHUFFLE: ("every example exactly once per epoch", "not with replacement"),
        MOMENTUM: ("W1 after train",)}),
    # --- standardize: STANDARDIZE_STATS passes whichever set the statistics come from; STANDARDIZE_LEAK
    # compares the student's outputs with each other, so a scaling mistake alone does not fail it
    Mutation("scaler-fit-on-test", (("mean = X_train.mean(axis=0, keepdims=True)\n    std = X_train.std(",
                                     "mean = X_test.mean(axis=0, keepdims=True)\n    std = X_test.std("),), {
        STANDARDIZE_LEAK: ("only the test set changed", "compute the mean and std from X_train alone")},
        symptoms={STANDARDIZE_LEAK: {"scaler_leak": True}}),
    Mutation("scaler-fit-on-train-and-test", (
        ("mean = X_train.mean(axis=0, keepdims=True)\n    std = X_train.std(axis=0, keepdims=True)\n",
         ("both = np.vstack([X_train, X_test])\n    mean = both.mean(axis=0, keepdims=True)\n"
          "    std = both.std(axis=0, keepdims=True)\n")),), {
        STANDARDIZE_LEAK: ("only the test set changed", "must not change how X_train is scaled")},
        symptoms={STANDARDIZE_LEAK: {"scaler_leak": True}}),
    Mutation("scaler-refit-on-test", (("X_test_std = (X_test - mean) / std",
                                       ("test_std = X_test.std(axis=0)\n    X_test_std = (X_test - "
                                        "X_test.mean(axis=0)) / np.where(test_std > 0, test_std, 1.0)")),), {
        STANDARDIZE_LEAK: ("copies of training rows", "never compute statistics of X_test")},
        symptoms={STANDARDIZE_LEAK: {"scaler_leak": True}}),
    Mutation("standardize-returns-X-unchanged", (
        ("X_train_std = (X_train - mean) / std\n    X_test_std = (X_test - mean) / std\n",
         "X_train_std, X_test_std = X_train, X_test\n"),), {
        STANDARDIZE_STATS: ("every feature with mean 0 and std 1", "X_train came back unchanged")},
        symptoms={STANDARDIZE_STATS: {"not_standardized": True}}),
    Mutation("standardize-centres-only", (
        ("X_train_std = (X_train - mean) / std\n    X_test_std = (X_test - mean) / std\n",
         "X_train_std, X_test_std = X_train - mean, X_test - mean\n"),), {
        STANDARDIZE_STATS: ("every feature with mean 0 and std 1", "centered but not scaled")},
        symptoms={STANDARDIZE_STATS: {"not_standardized": True}}),
    # a division by 0 shows in both outputs: NaN in X_train_std, inf in X_test_std
    Mutation("standardize-divides-by-zero-std", (("    std = np.where(std > 0, std, 1.0)\n", ""),), {
        STANDARDIZE_STATS: ("finite values", "its std is 0: divide by 1 there, not by 0"),
        STANDARDIZE_LEAK: ("finite values", "its std is 0: divide by 1 there, not by 0")},
        symptoms={c: {"nonfinite": 80} for c in (STANDARDIZE_STATS, STANDARDIZE_LEAK)}),
    Mutation("standardize-divides-by-std-plus-epsilon", (("np.where(std > 0, std, 1.0)", "std + 1e-8"),), {
        STANDARDIZE_LEAK: ("a feature that is 0 in every training row (std 0)", "divided by 1")}),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_mutation_is_a_real_edit_of_the_reference(mutation):
    """Does each planted bug's snippet occur exactly once in the reference, so the mutant differs and compiles?"""
    reference = REFERENCE.read_text(encoding="utf-8")
    mutant = mutation.apply(reference)
    assert mutant != reference
    compile(mutant, "simple_nn.py", "exec")
    assert set(mutation.fails) <= set(mutation.only)


@pytest.fixture(scope="module", params=MUTATIONS, ids=lambda m: m.id)
def mutant_run(request, tmp_path_factory, mnist_dir):
    mutation = request.param
    folder = submit(tmp_path_factory, mutation.id, mutation.apply(REFERENCE.read_text(encoding="utf-8")))
    return mutation, run_checks(WEEK, folder, limits=Limits(), only=mutation.only)


def test_mutation_fails_exactly_its_checks_and_loses_marks(mutant_run):
    """Does each planted bug fail the checks it breaks, pass every other selected check, and lose points?"""
    mutation, results = mutant_run
    assert [r.id for r in results] == selected(mutation.only)
    failed = sorted(r.id for r in results if not r.passed)
    assert failed == sorted(mutation.fails), {r.id: r.message for r in results if not r.passed}
    assert sum(r.points for r in results) < sum(r.max_points for r in results)
    assert all(r.points == 0 for r in results if not r.passed)


def test_mutation_records_the_symptoms_of_its_mistake(mutant_run):
    """Does each planted bug's failure record the symptoms that name its mistake (for autograder/reporting/advice.py)?"""
    mutation, results = mutant_run
    assert set(mutation.symptoms) <= set(mutation.fails)
    assert_symptoms(mutation.symptoms, by_id(results))


def test_mutation_messages_name_the_mistake(mutant_run):
    """Does each failure of a planted bug say what was expected, what came back, and a hint naming the mistake?"""
    mutation, results = mutant_run
    found = by_id(results)
    for check_id, phrases in mutation.fails.items():
        message = found[check_id].message
        for part in ("\n  expected: ", "\n  got:      ", "\n  hint:     "):
            assert part in message, (check_id, message)
        missing = [phrase for phrase in phrases if phrase not in message]
        assert not missing, f"{check_id}: {missing} not in\n{message}"
    assert_no_grader_source(results)


# ---------------------------------------------------------------- robustness of a run


IMPORT_FAILURES = {
    "syntax-error": (lambda src: edit(src, "def forward(self, X):", "def forward(self, X)"),
                     lambda src: ("SyntaxError", f"(simple_nn.py, line {line_of(src, 'def forward(self, X)')})")),
    "unknown-module": (lambda src: "import numpyish_helpers\n" + src,
                       lambda src: ("ModuleNotFoundError", "'numpyish_helpers'")),
    "sys-exit-at-import": (lambda src: 'import sys\nsys.exit("bye")\n' + src, lambda src: ("SystemExit: bye",)),
}


@pytest.mark.parametrize("case", IMPORT_FAILURES)
def test_module_that_cannot_be_imported_fails_every_check_saying_so(case, tmp_path_factory):
    """Does a simple_nn.py that fails at import (syntax error, missing package, sys.exit) score 0 on every check,
    each message saying the import failed, why, and (for a syntax error) on which line?"""
    break_it, phrases = IMPORT_FAILURES[case]
    source = break_it(REFERENCE.read_text(encoding="utf-8"))
    only = (INIT_SHAPES, FORWARD_VALUES, PREDICT)
    results = run_checks(WEEK, submit(tmp_path_factory, case, source), limits=Limits(), only=only)
    assert [r.id for r in results] == selected(only)
    for result in results:
        assert not result.passed and result.points == 0
        assert result.message.startswith("importing simple_nn.py failed\n"), result.message
        assert "hint:     run `python -c 'import simple_nn'`" in result.message
        for phrase in phrases(source):
            assert phrase in result.message, (phrase, result.message)
    assert_no_grader_source(results)


def test_a_slow_import_names_the_limit_it_ran_into(tmp_path_factory):
    """Does a simple_nn.py whose import outlasts the check's time limit fail every check saying which limit, how
    long, and that top-level code runs on import (not "it was stopped")?"""
    source = "import time\ntime.sleep(60)\n" + REFERENCE.read_text(encoding="utf-8")
    only = (INIT_SHAPES, FORWARD_VALUES)
    results = run_checks(WEEK, submit(tmp_path_factory, "slow-import", source), limits=Limits(check_seconds=2),
                         only=only)
    for result in results:
        assert not result.passed and result.graded
        assert "did not finish within the check's time limit of 2 s" in result.message, result.message
        assert "top level of your module runs when it is imported" in result.message
        assert "it was stopped" not in result.message


def test_missing_file_fails_every_check_naming_the_file_and_what_was_found(tmp_path_factory):
    """Does a folder without simple_nn.py (the student renamed it) fail every check saying the file is missing?"""
    folder = submit(tmp_path_factory, "renamed", None)
    shutil.copy(REFERENCE, folder / "simplenn.py")
    only = (INIT_SHAPES, FORWARD_VALUES)
    results = run_checks(WEEK, folder, limits=Limits(), only=only)
    assert [r.id for r in results] == selected(only)
    for result in results:
        assert not result.passed
        assert result.message.startswith("simple_nn.py is missing from your submission\n"), result.message
        assert "got:      simplenn.py" in result.message
        assert "keep the file name simple_nn.py" in result.message


def test_endless_loop_costs_only_its_checks_at_the_check_time_limit(tmp_path_factory):
    """Does a forward that loops forever fail each check calling it after Limits.check_seconds, with a 'time limit'
    message, while the check before it keeps its points and the run goes on (a fresh worker per check)?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), FORWARD_FIRST_LINE,
                  "        while True:\n            pass\n" + FORWARD_FIRST_LINE)
    only = (INIT_SHAPES, FORWARD_SHAPE, FORWARD_VALUES)
    limits = Limits(check_seconds=2)
    collect_checks(WEEK)
    start = time.perf_counter()
    results = run_checks(WEEK, submit(tmp_path_factory, "endless-checks", source), limits=limits, only=only)
    elapsed = time.perf_counter() - start
    assert 2 * limits.check_seconds <= elapsed < 2 * limits.check_seconds + 10
    found = by_id(results)
    assert found[INIT_SHAPES].passed
    for check_id in (FORWARD_SHAPE, FORWARD_VALUES):
        assert not found[check_id].passed and found[check_id].points == 0
        assert found[check_id].message.startswith("did not finish within the time limit of 2 s\n"), found[check_id].message


def test_endless_loop_is_stopped_by_the_wall_limit_and_unrun_checks_score_zero(tmp_path_factory):
    """Does a forward that loops forever end the run at Limits.wall_seconds, keep the checks done before it,
    and give the others 0 with a 'not run ... time limit' message, one result per selected check?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), FORWARD_FIRST_LINE,
                  "        while True:\n            pass\n" + FORWARD_FIRST_LINE)
    only = (INIT_SHAPES, FORWARD_SHAPE, FORWARD_VALUES)
    limits = Limits(wall_seconds=6)
    collect_checks(WEEK)  # collected (and cached) outside the timed call
    start = time.perf_counter()
    results = run_checks(WEEK, submit(tmp_path_factory, "endless", source), limits=limits, only=only)
    elapsed = time.perf_counter() - start
    assert limits.wall_seconds <= elapsed < limits.wall_seconds + 10
    assert [r.id for r in results] == selected(only)
    found = by_id(results)
    assert found[INIT_SHAPES].passed
    for check_id in (FORWARD_SHAPE, FORWARD_VALUES):
        assert not found[check_id].passed and found[check_id].points == 0
        assert found[check_id].message.startswith(
            "not run: the run was stopped after 6 s (time limit) before this check could finish\n"), found[check_id].message
        assert "endless loop" in found[check_id].message


@pytest.mark.parametrize("statement, phrases", [
    ("import sys; sys.exit(0)", ("your code raised SystemExit: 0", "in forward: import sys; sys.exit(0)")),
    ("import os; os._exit(0)", ("the process running your code stopped during this check: it exited with status 0",
                                "sys.exit/os._exit")),
], ids=["sys.exit-in-forward", "os._exit-in-forward"])
def test_exit_in_forward_costs_only_the_checks_that_reach_it(statement, phrases, tmp_path_factory):
    """Does a forward that exits the process (sys.exit or os._exit) score 0 on the checks calling it, keep the points
    of a check that does not, and still give one result per selected check?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), FORWARD_FIRST_LINE,
                  f"        {statement}\n" + FORWARD_FIRST_LINE)
    only = (INIT_SHAPES, FORWARD_VALUES, PREDICT)
    results = run_checks(WEEK, submit(tmp_path_factory, "exits", source), limits=Limits(wall_seconds=60), only=only)
    assert [r.id for r in results] == selected(only)
    found = by_id(results)
    assert found[INIT_SHAPES].passed
    for check_id in (FORWARD_VALUES, PREDICT):
        assert not found[check_id].passed and found[check_id].points == 0
        for phrase in phrases:
            assert phrase in found[check_id].message, (phrase, found[check_id].message)


@pytest.mark.parametrize("allocation, size", [
    ("np.ones((200000, 100000))", "149. GiB"),
    ("np.zeros((16000, 16000))", "1.91 GiB"),  # fits the machine, not Limits(memory_mb=1024)
], ids=["149-GiB", "1.9-GiB-over-the-limit"])
def test_huge_array_is_stopped_by_the_memory_limit(allocation, size, tmp_path_factory):
    """Does an array beyond Limits.memory_mb fail the check that allocates it with a MemoryError naming the student's
    line, while the test process and the other checks carry on?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), FORWARD_FIRST_LINE,
                  f"        big = {allocation}\n" + FORWARD_FIRST_LINE)
    only = (INIT_SHAPES, FORWARD_VALUES)
    results = run_checks(WEEK, submit(tmp_path_factory, "memory", source),
                         limits=Limits(wall_seconds=60, memory_mb=1024), only=only)
    assert [r.id for r in results] == selected(only)
    found = by_id(results)
    assert found[INIT_SHAPES].passed
    message = found[FORWARD_VALUES].message
    assert not found[FORWARD_VALUES].passed and found[FORWARD_VALUES].points == 0
    assert f"your code raised MemoryError: Unable to allocate {size}" in message, message
    assert f"in forward: big = {allocation}" in message, message


# ---------------------------------------------------------------- output of the student's code


def test_prints_and_warnings_in_student_code_change_nothing(tmp_path_factory, capfd):
    """Does a correct submission that prints to stdout and stderr and warns (at import and in every forward) still
    get full marks on the fast checks, with none of its output reaching the caller's stdout or stderr?"""
    source = REFERENCE.read_text(encoding="utf-8")
    source = edit(source, "import numpy as np\n",
                  "import sys\nimport warnings\n\nimport numpy as np\n\nprint('STUDENT-IMPORT-PRINT')\n")
    source = edit(source, FORWARD_FIRST_LINE,
                  "        print('STUDENT-FORWARD-PRINT', X.shape)\n"
                  "        print('STUDENT-FORWARD-STDERR', file=sys.stderr)\n"
                  "        warnings.warn('STUDENT-FORWARD-WARNING')\n" + FORWARD_FIRST_LINE)
    results = run_checks(WEEK, submit(tmp_path_factory, "noisy", source), limits=Limits(), only=FAST)
    assert [r.id for r in results] == list(FAST)
    assert {r.id: r.message for r in results if not r.passed} == {}
    out, err = capfd.readouterr()
    assert "STUDENT-" not in out + err


def test_grading_runs_use_one_blas_thread_whatever_the_callers_environment(tmp_path_factory, monkeypatch):
    """Does the student's code run with BLAS pinned to one thread (even if the caller asked for more), so that a busy
    machine cannot stall training's small matrix products into a time-out of a correct submission?"""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    threads = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    source = ("import os\n"
              f"_seen = {{name: os.environ.get(name) for name in {sorted(threads)!r}}}\n"
              f"assert _seen == {threads!r}, _seen\n" + REFERENCE.read_text(encoding="utf-8"))
    results = run_checks(WEEK, submit(tmp_path_factory, "threads", source), limits=Limits(), only=(INIT_SHAPES,))
    assert results[0].passed, results[0].message


def test_a_module_that_uses_up_its_time_leaves_the_other_modules_theirs(tmp_path_factory):
    """When perceptron.predict loops for ever, do perceptron's checks stop once they have used Limits.wall_seconds
    together ('not run: ... used up their time limit'), while simple_nn's checks, in the same run, keep theirs?"""
    folder = submit(tmp_path_factory, "slow-perceptron", REFERENCE.read_text(encoding="utf-8"))
    perceptron = (paths.SOLUTIONS / WEEK / "perceptron.py").read_text(encoding="utf-8")
    (folder / "perceptron.py").write_text(edit(perceptron, "    def predict(self, X):\n",
                                               "    def predict(self, X):\n        while True:\n            pass\n"))
    own = tuple(c.id for c in collect_checks(WEEK) if c.module == "perceptron")
    limits = Limits(wall_seconds=6, check_seconds=2)
    results = by_id(run_checks(WEEK, folder, limits=limits, only=own + (INIT_SHAPES, FORWARD_VALUES)))
    out_of_time = [r for r in results.values() if r.message.startswith(
        "not run: the checks of perceptron.py used up their time limit together before this one\n")]
    timed_out = [r for r in results.values() if r.message.startswith("did not finish within the time limit of 2 s")]
    assert out_of_time and timed_out and all(r.id in own for r in out_of_time + timed_out)
    assert len(timed_out) <= 4  # 6 s of budget, 2 s per check: the module stops after its third or fourth
    assert all(r.passed or r in out_of_time + timed_out for r in results.values() if r.id in own)
    assert results[INIT_SHAPES].passed and results[FORWARD_VALUES].passed
