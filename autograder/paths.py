"""Every path the kit uses, defined once.

The repository is laid out by role: ``solutions/<week>/`` is the one source,
``assignments/<week>/`` is generated from it for students, and
``autograder/<week>/`` holds the hidden graders. The nbgrader course directory
is a build product (``course/`` unless NNGRADER_COURSE_DIR says otherwise);
``CourseLayout`` names every path in it (``paths.course().gradebook``,
``.submitted(student, week)``...), so no other module spells one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = ROOT / "assignments"
GRADERS = ROOT / "autograder"
#: The part of the kit that runs inside the sandbox (``sandbox.limited.KIT_IN_SANDBOX``).
JAIL = GRADERS / "jail"
#: What every student folder is handed as it is (``autograder/handout/``).
HANDOUT = GRADERS / "handout"
EXAMPLES = ROOT / "examples" / "submissions"

#: Modules of the kit that students receive verbatim, next to their stubs.
PROVIDED_MODULES = (HANDOUT / "mnist.py",)
#: The pytest plugin students receive as ``conftest.py``: what ``pytest`` prints in their folder.
STUDENT_CONFTEST = HANDOUT / "student_conftest.py"


def cache_dir() -> Path:
    """Where the kit keeps what it can recompute (NNGRADER_CACHE_DIR, else $XDG_CACHE_HOME/nngrader, else
    ``~/.cache/nngrader``): deleting it costs time, never results."""
    if os.environ.get("NNGRADER_CACHE_DIR"):
        return Path(os.environ["NNGRADER_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "nngrader"


def course_dir() -> Path:
    """The nbgrader course directory (NNGRADER_COURSE_DIR, default ``course/``)."""
    return Path(os.environ.get("NNGRADER_COURSE_DIR", ROOT / "course")).resolve()


@dataclass(frozen=True)
class CourseLayout:
    """Every path under an nbgrader course directory, as nbgrader's ``CourseDirectory`` lays it out, and the
    kit's own files in it (``.nngrader/``): the one place that spells them."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "nbgrader_config.py"

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def grades_csv(self) -> Path:
        return self.root / "grades.csv"

    @property
    def student_config(self) -> Path:
        """The nbgrader configuration students copy to ``~/.jupyter/nbgrader_config.py`` (``make release``)."""
        return self.root / "students" / "nbgrader_config.py"

    def source(self, week: str) -> Path:
        return self.root / "source" / week

    def release(self, week: str) -> Path:
        return self.root / "release" / week

    @property
    def submitted_root(self) -> Path:
        return self.root / "submitted"

    def submitted(self, student: str, week: str) -> Path:
        return self.submitted_root / student / week

    @property
    def autograded_root(self) -> Path:
        return self.root / "autograded"

    def autograded(self, student: str, week: str) -> Path:
        return self.autograded_root / student / week

    @property
    def feedback_root(self) -> Path:
        return self.root / "feedback"

    def feedback(self, student: str, week: str) -> Path:
        return self.feedback_root / student / week

    @property
    def reports_root(self) -> Path:
        return self.root / "reports"

    def reports(self, week: str) -> Path:
        return self.reports_root / week

    @property
    def results_root(self) -> Path:
        return self.root / "results"

    def results(self, week: str, student: str) -> Path:
        """Gradescope-style ``results.json`` of one submission."""
        return self.results_root / week / student / "results.json"

    @property
    def instructors_folders(self) -> tuple[Path, ...]:
        """The folders that hold the solutions or a student's work, feedback or grades: the instructor's alone."""
        return (self.root / "source", self.root / "release", self.submitted_root, self.autograded_root,
                self.feedback_root, self.reports_root, self.results_root, self.kit)

    # --- the kit's own files, under .nngrader/ --------------------------------------------------------------
    @property
    def kit(self) -> Path:
        return self.root / ".nngrader"

    @property
    def secret(self) -> Path:
        """The course secret the graders draw their problems from (``draws``)."""
        return self.kit / "secret"

    @property
    def grade_lock(self) -> Path:
        return self.kit / "grade.lock"

    def graded_record(self, week: str) -> Path:
        """Which submissions ``make grade`` graded, and from what (``course._GradedRecord``)."""
        return self.kit / f"graded-{week}.json"

    def intake_records(self, week: str) -> Path:
        """What the kit's collect received from each student, and when (``intake.Received``)."""
        return self.kit / "intake" / week

    def check_results(self, week: str) -> Path:
        """The check results ``KitGrades`` saved while grading (``store``)."""
        return self.kit / "results" / week


def course(root: Path | None = None) -> CourseLayout:
    """The layout of the course directory ``root`` (default: ``course_dir()``)."""
    return CourseLayout(Path(root) if root is not None else course_dir())


def weeks() -> list[str]:
    """The weeks that have a solution folder, in order (``week03``, ...)."""
    return sorted(p.name for p in SOLUTIONS.glob("week[0-9][0-9]") if p.is_dir())


def check_week(week: str) -> str:
    """Return ``week`` if the course has it; otherwise raise ValueError listing the weeks."""
    if week not in weeks():
        raise ValueError(f"unknown week {week!r}: the course has {', '.join(weeks()) or 'no weeks'} "
                         f"(one folder per week under {SOLUTIONS})")
    return week
