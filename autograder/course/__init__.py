"""Driving nbgrader and writing the course directory: release, collect, grade, feedback.

``workflow`` holds the verbs; the rest is what they need: the nbgrader config
and commands (``nbgrader_commands``, ``nbgrader_process``), the hooks nbgrader
loads (``nbgrader_hooks`` with ``grading_cells`` and ``output_limits``), the
intake of submissions, grading jobs, the lock, the grades.csv exporter and
the checks of the machine before grading (``preflight``).
"""
