"""The numbers of the graders' own problems: drawn per student and course, so that no table of answers fits.

A check that compares a student's values with expected ones on a problem of
its own (forward, backward, gradients, optimizers, activations) draws that
problem from ``generator(secret, student, check)``: a NumPy Generator seeded
with a SHA-256 of the course secret, the student's id and the check's id
(graders get it as the fixture ``rng``). The same student graded again with
the same secret (``make grade`` again, or ``make check STUDENT=id`` on the
instructor's machine) gets the same numbers; a classmate, another course, or a
table of answers built from the kit's public source gets others.

The secret is ``<course>/.nngrader/secret``: 32 random bytes in hex, written
once by ``make release`` (or by the first grading of a course released before
it existed), readable by its owner only, and packed into every grading job.
Only the graders read it, and they run outside the sandbox: student code runs
in a sandbox that mounts no course directory and starts from an empty
environment. Without a course (the kit's own tests, ``make check`` on a fresh
checkout) the public ``DEFAULT_SECRET`` is used: the numbers still differ per
student, but anyone can compute them.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import numpy as np

from autograder import paths
from autograder.faults import KitFault

#: The secret of a run outside any course: public, so its numbers are reproducible by anyone.
DEFAULT_SECRET = b"nngrader: no course secret"


def secret_file(root: Path | None = None) -> Path:
    """Where the course at ``root`` (default ``paths.course_dir()``) keeps its secret."""
    return paths.course(root).secret


def ensure_secret(root: Path | None = None) -> Path:
    """The course's secret file, created (owner-only, random) if it does not exist yet; never changed after."""
    path = secret_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(32) + "\n")
    return path


def course_secret(root: Path | None = None) -> bytes:
    """The secret of the course at ``root``, or DEFAULT_SECRET where there is no course secret."""
    path = secret_file(root)
    if not path.exists():
        return DEFAULT_SECRET
    try:
        secret = path.read_bytes().strip()
    except OSError as error:
        raise KitFault(f"the course secret {path} cannot be read ({error.strerror})",
                       "make it readable by the user who grades, or delete it to make a new one "
                       "(make release writes one; a new one changes every student's numbers)") from None
    if not secret:
        raise KitFault(f"the course secret {path} is empty",
                       "delete it, and `make release` writes a new one (it changes every student's numbers)")
    return secret


def generator(secret: bytes, student: str, check: str) -> np.random.Generator:
    """The random numbers of ``check`` (``week03/backprop::test_...``) for ``student`` under ``secret``."""
    digest = hashlib.sha256(b"\0".join([b"nngrader draws v1", secret, student.encode(), check.encode()])).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))
