"""The mini-challenge's visible tests, which students run with `pytest` in their folder before they submit."""

import shutil
import subprocess
import sys
from pathlib import Path

from autograder import paths

WEEK = "week03"


def run_visible(folder: Path, module: Path) -> subprocess.CompletedProcess:
    """Run the week's visible tests in a copy of ``folder`` whose simple_nn.py is ``module``."""
    shutil.copytree(paths.ASSIGNMENTS / WEEK, folder)
    shutil.copy(module, folder / "simple_nn.py")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_simple_nn.py"],
                          cwd=folder, capture_output=True, text=True)


def test_reference_passes_the_visible_tests(tmp_path):
    """Do the visible tests pass on the reference solution?"""
    done = run_visible(tmp_path / "ref", paths.SOLUTIONS / WEEK / "simple_nn.py")
    assert done.returncode == 0, done.stdout
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_stub_fails_every_visible_test_naming_the_function(tmp_path):
    """Does the untouched stub fail each visible test with 'not implemented yet' naming a function?"""
    done = run_visible(tmp_path / "stub", paths.ASSIGNMENTS / WEEK / "simple_nn.py")
    assert done.returncode == 1
    assert " passed" not in done.stdout
    assert "not done yet: SimpleNN.__init__ - complete its TODO in simple_nn.py" in done.stdout


def test_unaveraged_gradient_fails_the_visible_gradient_check(tmp_path):
    """Does the visible gradient check catch the planted bug of the sample (no division by N), with a hint?"""
    done = run_visible(tmp_path / "bug", paths.EXAMPLES / "buggy_student" / "simple_nn.py")
    assert "1 failed" in done.stdout, done.stdout
    assert "test_gradients_match_numerical_estimate" in done.stdout
    assert "divide by the batch size N" in done.stdout
