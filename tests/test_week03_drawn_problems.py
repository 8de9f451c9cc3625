"""Do the graders' tolerances hold on every drawn problem, and does every planted bug fail its checks on every one?

The checks that compare values draw their problems per student and course
(fixture ``rng``). A tolerance measured on one problem holds for drawn ones only
if every draw keeps what it relies on (``autograder/week03/problems.py``), and a
planted bug is caught on every draw only if every draw shows it. Here each such
check is called in-process, as the plain function it is, with the modules
themselves as ``student`` and ``reference`` and a Generator per draw as ``rng``
(no sandbox and no RPC: a few milliseconds a call), for many draws: the
reference and the sample correct submission must pass every time, and every
planted bug of the week's meta-tests (tests/planted/week03/) must fail exactly its listed checks every
time. The figures next to the tolerances were measured the same way, over
thousands of draws. Checks that need MNIST, the student id or a figure drawn
where the student's code runs are left to the real grading runs.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

from autograder import paths
from autograder.checks import GradeFailure

WEEK = "week03"
MODULES = ("perceptron", "activations", "forward_prop", "backprop", "optimizers", "simple_nn", "bonus")
#: Draws per check: for the reference and the correct sample, and for each planted bug.
DRAWS, MUTANT_DRAWS = 20, 3
#: Fixtures only a real grading run has: the checks that need them are not called here.
RUN_ONLY = {"mnist", "request", "student_id"}


def load(name: str, source: str, simple_nn: types.ModuleType | None = None) -> types.ModuleType:
    """``source`` as a fresh module called ``name`` (bonus imports ``simple_nn``: the given one)."""
    module = types.ModuleType(f"drawn_{name}_{id(source)}")
    module.__file__ = f"{name}.py"
    saved = sys.modules.get("simple_nn")
    if simple_nn is not None:
        sys.modules["simple_nn"] = simple_nn
    try:
        exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    finally:
        if simple_nn is not None:
            sys.modules.pop("simple_nn") if saved is None else sys.modules.__setitem__("simple_nn", saved)
    return module


def submission(folder: Path, name: str, source: str | None = None) -> types.ModuleType:
    simple_nn = load("simple_nn", (folder / "simple_nn.py").read_text(encoding="utf-8")) if name == "bonus" else None
    return load(name, source if source is not None else (folder / f"{name}.py").read_text(encoding="utf-8"), simple_nn)


def drawn_checks(module: str) -> dict:
    """The module's checks that can run in-process: check id -> (function, its fixtures)."""
    graders = importlib.import_module(f"autograder.week03.test_{module}")
    found = {}
    for name, function in vars(graders).items():
        if name.startswith("test_") and callable(function):
            fixtures = set(inspect.signature(function).parameters)
            if not fixtures & RUN_ONLY and "plot_decision_boundary" not in name:
                found[f"{module}::{name}"] = (function, fixtures)
    return found


def verdict(function, fixtures: set, student, reference, seed: int) -> str:
    """'pass', 'fail' (a GradeFailure) or what else the check raised, for one draw."""
    given = {"student": student, "reference": reference, "rng": np.random.default_rng(seed),
             "with_reference_dense": student}
    own = student.__dict__.get("dense_forward")
    if "with_reference_dense" in fixtures:  # the fixture of test_forward_prop.py, in-process
        student.dense_forward = reference.dense_forward
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            function(**{name: given[name] for name in fixtures})
        return "pass"
    except GradeFailure:
        return "fail"
    except Exception as error:  # noqa: BLE001 - any other outcome is reported as it is
        return f"{type(error).__name__}: {error}"
    finally:
        if "with_reference_dense" in fixtures:
            student.dense_forward = own


def surprises(student, reference, checks: dict, failing: set, draws: int) -> dict:
    """check id -> the draws on which it did not give the expected verdict (fail if in ``failing``, else pass)."""
    found = {}
    for check_id, (function, fixtures) in checks.items():
        wanted = "fail" if check_id in failing else "pass"
        wrong = [(seed, got) for seed in range(draws)
                 if (got := verdict(function, fixtures, student, reference, seed)) != wanted]
        if wrong:
            found[check_id] = wrong[:3]
    return found


@pytest.mark.parametrize("module", MODULES)
def test_the_reference_and_the_correct_sample_pass_every_drawn_problem(module):
    """Over DRAWS draws of every in-process check, do the reference and the sample correct submission (written
    differently) pass every time, never raising anything else?"""
    reference = submission(paths.SOLUTIONS / WEEK, module)
    checks = drawn_checks(module)
    assert len(checks) >= 5
    for student in (reference, submission(paths.EXAMPLES / "correct_student", module)):
        assert surprises(student, reference, checks, set(), DRAWS) == {}


@pytest.mark.parametrize("module", MODULES)
def test_every_planted_bug_fails_exactly_its_checks_on_every_drawn_problem(module):
    """Over MUTANT_DRAWS draws, does each planted bug of the module's meta-tests fail exactly the checks it lists
    (among those that run in-process), on every draw?"""
    reference = submission(paths.SOLUTIONS / WEEK, module)
    source = (paths.SOLUTIONS / WEEK / f"{module}.py").read_text(encoding="utf-8")
    checks = drawn_checks(module)
    planted = importlib.import_module(f"planted.{WEEK}.{module}").MUTATIONS
    assert len(planted) >= 5
    found = {}
    for mutation in planted:
        if mutation.module == module:
            mutant = submission(paths.SOLUTIONS / WEEK, module, mutation.apply(source))
            wrong = surprises(mutant, reference, checks, set(mutation.fails), MUTANT_DRAWS)
            if wrong:
                found[mutation.id] = wrong
    assert found == {}
