"""What the meta-tests know of Week 3's simple_nn graders: its checks and points, the function each check of
the stub reaches first, and the planted bugs with the checks each must fail.

A planted bug of simple_nn runs only the fast checks (no MNIST), and those MNIST checks its mistake shows in
(``extra``): every full training costs seconds.
"""

from __future__ import annotations

from mutants import Mutation

from autograder import paths

WEEK, MODULE = "week03", "simple_nn"
REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


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

#: Every check of the module with its points, in the graders' order.
POINTS = {STANDARDIZE_STATS: 1, STANDARDIZE_LEAK: 1, INIT_SHAPES: 2, INIT_SCALE: 1, INIT_SEED: 1, FORWARD_SHAPE: 2,
          FORWARD_VALUES: 3, FORWARD_ROWS: 1, FORWARD_OVERFLOW: 1, GRAD_SHAPES: 1, GRAD_W2: 2, GRAD_B2: 2, GRAD_W1: 2,
          GRAD_B1: 2, PREDICT: 1, MOMENTUM: 2, SHUFFLE: 1, LOSS_DECREASES: 2, TRAIN_SEED: 1, ACCURACY: 6}
ALL_CHECKS = tuple(POINTS)
#: The checks that load MNIST (2 s for the data alone; the accuracy check trains on all of it).
MNIST_CHECKS = (LOSS_DECREASES, TRAIN_SEED, ACCURACY)
#: Everything that runs in well under a second on small random problems.
FAST = tuple(c for c in ALL_CHECKS if c not in MNIST_CHECKS)
#: Names of the graders' code that must never reach a student, besides mutants.GRADER_SOURCE.
GRADER_NAMES = ("small_problem", "model_with", "check_gradient",
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


def reference_records_accuracy_time_and_history(data: dict) -> bool:
    """The accuracy check keeps, for instructors, the test accuracy (> 90 %), the training time and 10 losses."""
    return data["accuracy"] > 0.90 and 0 < data["train_seconds"] <= 60 and len(data["history"]) == 10 \
        and data["history"][-1] < data["history"][0]  # the budget is 300 s; the reference needs about 4 s


#: What the reference's results must record besides full marks: check id -> a predicate on its data.
REFERENCE_DATA = {ACCURACY: reference_records_accuracy_time_and_history}


def mutation(id: str, edits: tuple[tuple[str, str], ...], fails: dict[str, tuple[str, ...]],
             extra: tuple[str, ...] = (), symptoms: dict[str, dict] | None = None) -> Mutation:
    """A planted bug of simple_nn, graded on the fast checks and ``extra``."""
    return Mutation(id, MODULE, edits, fails, symptoms or {}, only=FAST + extra)


MUTATIONS = [
    # the buggy sample's mistake: its training diverges, so the loss falls far too little
    mutation("gradient-not-divided-by-N", (("        dz2 /= n\n", ""),), {
        GRAD_W2: ("divide by the batch size N",), GRAD_B2: ("already divided by N",),
        GRAD_W1: ("already divided by N",), GRAD_B1: ("already divided by N",),
        LOSS_DECREASES: ("below 60% of the initial weights'", "each is averaged over the batch")},
        extra=(LOSS_DECREASES,),
        symptoms={**{c: {"scaled_by": 6.0, "batch_size": 6} for c in (GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1)},
                  LOSS_DECREASES: {"loss_slow": True}}),
    mutation("db2-mean-instead-of-sum",
             (('"b2": dz2.sum(axis=0, keepdims=True)', '"b2": dz2.mean(axis=0, keepdims=True)'),),
             {GRAD_B2: ("summed over the batch",)}),
    mutation("db1-sum-without-keepdims", (('"b1": dz1.sum(axis=0, keepdims=True)', '"b1": dz1.sum(axis=0)'),), {
        GRAD_SHAPES: ("shape (1, 5)", "got:      shape (5,)", "keepdims=True"),
        GRAD_B1: ("got:      shape (5,)", "keepdims=True")}),
    mutation("relu-mask-on-a1-ge-0", (('(self.cache["z1"] > 0)', '(self.cache["a1"] >= 0)'),), {
        GRAD_W1: ("ReLU", "only where its input was positive", "(z1 > 0)"), GRAD_B1: ("(z1 > 0)",)}),
    mutation("relu-mask-missing", ((' * (self.cache["z1"] > 0)', ""),), {
        GRAD_W1: ("ReLU", "only where its input was positive"), GRAD_B1: ("(z1 > 0)",)}),
    mutation("softmax-without-max-shift", (("np.exp(z2 - z2.max(axis=1, keepdims=True))", "np.exp(z2)"),), {
        FORWARD_OVERFLOW: ("overflow", "subtract each row's max logit")},
        symptoms={FORWARD_OVERFLOW: {"overflow": True}}),
    mutation("softmax-over-axis-0", (("shifted.sum(axis=1, keepdims=True)", "shifted.sum(axis=0, keepdims=True)"),), {
        FORWARD_VALUES: ("normalizes each row (axis=1, keepdims=True)",),
        FORWARD_ROWS: ("every row sums to 1", "sum over the classes of the same row", "axis=1"),
        **dict.fromkeys((GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1), ("fix forward first",)), PREDICT: ()}),
    mutation("momentum-sign-flipped", (("v -= learning_rate * grads[name]", "v += learning_rate * grads[name]"),), {
        MOMENTUM: ("v = momentum * v - learning_rate * grad",),
        LOSS_DECREASES: ("recomputed by the grader", "the loss rose", "sign of the update (subtract the gradient")},
        extra=(LOSS_DECREASES,), symptoms={LOSS_DECREASES: {"loss_rising": True}}),  # 2.29 -> 4e21, finite
    mutation("update-applied-to-nothing", (("getattr(self, name)[...] += v", "pass"),), {
        MOMENTUM: ("parameter += v",),
        LOSS_DECREASES: ("changed by training", "the parameters themselves", "not copies of them")},
        extra=(LOSS_DECREASES,), symptoms={LOSS_DECREASES: {"loss_flat": True}}),
    mutation("velocity-not-kept-between-steps",
             (("v *= momentum\n                    v -= learning_rate * grads[name]\n",
               "v = momentum * v - learning_rate * grads[name]\n"),),
             {MOMENTUM: ("keep v between batches (self.velocity)",)}),
    mutation("weights-initialized-tiny",
             (("np.sqrt(2.0 / input_size), (input_size", "0.0001 * np.sqrt(2.0 / input_size), (input_size"),),
             {INIT_SCALE: ("standard deviation of W1", "weights too small", "sqrt(2 / input_size)")},
             symptoms={INIT_SCALE: {"init_too_small": lambda std: 0 < std < 1e-4}}),
    mutation("weights-initialized-huge",
             (("np.sqrt(2.0 / input_size), (input_size", "100 * np.sqrt(2.0 / input_size), (input_size"),),
             {INIT_SCALE: ("standard deviation of W1", "too large saturate softmax")},
             symptoms={INIT_SCALE: {"init_too_large": lambda std: std > 1}}),
    mutation("weights-initialized-zero", (
        ("self.W1 = self.rng.normal(0.0, np.sqrt(2.0 / input_size), (input_size, hidden_size))",
         "self.W1 = np.zeros((input_size, hidden_size))"),
        ("self.W2 = self.rng.normal(0.0, np.sqrt(1.0 / hidden_size), (hidden_size, output_size))",
         "self.W2 = np.zeros((hidden_size, output_size))")), {
        INIT_SCALE: ("standard deviation of W1", "got:      0\n", "sqrt(2 / input_size)"),
        INIT_SEED: ("different W1", "the same W1")}, symptoms={INIT_SCALE: {"init_too_small": 0.0}}),
    mutation("init-ignores-seed", (("self.W1 = self.rng.normal(", "self.W1 = np.random.normal("),
                                   ("self.W2 = self.rng.normal(", "self.W2 = np.random.normal(")), {
        INIT_SEED: ("identical W1 and W2", "never from np.random directly")}),
    mutation("shuffle-ignores-seed", (("order = self.rng.permutation(n)", "order = np.random.permutation(n)"),), {
        TRAIN_SEED: ("identical results", "self.rng.permutation(N), not np.random")}, extra=(TRAIN_SEED,)),
    mutation("predict-argmax-over-axis-0",
             (("np.argmax(self.forward(X), axis=1)", "np.argmax(self.forward(X), axis=0)"),), {
        PREDICT: ("an array of shape (8,)", "got:      shape (4,)", "axis=1", "one label per row")}),
    mutation("forward-forgets-b2", (("z2 = a1 @ self.W2 + self.b2", "z2 = a1 @ self.W2"),), {
        FORWARD_VALUES: ("both biases are added",),
        **dict.fromkeys((GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1), ("fix forward first",)), PREDICT: ()}),
    mutation("forward-without-relu", (("a1 = np.maximum(z1, 0)", "a1 = z1"),), {
        FORWARD_VALUES: ("check the ReLU (np.maximum(z1, 0))",),
        **dict.fromkeys((GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1), ("fix forward first",)), PREDICT: ()},
        symptoms={FORWARD_VALUES: {"no_hidden_activation": True}}),
    mutation("forward-without-softmax", (("P = shifted / shifted.sum(axis=1, keepdims=True)", "P = z2"),), {
        FORWARD_VALUES: ("softmax normalizes each row",), FORWARD_ROWS: ("every row sums to 1",),
        **dict.fromkeys((GRAD_W2, GRAD_B2, GRAD_W1, GRAD_B1), ("fix forward first",))},
        symptoms={FORWARD_VALUES: {"no_output_softmax": True}}),
    # --- shuffling: train's own forward and backward are the reference's in SHUFFLE
    mutation("no-shuffle", (("order = self.rng.permutation(n)", "order = np.arange(n)"),), {
        SHUFFLE: ("a new random order in every epoch", "epoch 2 repeats the order of epoch 1",
                  "self.rng.permutation(N) at the start of every epoch")}, symptoms={SHUFFLE: {"no_shuffle": True}}),
    mutation("shuffle-once-before-all-epochs", (
        ("        for _ in range(epochs):\n            order = self.rng.permutation(n)\n",
         "        order = self.rng.permutation(n)\n        for _ in range(epochs):\n"),), {
        SHUFFLE: ("a new random order in every epoch", "inside the epoch loop")},
        symptoms={SHUFFLE: {"no_shuffle": True}}),
    mutation("shuffle-with-replacement", (("order = self.rng.permutation(n)", "order = self.rng.integers(0, n, n)"),), {
        SHUFFLE: ("every example exactly once per epoch", "not with replacement"),
        MOMENTUM: ("W1 after train",)}),
    # --- standardize: STANDARDIZE_STATS passes whichever set the statistics come from; STANDARDIZE_LEAK
    # compares the student's outputs with each other, so a scaling mistake alone does not fail it
    mutation("scaler-fit-on-test", (("mean = X_train.mean(axis=0, keepdims=True)\n    std = X_train.std(",
                                     "mean = X_test.mean(axis=0, keepdims=True)\n    std = X_test.std("),), {
        STANDARDIZE_LEAK: ("only the test set changed", "compute the mean and std from X_train alone")},
        symptoms={STANDARDIZE_LEAK: {"scaler_leak": True}}),
    mutation("scaler-fit-on-train-and-test", (
        ("mean = X_train.mean(axis=0, keepdims=True)\n    std = X_train.std(axis=0, keepdims=True)\n",
         ("both = np.vstack([X_train, X_test])\n    mean = both.mean(axis=0, keepdims=True)\n"
          "    std = both.std(axis=0, keepdims=True)\n")),), {
        STANDARDIZE_LEAK: ("only the test set changed", "must not change how X_train is scaled")},
        symptoms={STANDARDIZE_LEAK: {"scaler_leak": True}}),
    mutation("scaler-refit-on-test", (("X_test_std = (X_test - mean) / std",
                                       ("test_std = X_test.std(axis=0)\n    X_test_std = (X_test - "
                                        "X_test.mean(axis=0)) / np.where(test_std > 0, test_std, 1.0)")),), {
        STANDARDIZE_LEAK: ("copies of training rows", "never compute statistics of X_test")},
        symptoms={STANDARDIZE_LEAK: {"scaler_leak": True}}),
    mutation("standardize-returns-X-unchanged", (
        ("X_train_std = (X_train - mean) / std\n    X_test_std = (X_test - mean) / std\n",
         "X_train_std, X_test_std = X_train, X_test\n"),), {
        STANDARDIZE_STATS: ("every feature with mean 0 and std 1", "X_train came back unchanged")},
        symptoms={STANDARDIZE_STATS: {"not_standardized": True}}),
    mutation("standardize-centres-only", (
        ("X_train_std = (X_train - mean) / std\n    X_test_std = (X_test - mean) / std\n",
         "X_train_std, X_test_std = X_train - mean, X_test - mean\n"),), {
        STANDARDIZE_STATS: ("every feature with mean 0 and std 1", "centered but not scaled")},
        symptoms={STANDARDIZE_STATS: {"not_standardized": True}}),
    # a division by 0 shows in both outputs: NaN in X_train_std, inf in X_test_std
    mutation("standardize-divides-by-zero-std", (("    std = np.where(std > 0, std, 1.0)\n", ""),), {
        STANDARDIZE_STATS: ("finite values", "its std is 0: divide by 1 there, not by 0"),
        STANDARDIZE_LEAK: ("finite values", "its std is 0: divide by 1 there, not by 0")},
        symptoms={c: {"nonfinite": 80} for c in (STANDARDIZE_STATS, STANDARDIZE_LEAK)}),
    mutation("standardize-divides-by-std-plus-epsilon", (("np.where(std > 0, std, 1.0)", "std + 1e-8"),), {
        STANDARDIZE_LEAK: ("a feature that is 0 in every training row (std 0)", "divided by 1")}),
]
