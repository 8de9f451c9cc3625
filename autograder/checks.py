"""What hidden graders use to judge a student's values and to explain a failure.

Every failure a student sees says what was expected, what came back, and a hint.
``expect_array`` checks in that order: type, shape, finiteness, then values
within a stated tolerance, and reports the worst relative error.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import numpy as np

from . import worker
from .rpc import Remote
from .student_process import StudentModule, beside


class GradeFailure(AssertionError):
    """A check that failed, with the three parts every student message has."""

    def __init__(self, what: str, expected: str, got: str, hint: str):
        self.what, self.expected, self.got, self.hint = what, expected, got, hint
        super().__init__(f"{what}\n  expected: {expected}\n  got:      {got}\n  hint:     {hint}")


def expect(condition: bool, what: str, *, expected: str, got: str, hint: str) -> None:
    """Raise a GradeFailure unless ``condition`` holds."""
    if not condition:
        raise GradeFailure(what, expected, got, hint)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """CS231n's relative error: max |a - b| / max(1e-8, |a| + |b|), taken element by element."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))


def expect_array(got: object, expected: np.ndarray, what: str, *, tol: float, hint: str) -> None:
    """Check that ``got`` is an array of ``expected``'s shape whose values agree within ``tol``.

    ``tol`` bounds ``rel_error``; the message names the worst element.
    """
    expect(isinstance(got, np.ndarray), what, expected=f"a numpy array of shape {expected.shape}",
           got=f"{type(got).__name__}", hint="return a numpy array (np.ndarray), not a list or a scalar")
    expect(got.shape == expected.shape, what, expected=f"shape {expected.shape}", got=f"shape {got.shape}",
           hint=f"{hint.rstrip('.')}. Check the order of the matrix products and keepdims=True on sums")
    expect(np.issubdtype(got.dtype, np.number), what, expected="a numeric array", got=f"dtype {got.dtype}",
           hint="build the result from numpy arithmetic on the inputs")
    bad = ~np.isfinite(got)
    expect(not bad.any(), what, expected="finite values", got=f"{int(bad.sum())} NaN or inf values",
           hint="look for exp of a large number, log of 0, or a division by 0")
    error = rel_error(got, expected)
    if error > tol:
        diff = np.abs(got.astype(np.float64) - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected))
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        raise GradeFailure(
            what, expected=f"values within relative error {tol:g}; at index {tuple(map(int, worst))}: "
            f"{expected[worst]:.6g}", got=f"{got[worst]:.6g} (worst relative error {error:.3g})", hint=hint)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of ``f()`` with respect to the array ``x``, changed in place and restored."""
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
        return beside(module, "autograder.worker").new_instance(cls)
    return cls.__new__(cls)


def call_recording_warnings(module: StudentModule | ModuleType, f: Callable, *args, **kwargs):
    """``f(*args, **kwargs)`` run where ``module`` lives: (result, the RuntimeWarnings it raised there)."""
    runner = beside(module, "autograder.worker") if isinstance(module, StudentModule) else worker
    return runner.call_recording_warnings(f, *args, **kwargs)


def student_line(error: BaseException, filename: str) -> str:
    """``at <filename>, line 12: <code>`` for the student's last line in ``filename`` where ``error`` passed."""
    frames = [f for f in getattr(error, "frames", []) if f[0] == filename]
    return f"at {filename}, line {frames[-1][1]}: {frames[-1][3]}" if frames else ""

