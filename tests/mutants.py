"""Planted bugs for the kit's own tests: a reference module with one mistake students really make.

A Mutation is a list of exact text edits of a reference module (each old
snippet must occur exactly once, so a mutation never silently does nothing)
and the checks it must fail, with the words each failure message must contain
to name the mistake, and the symptoms a failure must record (what
``autograder/reporting/advice.py`` reads). Grading runs are real: ``run_checks`` in a
limited process.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.authoring import notebooks
from autograder.grading.runner import run_checks
from autograder.results import CheckResult

#: Text of graders and tooling that must never reach a student.
GRADER_SOURCE = ("def test_", "expect_array(", "expect(", "GradeFailure", "Traceback", "autograder/")


def edit(source: str, old: str, new: str) -> str:
    """``source`` with the one occurrence of ``old`` replaced (fails if ``old`` is absent or repeated)."""
    count = source.count(old)
    assert count == 1, f"the snippet occurs {count} times, not once: {old!r}"
    return source.replace(old, new)


@dataclass(frozen=True)
class Mutation:
    """A mistake planted in ``module``: exact edits, check id -> phrases its failure must contain,
    check id -> symptoms its failure must record (see ``assert_symptoms``), and the checks to run (``only``;
    every check of the module by default)."""

    id: str
    module: str
    edits: tuple[tuple[str, str], ...]
    fails: dict[str, tuple[str, ...]]
    symptoms: dict[str, dict[str, Any]] = field(default_factory=dict)
    only: tuple[str, ...] = ()

    def apply(self, source: str) -> str:
        for old, new in self.edits:
            source = edit(source, old, new)
        return source


def reference_folder(folder: Path, week: str) -> Path:
    """A submission folder holding every reference module of ``week`` (they may import each other)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in (paths.SOLUTIONS / week).glob("*.py"):
        if not path.name.endswith(notebooks.SUFFIX) and not path.name.startswith("test_"):
            shutil.copy(path, folder / path.name)
    for module in paths.PROVIDED_MODULES:
        shutil.copy(module, folder / module.name)
    return folder


def grade_mutant(folder: Path, week: str, mutation: Mutation, **options) -> dict[str, CheckResult]:
    """Grade the reference with ``mutation`` applied, on the checks of its module (or ``mutation.only``);
    results by id."""
    reference_folder(folder, week)
    target = folder / f"{mutation.module}.py"
    target.write_text(mutation.apply(target.read_text(encoding="utf-8")), encoding="utf-8")
    results = run_checks(week, folder, modules=(mutation.module,), only=mutation.only, **options)
    return {result.id: result for result in results}


def assert_caught(mutation: Mutation, results: dict[str, CheckResult], grader_names: tuple[str, ...] = ()) -> None:
    """The mutation fails exactly its checks, each scoring 0 with a message that names the mistake and quotes
    no grader source (``GRADER_SOURCE`` and ``grader_names``), and marks are lost."""
    failed = {check_id for check_id, result in results.items() if not result.passed}
    messages = {check_id: results[check_id].message for check_id in failed}
    assert failed == set(mutation.fails), messages
    for check_id, phrases in mutation.fails.items():
        message = results[check_id].message
        for part in ("expected:", "got:", "hint:", *phrases):
            assert part in message, f"{check_id}: {part!r} missing from:\n{message}"
    assert all(results[check_id].points == 0 for check_id in failed)
    assert sum(r.points for r in results.values()) < sum(r.max_points for r in results.values())
    assert set(mutation.symptoms) <= set(mutation.fails)
    assert_symptoms(mutation.symptoms, results)
    assert_no_grader_source(results.values(), grader_names)


def assert_symptoms(expected: dict[str, dict[str, Any]], results: dict[str, CheckResult]) -> None:
    """Each check's failure records at least the ``expected`` symptoms: a value, or a predicate on the value."""
    for check_id, symptoms in expected.items():
        recorded = results[check_id].data.get("symptoms", {})
        for name, want in symptoms.items():
            assert name in recorded, f"{check_id}: symptom {name!r} not recorded, only {recorded}"
            ok = want(recorded[name]) if callable(want) else recorded[name] == want
            assert ok, f"{check_id}: symptom {name}={recorded[name]!r}, expected {want!r}"


def assert_no_grader_source(results, grader_names: tuple[str, ...] = ()) -> None:
    for result in results:
        leaked = [text for text in GRADER_SOURCE + tuple(grader_names) if text in result.message]
        assert not leaked, f"{result.id} quotes grader source {leaked}:\n{result.message}"
