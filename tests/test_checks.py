"""Tests for ``autograder.checks``: what a value that came back must be before any tolerance can judge it."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import GradeFailure, expect_array, real_array, rel_error, within
from autograder.faults import KitFault, is_kit_fault

EXPECTED = np.array([[1.0, -2.0], [0.5, 3.0]])


def test_a_nan_error_is_never_within_a_tolerance():
    """Is NaN (what rel_error gives for a NaN anywhere) never within a tolerance, where `error > tol` says it is?"""
    error = rel_error(np.zeros(2), np.array([np.nan, 1.0]))
    assert np.isnan(error) and not (error > 1e-6)  # the comparison graders used to write
    assert not within(error, 1e-6) and not within(float("inf"), 1e-6)
    assert within(0.0, 0.0) and within(1e-7, 1e-6)


def test_an_expected_value_that_is_not_finite_is_the_graders_fault_never_a_pass():
    """Does expect_array refuse an expected value with NaN or inf (the trace of inputs poisoned before it was
    computed) as the kit's fault, not graded, instead of letting any answer pass against it?"""
    for bad in (np.nan, np.inf):
        expected = EXPECTED.copy()
        expected[0, 1] = bad
        with pytest.raises(KitFault) as raised:
            expect_array(np.zeros((2, 2)), expected, "dW", tol=1e-6, hint="h")
        assert is_kit_fault(raised.value) and "'dW'" in str(raised.value)


@pytest.mark.parametrize("got, says", [
    (EXPECTED + 0.5j, "integers or floats"),                               # the right real part, then anything
    (np.ma.masked_array(EXPECTED, mask=[[1, 1], [1, 1]]), "integers or floats"),  # a subclass that hides values
    (EXPECTED.astype("m8[s]"), "integers or floats"),
    (np.where(EXPECTED > 0, np.nan, EXPECTED), "finite values"),
], ids=["complex", "masked", "timedelta", "nan"])
def test_only_a_plain_array_of_finite_real_numbers_can_pass(got, says):
    """Does a value with the right numbers in a form that is not a plain real array (complex, a masked array or
    another subclass, timedeltas), or with NaN, fail saying why?"""
    with pytest.raises(GradeFailure) as failed:
        expect_array(got, EXPECTED, "forward(X)", tol=1e-7, hint="h")
    assert says in str(failed.value)


def test_a_value_is_judged_as_a_float64_copy():
    """Is what came back converted into a fresh float64 array (integers accepted), so that nothing that still
    holds the original can change what is compared?"""
    ints = np.array([[1, -2], [0, 3]])
    copy = real_array(ints)
    assert copy.dtype == np.float64 and copy is not ints and not np.shares_memory(copy, ints)
    expect_array(ints, ints.astype(float), "step(z)", tol=0.0, hint="h")
    assert real_array([1.0, 2.0]) is None and real_array(np.array([True])) is None
