"""The course is NumPy only: deep-learning libraries are refused, before and while student code runs.

Before: ``scan`` reads a module's source and lists its imports of a forbidden
library (``import torch``, ``from sklearn.neural_network import ...``, and
string imports through ``__import__`` or ``importlib.import_module``).
While: ``install_blocker`` puts an import hook first on ``sys.meta_path`` that
raises ``ForbiddenImport`` for any of them, however the import is spelled.
"""

from __future__ import annotations

import ast
import importlib.abc
import sys
from dataclasses import dataclass

FORBIDDEN = ("torch", "tensorflow", "keras", "jax", "jaxlib", "flax", "theano", "mxnet", "paddle",
             "sklearn.neural_network")


def forbidden_name(module: str) -> str | None:
    """The forbidden library ``module`` belongs to, or None (``torch.nn`` -> ``torch``)."""
    return next((name for name in FORBIDDEN if module == name or module.startswith(name + ".")), None)


class ForbiddenImport(ImportError):
    """Student code imported a library the course does not allow."""

    def __init__(self, module: str):
        super().__init__(f"{module} is not allowed in this course: build it with NumPy")
        self.library = forbidden_name(module) or module


@dataclass(frozen=True)
class Use:
    """One import of a forbidden library in a source file."""

    library: str
    line: int
    text: str


def scan(source: str) -> list[Use]:
    """Every import of a forbidden library in ``source`` (empty if it does not parse: the import says why)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    lines = source.splitlines()
    uses = []
    for node in ast.walk(tree):
        for name in _imported_names(node):
            library = forbidden_name(name)
            if library:
                uses.append(Use(library, node.lineno, lines[node.lineno - 1].strip()))
    return sorted(uses, key=lambda use: use.line)


def _imported_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):
        function = node.func
        called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        if called in ("__import__", "import_module"):
            return [node.args[0].value]
    return []


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if forbidden_name(fullname):
            raise ForbiddenImport(fullname)
        return None


def install_blocker() -> None:
    """Refuse every forbidden import from now on in this process (and forget any already imported)."""
    if not any(isinstance(finder, _Blocker) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Blocker())
    for name in [name for name in sys.modules if forbidden_name(name)]:
        del sys.modules[name]
