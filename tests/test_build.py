"""Tests for autograder/authoring/build.py and autograder/authoring/notebooks.py: the generated assignments/<week> folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from leaks import leaked, notebook_code, solution_code_lines

from autograder import paths
from autograder.authoring import notebooks
from autograder.authoring.build import build_assignment, stale_files
from autograder.authoring.stubs import BEGIN, END
from autograder.grading.checklist import collect_checks
from autograder.results import check_of, is_bonus

WEEK = "week03"
SOLUTION_DIR = paths.SOLUTIONS / WEEK
COMMITTED = paths.ASSIGNMENTS / WEEK
NOTEBOOK = "simple_nn.ipynb"


@pytest.fixture(scope="module")
def source_version(tmp_path_factory) -> Path:
    """nbgrader's source version of the week (stubs + notebook with its hidden regions), built once."""
    return build_assignment(WEEK, tmp_path_factory.mktemp("source") / WEEK, for_students=False)


@pytest.fixture()
def committed_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the committed assignments folder that paths.ASSIGNMENTS points at for this test."""
    root = tmp_path / "assignments"
    shutil.copytree(COMMITTED, root / WEEK, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    monkeypatch.setattr(paths, "ASSIGNMENTS", root)
    return root / WEEK


# ---------------------------------------------------------------- staleness


def test_committed_assignment_is_up_to_date():
    """Does the committed assignments/week03 match a fresh build from solutions/week03 byte for byte?"""
    stale = stale_files(WEEK)
    assert stale == [], (f"assignments/{WEEK} is out of date with solutions/{WEEK} (differs: {', '.join(stale)}): "
                         f"run `make assignments` (or `.venv/bin/python -m autograder.cli assignments {WEEK}`) "
                         "and commit the result")


def test_stale_files_reports_changed_missing_and_extra_files(committed_copy):
    """Does stale_files name an edited file, a deleted file and an extra file, and nothing for a faithful copy?"""
    assert stale_files(WEEK) == []  # the copy is faithful, so the monkeypatched path is the one compared
    stub = committed_copy / "simple_nn.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "\n# edited by hand\n", encoding="utf-8")
    assert stale_files(WEEK) == ["simple_nn.py"]
    (committed_copy / "mnist.py").unlink()
    (committed_copy / "notes.txt").write_text("not generated\n", encoding="utf-8")
    assert stale_files(WEEK) == ["mnist.py", "notes.txt", "simple_nn.py"]


def test_stale_files_detects_an_edited_notebook(committed_copy):
    """Is a notebook whose content changed by one character reported as stale?"""
    nb = committed_copy / NOTEBOOK
    nb.write_text(nb.read_text(encoding="utf-8").replace("Hidden check", "Hidden  check", 1), encoding="utf-8")
    assert stale_files(WEEK) == [NOTEBOOK]


def test_stale_files_lists_everything_when_the_folder_is_missing(tmp_path, monkeypatch):
    """With no committed folder at all, is every file of a fresh build reported?"""
    monkeypatch.setattr(paths, "ASSIGNMENTS", tmp_path / "nothing-here")
    expected = sorted(p.name for p in COMMITTED.iterdir() if p.name not in {"__pycache__", ".pytest_cache"})
    assert stale_files(WEEK) == expected


def test_build_writes_every_file_students_need(tmp_path):
    """Does a build hold the stubs, visible tests, notebooks, mnist.py verbatim and the students' conftest.py?"""
    out = build_assignment(WEEK, tmp_path / WEEK)
    names = sorted(p.name for p in out.iterdir())
    sources = [p.name.replace(".pct.py", ".ipynb") for p in SOLUTION_DIR.iterdir() if p.is_file()]
    assert names == sorted(sources + ["mnist.py", "conftest.py"])
    assert {"simple_nn.py", "test_simple_nn.py", NOTEBOOK} <= set(names)
    assert (out / "mnist.py").read_bytes() == (paths.HANDOUT / "mnist.py").read_bytes()
    assert (out / "conftest.py").read_bytes() == paths.STUDENT_CONFTEST.read_bytes()
    assert (out / "test_simple_nn.py").read_bytes() == (SOLUTION_DIR / "test_simple_nn.py").read_bytes()


def test_build_replaces_what_was_in_the_output_folder(tmp_path):
    """Is a leftover file in the output folder removed, so a build never mixes old and new files?"""
    out = tmp_path / WEEK
    out.mkdir()
    (out / "leftover.py").write_text("x = 1\n", encoding="utf-8")
    build_assignment(WEEK, out)
    assert not (out / "leftover.py").exists()
    assert (out / "simple_nn.py").is_file()


# ---------------------------------------------------------------- no solutions leak


@pytest.mark.parametrize("solution", sorted(p.name for p in SOLUTION_DIR.glob("*.py")))
def test_no_solution_line_reaches_the_students(solution):
    """Does no non-trivial code line from a solution region appear in what students get (stub or notebook)?"""
    source = (SOLUTION_DIR / solution).read_text(encoding="utf-8")
    lines = solution_code_lines(source)
    assert leaked(lines, source) == lines  # the detector does find lines where they are
    if solution.endswith(notebooks.SUFFIX):
        generated = notebook_code(COMMITTED / notebooks.notebook_name(SOLUTION_DIR / solution))
    else:
        generated = (COMMITTED / solution).read_text(encoding="utf-8")
    assert not leaked(lines, generated), f"solution code of {solution} in assignments/{WEEK}"


def test_the_leak_check_is_not_vacuous():
    """Does the week's main solution hold enough region code for the leak check to mean something?"""
    lines = solution_code_lines((SOLUTION_DIR / "simple_nn.py").read_text(encoding="utf-8"))
    assert len(lines) >= 30
    assert "n = X.shape[0]" in lines and "dz2 /= n" in lines


def test_student_stub_raises_not_implemented_for_each_method():
    """Does the committed stub name each method it leaves to the student in its NotImplementedError?"""
    stub = (COMMITTED / "simple_nn.py").read_text(encoding="utf-8")
    for method in ["__init__", "forward", "backward", "train", "predict"]:
        assert f'raise NotImplementedError("SimpleNN.{method} is not implemented yet' in stub


# ---------------------------------------------------------------- notebook


def grading_cells(nb) -> list:
    """The cells of the hidden checks (not the 0-point "Visible checks" cell)."""
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"]["grade_id"].startswith(notebooks.VISIBLE_PREFIX)]


def visible_cells(nb) -> list:
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith(
        notebooks.VISIBLE_PREFIX)]


NOTEBOOKS = sorted(p.name for p in COMMITTED.glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_student_notebook_hides_the_grading_machinery(notebook):
    """Is each student notebook free of hidden-test regions, solution markers and any mention of the autograder?"""
    text = (COMMITTED / notebook).read_text(encoding="utf-8")
    for secret in ["### BEGIN HIDDEN", "autograder", BEGIN, END, "score("]:
        assert secret not in text, f"{secret!r} is in {notebook}"


def module_checks(notebook: str) -> list:
    """The checks graded in ``notebook``: those of the module it is named after."""
    return [check for check in collect_checks(WEEK) if check.module == notebook.removesuffix(".ipynb")]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_student_notebook_has_one_graded_cell_per_check(notebook):
    """Is there one locked grade cell per check of the notebook's module, in order, with its points and grade_id,
    an extra-credit check's worth 0 (grading gives its points as extra credit, so nbgrader's maximum is the kit's)?"""
    nb = nbformat.read(COMMITTED / notebook, as_version=4)
    nbformat.validate(nb)
    checks = module_checks(notebook)
    cells = grading_cells(nb)
    assert len(cells) == len(checks) > 0
    for cell, check in zip(cells, checks):
        meta = cell.metadata["nbgrader"]
        assert cell.cell_type == "code"
        assert meta["grade"] is True and meta["locked"] is True and meta["solution"] is False
        assert meta["points"] == (0 if check.bonus else check.points)
        prefix = "bonus_" if check.bonus else "check_"
        assert meta["grade_id"] == prefix + check.id.replace("::", "__")
        assert check_of(meta["grade_id"]) == check.id and is_bonus(meta["grade_id"]) == check.bonus
        assert check.title in cell.source
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(grade_ids) == len(set(grade_ids))
    assert sum(c.metadata["nbgrader"]["points"] for c in cells) == sum(c.points for c in checks if not c.bonus)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_notebook_runs_its_visible_checks_for_validate_before_its_hidden_ones(notebook):
    """Has each student notebook one locked 0-point grade cell, just before the hidden checks' cells, that runs
    the visible tests of its own module and fails when they fail (what nbgrader's Validate reports)?"""
    nb = nbformat.read(COMMITTED / notebook, as_version=4)
    module = notebook.removesuffix(".ipynb")
    [cell] = visible_cells(nb)
    meta = cell.metadata["nbgrader"]
    assert cell.cell_type == "code" and meta["grade"] and meta["locked"] and meta["points"] == 0
    assert nb.cells.index(cell) + 1 == nb.cells.index(grading_cells(nb)[0])
    assert f"visible_check_problems({module!r})" in cell.source and "raise VisibleChecksFail" in cell.source
    assert check_of(meta["grade_id"]) is None  # it is no check: KitGrades never scores it


def test_autograde_runs_no_visible_check(source_version):
    """Does the autograde step (QuietVisibleChecks) leave the "Visible checks" cell a comment without outputs, and
    every other cell as it was?"""
    nb = nbformat.read(source_version / "simple_nn.ipynb", as_version=4)
    [cell] = visible_cells(nb)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="old")]
    others = [c.source for c in nb.cells if c is not cell]
    assert notebooks.quiet_visible_checks(nb) == 1
    assert cell.outputs == [] and all(line.startswith("#") for line in cell.source.splitlines())
    assert "simple_nn.py" in cell.source and "visible_check_problems" not in cell.source
    assert [c.source for c in nb.cells if c is not cell] == others


def test_every_check_is_graded_in_exactly_one_notebook():
    """Is each check of the week graded by exactly one notebook (none forgotten, none twice)?"""
    graded = [check.id for notebook in NOTEBOOKS for check in module_checks(notebook)]
    assert sorted(graded) == sorted(check.id for check in collect_checks(WEEK))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_source_grading_cells_hold_no_code_for_the_kernel(source_version, notebook):
    """Is every grading cell of the source version a comment only, naming its check, so no score can come
    from the student's kernel (the kit writes the cell's output, nbgrader_hooks.KitGrades)?"""
    nb = nbformat.read(source_version / notebook, as_version=4)
    checks = module_checks(notebook)
    cells = grading_cells(nb)
    assert len(cells) == len(checks)
    for cell, check in zip(cells, checks):
        assert all(line.startswith("#") for line in cell.source.splitlines()), cell.source
        assert check.title in cell.source
        assert check_of(cell.metadata["nbgrader"]["grade_id"]) == check.id
        assert cell.metadata["nbgrader"]["points"] == (0 if check.bonus else check.points)


def test_source_version_py_files_are_the_students_stubs(source_version):
    """Are the source version's .py files the students' stubs (nbgrader releases them as they are)?"""
    for path in sorted(source_version.iterdir()):
        if path.suffix == ".py":
            assert path.read_bytes() == (COMMITTED / path.name).read_bytes(), path.name


def test_build_is_deterministic(tmp_path):
    """Does building the week twice give byte-identical files, notebooks included?"""
    first = build_assignment(WEEK, tmp_path / "one" / WEEK)
    second = build_assignment(WEEK, tmp_path / "two" / WEEK)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_notebook_cell_ids_are_stable_and_unique():
    """Are cell ids sequential (cell-000, ...) rather than random, so rebuilding does not churn the diff?"""
    nb = nbformat.read(COMMITTED / NOTEBOOK, as_version=4)
    assert [cell.id for cell in nb.cells] == [f"cell-{i:03d}" for i in range(len(nb.cells))]


# ---------------------------------------------------------------- unknown week


def test_unknown_week_raises_value_error_listing_the_weeks(tmp_path):
    """Does an unknown week raise ValueError naming it and the known weeks, before touching the output folder?"""
    out = tmp_path / "week99"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown week 'week99': the course has week03\b"):
        build_assignment("week99", out)
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine\n"
    with pytest.raises(ValueError, match="week03"):
        stale_files("week99")
    with pytest.raises(ValueError, match="week03"):
        paths.check_week("week3")
    assert paths.check_week(WEEK) == WEEK
    assert WEEK in paths.weeks()



def test_each_rubric_part_is_a_task_cell_of_its_modules_notebook(source_version):
    """Is every rubric part of the week's policy one locked nbgrader task cell (markdown, as nbgrader's metadata
    validator requires) of its module's notebook only, after its hidden checks, worth the policy's points and
    naming its criteria; so that formgrader grades it by hand and counts it in the maximum?"""
    from nbgrader.nbgraderformat import MetadataValidator

    from autograder.grading.checklist import rubric_parts

    parts = rubric_parts(WEEK)
    assert parts, "week03's policy names the rubric's 'code is clean and commented'"
    for path in sorted(source_version.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        MetadataValidator().validate_nb(nb)  # raises on a task cell nbgrader would refuse
        tasks = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("task")]
        own = [part for part in parts if f"{part.module}.ipynb" == path.name]
        assert [cell.metadata.nbgrader.grade_id for cell in tasks] == [part.grade_id for part in own], path.name
        for cell, part in zip(tasks, own):
            meta = cell.metadata.nbgrader
            assert cell.cell_type == "markdown" and meta.locked and not meta.grade and not meta.solution
            assert meta.points == part.points and part.title in cell.source
            assert all(criterion in cell.source for criterion in part.criteria)
            last_check = max(i for i, c in enumerate(nb.cells) if check_of(c.metadata.get("nbgrader", {}).get(
                "grade_id", "")))
            assert nb.cells.index(cell) > last_check
