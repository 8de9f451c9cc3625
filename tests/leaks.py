"""Finding solution code where it must not be: the kit's leak checks share this."""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.authoring.stubs import BEGIN, END


def solution_code_lines(source: str) -> set[str]:
    """The non-trivial code lines found only inside the solution regions of ``source``.

    Stripped; no comments, no lone punctuation, and no line that the file also
    gives students outside its regions (``self.training = False`` in __init__).
    """
    found, given, inside = set(), set(), False
    for line in source.splitlines():
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        else:
            code = line.strip()
            if len(code) >= 8 and not code.startswith("#") and any(c.isalnum() for c in code):
                (found if inside else given).add(code)
    return found - given


def leaked(solution_lines: set[str], generated: str) -> set[str]:
    """The solution lines that occur as a whole line in ``generated``."""
    return solution_lines & {line.strip() for line in generated.splitlines()}


def notebook_code(path: Path) -> str:
    """The sources of every cell of the notebook at ``path``, one after another."""
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
