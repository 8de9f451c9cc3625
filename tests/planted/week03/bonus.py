"""What the meta-tests know of Week 3's bonus graders (``tests/test_graders.py``).

Its checks and points, the function each check of the stub reaches first, and the planted bugs with
the checks each must fail.
"""

from __future__ import annotations

from mutants import Mutation

from autograder import paths

WEEK, MODULE = "week03", "bonus"





REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


PLAIN = check("forward_without_dropout_is_the_plain_forward")


DROPS = check("forward_training_drops_units_and_rescales_survivors")


RNG = check("forward_mask_is_drawn_from_self_rng")


BACKWARD = check("backward_in_training_mode_matches_numerical_gradient")


TRAIN_MODE = check("train_runs_in_training_mode_and_leaves_it")


DECAY = check("train_decays_the_learning_rate_each_epoch")


FIGURE = check("plot_decision_boundary_returns_figure_and_grid")


GRID = check("plot_decision_boundary_grid_matches_predict")


SPAN = check("plot_decision_boundary_grid_spans_beyond_the_data")


#: Every check of this module is extra credit.
EXTRA_CREDIT = True
#: Every check of the module with its points, in the graders' order.
POINTS = {PLAIN: 1, DROPS: 2, RNG: 1, BACKWARD: 2, TRAIN_MODE: 1, DECAY: 2, FIGURE: 1, GRID: 1, SPAN: 1}
ALL_CHECKS = tuple(POINTS)


#: The function of the stub each check reaches first.
STUB_FIRST_TODO = {PLAIN: "BonusNN.forward", DROPS: "BonusNN.forward", RNG: "BonusNN.forward",
                   BACKWARD: "BonusNN.forward", TRAIN_MODE: "BonusNN.train", DECAY: "BonusNN.train",
                   FIGURE: "plot_decision_boundary", GRID: "plot_decision_boundary", SPAN: "plot_decision_boundary"}


def mutation(id: str, edits: tuple[tuple[str, str], ...], fails: dict[str, tuple[str, ...]]) -> Mutation:
    return Mutation(id, MODULE, edits, fails)


MASK = "mask = (self.rng.random(z1.shape) < self.keep_prob) / self.keep_prob"


MUTATIONS = [
    mutation("dropout-not-scaled", ((MASK, "mask = (self.rng.random(z1.shape) < self.keep_prob) * 1.0"),), {
        DROPS: ("either 0 or a1 / keep_prob", "dividing the kept units by keep_prob")}),
    mutation("keep-prob-used-as-drop-prob", ((MASK, MASK.replace("< self.keep_prob", "< 1 - self.keep_prob")),), {
        DROPS: ("fraction of hidden units kept", "probability of KEEPING")}),
    mutation("one-mask-for-the-whole-batch", ((MASK, MASK.replace("z1.shape)", "z1.shape[1])")),), {
        DROPS: ("a different mask for each example", "(N, H), not (H,)")}),
    mutation("dropout-in-evaluation-mode", (("if self.training and self.keep_prob < 1:", "if self.keep_prob < 1:"),), {
        PLAIN: ("evaluation mode", "only while self.training is True")}),
    mutation("mask-from-global-np-random", ((MASK, MASK.replace("self.rng.random", "np.random.random")),), {
        RNG: ("the same dropped units", "not from np.random"),
        BACKWARD: ("different masks", "never from np.random")}),
    mutation("mask-not-used-in-backward", (('* self.cache["mask"] * (self.cache["z1"] > 0)',
                                            '* (self.cache["z1"] > 0)'),), {
        BACKWARD: ("['W1']", "multiply by the mask forward used")}),
    mutation("a1-cached-before-dropout", (('self.cache = {"z1": z1, "a1": a1,',
                                           'self.cache = {"z1": z1, "a1": np.maximum(z1, 0),'),), {
        BACKWARD: ("['W2']", "dropped-out a1")}),
    mutation("training-flag-left-on", (("finally:\n            self.training = False", "finally:\n            pass"),), {
        TRAIN_MODE: ("after train(...) returned", "got:      True")}),
    mutation("flag-reset-without-finally", (("finally:\n            self.training = False",
                                             "except ArithmeticError:\n            raise\n"
                                             "        self.training = False"),), {
        TRAIN_MODE: ("raised an exception", "finally")}),
    mutation("decay-counts-epochs-from-1", (("(1.0 + decay * epoch)", "(1.0 + decay * (epoch + 1))"),), {
        DECAY: ("lr_history", "epoch e (from 0)")}),
    mutation("decay-multiplies", (("learning_rate / (1.0 + decay * epoch)", "learning_rate * (1.0 + decay * epoch)"),), {
        DECAY: ("lr_history", "divided, not multiplied")}),
    mutation("decayed-rate-only-recorded", (("learning_rate=lr,\n", "learning_rate=learning_rate,\n"),), {
        DECAY: ("W1 after train", "not only record it")}),
    mutation("grid-transposed", (("    gx, gy = np.meshgrid(xs, ys)\n", '    gx, gy = np.meshgrid(xs, ys, indexing="ij")\n'),), {
        GRID: ("cells differ", "transposed")}),
    mutation("grid-without-margin", (("    margin = 0.1 * (hi - lo)\n", "    margin = 0.0 * (hi - lo)\n"),), {
        GRID: ("cells differ", "10 % of its range"),
        SPAN: ("[-1.0, 11.0] x [-7.0, 17.0]", "got:      [0.0, 10.0] x [-5.0, 15.0]")}),
]

