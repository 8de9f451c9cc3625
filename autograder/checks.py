"""What hidden graders use to judge a student's values and to explain a failure.

Every failure a student sees says what was expected, what came back, and a hint.
``expect_array`` checks in that order: type, shape, finiteness, then values
within a stated tolerance, and reports the worst relative error. What came
back is judged as a fresh float64 copy (``real_array``), so a value the
student's code still holds, or an array of an odd kind, cannot change under
the comparison. A comparison with a tolerance is written so that NaN fails
(``within``): ``rel_error(got, nan) > tol`` is False, and a check that read
it that way passed. An expected value must be finite: one that is not is the
grader's fault (it must compute expected values from its own copy of the
inputs, before or apart from the student's call), reported as not graded.

A failure also carries *symptoms*: facts about what went wrong, as data
(``{"scaled_by": 6.0, "batch_size": 6}``, ``{"loss_nan": True}``). They are
saved with the check's result, and ``advice.py`` turns them into the likely
mistake behind a student's failures. ``expect_array`` finds some by itself
(non-finite values, a transposed shape, every value off by one factor, a
value equal to a known wrong answer); graders add others where they know more.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import numpy as np

from autograder.faults import KitFault
from autograder.jail import worker
from autograder.jail.rpc import Remote
from autograder.sandbox.student_process import StudentModule, beside


class GradeFailure(AssertionError):
    """A check that failed, with the three parts every student message has."""

    def __init__(self, what: str, expected: str, got: str, hint: str, symptoms: dict | None = None):
        self.what, self.expected, self.got, self.hint = what, expected, got, hint
        self.symptoms = dict(symptoms or {})  # JSON values only: they are saved with the result
        super().__init__(f"{what}\n  expected: {expected}\n  got:      {got}\n  hint:     {hint}")


def expect(condition: bool, what: str, *, expected: str, got: str, hint: str, symptoms: dict | None = None) -> None:
    """Raise a GradeFailure (with ``symptoms``, see the module doc) unless ``condition`` holds."""
    if not condition:
        raise GradeFailure(what, expected, got, hint, symptoms)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """CS231n's relative error: max |a - b| / max(1e-8, |a| + |b|), taken element by element (NaN if any is)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))


def within(error: float, tol: float) -> bool:
    """Whether a measured ``error`` is at most ``tol``; a NaN error never is (``error > tol`` would let it pass)."""
    return bool(error <= tol)


def real_array(value: object) -> np.ndarray | None:
    """``value`` as a fresh float64 array if it is a plain ndarray of integers or floats, else None.

    Not a subclass, not bool, complex, dates or strings: the grader then compares a copy of its own, which
    nothing the student's code holds can change.
    """
    if type(value) is not np.ndarray or value.dtype.kind not in "iuf":
        return None
    return np.array(value, dtype=np.float64, copy=True)


def shape_symptoms(got: tuple, expected: tuple) -> dict:
    """``{"transposed": True}`` when a wrong shape is the expected one reversed (``advice`` names the mistake)."""
    return {"transposed": True} if tuple(got) == tuple(expected)[::-1] != tuple(expected) else {}


def expect_array(got: object, expected: np.ndarray, what: str, *, tol: float, hint: str,
                 mistakes: dict[str, np.ndarray] | None = None, batch_size: int | None = None) -> None:
    """Check that ``got`` is an array of ``expected``'s shape whose values agree within ``tol``.

    ``tol`` bounds ``rel_error``; the message names the worst element.
    ``mistakes`` maps a symptom name to the value a known mistake gives
    (``{"no_hidden_activation": ...}``): a wrong ``got`` equal to one of them
    records that symptom. ``batch_size`` (for gradients) is recorded with a
    failure, so that a value off by exactly that factor can be recognized.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(expected)):
        raise KitFault(f"the grader's expected value for {what!r} is not finite",
                       "report it as a bug of the kit: a grader computes expected values from its own copy of the "
                       "inputs, before or apart from the student's call")
    context = {"batch_size": batch_size} if batch_size else {}
    expect(isinstance(got, np.ndarray), what, expected=f"a numpy array of shape {expected.shape}",
           got=f"{type(got).__name__}", hint="return a numpy array (np.ndarray), not a list or a scalar")
    expect(got.shape == expected.shape, what, expected=f"shape {expected.shape}", got=f"shape {got.shape}",
           hint=f"{hint.rstrip('.')}. Check the order of the matrix products and keepdims=True on sums",
           symptoms={**context, **shape_symptoms(got.shape, expected.shape)})
    values = real_array(got)
    expect(values is not None, what, expected="a numeric array (integers or floats)",
           got=f"dtype {got.dtype}", hint="build the result from numpy arithmetic on the inputs")
    bad = ~np.isfinite(values)
    expect(not bad.any(), what, expected="finite values", got=f"{int(bad.sum())} NaN or inf values",
           hint="look for exp of a large number, log of 0, or a division by 0",
           symptoms={**context, "nonfinite": int(bad.sum())})
    got = values
    error = rel_error(got, expected)
    if not within(error, tol):
        diff = np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected))
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        symptoms = {**context, **_value_symptoms(got, expected, tol, mistakes or {})}
        raise GradeFailure(
            what, expected=f"values within relative error {tol:g}; at index {tuple(map(int, worst))}: "
            f"{expected[worst]:.6g}", got=f"{got[worst]:.6g} (worst relative error {error:.3g})", hint=hint,
            symptoms=symptoms)


def _value_symptoms(got: np.ndarray, expected: np.ndarray, tol: float, mistakes: dict[str, np.ndarray]) -> dict:
    """What a wrong array has in common with known wrong answers: equal to one, or ``expected`` times a factor."""
    symptoms: dict = {name: True for name, value in mistakes.items()
                      if np.shape(value) == got.shape and within(rel_error(got, value), max(tol, 1e-6))}
    norm = float(np.sum(expected * expected))
    if norm > 0:
        factor = float(np.sum(got * expected) / norm)  # least squares: got ~ factor * expected
        if factor != 0 and within(rel_error(got, factor * expected), max(tol, 1e-6)) and abs(factor - 1) > 1e-3:
            symptoms["scaled_by"] = round(factor, 4)
    return symptoms


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centered-difference gradient of ``f()`` with respect to the array ``x``, changed in place and restored."""
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f()
        x[index] = old - h
        minus = f()
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def type_name(value: Any) -> str:
    """The type of ``value``, also for an object that lives in the student's process (``Figure``)."""
    return value._type if isinstance(value, Remote) else type(value).__name__


def numpy_beside(module: StudentModule | ModuleType):
    """numpy where ``module`` runs: inside the student's process for a student module, else this one's."""
    return beside(module, "numpy") if isinstance(module, StudentModule) else np


def without_init(module: StudentModule | ModuleType, class_name: str) -> Any:
    """An instance of ``module.<class_name>`` whose ``__init__`` never ran (for when the student's fails)."""
    cls = getattr(module, class_name)
    if isinstance(module, StudentModule):
        return beside(module, "autograder.jail.worker").new_instance(cls)
    return cls.__new__(cls)


def call_recording_warnings(module: StudentModule | ModuleType, f: Callable, *args, **kwargs):
    """``f(*args, **kwargs)`` run where ``module`` lives: (result, the RuntimeWarnings it raised there)."""
    runner = beside(module, "autograder.jail.worker") if isinstance(module, StudentModule) else worker
    return runner.call_recording_warnings(f, *args, **kwargs)


def student_line(error: BaseException, filename: str) -> str:
    """``at <filename>, line 12: <code>`` for the student's last line in ``filename`` where ``error`` passed."""
    frames = [f for f in getattr(error, "frames", []) if f[0] == filename]
    return f"at {filename}, line {frames[-1][1]}: {frames[-1][3]}" if frames else ""

