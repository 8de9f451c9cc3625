"""Tests for ``autograder.grading.draws``: the course secret the graders draw their problems from, and who can read it."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import stat
import sys
import tarfile
from pathlib import Path

import pytest
from mutants import edit, reference_folder

from autograder import paths
from autograder.course import jobs
from autograder.faults import KitFault
from autograder.grading import draws
from autograder.grading.runner import run_checks


def numbers(secret: bytes, student: str, check: str) -> list[float]:
    return draws.generator(secret, student, check).random(5).tolist()


def test_the_same_student_secret_and_check_give_the_same_numbers_and_any_other_gives_others():
    """Are a check's numbers a function of (course secret, student, check) alone: the same again, in any process
    (no salted hash), and different when any of the three changes?"""
    check = "week03/backprop::test_x"
    first = numbers(b"s3cret", "alice", check)
    assert first == numbers(b"s3cret", "alice", check)
    others = [numbers(b"s3cret", "bob", check), numbers(b"other", "alice", check),
              numbers(b"s3cret", "alice", "week03/backprop::test_y"), numbers(b"s3cret", "", check)]
    assert all(other != first for other in others)
    # pinned, so the same in any process: a change of the derivation would change every student's numbers
    assert numbers(draws.DEFAULT_SECRET, "alice", check)[0] == 0.16989850707220844


def test_the_course_secret_is_made_once_readable_by_its_owner_only(tmp_path):
    """Does ensure_secret write 32 random bytes (hex) with mode 0600, keep them on every later call, and is the
    public default used only where a course has no secret?"""
    course = tmp_path / "course"
    assert draws.course_secret(course) == draws.DEFAULT_SECRET
    path = draws.ensure_secret(course)
    secret = path.read_text(encoding="ascii").strip()
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert draws.ensure_secret(course) == path and path.read_text(encoding="ascii").strip() == secret
    assert draws.course_secret(course) == secret.encode()
    assert draws.ensure_secret(tmp_path / "another").read_text(encoding="ascii").strip() != secret


def test_an_empty_course_secret_is_the_kits_fault(tmp_path):
    """Is an emptied secret file refused as a fault of the kit (never graded with numbers anyone can compute)?"""
    path = draws.secret_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("\n")
    with pytest.raises(KitFault, match="is empty"):
        draws.course_secret(tmp_path)


def test_every_grading_job_carries_the_course_secret(tmp_path, monkeypatch):
    """Does a packed grading job hold the course's secret (made if the course had none), so that a worker on
    another machine draws the instructor's numbers, and nothing else of the course's private state?"""
    course = tmp_path / "course"
    monkeypatch.setenv("NNGRADER_COURSE_DIR", str(course))
    (course / "source" / "week03").mkdir(parents=True)
    (course / "source" / "week03" / "simple_nn.ipynb").write_text("{}")
    (course / "submitted" / "alice" / "week03").mkdir(parents=True)
    (course / "submitted" / "alice" / "week03" / "simple_nn.py").write_text("x = 1\n")
    sqlite3.connect(course / "gradebook.db").close()
    # nbgrader stamps a new gradebook's schema version with the `alembic` command, found on PATH (the kit's own
    # nbgrader commands put this Python's scripts there; `make test` runs the venv's Python without activating it)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    job = jobs.pack("week03", "alice")
    with tarfile.open(fileobj=io.BytesIO(job), mode="r:gz") as archive:
        names = archive.getnames()
        packed = archive.extractfile(".nngrader/secret").read()
    assert packed == draws.secret_file(course).read_bytes() and len(packed.strip()) == 64
    assert not [name for name in names if name.startswith(".nngrader/") and name != ".nngrader/secret"]


def test_student_code_can_read_neither_the_secret_file_nor_an_environment_holding_it(tmp_path, monkeypatch):
    """Graded in the sandbox, with a course secret in place, does a submission that looks for the secret (the
    course's file, and every environment variable) find nothing? Its sigmoid is right only if it found nothing."""
    if shutil.which("bwrap") is None:
        pytest.skip("the sandbox (bubblewrap) is not installed")
    course = tmp_path / "course"
    monkeypatch.setenv("NNGRADER_COURSE_DIR", str(course))
    secret_path = draws.ensure_secret(course)
    secret = secret_path.read_text(encoding="ascii").strip()
    folder = reference_folder(tmp_path / "snooper", "week03")
    source = (folder / "activations.py").read_text(encoding="utf-8")
    snoop = (f"    import os\n    found = any({secret!r} in value for value in os.environ.values())\n"
             f"    try:\n        found = found or {secret!r} in open({str(secret_path)!r}).read()\n"
             "    except OSError:\n        pass\n    if found:\n        return np.zeros(np.shape(z))\n")
    source = edit(source, "def sigmoid(z):\n", "def sigmoid(z):\n" + snoop)
    (folder / "activations.py").write_text(source, encoding="utf-8")
    [result] = run_checks("week03", folder, only=("activations::test_sigmoid_matches_reference",),
                          student_id="alice")
    assert result.passed, result.message
    assert Path(paths.course_dir()) == course.resolve()
