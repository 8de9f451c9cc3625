"""One way of saying "the kit failed, not the student": *not graded*, with the reason and the fix.

A check that could not be graded because of the kit or the machine (no
sandbox, no data, graders that do not collect, a grading run of ours that
ended early, a job that died) is never a student's 0. Its ``CheckResult`` has
``graded=False``; a submission with any such check is "failed to run" for that
grading, gets no score from it, and is not recorded as graded, so the next
``make grade`` tries it again. The instructor reads the reason and the fix;
the student reads only that the check is not graded yet.
"""

from __future__ import annotations

from autograder.results import CheckResult, CheckSpec

#: The first words a student reads for a check the kit could not grade.
NOT_GRADED = "not graded yet"


class KitFault(RuntimeError):
    """A problem of the kit or of the machine it runs on; ``fix`` says what the instructor should do."""

    def __init__(self, reason: str, fix: str):
        super().__init__(f"{reason} (fix: {fix})")
        self.reason, self.fix = reason, fix


def is_kit_fault(error: BaseException | None) -> bool:
    """Whether ``error`` is the kit's or the machine's fault rather than the submission's."""
    # the students' data loader: standard library and numpy only, so no KitFault
    from autograder.handout.mnist import MnistError

    return isinstance(error, (KitFault, MnistError))


def student_message(error: BaseException) -> str:
    """What a student reads for a check the kit could not grade: no hint, since nothing is theirs to fix."""
    reason = error.reason if isinstance(error, KitFault) else str(error).split(". ")[0]
    return (f"{NOT_GRADED}: the grading machine could not run this check ({reason}).\n"
            "  This is not about your code, and it costs you nothing: your instructor is told and grades it again.")


def not_graded(spec: CheckSpec, fault: BaseException) -> CheckResult:
    """The result of a check the kit could not grade: no points, no verdict, no hint."""
    reason, fix = (fault.reason, fault.fix) if isinstance(fault, KitFault) else (str(fault), "")
    return CheckResult(id=spec.id, title=spec.title, max_points=spec.points, passed=False, graded=False,
                       message=student_message(fault), data={"fault": reason, "fix": fix})
