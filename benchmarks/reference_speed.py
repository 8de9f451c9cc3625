"""The reference SimpleNN (NumPy) against the same network in PyTorch on the CPU: seconds per epoch and accuracy.

Both sides train the week 3 network (784 -> 64 -> 10, ReLU, softmax cross-entropy)
on full MNIST with what the reference's ``train`` uses by default: SGD with
momentum 0.9, learning rate 0.02, batches of 64, a new order every epoch. They
start from the same weights (the reference's ``SimpleNN(seed=0)``, He-style
scale), see the same batch orders (drawn from a copy of the reference's
generator), and compute in the reference's dtype (float64: its parameters are
float64, so a float32 batch is promoted in ``X @ W1``; the pixels are cast
once, before timing, for both). The two runs therefore follow one trajectory
up to float rounding: the losses printed side by side show it.

Prints, for each epoch, both sides' seconds, training loss and test accuracy;
then the median seconds per epoch (the epochs alternate between the two sides,
after an untimed warm-up), the accuracy on the 10,000 test images after the
last epoch, and the ratio NumPy / PyTorch seconds per epoch against the
target: the NumPy reference no slower than PyTorch (ratio <= 1.0).
Both use the same number of threads (all cores unless --threads N), stated in
the output with the machine's cores.

Without PyTorch the NumPy side is measured and printed alone (exit 0).
PyTorch is not a dependency of the kit; to compare: pip install torch==2.13.0 (CPU).

Run: python benchmarks/reference_speed.py [--epochs 10] [--threads N] [--limit N]
     (make benchmark-reference)
"""

from __future__ import annotations

import os
import sys

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def machine_cores() -> int:
    """The cores this process may run on (its CPU affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def requested_threads(argv: list[str]) -> int:
    """The N of ``--threads N`` / ``--threads=N`` in argv, else every core (argparse rejects bad values later)."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else (
            argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else None)
        if value is not None and value.isdigit() and int(value) > 0:
            return int(value)
    return machine_cores()


def pin_thread_variables(threads: int) -> bool:
    """Set OMP/OPENBLAS/MKL_NUM_THREADS; True when numpy was not imported yet (BLAS reads them at import only)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    return "numpy" not in sys.modules


# Before numpy (and torch) are imported: their thread pools read these variables once, at import.
PINNED_BEFORE_IMPORT = pin_thread_variables(requested_threads(sys.argv[1:])) if __name__ == "__main__" else False

import argparse  # noqa: E402
import copy  # noqa: E402
import inspect  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402

from autograder.grading import solutions  # noqa: E402
from autograder.handout import mnist  # noqa: E402

WEEK = "week03"
WARMUP_BATCHES = 100
NOISY = 1.5  # an epoch this many times the median: the timings are not to be trusted
TORCH_MISSING = "PyTorch is not installed: pip install torch==2.13.0 (CPU) to compare; NumPy reference alone:"


def load_reference():
    """The reference solution module ``solutions/week03/simple_nn.py``, imported by path."""
    return solutions.load(WEEK, "simple_nn")


def load_torch():
    """The torch module, or None when it cannot be imported."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def train_defaults(reference) -> dict[str, float]:
    """The keyword defaults of the reference's ``SimpleNN.train``: learning_rate, momentum, batch_size (, epochs)."""
    return {name: p.default for name, p in inspect.signature(reference.SimpleNN.train).parameters.items()
            if p.default is not inspect.Parameter.empty}


def blas_threads() -> str:
    """NumPy's BLAS thread count as threadpoolctl reports it, or why it is unknown."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    pools = [f"{p['internal_api']} {p['num_threads']}" for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(pools) or "unknown (threadpoolctl found no BLAS)"


# --- the PyTorch side -------------------------------------------------------------------------------------------

def torch_network(torch, model, learning_rate: float, momentum: float):
    """The reference's network in PyTorch, in its dtype, from its current weights; with its SGD optimizer.

    Momentum: the reference updates ``v = momentum * v - lr * grad; p += v``; torch.optim.SGD
    (dampening 0, no Nesterov) updates ``b = momentum * b + grad; p -= lr * b``. From v = b = 0,
    induction gives v = -lr * b after every step (-lr * (momentum * b + grad) = momentum * v - lr * grad),
    so both move p by the same amount: one trajectory, up to float rounding.
    """
    dtype = getattr(torch, np.dtype(model.W1.dtype).name)
    (inputs, hidden), classes = model.W1.shape, model.W2.shape[1]
    net = torch.nn.Sequential(torch.nn.Linear(inputs, hidden, dtype=dtype), torch.nn.ReLU(),
                              torch.nn.Linear(hidden, classes, dtype=dtype))
    with torch.no_grad():  # nn.Linear holds W.T (out, in) and computes x @ W.T + b
        for layer, W, b in ((net[0], model.W1, model.b1), (net[2], model.W2, model.b2)):
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            layer.bias.copy_(torch.from_numpy(b.ravel()))
    return net, torch.optim.SGD(net.parameters(), lr=learning_rate, momentum=momentum)


def torch_epoch(torch, net, optimizer, X, y, order, batch_size: int) -> float:
    """One pass in the given order; the mean cross-entropy of its batches, each measured before its update."""
    total = 0.0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        loss = torch.nn.functional.cross_entropy(net(X[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch)
    return total / len(order)


def torch_accuracy(torch, net, X, y) -> float:
    with torch.no_grad():
        return (net(X).argmax(dim=1) == y).double().mean().item()


# --- the comparison ---------------------------------------------------------------------------------------------

@dataclass
class Side:
    """One library's run: seconds, training loss and test accuracy of each epoch."""

    name: str
    seconds: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return float(np.median(self.seconds))


def compare(X_train, y_train, X_test, y_test, *, epochs: int = 10, threads: int | None = None,
            warmup_batches: int = WARMUP_BATCHES, seed: int = 0) -> tuple[Side, Side | None]:
    """Train the reference and (if installed) its PyTorch twin, epochs alternating; print the figures.

    ``threads`` is passed to torch.set_num_threads (None: leave torch's setting). Returns the
    NumPy side and the PyTorch side (None without PyTorch).
    """
    torch = load_torch()
    reference = load_reference()
    defaults = train_defaults(reference)
    lr, momentum, batch_size = defaults["learning_rate"], defaults["momentum"], defaults["batch_size"]
    model = reference.SimpleNN(seed=seed)
    dtype = model.W1.dtype
    X_train, X_test = X_train.astype(dtype), X_test.astype(dtype)  # once, for both sides
    orders = copy.deepcopy(model.rng)  # draws the same permutations as the reference's train
    if torch is not None:
        if threads is not None:
            torch.set_num_threads(threads)
        net, optimizer = torch_network(torch, model, lr, momentum)
        T_train, t_train, T_test, t_test = (torch.from_numpy(a) for a in (X_train, y_train, X_test, y_test))

    header(torch, model, defaults, len(X_train), len(X_test), epochs, threads, warmup_batches)

    # Warm-up, untimed, on copies: BLAS/OpenMP thread pools, allocator, torch's first-call dispatch.
    warm = slice(0, warmup_batches * batch_size)
    copy.deepcopy(model).train(X_train[warm], y_train[warm], epochs=1)
    if torch is not None:
        warm_net, warm_optimizer = torch_network(torch, model, lr, momentum)
        torch_epoch(torch, warm_net, warm_optimizer, T_train, t_train, torch.arange(len(X_train[warm])), batch_size)

    numpy_side, torch_side = Side("NumPy reference"), (Side("PyTorch") if torch is not None else None)
    for _ in range(epochs):
        start = time.perf_counter()
        numpy_side.losses += model.train(X_train, y_train, epochs=1)
        numpy_side.seconds.append(time.perf_counter() - start)
        numpy_side.accuracies.append(float(np.mean(model.predict(X_test) == y_test)))
        if torch is not None:
            start = time.perf_counter()
            order = torch.from_numpy(orders.permutation(len(X_train)))
            torch_side.losses.append(torch_epoch(torch, net, optimizer, T_train, t_train, order, batch_size))
            torch_side.seconds.append(time.perf_counter() - start)
            torch_side.accuracies.append(torch_accuracy(torch, net, T_test, t_test))
        report_epoch(len(numpy_side.seconds), numpy_side, torch_side)
    summary(numpy_side, torch_side)
    return numpy_side, torch_side


def header(torch, model, defaults, n_train, n_test, epochs, threads, warmup_batches) -> None:
    cores = machine_cores()
    load = f", load average {os.getloadavg()[0]:.2f} at the start" if hasattr(os, "getloadavg") else ""
    print("The reference SimpleNN (NumPy) against the same network in PyTorch, on the CPU")
    if torch is None:
        print(TORCH_MISSING)
    print(f"  numpy {np.__version__}" + (f", torch {torch.__version__}" if torch is not None else "")
          + f"; machine: {cores} cores{load}")
    pinned = ("set before numpy was imported" if PINNED_BEFORE_IMPORT
              else "not set by this run: numpy was imported first")
    given = ", ".join(f"{name}={os.environ.get(name, 'unset')}" for name in THREAD_VARIABLES)
    both = " for both" if torch is not None else ""
    same = f"{threads}{both}" if threads is not None else "library defaults"
    print(f"  threads: {same} (all {cores} cores unless --threads N); "
          + (f"torch.get_num_threads() = {torch.get_num_threads()}; " if torch is not None else "")
          + f"NumPy BLAS threads: {blas_threads()}; {given} {pinned}")
    (inputs, hidden), classes = model.W1.shape, model.W2.shape[1]
    print(f"  network {inputs} -> {hidden} -> {classes} (ReLU, softmax cross-entropy); dtype {model.W1.dtype}"
          f"{both} (the reference's parameter dtype; pixels cast once, before timing)")
    print(f"  SGD lr {defaults['learning_rate']}, momentum {defaults['momentum']}, batch {defaults['batch_size']}, "
          "a new order every epoch" + ("; same initial weights and orders for both" if torch is not None else ""))
    print(f"  MNIST: {n_train:,} train / {n_test:,} test images; {epochs} epochs"
          + (", alternating between the two" if torch is not None else "")
          + f", after an untimed warm-up of {warmup_batches} batches")
    print()
    print(f"{'epoch':>5} {'NumPy s':>8} {'loss':>8} {'test acc':>9}"
          + (f" {'PyTorch s':>10} {'loss':>8} {'test acc':>9}" if torch is not None else ""))


def report_epoch(epoch: int, numpy_side: Side, torch_side: Side | None) -> None:
    line = f"{epoch:>5} {numpy_side.seconds[-1]:>8.3f} {numpy_side.losses[-1]:>8.4f} {numpy_side.accuracies[-1]:>9.2%}"
    if torch_side is not None:
        line += f" {torch_side.seconds[-1]:>10.3f} {torch_side.losses[-1]:>8.4f} {torch_side.accuracies[-1]:>9.2%}"
    print(line, flush=True)


def summary(numpy_side: Side, torch_side: Side | None) -> None:
    print()
    print(f"{'':<16} {'s/epoch (median)':>16} {'fastest':>8} {'test accuracy':>14}")
    for side in (numpy_side, torch_side):
        if side is not None:
            print(f"{side.name:<16} {side.median_seconds:>16.3f} {min(side.seconds):>8.3f} "
                  f"{side.accuracies[-1]:>14.2%}")
    if torch_side is not None:
        ratio = numpy_side.median_seconds / torch_side.median_seconds
        verdict = "PASS" if ratio <= 1.0 else "MISS"
        print(f"ratio NumPy/PyTorch seconds per epoch: {ratio:.2f} (target <= 1.0): {verdict}")
    for side in (numpy_side, torch_side):
        if side is not None and max(side.seconds) > NOISY * side.median_seconds:
            print(f"note: {side.name} epochs took {min(side.seconds):.3f} to {max(side.seconds):.3f} s: other work "
                  "competed for the cores; rerun on an idle machine for figures to compare")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs each side trains (default 10)")
    parser.add_argument("--threads", type=int, default=machine_cores(),
                        help="threads for both libraries (default: all cores); sets torch.set_num_threads and, "
                             "before numpy is imported, OMP/OPENBLAS/MKL_NUM_THREADS")
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first N training images only (a quick run; default: all 60,000)")
    args = parser.parse_args(argv)
    for option in ("epochs", "threads", "limit"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option} must be at least 1, not {value}")
    try:
        mnist.verify()
        X_train, y_train, X_test, y_test = mnist.load_mnist()
    except mnist.MnistError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.limit is not None:
        X_train, y_train = X_train[:args.limit], y_train[:args.limit]
    compare(X_train, y_train, X_test, y_test, epochs=args.epochs, threads=args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
