"""Week 3's activations: what its visible tests catch, beyond what tests/test_graders.py asks of every module.

The naive sigmoid overflows at z = -1000; the visible tests students run
must say so, with the hint the hidden check gives.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from mutants import edit
from planted.week03.activations import MODULE, REFERENCE, SIGMOID_TWO_LINES, WEEK

from autograder import paths

VISIBLE_TESTS = paths.SOLUTIONS / WEEK / f"test_{MODULE}.py"


def run_visible(folder, source: str) -> subprocess.CompletedProcess:
    """Run the visible tests of activations in ``folder`` against ``source`` as activations.py."""
    folder.mkdir()
    shutil.copy(VISIBLE_TESTS, folder / VISIBLE_TESTS.name)
    (folder / f"{MODULE}.py").write_text(source, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", VISIBLE_TESTS.name],
                          cwd=folder, capture_output=True, text=True)


def test_visible_tests_catch_the_naive_sigmoid(tmp_path):
    """Does the visible overflow test catch a naive sigmoid (exp(1000) at z = -1000), with a hint?"""
    source = edit(REFERENCE.read_text(encoding="utf-8"), SIGMOID_TWO_LINES, "s = 1 / (1 + np.exp(-z))")
    done = run_visible(tmp_path / "naive", source)
    assert "1 failed" in done.stdout and "test_no_warning_at_plus_minus_1000[sigmoid]" in done.stdout, done.stdout
    assert "never exponentiate a large positive number" in done.stdout
