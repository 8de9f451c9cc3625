"""The instructor's class report: one self-contained HTML page and its PNG figures for a week.

    index = write_class_report("week03", students, grades, out,
                               confusion=reference_confusion("week03", out), feedback=links)

``students`` maps each student to their CheckResult list (one per check of the
week); ``grades`` are the week's rows of grades.csv, which is the gradebook:
totals come from it, per-module points and pass rates from the results. The
folder holds ``index.html`` and one PNG per figure (``FIGURES``), linked by
relative paths, so it can be zipped and mailed. Student-controlled text (ids,
messages) is always escaped; the page needs no JavaScript and fetches nothing.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import struct
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

import numpy as np

from autograder import paths
from autograder.grading import solutions
from autograder.grading.checklist import week_policy
from autograder.handout import mnist
from autograder.reporting import plots
from autograder.reporting.advice import not_attempted
from autograder.results import CheckResult, counted, module_of

TOP_FAILURES = 15
HARDEST = 10
FIGURES = {"scores": "score_distribution.png", "pass_rates": "pass_rate_by_check.png",
           "failures": "common_failures.png", "losses": "loss_curves.png", "confusion": "reference_confusion.png",
           "class_confusion": "class_confusion.png"}
CACHE = "reference_confusion.npy"


@dataclass(frozen=True)
class WeekPolicy:
    """What the report needs to know of a week beyond its checks (``autograder/<week>/policy.py``)."""

    accuracy_check: str | None = None  # the check whose data holds accuracy, training time and losses
    reference_model: tuple[str, str, int] | None = None  # (module, class, epochs) of the confusion matrix


def policy_of(week: str) -> WeekPolicy:
    """The week's policy, or none (no accuracy run, no reference model) for a week without a policy module."""
    module = week_policy(week)
    if module is None:
        return WeekPolicy()
    return WeekPolicy(getattr(module, "ACCURACY_CHECK", None), getattr(module, "REFERENCE_MODEL", None))


@dataclass(frozen=True)
class CheckStats:
    """One check of the week and how many submissions pass it."""

    id: str
    title: str
    max_points: float
    bonus: bool
    passed: int
    attempted: int
    manual: bool = False  # a rubric part a TA grades by hand: no pass rate, never a failure

    @property
    def module(self) -> str:
        return module_of(self.id)

    @property
    def rate(self) -> float:
        return self.passed / self.attempted if self.attempted else 0.0


@dataclass(frozen=True)
class Failure:
    """One failure shared by several submissions: a check and the first line of its message."""

    check_id: str
    title: str
    message: str
    students: tuple[str, ...]

    @property
    def module(self) -> str:
        return module_of(self.check_id)


@dataclass(frozen=True)
class Unfinished:
    """A function some students left unfinished: the first line of its NotImplementedError, who, and what it cost."""

    module: str
    message: str
    students: tuple[str, ...]
    checks: int  # failed checks, summed over those students


@dataclass(frozen=True)
class ClassSummary:
    """Everything the page shows, computed once from the results and grades.csv."""

    week: str
    checks: list[CheckStats]  # the week's order, modules with only bonus checks last
    results: dict[str, dict[str, CheckResult]]  # student -> check id -> result
    grades: dict[str, dict[str, str]]  # student -> their row of grades.csv
    submitted: list[str]  # students with check results or a graded submission, sorted
    max_score: float

    @property
    def accuracy_check(self) -> str | None:
        """The week's accuracy run (its policy), if the results hold it."""
        check_id = policy_of(self.week).accuracy_check
        return check_id if any(c.id == check_id for c in self.checks) else None

    @property
    def modules(self) -> list[str]:
        return list(dict.fromkeys(check.module for check in self.checks))

    def extra_credit(self, module: str) -> bool:
        """Whether every check of ``module`` is a bonus check."""
        return all(check.bonus for check in self.checks if check.module == module)

    @property
    def scores(self) -> list[float]:
        """grades.csv's score of each submission that has a row there."""
        return [_number(self.grades[s]["score"]) for s in self.submitted if s in self.grades]


def summarize(week: str, students: dict[str, list[CheckResult]], grades: list[dict[str, str]],
              bonus_ids: Collection[str]) -> ClassSummary:
    """Per-check pass counts, each student's results by check id, and the gradebook rows by student."""
    results = {student: {r.id: r for r in checks} for student, checks in students.items()}
    first: dict[str, CheckResult] = {}  # each check as it first appears, in the week's order
    for checks in students.values():
        for result in checks:
            first.setdefault(result.id, result)
    stats = [CheckStats(check_id, check.title, check.max_points, check_id in bonus_ids,
                        passed=sum(r[check_id].passed for r in results.values() if check_id in r),
                        attempted=sum(check_id in r for r in results.values()), manual=check.manual)
             for check_id, check in first.items()]
    extra = {s.module for s in stats} - {s.module for s in stats if not s.bonus}
    stats.sort(key=lambda s: s.module in extra)  # stable: keeps the week's order otherwise
    rows = {row["student_id"]: row for row in grades}
    submitted = sorted(set(students) | {s for s, row in rows.items() if row.get("timestamp")})
    max_score = max((_number(row["max_score"]) for row in grades),
                    default=sum(s.max_points for s in stats if not s.bonus))
    return ClassSummary(week, stats, results, rows, submitted, max_score)


def write_class_report(week: str, students: dict[str, list[CheckResult]], grades: list[dict[str, str]],
                       out: Path, confusion: np.ndarray | None = None,
                       feedback: dict[str, list[str]] | None = None,
                       bonus_ids: Collection[str] | None = None) -> Path:
    """Write out/index.html and one PNG per plot; return the path of index.html.

    ``bonus_ids`` are the extra-credit checks (default: ``checklist.bonus_check_ids``);
    they never count towards the maximum.
    """
    if bonus_ids is None:
        from autograder.grading.checklist import bonus_check_ids

        bonus_ids = bonus_check_ids(week)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(week, students, grades, bonus_ids)
    colours = plots.module_colours(summary.modules)
    failures, unfinished = common_failures(students), unfinished_todos(students)
    histories = loss_histories(students, policy_of(week).accuracy_check)
    ours = class_confusion(students, policy_of(week).accuracy_check)

    plots.score_histogram(summary.scores, summary.max_score, out / FIGURES["scores"])
    plots.pass_rates([(c.module, plots.shorten(c.title), c.passed, c.attempted) for c in summary.checks
                      if not c.manual],
                     colours, out / FIGURES["pass_rates"], extra={m for m in colours if summary.extra_credit(m)})
    failure_rows = [(f.module, f.title, f.message, len(f.students)) for f in failures]
    _draw_or_remove(bool(failures), lambda path: plots.failure_counts(failure_rows, colours, path),
                    out / FIGURES["failures"])
    _draw_or_remove(bool(histories), lambda path: plots.loss_curves(histories, path), out / FIGURES["losses"])
    _draw_or_remove(confusion is not None, lambda path: plots.confusion_heatmap(confusion, path),
                    out / FIGURES["confusion"])
    _draw_or_remove(ours is not None, lambda path: plots.confusion_heatmap(
        ours[0], path, f"The class's {counted(ours[1], 'accuracy run')}"), out / FIGURES["class_confusion"])

    index = out / "index.html"
    index.write_text(_page(summary, failures, unfinished, histories, (confusion, ours), feedback or {}, colours, out),
                     encoding="utf-8")
    return index


def common_failures(students: dict[str, list[CheckResult]], limit: int = TOP_FAILURES) -> list[Failure]:
    """The ``limit`` most frequent (check, first message line) pairs among failed checks, most frequent first.

    Checks that met an unfinished TODO (``advice.not_attempted``) are left out: on a class where many students
    have not finished they would fill the list and hide the real mistakes (``unfinished_todos`` lists them)."""
    groups: dict[tuple[str, str], list[str]] = {}
    titles, order = {}, {}
    for student in sorted(students):
        for result in students[student]:
            order.setdefault(result.id, len(order))
            if not result.passed and not result.manual and not not_attempted(result):
                first = (result.message.strip().splitlines() or ["(no message)"])[0].strip()
                groups.setdefault((result.id, first), []).append(student)
                titles[result.id] = result.title
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), order[item[0][0]], item[0][1]))
    return [Failure(check, titles[check], message, tuple(who)) for (check, message), who in ranked[:limit]]


def unfinished_todos(students: dict[str, list[CheckResult]]) -> list[Unfinished]:
    """The functions left unfinished (NotImplementedError), by module and message: the most students first, then
    in the week's order."""
    groups: dict[tuple[str, str], dict[str, int]] = {}
    order: dict[str, int] = {}
    for student in sorted(students):
        for result in students[student]:
            order.setdefault(result.module, len(order))
            if not_attempted(result):
                first = (result.message.strip().splitlines() or [result.title])[0].strip()
                first = first.removeprefix("your code raised NotImplementedError: ")
                who = groups.setdefault((result.module, first), {})
                who[student] = who.get(student, 0) + 1
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), order[item[0][0]]))  # stable: first met first
    return [Unfinished(module, message, tuple(who), sum(who.values())) for (module, message), who in ranked]


def class_confusion(students: dict[str, list[CheckResult]], accuracy_check: str | None,
                    classes: int = 10) -> tuple[np.ndarray, int] | None:
    """The sum of the accuracy runs' confusion matrices (``data["confusion"]``) and how many there were; None if
    none has one.

    The grader counts them in the grading process from the trained weights' predictions (true digit by row,
    predicted by column); a saved matrix that is not ``classes`` x ``classes`` non-negative integers is skipped.
    """
    total, runs = np.zeros((classes, classes), dtype=np.int64), 0
    for student in sorted(students):
        data = next((r.data for r in students[student] if r.id == accuracy_check), {})
        matrix = _counts(data.get("confusion") if isinstance(data, dict) else None, classes)
        if matrix is not None:
            total, runs = total + matrix, runs + 1
    return (total, runs) if runs else None


def _counts(value: object, classes: int) -> np.ndarray | None:
    """``value`` as a (classes, classes) int64 count matrix, or None unless it is exactly a list of such rows."""
    if not (isinstance(value, list) and len(value) == classes and all(
            isinstance(row, list) and len(row) == classes
            and all(type(n) is int and 0 <= n < 2**40 for n in row) for row in value)):
        return None
    return np.array(value, dtype=np.int64)


def loss_histories(students: dict[str, list[CheckResult]], accuracy_check: str | None) -> dict[str, list[float]]:
    """Each student's loss per epoch from the accuracy check's data, for those who have one (sorted by id)."""
    histories = {}
    for student in sorted(students):
        data = next((r.data for r in students[student] if r.id == accuracy_check), {})
        history = data.get("history") if isinstance(data, dict) else None
        if isinstance(history, list) and history:
            histories[student] = [float(v) for v in history]
    return histories


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """(classes, classes) int64 counts: row = true class, column = predicted class."""
    labels, predicted = np.asarray(labels, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    return np.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def reference_confusion(week: str, out: Path | None = None) -> np.ndarray | None:
    """Confusion matrix on the 10,000 MNIST test images of the week's reference model; None without one.

    The model is the one the week's policy names (``REFERENCE_MODEL``: Week 3's
    is ``solutions/week03/simple_nn.py``'s SimpleNN, trusted code, run in this
    process), trained with ``train(X_train, y_train, epochs=...)``. The matrix
    is cached in ``out/reference_confusion.npy`` (``out`` defaults to
    ``<course>/reports/<week>``) under a key over the reference's source and the
    data directory, and recomputed when either changes. Missing or corrupt
    MNIST raises ``mnist.MnistError``.
    """
    model_of = policy_of(week).reference_model
    if model_of is None:
        return None
    module, class_name, epochs = model_of
    source = paths.SOLUTIONS / paths.check_week(week) / f"{module}.py"
    if not source.is_file():
        return None
    out = Path(out) if out is not None else paths.course().reports(week)
    cache, key_file = out / CACHE, out / f"{CACHE}.key"
    key = hashlib.sha256(b"\0".join([source.read_bytes(), str(mnist.resolve_data_dir().resolve()).encode(),
                                     f"{class_name}, epochs={epochs}".encode()])).hexdigest()
    if cache.is_file() and key_file.is_file() and key_file.read_text().strip() == key:
        return np.load(cache, allow_pickle=False)
    X_train, y_train, X_test, y_test = mnist.load_mnist()
    model = getattr(solutions.load(week, module), class_name)()
    model.train(X_train, y_train, epochs=epochs)
    matrix = confusion_matrix(y_test, model.predict(X_test))
    out.mkdir(parents=True, exist_ok=True)
    key_file.unlink(missing_ok=True)
    with open(cache.with_suffix(".tmp"), "wb") as handle:
        np.save(handle, matrix, allow_pickle=False)
    os.replace(cache.with_suffix(".tmp"), cache)
    key_file.write_text(key + "\n")  # last: a matrix without its key is computed again
    return matrix


# --- the page ------------------------------------------------------------------------------------------------------

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; margin: 0;
       background: #f4f4f1; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin: 0 0 16px; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 16px; }
.stat { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.stat strong { display: block; font-size: 24px; } .stat span { color: #666; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0ee; } th small { font-weight: normal; color: #555; }
td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.score { font-weight: 600; }
td.full { background: #e6f4e4; } td.part { background: #fff5d9; } td.zero { background: #fbe4e2; }
code, .id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.note { color: #555; font-size: 13px; }
.warn { background: #fff5d9; border: 1px solid #e8d7a0; padding: 8px 12px; margin: 6px 0; }
figure { margin: 8px 0; } figure img { max-width: 100%; height: auto; }
a { color: #4b2a8a; }
"""


def _page(summary: ClassSummary, failures, unfinished, histories, confusions, feedback, colours, out: Path) -> str:
    week = escape(summary.week)
    parts = [f"<h1>Class report: {week}</h1>",
             (f'<p class="sub">Generated {datetime.now():%Y-%m-%d %H:%M} from grades.csv and the check results '
              "of each submission. Extra credit is shown apart and never counts towards the maximum.</p>"),
             _stats(summary), _warnings(summary), _waiting(summary),
             "<h2>Students</h2>", _students(summary, feedback, colours),
             "<h2>Score distribution</h2>", _img(out, "scores", "Histogram of the regular scores"),
             "<h2>Pass rate per check</h2>",
             _img(out, "pass_rates", "Pass rate of every check, grouped by module, worst first"), _hardest(summary),
             "<h2>Most common failures</h2>", _failures(failures, out),
             "<h2>Not attempted: unfinished TODOs</h2>", _unfinished(unfinished),
             "<h2>Training loss of the accuracy runs</h2>", _losses(summary, histories, out),
             "<h2>Confusion matrices: the class and the reference model</h2>",
             _class_confusion(summary, confusions[1], out), _confusion(summary.week, confusions[0], out)]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f"<title>Class report {week}</title>\n<style>{STYLE}</style></head>\n<body><main>\n"
            + "\n".join(part for part in parts if part) + "\n</main></body></html>\n")


def _stats(summary: ClassSummary) -> str:
    scores, top = summary.scores, summary.max_score
    passed = sum(check.passed for check in summary.checks if not check.bonus and not check.manual)
    attempts = sum(check.attempted for check in summary.checks if not check.bonus and not check.manual)
    stats = [(f"{len(summary.submitted)}", "submission" if len(summary.submitted) == 1 else "submissions"),
             (f"{statistics.mean(scores):.1f}" if scores else "–", f"mean score / {top:g}"),
             (f"{statistics.median(scores):g}" if scores else "–", f"median score / {top:g}"),
             (f"{passed / attempts:.0%}" if attempts else "–", "of regular checks passed"),
             (f"{sum(score >= top for score in scores)}", "with full marks")]
    accuracy = next((c for c in summary.checks if c.id == summary.accuracy_check), None)
    if accuracy:
        stats.append((f"{accuracy.passed}/{accuracy.attempted}", "reach the accuracy target"))
    return '<div class="stats">' + "".join(f'<div class="stat"><strong>{escape(value)}</strong>'
                                           f"<span>{escape(label)}</span></div>" for value, label in stats) + "</div>"


def _warnings(summary: ClassSummary) -> str:
    """Lines for what needs a look: gradebook students without a submission, grades.csv and results disagreeing."""
    notes = []
    absent = [s for s in sorted(summary.grades) if s not in summary.submitted]
    if absent:
        notes.append(f"No submission (0 in grades.csv): {escape(', '.join(absent))}.")
    for student in summary.submitted:
        results, row = summary.results.get(student), summary.grades.get(student)
        if results is None:
            notes.append(f"{escape(student)} is in grades.csv but has no check results here.")
        elif row is None:
            notes.append(f"{escape(student)} has check results but no row in grades.csv.")
        else:
            checked = sum(r.points for r in results.values() if not _is_bonus(summary, r.id))
            graded = _number(row.get("raw_score") or row["score"])
            if abs(checked - graded) > 1e-6:
                notes.append(f"{escape(student)}: grades.csv has {counted(graded, 'point')} before penalties, "
                             f"the check results {checked:g}: are the results from the run that was exported?")
    return "".join(f'<p class="warn">{note}</p>' for note in notes)


def _students(summary: ClassSummary, feedback: dict[str, list[str]], colours: dict[str, str]) -> str:
    module_max = {m: sum(c.max_points for c in summary.checks if c.module == m) for m in summary.modules}
    accuracy_check = summary.accuracy_check
    has_accuracy = accuracy_check is not None
    head = ["<th>student</th>", f"<th>score<br><small>/ {summary.max_score:g}</small></th>", "<th>bonus</th>"]
    head += [f'<th style="border-top: 4px solid {colours[m]}">{escape(m)}<br><small>/ {module_max[m]:g}'
             f"{' extra' if summary.extra_credit(m) else ''}</small></th>" for m in summary.modules]
    head += ["<th>accuracy</th>"] * has_accuracy + ["<th>feedback</th>"]
    lines = [f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>"]
    for student in sorted(set(summary.submitted) | set(summary.grades)):
        row, results = summary.grades.get(student), summary.results.get(student, {})
        cells = [f'<td class="id">{escape(student)}</td>']
        if row:
            penalty = _number(row.get("late_submission_penalty"))
            late = f' <small class="note">(−{penalty:g} late)</small>' if penalty else ""
            cells.append(f'<td class="n score">{_number(row["score"]):g}{late}</td>'
                         f'<td class="n">{_number(row.get("bonus")):g} / {_number(row.get("bonus_max")):g}</td>')
        else:
            cells.append('<td class="n">–</td><td class="n">–</td>')
        for module in summary.modules:
            got = [r for r in results.values() if r.module == module]
            earned = sum(r.points for r in got)
            kind = "" if not got else "full" if earned == module_max[module] else "part" if earned else "zero"
            cells.append(f'<td class="n {kind}">{f"{earned:g}" if got else "–"}</td>')
        if has_accuracy:
            data = results[accuracy_check].data if accuracy_check in results else {}
            accuracy, seconds = data.get("accuracy"), data.get("train_seconds")
            text = f"{accuracy:.1%}" if isinstance(accuracy, (int, float)) else "–"
            if isinstance(seconds, (int, float)) and text != "–":
                text += f' <small class="note">in {seconds:.1f} s</small>'
            cells.append(f'<td class="n">{text}</td>')
        links = feedback.get(student, [])
        cells.append("<td>" + " ".join(f'<a href="{escape(quote(link, safe="/#"))}">'
                                       f'{escape("feedback" if len(links) == 1 else Path(link).stem)}</a>'
                                       for link in links) + "</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    lines.append("</tbody></table>")
    lines.append('<p class="note">Score and bonus come from grades.csv (score after any late penalty); module '
                 "columns are each module's points as the gradebook holds them (a TA's override included): green "
                 "all, yellow some, red none.</p>")
    return "\n".join(lines)


def _hardest(summary: ClassSummary, limit: int = HARDEST) -> str:
    """A table of the regular checks the fewest submissions pass (leaving out those everyone passes)."""
    hard = sorted((c for c in summary.checks if not c.bonus and not c.manual and c.passed < c.attempted),
                  key=lambda c: c.rate)
    if not hard:
        text = "Every submission passes every regular check." if summary.checks else "No check results."
        return f'<p class="note">{text}</p>'
    rows = "".join(f"<tr><td>{escape(c.title)}<br><code>{escape(c.id)}</code></td>"
                   f'<td class="n">{c.rate:.0%}</td><td class="n">{c.passed} / {c.attempted}</td></tr>'
                   for c in hard[:limit])
    return (f"<p>The {counted(min(limit, len(hard)), 'regular check')} passed least often:</p>"
            "<table><thead><tr><th>check</th><th>pass rate</th><th>passed</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _failures(failures: list[Failure], out: Path, shown: int = 12) -> str:
    if not failures:
        return '<p class="note">No check failed.</p>'
    rows = []
    for f in failures:
        rows.append(f"<tr><td>{escape(f.title)}<br><code>{escape(f.check_id)}</code></td><td>{escape(f.message)}"
                    f'</td><td class="n">{len(f.students)}</td><td class="id">{escape(_who(f.students, shown))}</td>'
                    "</tr>")
    return (_img(out, "failures", f"Bar chart of the {counted(len(failures), 'most common failure')}")
            + "<table><thead><tr><th>check</th><th>message (first line)</th><th>count</th><th>students</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def _waiting(summary: ClassSummary, shown: int = 20) -> str:
    """Who still waits for a TA: each rubric part (graded by hand in formgrader) and the students it is not graded
    for yet (their scores count it 0 until then)."""
    lines = []
    for check in (c for c in summary.checks if c.manual):
        who = tuple(s for s in summary.submitted if s in summary.results and check.id in summary.results[s]
                    and summary.results[s][check.id].pending)
        if who:
            lines.append(f'<p class="warn">Not graded yet by a TA: <b>{escape(check.title)}</b> '
                         f"({counted(check.max_points, 'point')}) for {counted(len(who), 'student')}: "
                         f"{escape(_who(who, shown))}. Grade it in formgrader (the task cell of "
                         f"{escape(check.module)}.ipynb, with the student's code below it); their scores count it "
                         "0 until then.</p>")
    return "".join(lines)


def _who(students: tuple[str, ...], shown: int) -> str:
    """The first ``shown`` students, and how many more there are."""
    return ", ".join(students[:shown]) + (f" and {len(students) - shown} more" if len(students) > shown else "")


def _unfinished(unfinished: list[Unfinished], shown: int = 12) -> str:
    if not unfinished:
        return '<p class="note">Every submission finished every TODO the checks reach.</p>'
    rows = []
    for u in unfinished:
        rows.append(f"<tr><td><code>{escape(u.module)}.py</code></td><td>{escape(u.message)}</td>"
                    f'<td class="n">{counted(len(u.students), "student")}</td>'
                    f'<td class="n">{counted(u.checks, "check")}</td><td class="id">{escape(_who(u.students, shown))}'
                    "</td></tr>")
    return ('<p class="note">Checks that met a function still raising NotImplementedError: not a mistake, work '
            "not done. They are left out of the most common failures above.</p>"
            "<table><thead><tr><th>module</th><th>unfinished</th><th>students</th><th>failed checks</th>"
            f"<th>who</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _class_confusion(summary: ClassSummary, ours: tuple[np.ndarray, int] | None, out: Path) -> str:
    if ours is not None:
        return _img(out, "class_confusion", f"Confusion matrix of the class's {counted(ours[1], 'accuracy run')} "
                    "on the MNIST test images, summed")
    if summary.accuracy_check is None:
        return '<p class="note">No class confusion matrix: the check results hold no accuracy check.</p>'
    return ('<p class="note">No class confusion matrix: no accuracy run saved one (train did not finish, or the '
            "results are from a kit that did not count them).</p>")


def _losses(summary: ClassSummary, histories: dict[str, list[float]], out: Path) -> str:
    if summary.accuracy_check is None:
        return '<p class="note">The check results hold no accuracy check, so there are no loss curves.</p>'
    broken = [s for s, history in histories.items() if not np.isfinite(history).all()]
    without = [s for s in sorted(summary.results) if s not in histories]
    notes = ""
    if len(histories) > plots.LEGEND_MAX:
        notes += f'<p class="note">More than {plots.LEGEND_MAX} curves: the lines are drawn faint and unlabelled.</p>'
    if broken:
        notes += f'<p class="note">The loss became NaN or infinite for: {escape(", ".join(broken))}.</p>'
    if without:
        notes += ('<p class="note">No loss history (train did not finish, or returned none): '
                  f'{escape(", ".join(without))}.</p>')
    return (_img(out, "losses", "Training loss per epoch of every submission's accuracy run") if histories
            else "") + notes


def _confusion(week: str, confusion: np.ndarray | None, out: Path) -> str:
    if confusion is not None:
        return _img(out, "confusion", "Confusion matrix of the reference model on the MNIST test images")
    if policy_of(week).reference_model is None:
        why = (f"{escape(week)} names no reference model (<code>autograder/{escape(week)}/policy.py</code>), so "
               "there is none to evaluate.")
    else:
        why = ("the reference model was not evaluated for this report "
               "(<code>class_report.reference_confusion(week)</code> computes it; it needs MNIST).")
    return f'<p class="note">No confusion matrix: {why}</p>'


def _img(out: Path, figure: str, alt: str) -> str:
    name = FIGURES[figure]
    width, height = _png_size(out / name)
    return f'<figure><img src="{name}" alt="{escape(alt)}" width="{width}" height="{height}"></figure>'


def _png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    with open(path, "rb") as handle:
        header = handle.read(24)
    return struct.unpack(">II", header[16:24])


def _draw_or_remove(wanted: bool, draw, path: Path) -> None:
    """Draw the figure at ``path`` if ``wanted``; otherwise remove a stale one from an earlier report."""
    if wanted:
        draw(path)
    else:
        path.unlink(missing_ok=True)


def _is_bonus(summary: ClassSummary, check_id: str) -> bool:
    return any(c.bonus for c in summary.checks if c.id == check_id)


def _number(text: str | float | None) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return 0.0
