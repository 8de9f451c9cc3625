"""Run a week's hidden graders on one submission folder and report per check.

The graders run in a separate pytest process under a wall-clock limit; the
student's code runs in a sandboxed worker that process drives (``plugin``,
``student_process``). This process only reads the JSON lines the graders
leave behind. A check with no
line (the run was killed or timed out before reaching it) scores 0 with the
reason. Each module's checks share ``Limits.wall_seconds`` (the plugin keeps
count), and a run of several modules gets the sum. Under ``nbgrader
autograde``, ``nbgrader_hooks.KitGrades`` calls ``run_checks`` once per
submission and writes the results into each notebook's grading cells.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from autograder import paths
from autograder.faults import KitFault, not_graded
from autograder.grading.checklist import PYTEST_ARGS, collect_checks
from autograder.results import CheckResult, read_jsonl
from autograder.sandbox.limited import Limits, run_limited


def run_checks(week: str, submission: Path, limits: Limits | None = None, log: Path | None = None,
               only: tuple[str, ...] = (), modules: tuple[str, ...] = (),
               student_id: str = "") -> list[CheckResult]:
    """Grade the folder ``submission`` with ``week``'s hidden graders; one result per check.

    ``only`` restricts the run to those check ids, ``modules`` to the checks of
    those modules (all checks by default). ``student_id`` reaches graders whose
    exercise differs per student (fixture ``student_id``). ``log`` receives
    pytest's own output, for instructors: it quotes grader source.
    """
    limits = limits or Limits.from_env()
    submission = Path(submission).resolve()
    if not submission.is_dir():
        raise ValueError(f"{submission} is not a folder: give the folder that holds the student's .py files")
    specs = [spec for spec in collect_checks(week)
             if (not only or spec.id in only) and (not modules or spec.module in modules)]
    unknown = (set(only) - {spec.id for spec in specs}) | (set(modules) - {spec.module for spec in specs})
    if unknown:
        raise ValueError(f"no such checks or modules in {week}: {', '.join(sorted(unknown))}")
    graders = paths.GRADERS / week
    targets = [str(graders / f"test_{spec.module}.py::{spec.name}") for spec in specs]
    with tempfile.TemporaryDirectory(prefix="nngrader-") as tmp:
        out = Path(tmp) / "results.jsonl"
        env = {**os.environ, **limits.as_env(), "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
               "NNGRADER_STUDENT_ID": student_id}
        argv = [sys.executable, "-m", "pytest", *PYTEST_ARGS, f"--rootdir={paths.GRADERS}",
                f"--submission={submission}", f"--nngrader-out={out}", *targets]
        if log:
            argv.append(f"--nngrader-log={log}")
        # each module's checks share limits.wall_seconds (the plugin keeps count): the run gets the sum
        run_limits = replace(limits, wall_seconds=limits.wall_seconds * len({spec.module for spec in specs}))
        outcome = run_limited(argv, cwd=Path(tmp), limits=run_limits, env=env, log=log)
        found = {result.id: result for result in read_jsonl(out, CheckResult)}
    if outcome.timed_out:  # the student's code used up its modules' time: their fault, a 0 with the reason
        missing = (f"not run: {outcome.describe(run_limits)} before this check could finish\n"
                   "  hint:     all checks of a module share this limit: look for an endless loop or slow code")
        return [found.get(spec.id) or CheckResult(id=spec.id, title=spec.title, max_points=spec.points,
                                                  passed=False, message=missing) for spec in specs]
    ended = KitFault(f"the grading run ended early ({outcome.describe(run_limits)})",
                     "see the grading log (make check ... --log FILE) and report it as a bug of the kit")
    return [found.get(spec.id) or not_graded(spec, ended) for spec in specs]


def student_id_of_user() -> str:
    """The id nbgrader gives the user running this (JupyterHub's user name, else the login name)."""
    import getpass

    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
