"""nbgrader's gradebook, read: the final points of every grade cell and the late penalty of a submission.

nbgrader keeps each grade cell's automatic score (what the kit's verdict gave
at autograde), a TA's manual score (set in formgrader; it replaces the
automatic one) and extra credit, and each submitted notebook's late penalty,
in the course's SQLite gradebook. What the kit shows (feedback pages,
results.json, the class report) takes its points from here, so that a TA's
override shows the same number everywhere grades.csv and formgrader show it.

It is read with ``sqlite3`` alone, read-only, so that the pages can neither
change a grade nor need nbgrader to be imported; table and column names are
nbgrader's (``nbgrader.api``), and a score is computed as nbgrader's
``Grade.score`` is: the manual score if set, else the automatic one, plus the
extra credit; nothing set scores 0.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

_GRADES = """
SELECT c.name,
       CASE WHEN g.manual_score IS NOT NULL THEN g.manual_score + COALESCE(g.extra_credit, 0.0)
            WHEN g.auto_score IS NOT NULL THEN g.auto_score + COALESCE(g.extra_credit, 0.0)
            ELSE 0.0 END,
       g.manual_score IS NULL AND g.auto_score IS NULL
FROM grade g
JOIN submitted_notebook n ON g.notebook_id = n.id
JOIN submitted_assignment s ON n.assignment_id = s.id
JOIN assignment a ON s.assignment_id = a.id
JOIN base_cell c ON g.cell_id = c.id
WHERE a.name = ? AND s.student_id = ?
"""
#: one row per submission (none when there is no submission): the sum of its notebooks' late penalties
_PENALTY = """
SELECT (SELECT COALESCE(SUM(n.late_submission_penalty), 0.0) FROM submitted_notebook n WHERE n.assignment_id = s.id)
FROM submitted_assignment s
JOIN assignment a ON s.assignment_id = a.id
WHERE a.name = ? AND s.student_id = ?
"""


@dataclass(frozen=True)
class Recorded:
    """What the gradebook holds for one submission."""

    #: grade cell id (``check_...``, ``bonus_...``, ``rubric_...``) -> its final score
    scores: dict[str, float]
    late_penalty: float
    #: the grade cells with neither an automatic nor a manual score: a rubric part no TA has graded yet (nbgrader
    #: counts it 0; the kit shows "not graded yet")
    ungraded: frozenset[str] = frozenset()


def _connect(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{database}?mode=ro", uri=True)


def recorded(database: Path, week: str, student: str) -> Recorded | None:
    """The final scores and late penalty of ``student``'s ``week``; None when the gradebook has no such submission
    (or no gradebook exists yet)."""
    if not database.is_file():
        return None
    with contextlib.closing(_connect(database)) as db:
        penalty = db.execute(_PENALTY, (week, student)).fetchone()
        if penalty is None:
            return None
        rows = db.execute(_GRADES, (week, student)).fetchall()
    return Recorded({name: float(score) for name, score, _ in rows}, float(penalty[0]),
                    frozenset(name for name, _, ungraded in rows if ungraded))


def students(database: Path) -> set[str]:
    """The students in the gradebook (empty before the first grading if no roster was imported)."""
    if not database.is_file():
        return set()
    with contextlib.closing(_connect(database)) as db:
        return {row[0] for row in db.execute("SELECT id FROM student")}
