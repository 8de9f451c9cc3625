"""Running a week's hidden graders on a folder: the check list, the pytest plugin, the draws, the reference.

``runner.run_checks`` starts pytest with ``plugin`` in a limited process; the
plugin runs each check and sends the student's code to the sandbox.
"""
