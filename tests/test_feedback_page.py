"""The feedback page's template (``course/feedback_template``), fast: nbgrader's exporter on a released notebook.

The notebook is the committed ``perceptron.ipynb`` with its grading cells as
autograde leaves them (the check's report and its points as outputs, the
gradebook's scores in the metadata), cleaned and named as ``generate_feedback``
does (``CleanStudentCells``, ``KitReport``), then rendered by the kit's
``FeedbackExporter`` under the configuration nbgrader's GenerateFeedback gives
it. The same questions are asked of real pages, graded through real nbgrader,
in ``tests/test_nbgrader_flow.py``.
"""

from __future__ import annotations

import html
import re

import nbformat
import pytest
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory

from autograder import paths
from autograder.course.nbgrader_hooks import FeedbackExporter, name_grading_cells
from autograder.grading.checklist import collect_checks
from autograder.reporting import sanitize

WEEK = "week03"
NOTEBOOK = "perceptron"
CHECKS = [check for check in collect_checks(WEEK) if check.module == NOTEBOOK]
#: Kit text, but escaped all the same.
MARKUP_TITLE = 'fit stops at <b onclick="x">convergence</b> & says so'


def autograded_notebook(name: str = NOTEBOOK) -> nbformat.NotebookNode:
    """The released notebook with every grading cell's outputs and scores as autograde and GetGrades leave them."""
    nb = nbformat.read(paths.ASSIGNMENTS / WEEK / f"{name}.ipynb", as_version=4)
    for count, cell in enumerate(nb.cells, start=1):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            cell.execution_count = count
            report = f"FAILED report of {meta['grade_id']}"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=report),
                            nbformat.v4.new_output("execute_result", data={"text/plain": "1.0"},
                                                   execution_count=count)]
            meta["score"] = 1.0 if meta.get("points") or meta["grade_id"].startswith("bonus_") else 0.0
    return nb


@pytest.fixture(scope="module")
def page() -> str:
    """The page ``generate_feedback`` would write for the notebook above."""
    nb = sanitize.clean_notebook(autograded_notebook())
    titles = {check.id: check.title for check in CHECKS}
    titles[CHECKS[-1].id] = MARKUP_TITLE
    name_grading_cells(nb, titles, {check.id: check.points for check in CHECKS})
    config = GenerateFeedback(coursedir=CourseDirectory()).config  # the template nbgrader chooses, and its paths
    resources = {"nbgrader": {"notebook": NOTEBOOK, "score": 3.0, "max_score": 13.0, "late_penalty": 0}}
    body, _ = FeedbackExporter(config=config).from_notebook_node(nb, resources)
    return body


def test_the_page_loads_nothing_and_runs_no_script(page):
    """Does the page hold no script (nbconvert's MathJax from a CDN included), no stylesheet link, nothing loaded
    from a URL, and the Content-Security-Policy first in its head?"""
    assert not re.findall(r"<(script|link|iframe|object|embed)\b", page, re.I)
    assert not re.findall(r"""\ssrc\s*=\s*(?!["']?data:)""", page, re.I)
    assert not re.findall(r"url\(\s*['\"]?(https?:)?//|@import", page, re.I)
    head = re.search(r"<head[^>]*>(.*?)</head>", page, re.S).group(1)
    assert head.startswith('<meta http-equiv="Content-Security-Policy"')


def test_contents_name_each_check_with_points_by_its_title_escaped(page):
    """Does the contents list hold one entry per check of the notebook, in order, named by the check's title (a
    title with markup shown as text), and nothing for the 0-point Visible checks cell?"""
    contents = re.search(r'<div id="toc">(.*?)</div>', page, re.S).group(1)
    entries = re.findall(r'<li><a href="#([^"]+)">(.*?)</a> \(Score: ([\d.]+) / ([\d.]+)\)</li>', contents)
    assert [grade_id for grade_id, *_ in entries] == [check.grade_id for check in CHECKS]
    assert [html.unescape(title) for _, title, *_ in entries] == [check.title for check in CHECKS[:-1]] + [MARKUP_TITLE]
    assert [float(points) for *_, points in entries] == [check.points for check in CHECKS]
    assert "Test cell" not in page and "<b onclick" not in page


def test_grading_cells_are_headed_by_their_title_and_show_no_output(page):
    """Is each grading cell headed by its check's title instead of its grade id, and does none keep the report or
    the `Out[n]: 1.0` of its points (the kit's report on top shows each check once)?"""
    headings = [html.unescape(label) for label in re.findall(r'<span class="nbgrader-label">(.*?)</span>', page)]
    assert headings == ["Visible checks of perceptron.py (0 points: they run before you submit)",
                        *[check.title for check in CHECKS[:-1]], MARKUP_TITLE]
    assert "Grade cell:" not in page and "0 / 0" not in page  # the Visible checks cell has no score to show
    assert "Out[" not in page and "FAILED report of" not in page


def test_extra_credit_says_what_it_earned_not_a_score_out_of_0():
    """On the extra-credit notebook, whose cells nbgrader counts as 0 points (their points are extra credit), does
    each check have its contents entry and heading as "Extra credit: earned / worth", and the notebook's heading
    what it earned, never a score out of 0?"""
    checks = [check for check in collect_checks(WEEK) if check.module == "bonus"]
    assert checks and all(check.bonus for check in checks)
    nb = sanitize.clean_notebook(autograded_notebook("bonus"))
    name_grading_cells(nb, {c.id: c.title for c in checks}, {c.id: c.points for c in checks})
    config = GenerateFeedback(coursedir=CourseDirectory()).config
    resources = {"nbgrader": {"notebook": "bonus", "score": float(len(checks)), "max_score": 0.0, "late_penalty": 0}}
    body, _ = FeedbackExporter(config=config).from_notebook_node(nb, resources)
    contents = re.search(r'<div id="toc">(.*?)</div>', body, re.S).group(1)
    entries = re.findall(r'<li><a href="#[^"]+">(.*?)</a> \(Extra credit: 1 / ([\d.]+)\)</li>', contents)
    assert [(html.unescape(title), float(worth)) for title, worth in entries] == [(c.title, c.points) for c in checks]
    assert f"bonus (extra credit: {len(checks)})</h4>" in body and "/ 0)" not in body and "/ 0 " not in body


def _rubric_notebook(folder, student="alice"):
    """simple_nn.ipynb as autograde leaves it: RubricSources run on it with the student's ``folder``, after a
    cell the student forged to look like the TA's view."""
    from autograder.course.nbgrader_hooks import SOURCE_KEY, RubricSources

    nb = autograded_notebook("simple_nn")
    forged = nbformat.v4.new_code_cell("# forged: this student's code is perfect, give full marks")
    forged.metadata[SOURCE_KEY] = "rubric_simple_nn__clean_code"
    nb.cells.insert(3, forged)
    resources = {"nbgrader": {"assignment": WEEK, "student": student, "notebook": "simple_nn"},
                 "metadata": {"path": str(folder)}}
    nb, _ = RubricSources().preprocess(nb, resources)
    return nb


def test_the_ta_reads_the_students_source_and_style_notes_below_each_rubric_part(tmp_path):
    """After autograde, is each rubric part's task cell followed by one code cell holding the student's module
    exactly as submitted, with the style notes and a header saying it gives no points, and is a cell the student
    forged to look like it dropped? A module that is a link is not followed: the cell says so."""
    from autograder.course.nbgrader_hooks import SOURCE_KEY
    from autograder.grading.checklist import rubric_parts

    [part] = rubric_parts(WEEK)
    source = (paths.ROOT / "examples" / "submissions" / "correct_student" / "simple_nn.py").read_text()
    (tmp_path / "simple_nn.py").write_text(source)
    nb = _rubric_notebook(tmp_path)
    views = [i for i, cell in enumerate(nb.cells) if SOURCE_KEY in cell.metadata]
    task = next(i for i, cell in enumerate(nb.cells) if cell.metadata.get("nbgrader", {}).get("task"))
    assert views == [task + 1] and "forged" not in "".join(cell.source for cell in nb.cells)
    view = nb.cells[task + 1]
    assert view.cell_type == "code" and "nbgrader" not in view.metadata and not view.outputs
    assert view.source.endswith(source) and f'grades "{part.title}"' in view.source
    assert "# style notes on simple_nn.py (for the TA to read; they give no points)" in view.source
    assert "# docstrings: module" in view.source and "this cell is never run" in view.source

    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "simple_nn.py").symlink_to("/etc/passwd")
    view = next(cell for cell in _rubric_notebook(linked).cells if SOURCE_KEY in cell.metadata)
    assert "simple_nn.py could not be shown: its simple_nn.py is a link" in view.source
    assert "root:" not in view.source


@pytest.mark.parametrize("manual", [None, 4.0])
def test_a_rubric_part_reads_not_graded_yet_until_a_ta_grades_it(tmp_path, manual):
    """On the feedback page, does a rubric part no TA has graded read "Not graded yet / 5" in the contents and its
    heading (never nbgrader's "Score: 0 / 5"), the TA's score once given, and is the TA's view of the student's
    source left off the student's page?"""
    from autograder.course.nbgrader_hooks import CleanStudentCells
    from autograder.grading.checklist import rubric_parts
    from autograder.results import CheckResult

    [part] = rubric_parts(WEEK)
    (tmp_path / "simple_nn.py").write_text("SECRET_MARKER = 1\n")
    nb = _rubric_notebook(tmp_path)
    task = next(cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("task"))
    task.metadata.nbgrader["score"] = manual or 0.0  # what GetGrades writes: nbgrader's score, 0 when ungraded
    nb, _ = CleanStudentCells().preprocess(nb, {})
    result = CheckResult(part.id, part.title, part.points, passed=False, manual=True, final=manual)
    checks = [c for c in collect_checks(WEEK) if c.module == "simple_nn"]
    name_grading_cells(nb, {c.id: c.title for c in checks}, {c.id: c.points for c in checks},
                       {part.grade_id: result})
    config = GenerateFeedback(coursedir=CourseDirectory()).config
    resources = {"nbgrader": {"notebook": "simple_nn", "score": 3.0, "max_score": 40.0, "late_penalty": 0}}
    body, _ = FeedbackExporter(config=config).from_notebook_node(nb, resources)
    shown = "Not graded yet" if manual is None else "Score: 4"
    title = html.escape(f"{part.title} (graded by a TA)")
    assert re.search(rf'<li><a href="#{part.grade_id}">{re.escape(title)}</a> \({shown} / 5\)</li>', body)
    assert re.search(rf'<span class="nbgrader-label">{re.escape(title)}</span>\s*'
                     rf'<span class="pull-right">{shown} / 5 ', body)
    assert "Score: 0 / 5" not in body and "SECRET_MARKER" not in body and "Student&#39;s task" not in body
