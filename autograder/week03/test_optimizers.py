"""Hidden graders for Week 3's optimizers.py: SGD, Momentum, Adam and three learning-rate schedules.

The optimizers run on problems whose gradients the grader computes exactly:
quadratics f(x) = 0.5 x^T A x - b^T x (A symmetric positive definite, one per
parameter, so two parameters get different gradients) and the Rosenbrock
function. A student's trajectory is compared with the reference optimizer's,
run with the same hyper-parameters from the same start. Every problem (the
quadratics, the gradients, the Rosenbrock function's position, the initial
learning rate of the schedules) is drawn per student and course (fixture
``rng``); the expected trajectory is the reference's, run on its own arrays.
"""


import numpy as np
import pytest

from autograder.checks import GradeFailure, expect, expect_array, real_array, rel_error, student_line, type_name
from autograder.week03.problems import signed

#: Trajectories against the reference. A correct optimizer written differently
#: (np.subtract(..., out=), m / fix1 / (...), math.pow) measured 0 for SGD and
#: Momentum and 3.8e-14 for Adam over 1,000 drawn quadratics of 15 steps; the
#: reference fed gradients with random relative noise of 1e-15 moves by at most
#: 7e-14. Planted bugs move it by 1e-3 or more (a wrong sign, no bias correction)
#: and eps inside the square root by less: on some drawn quadratics only 2.5e-10
#: (Adam with lr=0.05: its effect, eps (1/(2 sqrt(v_hat)) - 1) / v_hat, vanishes
#: for gradients near 0.5; 1.2e-10 with the default lr=0.001, which is why the
#: dedicated eps check uses eps=0.1). So an Adam problem is drawn again until that
#: mistake moves its path by MISTAKE_MARGIN times the tolerance, and a problem
#: whose reference path comes within TRAJECTORY_FLOOR of 0 (where relative errors
#: blow up) is drawn again too. 1e-10 then leaves 2600x margin above rounding and
#: 10x below the smallest bug.
TRAJECTORY_TOL = 1e-10
TRAJECTORY_FLOOR = 1e-3
MISTAKE_MARGIN = 10
#: Adam's first step moves each coordinate by lr * |g| / (|g| + eps), which is lr
#: up to eps / |g| <= 2e-8 for the gradients used here (|g| drawn from 0.5 to 3).
#: Without bias correction it moves (1 - beta1) / sqrt(1 - beta2) = 3.16 times lr;
#: with t counted per parameter the second parameter's first move is 0.74 lr.
FIRST_STEP_TOL = 1e-6
GRADIENT_SIZES = (0.5, 3.0)
#: Learning-rate schedules are one float expression: the reference and a version
#: with math.exp or math.floor agree to 1 ulp (2e-16); 1e-12 is far above that.
DECAY_TOL = 1e-12
#: Rosenbrock (a=1, b=100) from (-1.5, 2), the whole function moved by a drawn shift
#: (both optimizers move by what the gradients say, so the path moves with it).
#: Momentum(lr=0.001, momentum=0.9): the reference first comes within 0.01 of the
#: minimum at step 1124 and is at 2.6e-4 after 2000 steps. Adam(lr=0.02): within
#: 0.01 at step 2008, at 1.3e-5 after 3000. Over 300 drawn shifts the reference
#: needed at most 1125 and 2009 steps, and ended within 2.6e-4 and 1.3e-5. Budgets
#: of 2000 and 3000 steps are 1.8x and 1.5x what the reference needs.
ROSENBROCK_START = (-1.5, 2.0)
ROSENBROCK_DISTANCE = 0.01
STEPS = 15


# --- problems whose gradients the grader computes ---------------------------

class Quadratic:
    """One quadratic f(x) = 0.5 x^T A x - b^T x per parameter, eigenvalues of A in [0.5, 4]."""

    def __init__(self, terms: dict):
        self.terms = terms  # name -> (A, b, start)

    @classmethod
    def random(cls, rng: np.random.Generator, shapes: dict) -> "Quadratic":
        terms = {}
        for name, shape in shapes.items():
            n = int(np.prod(shape))
            Q = np.linalg.qr(rng.normal(size=(n, n)))[0]
            A = Q @ np.diag(np.linspace(0.5, 4.0, n)) @ Q.T
            terms[name] = (A, rng.normal(size=n), rng.normal(size=shape))
        return cls(terms)

    def only(self, name: str) -> "Quadratic":
        return Quadratic({name: self.terms[name]})

    def start(self) -> dict:
        return {name: x0.copy() for name, (_, _, x0) in self.terms.items()}

    def grads(self, params: dict) -> dict:
        return {name: (A @ params[name].ravel() - b).reshape(params[name].shape)
                for name, (A, b, _) in self.terms.items()}


def rosenbrock_grads(shift: np.ndarray):
    """The gradient of (1 - u)^2 + 100 (v - u^2)^2 at (u, v) = (x, y) - shift, for params {'p': [x, y]}."""
    def grads(params: dict) -> dict:
        u, v = np.asarray(params["p"], dtype=np.float64) - shift
        return {"p": np.array([-2 * (1 - u) - 400 * u * (v - u * u), 200 * (v - u * u)])}
    return grads


def shapes_of(params: dict) -> str:
    return ", ".join(f"'{name}' {value.shape}" for name, value in params.items())


def call_step(optimizer, params: dict, grads: dict) -> None:
    """``optimizer.step(params, grads)``; a shape clash between parameters becomes a message about shared state."""
    try:
        optimizer.step(params, grads)
    except ValueError as error:
        if "broadcast" not in str(error) and "shape" not in str(error):
            raise
        where = student_line(error, "optimizers.py")
        raise GradeFailure(f"{type_name(optimizer)}.step on parameters {shapes_of(params)}",
                           expected="one update per parameter, each with its own state",
                           got=f"ValueError: {error}" + (f" {where}" if where else ""),
                           hint="keep one state array per parameter name (a dict keyed by name, created with "
                           "np.zeros_like on first sight of that name): a single array shared by all parameters "
                           "cannot have every parameter's shape, and it mixes their gradients") from None


def trajectory(optimizer, problem: Quadratic, steps: int) -> dict:
    """Each parameter after each step, stacked: name -> (steps, *shape); NaN where a parameter is not a real
    array of its shape any more."""
    params = problem.start()
    shapes = {name: value.shape for name, value in params.items()}
    history = {name: [] for name in params}
    for _ in range(steps):
        call_step(optimizer, params, problem.grads(params))
        for name in params:
            value = real_array(params[name])
            history[name].append(value if value is not None and value.shape == shapes[name]
                                 else np.full(shapes[name], np.nan))
    return {name: np.stack(values) for name, values in history.items()}


def far_from_zero(paths: dict) -> bool:
    """Whether no entry of the reference's ``paths`` comes within TRAJECTORY_FLOOR of 0 (see TRAJECTORY_TOL)."""
    return all(np.min(np.abs(path)) >= TRAJECTORY_FLOOR for path in paths.values())


def eps_inside_the_root(problem: Quadratic, steps: int, learning_rate: float = 0.001, beta1: float = 0.9,
                        beta2: float = 0.999, eps: float = 1e-8) -> dict:
    """The path of Adam with eps inside the square root, lr * m_hat / sqrt(v_hat + eps): the mistake that moves a
    path least, computed here only to keep the drawn problems on which it shows (see TRAJECTORY_TOL)."""
    params, m, v = problem.start(), {}, {}
    history = {name: [] for name in params}
    for t in range(1, steps + 1):
        for name, g in problem.grads(params).items():
            m[name] = beta1 * m.get(name, 0.0) + (1 - beta1) * g
            v[name] = beta2 * v.get(name, 0.0) + (1 - beta2) * g * g
            params[name] = params[name] - learning_rate * (m[name] / (1 - beta1**t)) / np.sqrt(
                v[name] / (1 - beta2**t) + eps)
            history[name].append(params[name])
    return {name: np.stack(values) for name, values in history.items()}


def shows(mistake: dict, expected: dict) -> bool:
    """Whether a mistake's paths differ from the expected ones by well over TRAJECTORY_TOL somewhere."""
    return max(rel_error(mistake[name], expected[name]) for name in expected) >= MISTAKE_MARGIN * TRAJECTORY_TOL


def expect_path(got: np.ndarray, expected: np.ndarray, what: str, hint: str) -> None:
    """A stack of parameter values, one row per step, against the reference's (NaN and inf named by step)."""
    if isinstance(got, np.ndarray) and got.shape == expected.shape and not np.all(np.isfinite(got)):
        first = int(np.argmax(~np.all(np.isfinite(got.reshape(len(got), -1)), axis=1))) + 1
        expect(False, what, expected="finite values at every step", got=f"NaN or inf from step {first} on",
               hint="look for a division by zero (Adam: 1 - beta1**t is 0 while t is 0, so add 1 to t before the "
               "bias correction) or a sign error that makes the steps grow. " + hint)
    expect_array(got, expected, what, tol=TRAJECTORY_TOL, hint=hint)


def describe(cls_name: str, kwargs: dict) -> str:
    return f"{cls_name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"


def check_trajectory(student, reference, rng, cls_name: str, configs: list, hint: str) -> None:
    """Student vs reference on a (2,) and a (2, 3) parameter, for each hyper-parameter set (for Adam, on a problem
    where eps inside the square root shows in the first set's path)."""
    while True:
        problem = Quadratic.random(rng, {"p": (2,), "W": (2, 3)})
        paths = [trajectory(getattr(reference, cls_name)(**kwargs), problem, STEPS) for kwargs in configs]
        if all(far_from_zero(path) for path in paths) and (
                cls_name != "Adam" or shows(eps_inside_the_root(problem, STEPS, **configs[0]), paths[0])):
            break
    for kwargs, expected in zip(configs, paths):
        got = trajectory(getattr(student, cls_name)(**kwargs), problem, STEPS)
        for name in expected:
            expect_path(got[name], expected[name],
                        f"params['{name}'] after each of {STEPS} calls of {describe(cls_name, kwargs)}.step on "
                        f"a quadratic (axis 0 is the step, 0 = after the first call)", hint=hint)


def check_state_per_parameter(student, reference, rng, cls_name: str, kwargs: dict, hint: str) -> None:
    """Two (3,) parameters with different gradients move exactly as each would alone (for Adam, on a problem where
    eps inside the square root shows)."""
    while True:
        problem = Quadratic.random(rng, {"a": (3,), "b": (3,)})
        alone = {name: trajectory(getattr(reference, cls_name)(**kwargs), problem.only(name), 8)[name]
                 for name in ("a", "b")}
        if far_from_zero(alone) and (cls_name != "Adam" or shows(eps_inside_the_root(problem, 8, **kwargs), alone)):
            break
    got = trajectory(getattr(student, cls_name)(**kwargs), problem, 8)
    for name, expected in alone.items():
        expect_path(got[name], expected,
                    f"params['{name}'] after each of 8 calls of {describe(cls_name, kwargs)}.step on params 'a' and "
                    f"'b' (same shape (3,), different gradients), compared with optimizing '{name}' alone", hint=hint)


def check_in_place(optimizer, label: str, rng, finite: bool = True) -> None:
    """One step on a (2, 3) parameter changes the very array the dict held, to new values: finite ones, unless
    ``finite`` is False (for Adam, whose values the first-step check judges: a NaN there is its bias correction
    dividing by 1 - beta1**0 = 0, a mistake charged once, there)."""
    original = rng.normal(size=(2, 3))
    before = original.copy()
    params = {"W": original}
    call_step(optimizer, params, {"W": signed(rng, (2, 3), 0.5, 3.0)})
    expect(params["W"] is original, f"params['W'] after {label}.step(params, grads)",
           expected="the same array object as before, with new values (an in-place update)",
           got="a new array object in params['W']: the caller's array (say, a model's self.W1) was not updated",
           hint="change the array itself: params[name] -= ... (or params[name][...] = ...), not "
           "params[name] = params[name] - ..., which builds a new array")
    expect(not np.array_equal(original, before), f"values of params['W'] after {label}.step(params, grads)",
           expected="changed values (a nonzero gradient was given)", got="the same values as before the call",
           hint="p = p - lr * g only rebinds the local name p and leaves the array alone: "
           "update params[name] in place with -= or +=")
    bad = int(np.sum(~np.isfinite(original)))
    expect(bad == 0 or not finite, f"values of params['W'] after {label}.step(params, grads)", expected="finite values",
           got=f"{bad} NaN or inf values", hint="one step with a finite gradient moves a finite parameter to a "
           "finite value: look for a division by zero (Adam's bias correction needs t = 1 on the first call)")


# --- SGD --------------------------------------------------------------------

@pytest.mark.points(1)
def test_sgd_matches_reference_trajectory(student, reference, rng):
    """SGD.step follows the reference path p -= lr * g on a quadratic, for the default and another learning rate"""
    check_trajectory(student, reference, rng, "SGD", [{}, {"learning_rate": 0.1}],
                     hint="p -= learning_rate * g for every parameter, with the learning_rate given to __init__")


@pytest.mark.points(1)
def test_sgd_updates_parameters_in_place(student, rng):
    """SGD.step changes each parameter array in place (the dict holds the same arrays, with new values)"""
    check_in_place(student.SGD(learning_rate=0.1), "SGD(learning_rate=0.1)", rng)


# --- Momentum ---------------------------------------------------------------

MOMENTUM_HINT = ("v = momentum * v - learning_rate * g (minus: the velocity points downhill), then p += v; "
                 "v starts at zeros and is kept from one call to the next")


@pytest.mark.points(2)
def test_momentum_matches_reference_trajectory(student, reference, rng):
    """Momentum.step follows the reference path (v = momentum * v - lr * g; p += v) on a quadratic"""
    check_trajectory(student, reference, rng, "Momentum", [{}, {"learning_rate": 0.05, "momentum": 0.8}],
                     hint=MOMENTUM_HINT + "; use the learning_rate and momentum given to __init__")


@pytest.mark.points(1)
def test_momentum_keeps_one_velocity_per_parameter(student, reference, rng):
    """Momentum keeps a separate velocity for each parameter name"""
    check_state_per_parameter(student, reference, rng, "Momentum", {"learning_rate": 0.05, "momentum": 0.8},
                              hint="each parameter needs its own velocity, self.velocity[name]: a velocity shared "
                              "by 'a' and 'b' mixes their gradients. " + MOMENTUM_HINT)


@pytest.mark.points(1)
def test_momentum_and_adam_update_parameters_in_place(student, rng):
    """Momentum.step and Adam.step change each parameter array in place"""
    check_in_place(student.Momentum(learning_rate=0.1), "Momentum(learning_rate=0.1)", rng)
    check_in_place(student.Adam(learning_rate=0.1), "Adam(learning_rate=0.1)", rng, finite=False)


# --- Adam -------------------------------------------------------------------

ADAM_HINT = ("m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g**2; m_hat = m / (1 - beta1**t); "
             "v_hat = v / (1 - beta2**t); p -= lr * m_hat / (np.sqrt(v_hat) + eps), with t the number of this call")
BIAS_HINT = ("bias correction: m and v start at zero, so after the first call m = (1 - beta1) g and v = (1 - beta2) "
             "g**2 are far too small; dividing by (1 - beta1**t) and (1 - beta2**t) gives m_hat = g and v_hat = g**2, "
             "a move of exactly lr. Without it the first move is (1 - beta1) / sqrt(1 - beta2) = 3.16 times lr")


def moves_in_units_of_lr(before: np.ndarray, after: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    """How far each coordinate moved against its gradient, in units of lr (1 means exactly lr downhill)."""
    return (before - after) * np.sign(grad) / lr


def moves_hint(moves: np.ndarray, usual: str) -> str:
    """The likely mistake behind coordinates that did not each move by lr."""
    if not np.all(np.isfinite(moves)):
        return ("t must be 1 during the first call: add 1 to self.t before the bias correction, otherwise "
                "1 - beta1**0 = 0 divides by zero. " + usual)
    if np.ptp(moves) > 1e-3:
        return ("the move depends on the size of the gradient, so the ratio m_hat / (np.sqrt(v_hat) + eps) is not "
                "about +-1: take the square root of v_hat. " + usual)
    return usual


def describe_moves(moves: np.ndarray) -> str:
    if not np.all(np.isfinite(moves)):
        return f"{int(np.sum(~np.isfinite(moves)))} coordinates became NaN or inf"
    return f"moves from {moves.min():.4g} to {moves.max():.4g} times lr"


def gradients_from_small_to_large(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Gradients of random signs whose sizes span GRADIENT_SIZES, both ends included (in random places)."""
    low, high = GRADIENT_SIZES
    sizes = np.concatenate([[low, high], rng.uniform(low, high, int(np.prod(shape)) - 2)])
    return (rng.permutation(sizes) * rng.choice([-1.0, 1.0], sizes.size)).reshape(shape)


def moved(params: dict, name: str) -> np.ndarray:
    """``params[name]`` as a float64 copy (NaN if the step left something else there)."""
    value = real_array(params[name])
    return value if value is not None else np.full(np.shape(params[name]), np.nan)


@pytest.mark.points(2)
def test_adam_first_step_moves_each_coordinate_by_lr(student, rng):
    """Adam's first step moves every coordinate by lr against its gradient (bias correction)"""
    grad = gradients_from_small_to_large(rng, (2, 3))
    params = {"W": rng.normal(size=(2, 3))}
    before = params["W"].copy()
    with np.errstate(all="ignore"):
        call_step(student.Adam(learning_rate=0.001), params, {"W": grad.copy()})
    moves = moves_in_units_of_lr(before, moved(params, "W"), grad, 0.001)
    expect(bool(np.all(np.abs(moves - 1) <= FIRST_STEP_TOL)),
           "first call of Adam(learning_rate=0.001).step, gradients between 0.5 and 3 in size",
           expected=f"every coordinate moves by lr = 0.001 against its gradient (1 times lr, within "
           f"{FIRST_STEP_TOL:g})",
           got=describe_moves(moves), hint=moves_hint(moves, BIAS_HINT))


@pytest.mark.points(1)
def test_adam_counts_one_step_per_call(student, rng):
    """Adam's step counter t grows by one per call, shared by all parameters: a constant gradient moves lr every call"""
    grads = {"a": signed(rng, (3,), *GRADIENT_SIZES), "b": signed(rng, (2, 2), *GRADIENT_SIZES)}
    params = {"a": rng.normal(size=3), "b": rng.normal(size=(2, 2))}
    adam = student.Adam(learning_rate=0.01)
    for call in range(1, 6):
        before = {name: value.copy() for name, value in params.items()}
        with np.errstate(all="ignore"):
            call_step(adam, params, {name: g.copy() for name, g in grads.items()})
        for name in grads:
            moves = moves_in_units_of_lr(before[name], moved(params, name), grads[name], 0.01)
            expect(bool(np.all(np.abs(moves - 1) <= FIRST_STEP_TOL)),
                   f"call {call} of Adam(learning_rate=0.01).step with params 'a' and 'b' and the same gradient "
                   f"every call, parameter '{name}'",
                   expected="every coordinate moves by lr = 0.01 on every call: with a constant gradient, "
                   "m_hat = g and v_hat = g**2 at every t",
                   got=describe_moves(moves),
                   hint=moves_hint(moves, "t counts calls to step: add 1 once per call, before the loop over the "
                                   "parameters (not inside it), start from 0 so that t = 1 on the first call, and "
                                   "use this t in both bias corrections, m / (1 - beta1**t) and v / (1 - beta2**t)"))


def eps_path(module, kwargs: dict, grads: list) -> np.ndarray:
    """The path of params['x'], starting at 0, through one Adam step per gradient of ``grads``."""
    params, adam, path = {"x": np.zeros(grads[0].shape)}, module.Adam(**kwargs), []
    for g in grads:
        with np.errstate(all="ignore"):
            call_step(adam, params, {"x": g.copy()})
        path.append(moved(params, "x"))
    return np.stack(path)


@pytest.mark.points(1)
def test_adam_adds_eps_after_the_square_root(student, reference, rng):
    """Adam divides by sqrt(v_hat) + eps (eps outside the square root), checked with a large eps"""
    kwargs = {"learning_rate": 0.01, "eps": 0.1}
    while True:  # gradients from 0.02 to 1 in size, where eps = 0.1 inside or outside the root differs
        grads = [signed(rng, (3,), 0.02, 1.0) for _ in range(3)]
        expected = eps_path(reference, kwargs, grads)
        if np.min(np.abs(expected)) >= 0.01 * TRAJECTORY_FLOOR:  # this path moves by about lr = 0.01 a step
            break
    runs = [expected, eps_path(student, kwargs, grads)]
    expect_path(runs[1], runs[0], f"params['x'] after each of 3 calls of {describe('Adam', kwargs)}.step "
                "(axis 0 is the step)",
                hint="the update is lr * m_hat / (np.sqrt(v_hat) + eps): take the square root of v_hat, then add "
                "eps outside it (np.sqrt(v_hat + eps) is a different optimizer); if the first-step check fails "
                "too, fix the bias correction first")


@pytest.mark.points(2)
def test_adam_matches_reference_trajectory(student, reference, rng):
    """Adam.step follows the reference path on a quadratic, with default and other hyper-parameters"""
    # the larger learning rate first: there eps inside the square root moves the path by 5e-8, not 1e-10
    check_trajectory(student, reference, rng, "Adam",
                     [{"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8}, {}],
                     hint=ADAM_HINT + "; use learning_rate, beta1, beta2 and eps given to __init__")


@pytest.mark.points(1)
def test_adam_keeps_moments_per_parameter(student, reference, rng):
    """Adam keeps separate moments m and v for each parameter name"""
    check_state_per_parameter(student, reference, rng, "Adam", {"learning_rate": 0.05},
                              hint="each parameter needs its own m and v (self.m[name], self.v[name]); only t is "
                              "shared, and it grows once per call, not once per parameter. " + ADAM_HINT)


# --- convergence on Rosenbrock ----------------------------------------------

def check_rosenbrock(optimizer, label: str, steps: int, reference_distance: float, rng, hint: str) -> None:
    shift = np.round(rng.uniform(-1.0, 1.0, size=2), 2)
    grads, minimum = rosenbrock_grads(shift), 1.0 + shift
    params = {"p": np.array(ROSENBROCK_START) + shift}
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            call_step(optimizer, params, grads(params))
            if not np.all(np.isfinite(moved(params, "p"))):
                break
    p = moved(params, "p")
    distance = float(np.linalg.norm(p - minimum)) if p.shape == (2,) else float("nan")
    got = (f"NaN or inf at step {step}: the optimizer diverged" if not np.isfinite(distance) else
           f"distance {distance:.3g}, at ({p[0]:.4g}, {p[1]:.4g})")
    sx, sy = shift.tolist()
    expect(distance < ROSENBROCK_DISTANCE,
           f"{steps} calls of {label}.step on the Rosenbrock function (1 - u)^2 + 100 (v - u^2)^2, where "
           f"(u, v) = (x, y) - ({sx:g}, {sy:g}), from (-1.5, 2) + ({sx:g}, {sy:g})",
           expected=f"within {ROSENBROCK_DISTANCE} of the minimum (1, 1) + ({sx:g}, {sy:g}) = "
           f"({minimum[0]:g}, {minimum[1]:g}) (the reference ends at {reference_distance:g})",
           got=got, hint=hint)


@pytest.mark.points(1)
def test_momentum_converges_on_rosenbrock(student, rng):
    """Momentum(lr=0.001, momentum=0.9) reaches the Rosenbrock minimum (1, 1) within 2000 steps"""
    check_rosenbrock(student.Momentum(learning_rate=0.001, momentum=0.9), "Momentum(learning_rate=0.001, "
                     "momentum=0.9)", 2000, 2.6e-4, rng, hint="a divergence usually means a flipped sign: "
                     + MOMENTUM_HINT)


@pytest.mark.points(1)
def test_adam_converges_on_rosenbrock(student, rng):
    """Adam(lr=0.02) reaches the Rosenbrock minimum (1, 1) within 3000 steps"""
    check_rosenbrock(student.Adam(learning_rate=0.02), "Adam(learning_rate=0.02)", 3000, 1.3e-5, rng,
                     hint="the trajectory checks above show the first step that goes wrong. " + ADAM_HINT)


# --- learning-rate schedules ------------------------------------------------

EPOCHS = (0, 1, 4, 5, 9, 10, 11, 19, 20, 35, 49)


def check_decay(student, reference, rng, function: str, settings: list, formula: str, hint: str) -> None:
    for kwargs in settings:
        initial = float(np.round(rng.uniform(0.01, 1.0), 3))
        expected = np.array([float(getattr(reference, function)(initial, epoch, **kwargs)) for epoch in EPOCHS])
        values = [getattr(student, function)(initial, epoch, **kwargs) for epoch in EPOCHS]
        numbers = all(np.ndim(value) == 0 and np.asarray(value).dtype.kind in "iuf" for value in values)
        expect(numbers, f"{function}({initial:g}, {EPOCHS[0]}{', ' if kwargs else ''}"
               f"{', '.join(f'{k}={v}' for k, v in kwargs.items())})", expected="a single number (a float)",
               got=f"{type(values[0]).__name__} {values[0]!r}"[:120],
               hint="return the learning rate for that one epoch, computed from initial_lr and epoch")
        got = np.array([float(value) for value in values])
        arguments = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        expect_array(got, expected, f"{function}({initial:g}, epoch{', ' + arguments if arguments else ''}) for epochs "
                     f"{list(EPOCHS)}, which should be {formula}", tol=DECAY_TOL, hint=hint)


@pytest.mark.points(1)
def test_step_decay_matches_reference(student, reference, rng):
    """step_decay halves (multiplies by drop) the rate once every `every` epochs"""
    check_decay(student, reference, rng, "step_decay", [{}, {"drop": 0.1, "every": 5}],
                "initial_lr * drop ** (epoch // every)",
                hint="count completed blocks with integer division, epoch // every: the rate stays constant for "
                "`every` epochs and then drops (epoch / every would lower it a little every epoch)")


@pytest.mark.points(1)
def test_exponential_decay_matches_reference(student, reference, rng):
    """exponential_decay gives initial_lr * exp(-rate * epoch)"""
    check_decay(student, reference, rng, "exponential_decay", [{}, {"rate": 0.2}], "initial_lr * exp(-rate * epoch)",
                hint="the exponent is negative (the rate shrinks) and uses the rate passed in: "
                "initial_lr * np.exp(-rate * epoch)")


@pytest.mark.points(1)
def test_inverse_time_decay_matches_reference(student, reference, rng):
    """inverse_time_decay gives initial_lr / (1 + rate * epoch)"""
    check_decay(student, reference, rng, "inverse_time_decay", [{}, {"rate": 0.5}], "initial_lr / (1 + rate * epoch)",
                hint="divide by the whole denominator: initial_lr / (1 + rate * epoch), with brackets")
