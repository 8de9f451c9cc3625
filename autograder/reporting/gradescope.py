"""A Gradescope-style ``results.json`` for each submission, from the kit's saved check results.

The format is Gradescope's autograder output (its "Autograder Specifications"):
a top-level ``score``, ``execution_time``, ``output`` and ``visibility``, and
one entry per check in ``tests`` with ``name``, ``number``, ``score``,
``max_score``, ``status``, ``output``, ``tags`` and ``visibility``. So a
course that also uses Gradescope, or any tool that reads that format, can take
the kit's grades and messages as they are.

* ``score`` is what the gradebook says (grades.csv: after any late penalty)
  plus the extra credit earned; ``extra_data`` holds both parts and their maxima.
* Extra-credit checks keep their own ``max_score`` and carry the tag
  ``extra credit``; the assignment's maximum (set in Gradescope) excludes them.
* ``output`` of a check is exactly the report the student sees in feedback
  (expected, got, hint; never grader source), and ``visibility`` is
  ``after_published``: students see it when grades are released.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograder.reporting.advice import fix_first
from autograder.reporting.feedback import totals, visible_modules
from autograder.results import CheckResult, write_atomically

VISIBILITY = "after_published"


def results_json(week: str, student: str, results: list[CheckResult], bonus_ids: set[str],
                 grade: dict[str, str] | None = None) -> dict:
    """The results.json document of one submission (``grade``: the student's grades.csv row, if any)."""
    earned, possible, bonus, bonus_max = totals(results, bonus_ids)
    penalty = float(grade["late_submission_penalty"] or 0) if grade else 0.0
    score = float(grade["score"]) if grade else max(0.0, earned - penalty)
    modules = list(dict.fromkeys(r.module for r in results))
    tests, counted = [], dict.fromkeys(modules, 0)
    for result in results:
        module = result.module
        extra = result.id in bonus_ids
        counted[module] += 1
        test = {
            "name": f"{module}.py: {result.title}",
            "number": f"{modules.index(module) + 1}.{counted[module]}",
            "score": result.points, "max_score": result.max_points,
            "status": "passed" if result.passed else "failed",
            "output": result.report(), "tags": [module, *(["extra credit"] if extra else [])],
            "visibility": VISIBILITY,
            "extra_data": {"check": result.id, "seconds": result.seconds},
        }
        if result.manual:  # graded by a TA: no pass or fail, and "not graded yet" until then
            del test["status"]
            test["tags"].append("graded by a TA")
            test["extra_data"]["not_graded_yet"] = result.pending
        tests.append(test)
    advice = [f"- {item.name} ({item.extent}): {item.advice} {item.how_to_reproduce}".rstrip()
              for item in fix_first(results, visible_modules(week), bonus_ids)]
    waiting = [r for r in results if r.pending]
    output = (f"{student}, {week}: {score:g} / {possible:g} points"
              + (f", {bonus:g} / {bonus_max:g} extra credit" if bonus_max else "")
              + (f", after a late penalty of {penalty:g}" if penalty else "") + "."
              + (f" Not graded yet: {', '.join(r.title for r in waiting)} "
                 f"({sum(r.max_points for r in waiting):g} points a TA grades by hand)." if waiting else "")
              + ("\n\nWhat to fix first:\n" + "\n".join(advice) if advice else ""))
    return {"score": score + bonus, "execution_time": round(sum(r.seconds for r in results), 1),
            "output": output, "visibility": VISIBILITY, "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"student": student, "assignment": week, "score": score, "max_score": possible,
                           "bonus": bonus, "bonus_max": bonus_max, "late_submission_penalty": penalty,
                           "waiting_for_ta": [r.title for r in waiting]}}


def write(path: Path, document: dict) -> Path:
    """Write ``document`` as ``path`` atomically."""
    return write_atomically(path, json.dumps(document, indent=1) + "\n")
