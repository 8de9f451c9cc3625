"""nbgrader commands forked from a server that imported nbgrader once (autograder/course/nbgrader_process.py).

Each command must behave as ``python -m nbgrader`` would: its own process, in
the folder and environment it was given, with nothing left over from the
command before it, and its exit code and output returned.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from autograder.course import nbgrader_commands, nbgrader_process

#: nbgrader runs its course's nbgrader_config.py (several times per command): this one reports where it ran.
PROBE_CONFIG = """\
import json, os
json.PROBE_RUNS = getattr(json, "PROBE_RUNS", 0) + 1  # module state: starts again in a fresh process
print("PROBE", json.dumps({"cwd": os.getcwd(), "probe": os.environ.get("NNGRADER_PROBE"),
                           "home": os.environ.get("HOME"), "parent": os.getppid(), "runs": json.PROBE_RUNS}))
EXTRA
"""


def probe(folder: Path, extra: str = "", **env: str) -> tuple[int, list[dict], str]:
    """Run ``nbgrader db student list`` in ``folder`` with the probe config: (exit code, probe lines, output)."""
    (folder / "nbgrader_config.py").write_text(PROBE_CONFIG.replace("EXTRA", extra), encoding="utf-8")
    code, output = nbgrader_process.run(["db", "student", "list"], folder, nbgrader_commands.nbgrader_environment(env))
    lines = [json.loads(line.removeprefix("PROBE ")) for line in output.splitlines() if line.startswith("PROBE ")]
    return code, lines, output


def test_a_command_runs_in_its_folder_and_environment_and_returns_its_exit_code(tmp_path):
    code, lines, output = probe(tmp_path, NNGRADER_PROBE="given", HOME=str(tmp_path))
    assert code == 0, output
    assert lines, f"nbgrader did not read the course's config:\n{output}"
    assert {line["cwd"] for line in lines} == {str(tmp_path)}
    assert {line["probe"] for line in lines} == {"given"}
    assert {line["home"] for line in lines} == {str(tmp_path)}
    assert "Students" in output or "student" in output.lower()


def test_each_command_starts_fresh_from_the_server(tmp_path):
    _, first, _ = probe(tmp_path)
    _, second, _ = probe(tmp_path)
    assert first[0]["runs"] == second[0]["runs"] == 1, "the second command saw the first one's module state"
    server = nbgrader_process._server[0].pid
    assert {line["parent"] for line in first + second} == {server}, "the commands were not forked from the server"


def test_a_failing_command_returns_its_exit_code_and_message(tmp_path):
    code, output = nbgrader_process.run(["autograde", "no_such_week"], tmp_path, nbgrader_commands.nbgrader_environment())
    assert code == 1
    assert "no_such_week" in output


def test_a_command_killed_midway_is_reported_as_killed(tmp_path):
    code, _, output = probe(tmp_path, extra="os.kill(os.getpid(), 9)")
    assert code == nbgrader_process.KILLED
    assert "killed" in output


def test_course_nbgrader_raises_with_the_output_when_a_command_fails(tmp_path):
    with pytest.raises(nbgrader_commands.NbgraderError, match="no_such_week"):
        nbgrader_commands.nbgrader("autograde", "no_such_week", cwd=tmp_path)


def test_a_dead_server_is_started_again(tmp_path):
    probe(tmp_path)
    old = nbgrader_process._server[0]
    os.kill(old.pid, signal.SIGKILL)
    old.wait()
    code, lines, output = probe(tmp_path)
    assert code == 0, output
    assert nbgrader_process._server[0].pid != old.pid
    assert {line["parent"] for line in lines} == {nbgrader_process._server[0].pid}


def test_a_server_whose_socket_is_gone_is_replaced(tmp_path):
    probe(tmp_path)
    old, address = nbgrader_process._server
    Path(address).unlink()  # what a cleaner of /tmp might do
    code, lines, output = probe(tmp_path)
    assert code == 0, output
    assert old.poll() is not None, "the unreachable server was left running"
    assert {line["parent"] for line in lines} == {nbgrader_process._server[0].pid} != {old.pid}
