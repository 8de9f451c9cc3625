"""What runs inside the sandbox beside student code: confine, the worker, its RPC, the import screen.

This folder (and the package's ``__init__.py``) is all of the kit a sandbox
can see, mounted read-only. It imports only the standard library, numpy and
itself (``tests/test_layout.py`` walks the imports).
"""
