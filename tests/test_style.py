"""The TA's style notes (grading/style.py): what ruff and the docstring and comment counts say of a module,
read as text and never run, with a short note in place of an exception for any file a student can hand in."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.grading import style

CLEAN = '''\
"""Two activations, documented."""

import numpy as np


def relu(x):
    """max(0, x), elementwise."""
    # np.maximum keeps the shape of x
    return np.maximum(0.0, x)


class Net:
    """A network of one layer."""

    def __init__(self, w):
        self.w = w

    def forward(self, x):
        """x @ w, then relu."""
        return relu(x @ self.w)  # one layer only
'''

MESSY = '''\
import os
import numpy as np


def relu(x):
    return np.maximum(0.0, x)


class Net:
    def forward(self, x, cache=[]):
        unused = 1
        return relu(x)
'''


def write(folder: Path, text: str | bytes, name: str = "simple_nn.py") -> Path:
    path = folder / name
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def codes(notes: style.StyleNotes) -> list[tuple[int, str]]:
    return [(finding.line, finding.code) for finding in notes.findings]


def test_a_clean_documented_module_has_no_findings_and_full_coverage(tmp_path):
    """Does a clean module with docstrings get no ruff findings, every function and class counted as documented
    (__init__ aside), and its comments counted against its code lines, docstrings not counted as code?"""
    notes = style.style_notes(write(tmp_path, CLEAN))
    assert (notes.unread, notes.unparsed, notes.ruff_error) == ("", "", "")
    assert notes.finding_count == 0 and notes.findings == ()
    assert notes.module_docstring and notes.documented == ("relu", "Net", "Net.forward") and notes.undocumented == ()
    assert (notes.comment_lines, notes.todo_lines, notes.code_lines) == (2, 0, 8)
    assert notes.summary().splitlines()[1:] == [
        "docstrings: module yes; 3 of 3 functions and classes",
        "comments: 2 comment lines for 8 lines of code",
        "ruff: no findings (rules E, W, F, N, B; lines up to 120)"]


def test_a_messy_module_gets_its_findings_and_its_missing_docstrings(tmp_path):
    """Does a module with an unused import, a mutable default, an unused variable, no docstrings and no comments
    get each finding with its line, the rules counted, and the names that lack a docstring?"""
    notes = style.style_notes(write(tmp_path, MESSY))
    assert set(codes(notes)) == {(1, "F401"), (10, "B006"), (11, "F841")}  # missing docstrings: the line below
    assert notes.undocumented == ("relu", "Net", "Net.forward") and not notes.module_docstring
    assert (notes.comment_lines, notes.code_lines) == (0, 8)
    summary = notes.summary()
    assert "docstrings: module no; 0 of 3 functions and classes (missing: relu, Net, Net.forward)" in summary
    assert "comments: 0 comment lines for 8 lines of code" in summary
    assert "ruff: 3 findings (" in summary and "F401 unused-import x1" in summary
    assert "  line 1: F401 `os` imported but unused" in summary


def test_the_students_own_configuration_and_noqa_hide_nothing(tmp_path, monkeypatch):
    """Do a pyproject.toml, ruff.toml and .ruff.toml in the student's folder (the working folder too) that ignore
    every rule and exclude every file, and ``# noqa`` comments (a file-wide one too), leave the findings as they
    are?"""
    alone = style.style_notes(write(tmp_path, MESSY))
    folder = tmp_path / "student"
    folder.mkdir()
    ignore_all = ('exclude = ["*"]\nforce-exclude = true\n[lint]\nignore = ["ALL"]\ndummy-variable-rgx = ".*"\n'
                  '[lint.per-file-ignores]\n"*" = ["ALL"]\n')
    write(folder, ignore_all, "ruff.toml")
    write(folder, ignore_all, ".ruff.toml")
    write(folder, '[tool.ruff.lint.per-file-ignores]\n"*" = ["ALL"]\n', "pyproject.toml")
    noqa = MESSY.replace("import os\n", "import os  # noqa\n").replace("import numpy as np\n",
                                                                      "import numpy as np  # ruff: noqa\n")
    monkeypatch.chdir(folder)
    configured = style.style_notes(write(folder, noqa))
    assert codes(configured) == codes(alone) and configured.finding_count == 3


def test_the_module_is_read_and_never_run(tmp_path):
    """Does a module whose top level would write a file leave no such file behind (ast, tokenize and ruff read
    it; nothing imports it)?"""
    marker = tmp_path / "ran"
    notes = style.style_notes(write(tmp_path, f'"""Runs."""\nopen({str(marker)!r}, "w").close()\n'))
    assert notes.code_lines == 1 and not marker.exists()


@pytest.mark.parametrize("content, why", [
    ('"""Broken."""\n\ndef relu(x:\n    return x\n', "line 3: "),
    ('"""Null."""\nx = 1\n\0\n', "null bytes"),
    ('"""Deep."""\nf = ' + "lambda: " * 3000 + "1\n", ""),
], ids=["syntax error", "null byte", "nested too deeply"])
def test_a_module_that_does_not_parse_gets_a_note_and_no_exception(tmp_path, content, why):
    """Does a module with a syntax error, a null byte or nesting too deep for Python's parser give a note that
    its docstrings and comments are not counted (with the line when there is one), ruff's findings still listed?"""
    notes = style.style_notes(write(tmp_path, content))
    assert notes.unparsed.startswith("the file does not parse (") and why in notes.unparsed
    assert notes.ruff_error == "" and notes.finding_count >= 1 and notes.documented == ()
    assert f"docstrings and comments: not counted, {notes.unparsed}" in notes.summary().splitlines()


@pytest.mark.parametrize("content, why", [
    (b'"""caf\xe9 in Latin-1."""\n', "not UTF-8 text"),
    (b"x = 1\n" * (style.MAX_BYTES // 6 + 1), f"over {style.MAX_BYTES} bytes"),
], ids=["latin-1", "over the size cap"])
def test_a_file_that_is_not_utf8_or_too_big_is_not_read(tmp_path, content, why):
    """Is a file that is not UTF-8, or over MAX_BYTES, left unread with a one-line reason, and ruff not run?"""
    notes = style.style_notes(write(tmp_path, content))
    assert why in notes.unread and notes.findings == () and notes.documented == ()
    assert notes.summary().splitlines() == [notes.summary().splitlines()[0], f"not read: {notes.unread}"]


def test_a_link_or_a_missing_file_is_not_read(tmp_path):
    """Is a module that is a symbolic link (to a file the student may not read) not followed, and a missing one
    reported, both without an exception?"""
    (tmp_path / "simple_nn.py").symlink_to(write(tmp_path, CLEAN, "elsewhere.py"))
    assert "a link" in style.style_notes(tmp_path / "simple_nn.py").unread
    assert "has no" in style.style_notes(tmp_path / "missing.py").unread


def test_a_50000_line_module_gives_a_bounded_note(tmp_path):
    """Does a 50,000-line module with a finding on every line keep MAX_FINDINGS findings, count them all, and
    give a summary of a few lines?"""
    notes = style.style_notes(write(tmp_path, '"""Long."""\n' + "l = 1 \n" * 50_000))
    assert notes.finding_count == 100_000 and len(notes.findings) == style.MAX_FINDINGS  # E741 and W291 each line
    assert notes.code_lines == 50_000
    summary = notes.summary()
    assert len(summary.splitlines()) <= style.LISTED + 5 and len(summary) < 3000
    assert summary.endswith(f"... and {100_000 - style.LISTED} more")


def test_names_and_messages_from_the_file_are_printable_and_capped(tmp_path):
    """Are a file name made of terminal escapes, and a 5,000-character function name that ruff's message quotes,
    written as inert, capped text in the note?"""
    long = "f" * 5000
    notes = style.style_notes(write(tmp_path, f'"""Names."""\n\n\ndef {long}():\n    x = 1\n', "\x1b[2Jevil.py"))
    summary = notes.summary()
    assert "\x1b" not in summary and "\\x1b[2Jevil.py" in summary
    assert notes.undocumented == (long[:style.MAX_TEXT],) and len(summary) < 1500
    assert all(len(finding.message) <= style.MAX_TEXT for finding in notes.findings)


@pytest.mark.parametrize("command, why", [
    ((sys.executable, "-m", "no_such_ruff_here"), "it exited with status 1: "),
    (("/nonexistent/ruff",), "FileNotFoundError"),
], ids=["not installed", "no such program"])
def test_ruff_that_cannot_run_is_said_plainly_and_the_counts_still_work(tmp_path, monkeypatch, command, why):
    """When ruff is missing, does the note say "ruff could not run" with the reason, and still count the
    docstrings and comments?"""
    monkeypatch.setattr(style, "RUFF", command)
    notes = style.style_notes(write(tmp_path, CLEAN))
    assert notes.ruff_error.startswith(why) and notes.findings == ()
    assert notes.documented == ("relu", "Net", "Net.forward") and notes.comment_lines == 2
    assert f"ruff could not run: {notes.ruff_error}" in notes.summary().splitlines()


def test_ruff_that_hangs_is_stopped(tmp_path, monkeypatch):
    """Is a ruff that never answers stopped after TIMEOUT, with a note saying so?"""
    monkeypatch.setattr(style, "RUFF", (sys.executable, "-c", "import time; time.sleep(600)"))
    monkeypatch.setattr(style, "TIMEOUT", 0.5)
    assert style.style_notes(write(tmp_path, CLEAN)).ruff_error == "it took over 0.5 s and was stopped"


@pytest.mark.parametrize("path", sorted((paths.ROOT / "solutions" / "week03").glob("*.py")), ids=lambda p: p.name)
def test_the_reference_files_get_a_sensible_note(path):
    """Does every file of the week's solutions (with its ### BEGIN SOLUTION comments) parse, let ruff run, and
    count its definitions, comments and code, in a note of a few lines?"""
    notes = style.style_notes(path)
    assert (notes.unread, notes.unparsed, notes.ruff_error) == ("", "", "")
    assert notes.code_lines > 0 and len(notes.summary().splitlines()) <= style.LISTED + 5
    assert notes.comment_lines > 0 or path.name.startswith("test_")  # the visible tests have no comments


@pytest.mark.parametrize("folder", ["solutions", "assignments"])
def test_the_mini_challenge_as_the_kit_writes_it_has_no_findings(folder):
    """Do the mini-challenge's reference and its stub get no ruff finding and full docstring coverage, so that
    what the TA reads is the student's doing, never the kit's own lines?"""
    notes = style.style_notes(paths.ROOT / folder / "week03" / "simple_nn.py")
    assert notes.finding_count == 0 and notes.ruff_error == ""
    assert notes.module_docstring and notes.undocumented == () and "SimpleNN.backward" in notes.documented

