"""benchmarks/reference_speed.py on a small slice of MNIST: the figures it prints, with and without PyTorch.

No timing is asserted here: speed figures live in the benchmark's output, not in tests.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.handout import mnist

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "reference_speed.py"
EPOCHS = 2
SECONDS, LOSS, PERCENT = r"\d+\.\d{3}", r"\d+\.\d{4}", r"\d{1,3}\.\d{2}%"


def load_script():
    spec = importlib.util.spec_from_file_location("reference_speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small_mnist(mnist_dir):
    """2,000 training and 1,000 test images."""
    X_train, y_train, X_test, y_test = mnist.load_mnist(mnist_dir)
    return X_train[:2000], y_train[:2000], X_test[:1000], y_test[:1000]


def initial_loss(bench, X, y) -> float:
    """Mean cross-entropy of the untrained SimpleNN(seed=0) on X: what training must bring down."""
    P = bench.load_reference().SimpleNN(seed=0).forward(X.astype(np.float64))
    return float(-np.log(P[np.arange(len(y)), y]).mean())


def assert_went_down(side, start: float) -> None:
    assert len(side.losses) == EPOCHS and all(np.isfinite(side.losses)), side.losses
    assert start > side.losses[0] > side.losses[-1], (start, side.losses)
    assert len(side.seconds) == EPOCHS and all(s > 0 for s in side.seconds)
    assert side.accuracies[-1] > 0.6, side.accuracies  # chance is 0.1


def test_compare_with_torch_prints_both_sides_and_the_ratio(small_mnist, capsys):
    """With PyTorch: do both losses go down, on one trajectory, and does it print both sides, the ratio and threads?"""
    torch = pytest.importorskip("torch")
    bench = load_script()
    threads = torch.get_num_threads()
    try:  # one thread: no time lost to a thread pool waiting for cores other tests hold
        numpy_side, torch_side = bench.compare(*small_mnist, epochs=EPOCHS, threads=1, warmup_batches=2)
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    start = initial_loss(bench, *small_mnist[:2])
    assert_went_down(numpy_side, start)
    assert_went_down(torch_side, start)
    # Same weights, same orders, equivalent momentum forms: the losses agree to float64 rounding.
    np.testing.assert_allclose(torch_side.losses, numpy_side.losses, rtol=1e-9)

    assert bench.TORCH_MISSING not in out
    assert re.search(r"threads: 1 for both .*torch\.get_num_threads\(\) = 1; NumPy BLAS threads: \S", out), out
    assert re.search(r"machine: \d+ cores", out) and "dtype float64 for both" in out, out
    assert "2,000 train / 1,000 test images" in out, out
    for epoch in range(1, EPOCHS + 1):
        row = rf"^ +{epoch} +{SECONDS} +{LOSS} +{PERCENT} +{SECONDS} +{LOSS} +{PERCENT}$"
        assert re.search(row, out, re.MULTILINE), out
    assert re.search(rf"^NumPy reference +{SECONDS} +{SECONDS} +{PERCENT}$", out, re.MULTILINE), out
    assert re.search(rf"^PyTorch +{SECONDS} +{SECONDS} +{PERCENT}$", out, re.MULTILINE), out
    assert re.search(r"^ratio NumPy/PyTorch seconds per epoch: \d+\.\d\d \(target <= 1\.0\): (PASS|MISS)$",
                     out, re.MULTILINE), out


def test_compare_without_torch_measures_numpy_alone(small_mnist, capsys, monkeypatch):
    """Without PyTorch: does it say how to install it, then still train and print the NumPy reference?"""
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    bench = load_script()
    numpy_side, torch_side = bench.compare(*small_mnist, epochs=EPOCHS, threads=1, warmup_batches=2)
    out = capsys.readouterr().out
    assert torch_side is None
    assert_went_down(numpy_side, initial_loss(bench, *small_mnist[:2]))
    assert ("PyTorch is not installed: pip install torch==2.13.0 (CPU) to compare; NumPy reference alone:"
            in out.splitlines()), out
    assert "NumPy BLAS threads: " in out and "torch" not in out.replace(bench.TORCH_MISSING, ""), out
    for epoch in range(1, EPOCHS + 1):
        assert re.search(rf"^ +{epoch} +{SECONDS} +{LOSS} +{PERCENT}$", out, re.MULTILINE), out
    assert re.search(rf"^NumPy reference +{SECONDS} +{SECONDS} +{PERCENT}$", out, re.MULTILINE), out
    assert "ratio" not in out and not re.search(r"^PyTorch +\d", out, re.MULTILINE) and " for both" not in out, out


def test_command_without_torch_exits_0_with_threads_pinned_before_numpy(mnist_dir, tmp_path):
    """Run as a command with torch hidden: exit 0, and OMP/OPENBLAS/MKL_NUM_THREADS=1 set before numpy's import?"""
    hide_torch = ("import runpy, sys; sys.modules['torch'] = None; "
                  f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    env = {**os.environ, "NNGRADER_DATA_DIR": str(mnist_dir), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", hide_torch, "--epochs", "1", "--limit", "640", "--threads", "1"],
                          check=False, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "PyTorch is not installed" in done.stdout, done.stdout
    assert "threads: 1 (" in done.stdout, done.stdout
    assert "OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=1, MKL_NUM_THREADS=1 set before numpy was imported" in done.stdout
    assert re.search(rf"^NumPy reference +{SECONDS} +{SECONDS} +{PERCENT}$", done.stdout, re.MULTILINE), done.stdout


@pytest.mark.parametrize("argv, threads", [(["--threads", "3"], 3), (["--epochs", "2", "--threads=5"], 5),
                                           (["--threads", "0"], None), ([], None)])
def test_requested_threads_reads_the_option_before_argparse(argv, threads):
    """Is --threads N read from argv before numpy's import, with every core as the default?"""
    bench = load_script()
    assert bench.requested_threads(argv) == (threads or bench.machine_cores())
