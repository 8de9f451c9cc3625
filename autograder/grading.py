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

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, replace
from functools import lru_cache
from pathlib import Path

import pytest

from . import paths
from .faults import KitFault, student_message
from .results import CheckResult, CheckSpec, read_jsonl, write_atomically
from .sandbox import Limits, run_limited

# --assert=plain and --tb=native: the plugin words every failure from the exception itself, so pytest need not
# rewrite the graders' asserts or parse their source to draw tracebacks (0.4 s of a stub's grading run)
PYTEST_ARGS = ["-p", "autograder.plugin", "-p", "no:cacheprovider", "-p", "no:timeout", "--import-mode=importlib",
               "--assert=plain", "--tb=native", "-c", os.devnull, "-q", "--no-header",
               "-o", "console_output_style=classic"]


class GradingError(KitFault):
    """The graders themselves could not be collected: a problem of the kit, not of a submission."""


def grader_files(week: str) -> list[Path]:
    """The hidden grader files of ``week`` (``autograder/<week>/test_*.py``)."""
    return sorted((paths.GRADERS / paths.check_week(week)).glob("test_*.py"))


@lru_cache(maxsize=None)
def collect_checks(week: str) -> tuple[CheckSpec, ...]:
    """Every check of ``week`` with its title, points and time limit, without running student code.

    Collecting takes a pytest process (about 0.6 s), and every nbgrader process
    of a grading needs the list: it is kept in the cache folder under a key
    that changes with any file of the kit's graders, pytest and Python.
    """
    cached = paths.cache_dir() / "checks" / f"{week}-{_graders_key()}.json"
    try:
        return tuple(CheckSpec(**spec) for spec in json.loads(cached.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    specs = _collect(week)
    try:
        write_atomically(cached, json.dumps([asdict(spec) for spec in specs]))
    except OSError:
        pass  # no writable cache: collect again next time
    return specs


def _graders_key() -> str:
    """A digest of everything collection reads: the kit's Python files, and the pytest and Python versions."""
    digest = hashlib.sha256(f"{pytest.__version__} {sys.version}".encode())
    for path in sorted(paths.GRADERS.rglob("*.py")):
        digest.update(f"{path.relative_to(paths.GRADERS)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _collect(week: str) -> tuple[CheckSpec, ...]:
    """Collect ``week``'s graders in a pytest process (``--collect-only``): the plugin writes one spec per check."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "checks.jsonl"
        done = subprocess.run([sys.executable, "-m", "pytest", *PYTEST_ARGS, "--collect-only",
                               f"--rootdir={paths.GRADERS}", f"--nngrader-out={out}",
                               *map(str, grader_files(week))],
                              capture_output=True, text=True, cwd=tmp)
        specs = read_jsonl(out, CheckSpec)
    if done.returncode != 0 or not specs:
        raise GradingError(f"the graders of {week} do not collect:\n{done.stdout}{done.stderr}",
                           f"fix autograder/{week}/test_*.py until `python -m pytest --collect-only "
                           f"autograder/{week}` passes")
    return tuple(specs)


def bonus_check_ids(week: str) -> set[str]:
    """The ids of ``week``'s extra-credit checks (``@pytest.mark.bonus``): never counted in a maximum."""
    return {spec.id for spec in collect_checks(week) if spec.bonus}


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


def not_graded(spec: CheckSpec, fault: BaseException) -> CheckResult:
    """The result of a check the kit could not grade (``faults``): no points, no verdict, no hint."""
    reason, fix = (fault.reason, fault.fix) if isinstance(fault, KitFault) else (str(fault), "")
    return CheckResult(id=spec.id, title=spec.title, max_points=spec.points, passed=False, graded=False,
                       message=student_message(fault), data={"fault": reason, "fix": fix})


def student_id_of_user() -> str:
    """The id nbgrader gives the user running this (JupyterHub's user name, else the login name)."""
    import getpass

    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
