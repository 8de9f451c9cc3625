"""Week 3's backprop: one mistake whose cost tests/test_graders.py cannot state as data.

dX = dZ @ W (W not transposed) gives wrong values where the shapes happen to
agree and a ValueError elsewhere; each failure must say which, with the
student's own line. Every grading run is real (``run_checks``).
"""

from __future__ import annotations

from mutants import Mutation, assert_no_grader_source, grade_mutant
from planted.week03.backprop import DENSE_DB, DENSE_DW, DENSE_DX, DENSE_SHAPES, MODULE, WEEK

# ---------------------------------------------------------------- planted bugs


def test_dX_without_W_transposed_names_the_wrong_values_and_the_crashing_line(tmp_path):
    """Does dX = dZ @ W (W not transposed) fail every dense check: with wrong values where D == H, and elsewhere
    with the student's own ValueError and line, since the product cannot even be formed?"""
    mutation = Mutation("dX-without-W-transposed", MODULE, (("dX = dZ @ W.T", "dX = dZ @ W"),), {})
    results = grade_mutant(tmp_path / mutation.id, WEEK, mutation)
    failed = {check_id for check_id, result in results.items() if not result.passed}
    assert failed == {DENSE_SHAPES, DENSE_DX, DENSE_DW, DENSE_DB}
    assert "N, D, H = 5, 4, 4" in results[DENSE_DX].message and "W transposed" in results[DENSE_DX].message
    for check_id in (DENSE_SHAPES, DENSE_DW, DENSE_DB):
        message = results[check_id].message
        assert message.startswith("your code raised ValueError: matmul"), message
        assert "in dense_backward: dX = dZ @ W\n" in message, message
    assert_no_grader_source(results.values())
