"""grades.csv with extra credit kept apart: an nbgrader export plugin.

Bonus checks (``@pytest.mark.bonus``; their grade cells' ids start with
``bonus_``) must never count against a student: their cells are worth 0 in
nbgrader, and grading gives what they earned as the grade's extra credit
(``jobs``), so formgrader's maximum is the kit's. This exporter reports them in
their own columns: ``score`` and ``max_score`` cover the regular checks only,
``bonus`` and ``bonus_max`` the extra credit. Used as
``nbgrader export --exporter=autograder.course.export.CsvWithBonus``.

The rubric's parts (``policy.RUBRIC``, task cells a TA grades by hand) count in
``score`` and ``max_score`` as nbgrader counts them: 0 until a TA grades them.
``waiting_for_ta`` names the parts of a submission no TA has graded yet (empty
when none is left, or without a submission), so that a spreadsheet shows who
still needs a TA.

Student ids, names and emails are the students' text: each is written as a
cell no spreadsheet runs as a formula (``untrusted.spreadsheet_cell``), and
``reports.read_grades`` reads it back exactly.
"""

from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

from autograder import paths
from autograder.grading.checklist import collect_checks, rubric_parts
from autograder.results import is_bonus
from autograder.untrusted import spreadsheet_cell

COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
           "raw_score", "late_submission_penalty", "score", "max_score", "bonus", "bonus_max", "waiting_for_ta"]


class CsvWithBonus(ExportPlugin):
    """nbgrader's CSV columns, with bonus points moved out of score and max_score."""

    def export(self, gradebook: Gradebook) -> None:
        with open(self.to or "grades.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for assignment in gradebook.assignments:
                if self.assignment and assignment.name not in self.assignment:
                    continue
                # bonus cells are worth 0 (their points are extra credit), in courses released before that their
                # points: either way the maximum leaves them out, and the check list says what they are worth
                in_maximum = sum(cell.max_score for notebook in assignment.notebooks
                                 for cell in notebook.grade_cells if is_bonus(cell.name))
                bonus_max = sum(spec.points for spec in collect_checks(assignment.name) if spec.bonus) \
                    if assignment.name in paths.weeks() else in_maximum  # an assignment the kit did not make
                titles = {part.grade_id: part.title for part in rubric_parts(assignment.name)} \
                    if assignment.name in paths.weeks() else {}
                for student in gradebook.students:
                    if self.student and student.id not in self.student:
                        continue
                    row = {"assignment": assignment.name, "duedate": assignment.duedate or "",
                           "student_id": student.id, "last_name": student.last_name or "",
                           "first_name": student.first_name or "", "email": student.email or "",
                           "max_score": assignment.max_score - in_maximum, "bonus_max": bonus_max}
                    try:
                        submission = gradebook.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0, bonus=0.0,
                                   waiting_for_ta="")
                    else:
                        grades = [grade for notebook in submission.notebooks for grade in notebook.grades]
                        bonus = sum(grade.score for grade in grades if is_bonus(grade.name))
                        raw = submission.score - bonus
                        penalty = submission.late_submission_penalty or 0.0
                        waiting = [titles[grade.name] for grade in grades
                                   if grade.name in titles and grade.manual_score is None and grade.auto_score is None]
                        row.update(timestamp=submission.timestamp, raw_score=raw, late_submission_penalty=penalty,
                                   score=max(0.0, raw - penalty), bonus=bonus, waiting_for_ta="; ".join(waiting))
                    writer.writerow({column: spreadsheet_cell(value) for column, value in row.items()})
