"""Week 3 figures: the reference SimpleNN's speed and accuracy, and the time to grade one submission.

Prints, on full MNIST:
  * seconds per epoch of the reference ``train`` and test accuracy after each epoch,
    with the epoch's raw matrix products timed alone as the baseline (same run);
  * the time to grade one correct submission: the hidden graders alone
    (``run_checks``: the mini-challenge, then the whole week), and end to end
    through nbgrader autograde + export (every notebook of the week executed)
    in a scratch course directory.
Targets on a 2-core machine: an epoch <= 0.5 s; grading one mini-challenge
submission <= 20 s.

Run: make benchmark   (or .venv/bin/python benchmarks/week03_reference.py)
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder import paths
from autograder.course import workflow
from autograder.grading import solutions
from autograder.grading.runner import run_checks
from autograder.handout import mnist
from autograder.reporting import reports

WEEK = "week03"


def load_reference():
    return solutions.load(WEEK, "simple_nn")


def matmul_floor(model, X: np.ndarray, batch_size: int = 64) -> float:
    """Seconds for one epoch's matrix products alone (forward and backward), the baseline."""
    start = time.perf_counter()
    for first in range(0, len(X), batch_size):
        x = X[first:first + batch_size]
        a1 = x @ model.W1
        z2 = a1 @ model.W2
        da1 = z2 @ model.W2.T
        x.T @ da1, a1.T @ z2
    return time.perf_counter() - start


def reference_epochs(X_train, y_train, X_test, y_test, epochs: int = 10) -> None:
    model = load_reference().SimpleNN(seed=0)
    floor = min(matmul_floor(model, X_train) for _ in range(3))
    print(f"\nreference SimpleNN on {len(X_train):,} images (matrix products alone: {floor:.3f} s/epoch)")
    print(f"{'epoch':>5} {'seconds':>8} {'x floor':>8} {'loss':>8} {'test acc':>9}")
    times = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        loss = model.train(X_train, y_train, epochs=1)[0]
        times.append(time.perf_counter() - start)
        accuracy = np.mean(model.predict(X_test) == y_test)
        print(f"{epoch:>5} {times[-1]:>8.3f} {times[-1] / floor:>8.2f} {loss:>8.4f} {accuracy:>9.2%}")
    print(f"median {np.median(times):.3f} s/epoch (target <= 0.5 s); final test accuracy {accuracy:.2%}")


def grading_times() -> None:
    with tempfile.TemporaryDirectory(prefix="nngrader-bench-") as tmp:
        submission = Path(tmp) / "submission"
        shutil.copytree(paths.EXAMPLES / "correct_student", submission)
        timings = {}
        for label, modules in (("mini-challenge (simple_nn)", ("simple_nn",)), ("whole week", ())):
            start = time.perf_counter()
            results = run_checks(WEEK, submission, modules=modules, student_id="student")
            timings[label] = time.perf_counter() - start
            failed = [r.id for r in results if not r.passed and "quiz" not in r.id]  # the quiz is per student
            assert not failed, failed

        os.environ["NNGRADER_COURSE_DIR"] = str(Path(tmp) / "course")
        os.environ["NNGRADER_EXCHANGE"] = str(Path(tmp) / "course" / "exchange")
        workflow.release(WEEK)
        workflow.submit(WEEK, "student", submission)
        workflow.collect(WEEK)
        start = time.perf_counter()
        grades, _ = workflow.grade(WEEK, progress=False)
        autograde = time.perf_counter() - start
        score = reports.read_grades(grades, WEEK)[0]["score"]
    print("\ngrading one correct submission")
    for label, seconds in timings.items():
        print(f"  hidden graders alone, {label + ':':<28} {seconds:6.1f} s")
    print(f"  nbgrader autograde + export, whole week ({len(list((paths.ASSIGNMENTS / WEEK).glob('*.ipynb')))} "
          f"notebooks): {autograde:6.1f} s  ({autograde / timings['whole week']:.2f}x the graders alone; "
          f"score {float(score):g})")


def main() -> None:
    mnist.verify()
    X_train, y_train, X_test, y_test = mnist.load_mnist()
    print(f"numpy {np.__version__}, {os.cpu_count()} cores")
    reference_epochs(X_train, y_train, X_test, y_test)
    grading_times()


if __name__ == "__main__":
    main()
