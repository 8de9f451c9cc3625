"""An existing course keeps working after the kit is upgraded: its nbgrader_config.py follows the kit.

A course's ``nbgrader_config.py`` names the kit's hooks by module path. The kit
writes it (``nbgrader_commands.write_config``) on ``make release``, in every
grading job's private copy, and before each nbgrader command it runs in the
course, so a config written by an earlier kit, whose hooks lived elsewhere
(before issue 14 the package was flat), never reaches nbgrader.
"""

from __future__ import annotations

from autograder import paths
from autograder.course import nbgrader_commands, workflow

WEEK = "week03"
#: Where the hooks lived in the flat package, as an earlier kit wrote them into a course's config.
EARLIER_NAMES = {"autograder.course.nbgrader_hooks.": "autograder.nbgrader_hooks."}


def test_a_config_naming_hooks_that_moved_is_rewritten_before_nbgrader_reads_it(course_env):
    """Does an nbgrader command in a course whose config names the flat package's hooks succeed, with the
    config naming this kit's hooks again?"""
    workflow.release(WEEK)
    config = paths.course().config
    earlier = config.read_text(encoding="utf-8")
    for new, old in EARLIER_NAMES.items():
        assert new in earlier
        earlier = earlier.replace(new, old)
    config.write_text(earlier, encoding="utf-8")

    folder, problems = workflow.feedback(WEEK)  # generate_feedback loads the exporter and preprocessors

    assert problems == []
    current = config.read_text(encoding="utf-8")
    assert not any(old in current for old in EARLIER_NAMES.values())
    assert "autograder.course.nbgrader_hooks.FeedbackExporter" in current
    assert nbgrader_commands.COURSE_ID in current
