"""Where the kit keeps what grading found: every check's result, per student and module.

``nbgrader autograde`` keeps only points. The kit's feedback, the class report
and ``results.json`` also need each check's message and data (loss history,
symptoms), so ``nbgrader_hooks.KitGrades`` saves the results of each notebook's
module here, in the course directory next to nbgrader's gradebook:
``<course>/.nngrader/results/<week>/<student>/<module>.jsonl``. A module graded
again replaces its file atomically, so a killed run leaves the old results or
the new ones, never half of each. ``load`` gives them the points nbgrader's
gradebook holds (``gradebook``), so a TA's override in formgrader shows on
every page as it does in grades.csv.

It also keeps what went wrong with each notebook at its last autograde
(``<student>/notebooks/<notebook>.<stage>.json``): the grading cells repaired
before nbgrader read it, and a run that stopped (a cell past its time limit, a
kernel that died). Each stage rewrites its own file on every autograde, so a
notebook graded again never shows the last run's problems.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from autograder import gradebook, paths
from autograder.faults import KitFault, not_graded
from autograder.grading.checklist import collect_checks, rubric_parts
from autograder.results import CheckResult, RubricPart, read_jsonl, write_atomically


def results_dir(week: str, root: Path | None = None) -> Path:
    """Where the results of ``week`` are kept in the course directory ``root`` (default: the kit's)."""
    return paths.course(root).check_results(week)


def save(week: str, student: str, module: str, results: list[CheckResult]) -> Path:
    """Keep ``results`` as the latest results of ``student``'s ``module``."""
    return write_atomically(results_dir(week) / student / f"{module}.jsonl",
                            "".join(json.dumps(asdict(result)) + "\n" for result in results))


def saved(week: str, student: str, root: Path | None = None) -> dict[str, CheckResult]:
    """The results grading saved for ``student``'s ``week`` in the course directory ``root``, by check id."""
    found = {}
    for path in sorted((results_dir(week, root) / student).glob("*.jsonl")):
        found.update((result.id, result) for result in read_jsonl(path, CheckResult))
    return found


def load(week: str, student: str) -> list[CheckResult]:
    """One result per check of ``week``, in the graders' order, with the points nbgrader's gradebook holds (a TA's
    score replaces the check's own: ``CheckResult.final``); a check never graded scores 0 and says so. Then one
    per rubric part (``checklist.rubric_parts``): the TA's score, or "not graded yet" until a TA gives one."""
    found = saved(week, student)
    missing = KitFault("no result was saved for this check", "grade the submission again (make grade FORCE=1)")
    record = gradebook.recorded(paths.course().gradebook, week, student)
    results = []
    for spec in collect_checks(week):
        result = found.get(spec.id) or not_graded(spec, missing)
        final = record.scores.get(spec.grade_id) if record and result.graded else None
        if final is not None and abs(final - result.earned) > 1e-9:
            result = replace(result, final=final)
        results.append(result)
    return results + [_rubric_result(part, record) for part in rubric_parts(week)]


def _rubric_result(part: RubricPart, record: gradebook.Recorded | None) -> CheckResult:
    """A rubric part as a result: worth its points, earning what a TA gave (``final``), pending until then."""
    graded = record is not None and part.grade_id in record.scores and part.grade_id not in record.ungraded
    return CheckResult(part.id, part.title, part.points, passed=False, message="\n".join(part.criteria),
                       manual=True, final=record.scores[part.grade_id] if graded else None)


def late_penalty(week: str, student: str) -> float:
    """The late penalty nbgrader's gradebook holds for ``student``'s ``week`` (0 without a submission)."""
    record = gradebook.recorded(paths.course().gradebook, week, student)
    return record.late_penalty if record else 0.0


#: The stages of a notebook's autograde that may record problems, in the order they run.
STAGES = ("cells", "run")


def save_problems(week: str, student: str, notebook: str, stage: str, problems: list[str]) -> None:
    """Record what ``stage`` found wrong with ``student``'s ``notebook`` (nothing: the record is removed)."""
    path = results_dir(week) / student / "notebooks" / f"{notebook}.{STAGES[STAGES.index(stage)]}.json"
    if problems:
        write_atomically(path, json.dumps(problems))
    else:
        path.unlink(missing_ok=True)


def problems(week: str, student: str) -> dict[str, list[str]]:
    """Each notebook of ``student``'s last autograde that had problems -> what they were, stage by stage."""
    found: dict[str, list[str]] = {}
    for stage in STAGES:
        for path in sorted((results_dir(week) / student / "notebooks").glob(f"*.{stage}.json")):
            try:
                lines = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            found.setdefault(path.name.removesuffix(f".{stage}.json"), []).extend(str(line) for line in lines)
    return dict(sorted(found.items()))


def students(week: str) -> list[str]:
    """Students with saved results for ``week``."""
    folder = results_dir(week)
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
