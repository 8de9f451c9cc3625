"""What people read: feedback pages, advice, Gradescope results, the class report and its plots.

Reads saved results and grades.csv; imports neither pytest nor nbgrader
(``tests/test_layout.py``).
"""
