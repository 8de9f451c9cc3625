"""One class graded three ways gives the same grades: 1 worker, 2 workers, and a Dask LocalCluster.

Each grading is the real ``nbgrader autograde`` per student (``jobs.py``), and
``--force`` grades everyone again each time. What must not change: grades.csv,
every check's saved result (but for timings), and each results.json (but for
timings). The gradebook must also hold exactly one submission per student,
written from the grading process only.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing

import pytest
from dask.distributed import LocalCluster

from autograder import paths, store
from autograder.course import workflow
from autograder.grading.checklist import rubric_parts
from autograder.reporting import reports

WEEK = "week03"
STUDENTS = ("buggy_student", "correct_student", "stub_student")


@pytest.fixture(scope="module")
def released(tmp_path_factory, mnist_dir):
    root = tmp_path_factory.mktemp("parallel-course")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NNGRADER_COURSE_DIR", str(root))
        env.setenv("NNGRADER_EXCHANGE", str(root / "exchange"))
        workflow.release(WEEK)
        for student in STUDENTS:
            workflow.submit(WEEK, student, paths.EXAMPLES / student)
        workflow.collect(WEEK)
        yield root


def snapshot(grades) -> dict:
    """What grading decided, without what may differ between runs (timings)."""
    with open(grades, newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: row["student_id"])
    results = {}
    for student in STUDENTS:
        results[student] = [(r.id, r.passed, r.points, r.message,
                             {k: v for k, v in r.data.items() if k not in ("train_seconds",)})
                            for r in store.load(WEEK, student)]
    documents = {}
    for student in STUDENTS:
        document = json.loads(reports.results_path(WEEK, student).read_text())
        document.pop("execution_time")
        for test in document["tests"]:
            test["extra_data"].pop("seconds")
        documents[student] = document
    return {"grades": rows, "results": results, "results.json": documents}


@pytest.fixture(scope="module")
def three_ways(released):
    outcomes = {}
    for way in ("1 worker", "2 workers", "LocalCluster"):
        if way == "LocalCluster":
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                grades, outcome = workflow.grade(WEEK, force=True, progress=False, scheduler=cluster.scheduler_address)
        else:
            grades, outcome = workflow.grade(WEEK, force=True, progress=False, workers=int(way[0]))
        reports.write_reports(WEEK, grades)
        outcomes[way] = (outcome, snapshot(grades))
    return outcomes


def test_every_way_grades_every_student(three_ways):
    """Did each way grade all three students, and none fail?"""
    for way, (outcomes, _) in three_ways.items():
        assert [(o.student, o.status) for o in outcomes] == [(s, "graded") for s in STUDENTS], way


def test_one_worker_two_workers_and_a_cluster_give_the_same_grades(three_ways):
    """Are grades.csv, every check's result and every results.json the same whichever way the class was graded?"""
    (_, first), *others = three_ways.values()
    buggy, correct, stub = (float(row["score"]) for row in first["grades"])
    # the samples' known scores, whatever the draws (the rubric, 5 points a TA grades, is not graded yet)
    assert (buggy, correct, stub) == (40.0, 115.0, 0.0)
    for way, (_, other) in list(three_ways.items())[1:]:
        assert other["grades"] == first["grades"], way
        assert other["results"] == first["results"], way
        assert other["results.json"] == first["results.json"], way


def test_gradebook_holds_one_submission_per_student(released, three_ways):
    """After three gradings, does the gradebook hold one submission per student with one grade per grading cell and
    per rubric task cell?"""
    with closing(sqlite3.connect(released / "gradebook.db")) as db:
        submissions = db.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id").fetchall()
        grades = db.execute("SELECT COUNT(*) FROM grade").fetchone()[0]
        grade_cells = db.execute("SELECT COUNT(*) FROM grade_cells").fetchone()[0]
        task_cells = db.execute("SELECT COUNT(*) FROM task_cells").fetchone()[0]
    assert sorted(submissions) == [(student, 1) for student in STUDENTS]
    assert task_cells == len(rubric_parts(WEEK))
    assert grades == (grade_cells + task_cells) * len(STUDENTS)
