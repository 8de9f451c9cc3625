"""Run a week's hidden graders on one submission folder and report per check.

The graders run in a separate, resource-limited process (see ``sandbox``);
this process only reads the JSON lines that run leaves behind. A check with no
line (the run was killed or timed out before reaching it) scores 0 with the
reason. ``score`` is what the notebook's hidden grading cells call under
``nbgrader autograde``: it runs the graders once per kernel and returns a
check's points, which nbgrader takes as that cell's (partial) credit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from . import paths
from .results import CheckResult, CheckSpec, read_jsonl
from .sandbox import Limits, run_limited

PYTEST_ARGS = ["-p", "autograder.plugin", "-p", "no:cacheprovider", "--import-mode=importlib",
               "-c", os.devnull, "-q", "--no-header", "-o", "console_output_style=classic"]


class GradingError(RuntimeError):
    """The graders themselves could not be collected: a problem of the kit, not of a submission."""


def grader_files(week: str) -> list[Path]:
    """The hidden grader files of ``week`` (``autograder/<week>/test_*.py``)."""
    return sorted((paths.GRADERS / paths.check_week(week)).glob("test_*.py"))


@lru_cache(maxsize=None)
def collect_checks(week: str) -> tuple[CheckSpec, ...]:
    """Every check of ``week`` with its title, points and time limit, without running student code."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "checks.jsonl"
        done = subprocess.run([sys.executable, "-m", "pytest", *PYTEST_ARGS, "--collect-only",
                               f"--rootdir={paths.GRADERS}", f"--nngrader-out={out}",
                               *map(str, grader_files(week))],
                              capture_output=True, text=True, cwd=tmp)
        specs = read_jsonl(out, CheckSpec)
    if done.returncode != 0 or not specs:
        raise GradingError(f"collecting the graders of {week} failed:\n{done.stdout}{done.stderr}")
    return tuple(specs)


def run_checks(week: str, submission: Path, limits: Limits | None = None,
               log: Path | None = None, only: tuple[str, ...] = ()) -> list[CheckResult]:
    """Grade the folder ``submission`` with ``week``'s hidden graders; one result per check.

    ``only`` restricts the run to those check ids (all checks by default).
    ``log`` receives pytest's own output, for instructors: it quotes grader source.
    """
    limits = limits or Limits.from_env()
    submission = Path(submission).resolve()
    if not submission.is_dir():
        raise ValueError(f"{submission} is not a folder: give the folder that holds the student's .py files")
    specs = [spec for spec in collect_checks(week) if not only or spec.id in only]
    unknown = set(only) - {spec.id for spec in specs}
    if unknown:
        raise ValueError(f"no such checks in {week}: {', '.join(sorted(unknown))}")
    graders = paths.GRADERS / week
    targets = ([str(graders / f"test_{spec.id.replace('::', '.py::', 1)}") for spec in specs] if only
               else list(map(str, grader_files(week))))
    with tempfile.TemporaryDirectory(prefix="nngrader-") as tmp:
        out = Path(tmp) / "results.jsonl"
        # One BLAS thread: on a busy machine, threaded OpenBLAS stalls training's small matmuls 10-100x.
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        argv = [sys.executable, "-m", "pytest", *PYTEST_ARGS, f"--rootdir={paths.GRADERS}",
                f"--submission={submission}", f"--nngrader-out={out}", *targets]
        outcome = run_limited(argv, cwd=submission, limits=limits, env=env, log=log)
        found = {result.id: result for result in read_jsonl(out, CheckResult)}
    hint = ("your code ended the Python process (sys.exit, os._exit, exit()): remove that call"
            if outcome.returncode >= 0 and not outcome.timed_out else
            "look for an endless loop, or arrays far larger than the data")
    missing = f"not run: {outcome.describe(limits)} before this check could finish\n  hint:     {hint}"
    return [found.get(spec.id) or CheckResult(id=spec.id, title=spec.title, max_points=spec.points,
                                              passed=False, message=missing) for spec in specs]


_RUNS: dict[tuple[str, Path], dict[str, CheckResult]] = {}


def score(week: str, check_id: str) -> float:
    """Print the report of one check and return its points (graders run once per kernel and folder)."""
    key = (week, Path.cwd().resolve())
    if key not in _RUNS:
        _RUNS[key] = {result.id: result for result in run_checks(week, key[1])}
    result = _RUNS[key][check_id]
    print(result.report())
    return result.points
