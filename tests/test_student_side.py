"""What a student sees when they run `pytest` in their folder: the plugin shipped as its conftest.py.

The plugin's one source is autograder/handout/student_conftest.py; the build copies it
into the student folder. Each test builds that folder into a tmp dir and runs
pytest there in a subprocess, as a student would.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.authoring.build import build_assignment

WEEK = "week03"
MODULES = ("activations", "backprop", "bonus", "forward_prop", "optimizers", "perceptron", "simple_nn")
HIDDEN = ("These are the visible tests. More (hidden) checks run when your work is graded: "
          "passing these does not guarantee full marks.")
#: What pytest's own tracebacks look like; none of it may reach a student by default.
INTERNALS = ("_pytest", "site-packages", "Traceback", "pluggy/", "conftest.py")
SOFTMAX_SUM = "p = e / np.sum(e, axis=-1, keepdims=True)"
RELU_DERIVATIVE = "dr = (z > 0).astype(z.dtype)"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The student folder of the week (stubs, visible tests, conftest.py), built once."""
    return build_assignment(WEEK, tmp_path_factory.mktemp("built") / WEEK)


def student_folder(built: Path, tmp_path: Path, references: tuple[str, ...] = ()) -> Path:
    """A copy of the built folder whose ``references`` modules are the reference solutions."""
    folder = shutil.copytree(built, tmp_path / WEEK)
    for module in references:
        shutil.copy(paths.SOLUTIONS / WEEK / f"{module}.py", folder / f"{module}.py")
    return folder


def plant(folder: Path, module: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``folder/module.py`` by ``new``."""
    path = folder / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    assert source.count(old) == 1, f"{old!r} is not in {module}.py exactly once"
    path.write_text(source.replace(old, new), encoding="utf-8")


def run(folder: Path, *args: str,
        command: tuple[str, ...] = (sys.executable, "-m", "pytest")) -> subprocess.CompletedProcess:
    """Run pytest in ``folder`` as a student would (no pytest options of the kit's own run leak in)."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_ADDOPTS", "PYTEST_PLUGINS"}}
    return subprocess.run([*command, *args], cwd=folder, capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def line_of(path: Path, text: str, after: str = "") -> int:
    """The number of the first line of ``path`` holding ``text``, after the first line holding ``after``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines[start:], start) if text in line) + 1


def assert_no_internals(output: str) -> None:
    found = [line for line in output.splitlines() if any(word in line for word in INTERNALS)]
    assert not found, f"pytest internals in the student's output: {found}"


# ---------------------------------------------------------------- the fresh stubs


def test_stubs_list_each_unfinished_function_with_its_todo_line(built, tmp_path):
    """On the stubs: a header, 'not done yet' per function with its file and TODO line, no traceback, exit 1?"""
    folder = student_folder(built, tmp_path)
    done = run(folder)
    out = done.stdout
    assert done.returncode == 1, out
    header = out.index("Visible tests: test_activations.py, test_backprop.py")
    assert out.index(HIDDEN) < out.index("test_activations.py F") and header < out.index(HIDDEN)
    sigmoid_todo = line_of(folder / "activations.py", "# TODO", after="def sigmoid(")
    init_todo = line_of(folder / "simple_nn.py", "# TODO", after="def __init__(")
    assert f"not done yet: sigmoid - complete its TODO in activations.py, line {sigmoid_todo}" in out
    assert f"not done yet: SimpleNN.__init__ - complete its TODO in simple_nn.py, line {init_todo}" in out
    assert "not done yet: Adam.step - complete its TODO in optimizers.py, line " in out
    for module in MODULES:
        assert re.search(rf"^{module}\.py: 0 of \d+ visible tests pass$", out, re.MULTILINE), module
    assert "NotImplementedError" not in out and "FAILED test_" not in out  # no pytest failure listing
    assert_no_internals(out)
    assert "pytest --tb=long" in out


@pytest.mark.parametrize("args, command", [
    ((), ("pytest",)),
    (("test_simple_nn.py",), ("pytest",)),
    (("-q", "-p", "no:cacheprovider"), (sys.executable, "-m", "pytest")),
], ids=["pytest", "pytest test_simple_nn.py", "python -m pytest -q -p no:cacheprovider"])
def test_every_way_of_running_pytest_gets_the_header_and_summary(built, tmp_path, args, command):
    """Do `pytest`, `pytest test_simple_nn.py` and `python -m pytest -q -p no:cacheprovider` all show both?"""
    if command == ("pytest",):
        script = Path(sys.executable).with_name("pytest")
        assert script.is_file(), f"no pytest script next to {sys.executable}"
        command = (str(script),)
    done = run(student_folder(built, tmp_path), *args, command=command)
    assert done.returncode == 1, done.stdout + done.stderr
    assert HIDDEN in done.stdout and "Visible tests: " in done.stdout
    assert re.search(r"^simple_nn\.py: 0 of \d+ visible tests pass$", done.stdout, re.MULTILINE), done.stdout
    if args == ("test_simple_nn.py",):
        assert "Visible tests: test_simple_nn.py (" in done.stdout and "activations.py:" not in done.stdout
    assert_no_internals(done.stdout)


# ---------------------------------------------------------------- the reference


def test_reference_modules_pass_every_visible_test(built, tmp_path):
    """With the reference modules in place, does every visible test pass, and does the summary say so?"""
    done = run(student_folder(built, tmp_path, references=MODULES))
    assert done.returncode == 0, done.stdout
    for module in MODULES:
        assert re.search(rf"^{module}\.py: all \d+ visible tests pass$", done.stdout, re.MULTILINE), module
    assert "what to fix" not in done.stdout and "not done yet" not in done.stdout
    assert "The hidden checks run after you submit" in done.stdout


# ---------------------------------------------------------------- planted bugs


@pytest.fixture()
def buggy(built, tmp_path) -> Path:
    """The reference activations.py and perceptron.py with two bugs in activations.py and a debugging print."""
    folder = student_folder(built, tmp_path, references=("activations", "perceptron"))
    plant(folder, "activations", SOFTMAX_SUM, "p = e / np.sum(e, axis=-1)")  # (N, C) / (N,): no keepdims
    plant(folder, "activations", RELU_DERIVATIVE, "dr = (z >= 0).astype(z.dtype)\n    print('my dr:', dr)")
    return folder


def test_failure_shows_what_the_test_checks_its_message_and_the_students_line(buggy):
    """Does a failure show the test's docstring line, the expected/got/hint message and the student's own line?"""
    done = run(buggy, "test_activations.py", "test_perceptron.py")
    out = done.stdout
    assert done.returncode == 1, out
    bug_line = line_of(buggy / "activations.py", "p = e / np.sum(e, axis=-1)")
    assert "FAILED softmax of a vector (C,) or of a batch (N, C): same shape, each row sums to 1. [batch]" in out
    assert "ValueError: operands could not be broadcast together with shapes (3,4) (3,)" in out
    assert f"your code: activations.py, line {bug_line}, in softmax:  p = e / np.sum(e, axis=-1)" in out
    assert "test: test_activations.py::test_softmax_rows_sum_to_one[batch], line " in out
    assert "FAILED Values anyone can check by hand." in out
    assert ("relu_derivative at [-2, 0, 3]: expected [0.0, 0.0, 1.0], got [0. 1. 1.]. "
            "Hint: 1 where z > 0 (not z >= 0), else 0.") in out
    assert "my dr: [0. 1. 1.]" in out  # what the student's code printed
    assert "assert False" not in out and "+  where" not in out  # pytest's re-evaluation of the assert
    assert re.search(r"^activations\.py: \d+ of 15 visible tests pass$", out, re.MULTILINE), out
    assert re.search(r"^perceptron\.py: all \d+ visible tests pass$", out, re.MULTILINE), out
    assert_no_internals(out)


def test_a_module_that_cannot_be_imported_does_not_stop_the_others(buggy):
    """Does a syntax error in one module name its line, while the other modules' tests still run?"""
    plant(buggy, "perceptron", "def step(z):", "def step(z)")
    done = run(buggy, "test_activations.py", "test_perceptron.py")
    out = done.stdout
    assert "FAILED test_perceptron.py could not start" in out and "SyntaxError" in out
    assert f"your code: perceptron.py, line {line_of(buggy / 'perceptron.py', 'def step(z)')}:  def step(z)" in out
    assert "perceptron.py: its visible tests could not start" in out
    assert re.search(r"^activations\.py: \d+ of 15 visible tests pass$", out, re.MULTILINE), out
    assert_no_internals(out)


def test_tb_long_gives_pytests_usual_output(buggy):
    """With --tb=long, does the student (or a TA) get pytest's own full tracebacks and failure list instead?"""
    done = run(buggy, "--tb=long", "test_activations.py")
    out = done.stdout
    assert done.returncode == 1, out
    bug_line = line_of(buggy / "activations.py", "p = e / np.sum(e, axis=-1)")
    assert "= FAILURES =" in out and "def test_softmax_rows_sum_to_one(shape):" in out
    assert f"activations.py:{bug_line}: ValueError" in out
    assert "FAILED test_activations.py::test_softmax_rows_sum_to_one[batch]" in out
    assert "what to fix" not in out
    assert HIDDEN in out and re.search(r"^activations\.py: \d+ of 15 visible tests pass$", out, re.MULTILINE)


def test_two_runs_in_one_process_stay_apart(buggy):
    """Run twice by pytest.main in one process (as in a Jupyter kernel), does each run report only its own tests?"""
    script = ("import pytest\n"
              "pytest.main(['-q', '-p', 'no:cacheprovider', 'test_activations.py'])\n"
              "pytest.main(['-q', '-p', 'no:cacheprovider', 'test_perceptron.py'])\n")
    done = run(buggy, "-c", script, command=(sys.executable,))
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split("Visible tests: ")[1:]
    assert "activations.py: " in first and "perceptron.py: " not in first
    assert "perceptron.py: all " in second and "activations.py" not in second


# ---------------------------------------------------------------- the plugin itself


def test_plugin_imports_only_pytest_and_the_standard_library():
    """Does the students' conftest.py import nothing but pytest and the standard library (and never the kit)?"""
    source = paths.STUDENT_CONFTEST.read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"pytest"}
    assert "autograder" not in source
