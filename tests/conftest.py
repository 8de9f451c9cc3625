"""Fixtures shared by the kit's own tests."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The directory holding the four official MNIST files; fails loudly when it is missing."""
    raw = os.environ.get("NNGRADER_DATA_DIR")
    if not raw:
        pytest.fail("NNGRADER_DATA_DIR is not set: run the tests through `make test`, "
                    "or export it to a directory with the MNIST files (`make data` downloads them).")
    path = Path(raw)
    if not (path / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"no MNIST files in {path}: run `make data`, or point NNGRADER_DATA_DIR at them.")
    return path


@pytest.fixture(scope="module")
def course_env(tmp_path_factory):
    """A fresh course directory and exchange, set in the environment for the whole test module."""
    with course_in(tmp_path_factory.mktemp("course")) as root:
        yield root


@contextmanager
def course_in(root: Path) -> Iterator[Path]:
    """``root`` as the course directory, its exchange in ``root/exchange``, set in the environment meanwhile."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NNGRADER_COURSE_DIR", str(root))
        env.setenv("NNGRADER_EXCHANGE", str(root / "exchange"))
        yield root
