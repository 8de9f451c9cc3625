"""nbgrader as the kit runs it: the course's ``nbgrader_config.py`` and one nbgrader command.

Both the orchestrator (``course``) and the grading jobs (``jobs``), which run
nbgrader in a private copy of the course, need these; they live here so that
neither imports the other. Two settings matter for honest grading:

* ``Autograde.exclude_overwriting`` lists every module a student edits, so
  autograde grades the student's file instead of copying the released stub
  over it (nbgrader's default for files in the source folder).
* ``Autograde.autograde_preprocessors`` runs the student's notebook in a
  sandboxed kernel and takes every grading cell's score from the kit's graders
  (``nbgrader_hooks``), never from what the kernel printed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from autograder import paths
from autograder.authoring import notebooks
from autograder.course import nbgrader_process
from autograder.sandbox.limited import Limits

COURSE_ID = "nngrader"
CONFIG = '''\
# Written by nngrader (autograder/course/nbgrader_commands.py) on every release: edit that file, not this one.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
c.Autograde.exclude_overwriting = {exclude!r}
c.Autograde.sanitize_preprocessors = [
    "autograder.course.nbgrader_hooks.RepairGradingCells",  # the source's grading cells, once each, before checks
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "autograder.course.nbgrader_hooks.QuietVisibleChecks",  # no visible test runs under autograde
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "autograder.course.nbgrader_hooks.SandboxedExecute",  # the student's kernel runs in the sandbox
    "autograder.course.nbgrader_hooks.LimitOutputBytes",  # outputs capped in bytes, before anything else reads them
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.course.nbgrader_hooks.KitGrades",  # grading cells get the kit's verdict, never the kernel's output
    "autograder.course.nbgrader_hooks.RubricSources",  # the TA reads the student's .py beside each rubric part
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.SandboxedExecute.timeout = {timeout}
{validate}c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.course.nbgrader_hooks.CleanStudentCells",  # what the student wrote is data: no script, no style
    "autograder.course.nbgrader_hooks.KitReport",  # the kit's report on top: totals, what to fix first, every check
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.GenerateFeedback.exporter_class = "autograder.course.nbgrader_hooks.FeedbackExporter"  # the page's CSP
'''


#: What Validate needs, for instructors (the course's config) and students (``STUDENT_CONFIG``) alike: a notebook
#: cell's time as under autograde (nbgrader's default, 30 s, interrupts the training cells), and words that say
#: what Validate checked. nbgrader's "Success! Your notebook passes all the tests." is written in its code, not
#: configurable; the notebook's "Visible checks" cell prints that the hidden checks run after submitting.
VALIDATE = '''c.Execute.timeout = {timeout}
c.Validator.width = 150  # nbgrader cuts longer lines of the error it shows
c.Validator.failed_warning = (
    "VALIDATE FOUND {{num_failed}} PROBLEM(S): the visible checks below fail. Fix what they name, save your .py "
    "file and press Validate again; the hidden checks run after you submit.\\n")
c.Validator.changed_warning = (
    "{{num_changed}} LOCKED CELL(S) OF THIS NOTEBOOK HAVE CHANGED. They are restored when you are graded, and "
    "your grade comes from your .py files; to validate here, put the cells back (or fetch the assignment "
    "again into another folder).\\n")
'''
#: The student's ``~/.jupyter/nbgrader_config.py``: which course and exchange, and Validate as above.
STUDENT_CONFIG = '''\
# nngrader: your nbgrader settings for course {course_id!r}. Copy this file to ~/.jupyter/nbgrader_config.py
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = False  # the assignment is fetched to ./<week>, and submitted from there
{validate}'''


def student_commands(week: str) -> list[str]:
    """What a student runs, from their home folder, to fetch, check, submit and get feedback for ``week``."""
    config = paths.course().student_config
    return [f"mkdir -p ~/.jupyter && cp {config} ~/.jupyter/nbgrader_config.py   # once",
            f"nbgrader fetch_assignment {week}   # into ./{week}",
            f"cd {week} && python -m pytest; cd ..   # the visible tests",
            f"nbgrader validate {week}/<module>.ipynb   # or the Validate button in JupyterLab",
            f"nbgrader submit {week}",
            f"nbgrader fetch_feedback {week}   # after the instructor's make feedback: into ./{week}/feedback/"]


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
    validate = VALIDATE.format(timeout=timeout)
    layout = paths.course(root)
    layout.config.write_text(CONFIG.format(
        root=str(root), course_id=COURSE_ID, exchange=str(exchange), timeout=timeout, validate=validate,
        exclude={week: student_modules(week) for week in paths.weeks()}), encoding="utf-8")
    layout.student_config.parent.mkdir(exist_ok=True)
    layout.student_config.write_text(STUDENT_CONFIG.format(course_id=COURSE_ID, exchange=str(exchange),
                                                           validate=validate), encoding="utf-8")
    return root


def nbgrader_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment an nbgrader command runs in: this one, with ``env`` added and this Python's
    scripts first on PATH (nbgrader runs ``alembic`` and kernels from PATH)."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, **(env or {}), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def nbgrader(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run one ``nbgrader`` command in the course directory (``cwd``, with ``env`` added to the environment);
    raise NbgraderError if it fails."""
    if cwd is None and paths.course().config.exists():
        write_config()  # a course's config written by an earlier kit may name hooks that have moved since
    code, output = nbgrader_process.run(list(args), cwd or paths.course_dir(), nbgrader_environment(env))
    if code != 0:
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {code}):\n{output}")
    return output
