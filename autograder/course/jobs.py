"""One student's ``nbgrader autograde`` as a self-contained job, so that it can run anywhere.

nbgrader grades one notebook after another and writes every grade straight
into one SQLite gradebook, so two autogrades at once would fight over it. The
kit grades in parallel without sharing anything that can be written:

1. ``pack`` (in the grading process) puts what one autograde reads into one
   archive: the course's config, the week's source folder, the student's
   submission, a snapshot of the gradebook without the student's automatic
   points (so that a grade this autograde does not write is 0, never the
   last grading's), and the course secret the graders draw their problems
   from (``draws``).
2. ``run`` (anywhere: a thread here, or a Dask worker on another machine)
   unpacks it into a private course directory, runs the real ``nbgrader
   autograde`` there (the kit's sandbox and graders included), gives the
   extra-credit checks' points as their grades' extra credit, and packs what
   came out: the autograded folder, the kit's saved check results, and the
   private gradebook.
3. ``apply`` (back in the grading process, one job at a time) puts the
   autograded folder and the results in place and copies the student's grades
   from the private gradebook into the course's gradebook: the one place that
   writes it.

A worker needs the kit installed (with bubblewrap) and the MNIST files
(``NNGRADER_DATA_DIR``); it needs no shared file system.
"""

from __future__ import annotations

import concurrent.futures
import io
import itertools
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from autograder import intake, paths, store
from autograder.course import nbgrader_commands
from autograder.grading import draws
from autograder.results import CheckResult, check_of, is_bonus
from autograder.sandbox.limited import Limits

#: Paths inside a job's archive: a course directory's own, relative to it.
IN_ARCHIVE = paths.CourseLayout(Path())
LIMITS = "limits.json"


def pack(week: str, student: str) -> bytes:
    """The archive one autograde of ``student``'s ``week`` needs: source, submission, gradebook, the course
    secret, and this process's limits (so a worker elsewhere grades under the instructor's limits and draws the
    instructor's numbers, not its own)."""
    layout = paths.course()
    root = layout.root
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive, tempfile.TemporaryDirectory() as tmp:
        snapshot = Path(tmp) / IN_ARCHIVE.gradebook
        _copy_database(layout.gradebook, snapshot)
        _forget_automatic_points(snapshot, week, student)
        archive.add(snapshot, str(IN_ARCHIVE.gradebook))
        (Path(tmp) / LIMITS).write_text(json.dumps(Limits.from_env().as_env()), encoding="utf-8")
        archive.add(Path(tmp) / LIMITS, LIMITS)
        secret = draws.ensure_secret(root)
        archive.add(secret, str(secret.relative_to(root)))
        archive.add(layout.source(week), str(IN_ARCHIVE.source(week)))
        # through the intake's copy: only regular files travel, whatever was put into submitted/ by hand
        intake.copy_tree(layout.submitted(student, week), Path(tmp) / "staged")
        archive.add(Path(tmp) / "staged", str(IN_ARCHIVE.submitted(student, week)))
    return buffer.getvalue()


def run(week: str, student: str, job: bytes) -> bytes:
    """Autograde a packed job in a private course directory; the archive of what came out.

    Raises ``nbgrader_commands.NbgraderError`` if nbgrader fails, as a grading in place would.
    """
    with tempfile.TemporaryDirectory(prefix=f"nngrader-job-{student}-") as tmp:
        root = Path(tmp) / "course"
        root.mkdir()
        _extract(job, root)
        env = {**json.loads((root / LIMITS).read_text(encoding="utf-8")),
               "NNGRADER_COURSE_DIR": str(root), "NNGRADER_EXCHANGE": str(Path(tmp) / "exchange")}
        nbgrader_commands.write_config(root, exchange=Path(env["NNGRADER_EXCHANGE"]), limits=Limits.from_env(env))
        nbgrader_commands.nbgrader("autograde", week, f"--student={student}", "--force", cwd=root, env=env)
        _give_extra_credit(paths.course(root).gradebook, week, student, store.saved(week, student, root))
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(paths.course(root).gradebook, str(IN_ARCHIVE.gradebook))
            archive.add(paths.course(root).autograded(student, week), str(IN_ARCHIVE.autograded(student, week)))
            results = store.results_dir(week, root) / student
            if results.is_dir():
                archive.add(results, str(results.relative_to(root)))
        return buffer.getvalue()


def apply(week: str, student: str, outcome: bytes) -> None:
    """Put a finished job's autograded folder and results in place, and its grades into the gradebook."""
    root = paths.course_dir()
    with tempfile.TemporaryDirectory(dir=root, prefix=".job-") as tmp:
        done = Path(tmp)
        _extract(outcome, done)
        for part in (IN_ARCHIVE.autograded(student, week), IN_ARCHIVE.check_results(week) / student):
            target = root / part
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            if (done / part).exists():
                os.replace(done / part, target)
        copy_grades(done / IN_ARCHIVE.gradebook, paths.course(root).gradebook, week, student)


def copy_grades(source: Path, target: Path, week: str, student: str) -> None:
    """Make ``target``'s record of ``student``'s ``week`` (student, submission, grades, comments) ``source``'s."""
    with Gradebook(f"sqlite:///{source}") as src, Gradebook(f"sqlite:///{target}") as dst, \
            warnings.catch_warnings():
        # nbgrader's add_submission builds its rows in a way SQLAlchemy warns about (its own autograde does too)
        warnings.simplefilter("ignore", SAWarning)
        theirs = src.find_submission(week, student)
        person = theirs.student
        dst.update_or_create_student(student, first_name=person.first_name, last_name=person.last_name,
                                     email=person.email, lms_user_id=person.lms_user_id)
        try:
            ours = dst.find_submission(week, student)
        except MissingEntry:
            ours = dst.add_submission(week, student)
        ours.timestamp, ours.extension = theirs.timestamp, theirs.extension
        for notebook in theirs.notebooks:
            mine = dst.find_submission_notebook(notebook.name, week, student)
            mine.flagged, mine.late_submission_penalty = notebook.flagged, notebook.late_submission_penalty
            for grade in notebook.grades:
                into = dst.find_grade(grade.name, notebook.name, week, student)
                into.auto_score, into.manual_score = grade.auto_score, grade.manual_score
                into.extra_credit, into.needs_manual_grade = grade.extra_credit, grade.needs_manual_grade
            for comment in notebook.comments:
                into = dst.find_comment(comment.name, notebook.name, week, student)
                into.auto_comment, into.manual_comment = comment.auto_comment, comment.manual_comment
        dst.db.commit()


def _give_extra_credit(database: Path, week: str, student: str, results: dict[str, CheckResult]) -> None:
    """Give each extra-credit check's earned points as its grade's extra credit (its cell is worth 0 in nbgrader,
    so that nbgrader's maximum leaves extra credit out, as the kit's does)."""
    with Gradebook(f"sqlite:///{database}") as gradebook:
        for notebook in gradebook.find_submission(week, student).notebooks:
            for grade in notebook.grades:
                check = check_of(grade.name) if is_bonus(grade.name) else None
                if check in results:
                    grade.extra_credit = results[check].earned
        gradebook.db.commit()


def _forget_automatic_points(database: Path, week: str, student: str) -> None:
    """Clear ``student``'s automatic points for ``week`` in a copy of the gradebook, before it is regraded.

    ``copy_grades`` brings back every grade of the job's gradebook, and nbgrader
    writes only the grades of the cells it finds: a grade it did not write
    would keep the last grading's points. The extra credit grading gave
    (``_give_extra_credit``) goes the same way. Manual grades stay (nbgrader
    lets them override automatic ones).
    """
    with Gradebook(f"sqlite:///{database}") as gradebook:
        try:
            submission = gradebook.find_submission(week, student)
        except MissingEntry:
            return
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = None
                if is_bonus(grade.name):
                    grade.extra_credit = None
        gradebook.db.commit()


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (its backup API)."""
    if not source.exists():
        raise nbgrader_commands.NbgraderError(f"{source} does not exist: release the assignment first (make release)")
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _extract(archive: bytes, folder: Path) -> None:
    """Unpack a job's archive into ``folder``: folders and regular files only, all inside ``folder``."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        tar.extractall(folder, filter=_files_only)


def _files_only(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
    """tarfile's "data" filter, refusing links of every kind too (a link could reach the gradebook snapshot)."""
    if not (member.isfile() or member.isdir()):
        raise tarfile.FilterError(f"{member.name!r} in a grading job is not a file or a folder")
    return tarfile.data_filter(member, path)


def run_timed(week: str, student: str, job: bytes) -> tuple[bytes, float]:
    """``run``, and the seconds it took where it ran (queueing not included)."""
    start = time.perf_counter()
    outcome = run(week, student, job)
    return outcome, time.perf_counter() - start


def run_all(week: str, students: list[str], workers: int | None = None,
            scheduler: str | None = None) -> Iterator[tuple[str, bytes | BaseException, float]]:
    """Autograde ``students`` ``workers`` at a time here, or on the Dask scheduler at ``scheduler``.

    Yields ``(student, outcome or the exception that stopped it, seconds)`` as jobs finish. Jobs are packed
    only when a worker is about to be free (a few in flight per worker), so a class of hundreds does not sit
    in memory at once.
    """
    engine = _DaskEngine(scheduler) if scheduler else _LocalEngine(workers or os.cpu_count() or 1)
    with engine:
        waiting = iter(students)
        for student in itertools.islice(waiting, engine.window):
            engine.submit(student, run_timed, week, student, pack(week, student))
        while engine.busy:
            student, outcome, error = engine.next_done()
            next_student = next(waiting, None)
            if next_student is not None:
                engine.submit(next_student, run_timed, week, next_student, pack(week, next_student))
            yield (student, error, 0.0) if error is not None else (student, *outcome)


class _LocalEngine:
    """Jobs on threads of this process: each one's work is an ``nbgrader`` process, so threads suffice."""

    def __init__(self, workers: int):
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nngrader-job")
        self.window = 2 * workers
        self.pending: dict[concurrent.futures.Future, str] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True, cancel_futures=True)

    @property
    def busy(self) -> bool:
        return bool(self.pending)

    def submit(self, student: str, function, *args) -> None:
        self.pending[self.pool.submit(function, *args)] = student

    def next_done(self):
        done, _ = concurrent.futures.wait(self.pending, return_when=concurrent.futures.FIRST_COMPLETED)
        future = min(done, key=lambda f: self.pending[f])  # several may be done: take them in a fixed order
        student = self.pending.pop(future)
        error = future.exception()
        return student, None if error else future.result(), error


class _DaskEngine:
    """Jobs on a Dask cluster (``dask.distributed``): each is one task; results come back as bytes."""

    def __init__(self, address: str):
        from dask.distributed import Client, as_completed  # only needed on this path

        self.client = Client(address, set_as_default=False)
        self.window = 2 * max(1, sum(self.client.nthreads().values()))
        self.finished = as_completed(loop=self.client.loop, raise_errors=False)
        self.students: dict[str, str] = {}
        self.count = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()

    @property
    def busy(self) -> bool:
        return self.count > 0

    def submit(self, student: str, function, *args) -> None:
        future = self.client.submit(function, *args, key=f"nngrader-{student}-{uuid.uuid4().hex[:8]}", pure=False)
        self.students[future.key] = student
        self.finished.add(future)
        self.count += 1

    def next_done(self):
        future = next(self.finished)
        self.count -= 1
        student = self.students.pop(future.key)
        try:
            return student, future.result(), None
        except Exception as error:  # nbgrader's failure, or a worker that died: the student is reported
            return student, None, error
