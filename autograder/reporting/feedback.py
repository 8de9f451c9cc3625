"""The kit's report for one submission: totals, what to fix first, and every check explained.

It is what a student reads at the top of each feedback page (``nbgrader
generate_feedback`` runs ``nbgrader_hooks.KitReport``, which puts it there),
and what an instructor opens from the class report. It is built from the saved
check results (``store``), never from grader source: a check shows its title,
points, and for a failure what was expected, what came back, the hint, and
the mistake that most likely caused it (``advice``). Every text that may hold
what the student wrote is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from html import escape

from autograder import paths
from autograder.grading.checklist import bonus_check_ids
from autograder.reporting.advice import fix_first, likely_causes
from autograder.reporting.sanitize import with_policy
from autograder.results import CheckResult, counted

STYLE = """<style>
.nngrader-report { font-family: system-ui, sans-serif; max-width: 60em; line-height: 1.45; }
.nngrader-report table { border-collapse: collapse; margin: 0.5em 0 1em; }
.nngrader-report th, .nngrader-report td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: left;
  vertical-align: top; }
.nngrader-report th { background: #f6f8fa; }
.nngrader-report td.num { text-align: right; white-space: nowrap; }
.nngrader-report tr.passed td.mark { color: #1a7f37; font-weight: bold; }
.nngrader-report tr.failed td.mark { color: #cf222e; font-weight: bold; }
.nngrader-report tr.manual td.mark { color: #6639ba; font-weight: bold; }
.nngrader-report pre { white-space: pre-wrap; background: #fff8f0; border-left: 3px solid #cf222e;
  padding: 0.4em 0.6em; margin: 0.3em 0; font-size: 0.9em; }
.nngrader-report .note { display: block; color: #234; font-size: 0.9em; }
.nngrader-report .cause { color: #5a3e00; background: #fff3cd; padding: 0.1em 0.4em; border-radius: 3px; }
.nngrader-report .total { font-size: 1.15em; }
.nngrader-report ol.advice li { margin-bottom: 0.6em; }
.nngrader-report .bar { display: inline-block; height: 0.7em; background: #1a7f37; vertical-align: middle; }
.nngrader-report .gap { display: inline-block; height: 0.7em; background: #f0c4c4; vertical-align: middle; }
</style>"""


def _text(value: str) -> str:
    """``value`` escaped for HTML, and for the MathJax of nbconvert's pages (a ``$`` would start maths)."""
    return escape(value).replace("$", "&#36;")


def _points(value: float) -> str:
    return f"{value:g}"


def totals(results: list[CheckResult], bonus_ids: set[str]) -> tuple[float, float, float, float]:
    """(points, maximum, bonus points, bonus maximum) of a submission's results."""
    regular = [r for r in results if r.id not in bonus_ids]
    bonus = [r for r in results if r.id in bonus_ids]
    return (sum(r.points for r in regular), sum(r.max_points for r in regular),
            sum(r.points for r in bonus), sum(r.max_points for r in bonus))


def report_html(week: str, student: str, results: list[CheckResult], module: str | None = None,
                problems: Sequence[str] = (), late_penalty: float = 0.0) -> str:
    """The report as an HTML fragment; with ``module``, only that module's checks are listed one by one.

    ``problems`` are what went wrong with this notebook at grading (``store.problems``): shown first, because
    they explain why the notebook below looks the way it does. ``late_penalty`` is what nbgrader's gradebook
    takes off the total (grades.csv's score is the total less it, never below 0).
    """
    extra = bonus_check_ids(week)
    earned, possible, bonus, bonus_max = totals(results, extra)
    score = max(0.0, earned - late_penalty)
    late = f" ({_points(earned)} less a late penalty of {_points(late_penalty)})" if late_penalty else ""
    parts = [STYLE, '<div class="nngrader-report">',
             f"<h2>Your results for {_text(week)}</h2>",
             f'<p class="total">{_text(student)}: <b>{_points(score)} / {_points(possible)}</b> points{late}'
             + (f" and {_points(bonus)} / {_points(bonus_max)} extra credit" if bonus_max else "") + ".</p>"]
    waiting = [r for r in results if r.pending]
    if waiting:
        parts.append(f'<p class="note">{_text(counted(sum(r.max_points for r in waiting), "point"))} of the total '
                     f"({_text(', '.join(r.title for r in waiting))}) are graded by hand and "
                     "<b>not graded yet</b>: they count 0 until a TA grades them.</p>")
    overridden = sum(bool(r.overridden) for r in results)
    if overridden:
        parts.append(f'<p class="note">A TA set the points of {counted(overridden, "check")} by hand; '
                     "the checks below say which.</p>")
    if problems:
        parts.append('<h3>What happened to this notebook at grading</h3><ul class="problems">'
                     + "".join(f"<li>{_text(problem)}</li>" for problem in problems)
                     + "</ul><p>Its points come from your <code>.py</code> modules, which were graded as usual.</p>")
    parts += [_modules_table(results, extra), _advice_list(results, visible_modules(week), extra)]
    listed = [r for r in results if module is None or r.module == module]
    if listed:
        title = f"Checks of {module}.py" if module else "Every check"
        parts += [f"<h3>{_text(title)}</h3>", _checks_table(listed, likely_causes(results), extra)]
    parts.append("<p>The visible tests (<code>pytest</code> in your folder) catch many of these mistakes before "
                 "you submit; the hidden checks above test more cases.</p></div>")
    return "\n".join(parts)


def _modules_table(results: list[CheckResult], extra: set[str]) -> str:
    rows = []
    for module in dict.fromkeys(r.module for r in results):
        mine = [r for r in results if r.module == module]
        earned, possible = sum(r.points for r in mine), sum(r.max_points for r in mine)
        checks = [r for r in mine if not r.manual]
        waiting = sum(r.max_points for r in mine if r.pending)
        width = 120
        filled = round(width * earned / possible) if possible else 0
        label = " (extra credit)" if all(r.id in extra for r in mine) else ""
        rows.append(f"<tr><td>{_text(module)}.py{label}</td><td class=\"num\">{_points(earned)} / "
                    f"{_points(possible)}" + (f" ({_points(waiting)} not graded yet)" if waiting else "")
                    + f"</td><td class=\"num\">{sum(r.passed for r in checks)} of {len(checks)}</td>"
                    f'<td><span class="bar" style="width:{filled}px"></span>'
                    f'<span class="gap" style="width:{width - filled}px"></span></td></tr>')
    return ('<table class="modules"><tr><th>module</th><th>points</th><th>checks passed</th><th></th></tr>'
            + "".join(rows) + "</table>")


def _advice_list(results: list[CheckResult], visible: Collection[str] = (), extra: Collection[str] = ()) -> str:
    """"What to fix first": ``advice.fix_first``'s items, each with its modules, checks and points lost."""
    items = fix_first(results, visible, extra)
    if not items:
        failed = sum(not r.passed for r in results if not r.manual)
        return ("<h3>What to fix first</h3><p>" + ("Every check passed. Well done!" if not failed else
                "Each failed check below says what was expected, what your code gave, and a hint.") + "</p>")
    lines = []
    for item in items:
        reproduce = re.sub("`([^`]*)`", r"<code>\1</code>", _text(item.how_to_reproduce))
        lines.append(f"<li><b>{_text(item.name)}</b> ({_text(item.extent)}). {_text(item.advice)}"
                     + (f" {reproduce}" if reproduce else "") + "</li>")
    return '<h3>What to fix first</h3><ol class="advice">' + "".join(lines) + "</ol>"


def visible_modules(week: str) -> set[str]:
    """The modules of ``week`` that students have visible tests for (``assignments/<week>/test_<module>.py``)."""
    folder = paths.ASSIGNMENTS / paths.check_week(week)
    return {path.stem.removeprefix("test_") for path in folder.glob("test_*.py")}


def _checks_table(results: list[CheckResult], causes: dict, extra: set[str]) -> str:
    rows = []
    for result in results:
        if result.manual:
            rows.append(_manual_row(result))
            continue
        status = "passed" if result.passed else "failed"
        detail = f'<span class="note">note: {_text(result.note)}</span>' if result.note else ""
        if not result.passed:
            detail = f"<pre>{_text(result.message).replace(chr(10), '<br>')}</pre>" if result.message else ""
            if result.id in causes:
                detail += f'<span class="cause">likely cause: {_text(causes[result.id].name)}</span>'
        if result.overridden:
            detail += f'<span class="note">{_text(result.overridden)}</span>'
        bonus = " (extra credit)" if result.id in extra else ""
        rows.append(f'<tr class="{status}"><td class="mark">{"&#10004;" if result.passed else "&#10008;"}</td>'
                    f"<td>{_text(result.title)}{bonus}{detail}</td>"
                    f'<td class="num">{_points(result.points)} / {_points(result.max_points)}</td></tr>')
    return ('<table class="checks"><tr><th></th><th>check</th><th>points</th></tr>' + "".join(rows) + "</table>")


def _manual_row(result: CheckResult) -> str:
    """A part a TA grades by hand: "not graded yet" until a TA gives its points, never a failure or a 0."""
    criteria = "".join(f"<li>{_text(line)}</li>" for line in result.message.splitlines() if line.strip())
    detail = (f'<span class="note">{"A TA grades this part by hand" if result.pending else "Graded by a TA"}'
              + (f", reading your code for:</span><ul>{criteria}</ul>" if criteria else ".</span>"))
    points = "not graded yet" if result.pending else _points(result.points)
    return (f'<tr class="manual"><td class="mark">{"&#8987;" if result.pending else "&#9998;"}</td>'
            f"<td>{_text(result.title)} (graded by a TA){detail}</td>"
            f'<td class="num">{points} / {_points(result.max_points)}</td></tr>')


def report_page(week: str, student: str, results: list[CheckResult], late_penalty: float = 0.0) -> str:
    """A whole HTML page with every check (for instructors, linked from the class report), under the feedback
    pages' Content-Security-Policy: it quotes what the student's code returned."""
    report = report_html(week, student, results, late_penalty=late_penalty)
    return with_policy(f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{_text(student)}: "
                       f"{_text(week)}</title></head><body>\n{report}\n</body></html>\n")
