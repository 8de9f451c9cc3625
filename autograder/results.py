"""Results as data: what a check is worth, and what it gave for one submission."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: The nbgrader grade ids of the checks' cells: ``check_simple_nn__test_x``, ``bonus_...`` for extra credit.
CHECK_PREFIX = "check_"
BONUS_PREFIX = "bonus_"
#: The grade ids of the rubric's task cells, graded by hand in formgrader: ``rubric_simple_nn__clean_code``.
RUBRIC_PREFIX = "rubric_"


def module_of(check_id: str) -> str:
    """The student module a check grades: ``simple_nn`` for ``simple_nn::test_...``."""
    return check_id.split("::")[0]


def is_bonus(grade_id: str) -> bool:
    """Whether a grade cell is extra credit, by its grade id: what nbgrader's gradebook knows of a check."""
    return grade_id.startswith(BONUS_PREFIX)


def check_of(grade_id: str) -> str | None:
    """The check id of a grading cell's grade id (``CheckSpec.grade_id`` reversed), or None for other cells."""
    for prefix in (CHECK_PREFIX, BONUS_PREFIX):
        if grade_id.startswith(prefix) and "__" in grade_id:
            return grade_id.removeprefix(prefix).replace("__", "::", 1)
    return None


@dataclass(frozen=True)
class CheckSpec:
    """One hidden check: ``id`` is ``<module>::<test name>``, ``title`` the line students see."""

    id: str
    title: str
    points: float
    timeout: float
    bonus: bool = False

    @property
    def module(self) -> str:
        """The student module the check grades (``simple_nn`` for ``simple_nn::test_...``)."""
        return module_of(self.id)

    @property
    def name(self) -> str:
        """The grader test's name."""
        return self.id.split("::")[1]

    @property
    def grade_id(self) -> str:
        """The nbgrader grade id of the check's cell: ``check_simple_nn__test_x`` (``bonus_...`` for extra credit)."""
        return (BONUS_PREFIX if self.bonus else CHECK_PREFIX) + self.id.replace("::", "__", 1)


@dataclass(frozen=True)
class RubricPart:
    """A part of a week that a TA grades by hand in formgrader (a week's ``policy.RUBRIC``): what no check judges,
    such as "code is clean and commented". ``criteria`` are the lines the student and the TA read."""

    module: str
    name: str
    title: str
    points: float
    criteria: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """Its id among the week's results: ``simple_nn::rubric_clean_code``."""
        return f"{self.module}::{RUBRIC_PREFIX}{self.name}"

    @property
    def grade_id(self) -> str:
        """The nbgrader grade id of its task cell: ``rubric_simple_nn__clean_code``."""
        return f"{RUBRIC_PREFIX}{self.module}__{self.name}"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one submission."""

    id: str
    title: str
    max_points: float
    passed: bool
    message: str = ""
    seconds: float = 0.0
    data: dict = field(default_factory=dict)
    #: False when the kit could not grade the check at all (its own failure, not the submission's)
    graded: bool = True
    #: The check's points in nbgrader's gradebook when they are not what it earned: a TA's manual score (or
    #: extra credit) in formgrader. Never saved by grading; ``store.load`` reads it from the gradebook.
    final: float | None = None
    #: True for a rubric part a TA grades by hand (``RubricPart``): its points are the TA's score (``final``), and
    #: until a TA gives one it is ``pending``, "not graded yet", worth nothing yet but never a failure.
    manual: bool = False

    @property
    def pending(self) -> bool:
        """A part a TA grades that no TA has graded yet."""
        return self.manual and self.final is None

    @property
    def module(self) -> str:
        return module_of(self.id)

    @property
    def earned(self) -> float:
        """What the check itself gave: all its points if it passed, else none."""
        return self.max_points if self.passed else 0.0

    @property
    def points(self) -> float:
        """The points that count: a TA's score when one was given (``final``), else what the check earned."""
        return self.earned if self.final is None else self.final

    @property
    def overridden(self) -> str:
        """A note for the pages when a TA's score replaced the check's own ("" when none did)."""
        if self.final is None or self.manual:
            return ""
        return f"a TA set {counted(self.final, 'point')}; the check gave {self.earned:g}"

    @property
    def note(self) -> str:
        """Advice a grader left on a passed check (``data["note"]``), e.g. a choice that works but is not the
        course's: it never changes the points."""
        note = self.data.get("note") if self.passed else None
        return note if isinstance(note, str) else ""

    def report(self) -> str:
        """The text a student reads for this check."""
        unit = "point" if self.max_points == 1 else "points"
        if not self.graded:
            return f"NOT GRADED {self.title} (- /{self.max_points:g} {unit})\n{self.message}"
        if self.pending:
            return f"NOT GRADED YET {self.title} (- /{self.max_points:g} {unit}): a TA grades this part by hand"
        if self.manual:
            return f"GRADED BY A TA {self.title} ({self.points:g}/{self.max_points:g} {unit})"
        head = f"{'PASSED' if self.passed else 'FAILED'} {self.title} ({self.points:g}/{self.max_points:g} {unit}" \
            + (f": {self.overridden})" if self.overridden else ")")
        if self.passed:
            return f"{head}\n  note:     {self.note}" if self.note else head
        return f"{head}\n{self.message}" if self.message else head


def write_atomically(path: Path, text: str) -> Path:
    """Replace ``path`` with ``text`` in one step: a killed writer leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # a name of its own: writers may race
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_jsonl(path: Path, record: object) -> None:
    """Append one dataclass as a JSON line (results survive a crash of the writer)."""
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(record)) + "\n")


def read_jsonl(path: Path, kind: type) -> list:
    """Read the records ``write_jsonl`` wrote; a torn last line (a killed writer) is skipped."""
    records = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(kind(**json.loads(line)))
            except (json.JSONDecodeError, TypeError):
                continue
    return records


def counted(value: float, noun: str) -> str:
    """``1 point``, ``2.5 points``, ``0 students``: a count with its noun, singular only for exactly one."""
    return f"{value:g} {noun}{'s' * (value != 1)}"
