"""The one module that drives nbgrader: course directory, release, collect, grade, feedback.

Every step calls the real ``nbgrader`` command line in the course directory
(``paths.course_dir()``), configured by the ``nbgrader_config.py`` written here.
Two settings matter for honest grading:

* ``Autograde.exclude_overwriting`` lists every module a student edits, so
  autograde grades the student's file instead of copying the released stub
  over it (nbgrader's default for files in the source folder).
* ``Autograde.autograde_preprocessors`` runs the student's notebook in a
  sandboxed kernel and takes every grading cell's score from the kit's graders
  (``nbgrader_hooks``), never from what the kernel printed.

grades.csv is written through the kit's export plugin (``export.py``), which
keeps extra credit out of the maximum.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from tqdm import tqdm

from . import draws, intake, lock, nbgrader_process, notebooks, paths, preflight, store
from .build import build_assignment
from .grading import collect_checks
from .results import write_atomically
from .sandbox import Limits
from .untrusted import from_spreadsheet_cell, printable

COURSE_ID = "nngrader"
CONFIG = '''\
# Written by nngrader (autograder/course.py) on every release: edit that file, not this one.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
c.Autograde.exclude_overwriting = {exclude!r}
c.Autograde.sanitize_preprocessors = [
    "autograder.nbgrader_hooks.RepairGradingCells",  # the source's grading cells, once each, before nbgrader checks
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "autograder.nbgrader_hooks.SandboxedExecute",  # the student's kernel runs in the sandbox
    "autograder.nbgrader_hooks.LimitOutputBytes",  # outputs capped in bytes, before anything else reads them
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.nbgrader_hooks.KitGrades",  # grading cells get the kit's verdict, never the kernel's output
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.SandboxedExecute.timeout = {timeout}
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.nbgrader_hooks.CleanStudentCells",  # what the student wrote is data: no script, no style
    "autograder.nbgrader_hooks.KitReport",  # the kit's report on top: totals, what to fix first, every check
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.GenerateFeedback.exporter_class = "autograder.nbgrader_hooks.FeedbackExporter"  # the page's CSP
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


def write_config(root: Path | None = None, exchange: Path | None = None, limits: Limits | None = None) -> Path:
    """Write ``nbgrader_config.py`` for every week of the course and return the course directory.

    By default the course directory, exchange and limits are the kit's (``paths.course_dir()``,
    ``exchange_dir()``, the environment's); a grading job (``jobs.py``) writes one for its private copy.
    """
    root, exchange = root or paths.course_dir(), exchange or exchange_dir()
    root.mkdir(parents=True, exist_ok=True)
    exchange.mkdir(parents=True, exist_ok=True)
    limits = limits or Limits.from_env()
    timeout = max(1, round(limits.cell_seconds or limits.wall_seconds))  # one notebook cell of the student's
    (root / "nbgrader_config.py").write_text(CONFIG.format(
        root=str(root), course_id=COURSE_ID, exchange=str(exchange), timeout=timeout,
        exclude={week: student_modules(week) for week in paths.weeks()}), encoding="utf-8")
    return root


def nbgrader_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment an nbgrader command runs in: this one, with ``env`` added and this Python's
    scripts first on PATH (nbgrader runs ``alembic`` and kernels from PATH)."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, **(env or {}), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def nbgrader(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run one ``nbgrader`` command in the course directory (``cwd``, with ``env`` added to the environment);
    raise NbgraderError if it fails."""
    code, output = nbgrader_process.run(list(args), cwd or paths.course_dir(), nbgrader_environment(env))
    if code != 0:
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {code}):\n{output}")
    return output


def release(week: str) -> Path:
    """Build nbgrader's source folder for ``week``, generate the student version and release it; the course gets
    its secret (``draws``) the first time."""
    root = write_config()
    draws.ensure_secret(root)
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


def collect(week: str) -> intake.Collection:
    """Collect each student's latest submission of ``week`` from the exchange into ``submitted/``.

    The kit does this itself rather than ``nbgrader collect``, which follows links with the instructor's rights
    and stops the whole class on one malformed folder (``intake``).
    """
    root = paths.course_dir()
    if not (root / "gradebook.db").exists():
        raise NbgraderError(f"there is no course in {root} yet: release the assignment first (make release)")
    return intake.collect(week, exchange_dir() / COURSE_ID / "inbound", root / "submitted", intake_records(week),
                          wanted=frozenset(p.name for p in (paths.ASSIGNMENTS / week).iterdir()))


def intake_records(week: str) -> Path:
    """Where ``collect`` keeps what it collected of ``week`` from where (``intake.Received`` per student)."""
    return paths.course_dir() / ".nngrader" / "intake" / week


@dataclass(frozen=True)
class Outcome:
    """What grading did with one student's submission."""

    student: str
    status: str  # "graded", "skipped" (unchanged since it was graded) or "failed"
    detail: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        """The line ``make grade`` prints; the student's id and the detail (file names, nbgrader's words) escaped."""
        return f"{self.status:>7}  {printable(self.student)}" + (f": {printable(self.detail)}" if self.detail else "") \
            + (f" ({self.seconds:.0f} s)" if self.seconds else "")


def submitted_students(week: str) -> list[str]:
    """Students with a collected submission of ``week``."""
    return sorted(p.parent.name for p in (paths.course_dir() / "submitted").glob(f"*/{week}") if p.is_dir())


def grade(week: str, force: bool = False, progress: bool = True, workers: int | None = None,
          scheduler: str | None = None) -> tuple[Path, list[Outcome]]:
    """Autograde each collected submission of ``week``, then export ``grades.csv``.

    Submissions are graded in parallel, each by the real ``nbgrader autograde``
    in a private copy of the course (``jobs.py``): ``workers`` at a time on this
    machine (default: one per core), or on the Dask cluster whose scheduler is
    at ``scheduler``. Grades reach the gradebook from this process alone, one
    student at a time, so they are the same whatever the number of workers.

    A student is graded again only if the submission changed since it was
    graded (or ``force``). The record of what was graded is written after each
    student, so a run stopped part-way (even ``kill -9``) resumes where it
    stopped and loses nothing. A submission nbgrader cannot grade (a notebook
    that is not valid JSON, say) is reported and the others go on.
    """
    from . import jobs  # jobs runs nbgrader through this module

    with lock.held(paths.course_dir() / ".nngrader" / "grade.lock", "make grade"):
        preflight.check_machine(week)
        return _grade(jobs, week, force, progress, workers, scheduler)


def _grade(jobs, week: str, force: bool, progress: bool, workers: int | None,
           scheduler: str | None) -> tuple[Path, list[Outcome]]:
    record = _GradedRecord(paths.course_dir() / ".nngrader" / f"graded-{week}.json")
    outcomes, todo = [], {}
    students = submitted_students(week)
    known = roster()
    for student in students:
        folder = paths.course_dir() / "submitted" / student / week
        try:
            dropped = intake.clean_in_place(folder)
        except OSError as error:  # the folder itself is a link, or vanished
            outcomes.append(Outcome(student, "failed", f"its submitted folder cannot be read safely ({error})"))
            continue
        received = intake.record_of(intake_records(week), student)
        collected = [f"{len(received.dropped)} entries were dropped at collect (links, special files or over "
                     "the caps: make collect lists them)"] if received and received.dropped else []
        notes = [*(received.flags if received else ()), *collected, *dropped, *inspect_submission(week, folder),
                 *replace_broken_notebooks(week, student)]
        if known and student not in known:
            notes.insert(0, f"{student} is not on the class roster (nbgrader db student list): graded, and added "
                         "to the gradebook; check the name")
        stamp = intake.fingerprint(folder)  # after the repairs, so a repaired folder fingerprints the same later
        if not force and record.get(student) == stamp:
            outcomes.append(Outcome(student, "skipped", "unchanged since it was graded"))
        else:
            todo[student] = (stamp, notes)
    bar = tqdm(total=len(students), initial=len(students) - len(todo), desc=f"grading {week}", unit="student",
               disable=not progress or not students,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} students "
                          "[{elapsed} elapsed, {remaining} left]{postfix}")
    with bar:
        for student, outcome, seconds in jobs.run_all(week, list(todo), workers=workers, scheduler=scheduler):
            stamp, notes = todo[student]
            if isinstance(outcome, BaseException):  # not recorded as graded: the next make grade tries again
                outcomes.append(Outcome(student, "failed", _reason(str(outcome)) or type(outcome).__name__))
            else:
                jobs.apply(week, student, outcome)
                record.set(student, stamp)
                notes += [f"{notebook}.ipynb: {problem}" for notebook, problems in
                          store.problems(week, student).items() for problem in problems]
                outcomes.append(Outcome(student, "graded", "; ".join(notes), seconds))
            bar.set_postfix_str(f"last: {printable(student)}")
            bar.update()
    out = paths.course_dir() / "grades.csv"
    nbgrader("export", f"--to={out}", "--exporter=autograder.export.CsvWithBonus")
    return out, sorted(outcomes, key=lambda o: o.student)


def roster() -> set[str]:
    """The students in nbgrader's gradebook (empty before the first grading if no roster was imported)."""
    database = paths.course_dir() / "gradebook.db"
    if not database.exists():
        return set()
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return {row[0] for row in db.execute("SELECT id FROM student")}  # nbgrader's own table


def inspect_submission(week: str, folder: Path) -> list[str]:
    """Report lines for what is wrong with a submitted folder before it is graded (nothing is changed)."""
    modules = sorted({f"{check.module}.py" for check in collect_checks(week)})
    files = [p for p in intake.regular_files(folder) if p.parent == folder and p.name not in intake.NBGRADER_FILES]
    if not files:
        return ["empty submission: no files were submitted, so every check scores 0"]
    notes = []
    missing = [name for name in modules if name not in {p.name for p in files}]
    if missing:
        others = sorted({p.name for p in files if p.suffix == ".py"} - set(modules))
        notes.append(f"missing {', '.join(missing)} (their checks score 0)"
                     + (f"; found instead: {', '.join(others)}" if others else ""))
    for path in files:
        if path.suffix == ".py":
            try:
                path.read_bytes().decode("utf-8")
            except UnicodeDecodeError as error:
                notes.append(f"{path.name} is not UTF-8 text (byte {error.start}): Python cannot import it, "
                             "so its checks score 0; save it as UTF-8")
    return notes


def replace_broken_notebooks(week: str, student: str) -> list[str]:
    """Put the released notebook in place of each submitted one that is not a valid notebook.

    The student's modules are what is graded, so a damaged notebook should not
    cost them: their file is kept beside it (``<name>.ipynb.broken``) and the
    returned notes say what happened, for the grading report.
    """
    folder = paths.course_dir() / "submitted" / student / week
    notes = []
    for released in sorted((paths.course_dir() / "release" / week).glob("*.ipynb")):
        submitted = folder / released.name
        try:
            nbformat.validate(nbformat.read(submitted, as_version=4))
            continue
        except FileNotFoundError:
            problem = "was missing"
        except Exception as error:  # not JSON, not a notebook, not UTF-8: nbformat raises several kinds
            problem = f"was not a valid notebook ({type(error).__name__}: {str(error).splitlines()[0][:80]})"
            os.replace(submitted, submitted.with_name(submitted.name + ".broken"))
        shutil.copy2(released, submitted)
        notes.append(f"{released.name} {problem}: graded with the released notebook in its place")
    return notes


def _reason(log: str) -> str:
    """The most telling line of a failed nbgrader run: its last exception, else its last error."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    exceptions = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Fault|NotGraded|Unavailable): ",
                                                     line)]
    errors = [line.split("] ", 1)[-1] for line in lines if "| ERROR]" in line]
    return (exceptions or errors or lines or ["nbgrader failed"])[-1]


class _GradedRecord:
    """``student -> submission fingerprint`` of every submission graded, saved atomically after each change."""

    def __init__(self, path: Path):
        self.path = path
        self.entries = json.loads(path.read_text()) if path.exists() else {}

    def get(self, student: str) -> str | None:
        return self.entries.get(student)

    def set(self, student: str, stamp: str) -> None:
        self.entries[student] = stamp
        write_atomically(self.path, json.dumps(self.entries, indent=1, sort_keys=True))


def feedback(week: str) -> tuple[Path, list[str]]:
    """Write and release each student's feedback (HTML without the hidden grading code).

    One command for the class; if it fails, one per student, so one student's problem (a folder nbgrader
    cannot release) costs only their feedback. Returns the feedback folder and a line per student that failed.
    """
    problems = []
    for verb, extra in (("generate_feedback", ["--force"]), ("release_feedback", [])):
        try:
            nbgrader(verb, week, *extra)
        except NbgraderError:
            for student in sorted(p.parent.name for p in (paths.course_dir() / "autograded").glob(f"*/{week}")):
                try:
                    nbgrader(verb, week, f"--student={student}", *extra)
                except NbgraderError as error:
                    problems.append(f"{printable(student)}: {verb} failed: {_reason(str(error))}")
    return paths.course_dir() / "feedback", problems


def read_grades(path: Path, week: str) -> list[dict[str, str]]:
    """The rows of ``grades.csv`` for ``week``, each cell as the gradebook holds it (``export.py`` wrote text that
    could start a formula with a leading quote)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [{column: from_spreadsheet_cell(cell) for column, cell in row.items()} for row in csv.DictReader(handle)]
    return [row for row in rows if row["assignment"] == week]
