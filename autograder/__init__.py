"""nngrader's instructor side: hidden graders (one folder per week) and the grading tooling."""
