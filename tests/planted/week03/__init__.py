"""Week 3: one module of data per graded module."""
