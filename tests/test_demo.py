"""Tests for autograder/course/demo.py: `make demo` runs in its own throw-away course and never touches a real one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.course import demo


def nngrader(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=paths.ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and modification time."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def real_course(tmp_path) -> Path:
    """A stand-in for a live course: a gradebook, grades and an exchange inbox with a submission in it."""
    course = tmp_path / "course"
    for name, text in [("gradebook.db", "graded class"), ("grades.csv", "student_id,score\nalice,99\n"),
                       ("exchange/nngrader/inbound/alice+week03+2026/perceptron.py", "alice's work")]:
        (course / name).parent.mkdir(parents=True, exist_ok=True)
        (course / name).write_text(text)
    return course


def test_demo_runs_in_its_own_course_and_leaves_the_real_one_untouched(tmp_path, real_course):
    """With a graded class in the real course, does `nngrader demo` release and grade in its own folder (marked
    as the demo's, with its own exchange) and leave every byte and timestamp of the real course as it was?"""
    before = snapshot(real_course)
    samples = tmp_path / "no-samples"  # the release, grading and reports without the samples' 4 minutes
    samples.mkdir()
    folder = tmp_path / "demo"
    done = nngrader("demo", "week03", "--samples", str(samples),
                    env={"NNGRADER_COURSE_DIR": str(real_course), "NNGRADER_DEMO_DIR": str(folder)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert snapshot(real_course) == before
    assert (folder / demo.MARKER).is_file()
    assert (folder / "course" / "release" / "week03" / "perceptron.ipynb").is_file()
    assert (folder / "exchange" / "nngrader" / "outbound" / "week03").is_dir()
    assert str(folder / "course") in done.stdout and str(real_course) not in done.stdout
    # a second demo starts from a fresh course: what the last one left is emptied, the marker kept
    (folder / "course" / "leftover.txt").write_text("from the last demo")
    again = nngrader("demo", "week03", "--samples", str(samples),
                     env={"NNGRADER_COURSE_DIR": str(real_course), "NNGRADER_DEMO_DIR": str(folder)})
    assert again.returncode == 0, again.stderr[-2000:]
    assert not (folder / "course" / "leftover.txt").exists() and (folder / demo.MARKER).is_file()
    assert snapshot(real_course) == before


@pytest.mark.parametrize("where", ["the course", "inside the course", "around the course", "unmarked", "exchange"])
def test_demo_refuses_a_folder_that_is_not_its_own(where, tmp_path, real_course):
    """Does the demo refuse, saying why and emptying nothing, when its folder is the real course, sits inside or
    around it, is the exchange, or is a non-empty folder it did not make?"""
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    (exchange / "bob.ipynb").write_text("bob's work")
    unmarked = tmp_path / "notes"
    unmarked.mkdir()
    (unmarked / "keep.txt").write_text("mine")
    folder = {"the course": real_course, "inside the course": real_course / "demo", "around the course": tmp_path,
              "unmarked": unmarked, "exchange": exchange}[where]
    before = {p: snapshot(p) for p in (real_course, exchange, unmarked)}
    done = nngrader("demo", "week03", env={"NNGRADER_COURSE_DIR": str(real_course), "NNGRADER_EXCHANGE": str(exchange),
                                           "NNGRADER_DEMO_DIR": str(folder)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("nngrader: ") and "NNGRADER_DEMO_DIR" in done.stderr and "Traceback" not in done.stderr
    assert {p: snapshot(p) for p in before} == before
