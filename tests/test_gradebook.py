"""Tests for autograder/gradebook.py and store.load's final points: what nbgrader's gradebook holds, read as
nbgrader reads it (a real ``nbgrader.api.Gradebook`` writes every database here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import gradebook, paths, store
from autograder.grading.checklist import collect_checks, rubric_parts
from autograder.results import CheckResult

WEEK = "week03"
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's add_submission


@pytest.fixture
def course(tmp_path, monkeypatch):
    """An empty course directory the kit's paths point at (nbgrader's API needs its venv on PATH: alembic)."""
    monkeypatch.setenv("NNGRADER_COURSE_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return paths.course()


def graded(database: Path, cells: dict[str, float], student: str = "alice") -> Gradebook:
    """A gradebook with ``week03``'s notebook ``nb`` of grade cells ``{grade id: max score}`` and a submission of
    ``student`` whose automatic scores are the maxima; returned open, for the test to change grades."""
    book = Gradebook(f"sqlite:///{database}")
    book.add_assignment(WEEK)
    book.add_notebook("nb", WEEK)
    for name, points in cells.items():
        book.add_grade_cell(name, "nb", WEEK, max_score=points, cell_type="code")
    book.add_student(student)
    book.add_submission(WEEK, student)
    for name, points in cells.items():
        book.find_grade(name, "nb", WEEK, student).auto_score = points
    book.db.commit()
    return book


def test_students_are_the_gradebooks(course):
    """Is the roster empty without a gradebook, and the gradebook's students once there is one?"""
    assert gradebook.students(course.gradebook) == set()
    with Gradebook(f"sqlite:///{course.gradebook}") as book:
        book.add_student("alice")
    assert gradebook.students(course.gradebook) == {"alice"}


def test_final_scores_are_nbgraders(course):
    """Is a grade's final score nbgrader's: the manual score over the automatic one, plus extra credit, 0 when
    neither is set; and the late penalty the sum of the notebooks'?"""
    assert gradebook.recorded(course.gradebook, WEEK, "alice") is None  # no gradebook yet
    with graded(course.gradebook, {"a": 3, "b": 2, "c": 4, "d": 1}) as book:
        book.find_grade("a", "nb", WEEK, "alice").manual_score = 1.5  # a TA lowered it
        book.find_grade("b", "nb", WEEK, "alice").extra_credit = 0.5
        c = book.find_grade("c", "nb", WEEK, "alice")
        c.manual_score, c.extra_credit = 0.0, 1.0
        d = book.find_grade("d", "nb", WEEK, "alice")
        d.auto_score, d.extra_credit = None, 2.0  # nothing scored: nbgrader says 0 whatever the extra credit
        book.find_submission_notebook("nb", WEEK, "alice").late_submission_penalty = 1.25
        book.db.commit()
        expected = {g.name: g.score for n in book.find_submission(WEEK, "alice").notebooks for g in n.grades}
    record = gradebook.recorded(course.gradebook, WEEK, "alice")
    assert record.scores == expected == {"a": 1.5, "b": 2.5, "c": 1.0, "d": 0.0}
    assert record.late_penalty == 1.25
    assert gradebook.recorded(course.gradebook, WEEK, "bob") is None
    assert gradebook.recorded(course.gradebook, "week04", "alice") is None


def test_a_tas_score_replaces_the_checks_own_on_every_result(course):
    """Does store.load give a check the TA's score from the gradebook (a raised failed check, a lowered passed
    one), keep the check's own points where the gradebook agrees, and say on the result who set them?"""
    specs = [s for s in collect_checks(WEEK) if s.module == "perceptron"][:3]
    store.save(WEEK, "alice", "perceptron", [CheckResult(s.id, s.title, s.points, passed=i != 0)
                                             for i, s in enumerate(specs)])
    with graded(course.gradebook, {s.grade_id: s.points for s in specs}) as book:
        book.find_grade(specs[0].grade_id, "nb", WEEK, "alice").auto_score = 0.0  # what KitGrades wrote
        book.find_grade(specs[0].grade_id, "nb", WEEK, "alice").manual_score = 2.0  # raised by a TA
        book.find_grade(specs[1].grade_id, "nb", WEEK, "alice").manual_score = 0.5  # lowered
        book.db.commit()
    loaded = {r.id: r for r in store.load(WEEK, "alice")}
    raised, lowered, same = (loaded[s.id] for s in specs)
    assert (raised.points, raised.earned, raised.passed) == (2.0, 0.0, False)
    assert raised.overridden == "a TA set 2 points; the check gave 0"
    assert "(2/" in raised.report() and "a TA set 2 points" in raised.report()
    assert (lowered.points, lowered.earned) == (0.5, specs[1].points)
    assert same.final is None and same.points == specs[2].points and same.overridden == ""
    assert store.late_penalty(WEEK, "alice") == 0.0
    assert all(r.final is None for r in store.saved(WEEK, "alice").values())  # grading never saves a final score


def rubric_gradebook(database: Path, students: tuple[str, ...] = ("alice", "bob")) -> Gradebook:
    """A gradebook with week03's ``simple_nn`` notebook holding the rubric's task cells (as nbgrader's SaveCells
    records them) and one regular check, and a submission of each student autograded as KitGrades leaves it: the
    check scored, the task cells with neither an automatic nor a manual score."""
    spec = next(s for s in collect_checks(WEEK) if s.module == "simple_nn")
    book = Gradebook(f"sqlite:///{database}")
    book.add_assignment(WEEK)
    book.add_notebook("simple_nn", WEEK)
    book.add_grade_cell(spec.grade_id, "simple_nn", WEEK, max_score=spec.points, cell_type="code")
    for part in rubric_parts(WEEK):
        book.add_task_cell(part.grade_id, "simple_nn", WEEK, max_score=part.points, cell_type="markdown")
    for student in students:
        book.add_student(student)
        book.add_submission(WEEK, student)
        book.find_grade(spec.grade_id, "simple_nn", WEEK, student).auto_score = spec.points
    book.db.commit()
    return book


def test_a_rubric_part_is_not_graded_yet_until_a_ta_grades_it(course):
    """Is a rubric part no TA has graded "not graded yet" (worth its points, counting 0, no pass or fail) in
    store.load and in its report, and the TA's score once one is given, lowered or full?"""
    [part] = rubric_parts(WEEK)
    with rubric_gradebook(course.gradebook) as book:
        book.find_grade(part.grade_id, "simple_nn", WEEK, "bob").manual_score = 3.0
        book.db.commit()
    record = gradebook.recorded(course.gradebook, WEEK, "alice")
    assert part.grade_id in record.ungraded and record.scores[part.grade_id] == 0.0  # nbgrader's own sum says 0
    waiting = next(r for r in store.load(WEEK, "alice") if r.id == part.id)
    assert (waiting.manual, waiting.pending, waiting.points, waiting.max_points) == (True, True, 0.0, part.points)
    assert waiting.report().startswith(f"NOT GRADED YET {part.title} (- /{part.points:g} points)")
    assert waiting.overridden == "" and waiting.message.splitlines() == list(part.criteria)
    graded_part = next(r for r in store.load(WEEK, "bob") if r.id == part.id)
    assert (graded_part.pending, graded_part.points) == (False, 3.0)
    assert graded_part.report() == f"GRADED BY A TA {part.title} (3/{part.points:g} points)"
    assert [r.id for r in store.load(WEEK, "alice")][-len(rubric_parts(WEEK)):] == [p.id for p in rubric_parts(WEEK)]


def test_grades_csv_says_which_submissions_still_need_a_ta(course, tmp_path):
    """Does the kit's exporter count a rubric part in max_score and the TA's points in score, and name in
    waiting_for_ta the parts no TA has graded yet, for that submission only?"""
    from autograder.course.export import CsvWithBonus
    from autograder.reporting.reports import read_grades

    [part] = rubric_parts(WEEK)
    spec = next(s for s in collect_checks(WEEK) if s.module == "simple_nn")
    out = tmp_path / "grades.csv"
    with rubric_gradebook(course.gradebook, ("alice", "bob", "carol")) as book:
        book.find_grade(part.grade_id, "simple_nn", WEEK, "bob").manual_score = 4.0
        book.remove_submission(WEEK, "carol")  # on the roster, nothing submitted
        CsvWithBonus(to=str(out)).export(book)
    rows = {row["student_id"]: row for row in read_grades(out, WEEK)}
    assert {s: rows[s]["waiting_for_ta"] for s in rows} == {"alice": part.title, "bob": "", "carol": ""}
    assert float(rows["alice"]["max_score"]) == spec.points + part.points
    assert (float(rows["alice"]["score"]), float(rows["bob"]["score"])) == (spec.points, spec.points + 4.0)
