"""nbgrader's Validate as a student meets it: the real ``nbgrader validate`` and JupyterLab's Validate button.

The student's side is set up as ``make release`` tells students to: its
``students/nbgrader_config.py`` copied to ``~/.jupyter/``, the assignment
fetched with ``nbgrader fetch_assignment``. Validate must fail on an unfinished
TODO naming it, fail on a bug the visible tests catch with their message, and
pass a finished module, the training notebook included (nbgrader's own 30 s
cell timeout used to interrupt it). The button is pressed in headless
Chromium (Playwright driving Debian's chromium); the dialogs' screenshots go
to NNGRADER_SCREENSHOTS.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import chromium, screenshot_path
from mutants import edit
from traitlets.config import PyFileConfigLoader

from autograder import paths
from autograder.course import workflow
from autograder.course.nbgrader_commands import nbgrader_environment, write_config

pytestmark = pytest.mark.slow

WEEK = "week03"
BIN = Path(sys.executable).parent
STUB_TODO = "not done yet: step - complete its TODO in perceptron.py, line 38"
BUG_HINT = "Hint: 1 where z >= 0 (not z > 0)."  # the visible test's own words for the planted bug
SUCCESS = "Success! Your notebook passes all the tests."


@pytest.fixture(scope="module")
def student(course_env, tmp_path_factory, mnist_dir):
    """A student's home: the course's student config in ~/.jupyter, and three copies of the fetched assignment:
    ``stub`` as fetched, ``buggy`` (perceptron.py with a planted bug), ``done`` (perceptron and simple_nn
    finished)."""
    workflow.release(WEEK)
    home = tmp_path_factory.mktemp("student-home")
    (home / ".jupyter").mkdir()
    shutil.copy(paths.course().student_config, home / ".jupyter" / "nbgrader_config.py")
    env = student_env(home, mnist_dir)
    subprocess.run([BIN / "nbgrader", "fetch_assignment", WEEK], cwd=home, env=env, check=True, capture_output=True)
    for name in ("stub", "buggy", "done"):
        shutil.copytree(home / WEEK, home / name)
    reference = (paths.SOLUTIONS / WEEK / "perceptron.py").read_text(encoding="utf-8")
    (home / "buggy" / "perceptron.py").write_text(edit(reference, "np.asarray(z) >= 0", "np.asarray(z) > 0"))
    for module in ("perceptron.py", "simple_nn.py"):
        shutil.copy(paths.SOLUTIONS / WEEK / module, home / "done" / module)
    return home, env


def student_env(home: Path, mnist_dir: Path) -> dict[str, str]:
    return nbgrader_environment({"HOME": str(home), "NNGRADER_DATA_DIR": str(mnist_dir)})


def validate(student, notebook: str) -> str:
    home, env = student
    run = subprocess.run([BIN / "nbgrader", "validate", notebook], cwd=home, env=env, capture_output=True,
                         text=True, timeout=900)
    return run.stdout + run.stderr


def test_validate_fails_on_an_unfinished_todo_and_names_it(student):
    out = validate(student, "stub/perceptron.ipynb")
    assert "VALIDATE FOUND 1 PROBLEM(S)" in out and SUCCESS not in out, out
    assert STUB_TODO in out and "perceptron.py: 0 of 4 visible tests pass" in out, out


def test_validate_fails_on_a_bug_the_visible_tests_catch_with_their_message(student):
    out = validate(student, "buggy/perceptron.ipynb")
    assert "VALIDATE FOUND 1 PROBLEM(S)" in out and SUCCESS not in out, out
    assert "FAILED step gives integer 0/1 values, and a score of exactly 0 gives 1" in out and BUG_HINT in out, out
    assert "not done yet" not in out, out


def test_validate_passes_a_finished_module_training_cell_included(student):
    out = validate(student, "done/simple_nn.ipynb")
    assert SUCCESS in out and "CellTimeoutError" not in out and "FAILED" not in out, out


def test_validate_gives_a_cell_the_time_autograde_gives_it(course_env):
    """nbgrader's 30 s default interrupts the training cell; the student's config gives a cell what autograde
    does (and more than the 300 s the graders allow training)."""
    write_config()  # what release writes first; generating the assignment again is not needed here
    config = PyFileConfigLoader("nbgrader_config.py", str(paths.course().student_config.parent)).load_config()
    course = PyFileConfigLoader("nbgrader_config.py", str(paths.course().root)).load_config()
    assert config.Execute.timeout == course.SandboxedExecute.timeout >= 300
    assert config.Exchange.root == str(paths.course().root / "exchange")
    assert "{num_failed}" in config.Validator.failed_warning


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(student):
    """JupyterLab as the student starts it, in their home; its URL and token."""
    home, env = student
    port, token = free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [BIN / "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={home}", "--ServerApp.open_browser=False"],
        cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=open(home / "lab.log", "wb"))
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not start: {(home / 'lab.log').read_text()[-2000:]}")
        yield url, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def press_validate(lab, notebook: str, shot: str, tmp_path: Path) -> str:
    """Open ``notebook`` in JupyterLab, press the notebook's Validate button, screenshot the dialog; its text."""
    from playwright.sync_api import sync_playwright

    url, token = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{url}/lab/tree/{notebook}?token={token}")
            button = page.locator(".jp-NotebookPanel-toolbar").get_by_role("button", name="Validate")
            button.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)  # the kernel's start-up dialog, if any, has come and gone
            button.click()
            dialog = page.locator(".jp-Dialog", has_text="Validation Results")
            dialog.wait_for(timeout=900_000)
            page.screenshot(path=screenshot_path(shot, tmp_path))
            return dialog.inner_text()
        finally:
            browser.close()


def test_lab_validate_button_names_the_unfinished_todo(lab, tmp_path):
    text = press_validate(lab, "stub/perceptron.ipynb", "validate-stub.png", tmp_path)
    assert STUB_TODO in text and "The following cell failed" in text and SUCCESS not in text, text


def test_lab_validate_button_passes_the_finished_training_notebook(lab, tmp_path):
    text = press_validate(lab, "done/simple_nn.ipynb", "validate-done.png", tmp_path)
    assert SUCCESS in text and "failed" not in text, text
