"""The one module that drives nbgrader: course directory, release, collect, grade, feedback.

Every step calls the real ``nbgrader`` command line in the course directory
(``paths.course_dir()``), configured by the ``nbgrader_config.py`` written here.
Two settings matter for honest grading:

* ``Autograde.exclude_overwriting`` lists every module a student edits, so
  autograde grades the student's file instead of copying the released stub
  over it (nbgrader's default for files in the source folder).
* ``GenerateFeedback.preprocessors`` includes ``ClearHiddenTests``, so the
  feedback students read does not show the hidden grading cells' code.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import notebooks, paths
from .build import build_assignment
from .sandbox import Limits

COURSE_ID = "nngrader"
CONFIG = '''\
# Written by nngrader (autograder/course.py) on every release: edit that file, not this one.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
c.Autograde.exclude_overwriting = {exclude!r}
c.Execute.timeout = {timeout}
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
'''


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds its output."""


def exchange_dir() -> Path:
    """nbgrader's exchange (NNGRADER_EXCHANGE, default ``<course>/exchange``)."""
    return Path(os.environ.get("NNGRADER_EXCHANGE", paths.course_dir() / "exchange")).resolve()


def student_modules(week: str) -> list[str]:
    """The files of ``week`` that students edit: autograde must keep theirs."""
    source = paths.SOLUTIONS / week
    return sorted(p.name for p in source.glob("*.py") if not p.name.endswith(notebooks.SUFFIX))


def write_config() -> Path:
    """Write ``nbgrader_config.py`` for every week of the course and return the course directory."""
    root = paths.course_dir()
    root.mkdir(parents=True, exist_ok=True)
    exchange_dir().mkdir(parents=True, exist_ok=True)
    timeout = int(Limits.from_env().wall_seconds) + 60  # a grading cell waits for the whole limited run
    (root / "nbgrader_config.py").write_text(CONFIG.format(
        root=str(root), course_id=COURSE_ID, exchange=str(exchange_dir()), timeout=timeout,
        exclude={week: student_modules(week) for week in paths.weeks()}), encoding="utf-8")
    return root


def nbgrader(*args: str, cwd: Path | None = None) -> str:
    """Run one ``nbgrader`` command in the course directory; raise NbgraderError if it fails."""
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` and kernels from PATH
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd or paths.course_dir(),
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {done.returncode}):\n"
                            f"{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def release(week: str) -> Path:
    """Build nbgrader's source folder for ``week``, generate the student version and release it."""
    root = write_config()
    build_assignment(week, root / "source" / week, for_students=False)
    nbgrader("generate_assignment", week, "--force")
    nbgrader("release_assignment", week, "--force")
    return root / "release" / week


def submit(week: str, student: str, files: Path) -> None:
    """Act as ``student``: fetch the release, put ``files`` over it, submit (the demo's students)."""
    with tempfile.TemporaryDirectory(prefix=f"nngrader-{student}-") as home:
        exchange = f"--Exchange.root={exchange_dir()}"  # a student's own nbgrader config would say this
        nbgrader("fetch_assignment", week, f"--course={COURSE_ID}", exchange, cwd=Path(home))
        work = Path(home) / week
        for path in sorted(Path(files).iterdir()):
            if path.is_file() and not path.name.startswith("."):
                shutil.copy2(path, work / path.name)
        nbgrader("submit", week, f"--course={COURSE_ID}", f"--student={student}", exchange, cwd=Path(home))


def collect(week: str) -> Path:
    """Collect every submission of ``week`` from the exchange into ``submitted/``."""
    nbgrader("collect", week, "--update")
    return paths.course_dir() / "submitted"


def grade(week: str) -> Path:
    """Autograde every collected submission of ``week`` and export ``grades.csv`` (bonus in its own columns)."""
    nbgrader("autograde", week, "--force")
    out = paths.course_dir() / "grades.csv"
    nbgrader("export", f"--to={out}", "--exporter=autograder.export.CsvWithBonus")
    return out


def feedback(week: str) -> Path:
    """Write and release each student's feedback (HTML without the hidden grading code)."""
    nbgrader("generate_feedback", week, "--force")
    nbgrader("release_feedback", week)
    return paths.course_dir() / "feedback"


def read_grades(path: Path, week: str) -> list[dict[str, str]]:
    """The rows of ``grades.csv`` for ``week``."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["assignment"] == week]
