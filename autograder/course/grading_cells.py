"""A submitted notebook's grading cells, repaired against the assignment's source before nbgrader reads them.

A notebook is the student's file, and Jupyter lets them delete, copy, paste
and re-flag any cell. nbgrader takes its grades from the cells it finds, so
left alone a damaged notebook costs far more than the notebook: a deleted
grading cell scores 0 in the gradebook while the kit's report gives its
points (or keeps the last grading's points), and a duplicated, re-flagged or
foreign grading cell makes nbgrader stop the whole submission ("Duplicate
grade id", "Inconsistent checksums", a cell without a grade_id). The
points never depended on those cells: the kit's graders score the modules.
So ``repair`` makes the notebook's nbgrader cells exactly the source's:

* every grading (and locked) cell of the source is there once, with the
  source's metadata and content, where it was: a missing one is put back
  after the source cell that precedes it;
* a second copy of a cell (what copy and paste does), and any cell marked
  with an nbgrader id this notebook does not have (copied from another
  notebook, or invented), becomes an ordinary cell: kept, never graded;
* a solution cell keeps the student's content and gets the source's flags;
  a missing one is not put back, because the source holds the solution;
* every other cell of the student is left as it is.

nbgrader 0.9.6 can restore missing grade cells itself
(``OverwriteCells.add_missing_cells``), but it anchors a cell to the
previous solution or grade cell only, so a notebook whose grading cells
follow a locked markdown cell (every notebook of this kit) raises KeyError,
and it leaves duplicates and foreign ids to fail later. The repair runs as
the first of nbgrader's sanitizing steps (``nbgrader_hooks.RepairGradingCells``,
configured by ``nbgrader_commands.py``), so every autograde with the course's
configuration repairs the same way: ``make grade``'s jobs, a hand-run
``nbgrader autograde``, and formgrader's autograde button. It needs nothing
but the two notebooks, and says what it did in a few lines for the student's
feedback and the instructor's grading report.
"""

from __future__ import annotations

import copy
import re
import uuid

import nbformat

#: The nbgrader flags that decide how a cell is graded (checksum and cell_type are nbgrader's own bookkeeping).
FLAGS = ("grade", "solution", "locked", "task", "points", "schema_version")


def repair(submitted: nbformat.NotebookNode, source: nbformat.NotebookNode) -> list[str]:
    """Give ``submitted`` (changed in place) exactly the nbgrader cells of ``source``; what was repaired.

    An empty list means the notebook's nbgrader cells were already the source's.
    """
    originals = {_grade_id(cell): cell for cell in source.cells if _grade_id(cell)}
    chosen = _chosen(submitted, originals)
    kept: dict[str, nbformat.NotebookNode] = {}
    changed, copies, foreign, cells = [], [], [], []
    for index, cell in enumerate(submitted.cells):
        grade_id = _grade_id(cell)
        if "nbgrader" not in cell.metadata:
            cells.append(cell)
        elif grade_id in originals and chosen[grade_id] == index:
            original = originals[grade_id]
            if _flags(cell) != _flags(original) or (not _is_answer(original) and _content(cell) != _content(original)):
                changed.append(grade_id)
            cell = _answer(cell, original) if _is_answer(original) else _restored(original, cell.get("id"))
            kept[grade_id] = cell
            cells.append(cell)
        else:
            if grade_id in originals:
                copies.append(grade_id)
            elif grade_id or _marks_something(cell):
                foreign.append(grade_id or "(no id)")
            del cell.metadata["nbgrader"]
            cells.append(cell)
    missing = _put_back(cells, kept, originals)
    if submitted.get("nbformat_minor", 0) < 5:  # cell ids came with nbformat 4.5: an older notebook has none
        for cell in cells:
            cell.pop("id", None)
    submitted.cells = cells
    return _notes(originals, missing, changed, copies, foreign)


def _chosen(submitted: nbformat.NotebookNode, originals: dict) -> dict[str, int]:
    """For each source id in ``submitted``, the index of the cell that stays: the one with the source cell's own
    cell id if there is one (Jupyter gives a pasted copy a new id, so that is the cell as released, in its
    place), else the first."""
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(submitted.cells):
        if _grade_id(cell) in originals:
            found.setdefault(_grade_id(cell), []).append(index)
    return {grade_id: next((i for i in indices if submitted.cells[i].get("id") == originals[grade_id].get("id")),
                           indices[0]) for grade_id, indices in found.items()}


def _put_back(cells: list, kept: dict, originals: dict) -> list[str]:
    """Insert each missing non-solution cell of the source after the source cell before it (in ``cells``)."""
    order = list(originals)
    missing = []
    for position, grade_id in enumerate(order):
        if grade_id in kept or _is_answer(originals[grade_id]):
            continue
        before = next((kept[g] for g in reversed(order[:position]) if g in kept), None)
        after = next((kept[g] for g in order[position + 1:] if g in kept), None)
        if before is not None:
            index = _index(cells, before) + 1
        else:
            index = _index(cells, after) if after is not None else len(cells)
        taken = {cell.get("id") for cell in cells}
        cell = _restored(originals[grade_id], None if originals[grade_id].get("id") in taken else
                         originals[grade_id].get("id"))
        cells.insert(index, cell)
        kept[grade_id] = cell
        missing.append(grade_id)
    return missing


def _notes(originals: dict, missing: list[str], changed: list[str], copies: list[str],
           foreign: list[str]) -> list[str]:
    notes = []
    if missing:
        notes.append(f"{_counted(missing, originals)} {_were(missing)} missing (deleted?) and "
                     f"{_were(missing)} put back as released")
    if changed:
        notes.append(f"{_counted(changed, originals)} had {'its' if len(changed) == 1 else 'their'} flags, points "
                     f"or content changed ({_ids(changed)}) and {_were(changed)} set back as released")
    if copies:
        notes.append(f"{_count(copies, 'pasted copy', 'pasted copies')} of {_counted(copies, originals, every=False)} "
                     f"({_ids(copies)}) {_became(copies)}")
    if foreign:
        notes.append(f"{_count(foreign, 'cell')} marked with grading ids this notebook does not have "
                     f"({_ids(foreign)}: copied from another notebook, or an id changed?) {_became(foreign)}")
    return notes


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    meta = cell.metadata.get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _flags(cell: nbformat.NotebookNode) -> tuple:
    meta = cell.metadata.get("nbgrader")
    meta = meta if isinstance(meta, dict) else {}
    values = tuple(meta.get(flag) for flag in FLAGS)
    try:
        return (*values[:4], float(values[4]) if values[4] is not None else None, values[5])
    except (TypeError, ValueError):
        return values


def _marks_something(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell's nbgrader metadata flags it at all (metadata that flags nothing is dropped silently)."""
    meta = cell.metadata.get("nbgrader")
    return not isinstance(meta, dict) or any(meta.get(flag) for flag in ("grade", "solution", "locked", "task"))


def _content(cell: nbformat.NotebookNode) -> tuple[str, str]:
    return cell.cell_type, cell.source


def _is_answer(cell: nbformat.NotebookNode) -> bool:
    return bool(cell.metadata["nbgrader"].get("solution"))


def _restored(original: nbformat.NotebookNode, cell_id: str | None) -> nbformat.NotebookNode:
    """A fresh copy of a source cell, without outputs, with ``cell_id`` (or a new id)."""
    cell = copy.deepcopy(original)
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    cell["id"] = cell_id or f"nngrader-{uuid.uuid4().hex[:12]}"
    return cell


def _answer(cell: nbformat.NotebookNode, original: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student's solution cell with the source's nbgrader flags (nbgrader fixes its type and checksum)."""
    cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
    return cell


def _index(cells: list, cell: nbformat.NotebookNode) -> int:
    return next(index for index, other in enumerate(cells) if other is cell)


def _count(items: list, one: str, many: str | None = None) -> str:
    return f"{len(items)} {one if len(items) == 1 else many or one + 's'}"


def _were(items: list) -> str:
    return "was" if len(items) == 1 else "were"


def _became(items: list) -> str:
    return "became an ordinary, ungraded cell" if len(items) == 1 else "became ordinary, ungraded cells"


def _counted(grade_ids: list[str], originals: dict, every: bool = True) -> str:
    """``grade_ids`` counted by what the student knows them as: "11 grading cells and 1 locked cell"."""
    kinds: dict[str, int] = {}
    for grade_id in grade_ids:
        meta = originals[grade_id].metadata["nbgrader"]
        kind = "grading cell" if meta.get("grade") else "solution cell" if meta.get("solution") else "locked cell"
        kinds[kind] = kinds.get(kind, 0) + 1
    if not every:  # "copies of grading cells": the kinds without their counts
        return f"a {next(iter(kinds))}" if len(grade_ids) == 1 else " and ".join(f"{kind}s" for kind in kinds)
    return " and ".join(f"{count} {kind}{'s' * (count != 1)}" for kind, count in kinds.items())


def _ids(grade_ids: list[str], shown: int = 3) -> str:
    """Grade ids for a report line: a student may have written them, so only safe characters, a few, short."""
    safe = [re.sub(r"[^\w.-]", "?", grade_id)[:100] for grade_id in grade_ids[:shown]]
    return ", ".join(safe) + (f" and {len(grade_ids) - shown} more" if len(grade_ids) > shown else "")
