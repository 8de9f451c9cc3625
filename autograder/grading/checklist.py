"""The list of a week's checks, collected from its hidden graders without running student code.

Every part of the kit that names checks (building the notebooks' grading
cells, nbgrader's hooks, the stored results, feedback and reports) reads this
list; collecting it runs pytest in a process of its own, so that nothing here
imports pytest, and ``make assignments`` or a report never loads it.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import ModuleType

from autograder import paths
from autograder.faults import KitFault
from autograder.results import CheckSpec, RubricPart, read_jsonl, write_atomically

# --assert=plain and --tb=native: the plugin words every failure from the exception itself, so pytest need not
# rewrite the graders' asserts or parse their source to draw tracebacks (0.4 s of a stub's grading run)
PYTEST_ARGS = ["-p", "autograder.grading.plugin", "-p", "no:cacheprovider", "-p", "no:timeout",
               "--import-mode=importlib",
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
    digest = hashlib.sha256(f"{metadata.version('pytest')} {sys.version}".encode())
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


def week_policy(week: str) -> ModuleType | None:
    """The week's ``autograder/<week>/policy.py`` (its rubric, its accuracy run, ...), or None for a week without
    one."""
    name = f"autograder.{paths.check_week(week)}.policy"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name not in (name, name.rpartition(".")[0]):
            raise  # the policy exists but imports what is missing: a kit bug to see, not a week without policy
        return None


def rubric_parts(week: str) -> tuple[RubricPart, ...]:
    """What a TA grades by hand in ``week`` (its policy's ``RUBRIC``): none for a week without one."""
    return tuple(getattr(week_policy(week), "RUBRIC", ()))


def max_points(week: str) -> float:
    """``week``'s maximum, as nbgrader and grades.csv count it: every regular check and every rubric part (extra
    credit apart)."""
    return sum(spec.points for spec in collect_checks(week) if not spec.bonus) + \
        sum(part.points for part in rubric_parts(week))
