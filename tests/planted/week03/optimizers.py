"""What the meta-tests know of Week 3's optimizers graders (``tests/test_graders.py``).

Its checks and points, the function each check of the stub reaches first, and the planted bugs with
the checks each must fail.
"""

from __future__ import annotations

from mutants import Mutation

from autograder import paths

WEEK, MODULE = "week03", "optimizers"

REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


SGD_PATH = check("sgd_matches_reference_trajectory")


SGD_IN_PLACE = check("sgd_updates_parameters_in_place")


MOMENTUM_PATH = check("momentum_matches_reference_trajectory")


MOMENTUM_STATE = check("momentum_keeps_one_velocity_per_parameter")


IN_PLACE = check("momentum_and_adam_update_parameters_in_place")


ADAM_FIRST = check("adam_first_step_moves_each_coordinate_by_lr")


ADAM_COUNT = check("adam_counts_one_step_per_call")


ADAM_EPS = check("adam_adds_eps_after_the_square_root")


ADAM_PATH = check("adam_matches_reference_trajectory")


ADAM_STATE = check("adam_keeps_moments_per_parameter")


MOMENTUM_ROSENBROCK = check("momentum_converges_on_rosenbrock")


ADAM_ROSENBROCK = check("adam_converges_on_rosenbrock")


STEP_DECAY = check("step_decay_matches_reference")


EXPONENTIAL_DECAY = check("exponential_decay_matches_reference")


INVERSE_TIME_DECAY = check("inverse_time_decay_matches_reference")


#: The module's checks in the graders' order, with their points.
POINTS = {SGD_PATH: 1, SGD_IN_PLACE: 1, MOMENTUM_PATH: 2, MOMENTUM_STATE: 1, IN_PLACE: 1, ADAM_FIRST: 2,
          ADAM_COUNT: 1, ADAM_EPS: 1, ADAM_PATH: 2, ADAM_STATE: 1, MOMENTUM_ROSENBROCK: 1, ADAM_ROSENBROCK: 1,
          STEP_DECAY: 1, EXPONENTIAL_DECAY: 1, INVERSE_TIME_DECAY: 1}


#: Helper names of the graders that must never reach a student.
#: The function of the stub each check reaches first.
STUB_FIRST_TODO = {SGD_PATH: "SGD.step", SGD_IN_PLACE: "SGD.step", MOMENTUM_PATH: "Momentum.step",
                   MOMENTUM_STATE: "Momentum.step", IN_PLACE: "Momentum.step", ADAM_FIRST: "Adam.step",
                   ADAM_COUNT: "Adam.step", ADAM_EPS: "Adam.step", ADAM_PATH: "Adam.step", ADAM_STATE: "Adam.step",
                   MOMENTUM_ROSENBROCK: "Momentum.step", ADAM_ROSENBROCK: "Adam.step", STEP_DECAY: "step_decay",
                   EXPONENTIAL_DECAY: "exponential_decay", INVERSE_TIME_DECAY: "inverse_time_decay"}
#: Names of the graders' code that must never reach a student, besides mutants.GRADER_SOURCE.
GRADER_NAMES = ("check_trajectory", "expect_path", "call_step", "Quadratic", "TRAJECTORY_TOL", "test_optimizers")


SGD_LINE = "            params[name] -= self.learning_rate * grads[name]\n"


ADAM_T = "        self.t += 1\n        for name in params:\n"


ADAM_UPDATE = "params[name] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)"


NAN = ("NaN or inf",)


MUTATIONS = [
    Mutation("momentum-sign-flipped", MODULE, (
        ("velocity -= self.learning_rate * grads[name]", "velocity += self.learning_rate * grads[name]"),), {
        MOMENTUM_PATH: ("v = momentum * v - learning_rate * g (minus: the velocity points downhill)",),
        MOMENTUM_STATE: ("(minus: the velocity points downhill)",),
        MOMENTUM_ROSENBROCK: ("the optimizer diverged", "a flipped sign")}),
    Mutation("momentum-one-velocity-for-all-parameters", MODULE, (
        ("if name not in self.velocity:\n                self.velocity[name] =",
         'if not self.velocity:\n                self.velocity["all"] ='),
        ("velocity = self.velocity[name]", 'velocity = self.velocity["all"]')), {
        MOMENTUM_PATH: ("ValueError", "at optimizers.py, line", "one state array per parameter name"),
        MOMENTUM_STATE: ("each parameter needs its own velocity", "a velocity shared by 'a' and 'b'")}),
    Mutation("adam-without-bias-correction", MODULE, (
        ("m_hat = m / (1 - self.beta1**self.t)", "m_hat = m"), ("v_hat = v / (1 - self.beta2**self.t)", "v_hat = v")), {
        ADAM_FIRST: ("moves from 3.162 to 3.162 times lr", "bias correction", "3.16 times lr"),
        ADAM_COUNT: ("3.162", "both bias corrections"),
        ADAM_EPS: ("fix the bias correction first",),
        ADAM_PATH: ("m_hat = m / (1 - beta1**t)", "v_hat = v / (1 - beta2**t)"),
        ADAM_STATE: ("m_hat = m / (1 - beta1**t)",)}),
    Mutation("adam-t-never-incremented", MODULE, ((ADAM_T, "        for name in params:\n"),), {
        ADAM_FIRST: (*NAN, "t must be 1 during the first call", "1 - beta1**0 = 0"),
        ADAM_COUNT: (*NAN, "t must be 1 during the first call"),
        ADAM_EPS: (*NAN, "add 1 to t before the bias correction"),
        ADAM_PATH: (*NAN, "add 1 to t before the bias correction"),
        ADAM_STATE: (*NAN, "add 1 to t before the bias correction"),
        ADAM_ROSENBROCK: ("NaN or inf at step 1: the optimizer diverged",)}),
    Mutation("adam-t-counted-per-parameter", MODULE, (
        (ADAM_T, "        for name in params:\n            self.t += 1\n"),), {
        ADAM_COUNT: ("parameter 'b'", "0.7441", "once per call, before the loop over the parameters"),
        ADAM_PATH: ("with t the number of this call",),
        ADAM_STATE: ("it grows once per call, not once per parameter",)}),
    Mutation("adam-eps-inside-the-square-root", MODULE, (
        ("(np.sqrt(v_hat) + self.eps)", "np.sqrt(v_hat + self.eps)"),), {
        ADAM_EPS: ("add eps outside it", "np.sqrt(v_hat + eps) is a different optimizer"),
        ADAM_PATH: ("(np.sqrt(v_hat) + eps)",),
        ADAM_STATE: ("(np.sqrt(v_hat) + eps)",)}),
    Mutation("adam-square-root-missing", MODULE, (("(np.sqrt(v_hat) + self.eps)", "(v_hat + self.eps)"),), {
        ADAM_FIRST: ("moves from 0.3333 to 2 times lr", "take the square root of v_hat"),
        ADAM_COUNT: ("take the square root of v_hat",),
        ADAM_EPS: ("take the square root of v_hat",),
        ADAM_PATH: ("np.sqrt(v_hat)",),
        ADAM_STATE: ("np.sqrt(v_hat)",),
        ADAM_ROSENBROCK: ("within 0.01 of the minimum (1, 1)",)}),
    Mutation("adam-rebinds-the-dict-entry", MODULE, (
        (ADAM_UPDATE, "params[name] = params[name] - self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)"),), {
        IN_PLACE: ("after Adam(learning_rate=0.1).step", "a new array object",
                   "not params[name] = params[name] - ...")}),
    Mutation("sgd-updates-a-local-variable", MODULE, (
        (SGD_LINE, "            p = params[name]\n            p = p - self.learning_rate * grads[name]\n"),), {
        SGD_PATH: ("p -= learning_rate * g",),
        SGD_IN_PLACE: ("the same values as before the call", "p = p - lr * g only rebinds the local name p")}),
    Mutation("sgd-rebinds-the-dict-entry", MODULE, (
        (SGD_LINE, "            params[name] = params[name] - self.learning_rate * grads[name]\n"),), {
        SGD_IN_PLACE: ("a new array object", "model's self.W1", "not params[name] = params[name] - ...")}),
    Mutation("step-decay-without-floor", MODULE, (
        ("drop ** (epoch // every)\n    ###", "drop ** (epoch / every)\n    ###"),),
             {STEP_DECAY: ("drop ** (epoch // every)", "integer division", "epoch / every would lower it")}),
    Mutation("exponential-decay-positive-exponent", MODULE, (("np.exp(-rate * epoch)", "np.exp(rate * epoch)"),),
             {EXPONENTIAL_DECAY: ("exp(-rate * epoch)", "the exponent is negative")}),
    Mutation("inverse-time-decay-without-brackets", MODULE, (
        ("initial_lr / (1 + rate * epoch)\n    ###", "initial_lr / 1 + rate * epoch\n    ###"),),
             {INVERSE_TIME_DECAY: ("divide by the whole denominator", "with brackets")}),
]

