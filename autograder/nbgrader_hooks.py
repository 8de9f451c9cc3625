"""What the kit plugs into ``nbgrader autograde`` (configured by ``course.py``).

* ``RepairGradingCells``, the first of nbgrader's sanitizing steps, gives a
  submitted notebook exactly the grading cells of the assignment's source
  (``grading_cells.repair``): deleted ones back, pasted copies and foreign ids
  turned into ordinary cells, changed flags set back. Without it such a
  notebook stops nbgrader for the whole submission or skews the gradebook.
* ``SandboxedExecute`` executes a submitted notebook as nbgrader's Execute
  does, but its Jupyter kernel runs inside the sandbox (``sandbox.py``): on a
  scratch copy of the student's folder, without network, with the resource
  limits, and talking to nbgrader over Unix sockets in a private folder. The
  student's cells can print, plot, fail or misbehave; they cannot read the
  graders, touch the gradebook, or change what the next step sees. A cell
  past its time limit, or a kernel that dies, stops that notebook only: the
  cell says why, the later cells are not run, and grading goes on.
* ``KitGrades`` then writes each grading cell's output from the kit's own
  graders (``grading.run_checks``, once per submission, which run the
  student's modules in a fresh sandboxed worker): the check's report, and its points as the cell's result,
  which nbgrader's SaveAutoGrades takes as partial credit. Whatever the kernel
  printed in a grading cell is discarded, so nothing the student's code did in
  the kernel can score. It also saves every result (``store``) for feedback,
  the class report and results.json.
* ``KitReport`` (under ``nbgrader generate_feedback``) opens each feedback page
  with the kit's report for the student (``feedback.py``), with what went
  wrong with that notebook, if anything (the first two record it in ``store``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import traceback
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade
from traitlets import Bool

from . import feedback, grading_cells, notebooks, store
from .grading import GradingError, collect_checks, run_checks
from .mnist import resolve_data_dir
from .results import CheckResult
from .sandbox import Limits, confined_argv, isolation, sandbox_uid

DATA_MOUNT = "/data"


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel inside the sandbox; it listens on Unix sockets in a folder only it and we share."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._private = Path(tempfile.mkdtemp(prefix="nngrader-kernel-"))
        if os.geteuid() == 0 and isolation() == "bwrap":
            os.chown(self._private, sandbox_uid(), sandbox_uid())  # the kernel's user creates its sockets here
        self.transport = "ipc"
        self.ip = str(self._private / "kernel")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        connection = self._private / "connection.json"  # a copy the kernel's unprivileged user can read
        shutil.copyfile(self.connection_file, connection)
        os.chmod(connection, 0o644)
        command = [str(connection) if arg == os.path.realpath(self.connection_file) else arg for arg in command]
        folder = Path(self._launch_args.get("cwd") or os.getcwd())
        data = resolve_data_dir()
        binds = ((data, DATA_MOUNT),) if data.is_dir() else ()
        env = {"NNGRADER_DATA_DIR": DATA_MOUNT, **_identity(folder)}
        return confined_argv(folder, command, Limits.from_env(), binds=binds, writable=(self._private,), env=env)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._private, ignore_errors=True)


def _identity(folder: Path) -> dict[str, str]:
    """The student's user name, as JupyterHub would set it (nbgrader autogrades in autograded/<student>/<week>)."""
    if folder.parent.parent.name == "autograded":
        return {"JUPYTERHUB_USER": folder.parent.name, "USER": folder.parent.name}
    return {}


class RepairGradingCells(NbGraderPreprocessor):
    """Repair a submitted notebook's grading cells against the source notebook, before nbgrader checks them.

    The source is the notebook of the same name in the course's source folder
    (nbgrader's ``CourseDirectory``, from the same configuration), which every
    grading job carries. What was repaired is recorded for feedback and the
    grading report (``store``, stage ``cells``), and nothing is recorded when
    nothing was wrong, so a notebook graded again never keeps old notes.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"])) / \
            f"{info['notebook']}.ipynb"
        notes = grading_cells.repair(nb, nbformat.read(source, as_version=4))
        for note in notes:
            self.log.warning("%s of %s: %s", info["notebook"], info["student"], note)
        store.save_problems(info["assignment"], info["student"], info["notebook"], "cells",
                            [f"grading cells repaired: {'; '.join(notes)}"] if notes else [])
        return nb, resources


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel in the sandbox, and a stop instead of a failure when a cell hangs or
    the kernel dies.

    nbgrader lets either exception end the whole ``autograde`` of the
    submission, although the kit grades the modules without the notebook. Here
    the cell gets an error output that says what happened (and which limit),
    the rest of that notebook is not run, the problem is recorded (``store``,
    stage ``run``), and the next steps fill the grading cells as usual.
    """

    interrupt_on_timeout = Bool(
        False, help="Stop the notebook at a cell past its time limit, instead of interrupting the cell and going "
                    "on: code that ignores the interrupt would otherwise end the submission's autograde.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict | None = None,
                   km: AsyncKernelManager | None = None) -> tuple[nbformat.NotebookNode, dict]:
        self._stopped: str | None = None
        nb, resources = super().preprocess(nb, resources, km)
        info = resources["nbgrader"]
        store.save_problems(info["assignment"], info["student"], info["notebook"], "run",
                            [self._stopped] if self._stopped else [])
        return nb, resources

    def preprocess_cell(self, cell: nbformat.NotebookNode, resources: dict,
                        index: int) -> tuple[nbformat.NotebookNode, dict]:
        if self._stopped:
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError as error:
            what = (f"ran longer than the {self.timeout} s limit for one notebook cell" if "IOPub" not in str(error)
                    else f"kept sending output for more than {self.iopub_timeout} s after it ended")
            self._stop(cell, "CellTimeoutError", what)
        except DeadKernelError:
            what = f"made the notebook's kernel die ({self._exit_status()})"
            self._stop(cell, "DeadKernelError", what)
        return cell, resources

    def _stop(self, cell: nbformat.NotebookNode, ename: str, what: str) -> None:
        """Mark the cell that stopped the notebook, and skip the notebook's remaining cells."""
        cell.execution_count = self.code_cells_executed
        self._stopped = (f"cell In [{cell.execution_count}] {what}: the notebook stopped there, its later cells "
                         "were not run")
        cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=self._stopped,
                                                   traceback=[f"{ename}: this cell {what}; the notebook's later "
                                                              "cells were not run"]))
        self.shutdown_kernel = "immediate"  # nothing more to ask of it

    def _exit_status(self) -> str:
        """How the kernel's process ended, as far as its manager knows."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        code = getattr(process, "returncode", None)
        if code is None:
            return "it stopped answering"
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"


#: (week, student, folder, digest of its modules) -> results: kept at module level, because nbgrader makes a
#: new preprocessor for every notebook, and one ``nbgrader autograde`` may grade several students
_GRADED: dict[tuple[str, str, str, str], tuple[dict[str, CheckResult], str]] = {}


def _modules_digest(folder: Path) -> str:
    """SHA-256 of the folder's modules (names and bytes); nbgrader writes notebooks there as it goes."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class KitGrades(NbGraderPreprocessor):
    """Give every grading cell the kit's verdict: the check's report, and its points as the cell's result.

    The first notebook of a submission grades all of the submission's modules
    in one run of the graders (each module keeps its own time limit) and saves
    the results; the submission's other notebooks reuse them.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        cells = [(cell, notebooks.check_of(cell.metadata["nbgrader"]["grade_id"]))
                 for cell in nb.cells if cell.cell_type == "code" and is_grade(cell)]
        cells = [(cell, check) for cell, check in cells if check]
        if not cells:
            return nb, resources
        results, failure = self._grade(resources["nbgrader"]["assignment"], resources["nbgrader"]["student"],
                                       Path(resources["metadata"]["path"]))
        for cell, check in cells:
            result = results.get(check)
            if result is None or not result.graded:
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename="GradingError", evalue=f"the kit could not grade this check ({failure})",
                    traceback=[f"GradingError: the kit could not grade this check ({failure}); "
                               "tell your instructor"])]
                continue
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=result.report() + "\n"),
                            nbformat.v4.new_output("execute_result", data={"text/plain": repr(result.points)},
                                                   execution_count=cell.get("execution_count"))]
        return nb, resources

    def _grade(self, week: str, student: str, folder: Path) -> tuple[dict[str, CheckResult], str]:
        """Every check's result for this submission (graded once), and why any check lacks one."""
        key = (week, student, str(folder), _modules_digest(folder))
        if key in _GRADED:
            return _GRADED[key]
        try:
            results = {r.id: r for r in run_checks(week, folder, student_id=student)}
            failure = "no result for this check"
        except Exception as error:  # a problem of the kit: no cell may keep a score it did not earn
            self.log.error("grading %s failed:\n%s", student, traceback.format_exc())
            results, failure = {}, f"{type(error).__name__}: {error}"
        try:
            specs = collect_checks(week)
        except GradingError:  # the graders themselves are broken: the cells' error outputs say so
            specs = ()
        for spec in specs:
            if spec.id not in results:
                results[spec.id] = CheckResult(
                    id=spec.id, title=spec.title, max_points=spec.points, passed=False, graded=False,
                    message=f"the kit could not grade this check ({failure})\n"
                            "  hint:     this is a problem of the grading kit, not of your code: tell your instructor")
        for module in dict.fromkeys(spec.module for spec in specs):  # for feedback, reports and results.json
            store.save(week, student, module, [r for r in results.values() if r.id.startswith(f"{module}::")])
        _GRADED[key] = results, failure
        self.log.info("KitGrades: graded %s of %s once for all its notebooks (%d checks)", week, student, len(results))
        return results, failure


class KitReport(NbGraderPreprocessor):
    """Open each feedback page with the kit's report: totals, what to fix first, and this notebook's checks."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        week = resources["nbgrader"]["assignment"]
        student = resources["nbgrader"]["student"]
        results = store.load(week, student)
        module = resources["nbgrader"]["notebook"]
        html = feedback.report_html(week, student, results, module if any(
            r.id.startswith(f"{module}::") for r in results) else None,
            problems=store.problems(week, student).get(module, []))
        # one line: a blank line would end the HTML block and let markdown rewrite the rest
        cell = nbformat.v4.new_markdown_cell(" ".join(html.splitlines()))
        cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True, "task": False,
                                     "grade_id": "nngrader_report", "schema_version": 3}
        nb.cells.insert(0, cell)
        return nb, resources
