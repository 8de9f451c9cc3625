"""Report lines for bad input, written by `make grade` before nbgrader runs (workflow.inspect_submission, roster)."""

import shutil

from autograder import paths
from autograder.course import workflow

WEEK = "week03"


def correct_copy(tmp_path):
    return shutil.copytree(paths.EXAMPLES / "correct_student", tmp_path / "submission")


def test_a_complete_submission_gets_no_report_line(tmp_path):
    """Does a folder holding every module, all UTF-8, get no line at all?"""
    assert workflow.inspect_submission(WEEK, correct_copy(tmp_path)) == []


def test_an_empty_submission_is_reported(tmp_path):
    """Does an empty folder (or none) get one line saying nothing was submitted and every check scores 0?"""
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "absent"):
        assert workflow.inspect_submission(WEEK, folder) == [
            "empty submission: no files were submitted, so every check scores 0"]


def test_a_renamed_module_is_reported_with_what_was_found(tmp_path):
    """Does a renamed module get a line naming the expected file and the file found instead?"""
    folder = correct_copy(tmp_path)
    (folder / "activations.py").rename(folder / "Activations.py")
    assert workflow.inspect_submission(WEEK, folder) == [
        "missing activations.py (their checks score 0); found instead: Activations.py"]


def test_a_file_that_is_not_utf8_is_reported(tmp_path):
    """Does a latin-1 module get a line naming it, the first bad byte and the fix, and stay untouched?"""
    folder = correct_copy(tmp_path)
    data = "# café\n".encode("latin-1") + (folder / "backprop.py").read_bytes()
    (folder / "backprop.py").write_bytes(data)
    notes = workflow.inspect_submission(WEEK, folder)
    assert notes == ["backprop.py is not UTF-8 text (byte 5): Python cannot import it, so its checks score 0; "
                     "save it as UTF-8"]
    assert (folder / "backprop.py").read_bytes() == data
