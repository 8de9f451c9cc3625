"""What the kit plugs into ``nbgrader autograde`` (configured by ``course.py``).

* ``SandboxedExecute`` executes a submitted notebook as nbgrader's Execute
  does, but its Jupyter kernel runs inside the sandbox (``sandbox.py``): on a
  scratch copy of the student's folder, without network, with the resource
  limits, and talking to nbgrader over Unix sockets in a private folder. The
  student's cells can print, plot, fail or misbehave; they cannot read the
  graders, touch the gradebook, or change what the next step sees.
* ``KitGrades`` then writes each grading cell's output from the kit's own
  graders (``grading.run_checks``, once per submission, which run the
  student's modules in a fresh sandboxed worker): the check's report, and its points as the cell's result,
  which nbgrader's SaveAutoGrades takes as partial credit. Whatever the kernel
  printed in a grading cell is discarded, so nothing the student's code did in
  the kernel can score. It also saves every result (``store``) for feedback,
  the class report and results.json.
* Under ``nbgrader generate_feedback``, ``CleanStudentCells`` makes every cell
  of the student's notebook inert (``sanitize.py``: no script, no event
  handler, no style, nothing loaded), then ``KitReport`` opens the page with
  the kit's report for the student (``feedback.py``), and ``FeedbackExporter``
  writes the page with its Content-Security-Policy.
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
from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade

from . import feedback, notebooks, sanitize, store
from .faults import KitFault
from .grading import collect_checks, not_graded, run_checks
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


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel in the sandbox."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(*args, **kwargs)


#: (week, student, folder, digest of its modules) -> results: kept at module level, because nbgrader makes a
#: new preprocessor for every notebook, and one ``nbgrader autograde`` may grade several students
_GRADED: dict[tuple[str, str, str, str], "dict[str, CheckResult] | NotGraded"] = {}


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
        results = self._grade(resources["nbgrader"]["assignment"], resources["nbgrader"]["student"],
                              Path(resources["metadata"]["path"]))
        for cell, check in cells:
            result = results.get(check)
            if result is None:  # a grading cell of no check of this week: worth nothing, whatever it says
                cell.outputs = [nbformat.v4.new_output("error", ename="NoSuchCheck", evalue=check, traceback=[
                    f"this grading cell belongs to no check of {resources['nbgrader']['assignment']}"])]
                continue
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=result.report() + "\n"),
                            nbformat.v4.new_output("execute_result", data={"text/plain": repr(result.points)},
                                                   execution_count=cell.get("execution_count"))]
        return nb, resources

    def _grade(self, week: str, student: str, folder: Path) -> dict[str, CheckResult]:
        """Every check's result for this submission (graded once).

        Raises NotGraded when the kit could not grade a check (``faults``): nbgrader's autograde of this
        submission then fails, so no score of this run is recorded and the next ``make grade`` tries again.
        """
        key = (week, student, str(folder), _modules_digest(folder))
        if isinstance(_GRADED.get(key), NotGraded):
            raise _GRADED[key]  # the submission's other notebooks: the same answer, without grading again
        if key not in _GRADED:
            try:
                results = {r.id: r for r in run_checks(week, folder, student_id=student)}
            except KitFault:
                raise
            except Exception as error:  # a bug of the kit: no cell may keep a score it did not earn
                self.log.error("grading %s failed:\n%s", student, traceback.format_exc())
                raise NotGraded(f"the kit's grading crashed ({type(error).__name__}: {error})",
                                "report it as a bug of the kit, with the log above") from error
            specs = collect_checks(week)
            for spec in specs:
                results.setdefault(spec.id, not_graded(spec, KitFault("the graders left no result", "a kit bug")))
            faults = [r for r in results.values() if not r.graded]
            if faults:
                first = faults[0].data
                _GRADED[key] = NotGraded(f"{len(faults)} of {len(results)} checks could not be graded: "
                                         f"{first.get('fault', '')}", first.get("fix") or "see the reason")
                raise _GRADED[key]
            for module in dict.fromkeys(spec.module for spec in specs):  # for feedback, reports and results.json
                store.save(week, student, module, [r for r in results.values() if r.module == module])
            _GRADED[key] = results
            self.log.info("KitGrades: graded %s of %s once for all its notebooks (%d checks)", week, student,
                          len(results))
        return _GRADED[key]


class NotGraded(KitFault):
    """The kit could not grade a submission: its autograde fails on purpose, so nothing of it is recorded."""


class CleanStudentCells(NbGraderPreprocessor):
    """Make every cell of the student's notebook inert for its feedback page (``sanitize.clean_notebook``).

    It runs after nbgrader's GetGrades, which looks cells up by their grade ids, and before ``KitReport``, whose
    report is the kit's own HTML and must reach the page as it is.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        return sanitize.clean_notebook(nb), resources


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page, with the Content-Security-Policy that forbids script and remote loads in its head."""

    def from_notebook_node(self, nb: nbformat.NotebookNode, resources: dict | None = None,
                           **kw) -> tuple[str, dict]:
        page, resources = super().from_notebook_node(nb, resources, **kw)
        return sanitize.with_policy(page), resources


class KitReport(NbGraderPreprocessor):
    """Open each feedback page with the kit's report: totals, what to fix first, and this notebook's checks."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        week = resources["nbgrader"]["assignment"]
        student = resources["nbgrader"]["student"]
        results = store.load(week, student)
        module = resources["nbgrader"]["notebook"]
        html = feedback.report_html(week, student, results, module if any(
            r.id.startswith(f"{module}::") for r in results) else None)
        # one line: a blank line would end the HTML block and let markdown rewrite the rest
        cell = nbformat.v4.new_markdown_cell(" ".join(html.splitlines()))
        cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True, "task": False,
                                     "grade_id": "nngrader_report", "schema_version": 3}
        nb.cells.insert(0, cell)
        return nb, resources
