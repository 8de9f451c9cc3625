"""The reference solutions (``solutions/<week>/<module>.py``) as modules: for the graders, the class report
and the benchmarks, which all import them by path."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from autograder import paths


def load(week: str, name: str) -> ModuleType:
    """``solutions/<week>/<name>.py``, imported as ``reference_<name>``. Its folder goes on sys.path, so that a
    reference may import another (bonus.py imports simple_nn)."""
    folder = paths.SOLUTIONS / paths.check_week(week)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    alias = f"reference_{name}"
    spec = importlib.util.spec_from_file_location(alias, folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module  # dataclasses and pickling look a module up by name
    spec.loader.exec_module(module)
    return module
