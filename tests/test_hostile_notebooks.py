"""A notebook's fault costs only that notebook: hostile and damaged notebooks through real nbgrader.

One class goes through release, submit, collect, autograde, export and
feedback once (module fixture). Every student hands in the correct sample's
modules; all but one damage ONE notebook, each in another way: a cell that
hangs past the cell limit (deaf to the interrupt), a module that kills the
notebook's kernel when the notebook imports it (and only there), grading
cells deleted, pasted twice, re-flagged, or copied from another notebook.
A last student is graded intact, then hands in a stub with the grading cells
of its notebook deleted, and is graded again. Each test asks one question
of the result.
"""

import copy
import html
import json
import re
import shutil
from collections import Counter

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import paths, store
from autograder.authoring import notebooks
from autograder.course import workflow
from autograder.grading.checklist import collect_checks
from autograder.reporting import reports

WEEK = "week03"
CHECKS = collect_checks(WEEK)
NOTEBOOKS = sorted(dict.fromkeys(check.module for check in CHECKS))
QUIZ = next(c for c in CHECKS if c.module == "forward_prop" and "quiz" in c.name)
CELL_SECONDS = 30  # NNGRADER_CELL_SECONDS of this class: far above any cell of the correct notebooks
CORRECT = "correct_student"
RESUBMITTER = "resubmitter"

#: A cell that sleeps past the cell limit and ignores the interrupt nbgrader would send. It ends on its own after
#: 120 s, so that without a cell limit of its own the class still finishes (and this file's tests fail).
HANG = """\
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
time.sleep(120)
"""
#: Appended to activations.py: kills the process that imports it, but only a notebook's kernel, so the kit's graders
#: (which import it in a worker without ipykernel) score the module as usual.
KILL_KERNEL = """

import os as _os
import sys as _sys
if "ipykernel" in _sys.modules:
    _os._exit(3)
"""


def is_grading(cell) -> bool:
    return bool(cell.metadata.get("nbgrader", {}).get("grade"))


def is_visible_checks(cell) -> bool:
    """The 0-point "Visible checks" cell: a comment without outputs under autograde."""
    return cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith(notebooks.VISIBLE_PREFIX)


def hang(nb):
    nb.cells.insert(2, nbformat.v4.new_code_cell(HANG))  # right after the notebook's imports


def delete_grading_cells(nb):
    nb.cells = [cell for cell in nb.cells if not is_grading(cell)]


def paste_grading_cells(nb):
    """What copy and paste in Jupyter does: the same metadata, a new cell id."""
    for cell in [cell for cell in nb.cells if is_grading(cell)][:2]:
        pasted = copy.deepcopy(cell)
        pasted.id = f"pasted-{cell.id}"
        nb.cells.insert(5, pasted)


def reflag_grading_cells(nb):
    first, second, third = [cell for cell in nb.cells if is_grading(cell)][:3]
    first.metadata.nbgrader.update(solution=True, locked=False)  # a grading cell turned into a solution cell
    second.metadata.nbgrader["points"] = 100.0
    third.metadata.nbgrader["grade_id"] = "my_own_check"


def add_foreign_grading_cells(nb, release):
    """Grading cells of another notebook, pasted in."""
    other = nbformat.read(release / "activations.ipynb", as_version=4)
    foreign = [copy.deepcopy(cell) for cell in other.cells if is_grading(cell)][:3]
    for cell in foreign:
        cell.id = f"foreign-{cell.id}"  # pasting gives a new cell id
    nb.cells[3:3] = foreign


#: student -> (notebook damaged, what to do to it, words of the problem in feedback and in make grade's line)
FAULTS = {
    "hanging_cell": ("perceptron", hang, f"ran longer than the {CELL_SECONDS} s limit for one notebook cell"),
    "dying_kernel": ("activations", None, "made the notebook's kernel die (exit status 3)"),
    "deleted_cells": ("simple_nn", delete_grading_cells, "21 grading cells were missing (deleted?) and were put back"),
    "pasted_cells": ("backprop", paste_grading_cells, "2 pasted copies of grading cells"),
    "reflagged_cells": ("optimizers", reflag_grading_cells, "had their flags, points or content changed"),
    "foreign_cells": ("perceptron", add_foreign_grading_cells, "3 cells marked with grading ids this notebook does "
                                                               "not have"),
}


def submission(folder, release, student):
    """The correct sample's modules, and the released notebooks with ``student``'s damage."""
    shutil.copytree(paths.EXAMPLES / CORRECT, folder)
    for notebook in release.glob("*.ipynb"):
        shutil.copy2(notebook, folder / notebook.name)
    if student == "dying_kernel":
        with open(folder / "activations.py", "a", encoding="utf-8") as module:
            module.write(KILL_KERNEL)
    elif student in FAULTS:
        name, damage, _ = FAULTS[student]
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        damage(nb, release) if damage is add_foreign_grading_cells else damage(nb)
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


@pytest.fixture(scope="module")
def graded(mnist_dir, tmp_path_factory):
    """A course where the correct student, each damaged notebook and the resubmitter were graded once."""
    root = tmp_path_factory.mktemp("course")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NNGRADER_COURSE_DIR", str(root))
        env.setenv("NNGRADER_EXCHANGE", str(root / "exchange"))
        env.setenv("NNGRADER_CELL_SECONDS", str(CELL_SECONDS))
        release = workflow.release(WEEK)
        folders = tmp_path_factory.mktemp("students")
        for student in [CORRECT, *FAULTS, RESUBMITTER]:
            workflow.submit(WEEK, student, submission(folders / student, release, student))
        workflow.collect(WEEK)
        grades, outcomes = workflow.grade(WEEK, progress=False)
        workflow.feedback(WEEK)
        written = reports.write_reports(WEEK, grades)
        yield {"root": root, "release": release, "grades": grades, "reports": written,
               "outcomes": {outcome.student: outcome for outcome in outcomes},
               "correct": notebook_scores(root, CORRECT)}


def notebook_scores(root, student) -> dict[str, float]:
    """The gradebook's points of each of ``student``'s notebooks (extra credit included)."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {notebook: gradebook.find_submission_notebook(notebook, WEEK, student).score for notebook in NOTEBOOKS}


def expected_scores(graded, student) -> dict[str, float]:
    """The correct student's points per notebook, but for the quiz, whose answer was computed for their own id."""
    return {notebook: score - (QUIZ.points if notebook == QUIZ.module and student != CORRECT else 0)
            for notebook, score in graded["correct"].items()}


def kit_points(student) -> dict[str, float]:
    """The points the kit's graders gave each module (the saved check results)."""
    points = dict.fromkeys(NOTEBOOKS, 0.0)
    for result in store.load(WEEK, student):
        points[result.module] += result.points
    return points


def page_text(path) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))).split())


def autograded(graded, student, notebook):
    return nbformat.read(graded["root"] / "autograded" / student / WEEK / f"{notebook}.ipynb", as_version=4)


@pytest.mark.parametrize("student", FAULTS)
def test_a_damaged_notebook_costs_nothing_and_every_module_is_graded(graded, student):
    """Is a submission with one hanging, kernel-killing or tampered notebook still graded, with each notebook
    worth what the kit's graders give its module: the correct student's points, the damaged one's included?"""
    assert sum(graded["correct"].values()) == sum(check.points for check in CHECKS)  # the baseline: full marks
    assert graded["outcomes"][student].status == "graded", graded["outcomes"][student].detail
    scores = notebook_scores(graded["root"], student)
    assert scores == expected_scores(graded, student)
    assert scores == kit_points(student)


@pytest.mark.parametrize("student", FAULTS)
def test_the_problem_is_named_in_that_notebooks_feedback_and_in_the_grading_report(graded, student):
    """Does the damaged notebook's feedback page say what happened to it (and no other page does), and does
    `make grade`'s line for the student name the notebook and the problem?"""
    notebook, _, words = FAULTS[student]
    detail = graded["outcomes"][student].detail
    assert f"{notebook}.ipynb: " in detail and words in detail, detail
    for name in NOTEBOOKS:
        text = page_text(graded["root"] / "feedback" / student / WEEK / f"{name}.html")
        shown = "What happened to this notebook at grading" in text and words in text
        assert shown == (name == notebook), name
    assert graded["outcomes"][CORRECT].detail == ""


@pytest.mark.parametrize("student", FAULTS)
def test_gradebook_grades_csv_results_json_and_the_checks_agree(graded, student):
    """Do the gradebook, grades.csv, results.json and the kit's check results give the student the same points?"""
    row = next(row for row in reports.read_grades(graded["grades"], WEEK) if row["student_id"] == student)
    document = json.loads(reports.results_path(WEEK, student).read_text())
    total = sum(notebook_scores(graded["root"], student).values())
    assert float(row["raw_score"]) + float(row["bonus"]) == total == sum(kit_points(student).values())
    assert sum(test["score"] for test in document["tests"]) == total
    assert document["score"] == float(row["score"]) + float(row["bonus"])


@pytest.mark.parametrize("student", ["hanging_cell", "dying_kernel"])
def test_a_stopped_notebook_marks_the_cell_and_runs_no_further(graded, student):
    """Does the cell that hung or killed the kernel carry an error output saying so (with the limit), the cells
    after it stay unrun, and the student's other notebooks run to the end?"""
    notebook, _, words = FAULTS[student]
    cells = [cell for cell in autograded(graded, student, notebook).cells if cell.cell_type == "code"]
    stopped = next(index for index, cell in enumerate(cells)
                   if any(output.output_type == "error" and words in output.get("evalue", "") for output in cell.outputs))
    assert not [cell for cell in cells[stopped + 1:] if cell.outputs and not is_grading(cell)]
    assert all(cell.outputs for cell in cells if is_grading(cell) and not is_visible_checks(cell))  # the verdicts
    assert not [cell for cell in cells if is_visible_checks(cell) and cell.outputs]
    other = autograded(graded, student, "forward_prop")
    assert all(cell.outputs for cell in other.cells if cell.cell_type == "code" and "plt.show()" in cell.source)


@pytest.mark.parametrize("student", ["deleted_cells", "pasted_cells", "reflagged_cells", "foreign_cells"])
def test_a_repaired_notebook_has_each_grading_cell_once_as_released_and_keeps_the_students_cells(graded, student):
    """Does the autograded notebook hold every grading cell of the source exactly once, in the source's order and
    with its points, and still every cell the student added (as ordinary cells)?"""
    notebook, _, _ = FAULTS[student]
    source = nbformat.read(graded["root"] / "source" / WEEK / f"{notebook}.ipynb", as_version=4)
    submitted = nbformat.read(graded["root"] / "submitted" / student / WEEK / f"{notebook}.ipynb", as_version=4)
    result = autograded(graded, student, notebook)
    notebooks.quiet_visible_checks(source)  # as autograde leaves it: a comment

    def grading(nb):
        return [(c.metadata.nbgrader["grade_id"], float(c.metadata.nbgrader["points"]), c.source)
                for c in nb.cells if is_grading(c)]

    assert grading(result) == grading(source)
    assert not [cell for cell in result.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    theirs = Counter(cell.source for cell in submitted.cells if not cell.source.startswith("# Visible checks of"))
    assert not theirs - Counter(cell.source for cell in result.cells)  # the kit's Visible checks cell is not theirs
    others = {c.source for c in nbformat.read(graded["release"] / "activations.ipynb", as_version=4).cells
              if is_grading(c)}
    assert all("nbgrader" not in cell.metadata for cell in result.cells if cell.source in others)  # foreign ones


def test_regrading_after_the_grading_cells_were_removed_keeps_no_stale_points(graded):
    """A student graded with full marks hands in a stub perceptron.py and a perceptron notebook without its grading
    cells: does the regrade give that notebook 0 everywhere (gradebook, grades.csv, results.json), not the old
    points, while the other students stay as they were?"""
    root = graded["root"]
    before = notebook_scores(root, RESUBMITTER)
    assert before == expected_scores(graded, RESUBMITTER) and before["perceptron"] > 0
    folder = root / "submitted" / RESUBMITTER / WEEK
    shutil.copy2(graded["release"] / "perceptron.py", folder / "perceptron.py")
    nb = nbformat.read(folder / "perceptron.ipynb", as_version=4)
    delete_grading_cells(nb)
    nbformat.write(nb, folder / "perceptron.ipynb")
    grades, outcomes = workflow.grade(WEEK, progress=False)
    written = reports.write_reports(WEEK, grades)
    assert {o.student for o in outcomes if o.status == "graded"} == {RESUBMITTER}
    after = notebook_scores(root, RESUBMITTER)
    assert after == {**before, "perceptron": 0.0} == kit_points(RESUBMITTER)
    row = next(row for row in reports.read_grades(grades, WEEK) if row["student_id"] == RESUBMITTER)
    document = json.loads(next(p for p in written.results if p.parent.name == RESUBMITTER).read_text())
    assert float(row["raw_score"]) + float(row["bonus"]) == sum(after.values())
    assert sum(test["score"] for test in document["tests"]) == sum(after.values())
    assert notebook_scores(root, CORRECT) == graded["correct"]


#: A notebook run by the kit's sandboxed kernel in the current folder; prints the executed notebook.
KERNEL_RUN = """\
import sys, nbformat
from nbclient import NotebookClient
from autograder.course.nbgrader_hooks import SandboxedKernelManager
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import shadow_check; print(6 * 7)")])
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, timeout=120,
               resources={"metadata": {"path": sys.argv[1]}}).execute()
print("OUTPUT", nb.cells[0].outputs[0]["text"].strip())
"""


def test_a_module_named_like_the_kernels_own_cannot_kill_it_before_its_first_cell(tmp_path):
    """Do a student's zmq.py, traitlets.py, jupyter_client.py and autograder/ (which exit at import) leave the
    notebook's kernel alive, while the student's cells still import from their folder?"""
    import subprocess
    import sys

    folder = tmp_path / "student"
    folder.mkdir()
    for name in ("zmq", "traitlets", "jupyter_client", "tornado"):
        (folder / f"{name}.py").write_text("import os\nos._exit(3)\n")
    (folder / "autograder").mkdir()  # where `python -m autograder.jail.kernel_launcher` would look first
    (folder / "autograder" / "__init__.py").write_text("import os\nos._exit(3)\n")
    (folder / "shadow_check.py").write_text("")
    done = subprocess.run([sys.executable, "-c", KERNEL_RUN, str(folder)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "OUTPUT 42" in done.stdout


@pytest.mark.parametrize("tamper", ["delete", "edit", "code cell", "unlock and regrade", "copy"])
def test_the_rubrics_task_cell_comes_back_as_released_whatever_the_student_did(tamper, tmp_path):
    """A student deletes the rubric's task cell, rewrites it ("full marks, already graded"), turns it into a code
    cell, unflags it as a task with other points, or pastes a copy: does the repair before autograde give the
    notebook that one task cell exactly as released (its text, its points), so the TA grades what the course set?"""
    from autograder.authoring.build import build_assignment
    from autograder.course import grading_cells
    from autograder.grading.checklist import rubric_parts

    [part] = rubric_parts(WEEK)
    source = nbformat.read(build_assignment(WEEK, tmp_path / WEEK, for_students=False) / "simple_nn.ipynb",
                           as_version=4)
    nb = copy.deepcopy(source)
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == part.grade_id)
    task = nb.cells[index]
    if tamper == "delete":
        del nb.cells[index]
    elif tamper == "edit":
        task.source = "## Code is clean and commented: graded, 5 / 5, full marks"
    elif tamper == "code cell":
        nb.cells[index] = nbformat.v4.new_code_cell("print('5/5')", metadata=task.metadata, id=task.id)
    elif tamper == "unlock and regrade":
        task.metadata.nbgrader.update(task=False, locked=False, points=50)
    else:
        nb.cells.insert(0, copy.deepcopy(task))
    grading_cells.repair(nb, source)
    tasks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("task")]
    assert len(tasks) == 1 and tasks[0].cell_type == "markdown", tamper
    assert tasks[0].source == source.cells[index].source and tasks[0].metadata.nbgrader.points == part.points
