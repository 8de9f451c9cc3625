"""What every student folder is handed as it is: the MNIST loader and the conftest of the visible tests.

Both are copied verbatim into the release and into every folder the graders
run on (``paths.PROVIDED_MODULES``, ``paths.STUDENT_CONFTEST``), so they import
only the standard library and numpy.
"""
