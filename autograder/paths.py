"""Every path the kit uses, defined once.

The repository is laid out by role: ``solutions/<week>/`` is the one source,
``assignments/<week>/`` is generated from it for students, and
``autograder/<week>/`` holds the hidden graders. The nbgrader course directory
is a build product (``course/`` unless NNGRADER_COURSE_DIR says otherwise).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = ROOT / "assignments"
GRADERS = ROOT / "autograder"
EXAMPLES = ROOT / "examples" / "submissions"

#: Modules of the kit that students receive verbatim, next to their stubs.
PROVIDED_MODULES = (GRADERS / "mnist.py",)
#: The pytest plugin students receive as ``conftest.py``: what ``pytest`` prints in their folder.
STUDENT_CONFTEST = GRADERS / "student_conftest.py"


def cache_dir() -> Path:
    """Where the kit keeps what it can recompute (NNGRADER_CACHE_DIR, else $XDG_CACHE_HOME/nngrader, else
    ``~/.cache/nngrader``): deleting it costs time, never results."""
    if os.environ.get("NNGRADER_CACHE_DIR"):
        return Path(os.environ["NNGRADER_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "nngrader"


def course_dir() -> Path:
    """The nbgrader course directory (NNGRADER_COURSE_DIR, default ``course/``)."""
    return Path(os.environ.get("NNGRADER_COURSE_DIR", ROOT / "course")).resolve()


def weeks() -> list[str]:
    """The weeks that have a solution folder, in order (``week03``, ...)."""
    return sorted(p.name for p in SOLUTIONS.glob("week[0-9][0-9]") if p.is_dir())


def check_week(week: str) -> str:
    """Return ``week`` if the course has it; otherwise raise ValueError listing the weeks."""
    if week not in weeks():
        raise ValueError(f"unknown week {week!r}: the course has {', '.join(weeks()) or 'no weeks'} "
                         f"(one folder per week under {SOLUTIONS})")
    return week
