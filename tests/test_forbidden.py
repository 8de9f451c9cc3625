"""Deep-learning libraries are refused: found in the source before running, and blocked while running."""

import subprocess
import sys

import pytest
from mutants import edit, reference_folder

from autograder.grading.runner import run_checks
from autograder.jail.forbidden import ForbiddenImport, forbidden_name, scan

WEEK = "week03"


@pytest.mark.parametrize("source, library, line", [
    ("import numpy as np\nimport torch\n", "torch", 2),
    ("import torch.nn as nn\n", "torch", 1),
    ("from tensorflow import keras\n", "tensorflow", 1),
    ("import keras\n", "keras", 1),
    ("from jax import numpy as jnp\n", "jax", 1),
    ("from sklearn.neural_network import MLPClassifier\n", "sklearn.neural_network", 1),
    ("from sklearn import neural_network\n", "sklearn.neural_network", 1),
    ("def f():\n    return __import__('torch')\n", "torch", 2),
    ("import importlib\nnn = importlib.import_module('tensorflow.keras')\n", "tensorflow", 2),
])
def test_scan_finds_each_way_of_importing_a_forbidden_library(source, library, line):
    """Does the source scan find the forbidden library and its line, however the import is written?"""
    uses = scan(source)
    assert [(use.library, use.line) for use in uses][:1] == [(library, line)]


@pytest.mark.parametrize("source", [
    "import numpy as np\nfrom sklearn.datasets import load_digits\n",
    "import torchvision_is_not_a_thing_here as tv\n",   # a name that merely starts with 'torch'
    "def f(:\n",                                        # does not parse: the import reports that
])
def test_scan_leaves_allowed_code_alone(source):
    """Are NumPy, other scikit-learn modules and look-alike names left alone?"""
    assert scan(source) == []


def test_blocker_refuses_forbidden_imports_in_a_fresh_process():
    """Once the blocker is installed, does `import torch` raise ForbiddenImport whether or not torch exists?"""
    code = ("from autograder.jail.forbidden import install_blocker, ForbiddenImport\n"
            "install_blocker()\n"
            "try:\n    import torch\nexcept ForbiddenImport as e:\n    print('blocked', e.library)\n"
            "import importlib\n"
            "try:\n    importlib.import_module('jax.numpy')\n"
            "except ForbiddenImport as e:\n    print('blocked', e.library)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split("\n")[:2] == ["blocked torch", "blocked jax"], done.stderr


def test_forbidden_name_matches_whole_package_names():
    """Is `torch.nn` part of torch, but `torchmetrics`-like names not?"""
    assert forbidden_name("torch.nn.functional") == "torch"
    assert forbidden_name("torchish") is None
    assert isinstance(ForbiddenImport("jax.numpy"), ImportError)


def test_module_importing_torch_scores_zero_on_its_checks_only(tmp_path):
    """Does a simple_nn.py with `import torch` score 0 on every simple_nn check, saying why, before it runs?"""
    folder = reference_folder(tmp_path / "torch", WEEK)
    path = folder / "simple_nn.py"
    path.write_text(edit(path.read_text(), "import numpy as np\n", "import numpy as np\nimport torch\n"))
    only = ("simple_nn::test_init_parameter_shapes", "simple_nn::test_forward_matches_reference",
            "perceptron::test_step_zero_counts_as_one")
    results = {r.id: r for r in run_checks(WEEK, folder, only=only)}
    for check in only[:2]:
        message = results[check].message
        assert not results[check].passed and "simple_nn.py imports torch" in message, message
        line = path.read_text().splitlines().index("import torch") + 1
        assert "NumPy only" in message and f"line {line}: import torch" in message
    assert results["perceptron::test_step_zero_counts_as_one"].passed


def test_import_at_run_time_is_blocked_and_explained(tmp_path):
    """Does an import hidden at run time (importlib in forward) fail the checks calling it, naming the library?"""
    folder = reference_folder(tmp_path / "runtime", WEEK)
    path = folder / "simple_nn.py"
    sneaky = '        import importlib; importlib.import_module("ten" + "sorflow")\n'
    path.write_text(edit(path.read_text(), "        z1 = X @ self.W1 + self.b1\n",
                         sneaky + "        z1 = X @ self.W1 + self.b1\n"))
    results = run_checks(WEEK, folder, only=("simple_nn::test_init_parameter_shapes",
                                             "simple_nn::test_forward_matches_reference"))
    init, forward = results
    assert init.passed
    assert not forward.passed
    assert "your code imported tensorflow while running" in forward.message
    assert "simple_nn.py, line" in forward.message and "NumPy" in forward.message
