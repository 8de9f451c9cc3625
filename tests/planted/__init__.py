"""The meta-tests' knowledge of each week's graders, as data: one module per graded module (tests/test_graders.py)."""
