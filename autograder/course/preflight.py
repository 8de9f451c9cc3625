"""Check the machine once before grading anyone: the sandbox works, the data is there, the graders collect.

Without this, a machine fault shows up as every student's failure (a missing
bubblewrap reads "importing activations.py failed" on every check). ``make
grade`` and ``make check`` call ``check_machine`` first and stop with one
line naming the fault and its fix (``faults.KitFault``); every grading job
calls it again on the machine it runs on, so a Dask worker without the
sandbox or the data fails its job as the kit's fault, never the student's.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from autograder.faults import KitFault
from autograder.grading.checklist import collect_checks
from autograder.handout import mnist
from autograder.sandbox.limited import Limits, SandboxUnavailable, confined_argv, run_limited

#: Wall clock for starting Python in the sandbox once (it takes about 0.1 s).
PROBE_SECONDS = 60.0


def check_machine(week: str) -> None:
    """Raise KitFault naming the first thing this machine lacks to grade ``week``."""
    check_sandbox()
    try:
        mnist.verify()
    except mnist.MnistError as error:
        raise KitFault(f"the MNIST files are missing or damaged: {error}",
                       "run `make data`, or set NNGRADER_DATA_DIR to a folder with the four files") from None
    collect_checks(week)  # GradingError (a KitFault) if the graders do not collect


def check_sandbox() -> None:
    """Start Python inside the sandbox once; raise SandboxUnavailable (a KitFault) if that fails."""
    with tempfile.TemporaryDirectory(prefix="nngrader-probe-") as tmp:
        log = Path(tmp) / "log"
        argv = confined_argv(Path(tmp), [sys.executable, "-c", "pass"], Limits.from_env())
        outcome = run_limited(argv, Path(tmp), replace(Limits.from_env(), wall_seconds=PROBE_SECONDS), log=log)
        if outcome.returncode != 0 or outcome.timed_out:
            said = log.read_text(errors="replace").strip().splitlines()[-1:] or ["nothing"]
            raise SandboxUnavailable(
                f"the sandbox does not start on this machine ({outcome.describe(Limits.from_env())}; it said: "
                f"{said[0][:200]})",
                "install bubblewrap (`make sandbox`) and allow unprivileged user namespaces, or run as root")
