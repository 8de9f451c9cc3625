"""``nngrader``: the command line over the kit's verbs (the Makefile calls these).

Each subcommand is one function of the library, so the CLI cannot drift from it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from autograder import intake, paths
from autograder.authoring import build
from autograder.course import demo, lock, nbgrader_commands, preflight, workflow
from autograder.faults import KitFault
from autograder.grading import runner, style
from autograder.grading.checklist import bonus_check_ids, collect_checks, rubric_parts
from autograder.handout import mnist
from autograder.reporting import reports
from autograder.results import counted
from autograder.untrusted import printable


def cmd_assignments(args: argparse.Namespace) -> None:
    for week in args.weeks or paths.weeks():
        print(f"wrote {build.build_assignment(week).relative_to(paths.ROOT)}")


def cmd_release(args: argparse.Namespace) -> None:
    print(f"released {args.week}: {workflow.release(args.week)} (exchange: {nbgrader_commands.exchange_dir()})")
    print("students on this machine run, from their home folder:")
    for command in nbgrader_commands.student_commands(args.week):
        print(f"  {command}")


def cmd_collect(args: argparse.Namespace) -> None:
    for line in workflow.collect(args.week).lines():
        print(line)


def cmd_grade(args: argparse.Namespace) -> None:
    grades = grade_and_report(args.week, force=args.force, workers=args.jobs, scheduler=args.scheduler)
    print(f"grades: {grades}")
    print_reports(reports.write_reports(args.week, grades))


def cmd_report(args: argparse.Namespace) -> None:
    workflow.require_release(args.week)
    workflow.refresh_grades()  # a TA may have changed grades in formgrader since make grade
    print_reports(reports.write_reports(args.week))


def print_reports(written: reports.Written) -> None:
    print(f"class report: {written.class_report}")
    if written.results:
        print(f"results.json: {len(written.results)} in {written.results[0].parent.parent}")
    print_waiting(written)


def print_waiting(written: reports.Written) -> None:
    """Who still waits for a TA to grade a rubric part (grades.csv's waiting_for_ta), if anyone does."""
    if written.waiting:
        who = sorted(written.waiting)
        print(f"waiting for a TA: {len(who)} submission{'s' * (len(who) != 1)} ("
              + ", ".join(printable(s) for s in who[:10]) + (f" and {len(who) - 10} more" if len(who) > 10 else "")
              + f"): {printable('; '.join(dict.fromkeys(written.waiting.values())))}; grade the task cells in "
              "formgrader, then make report (grades.csv's waiting_for_ta column lists them)")


def grade_and_report(week: str, force: bool = False, workers: int | None = None, scheduler: str | None = None) -> Path:
    """Grade ``week``, print a line per submission that was not simply graded, a summary, and the gradebook."""
    start = time.perf_counter()
    grades, outcomes = workflow.grade(week, force=force, workers=workers, scheduler=scheduler)
    for outcome in outcomes:
        if outcome.status != "graded" or outcome.detail:
            print(outcome.line())
    counts = {status: sum(o.status == status for o in outcomes) for status in ("graded", "skipped", "failed")}
    print(f"{counts['graded']} graded, {counts['skipped']} skipped (unchanged), {counts['failed']} failed to run, "
          f"in {time.perf_counter() - start:.0f} s"
          + ("" if counts["skipped"] == 0 else "; make grade FORCE=1 (nngrader grade --force) grades all again"))
    print_gradebook(grades, week)
    return grades


def cmd_feedback(args: argparse.Namespace) -> None:
    folder, problems = workflow.feedback(args.week)
    for problem in problems:
        print(f"no feedback for {printable(problem)}")
    print(f"feedback written and released: {folder}")
    workflow.refresh_grades()  # the pages above read the gradebook as it is now; grades.csv says the same
    reports.write_reports(args.week)  # the class report links to the new feedback pages


def cmd_check(args: argparse.Namespace) -> int:
    """Grade one folder directly (no nbgrader): for instructors debugging a submission.

    The folder goes through the intake first (links and special files dropped, caps held), as a collected
    submission does. ``--student`` grades it as that student: the same problems (``draws``) and quiz that
    student gets under make grade. Exits non-zero when any check could not be graded (the kit's or the
    machine's fault).
    """
    preflight.check_machine(args.week)
    with tempfile.TemporaryDirectory(prefix="nngrader-check-") as tmp:
        copied = intake.copy_tree(Path(args.folder), Path(tmp) / "submission")
        for note in copied.dropped:
            print(f"intake: {note}")
        results = runner.run_checks(args.week, Path(tmp) / "submission", log=args.log, student_id=args.student)
    for result in results:
        print_lines(result.report())  # quotes what the student's code returned and raised
    faults = [r for r in results if not r.graded]
    bonus = bonus_check_ids(args.week)
    regular, extra = [r for r in results if r.id not in bonus], [r for r in results if r.id in bonus]
    if faults:
        first = faults[0].data
        print(f"\nnot graded: {len(faults)} of {len(results)} checks could not be graded ({first.get('fault')}"
              + (f"; fix: {first['fix']}" if first.get("fix") else "") + "): no total is given", file=sys.stderr)
        return 1
    print(f"\ntotal: {sum(r.points for r in regular):g} / {sum(r.max_points for r in regular):g}"
          + (f" + {sum(r.points for r in extra):g} / {sum(r.max_points for r in extra):g} extra credit"
             if extra else ""))
    for part in rubric_parts(args.week):
        print(f"and {counted(part.points, 'point')} a TA grades by hand in formgrader: {part.title} "
              f"({part.module}.py; make style DIR={printable(args.folder)} shows the style notes)")
    return 0


def cmd_style(args: argparse.Namespace) -> None:
    """Print the style notes on each of the week's modules in a folder, for the TA who grades "clean and
    commented" (``grading/style.py``: read as text, never run; they give no points)."""
    folder = Path(args.folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    for module in dict.fromkeys(spec.module for spec in collect_checks(args.week)):
        path = folder / f"{module}.py"
        print_lines(style.style_notes(path).summary() if path.exists() or path.is_symlink()
                    else f"{module}.py: not in {folder}")
        print()


def cmd_demo(args: argparse.Namespace) -> None:
    """Release a week, submit the sample submissions as students, collect, grade, give feedback: in the demo's
    own throw-away course and exchange (``autograder/course/demo.py``), never the real course."""
    mnist.verify()
    with demo.demo_course() as course:
        print(f"the demo's own course: {course.root} (the real course is left alone)")
        print(f"releasing {args.week} ...")
        workflow.release(args.week)
        samples = sorted(p for p in Path(args.samples).iterdir() if p.is_dir())
        for sample in samples:
            print(f"submitting {sample.name} as student {sample.name} ...")
            workflow.submit(args.week, sample.name, sample)
        for line in workflow.collect(args.week).lines():
            print(line)
        print(f"autograding {len(samples)} submissions with the hidden graders (real nbgrader) ...")
        grades = grade_and_report(args.week)
        workflow.feedback(args.week)
        written = reports.write_reports(args.week, grades)
        print(f"\ngrades.csv:   {grades}\nfeedback:     {course.feedback_root}\n"
              f"results.json: {reports.results_path(args.week, '<student>')}\nclass report: {written.class_report}")
        print_waiting(written)


def print_lines(text: str, file: TextIO | None = None) -> None:
    """Print ``text`` line by line (split at newlines only), each line escaped (``untrusted.printable``): it holds
    what a student wrote."""
    for line in text.split("\n"):
        print(printable(line), file=file)


def print_gradebook(grades: Path, week: str) -> None:
    rows = reports.read_grades(grades, week)
    print(f"\n{'student':<20} {'score':>7} {'max':>5} {'bonus':>7}")
    for row in sorted(rows, key=lambda r: r["student_id"]):
        print(f"{printable(row['student_id']):<20} {float(row['score']):>7g} {float(row['max_score']):>5g} "
              f"{float(row['bonus']):>3g}/{float(row['bonus_max']):g}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nngrader", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    sub = verbs.add_parser("assignments", help="generate assignments/<week> from solutions/<week>")
    sub.add_argument("weeks", nargs="*", help="weeks to build (default: all)")
    sub.set_defaults(run=cmd_assignments)
    for name, run, text in [("release", cmd_release, "build the nbgrader source, generate and release"),
                            ("collect", cmd_collect, "collect submissions from the exchange"),
                            ("grade", cmd_grade, "autograde new or changed submissions, export grades.csv"),
                            ("feedback", cmd_feedback, "generate and release feedback"),
                            ("report", cmd_report, "write the class report and results.json again from the grades"),
                            ("demo", cmd_demo, "grade the sample submissions end to end")]:
        sub = verbs.add_parser(name, help=text)
        sub.add_argument("week", nargs="?", default="week03")
        if name == "demo":
            sub.add_argument("--samples", default=paths.EXAMPLES, help="folder of sample submissions, one per student")
        if name == "grade":
            sub.add_argument("--force", action="store_true", help="grade unchanged submissions again too")
            sub.add_argument("--jobs", type=int, help="submissions graded at once on this machine (default: cores)")
            sub.add_argument("--scheduler", help="grade on this Dask scheduler instead (tcp://host:8786)")
        sub.set_defaults(run=run)
    sub = verbs.add_parser("check", help="grade one folder with the hidden graders, without nbgrader")
    sub.add_argument("week")
    sub.add_argument("folder")
    sub.add_argument("--log", type=Path, help="also write pytest's own output here (quotes grader code)")
    sub.add_argument("--student", default="", help="grade as this student id: their problems and quiz (default: none)")
    sub.set_defaults(run=cmd_check)
    sub = verbs.add_parser("style", help="style notes on each module of a folder, for the TA (no points)")
    sub.add_argument("week")
    sub.add_argument("folder")
    sub.set_defaults(run=cmd_style)
    args = parser.parse_args(argv)
    try:
        if hasattr(args, "week"):
            paths.check_week(args.week)
        return args.run(args) or 0
    except (ValueError, FileNotFoundError, mnist.MnistError, nbgrader_commands.NbgraderError, KitFault,
            lock.Busy) as error:
        print_lines(f"nngrader: {error}", file=sys.stderr)  # nbgrader's output names students' files
        return 1


if __name__ == "__main__":
    sys.exit(main())
