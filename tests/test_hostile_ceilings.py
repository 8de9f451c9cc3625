"""Ceilings on every place student code can write and on everything that crosses back from it (issue 12, item 3).

Each attack fills something that used to have no ceiling:

* the notebook kernel's socket folder (a host folder it could write in: a
  notebook once put 1.5 GB and 20,000 files there) and the sandbox's own
  folders (without root, bubblewrap's root and ``/dev`` were writable tmpfs of
  half the RAM, ``/dev/shm`` included; as root ``/dev/shm`` was closed, so
  multiprocessing failed);
* a file as large as the disk allows (no RLIMIT_FSIZE);
* notebook outputs (nbgrader's LimitOutput counts lines: 100 MB on one line
  reached the feedback page whole), and nbgrader's memory while a cell prints;
* a value returned to the grading process (a 1.6 GB array was read whole
  outside the sandbox).

Through real nbgrader where the attack goes through a notebook: one course,
one student whose modules are the released stubs (the score is not the
point) and whose notebooks attack (module fixture, about 40 s). The sandbox
attacks run in both modes of the kit: as root, and without root (simulated
from root by a user namespace in which the kit's user is 1234, as for any
unprivileged instructor). Runtime: about 2 minutes on two cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hostile import SIGMOID, SIGMOID_DEF, STUDENT_ID, TANH, WEEK, correct_folder, first_lines
from mutants import edit

from autograder import paths
from autograder.course import output_limits, workflow
from autograder.course.nbgrader_hooks import KERNEL_LOG_BYTES
from autograder.grading.runner import run_checks
from autograder.jail.rpc import Connection, PeerGone, ValueTooLarge
from autograder.reporting import reports
from autograder.sandbox.limited import Limits, confined_argv, isolation

STUDENT = "hoarder"
LIMITS = Limits()
#: How much the attacks try to write or print: well beyond every ceiling.
HOARD_MB = 5
HOARD_FILES = 2000
PRINTED_MB = 100
#: The largest feedback page the kit's report plus one notebook's capped outputs may give (the report, nbconvert's
#: CSS and the notebook's cells are about 0.5 MB; the outputs at most Limits.notebook_output_kb).
MAX_FEEDBACK_PAGE = (LIMITS.notebook_output_kb << 10) + (2 << 20)

#: A cell that tries to write data and files where the kernel's sockets and connection file are, and in the folders
#: of the sandbox itself; it prints what it managed, as JSON after "CEILINGS".
FILL_CELL = f"""\
import json, os
from ipykernel import get_connection_file

def fill(folder, megabytes={HOARD_MB}, files={HOARD_FILES}):
    written = made = 0
    try:
        with open(os.path.join(folder, "hoard.bin"), "wb") as f:
            for _ in range(megabytes):
                f.write(b"x" * (1 << 20))
                f.flush()
                written += 1 << 20
    except OSError:
        pass
    try:
        for i in range(files):
            open(os.path.join(folder, f"hoard-{{i}}"), "w").close()
            made += 1
    except OSError:
        pass
    return [written, made]

connection = get_connection_file()
places = {{"connection file's folder": os.path.dirname(connection),
          "socket folder": os.path.dirname(json.load(open(connection))["ip"]),
          "sandbox root": "/", "/dev": "/dev", "/opt": "/opt"}}
print("CEILINGS", json.dumps({{name: fill(folder) for name, folder in places.items()}}))
"""
NORMAL_CELL = "import numpy as np\nprint('still running', int(np.arange(7).sum() * 2))"
NORMAL_OUTPUT = "still running 42"
#: One line of PRINTED_MB, printed in 1 MB pieces (as a long computation would, so that it streams out).
PRINT_CELL = f"for _ in range({PRINTED_MB}):\n    print('x' * (1 << 20), end='', flush=True)"
#: A 3 MB "image": too large for any cell, and an image cannot be cut, only dropped.
IMAGE_CELL = ("import base64, os\nfrom IPython.display import display\n"
              "display({'image/png': base64.b64encode(os.urandom(3 << 20)).decode(), 'text/plain': '<a big plot>'},"
              " raw=True)")
#: Cells of 0.9 MB each: every one fits a cell, together they are over a notebook's outputs.
MANY_CELLS = 12
MANY_CELL = "print('y' * (900 << 10))"


def hoarder_files(folder: Path) -> Path:
    """The released stubs, with the attacks in two notebooks (activations: sockets, printing, an image;
    perceptron: many cells of output)."""
    shutil.copytree(paths.ASSIGNMENTS / WEEK, folder)
    nb = nbformat.read(folder / "activations.ipynb", as_version=4)
    nb.cells[1:1] = [nbformat.v4.new_code_cell(source) for source in (FILL_CELL, PRINT_CELL, IMAGE_CELL, NORMAL_CELL)]
    nbformat.write(nb, folder / "activations.ipynb")
    nb = nbformat.read(folder / "perceptron.ipynb", as_version=4)
    nb.cells[1:1] = [nbformat.v4.new_code_cell(MANY_CELL) for _ in range(MANY_CELLS)]
    nbformat.write(nb, folder / "perceptron.ipynb")
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory, mnist_dir):
    """A course where the hoarder's submission was released to, submitted, collected, autograded and fed back."""
    if isolation() != "bwrap":
        pytest.skip("the ceilings are the sandbox's")
    root = tmp_path_factory.mktemp("course")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NNGRADER_COURSE_DIR", str(root))
        env.setenv("NNGRADER_EXCHANGE", str(root / "exchange"))
        workflow.release(WEEK)
        workflow.submit(WEEK, STUDENT, hoarder_files(tmp_path_factory.mktemp("hoarder") / STUDENT))
        workflow.collect(WEEK)
        grades, outcomes = workflow.grade(WEEK, progress=False)
        workflow.feedback(WEEK)
        rows = reports.read_grades(grades, WEEK)
    return {"root": root, "outcomes": {o.student: o for o in outcomes}, "rows": {r["student_id"]: r for r in rows}}


def autograded(graded, notebook: str) -> nbformat.NotebookNode:
    return nbformat.read(graded["root"] / "autograded" / STUDENT / WEEK / f"{notebook}.ipynb", as_version=4)


def cell_with(nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    return next(cell for cell in nb.cells if cell.source == source)


def text_of(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def cell_bytes(cell: nbformat.NotebookNode) -> int:
    return sum(output_limits.output_bytes(o) for o in cell.outputs)


def filled(text: str) -> dict[str, list[int]]:
    """What FILL_CELL managed to write, by place: [bytes, files]."""
    line = next(line for line in text.splitlines() if line.startswith("CEILINGS "))
    return json.loads(line.removeprefix("CEILINGS "))


NOTHING_WRITTEN = {"connection file's folder": [0, 0], "socket folder": [0, 0], "sandbox root": [0, 0],
                   "/dev": [0, 0], "/opt": [0, 0]}


# ---------------------------------------------------------------- the kernel's sockets, through nbgrader


def test_kernel_cannot_write_where_its_sockets_are_and_the_notebook_still_runs(graded):
    """Under `make grade`, can a notebook cell write neither data nor files where its kernel's sockets and
    connection file are, nor anywhere in the sandbox outside its sized folders, while the notebook's other cells
    run normally and the submission is graded (stubs: 0 points, in grades.csv)?"""
    nb = autograded(graded, "activations")
    assert filled(text_of(cell_with(nb, FILL_CELL))) == NOTHING_WRITTEN
    assert NORMAL_OUTPUT in text_of(cell_with(nb, NORMAL_CELL))
    assert graded["outcomes"][STUDENT].status == "graded", graded["outcomes"][STUDENT]
    assert float(graded["rows"][STUDENT]["score"]) == 0


# ---------------------------------------------------------------- notebook outputs, through nbgrader


def test_a_cell_printing_100_MB_keeps_its_first_megabyte_and_says_what_was_cut(graded):
    """Does a cell that printed 100 MB on one line keep only the start of it, within Limits.cell_output_kb, with a
    note that says how much it printed and which limit cut it?"""
    cell = cell_with(autograded(graded, "activations"), PRINT_CELL)
    note = cell.outputs[-1]
    assert cell_bytes(cell) - output_limits.output_bytes(note) <= LIMITS.cell_output_kb << 10
    assert text_of(cell).startswith("x" * 1000)
    assert note.name == "stderr" and f"came to {PRINTED_MB:.1f} MB" in note.text, note.text
    assert "the first 1.0 MB are kept" in note.text and "NNGRADER_CELL_OUTPUT_KB" in note.text


def test_an_image_too_large_for_a_cell_is_dropped_and_named(graded):
    """Is a 3 MB image (which cannot be cut) dropped, its plain-text form kept, and the note naming image/png?"""
    cell = cell_with(autograded(graded, "activations"), IMAGE_CELL)
    assert not any("image/png" in o.get("data", {}) for o in cell.outputs)
    assert any(o.get("data", {}).get("text/plain") == "<a big plot>" for o in cell.outputs)
    assert "image/png cut" in cell.outputs[-1].text


def test_a_notebooks_outputs_together_are_capped(graded):
    """Do many cells that each fit a cell stop keeping output once the notebook's outputs reach
    Limits.notebook_output_kb, the later cells saying that this limit cut them?"""
    nb = autograded(graded, "perceptron")
    cells = [cell for cell in nb.cells if cell.source == MANY_CELL]
    assert len(cells) == MANY_CELLS
    assert sum(cell_bytes(cell) for cell in nb.cells if cell.cell_type == "code") <= \
        (LIMITS.notebook_output_kb << 10) + MANY_CELLS * 1024  # at most a short note per cell beyond the limit
    assert "NNGRADER_NOTEBOOK_OUTPUT_KB" in cells[-1].outputs[-1].text
    assert len(text_of(cells[0])) == (900 << 10) + 1  # the first cells are whole (and their newline)


def test_feedback_pages_stay_small(graded):
    """Is every feedback page of the hoarder (whose cells printed 100 MB, a 3 MB image and 11 MB in 12 cells)
    within one notebook's output limit plus the page itself?"""
    pages = sorted((graded["root"] / "feedback" / STUDENT / WEEK).glob("*.html"))
    assert len(pages) == len(list((paths.ASSIGNMENTS / WEEK).glob("*.ipynb")))
    sizes = {page.name: page.stat().st_size for page in pages}
    assert max(sizes.values()) <= MAX_FEEDBACK_PAGE, sizes


# ---------------------------------------------------------------- both modes of the sandbox, without nbgrader


def unprivileged(argv: list[str]) -> list[str]:
    """``argv`` run as the kit runs without root: as is when we are not root, else in a user namespace where the
    kit's user is 1234 (so it uses bubblewrap's --unshare-user, as an unprivileged instructor would)."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is needed to try the kit's mode without root")
    return ["unshare", "--user", "--map-user=1234", "--map-group=1234", *argv]


MODES = ["as root", "without root"] if os.geteuid() == 0 else ["without root"]


def run_python(code: str, mode: str, cwd: Path, timeout: float = 300) -> str:
    """Run ``code`` in a fresh Python of the kit (in ``mode``) and return its stdout; fails on a non-zero exit."""
    argv = [sys.executable, "-c", textwrap.dedent(code)]
    done = subprocess.run(unprivileged(argv) if mode == "without root" else argv, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


KERNEL_RUN = """\
import sys, nbformat
from nbclient import NotebookClient
from autograder.course.nbgrader_hooks import SandboxedKernelManager
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sys.argv[1:]])
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, timeout=120,
               resources={"metadata": {"path": "."}}).execute()
print(nbformat.writes(nb))
"""


@pytest.mark.parametrize("mode", MODES)
def test_kernel_sockets_hold_no_data_in_either_mode(mode, tmp_path):
    """In both modes of the sandbox (without root, the kernel's user is ours and could chmod a folder it owns),
    does the kit's kernel run a notebook normally while a cell can write nothing where its sockets are?"""
    if isolation() != "bwrap":
        pytest.skip("the ceilings are the sandbox's")
    code = KERNEL_RUN.replace("sys.argv[1:]", repr([FILL_CELL, NORMAL_CELL]))
    nb = nbformat.reads(_last_json(run_python(code, mode, tmp_path)), as_version=4)
    assert filled(text_of(nb.cells[0])) == NOTHING_WRITTEN
    assert NORMAL_OUTPUT in text_of(nb.cells[1])


#: A cell that writes 4.8 MB past ipykernel's capture of its output, to the descriptor it kept of its own stdout.
KERNEL_STDOUT_CELL = """\
import os, sys
fd = getattr(sys.stdout, "_original_stdstream_copy", None) or 1
for _ in range(300):
    os.write(fd, b"H" * 16384)
print("wrote")
"""


def test_what_a_cell_writes_to_the_kernels_own_stdout_reaches_nbgraders_log_capped(tmp_path):
    """Does a cell writing 4.8 MB to the kernel's own stdout (not a cell output: what nbgrader logs, and the kit
    reads whole) get at most nbgrader_hooks.KERNEL_LOG_BYTES into the log, the notebook running on?"""
    if isolation() != "bwrap":
        pytest.skip("the ceilings are the sandbox's")
    code = KERNEL_RUN.replace("sys.argv[1:]", repr([KERNEL_STDOUT_CELL]))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "wrote" in text_of(nbformat.reads(_last_json(done.stdout), as_version=4).cells[0])
    logged = (done.stdout + done.stderr).count("H")
    assert 0 < logged <= KERNEL_LOG_BYTES, f"{logged} bytes of the cell's writes reached the log"


def _last_json(stdout: str) -> str:
    """The notebook KERNEL_RUN printed last (the kernel's own banner may come before it)."""
    return stdout[stdout.rindex('{\n "cells"'):]


#: Run in the sandbox (the scratch copy of a folder holding only this file): what each ceiling let through.
PROBE = """\
import errno, json, multiprocessing, os
from multiprocessing import shared_memory

found = {}
with multiprocessing.Pool(2) as pool:
    found["pool"] = pool.map(abs, [-1, -2, 3])
memory = shared_memory.SharedMemory(create=True, size=1 << 20)
memory.buf[:] = b"y" * (1 << 20)
memory.close()
memory.unlink()
found["shared memory"] = "ok"

def write(path, megabytes):
    written = 0
    try:
        with open(path, "wb") as f:
            for _ in range(megabytes):
                f.write(b"x" * (1 << 20))
                f.flush()
                written += 1 << 20
    except OSError as error:
        return [written, errno.errorcode[error.errno]]
    finally:
        if os.path.exists(path):
            os.remove(path)
    return [written, None]

found["/dev/shm"] = write("/dev/shm/hoard", 100)
for folder in ("/", "/dev", "/opt", "/srv", "/usr"):
    found[folder] = write(os.path.join(folder, "hoard"), 1)
try:
    with open("/tmp/sparse", "wb") as f:
        f.seek(FILE_LIMIT)  # a file just past the file-size limit, without filling any disk
        f.write(b"x")
    found["file past the limit"] = None
except OSError as error:
    found["file past the limit"] = errno.errorcode[error.errno]
print("PROBE", json.dumps(found))
"""

PROBE_RUN = """\
import subprocess, sys
from pathlib import Path
from autograder.sandbox.limited import Limits, confined_argv
argv = confined_argv(Path("folder"), [sys.executable, "probe.py"], Limits())
done = subprocess.run(argv, capture_output=True, text=True)
print(done.stdout, done.stderr[-2000:])
"""


@pytest.mark.parametrize("mode", MODES)
def test_only_the_sized_folders_are_writable_and_shared_memory_works_within_its_cap(mode, tmp_path):
    """In both modes, inside the sandbox: do multiprocessing and shared memory work, does /dev/shm stop at
    Limits.shm_mb, are the sandbox's own folders read-only, and is no file allowed past Limits.disk_mb?"""
    if isolation() != "bwrap":
        pytest.skip("the ceilings are the sandbox's")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "probe.py").write_text(PROBE.replace("FILE_LIMIT", str(LIMITS.disk_mb << 20)), encoding="utf-8")
    out = run_python(PROBE_RUN, mode, tmp_path)
    assert "PROBE " in out, out
    found = json.loads(out.split("PROBE ", 1)[1].splitlines()[0])
    assert found["pool"] == [1, 2, 3] and found["shared memory"] == "ok"
    written, error = found["/dev/shm"]
    assert error == "ENOSPC" and written <= LIMITS.shm_mb << 20, found["/dev/shm"]
    for place in ("/", "/dev", "/opt", "/srv", "/usr"):
        assert found[place][0] == 0 and found[place][1] in ("EROFS", "EACCES"), (place, found[place])
    assert found["file past the limit"] == "EFBIG"


def test_file_size_limit_holds_without_the_sandbox_too(tmp_path, monkeypatch):
    """With NNGRADER_SANDBOX=off (the student's code writes in the real folder, with no tmpfs to fill), does a file
    still stop at Limits.disk_mb, with "File too large"?"""
    monkeypatch.setenv("NNGRADER_SANDBOX", "off")
    (tmp_path / "big.py").write_text(textwrap.dedent("""\
        try:
            with open("big.bin", "wb") as f:
                for _ in range(24):
                    f.write(b"x" * (1 << 20))
                    f.flush()
        except OSError as error:
            print(error)
        """), encoding="utf-8")
    argv = confined_argv(tmp_path, [sys.executable, "big.py"], Limits(disk_mb=16))
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "File too large" in done.stdout, done.stdout + done.stderr
    assert (tmp_path / "big.bin").stat().st_size == 16 << 20


def test_shared_memory_beyond_its_cap_costs_the_check_with_a_clear_reason(tmp_path):
    """Does a function that fills more shared memory than Limits.shm_mb lose its own check with a message that
    names /dev/shm and its size, while the module's other checks pass?"""
    if isolation() != "bwrap":
        pytest.skip("the ceilings are the sandbox's")
    folder = correct_folder(tmp_path / "shm")
    path = folder / "activations.py"
    path.write_text(edit(path.read_text(encoding="utf-8"), *first_lines(SIGMOID_DEF, """\
        from multiprocessing import shared_memory
        memory = shared_memory.SharedMemory(create=True, size=128 << 20)
        np.frombuffer(memory.buf, dtype=np.uint8)[:] = 1
        """)), encoding="utf-8")
    results = {r.id: r for r in run_checks(WEEK, folder, only=(SIGMOID, TANH), student_id=STUDENT_ID)}
    assert not results[SIGMOID].passed
    assert "/dev/shm" in results[SIGMOID].message and f"{LIMITS.shm_mb} MB" in results[SIGMOID].message, \
        results[SIGMOID].message
    assert results[TANH].passed, results[TANH].message


# ---------------------------------------------------------------- what crosses back to the grading process


def test_a_huge_return_value_is_refused_before_the_grading_process_builds_it(tmp_path):
    """When a student's function returns 1.6 GB, does the grading process (outside the sandbox) refuse it from its
    declared size, with its peak memory (VmHWM) staying near what it was, instead of growing by 1.6 GB?"""
    if isolation() != "bwrap":
        pytest.skip("the ceilings are the sandbox's")
    folder = tmp_path / "huge"
    folder.mkdir()
    (folder / "huge.py").write_text("import numpy as np\n\n\ndef ones(n):\n    return np.ones(n)\n", encoding="utf-8")
    out = run_python(f"""\
        from pathlib import Path
        from autograder.jail.rpc import ValueTooLarge
        from autograder.sandbox.limited import Limits
        from autograder.sandbox.student_process import StudentProcess

        def peak_mb():
            status = open("/proc/self/status").read()
            return int(status.split("VmHWM:")[1].split()[0]) >> 10

        process = StudentProcess(Path({str(folder)!r}), Limits())
        huge = process.import_module("huge")
        before = peak_mb()
        try:
            huge.ones(200_000_000)
            outcome = "accepted"
        except ValueTooLarge as error:
            outcome = f"refused {{error.size}}"
        process.stop()
        print("PEAK", before, peak_mb(), outcome)
        """, "as root" if os.geteuid() == 0 else "without root", tmp_path)
    before, after, outcome, *size = out.split("PEAK ", 1)[1].split()
    assert outcome == "refused" and int(size[0]) == 1_600_000_000, out
    assert int(after) - int(before) < 64, f"the grading process's peak grew from {before} MB to {after} MB"


def test_a_check_whose_function_returns_too_much_says_which_limit(tmp_path):
    """Does a function returning 80 MB (over Limits.return_mb) fail its check with expected/got/hint that name
    NNGRADER_RETURN_MB, while another check of the module passes on a fresh process?"""
    if isolation() != "bwrap":
        pytest.skip("the ceilings are the sandbox's")
    folder = correct_folder(tmp_path / "big")
    path = folder / "activations.py"
    path.write_text(edit(path.read_text(encoding="utf-8"), *first_lines(SIGMOID_DEF, "return np.ones(10_000_000)\n")),
                    encoding="utf-8")
    results = {r.id: r for r in run_checks(WEEK, folder, only=(SIGMOID, TANH), student_id=STUDENT_ID)}
    message = results[SIGMOID].message
    assert not results[SIGMOID].passed
    for phrase in ("too large", "expected: at most 64.0 MB of array data", "NNGRADER_RETURN_MB",
                   "got:      76.3 MB of array data", "hint:"):
        assert phrase in message, message
    assert results[SIGMOID].data["symptoms"] == {"raised": "too_large"}
    assert results[TANH].passed, results[TANH].message


def connected_pair(value_limit: int) -> tuple[Connection, threading.Thread]:
    """The grader's end of a connection (refusing more than ``value_limit`` bytes of fresh array data) and a thread
    serving the other end, as the worker does."""
    ours, theirs = socket.socketpair()
    worker = Connection(theirs, side="w", trusted_peer=True, peer_name="grader")

    def serve() -> None:
        with contextlib.suppress(PeerGone):  # the grader hangs up on a reply it refused
            worker.serve()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return Connection(ours, side="g", trusted_peer=False, value_limit=value_limit), thread


def test_a_lent_array_still_comes_back_changed_beyond_the_cap_but_a_fresh_one_does_not():
    """Does a 4 MB array the grader lends (the accuracy check lends 188 MB of training images) come back changed in
    place under a 1 MB cap on fresh values, while a fresh 4 MB value is refused?"""
    grader, thread = connected_pair(value_limit=1 << 20)
    numpy = grader.request("import", None, "numpy")
    lent = np.arange(1 << 19, dtype=np.float64)
    numpy.negative(lent, out=lent)
    assert lent[1] == -1.0 and lent[-1] == -(len(lent) - 1)
    with pytest.raises(ValueTooLarge) as refused:
        numpy.zeros(1 << 19)
    assert refused.value.size == 4 << 20 and refused.value.limit == 1 << 20
    grader.sock.close()
    thread.join(timeout=10)
