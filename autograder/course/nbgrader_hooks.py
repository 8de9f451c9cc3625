"""What the kit plugs into ``nbgrader autograde`` (configured by ``nbgrader_commands.py``).

* ``RepairGradingCells``, the first of nbgrader's sanitizing steps, gives a
  submitted notebook exactly the grading cells of the assignment's source
  (``grading_cells.repair``): deleted ones back, pasted copies and foreign ids
  turned into ordinary cells, changed flags set back. Without it such a
  notebook stops nbgrader for the whole submission or skews the gradebook.
* ``QuietVisibleChecks`` makes the notebook's 0-point "Visible checks" cell a
  comment, after nbgrader has put every grade cell's source code back: the
  visible tests are what Validate runs before submitting, never a grade.
* ``SandboxedExecute`` executes a submitted notebook as nbgrader's Execute
  does, but its Jupyter kernel runs inside the sandbox (``sandbox.py``): on a
  scratch copy of the student's folder, without network, with the resource
  limits, and talking to nbgrader over Unix sockets lent to it (it has no
  folder of its own to write in: ``SandboxedKernelManager``). The
  student's cells can print, plot, fail or misbehave; they cannot read the
  graders, touch the gradebook, or change what the next step sees. A cell
  past its time limit, or a kernel that dies, stops that notebook only: the
  cell says why, the later cells are not run, and grading goes on.
* ``LimitOutputBytes`` caps the bytes of every cell's outputs and of the
  notebook's (``output_limits``; SandboxedExecute already holds no more while
  cells run), keeping the start and saying what was cut, so that no output
  can make the autograded notebook or its feedback page large.
* ``KitGrades`` then writes each grading cell's output from the kit's own
  graders (``grading.run_checks``, once per submission, which run the
  student's modules in a fresh sandboxed worker): the check's report, and its points as the cell's result,
  which nbgrader's SaveAutoGrades takes as partial credit. Whatever the kernel
  printed in a grading cell (the "Visible checks" cell too) is discarded, so
  nothing the student's code did in the kernel can score or stop the grading. It also saves every result (``store``) for feedback,
  the class report and results.json.
* ``RubricSources`` puts, after each rubric part's task cell (what a TA grades
  by hand in formgrader, ``policy.RUBRIC``), a cell that shows the TA the
  student's module as submitted and the kit's style notes on it
  (``grading.style``); it is never run and gives no points, and the feedback
  page leaves it out.
* Under ``nbgrader generate_feedback``, ``CleanStudentCells`` makes every cell
  of the student's notebook inert (``sanitize.py``: no script, no event
  handler, no style, nothing loaded), then ``KitReport`` opens the page with
  the kit's report for the student (``feedback.py``), with what went wrong
  with that notebook, if anything (recorded in ``store`` while grading); the
  grading cells below it keep only their check's title, since the report shows
  each check. ``FeedbackExporter`` writes the page in the kit's template
  (``feedback_template``: nothing loaded from the network, contents named by
  check) with its Content-Security-Policy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import tempfile
import textwrap
import threading
import traceback
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters import HTMLExporter
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_task
from traitlets import Bool, default

from autograder import store
from autograder.authoring import notebooks
from autograder.course import feedback_template, grading_cells, output_limits
from autograder.faults import KitFault, not_graded
from autograder.grading.checklist import collect_checks, rubric_parts
from autograder.grading.runner import run_checks
from autograder.grading.style import MAX_BYTES, style_notes
from autograder.handout.mnist import resolve_data_dir
from autograder.intake import small_text
from autograder.jail import kernel_launcher
from autograder.reporting import feedback, sanitize
from autograder.results import CheckResult, RubricPart, check_of, is_bonus
from autograder.sandbox.limited import KIT_MOUNT, Limits, confined_argv, isolation
from autograder.untrusted import printable

DATA_MOUNT = "/data"
#: Where the kernel reads its connection file in the sandbox (read-only).
CONNECTION_MOUNT = "/run/nngrader/kernel.json"
#: How much of what the kernel writes to its own stdout and stderr (not its cells' outputs) reaches nbgrader's log.
KERNEL_LOG_BYTES = 64 << 10
#: The key of ``resources`` under which SandboxedExecute tells LimitOutputBytes what it cut while cells ran.
DROPPED_OUTPUTS = "nngrader_dropped_outputs"


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel inside the sandbox, on listening sockets made here and lent to it.

    The kernel talks to nbgrader over five Unix sockets (ZeroMQ's ``ipc``
    transport), and whoever binds a Unix socket needs a folder to write in,
    one that the other side can reach. A host folder shared read-write is a
    disk without a ceiling (a notebook once wrote 1.5 GB and 20,000 files
    into one), and no file mode can close a folder for good in the sandbox:
    without root, the kernel's user is ours inside a user namespace and may
    chmod any folder it was given back to writable. So the kernel binds
    nothing. This process binds and listens on the five sockets itself, in a
    private folder (``mkdtemp``: 0700, ours alone) that the sandbox never
    shows, and the kernel inherits the listening sockets as file descriptors:
    ``kernel_launcher`` runs ipykernel with each of them handed to ZeroMQ in
    place of a bind (``ZMQ_USE_FD``). The kernel sees its connection file
    read-only and no socket folder at all, as root and without root alike; a
    socket holds no data, and the only places it can write are the sandbox's
    sized ones (``sandbox.WRITABLE``). Its own stdout and stderr reach
    nbgrader's log through ``_relay``, up to ``KERNEL_LOG_BYTES``.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._private = Path(tempfile.mkdtemp(prefix="nngrader-kernel-"))
        self._listening: list[socket.socket] = []
        self.transport = "ipc"
        self.ip = str(self._private / "kernel")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        connection = self._private / "connection.json"  # a copy the kernel's unprivileged user can read
        shutil.copyfile(self.connection_file, connection)
        os.chmod(connection, 0o644)
        sandboxed = isolation() == "bwrap"
        inside = CONNECTION_MOUNT if sandboxed else str(connection)
        command = _kit_launcher([inside if arg == os.path.realpath(self.connection_file) else arg for arg in command])
        folder = Path(self._launch_args.get("cwd") or os.getcwd())
        data = resolve_data_dir()
        binds = ((connection, CONNECTION_MOUNT), *(((data, DATA_MOUNT),) if data.is_dir() else ()))
        env = {"NNGRADER_DATA_DIR": DATA_MOUNT if sandboxed else str(data),
               kernel_launcher.SOCKETS_ENV: json.dumps(self._listen()), **_identity(folder)}
        return confined_argv(folder, command, Limits.from_env(), binds=binds, env=env)

    def _listen(self) -> dict[str, int]:
        """Bind and listen on the kernel's five sockets: their ZeroMQ addresses -> file descriptors."""
        self._close_listening()
        lent = {}
        for port in (self.shell_port, self.iopub_port, self.stdin_port, self.control_port, self.hb_port):
            path = f"{self.ip}-{port}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)  # left by the kernel this one replaces (a restart)
            listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listening.bind(path)
            listening.listen(100)
            self._listening.append(listening)
            lent[f"ipc://{path}"] = listening.fileno()
        return lent

    def _close_listening(self) -> None:
        for listening in self._listening:
            listening.close()
        self._listening = []

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: object) -> None:
        read, write = os.pipe()  # the kernel's own stdout and stderr, through _relay
        threading.Thread(target=_relay, args=(read,), name="nngrader-kernel-output", daemon=True).start()
        try:
            await super()._async_launch_kernel(kernel_cmd, **{**kw, "stdout": write, "stderr": write,
                                                              "pass_fds": [s.fileno() for s in self._listening]})
        finally:
            os.close(write)
            self._close_listening()  # the kernel holds them now; a connection reaches it through the path

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._close_listening()
            shutil.rmtree(self._private, ignore_errors=True)


def _relay(fd: int, limit: int = KERNEL_LOG_BYTES) -> None:
    """Copy the first ``limit`` bytes read from ``fd`` to our stderr (nbgrader's log), then drop the rest.

    What a cell prints reaches nbgrader as outputs (capped by LimitOutputBytes);
    the kernel's own stdout and stderr are its start-up messages and crashes,
    but a cell can write to them too (ipykernel keeps a copy of the original
    descriptor), and nbgrader's log is read whole by the kit.
    """
    left = limit
    with open(fd, "rb", buffering=0) as pipe:
        while chunk := pipe.read(1 << 16):
            if left > 0:
                with contextlib.suppress(OSError):
                    os.write(2, chunk[:left] if len(chunk) < left else
                             chunk[:left] + b"\n[nngrader: the rest of the kernel's own output is dropped]\n")
                left -= len(chunk)


def _kit_launcher(command: list[str]) -> list[str]:
    """The kernel's command with ``-m ipykernel_launcher`` replaced by the kit's ``kernel_launcher``, run by its
    path: ``-m`` would look for it in the student's folder first, where an ``autograder/`` of theirs could stand."""
    launcher = f"{KIT_MOUNT}/autograder/jail/kernel_launcher.py" if isolation() == "bwrap" else kernel_launcher.__file__
    for i in range(len(command) - 1):
        if command[i] == "-m" and command[i + 1] == "ipykernel_launcher":
            return [*command[:i], launcher, *command[i + 2:]]
    raise RuntimeError(f"the notebook's kernel must be ipykernel (python -m ipykernel_launcher), not {command}")


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


class QuietVisibleChecks(NbGraderPreprocessor):
    """Replace each "Visible checks" cell's code with a comment before the kernel runs (``notebooks``).

    It runs after nbgrader's OverwriteCells, which puts the source's code back in every grade cell: the
    visible tests are the student's check before submitting; under autograde they would only cost time.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        notebooks.quiet_visible_checks(nb)
        return nb, resources


class SandboxedExecute(Execute):
    """nbgrader's Execute, with the kernel in the sandbox, holding no more of its outputs than the kit keeps, and a
    stop instead of a failure when a cell hangs or the kernel dies.

    nbgrader holds every output of a running cell in memory, and a cell may
    print for as long as its time limit: once a cell's outputs reach
    ``Limits.cell_output_kb``, or the notebook's ``Limits.notebook_output_kb``,
    what arrives is shortened to the room left or dropped, and only counted.
    ``LimitOutputBytes`` then says so in the cell (``resources[DROPPED_OUTPUTS]``:
    cell index -> bytes and kinds cut while it ran).

    nbgrader lets a hung cell or a dead kernel end the whole ``autograde`` of
    the submission, although the kit grades the modules without the notebook.
    Here the cell gets an error output that says what happened (and which
    limit), the rest of that notebook is not run, the problem is recorded
    (``store``, stage ``run``), and the next steps fill the grading cells as usual.
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
        self._limits = Limits.from_env()
        self._held: dict[int, tuple[int, int]] = {}  # cell index -> (outputs held, their bytes)
        self._dropped: dict[int, tuple[int, list[str]]] = {}
        self._stopped: str | None = None
        nb, resources = super().preprocess(nb, resources, km)
        resources[DROPPED_OUTPUTS] = self._dropped
        info = resources.get("nbgrader")  # absent when the kernel runs a notebook outside nbgrader's converters
        if info:
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

    def output(self, outs: list[nbformat.NotebookNode], msg: dict, display_id: str | None,
               cell_index: int) -> nbformat.NotebookNode | None:
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out
        count, held = self._held.get(cell_index, (0, 0))
        if count != len(outs) - 1:  # the cell's outputs were cleared (clear_output) since: count them again
            held = sum(output_limits.output_bytes(o) for o in outs[:-1])
        others = sum(b for i, (_, b) in self._held.items() if i != cell_index)
        room = max(0, min(self._limits.cell_output_kb << 10, (self._limits.notebook_output_kb << 10) - others) - held)
        kept, cut, what = output_limits.cap_cell([out], room)
        outs[-1:] = kept
        if not kept and display_id:  # a later update_display_data must not look for the output dropped here
            places = self._display_id_map.get(display_id, {}).get(cell_index, [])
            if places and places[-1] == len(outs):
                places.pop()
        if cut:
            old_cut, old_what = self._dropped.get(cell_index, (0, []))
            self._dropped[cell_index] = (old_cut + cut, list(dict.fromkeys([*old_what, *what])))
        self._held[cell_index] = (len(outs), held + sum(output_limits.output_bytes(o) for o in kept))
        return out


class LimitOutputBytes(NbGraderPreprocessor):
    """Cap every cell's outputs at ``Limits.cell_output_kb`` and the notebook's at ``Limits.notebook_output_kb``.

    Bytes, not lines (nbgrader's LimitOutput, later in the chain, counts
    lines): the start of what a cell printed or showed is kept, the rest is
    cut, and a note at the end of the cell says how much, what kind and which
    limit (``output_limits``). It runs right after the kernel, before any
    other preprocessor reads the outputs.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        limits = Limits.from_env()
        left = limits.notebook_output_kb << 10
        dropped = resources.pop(DROPPED_OUTPUTS, {})
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            room = min(limits.cell_output_kb << 10, left)
            before = sum(output_limits.output_bytes(o) for o in cell.outputs)
            kept, cut, what = output_limits.cap_cell(cell.outputs, room)
            cut_while_running, what_while_running = dropped.get(index, (0, []))
            cell.outputs = kept
            if cut or cut_while_running:
                kept_bytes = before - cut
                cell.outputs.append(output_limits.note(
                    before + cut_while_running, kept_bytes, list(dict.fromkeys([*what_while_running, *what])),
                    limits, notebook_full=room < limits.cell_output_kb << 10))
            left = max(0, left - sum(output_limits.output_bytes(o) for o in cell.outputs))
        return nb, resources


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
        notebooks.quiet_visible_checks(nb)  # what the kernel put there (a forged result, say) is dropped too
        cells = [(cell, check_of(cell.metadata["nbgrader"]["grade_id"]))
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
            # the cell's result is its points in nbgrader: an extra-credit cell is worth 0, and ``jobs`` gives
            # what it earned as the grade's extra credit
            points = 0.0 if is_bonus(cell.metadata["nbgrader"]["grade_id"]) else result.earned
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=result.report() + "\n"),
                            nbformat.v4.new_output("execute_result", data={"text/plain": repr(points)},
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


#: The metadata key of the cell ``RubricSources`` writes (``metadata[SOURCE_KEY]`` = the task cell's grade id).
SOURCE_KEY = "nngrader_rubric_source"
#: How wide the style notes' lines are in that cell: formgrader shows a code cell's long lines scrolling sideways.
NOTES_WIDTH = 110
SOURCE_HEAD = """\
# For the TA who grades "{title}" ({points:g} points) in the task cell above: {module}.py as {student}
# submitted it, and the kit's style notes on it. They give no points; this cell is never run.
"""


class RubricSources(NbGraderPreprocessor):
    """After each rubric part's task cell, a code cell with the student's module and its style notes, for the TA.

    Formgrader shows the autograded notebook, never the student's ``.py``
    files: this cell is where the TA reads the code they grade. It is a code
    cell, so the student's text shows as text; it is added after the kernel
    ran, so it is never executed, and it carries no nbgrader metadata, so it is
    no grade. The module is read as text (``intake.small_text``: no link
    followed, a size cap); cells of this kind already in the notebook (a
    student's forgery) are dropped first.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        parts = {part.grade_id: part for part in rubric_parts(resources["nbgrader"]["assignment"])}
        folder = Path(resources["metadata"]["path"])
        cells = []
        for cell in nb.cells:
            meta = cell.get("metadata", {})
            if SOURCE_KEY in meta:
                continue
            cells.append(cell)
            part = parts.get(meta.get("nbgrader", {}).get("grade_id", "")) if is_task(cell) else None
            if part is not None:
                cells.append(_source_cell(part, folder, resources["nbgrader"]["student"]))
        nb.cells = cells
        return nb, resources


def _source_cell(part: RubricPart, folder: Path, student: str) -> nbformat.NotebookNode:
    """The TA's view of ``part``'s module in ``folder``: a header, the style notes as comments, the source."""
    name = f"{part.module}.py"
    text, why = small_text(folder, name, MAX_BYTES)
    notes = "\n".join(f"# {piece}" for line in style_notes(folder / name).summary().splitlines()
                      for piece in textwrap.wrap(line, NOTES_WIDTH, subsequent_indent="    ") or [""])
    head = SOURCE_HEAD.format(title=part.title, points=part.points, module=part.module, student=printable(student))
    source = text if text is not None else f"# {name} could not be shown: {printable(why)}"
    cell = nbformat.v4.new_code_cell(f"{head}#\n{notes}\n\n{source}")
    cell.metadata[SOURCE_KEY] = part.grade_id
    return cell


class NotGraded(KitFault):
    """The kit could not grade a submission: its autograde fails on purpose, so nothing of it is recorded."""


class CleanStudentCells(NbGraderPreprocessor):
    """Make every cell of the student's notebook inert for its feedback page (``sanitize.clean_notebook``).

    It runs after nbgrader's GetGrades, which looks cells up by their grade ids, and before ``KitReport``, whose
    report is the kit's own HTML and must reach the page as it is. The cells ``RubricSources`` wrote for the TA
    are left out: the page is the student's, and its report says how the rubric was graded.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        nb.cells = [cell for cell in nb.cells if SOURCE_KEY not in cell.get("metadata", {})]
        return sanitize.clean_notebook(nb), resources


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page in the kit's template (``feedback_template``: nothing loaded, each check named by its
    title, long lines wrapped), with the Content-Security-Policy that forbids script and remote loads in its head."""

    @default("extra_loaders")
    def _kit_templates(self) -> list:
        return [feedback_template.loader()]

    @default("template_file")
    def _kit_template_file(self) -> str:
        return feedback_template.TEMPLATE

    def from_notebook_node(self, nb: nbformat.NotebookNode, resources: dict | None = None,
                           **kw) -> tuple[str, dict]:
        page, resources = super().from_notebook_node(nb, resources, **kw)
        return sanitize.with_policy(page), resources


class KitReport(NbGraderPreprocessor):
    """Open each feedback page with the kit's report: totals, what to fix first, and this notebook's checks.

    The report shows each check once, so the grading cells below it keep no output (their verdict and points
    would be the report's text a second time): each cell is named by its check's title instead
    (``feedback_template``), linked from the page's contents.
    """

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        week = resources["nbgrader"]["assignment"]
        student = resources["nbgrader"]["student"]
        results = store.load(week, student)
        by_id = {r.id: r for r in results}
        name_grading_cells(nb, {r.id: r.title for r in results}, {r.id: r.max_points for r in results},
                           {part.grade_id: by_id[part.id] for part in rubric_parts(week) if part.id in by_id})
        module = resources["nbgrader"]["notebook"]
        html = feedback.report_html(week, student, results, module if any(
            r.id.startswith(f"{module}::") for r in results) else None,
            problems=store.problems(week, student).get(module, []), late_penalty=store.late_penalty(week, student))
        # one line: a blank line would end the HTML block and let markdown rewrite the rest
        cell = nbformat.v4.new_markdown_cell(" ".join(html.splitlines()))
        cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True, "task": False,
                                     "grade_id": "nngrader_report", "schema_version": 3}
        nb.cells.insert(0, cell)
        return nb, resources


def name_grading_cells(nb: nbformat.NotebookNode, titles: dict[str, str], worth: dict[str, float],
                       tasks: dict[str, CheckResult] | None = None) -> None:
    """Give every grading cell of ``nb`` the title of its check (``titles``: check id -> title) and, for an
    extra-credit check, what it is worth (``worth``: check id -> points), for the page's template; and no outputs:
    the kit's report on the page shows each check's verdict once. Each rubric part's task cell (``tasks``: its grade
    id -> its result) gets its title, and whether it is still "not graded yet"."""
    for cell in nb.cells:
        result = (tasks or {}).get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
        if is_task(cell) and result is not None:
            cell.metadata[feedback_template.TITLE_KEY] = {"title": f"{result.title} (graded by a TA)",
                                                          "pending": result.pending}
        if cell.cell_type != "code" or not is_grade(cell) or cell.metadata["nbgrader"].get("solution"):
            continue
        grade_id = cell.metadata["nbgrader"].get("grade_id", "")
        check = check_of(grade_id) or ""
        if grade_id.startswith(notebooks.VISIBLE_PREFIX):
            title = (f"Visible checks of {grade_id.removeprefix(notebooks.VISIBLE_PREFIX)}.py "
                     "(0 points: they run before you submit)")
        else:
            title = titles.get(check)
        if title:
            cell.metadata[feedback_template.TITLE_KEY] = {"title": title}
            if is_bonus(grade_id) and worth.get(check):
                cell.metadata[feedback_template.TITLE_KEY]["extra_credit"] = worth[check]
        cell.outputs = []
