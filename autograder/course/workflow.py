"""The one module that drives nbgrader: course directory, release, collect, grade, feedback.

Every step calls the real ``nbgrader`` command line in the course directory
(``paths.course_dir()``), configured by the ``nbgrader_config.py`` that
``nbgrader_commands`` writes (read there which settings keep grading honest).

grades.csv is written through the kit's export plugin (``export.py``), which
keeps extra credit out of the maximum.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from tqdm import tqdm

from autograder import gradebook, intake, paths, store
from autograder.authoring.build import build_assignment
from autograder.course import jobs, lock, preflight
from autograder.course.nbgrader_commands import COURSE_ID, NbgraderError, exchange_dir, nbgrader, write_config
from autograder.grading import draws
from autograder.grading.checklist import collect_checks
from autograder.results import write_atomically
from autograder.untrusted import printable


def release(week: str) -> Path:
    """Build nbgrader's source folder for ``week``, generate the student version and release it; the course gets
    its secret (``draws``) the first time."""
    layout = paths.course(write_config())
    for folder in layout.instructors_folders:
        folder.mkdir(exist_ok=True)
    keep_from_students(layout)  # before the solutions are written into source/
    draws.ensure_secret(layout.root)
    build_assignment(week, layout.source(week), for_students=False)
    nbgrader("generate_assignment", week, "--force")
    nbgrader("release_assignment", week, "--force")
    keep_from_students(layout)  # the gradebook nbgrader made
    return layout.release(week)


def keep_from_students(layout: paths.CourseLayout) -> None:
    """Take other users' permissions off everything in the course directory but the students' config and the
    exchange, and leave the directory itself traversable, not listable.

    Students on this machine pass through the course directory, where their config and (by default) the
    exchange are; everything else in it is the instructor's: the solutions in ``source/``, every student's
    submission, feedback and grades. nbgrader and the kit create those with the umask's modes (0644 and 0755
    under the usual 022): release makes the instructor's folders (``CourseLayout.instructors_folders``) before
    writing in them, and the verbs that write in the course run this. Group permissions are left as they are,
    for a course its instructors share through a group, and what another user owns stays as its owner made it.
    """
    shared = [layout.student_config.parent, exchange_dir()]
    _set_mode(layout.root, lambda mode: mode & ~0o006 | 0o001)
    for entry in layout.root.iterdir():
        if not entry.is_symlink() and not any(entry == path or entry in path.parents for path in shared):
            _set_mode(entry, lambda mode: mode & ~0o007)


def _set_mode(path: Path, change: Callable[[int], int]) -> None:
    mode = stat.S_IMODE(path.lstat().st_mode)
    if change(mode) != mode:
        with contextlib.suppress(PermissionError):  # another user's
            path.chmod(change(mode))


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


def require_release(week: str) -> paths.CourseLayout:
    """The course, once ``week`` has been released in it; else say to run make release (before an instructor's
    verb creates anything)."""
    layout = paths.course()
    if not layout.gradebook.exists():
        raise NbgraderError(f"there is no course in {layout.root} yet: run make release first")
    if not layout.release(week).is_dir():
        raise NbgraderError(f"{week} has not been released in {layout.root} yet: run make release WEEK={week} first")
    return layout


def collect(week: str) -> intake.Collection:
    """Collect each student's latest submission of ``week`` from the exchange into ``submitted/``.

    The kit does this itself rather than ``nbgrader collect``, which follows links with the instructor's rights
    and stops the whole class on one malformed folder (``intake``).
    """
    layout = require_release(week)
    keep_from_students(layout)  # a course released by an earlier kit
    return intake.collect(week, exchange_dir() / COURSE_ID / "inbound", layout.submitted_root,
                          layout.intake_records(week),
                          wanted=frozenset(p.name for p in (paths.ASSIGNMENTS / week).iterdir()))


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
    return sorted(p.parent.name for p in paths.course().submitted_root.glob(f"*/{week}") if p.is_dir())


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
    require_release(week)
    with lock.held(paths.course().grade_lock, "make grade"):
        preflight.check_machine(week)
        return _grade(week, force, progress, workers, scheduler)


def _grade(week: str, force: bool, progress: bool, workers: int | None,
           scheduler: str | None) -> tuple[Path, list[Outcome]]:
    layout = paths.course()
    record = _GradedRecord(layout.graded_record(week))
    outcomes, todo = [], {}
    students = submitted_students(week)
    known = gradebook.students(layout.gradebook)
    for student in students:
        folder = layout.submitted(student, week)
        try:
            dropped = intake.clean_in_place(folder)
        except OSError as error:  # the folder itself is a link, or vanished
            outcomes.append(Outcome(student, "failed", f"its submitted folder cannot be read safely ({error})"))
            continue
        received = intake.record_of(layout.intake_records(week), student)
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
    return export_grades(), sorted(outcomes, key=lambda o: o.student)


def export_grades() -> Path:
    """Write grades.csv from the gradebook as it is now (a TA's overrides in formgrader included), through the
    kit's exporter (``export.py``)."""
    out = paths.course().grades_csv
    nbgrader("export", f"--to={out}", "--exporter=autograder.course.export.CsvWithBonus")
    keep_from_students(paths.course())  # grades.csv
    return out


def refresh_grades() -> None:
    """Export grades.csv again if make grade has written it: before a report or feedback, so that what they show
    is the gradebook as it is now, not as it was at grading (a course never graded keeps having none)."""
    if paths.course().grades_csv.is_file():
        export_grades()


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
    layout = paths.course()
    folder = layout.submitted(student, week)
    notes = []
    for released in sorted(layout.release(week).glob("*.ipynb")):
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
    keep_from_students(require_release(week))  # a course released by an earlier kit
    problems = []
    for verb, extra in (("generate_feedback", ["--force"]), ("release_feedback", [])):
        try:
            nbgrader(verb, week, *extra)
        except NbgraderError:
            for student in sorted(p.parent.name for p in paths.course().autograded_root.glob(f"*/{week}")):
                try:
                    nbgrader(verb, week, f"--student={student}", *extra)
                except NbgraderError as error:
                    problems.append(f"{printable(student)}: {verb} failed: {_reason(str(error))}")
    return paths.course().feedback_root, problems
