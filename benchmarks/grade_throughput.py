"""Grading throughput: submissions per minute for a synthetic class, the kit's three ways against bare nbgrader.

The class is ``--students N`` copies of the bundled sample submissions
(``examples/submissions/*``), taken round robin in name order so the mix is
fixed: ``buggy_student_00``, ``correct_student_01``, ``stub_student_02``,
``buggy_student_03``, ... Each is released, submitted and collected through
nbgrader in a fresh temporary course directory (``NNGRADER_COURSE_DIR`` and
``NNGRADER_EXCHANGE`` are set for this process only), so ``course/`` is never
touched. Setting the class up is not timed. The copies keep their sample's
answer to the per-student quiz, so a copy of ``correct_student`` scores 113 of
115 (its quiz answer is ``correct_student``'s), the same in every kit way.

The same collected class is then graded four ways, each timed from start to
grades.csv:

1. ``baseline``: bare ``nbgrader autograde <week>`` (one command, every
   student in turn) and ``nbgrader export``, typed as a user would (``python -m
   nbgrader``), in a copy of the course directory whose ``nbgrader_config.py``
   is nbgrader's defaults plus only what it needs to run these notebooks at
   all: the course root and id, the exchange, ``Autograde.exclude_overwriting``
   (else nbgrader copies the released stubs over the students' modules), and
   ``Execute.timeout`` set to the kit's cell limit (nbgrader's default of 30 s
   could cut a slow training cell short and so make the baseline faster by not
   running it). Its kernel gets the one BLAS thread the kit gives student code
   (``OPENBLAS_NUM_THREADS=1``, ...): with threaded OpenBLAS, the bare kernel
   took 8x longer on a busy 2-core machine, which would measure thread
   contention, not the kit. So: nbgrader's own Execute, with the kernel outside
   any sandbox, and no ``KitGrades``: the hidden graders do not run, and the
   grading cells (a comment only) score whatever nbgrader gives a cell that
   runs. Its grades mean nothing; its time is the floor the kit is measured
   against. (It runs the bundled samples unsandboxed, which is fine for them and
   for nothing else.)
2. ``kit1``: ``workflow.grade(week, force=True, workers=1)``: each student's
   ``nbgrader autograde --student`` as a job in a private course copy
   (``jobs.py``), with the sandboxed kernel and the kit's graders.
3. ``kitall``: the same with ``workers=os.cpu_count()``.
4. ``dask``: the same on a Dask ``LocalCluster`` with one single-threaded worker
   process per core (starting the cluster is not timed).

Every way runs ``--rounds`` times (default 2), every other round in reverse
order (baseline kit1 kitall dask dask kitall kit1 baseline), and counts the mean:
a machine whose speed drifts during the run (a shared host does) then favours
no way. One round of 8 students once measured the baseline 20 % slower than the
round before it.

Printed: cores, students, each round's seconds, then per way the mean seconds,
seconds per submission, submissions per minute and the ratio to the baseline,
and two targets with PASS/MISS: (a) all cores >= 1.8x the kit's 1-worker rate;
(b) the kit's overhead per submission over bare nbgrader <= 25 %. A last line
says how much of a submission's time the hidden graders' checks take (from the
saved results), and how much of that is the accuracy check training SimpleNN on
MNIST: work the baseline does not do at all. The three kit ways must give
identical grades.csv scores; if they do not (or a submission fails to run) the
script exits with status 1.

Time it takes: about 17 minutes for the default 8 students and 2 rounds on the
2-core development machine (``--rounds 1`` halves it; ``--ways baseline,kit1``
is a quicker look at the overhead).

Run: .venv/bin/python benchmarks/grade_throughput.py [--students 8] [--rounds 2] [--ways baseline,kit1,kitall,dask]
     [--week week03]  (or make benchmark-throughput STUDENTS=8 ROUNDS=2)
(NNGRADER_DATA_DIR must name the MNIST files, as for ``make grade``.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from autograder import paths, store
from autograder.course import nbgrader_commands, workflow
from autograder.handout import mnist
from autograder.reporting import reports
from autograder.sandbox.limited import Limits

#: The four ways, in the order they run, with the label printed for each.
WAYS = {
    "baseline": "bare nbgrader autograde + export",
    "kit1": "kit, 1 worker",
    "kitall": "kit, all cores",
    "dask": "kit, Dask LocalCluster",
}
#: The kit's sandbox gives student code one BLAS thread (sandbox.py); the baseline's kernel gets the same.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SPEEDUP_TARGET = 1.8   # (a) all cores / 1 worker, submissions per minute
OVERHEAD_TARGET = 0.25  # (b) kit (1 worker) seconds per submission / baseline's, minus 1

PLAIN_CONFIG = '''\
# nbgrader's defaults plus only what these notebooks need to run at all (benchmarks/grade_throughput.py).
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.Exchange.path_includes_course = True
c.Autograde.exclude_overwriting = {exclude!r}
c.Execute.timeout = {timeout}
'''


# ---------------------------------------------------------------- pure parts (tests/test_grade_throughput.py)

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line: ``--students``, ``--ways`` (a subset of WAYS, kept in run order) and ``--week``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=_positive, default=8,
                        help="students in the synthetic class (default 8; each adds about 2 minutes, all ways)")
    parser.add_argument("--ways", type=_ways, default=list(WAYS),
                        help=f"comma-separated ways to run, from {','.join(WAYS)} (default: all)")
    parser.add_argument("--week", type=_week, default="week03", help="the week to grade (default week03)")
    parser.add_argument("--rounds", type=_positive, default=2,
                        help="times each way runs, every other round in reverse order, so that a machine that "
                        "slows down or speeds up during the run favours no way (default 2)")
    return parser.parse_args(argv)


def run_order(ways: Sequence[str], rounds: int) -> list[str]:
    """Every way once per round, odd rounds in reverse: ``a b c c b a a b c ...``. Each way's mean position is
    then the same, so a drift in the machine's speed that is linear in time cancels out of every ratio."""
    order: list[str] = []
    for round_ in range(rounds):
        order.extend(ways if round_ % 2 == 0 else list(reversed(ways)))
    return order


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"need at least 1, got {value}")
    return value


def _week(raw: str) -> str:
    try:
        return paths.check_week(raw)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _ways(raw: str) -> list[str]:
    asked = [way.strip() for way in raw.split(",") if way.strip()]
    unknown = [way for way in asked if way not in WAYS]
    if unknown or not asked:
        raise argparse.ArgumentTypeError(f"unknown way {', '.join(unknown) or '(none given)'}: "
                                         f"choose from {','.join(WAYS)}")
    return [way for way in WAYS if way in asked]


def class_roster(students: int, samples: Sequence[str]) -> list[tuple[str, str]]:
    """``(student name, sample)`` for a class of ``students``, round robin over ``samples`` in name order."""
    if not samples:
        raise ValueError("no sample submissions to build a class from")
    ordered = sorted(samples)
    width = max(2, len(str(students - 1)))
    return [(f"{ordered[i % len(ordered)]}_{i:0{width}d}", ordered[i % len(ordered)]) for i in range(students)]


@dataclass(frozen=True)
class Timing:
    """One way's wall-clock time for grading ``submissions`` submissions (the mean over its rounds)."""

    way: str
    seconds: float
    submissions: int

    @classmethod
    def of_rounds(cls, way: str, rounds: Sequence[float], submissions: int) -> Timing:
        return cls(way, sum(rounds) / len(rounds), submissions)

    @property
    def per_submission(self) -> float:
        return self.seconds / self.submissions

    @property
    def per_minute(self) -> float:
        return 60.0 * self.submissions / self.seconds


@dataclass(frozen=True)
class Target:
    """A target's verdict: ``value`` against ``limit``, judged at the precision printed (so a printed 1.80x is
    never a MISS of 1.8x), or not measured (``value`` None)."""

    name: str
    value: float | None
    limit: float
    passed: bool | None
    fmt: Callable[[float], str]
    missing: str = ""

    def line(self) -> str:
        if self.value is None:
            return f"{self.name}: n/a ({self.missing})"
        return f"{self.name}: {self.fmt(self.value)}  {'PASS' if self.passed else 'MISS'}"


def speedup_target(timings: dict[str, Timing]) -> Target:
    """(a) the kit's rate on all cores over its rate on 1 worker, at least SPEEDUP_TARGET."""
    name = f"(a) kit, all cores >= {SPEEDUP_TARGET:g}x kit, 1 worker"
    if "kit1" not in timings or "kitall" not in timings:
        return Target(name, None, SPEEDUP_TARGET, None, _times, "needs kit1 and kitall")
    value = timings["kitall"].per_minute / timings["kit1"].per_minute
    return Target(name, value, SPEEDUP_TARGET, round(value, 2) >= SPEEDUP_TARGET, _times)


def overhead_target(timings: dict[str, Timing]) -> Target:
    """(b) the kit's seconds per submission (1 worker) over bare nbgrader's, minus 1, at most OVERHEAD_TARGET."""
    name = f"(b) kit overhead per submission over bare nbgrader <= {OVERHEAD_TARGET:.0%}"
    if "kit1" not in timings or "baseline" not in timings:
        return Target(name, None, OVERHEAD_TARGET, None, _percent, "needs baseline and kit1")
    value = timings["kit1"].per_submission / timings["baseline"].per_submission - 1
    return Target(name, value, OVERHEAD_TARGET, round(value, 2) <= OVERHEAD_TARGET, _percent)


def _times(value: float) -> str:
    return f"{value:.2f}x"


def _percent(value: float) -> str:
    return f"{value:+.0%}"


def table(timings: dict[str, Timing], labels: dict[str, str]) -> list[str]:
    """One line per way: seconds, seconds per submission, submissions per minute, ratio to the baseline's rate."""
    base = timings.get("baseline")
    lines = [f"{'way':<36} {'seconds':>8} {'s/sub':>7} {'subs/min':>9} {'x baseline':>11}"]
    for way, timing in timings.items():
        ratio = f"{timing.per_minute / base.per_minute:.2f}x" if base else "n/a"
        lines.append(f"{labels.get(way, way):<36} {timing.seconds:>8.1f} {timing.per_submission:>7.1f} "
                     f"{timing.per_minute:>9.2f} {ratio:>11}")
    return lines


def differing_scores(scores: dict[str, dict[str, tuple[str, ...]]]) -> list[str]:
    """Lines naming each student whose grades.csv row differs between ways (empty: all agree)."""
    if len(scores) < 2:
        return []
    (first, reference), *others = scores.items()
    lines = []
    for way, rows in others:
        for student in sorted(set(reference) | set(rows)):
            if reference.get(student) != rows.get(student):
                lines.append(f"{student}: {first} {reference.get(student)} but {way} {rows.get(student)}")
    return lines


# ---------------------------------------------------------------- grading (slow)

def set_up_class(week: str, roster: list[tuple[str, str]]) -> None:
    """Release ``week`` in the current course directory, submit each student's sample, collect."""
    workflow.release(week)
    for student, sample in roster:
        workflow.submit(week, student, paths.EXAMPLES / sample)
    workflow.collect(week)


def plain_course(week: str, root: Path) -> Path:
    """A copy of the course at ``root`` beside it, with the plain nbgrader config (PLAIN_CONFIG)."""
    plain = root.parent / "plain-course"
    shutil.copytree(root, plain, ignore=shutil.ignore_patterns("autograded", "feedback", ".nngrader", "grades.csv"))
    (plain / "nbgrader_config.py").write_text(PLAIN_CONFIG.format(
        root=str(plain), course_id=nbgrader_commands.COURSE_ID, exchange=str(plain / "exchange"),
        exclude={w: nbgrader_commands.student_modules(w) for w in paths.weeks()},
        timeout=int(Limits.from_env().wall_seconds)), encoding="utf-8")
    return plain


def grade_baseline(week: str, plain: Path) -> float:
    """Seconds for bare ``nbgrader autograde <week>`` of every student, then ``nbgrader export``."""
    start = time.perf_counter()
    for args in (["autograde", week, "--force"], ["export", f"--to={plain / 'grades.csv'}"]):
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=plain, capture_output=True, text=True,
                              env=nbgrader_commands.nbgrader_environment(ONE_BLAS_THREAD))  # the command as a user types it
        if done.returncode != 0:
            raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - start


def grade_kit(week: str, students: int, workers: int | None = None, scheduler: str | None = None
              ) -> tuple[float, dict[str, tuple[str, ...]]]:
    """Seconds for ``workflow.grade`` of the whole class, and each student's grades.csv scores."""
    start = time.perf_counter()
    grades, outcomes = workflow.grade(week, force=True, progress=False, workers=workers, scheduler=scheduler)
    seconds = time.perf_counter() - start
    failed = [o.line() for o in outcomes if o.status != "graded"]
    if failed or len(outcomes) != students:
        raise SystemExit(f"grading did not grade every submission ({len(outcomes)} of {students}):\n"
                         + "\n".join(failed))
    rows = reports.read_grades(grades, week)
    return seconds, {r["student_id"]: (r["score"], r["max_score"], r["bonus"], r["bonus_max"]) for r in rows}


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def run(args: argparse.Namespace) -> int:
    cores = os.cpu_count() or 1
    samples = sorted(p.name for p in paths.EXAMPLES.iterdir() if p.is_dir())
    roster = class_roster(args.students, samples)
    labels = {**WAYS, "kitall": f"kit, all cores ({cores} workers)",
              "dask": f"kit, Dask LocalCluster ({cores} processes)"}
    order = run_order(args.ways, args.rounds)
    print(f"grading throughput, {args.week}: {args.students} students (round robin over {', '.join(samples)}), "
          f"{cores} cores, {load()} at start; {args.rounds} round(s) in the order {' '.join(order)}")
    rounds: dict[str, list[float]] = {way: [] for way in args.ways}
    scores: dict[str, dict[str, tuple[str, ...]]] = {}
    checks = None
    with tempfile.TemporaryDirectory(prefix="nngrader-throughput-") as tmp:
        root = Path(tmp) / "course"
        with mock.patch.dict(os.environ, {"NNGRADER_COURSE_DIR": str(root),
                                          "NNGRADER_EXCHANGE": str(root / "exchange")}):
            start = time.perf_counter()
            set_up_class(args.week, roster)
            plain = plain_course(args.week, root)
            print(f"class released, submitted and collected in {time.perf_counter() - start:.0f} s (not counted)")
            for way in order:
                if way == "baseline":
                    seconds = grade_baseline(args.week, plain)
                elif way == "dask":
                    from dask.distributed import LocalCluster  # only this way needs it

                    with LocalCluster(n_workers=cores, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
                        seconds, scores[way] = grade_kit(args.week, args.students,
                                                         scheduler=cluster.scheduler_address)
                else:
                    seconds, scores[way] = grade_kit(args.week, args.students,
                                                     workers=1 if way == "kit1" else cores)
                if way != "baseline":
                    checks = check_seconds(args.week, [student for student, _ in roster])
                rounds[way].append(seconds)
                print(f"  {labels[way]}: {seconds:.1f} s ({load()} after)", flush=True)
    timings = {way: Timing.of_rounds(way, rounds[way], args.students) for way in args.ways}
    print()
    print("\n".join(table(timings, labels)))
    print()
    for target in (speedup_target(timings), overhead_target(timings)):
        print(target.line())
    if args.rounds > 1 and {"baseline", "kit1"} <= set(rounds):
        print("    (b) round by round: " + ", ".join(_percent(kit / base - 1)
                                                    for kit, base in zip(rounds["kit1"], rounds["baseline"])))
    if checks is not None:
        print(f"where the kit's time goes: the hidden graders' checks take {checks[0]:.1f} s per submission, "
              f"{checks[1]:.1f} s of it the MNIST accuracy check (train SimpleNN for 10 epochs, predict)")
    differing = differing_scores(scores)
    if differing:
        print(f"\nGRADES DIFFER between the kit's ways ({', '.join(scores)}):\n" + "\n".join(differing))
        return 1
    if len(scores) >= 2:
        print(f"grades.csv scores identical across {len(scores)} kit ways ({'; '.join(labels[w] for w in scores)}), "
              f"{args.students} students")
    return 0


def check_seconds(week: str, students: list[str]) -> tuple[float, float]:
    """Per submission: the seconds the saved check results took in all, and in the MNIST accuracy check."""
    results = [result for student in students for result in store.load(week, student)]
    accuracy = sum(r.seconds or 0 for r in results if r.id == "simple_nn::test_accuracy_above_90_percent_on_mnist")
    return sum(r.seconds or 0 for r in results) / len(students), accuracy / len(students)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        mnist.verify()
    except mnist.MnistError as error:
        raise SystemExit(f"{error}") from None
    return run(args)


if __name__ == "__main__":  # a Dask LocalCluster spawns processes that import this file
    sys.exit(main())
