"""What ``make grade`` (and ``make report``) write after nbgrader has graded, from the saved results.

* ``<course>/results/<week>/<student>/results.json``: Gradescope-style results
  of each submission (``gradescope.py``);
* ``<course>/reports/<week>/students/<student>.html``: the kit's report on
  each submission, every check explained (``feedback.py``);
* ``<course>/reports/<week>/index.html`` and its PNG plots: the class report
  (``class_report.py``).

Everything comes from ``grades.csv`` (nbgrader's gradebook, exported) and the
check results ``KitGrades`` saved while grading, with the points the gradebook
holds now (``store.load``: a TA's overrides included), so the reports can be
written again at any time without grading again, and agree with grades.csv.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from autograder import paths, store
from autograder.grading.checklist import bonus_check_ids
from autograder.reporting import class_report, feedback, gradescope
from autograder.untrusted import from_spreadsheet_cell


@dataclass(frozen=True)
class Written:
    """Where the reports of one week went."""

    class_report: Path
    results: list[Path]
    pages: list[Path]
    #: student -> the rubric parts of theirs no TA has graded yet (grades.csv's ``waiting_for_ta``), if any
    waiting: dict[str, str] = field(default_factory=dict)


def reports_dir(week: str) -> Path:
    return paths.course().reports(week)


def results_path(week: str, student: str) -> Path:
    return paths.course().results(week, student)


def write_reports(week: str, grades: Path | None = None) -> Written:
    """Write every report of ``week`` from grades.csv and the saved results; return where they went."""
    grades = grades or paths.course().grades_csv
    if not grades.is_file():
        raise FileNotFoundError(f"{grades} does not exist: grade first (make grade), then make report")
    rows = read_grades(grades, week)
    graded = set(store.students(week)) & {row["student_id"] for row in rows}  # with or without a submission time
    by_student = {row["student_id"]: row for row in rows}
    students = {student: store.load(week, student) for student in sorted(graded)}
    bonus = bonus_check_ids(week)
    out = reports_dir(week)
    results, pages = [], []
    for student, checks in students.items():
        results.append(gradescope.write(results_path(week, student), gradescope.results_json(
            week, student, checks, bonus, by_student.get(student))))
        page = out / "students" / f"{student}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(feedback.report_page(week, student, checks, store.late_penalty(week, student)),
                        encoding="utf-8")
        pages.append(page)
    links = {student: [f"students/{quote(student)}.html", *_feedback_pages(week, student, out)]
             for student in students}
    index = class_report.write_class_report(week, students, [row for row in rows if row["student_id"] in graded],
                                            out, confusion=class_report.reference_confusion(week), feedback=links,
                                            bonus_ids=bonus)
    waiting = {row["student_id"]: row["waiting_for_ta"] for row in rows if row.get("waiting_for_ta")}
    return Written(index, results, pages, waiting)


def _feedback_pages(week: str, student: str, out: Path) -> list[str]:
    """Links from ``out`` to the student's nbgrader feedback pages, when ``make feedback`` has made them."""
    folder = paths.course().feedback(student, week)
    return [quote(os.path.relpath(page, out)) for page in sorted(folder.glob("*.html"))]


def read_grades(path: Path, week: str) -> list[dict[str, str]]:
    """The rows of ``grades.csv`` for ``week``, each cell as the gradebook holds it (``export.py`` wrote text that
    could start a formula with a leading quote)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [{column: from_spreadsheet_cell(cell) for column, cell in row.items()} for row in csv.DictReader(handle)]
    return [row for row in rows if row["assignment"] == week]
