"""What the meta-tests know of Week 3's perceptron graders (``tests/test_graders.py``).

Its checks and points, the function each check of the stub reaches first, and the planted bugs with
the checks each must fail.
"""

from __future__ import annotations

from mutants import Mutation

from autograder import paths

WEEK, MODULE = "week03", "perceptron"

REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


STEP_VALUES = check("step_zero_counts_as_one")


STEP_DTYPE = check("step_returns_integers_of_the_input_shape")


INIT = check("init_starts_from_zero")


PREDICT = check("predict_thresholds_the_score")


UPDATE_RULE = check("update_applies_the_perceptron_rule")


UPDATE_CORRECT = check("update_leaves_a_correct_example_alone")


LEARNS_AND = check("fit_learns_and")


LEARNS_OR = check("fit_learns_or")


LEARNS_NAND = check("fit_learns_nand")


XOR = check("fit_reports_that_xor_does_not_converge")


STOPS_EARLY = check("fit_stops_after_the_first_clean_epoch")


#: The module's checks in the graders' order, with the unimplemented function each reaches first in the stub.
#: Every check of the module with its points, in the graders' order.
POINTS = {STEP_VALUES: 1, STEP_DTYPE: 1, INIT: 1, PREDICT: 1, UPDATE_RULE: 2, UPDATE_CORRECT: 1, LEARNS_AND: 1,
          LEARNS_OR: 1, LEARNS_NAND: 1, XOR: 2, STOPS_EARLY: 1}

STUB_FIRST_TODO = {
    STEP_VALUES: "step", STEP_DTYPE: "step", INIT: "Perceptron.__init__", PREDICT: "Perceptron.predict",
    UPDATE_RULE: "Perceptron.update", UPDATE_CORRECT: "Perceptron.update", LEARNS_AND: "Perceptron.fit",
    LEARNS_OR: "Perceptron.fit", LEARNS_NAND: "Perceptron.fit", XOR: "Perceptron.fit", STOPS_EARLY: "Perceptron.fit",
}


UPDATE_LINE = "error = int(y - self.predict(x[np.newaxis, :])[0])"


COUNT_LINE = "mistakes += int(self.update(x_i, y_i) != 0)"


MUTATIONS = [
    Mutation("error-from-raw-score", MODULE, ((UPDATE_LINE, "error = y - (x @ self.w + self.b)"),), {
        UPDATE_RULE: ("got:      2.125", "raw score x @ w + b", "0/1 prediction"),
        UPDATE_CORRECT: ("got:      0.5", "already classifies this example right", "not y minus the raw score")}),
    Mutation("bias-never-updated", MODULE, (("        self.b = self.b + self.learning_rate * error\n", ""),), {
        UPDATE_RULE: ("b after one update", "b did not move", "b += learning_rate * error")}),
    Mutation("update-sign-flipped", MODULE, (("self.w = self.w + self", "self.w = self.w - self"),
                                             ("self.b = self.b + self", "self.b = self.b - self")), {
        UPDATE_RULE: ("w after one update", "wrong way (the sign is flipped)", "w += learning_rate * error * x")}),
    Mutation("learning-rate-ignored", MODULE, (("self.w + self.learning_rate * error * x", "self.w + error * x"),
                                               ("self.b + self.learning_rate * error", "self.b + error")), {
        UPDATE_RULE: ("w after one update with learning_rate=0.5", "ignores the learning rate",
                      "multiply by self.learning_rate")}),
    Mutation("step-uses-strictly-greater", MODULE, (("np.asarray(z) >= 0", "np.asarray(z) > 0"),), {
        STEP_VALUES: ("expected: [0, 0, 1, 1, 1]", "[0, 0, 0, 1, 1]", "exactly 0 counts as class 1",
                      "z >= 0, not z > 0")}),
    Mutation("step-returns-booleans", MODULE, (("(np.asarray(z) >= 0).astype(int)", "np.asarray(z) >= 0"),), {
        STEP_DTYPE: ("integer dtype", "got:      dtype bool", ".astype(int)")}),
    Mutation("fit-never-stops-early", MODULE, (("            if mistakes == 0:\n                return True\n", ""),
                                               ("        return False\n", "        return self.errors_[-1] == 0\n")),
             {STOPS_EARLY: (" epochs)", ", 0, 0, 0, 0]", "kept going after epoch ", "which had no mistakes")}),
    Mutation("fit-reports-converged-on-xor", MODULE, (("        return False\n", "        return True\n"),), {
        XOR: ("False (did not converge)", "got:      True", "no straight line", "never converges",
              "False once all the epochs are used up")}),
    Mutation("mistakes-summed-so-errors-cancel", MODULE, ((COUNT_LINE, "mistakes += self.update(x_i, y_i)"),), {
        **dict.fromkeys((LEARNS_AND, LEARNS_OR, LEARNS_NAND), ("predictions on the four rows", "+1 and -1 cancel")),
        XOR: ("got:      True", "errors_ = [", "0]", "no straight line", "+1 and -1 cancel"),
        STOPS_EARLY: ("got:      [", "-1 is a mistake too")}),
]

