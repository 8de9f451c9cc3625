"""Week 3's forward_prop: its per-student quiz, beyond what tests/test_graders.py asks of every module.

The quiz differs per student: the reference scores full marks whoever is
graded (also with no id given), a quiz is the same in another process,
another student's answer earns nothing, and the quiz keeps its promises.
Every grading run is real (``run_checks``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mutants import reference_folder
from planted.week03.forward_prop import ALL_CHECKS, MODULE, REFERENCE, REFERENCE_MODULE, STUDENT_ID, WEEK, quiz_output

from autograder.grading.runner import run_checks


def submission(folder: Path, source: str) -> Path:
    """A folder with every Week 3 reference module, and ``source`` as forward_prop.py."""
    reference_folder(folder, WEEK)
    (folder / f"{MODULE}.py").write_text(source, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- the reference, whoever is graded


# the module's own student (STUDENT_ID) is tests/test_graders.py's run
@pytest.mark.parametrize("student_id", ["bob", ""], ids=["bob", "no-id-falls-back-to-login"])
def test_reference_scores_full_marks(student_id, tmp_path):
    """Does the reference get every point of forward_prop, whoever is graded (also with no id given)?"""
    results = run_checks(WEEK, submission(tmp_path / "ref", REFERENCE.read_text(encoding="utf-8")),
                         modules=(MODULE,), student_id=student_id)
    assert [r.id for r in results] == list(ALL_CHECKS)
    assert {r.id: r.message for r in results if not r.passed} == {}


# ---------------------------------------------------------------- the quiz


def test_quiz_is_the_same_in_another_process():
    """Does mlp_quiz give the same numbers in a fresh Python process (no salted hash(), no global random state)?"""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import forward_prop as f; "
            "print(json.dumps({k: v.tolist() if hasattr(v, 'tolist') else v "
            "for k, v in f.mlp_quiz('alice').items()}))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code, str(REFERENCE.parent)], capture_output=True, text=True,
                          env=env, check=True)
    here = {k: v.tolist() if hasattr(v, "tolist") else v for k, v in REFERENCE_MODULE.mlp_quiz("alice").items()}
    assert json.loads(done.stdout) == here


def test_quiz_differs_between_students_and_so_do_the_answers():
    """Do 30 ids get 30 different quizzes, and do alice's and bob's answers differ by more than the 0.01 tolerance?"""
    ids = [STUDENT_ID, "bob", *(f"s{i:04d}" for i in range(28))]
    quizzes = {json.dumps({k: np.asarray(v).tolist() for k, v in REFERENCE_MODULE.mlp_quiz(i).items()}) for i in ids}
    assert len(quizzes) == len(ids)
    gap = np.max(np.abs(quiz_output(REFERENCE_MODULE, STUDENT_ID) - quiz_output(REFERENCE_MODULE, "bob")))
    assert gap > 0.05, gap


def test_quiz_keeps_its_promises():
    """For 200 ids: small whole numbers in [-3, 3] of the documented shapes, one hidden unit on and one off,
    a ReLU that changes the answer by more than 0.05, and outputs between sigmoid(-4) and sigmoid(4)?"""
    shapes = {"x": (1, 3), "W1": (3, 2), "b1": (1, 2), "W2": (2, 2), "b2": (1, 2)}
    for student_id in (f"student-{i}" for i in range(200)):
        quiz = REFERENCE_MODULE.mlp_quiz(student_id)
        assert (quiz["hidden"], quiz["output"]) == ("relu", "sigmoid")
        for name, shape in shapes.items():
            value = quiz[name]
            assert value.shape == shape and value.dtype == np.float64
            assert np.all(value == np.round(value)) and np.all(np.abs(value) <= 3)
        z1 = quiz["x"] @ quiz["W1"] + quiz["b1"]
        assert z1.max() > 0 > z1.min()
        out = quiz_output(REFERENCE_MODULE, student_id)
        without_relu = 1 / (1 + np.exp(-(z1 @ quiz["W2"] + quiz["b2"])[0]))
        assert np.max(np.abs(out - without_relu)) > 0.05
        assert np.all((out >= 1 / (1 + np.exp(4))) & (out <= 1 / (1 + np.exp(-4))))
