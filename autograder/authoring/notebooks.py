"""Build a week's notebook from its percent-format source (``solutions/<week>/<name>.pct.py``).

The instructor writes teaching cells in a reviewable ``.py`` file (read with
jupytext); this module appends one grading cell per check: a locked nbgrader
"autograder tests" cell whose output, under ``nbgrader autograde``, is written
by the kit (``nbgrader_hooks.KitGrades``) from the hidden graders' verdict. The
cell holds no code to run: grades never come from the student's kernel. Then
one nbgrader task cell per rubric part of the module (``policy.RUBRIC``): what a
TA grades by hand in formgrader, with the student's source put beside it at
autograde (``nbgrader_hooks.RubricSources``). The source version (for nbgrader)
keeps the solutions; the student version has them removed, as nbgrader's
release would.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

from autograder.authoring.stubs import has_solutions, strip_solutions
from autograder.results import CheckSpec, RubricPart

SUFFIX = ".pct.py"
VISIBLE_PREFIX = "visible_"  # the grade id of a notebook's 0-point "Visible checks" cell
GRADING_INTRO = """## Hidden checks

The first cell below runs the visible tests of your `.py` file, as `pytest` in
this folder does: nbgrader's **Validate** button runs it too, and fails until
they pass. Each cell after it stands for one hidden check that runs after you
submit, on the code in your `.py` files; those cells are empty in your copy on
purpose: there is nothing to do there."""
VISIBLE_CODE = """# Visible checks of {module}.py (0 points): what Validate runs. The hidden checks below run after you submit.
from conftest import VisibleChecksFail, visible_check_problems

problems = visible_check_problems({module!r})
if problems:
    raise VisibleChecksFail(problems)"""
QUIET_CODE = "# Visible checks of {module}.py (0 points): they run before you submit (Validate, pytest), not here."


def notebook_name(source: Path) -> str:
    """``simple_nn.pct.py`` -> ``simple_nn.ipynb``."""
    return source.name.removesuffix(SUFFIX) + ".ipynb"


def build(source: Path, week: str, checks: tuple[CheckSpec, ...], *, for_students: bool,
          rubric: tuple[RubricPart, ...] = ()) -> nbformat.NotebookNode:
    """The notebook of ``source`` followed by the grading cells of the checks of its module, then a task cell for
    each of its module's ``rubric`` parts.

    ``simple_nn.pct.py`` gets the checks of ``simple_nn.py`` (graded by
    ``test_simple_nn.py``); a notebook named after no module gets none.
    """
    nb = jupytext.read(source, fmt="py:percent")
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    for index, cell in enumerate(nb.cells):
        cell.metadata = {}
        if cell.cell_type == "code" and has_solutions(cell.source):
            cell.metadata["nbgrader"] = _nbgrader(f"solution_{index}", solution=True)
            if for_students:
                cell.source = strip_solutions(cell.source, notebook_name(source))
    intro = nbformat.v4.new_markdown_cell(GRADING_INTRO)
    intro.metadata["nbgrader"] = _nbgrader("hidden_checks_intro", locked=True)
    module = source.name.removesuffix(SUFFIX)
    own = [check for check in checks if check.module == module]
    if own:
        nb.cells.append(intro)
        nb.cells.append(_visible_cell(module))
        nb.cells.extend(_grading_cell(check) for check in own)
    nb.cells.extend(_task_cell(part) for part in rubric if part.module == module)
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:03d}"
        cell.pop("execution_count", None) if cell.cell_type != "code" else None
    nbformat.validate(nb)
    return nb


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write ``nb`` deterministically (same input, same bytes)."""
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def _grading_cell(check: CheckSpec) -> nbformat.NotebookNode:
    unit = "point" if check.points == 1 else "points"
    kind = f"Bonus check ({check.points:g} {unit} of extra credit)" if check.bonus else \
        f"Hidden check ({check.points:g} {unit})"
    cell = nbformat.v4.new_code_cell(f"# {kind}: {check.title}")
    # an extra-credit check's cell is worth 0 in nbgrader: grading gives its points as extra credit (``jobs``), so
    # nbgrader's maximum (formgrader's) is the kit's
    cell.metadata["nbgrader"] = _nbgrader(check.grade_id, grade=True, locked=True,
                                          points=0 if check.bonus else check.points)
    return cell


def _task_cell(part: RubricPart) -> nbformat.NotebookNode:
    """A rubric part as nbgrader's task cell: graded by hand in formgrader, worth its points in the maximum."""
    criteria = "".join(f"\n- {line}" for line in part.criteria)
    cell = nbformat.v4.new_markdown_cell(
        f"## {part.title} ({part.points:g} points, graded by a TA)\n\n"
        f"After you submit, a TA reads your `{part.module}.py` and gives these points by hand"
        + (f", looking for:\n{criteria}" if criteria else ".")
        + "\n\nNothing to do in this cell: the points come from your `.py` file. Until a TA has graded it, your "
        "feedback says \"not graded yet\".")
    cell.metadata["nbgrader"] = _nbgrader(part.grade_id, locked=True, points=part.points, task=True)
    return cell


def _visible_cell(module: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(VISIBLE_CODE.format(module=module))
    cell.metadata["nbgrader"] = _nbgrader(VISIBLE_PREFIX + module, grade=True, locked=True, points=0)
    return cell


def quiet_visible_checks(nb: nbformat.NotebookNode) -> int:
    """Make each "Visible checks" cell of ``nb`` a comment without outputs (changed in place), so that
    autograde runs no visible test in the student's kernel; how many there were."""
    count = 0
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and grade_id.startswith(VISIBLE_PREFIX):
            cell.source = QUIET_CODE.format(module=grade_id.removeprefix(VISIBLE_PREFIX))
            cell.outputs = []
            count += 1
    return count


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
              points: float | None = None, task: bool = False) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": task}
    if points is not None:
        meta["points"] = points
    return meta
