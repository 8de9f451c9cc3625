"""``make demo``'s own course: a throw-away course directory and exchange that never touch a real course.

The demo releases a week, submits the bundled samples as students, collects,
grades and gives feedback. Run in the instructor's ``course/`` it would
re-release a live week and grade the samples into the real gradebook,
grades.csv and reports. So it runs in ``demo/`` beside the checkout
(``NNGRADER_DEMO_DIR`` moves it), with the exchange inside it, and the kit's
course paths point there only while the demo runs (``demo_course``).

The folder is marked as the demo's (``.nngrader/demo``) and emptied at the
start of each demo, so a demo always starts from a fresh course. A folder
that is not marked, or that is, holds or sits inside the real course or its
exchange, is refused, never emptied.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from autograder import paths
from autograder.course import nbgrader_commands

#: The file that marks a folder as the demo's own, so the demo may empty it.
MARKER = Path(".nngrader") / "demo"


def demo_dir() -> Path:
    """Where the demo's course lives (NNGRADER_DEMO_DIR, default ``demo/`` beside the checkout)."""
    return Path(os.environ.get("NNGRADER_DEMO_DIR") or paths.ROOT / "demo").expanduser().resolve()


class RealCourse(ValueError):
    """The demo's folder is not a throw-away course: the demo refuses to run there."""


def _overlaps(one: Path, other: Path) -> bool:
    return one == other or one.is_relative_to(other) or other.is_relative_to(one)


def check_demo_dir(folder: Path) -> None:
    """Raise ``RealCourse`` unless ``folder`` may be emptied and used as the demo's course."""
    for name, real in (("the course directory (NNGRADER_COURSE_DIR)", paths.course_dir()),
                       ("the exchange (NNGRADER_EXCHANGE)", nbgrader_commands.exchange_dir())):
        if _overlaps(folder, real):
            raise RealCourse(f"make demo runs in its own course, but its folder {folder} is, holds or sits "
                             f"inside {name} {real}: set NNGRADER_DEMO_DIR to a folder of its own")
    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise RealCourse(f"{folder} is not empty and is not a demo course made by make demo: the demo empties "
                         "its folder first, so it will not run there; move that folder away or set "
                         "NNGRADER_DEMO_DIR to another one")


@contextlib.contextmanager
def demo_course() -> Iterator[paths.CourseLayout]:
    """Empty the demo's folder, and point the kit's course and exchange at it while the block runs."""
    folder = demo_dir()
    check_demo_dir(folder)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / MARKER).parent.mkdir(parents=True)
    (folder / MARKER).write_text("made by make demo: emptied by the next one\n", encoding="utf-8")
    saved = {name: os.environ.get(name) for name in ("NNGRADER_COURSE_DIR", "NNGRADER_EXCHANGE")}
    os.environ["NNGRADER_COURSE_DIR"] = str(folder / "course")
    os.environ["NNGRADER_EXCHANGE"] = str(folder / "exchange")
    try:
        yield paths.course()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
