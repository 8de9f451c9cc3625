"""Tests for autograder/cli.py: the verbs the Makefile calls, their help and their error messages."""

from __future__ import annotations

import filecmp
import subprocess
import sys

import pytest

from autograder import cli, paths

VERBS = ["assignments", "release", "collect", "grade", "feedback", "report", "demo", "check", "style"]


def nngrader(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=paths.ROOT,
                          capture_output=True, text=True, timeout=60)


def test_help_lists_every_verb(capsys):
    """Does `--help` exit 0 and list every verb: assignments, release, collect, grade, feedback, report, demo, check,
    style?"""
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    listed = out.split("{", 1)[1].split("}", 1)[0].split(",")  # argparse's "{assignments,release,...}"
    assert sorted(listed) == sorted(VERBS), out


def test_unknown_week_is_a_one_line_error_without_traceback():
    """Does `check week99 somewhere` exit 1 with one line on stderr naming the known weeks, and no traceback?"""
    done = nngrader("check", "week99", "somewhere")
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("nngrader: unknown week 'week99': the course has week03"), lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("argv", [["release", "week99"], ["grade", "week42"], ["assignments", "week99"]])
def test_every_verb_rejects_an_unknown_week(argv, capsys):
    """Do the other verbs, `assignments` included, refuse an unknown week with the same message and exit code 1?"""
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"nngrader: unknown week '{argv[1]}': the course has week03"), err


def test_a_verb_is_required(capsys):
    """Does running with no verb exit with argparse's usage error (code 2) rather than doing something?"""
    with pytest.raises(SystemExit) as stopped:
        cli.main([])
    assert stopped.value.code == 2
    assert "usage: nngrader" in capsys.readouterr().err


def test_assignments_verb_writes_the_committed_files(tmp_path, monkeypatch, capsys):
    """Does `assignments week03` write exactly the committed assignments/week03 (here into a redirected copy)?"""
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    monkeypatch.setattr(paths, "ASSIGNMENTS", tmp_path / "assignments")
    assert cli.main(["assignments", "week03"]) == 0
    assert capsys.readouterr().out == "wrote assignments/week03\n"
    fresh, committed = tmp_path / "assignments" / "week03", paths.SOLUTIONS.parent / "assignments" / "week03"
    names = sorted(p.name for p in fresh.iterdir())
    assert names == sorted(p.name for p in committed.iterdir() if p.name not in {"__pycache__", ".pytest_cache"})
    _, mismatch, errors = filecmp.cmpfiles(fresh, committed, names, shallow=False)
    assert mismatch == errors == [], "run `make assignments` and commit the result"


def test_assignments_without_weeks_builds_every_week(tmp_path, monkeypatch, capsys):
    """Does `assignments` with no week build every week of solutions/ (the Makefile's `make assignments`)?"""
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    monkeypatch.setattr(paths, "ASSIGNMENTS", tmp_path / "assignments")
    assert cli.main(["assignments"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"wrote assignments/{week}" for week in paths.weeks()]
    assert sorted(p.name for p in (tmp_path / "assignments").iterdir()) == paths.weeks()


def test_check_on_a_missing_folder_is_a_one_line_error(tmp_path, capsys):
    """Does `check week03 <missing folder>` exit 1 with a one-line error naming the folder, not a traceback?"""
    missing = tmp_path / "no-such-submission"
    assert cli.main(["check", "week03", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nngrader: ") and str(missing) in err and len(err.splitlines()) == 1, err


def test_report_before_any_grading_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    """Does `report week03` in a course released but never graded exit 1 saying to grade first, not a traceback?"""
    monkeypatch.setenv("NNGRADER_COURSE_DIR", str(tmp_path))
    (tmp_path / "gradebook.db").touch()
    (tmp_path / "release" / "week03").mkdir(parents=True)
    assert cli.main(["report", "week03"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nngrader: ") and "grades.csv does not exist" in err and "make grade" in err, err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("verb", ["collect", "grade", "feedback", "report"])
def test_instructor_verbs_before_release_say_to_run_make_release(verb, tmp_path, monkeypatch):
    """Before `make release`, does each instructor verb exit 1 with one line saying to run make release, no
    traceback, and create nothing (no gradebook, grades.csv or reports in an empty course)?"""
    course = tmp_path / "course"
    monkeypatch.setenv("NNGRADER_COURSE_DIR", str(course))
    done = nngrader(verb, "week03")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.splitlines() == [f"nngrader: there is no course in {course} yet: run make release first"]
    assert "Traceback" not in done.stderr and not course.exists()


def test_a_week_not_released_yet_is_named(tmp_path, monkeypatch):
    """In a course where the week was never released, does grading name the make command for that week?"""
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").touch()
    monkeypatch.setenv("NNGRADER_COURSE_DIR", str(course))
    done = nngrader("grade", "week03")
    assert done.returncode == 1 and "run make release WEEK=week03 first" in done.stderr, done.stderr
    assert sorted(p.name for p in course.iterdir()) == ["gradebook.db"]


def test_a_mistyped_make_target_points_to_make_help():
    """Does `make gradee` exit 2 saying there is no such target and pointing to `make help`, while plain
    `make` prints the help?"""
    done = subprocess.run(["make", "-s", "gradee"], cwd=paths.ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no target 'gradee'; see make help" in done.stderr, done.stderr
    shown = subprocess.run(["make", "-s", "-n"], cwd=paths.ROOT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "make grade" in shown.stdout and "make demo" in shown.stdout, shown.stdout


def test_style_notes_each_module_of_a_folder_for_the_ta(tmp_path):
    """Does `style week03 DIR` print the style notes of each of the week's modules in the folder (its ruff finding
    and the function without a docstring), say which modules are not there, and exit 0, without running the code?"""
    (tmp_path / "simple_nn.py").write_text('"""Doc."""\nimport os\nopen("ran", "w")\n\n\ndef relu(z):\n'
                                           "    return z\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "style", "week03", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "style notes on simple_nn.py (for the TA to read; they give no points)" in done.stdout
    assert "(missing: relu)" in done.stdout and "line 2: F401" in done.stdout
    assert "perceptron.py: not in " in done.stdout
    assert not (tmp_path / "ran").exists()
    missing = nngrader("style", "week03", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and missing.stderr.strip().endswith("nowhere is not a folder")
