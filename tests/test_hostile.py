"""The hostile-submission corpus (``hostile.CASES``), graded for real in one test run.

A module-scoped fixture writes every case's folder, then grades, one after
another with ``run_checks`` (each a real limited grading process driving a
sandboxed worker): the correct submission, every hostile case, and the correct
submission again. Meanwhile a thread watches ``/proc`` for the processes those
runs start. The tests then check, per case, that the run completed, that the
checks the edit reaches fail with zero points and a message that says why,
that every other check keeps the correct submission's result (no loss, and
above all no gain), and that no message quotes the hidden graders; and, for
the whole corpus, that the correct submission got full marks both times with
identical results, that no file outside the submissions changed, that nothing
reached the host's network, that the fork bomb was held by the process limit,
and that no sandboxed process outlives its run.

Runtime: about 30 s (two cores). Every case grades two to four fast checks
that need no MNIST; the slowest are the endless loops, stopped by a 6 s wall
limit, a 3 s CPU limit and a 3 s per-check limit.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hostile import (
    CASES,
    CORRECT,
    FORK_BOMB_NAME,
    RUN_LIMIT,
    STUDENT_ID,
    WEEK,
    Hostile,
    Targets,
    checks_used,
    correct_folder,
)
from mutants import assert_no_grader_source

from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks
from autograder.results import CheckResult
from autograder.sandbox.limited import Limits, isolation

#: The user ids sandboxes run as when the kit runs as root (``sandbox.sandbox_uid``: 100000 + pid % 50000).
SANDBOX_UIDS = range(100_000, 150_000)
#: How long the processes of a finished run may take to vanish (the kernel empties a PID namespace at once).
GRACE_SECONDS = 5.0
#: What a check that did not run says when the grading process itself broke (a kit bug, never a verdict).
RUN_BROKE = "not run: the grading run ended early"


# ---------------------------------------------------------------- watching processes


def process_table() -> dict[int, tuple[int, int, str]]:
    """Every process now: pid -> (parent pid, uid, name), read from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            uid = os.stat(f"/proc/{entry}").st_uid
        except OSError:  # it ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        table[int(entry)] = (parent, uid, name)
    return table


class ProcessWatch:
    """Records, from a thread, every process descending from this test process while it is in the ``with``.

    Each process is recorded with its user id, its name, and the ``label`` the
    watch had when it was first seen (the case being graded).
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.me = os.getpid()
        self.label = ""
        self.seen: dict[int, tuple[int, str, str]] = {}   # pid -> (uid, name, label)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.poll()

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.interval)

    def poll(self) -> None:
        table = process_table()
        for pid, (_, uid, name) in table.items():
            if pid not in self.seen and self._descends(pid, table):
                self.seen[pid] = (uid, name, self.label)

    def _descends(self, pid: int, table: dict) -> bool:
        for _ in range(64):
            parent = table.get(pid, (0,))[0]
            if parent == self.me:
                return True
            if parent <= 1:
                return False
            pid = parent
        return False

    def sandbox_uids(self) -> set[int]:
        """The sandbox user ids of the processes seen (empty when the kit does not run as root)."""
        return {uid for uid, _, _ in self.seen.values() if uid in SANDBOX_UIDS}

    def named(self, name: str, label: str) -> dict[int, int]:
        """pid -> uid of the processes with this name first seen under ``label``."""
        return {pid: uid for pid, (uid, seen_name, seen_label) in self.seen.items()
                if seen_name == name and seen_label == label}

    def leftovers(self, grace: float) -> dict[int, tuple[int, int, str]]:
        """The processes still alive after ``grace`` seconds that run as a sandbox user seen, or as the bomb."""
        uids, deadline = self.sandbox_uids(), time.monotonic() + grace
        while True:
            left = {pid: row for pid, row in process_table().items() if row[1] in uids or row[2] == FORK_BOMB_NAME}
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)


# ---------------------------------------------------------------- grading the corpus


@dataclass
class Graded:
    """One grading run: its results in order and how long it took."""

    results: list[CheckResult]
    seconds: float

    @property
    def by_id(self) -> dict[str, CheckResult]:
        return {result.id: result for result in self.results}


@dataclass
class Corpus:
    targets: Targets
    correct_before: Graded
    correct_after: Graded
    cases: dict[str, Graded]
    files_before: dict[str, str]
    files_after: dict[str, str]
    watch: ProcessWatch
    leftovers: dict[int, tuple[int, int, str]]
    knocks: int   # connections that reached the host's listener


def grade(folder: Path, only: tuple[str, ...], limits: Limits, log: Path) -> Graded:
    start = time.perf_counter()
    results = run_checks(WEEK, folder, limits=limits, only=only, student_id=STUDENT_ID, log=log)
    return Graded(results, time.perf_counter() - start)


def digests(*places: Path) -> dict[str, str]:
    """SHA-256 of each file given and of every file under each folder given ("missing" for a file that is gone)."""
    found = {}
    for place in places:
        for path in sorted(place.rglob("*")) if place.is_dir() else [place]:
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    return found


def accepted(listener: socket.socket) -> int:
    """How many connections wait on ``listener`` (closing each)."""
    listener.setblocking(False)
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, mnist_dir) -> Corpus:
    """The correct submission, every hostile case, then the correct submission again, graded one after another."""
    if isolation() != "bwrap":
        pytest.skip("the hostile corpus needs the sandbox: without it, its code would really delete the kit's files")
    root = tmp_path_factory.mktemp("hostile")
    logs = root / "logs"
    logs.mkdir()
    canary = root / "canary.txt"
    canary.write_text(f"canary {os.urandom(8).hex()}\n", encoding="utf-8")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        targets = Targets(canary=canary, port=listener.getsockname()[1],
                          labels=mnist_dir.resolve() / "t10k-labels-idx1-ubyte.gz")
        folders = {case.name: case.build(root / "cases" / case.name, targets) for case in CASES}
        correct = correct_folder(root / "correct")
        watched = (*targets.protected(), root / "cases", correct)
        before = digests(*watched)
        collect_checks(WEEK)  # once, outside the timed runs
        limits = Limits(wall_seconds=RUN_LIMIT)
        with ProcessWatch() as watch:
            correct_before = grade(correct, checks_used(), limits, logs / "correct-before.log")
            cases = {}
            for case in CASES:
                watch.label = case.name
                cases[case.name] = grade(folders[case.name], case.only, case.limits, logs / f"{case.name}.log")
            watch.label = ""
            correct_after = grade(correct, checks_used(), limits, logs / "correct-after.log")
        leftovers = watch.leftovers(GRACE_SECONDS)
        knocks = accepted(listener)
    return Corpus(targets, correct_before, correct_after, cases, before, digests(*watched), watch, leftovers,
                  knocks)


def in_grader_order(only: tuple[str, ...]) -> list[str]:
    return [spec.id for spec in collect_checks(WEEK) if spec.id in only]


def case_param():
    return pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)


# ---------------------------------------------------------------- the corpus itself (no grading)


@case_param()
def test_case_is_a_real_edit_of_the_correct_submission(case: Hostile):
    """Does every case change its module for real (each snippet found exactly once, every placeholder filled,
    Python syntax kept) or the folder's layout, and grade a few existing checks, including its affected ones and
    (but for the empty folder) one that must still pass?"""
    source = (CORRECT / f"{case.module}.py").read_text(encoding="utf-8")
    targets = Targets(canary=Path("/nonexistent/canary"), port=9, labels=Path("/nonexistent/labels.gz"))
    edited = case.apply(source, targets)
    if case.edits:
        assert edited != source
        compile(edited, f"{case.module}.py", "exec")
        assert not re.search(r"@[A-Z_]+@", edited), "a placeholder was left in the hostile code"
    else:
        assert case.layout, "a case without edits must change the folder's layout"
    known = {spec.id for spec in collect_checks(WEEK)}
    assert set(case.only) <= known and len(set(case.only)) == len(case.only) <= 4
    assert set(case.fails) <= set(case.only)
    assert any(check.startswith(f"{case.module}::") for check in case.only)
    if case.layout != "empty":
        assert set(case.only) - set(case.fails), "no check is left to show that the rest still passes"


def test_case_names_are_unique():
    """Does every case have its own name (the test ids, the folders and the logs are named after it)?"""
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


def load_unconfined(folder: Path, module: str, alias: str):
    """Import ``module`` from ``folder`` into this process: the hostile code runs with no sandbox at all."""
    spec = importlib.util.spec_from_file_location(alias, folder / f"{module}.py")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@pytest.fixture
def decoys(tmp_path) -> Targets:
    """Targets whose files are throw-away copies: what the hostile code may wreck when nothing confines it."""
    real = Targets(canary=tmp_path / "canary.txt", port=0)
    for name, source in (("canary.txt", None), ("test_activations.py", real.grader), ("rpc.py", real.kit_file),
                         ("activations.py", real.solution)):
        (tmp_path / name).write_bytes(source.read_bytes() if source else b"canary\n")
    (tmp_path / "labels.gz").write_bytes(b"labels")
    listener = socket.create_server(("127.0.0.1", 0))
    yield Targets(canary=tmp_path / "canary.txt", port=listener.getsockname()[1],
                  grader=tmp_path / "test_activations.py", solution=tmp_path / "activations.py",
                  kit_file=tmp_path / "rpc.py", labels=tmp_path / "labels.gz")
    listener.close()


def test_escape_attempts_succeed_without_the_sandbox(decoys: Targets, tmp_path):
    """Control: run in this process, unconfined, against throw-away copies, does the corpus's hostile code really
    delete, overwrite and read those files and reach a listening port? (So that the same code passing its checks in
    the sandbox, with the real files intact, proves the sandbox stopped it.)"""
    by_name = {case.name: case for case in CASES}
    z = np.linspace(-2.0, 2.0, 7)

    def run(name: str, function: str):
        folder = by_name[name].build(tmp_path / name, decoys)
        return getattr(load_unconfined(folder, "activations", f"unconfined_{name.replace('-', '_')}"), function)(z)

    with pytest.raises(RuntimeError, match="LEAKED: .*test_activations.py.*activations.py.*labels.gz"):
        run("reads-hidden-files", "sigmoid")
    run("writes-files-outside-its-folder", "sigmoid")
    for path in decoys.protected():
        assert path.read_bytes().endswith(b"written by a submission')\n"), path
    run("deletes-files-outside-its-folder", "sigmoid")
    assert not any(path.exists() for path in decoys.protected())
    assert run("connects-and-catches-the-error", "tanh") is z  # reached the port: the wrong value
    run("connects-to-the-hosts-loopback", "tanh")  # no ConnectionRefusedError here


# ---------------------------------------------------------------- per case


@case_param()
def test_run_completes_with_one_result_per_requested_check(case: Hostile, corpus: Corpus):
    """Does the grading run of every hostile case reach its end: one result per requested check, in the graders'
    order, none of them 'not run' because the grading process itself broke?"""
    results = corpus.cases[case.name].results
    assert [r.id for r in results] == in_grader_order(case.only)
    broke = {r.id: r.message for r in results if r.message.startswith(RUN_BROKE)}
    assert not broke, broke


@case_param()
def test_affected_checks_fail_with_zero_points_and_say_why(case: Hostile, corpus: Corpus):
    """Does every check the hostile edit reaches fail with 0 points, its message holding the case's phrases and a
    hint, and does no other check fail?"""
    found = corpus.cases[case.name].by_id
    failed = {check: result.message for check, result in found.items() if not result.passed}
    assert set(failed) == set(case.fails), (case.about, failed)
    for check, phrases in case.fails.items():
        result = found[check]
        assert result.points == 0
        missing = [phrase for phrase in (*phrases, "hint:") if phrase not in result.message]
        assert not missing, f"{check}: {missing} not in\n{result.message}\n({case.about})"


@case_param()
def test_other_checks_keep_the_correct_submissions_result(case: Hostile, corpus: Corpus):
    """Does every check the edit does not reach pass with the points the correct submission gets, and does the
    hostile submission never score more than the correct one on the same checks (no gain)?"""
    found, correct = corpus.cases[case.name].by_id, corpus.correct_before.by_id
    for check in set(case.only) - set(case.fails):
        assert found[check].passed, f"{check} lost by the hostile edit:\n{found[check].message}\n({case.about})"
        assert found[check].points == correct[check].points
    assert sum(found[check].points for check in case.only) <= sum(correct[check].points for check in case.only)


@case_param()
def test_messages_quote_no_grader_source(case: Hostile, corpus: Corpus):
    """Are the messages of every hostile case free of the hidden graders' code?"""
    assert_no_grader_source(corpus.cases[case.name].results)


# ---------------------------------------------------------------- the whole corpus


def test_correct_submission_gets_full_marks_before_and_after_the_corpus(corpus: Corpus):
    """Does the correct submission, graded before and after all hostile cases, pass every check the corpus uses
    with full points, and get identical results (passed and points per check) both times?"""
    for graded in (corpus.correct_before, corpus.correct_after):
        assert [r.id for r in graded.results] == in_grader_order(checks_used())
        failed = {r.id: r.message for r in graded.results if not r.passed}
        assert not failed, failed
        assert all(r.points == r.max_points > 0 for r in graded.results)
    summary = [[(r.id, r.passed, r.points) for r in graded.results]
               for graded in (corpus.correct_before, corpus.correct_after)]
    assert summary[0] == summary[1]


def test_files_outside_the_submission_are_unchanged(corpus: Corpus):
    """Are the canary file, the hidden grader and the kit's rpc.py (shown read-only in the sandbox) byte for byte
    what they were, and are the submitted folders unchanged (the sandbox shows them read-only at /srv/submitted),
    after code that tried to delete, overwrite and append to all of them?"""
    for path in corpus.targets.protected():
        assert str(path) in corpus.files_before and corpus.files_before[str(path)] != "missing"
    changed = {path: (digest, corpus.files_after.get(path, "missing"))
               for path, digest in corpus.files_before.items() if corpus.files_after.get(path) != digest}
    assert not changed, changed
    assert set(corpus.files_after) == set(corpus.files_before), "files appeared next to the submissions"


def test_no_connection_reached_the_hosts_loopback(corpus: Corpus):
    """Did none of the cases' connection attempts to the port the test listens on reach it (the sandbox has its
    own loopback, and no network at all)?"""
    assert corpus.knocks == 0


@pytest.mark.parametrize("case", [case for case in CASES if case.name.startswith("fork-bomb")], ids=lambda c: c.name)
def test_fork_bomb_was_held_by_the_process_limit(case: Hostile, corpus: Corpus):
    """Did each fork bomb really fork (its processes were seen while its case was graded, under a sandbox user when
    the kit runs as root), and never beyond Limits.processes (the worker counts as one)?"""
    bomb = corpus.watch.named(FORK_BOMB_NAME, case.name)
    assert len(bomb) >= 2, "no fork bomb process was seen: the case did not do what it says"
    assert len(bomb) < case.limits.processes
    if os.geteuid() == 0:
        assert all(uid in SANDBOX_UIDS for uid in bomb.values()), bomb


def test_no_sandboxed_process_outlives_its_run(corpus: Corpus):
    """When the corpus is graded, does no process remain that ran as one of its sandboxes' users (or as the fork
    bomb), whatever the student's code started, crashed or left looping?"""
    if os.geteuid() == 0:
        assert corpus.watch.sandbox_uids(), "no sandboxed process was seen: the check below would prove nothing"
    assert not corpus.leftovers, corpus.leftovers


def test_wall_limit_stops_an_endless_loop_on_time(corpus: Corpus):
    """Does the run whose code loops for ever end at its wall limit (Limits.wall_seconds), not later?"""
    case = next(case for case in CASES if case.name == "endless-loop-wall-limit")
    seconds = corpus.cases[case.name].seconds
    assert case.limits.wall_seconds <= seconds < case.limits.wall_seconds + 10
