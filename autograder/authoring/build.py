"""Derive what students get (``assignments/<week>/``) from the one source (``solutions/<week>/``).

``make assignments`` writes it; ``stale_files`` tells when the committed copy
no longer matches its source, and a test of the kit fails then.
"""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from autograder import paths
from autograder.authoring import notebooks
from autograder.authoring.stubs import strip_solutions
from autograder.grading.checklist import collect_checks, rubric_parts


def build_assignment(week: str, out: Path | None = None, *, for_students: bool = True) -> Path:
    """Write ``week``'s student folder to ``out`` (default ``assignments/<week>``) and return it.

    With ``for_students=False`` it writes nbgrader's source version instead: the
    same stubs, but the notebook keeps its hidden grading regions.
    """
    source = paths.SOLUTIONS / paths.check_week(week)
    out = Path(out or paths.ASSIGNMENTS / week)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if path.name.endswith(notebooks.SUFFIX):
            nb = notebooks.build(path, week, collect_checks(week), for_students=for_students,
                                 rubric=rubric_parts(week))
            notebooks.write(nb, out / notebooks.notebook_name(path))
        elif path.suffix == ".py":
            (out / path.name).write_text(strip_solutions(path.read_text(encoding="utf-8"), path.name),
                                         encoding="utf-8")
        elif path.is_file():
            shutil.copy2(path, out / path.name)
    for module in paths.PROVIDED_MODULES:
        shutil.copy2(module, out / module.name)
    shutil.copy2(paths.STUDENT_CONFTEST, out / "conftest.py")
    return out


def stale_files(week: str) -> list[str]:
    """Files of ``assignments/<week>`` that differ from a fresh build (missing, extra or changed)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build_assignment(week, Path(tmp) / week)
        committed = paths.ASSIGNMENTS / week
        if not committed.is_dir():
            return sorted(p.name for p in fresh.iterdir())
        compare = filecmp.dircmp(fresh, committed, ignore=["__pycache__", ".pytest_cache"])
        _, mismatch, errors = filecmp.cmpfiles(fresh, committed, compare.common_files, shallow=False)
        return sorted(compare.left_only + compare.right_only + mismatch + errors)
