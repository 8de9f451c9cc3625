"""Writing a week: stubs from the solutions, notebooks, the release folder (``make assignments``).

Imports neither nbgrader nor pytest (``tests/test_layout.py``).
"""
