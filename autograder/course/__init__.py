"""Driving nbgrader and writing the course directory: release, collect, grade, feedback.

``workflow`` holds the verbs; the rest is what they need: the nbgrader config
and commands (``nbgrader_commands``, ``nbgrader_process``), the hooks nbgrader
loads (``nbgrader_hooks`` with ``grading_cells`` and ``output_limits``),
grading jobs, the lock, the grades.csv exporter and the checks of the machine
before grading (``preflight``). What students hand in is copied through
``autograder/intake.py``, below this folder, which the graders use too.
"""
