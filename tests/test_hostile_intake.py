"""Hostile intake: what students put into the exchange, through real nbgrader submit, the kit's collect,
real nbgrader autograde and feedback.

One class goes through the flow once (module fixture):
- ``victim`` submits the correct sample with ``nbgrader submit``;
- ``linker`` submits, then replaces files of their exchange folder with links: modules to the solutions,
  links to a hidden grader, ``/etc/shadow``, the gradebook (relative, as a job's archive would resolve it),
  ``/dev/zero``, a dangling link, a link to the whole ``autograder/`` folder, and a fifo;
- a folder under ``victim``'s name written by another user, one dated tomorrow, one whose name holds no
  time, one with a bad ``timestamp.txt``, one without ``submission_secret.txt``: all quarantined;
- ``liar`` claims to have submitted three days ago;
- ``hoarder`` hands in 20,000 small files beside the modules.
Each test asks one question of the result.
"""

import datetime as dt
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from leaks import leaked, solution_code_lines

from autograder import intake, paths
from autograder.course import jobs, lock, nbgrader_commands, preflight, workflow
from autograder.faults import KitFault
from autograder.grading.checklist import collect_checks
from autograder.reporting import reports

WEEK = "week03"
CHECK_POINTS = sum(check.points for check in collect_checks(WEEK) if not check.bonus)  # rubric aside
#: The correct sample answers the quiz of the student "correct_student": under another name it loses just that.
QUIZ_POINTS = next(c.points for c in collect_checks(WEEK) if c.module == "forward_prop" and "quiz" in c.name)
CORRECT = paths.EXAMPLES / "correct_student"
STUDENT_UID = 54321  # an unprivileged user id with no name: "another student"


def inbound() -> Path:
    return nbgrader_commands.exchange_dir() / nbgrader_commands.COURSE_ID / "inbound"


def folder_of(student: str) -> Path:
    """The student's (only) folder in the exchange's inbound."""
    (found,) = [p for p in inbound().iterdir() if p.name.startswith(f"{student}+{WEEK}+")]
    return found


def forge(name: str, like: Path, timestamp: str | None = None, secret: bool = True, uid: int | None = None) -> Path:
    """A folder in the inbound named ``name``, holding ``like``'s files (a stub student's, say)."""
    target = inbound() / name
    shutil.copytree(like, target)
    if timestamp is not None:
        (target / "timestamp.txt").write_text(timestamp)
    if not secret:
        (target / "submission_secret.txt").unlink()
    if uid is not None:
        for path in [target, *target.rglob("*")]:
            os.lchown(path, uid, uid)
    return target


def stamp(when: dt.datetime) -> str:
    return when.strftime(intake.TIME_FORMAT)


def protected() -> dict[Path, str]:
    """The files no submission may change, with their SHA-256."""
    files = [*sorted((paths.SOLUTIONS / WEEK).glob("*.py")), *sorted((paths.GRADERS / WEEK).glob("*.py")),
             Path("/etc/shadow")]
    return {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


@pytest.fixture(scope="module")
def intake_class(course_env, mnist_dir, tmp_path_factory):
    """The class above, released, submitted, collected, graded and given feedback."""
    if os.geteuid() != 0:
        pytest.fail("the hostile intake tests plant folders owned by another user: run them as root (CI does)")
    root = course_env
    before = protected()
    workflow.release(WEEK)
    workflow.submit(WEEK, "victim", CORRECT)
    workflow.submit(WEEK, "linker", paths.ASSIGNMENTS / WEEK)  # stubs, and three links to the solutions
    workflow.submit(WEEK, "liar", CORRECT)
    workflow.submit(WEEK, "hoarder", paths.ASSIGNMENTS / WEEK)
    victim = folder_of("victim")
    now = dt.datetime.now(dt.timezone.utc)

    linked = folder_of("linker")
    for module in ("simple_nn.py", "activations.py", "perceptron.py"):
        (linked / module).unlink()
        (linked / module).symlink_to(paths.SOLUTIONS / WEEK / module)
    (linked / "grader.txt").symlink_to(paths.GRADERS / WEEK / "test_simple_nn.py")
    (linked / "shadow.txt").symlink_to("/etc/shadow")
    (linked / "gradebook.txt").symlink_to("../../../gradebook.db")
    (linked / "zero.txt").symlink_to("/dev/zero")
    (linked / "dangling.txt").symlink_to("/nonexistent/nothing")
    (linked / "kit").symlink_to(paths.GRADERS, target_is_directory=True)
    os.mkfifo(linked / "pipe")
    (linked / "hardlink.py").write_text("a file with a second name")
    os.link(linked / "hardlink.py", linked / "second_name.py")

    stub = tmp_path_factory.mktemp("stub") / "stub"
    shutil.copytree(victim, stub)
    for module in nbgrader_commands.student_modules(WEEK):
        shutil.copy2(paths.ASSIGNMENTS / WEEK / module, stub / module)
    tomorrow = now + dt.timedelta(days=1)
    forge(f"victim+{WEEK}+{stamp(now)}+forged", stub, timestamp=stamp(now), uid=STUDENT_UID)
    forge(f"victim+{WEEK}+{stamp(tomorrow)}+future", stub, timestamp=stamp(tomorrow))
    forge(f"victim+{WEEK}+not a time+badname", stub)
    forge(f"victim+{WEEK}+{stamp(now)}+badstamp", stub, timestamp="the 32nd of Smarch")
    forge(f"victim+{WEEK}+{stamp(now)}+nosecret", stub, timestamp=stamp(now), secret=False)

    liar = folder_of("liar")
    claim = stamp(now - dt.timedelta(days=3))
    (liar / "timestamp.txt").write_text(claim)
    liar.rename(liar.with_name(f"liar+{WEEK}+{claim}+{liar.name.rsplit('+', 1)[1]}"))

    hoard = folder_of("hoarder") / "hoard"
    hoard.mkdir()
    for number in range(20_000):
        (hoard / f"{number}.txt").write_bytes(b"x")

    collection = workflow.collect(WEEK)
    hoarded = {p.name for p in (root / "submitted" / "hoarder" / WEEK).iterdir()}
    for student in ("liar", "hoarder"):  # their intake is the point; grading them would only cost time
        shutil.rmtree(root / "submitted" / student)
    grades, outcomes = workflow.grade(WEEK, progress=False)
    _, feedback_problems = workflow.feedback(WEEK)
    rows = {row["student_id"]: row for row in reports.read_grades(grades, WEEK)}
    return {"root": root, "collection": collection, "victim_folder": victim.name, "hoarded": hoarded, "outcomes": {o.student: o for o in outcomes}, "rows": rows,
            "before": before, "feedback_problems": feedback_problems}


def submitted(intake_class, student: str) -> Path:
    return intake_class["root"] / "submitted" / student / WEEK


def test_links_to_the_solutions_score_nothing(intake_class):
    """Do modules that are links to the solutions score as missing (stubs and links: 0), while the victim's own
    work scores full?"""
    assert float(intake_class["rows"]["victim"]["score"]) == CHECK_POINTS - QUIZ_POINTS
    assert intake_class["outcomes"]["linker"].status == "graded"
    assert float(intake_class["rows"]["linker"]["score"]) == 0
    assert "missing activations.py, perceptron.py, simple_nn.py" in intake_class["outcomes"]["linker"].detail


def test_no_link_or_special_file_is_collected_or_read(intake_class):
    """Does the collected folder hold regular files only, with every link and the fifo reported as dropped?"""
    folder = submitted(intake_class, "linker")
    for path in folder.rglob("*"):
        assert not path.is_symlink() and (path.is_file() or path.is_dir()), path
    names = {p.name for p in folder.iterdir()}
    assert not names & {"grader.txt", "shadow.txt", "gradebook.txt", "zero.txt", "dangling.txt", "kit", "pipe",
                        "simple_nn.py", "hardlink.py", "second_name.py"}
    (linker,) = [got for got in intake_class["collection"].collected if got.student == "linker"]
    dropped = "\n".join(linker.dropped)
    for name in ("simple_nn.py is a link", "shadow.txt is a link", "kit is a link", "dangling.txt is a link",
                 "pipe is not a regular file", "hardlink.py is a hard link"):
        assert name in dropped


def test_nothing_hidden_reaches_the_linkers_feedback(intake_class):
    """Do the linker's autograded folder and released feedback hold no solution, grader, shadow or gradebook
    text?"""
    root = intake_class["root"]
    secrets = set()
    public = "".join(p.read_text() for p in (paths.ASSIGNMENTS / WEEK).iterdir())
    for path in (paths.SOLUTIONS / WEEK).glob("*.py"):
        secrets |= {line for line in solution_code_lines(path.read_text()) if line not in public}
    grader_lines = {line.strip() for path in (paths.GRADERS / WEEK).glob("test_*.py")
                    for line in path.read_text().splitlines() if len(line.strip()) > 40 and line.strip() not in public}
    shadow = {line for line in Path("/etc/shadow").read_text().splitlines() if line}
    pages = [*(root / "autograded" / "linker").rglob("*"), *(root / "feedback" / "linker").rglob("*")]
    assert any(p.suffix == ".html" for p in pages)
    for path in (p for p in pages if p.is_file()):
        text = path.read_text(errors="replace")
        assert not leaked(secrets, text), path
        assert not [line for line in grader_lines if line in text], path
        assert not [line for line in shadow if line in text], path
        assert "SQLite format" not in text and "victim" not in text, path


def test_forged_and_malformed_folders_are_quarantined_and_the_victim_keeps_their_grade(intake_class):
    """Is each forged or malformed folder quarantined with its reason, and the victim's real one graded?"""
    quarantined = dict(intake_class["collection"].quarantined)
    reasons = {name.rsplit("+", 1)[1]: why for name, why in quarantined.items()}
    assert "was written by the user uid 54321" in reasons["forged"]
    assert "lies in the future" in reasons["future"]
    assert "is not a time" in reasons["badname"]
    assert "timestamp.txt" in reasons["badstamp"] and "is not a time" in reasons["badstamp"]
    assert "no submission_secret.txt" in reasons["nosecret"]
    lines = "\n".join(intake_class["collection"].lines())
    assert lines.count("quarantined victim+") == 5
    assert intake_class["outcomes"]["victim"].status == "graded"
    record = intake.record_of(paths.course().intake_records(WEEK), "victim")
    assert record.source == intake_class["victim_folder"]


def test_a_quarantined_folder_stops_nobody_and_later_collects_still_work(intake_class):
    """Does a second collect, with every bad folder still in the exchange, go through (all unchanged)?"""
    again = workflow.collect(WEEK)
    for student in ("liar", "hoarder"):  # collected again (the fixture took them away), graded by no test
        shutil.rmtree(intake_class["root"] / "submitted" / student)
    assert sorted(again.unchanged) == ["linker", "victim"]
    assert sorted(got.student for got in again.collected) == ["hoarder", "liar"]
    assert len(again.quarantined) == 5


def test_the_recorded_time_is_the_exchanges_and_a_false_claim_is_flagged(intake_class):
    """Is the liar's submission time the exchange's, with their claim kept beside it and flagged?"""
    record = intake.record_of(paths.course().intake_records(WEEK), "liar")
    received = intake.parse_time(record.received)
    assert abs(received - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(hours=1)
    assert intake.parse_time(record.claimed) < received - dt.timedelta(days=2)
    assert any("claims to be submitted at" in flag for flag in record.flags)
    written = intake.parse_time((submitted(intake_class, "victim") / "timestamp.txt").read_text())
    assert abs(written - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(hours=1)


def test_twenty_thousand_files_are_capped_before_copying(intake_class):
    """Does a folder of 20,000 small files arrive with at most the cap, the release's files first?"""
    (hoarder,) = [got for got in intake_class["collection"].collected if got.student == "hoarder"]
    assert hoarder.files <= intake.Caps().files
    assert any("over the 200 files" in note for note in hoarder.dropped)
    release = {p.name for p in (paths.ASSIGNMENTS / WEEK).iterdir()}
    assert release <= intake_class["hoarded"]


def test_protected_files_are_unchanged_and_feedback_reached_everyone(intake_class):
    """Are the solutions, graders and /etc/shadow unchanged, and did feedback go out for everyone graded?"""
    assert protected() == intake_class["before"]
    assert intake_class["feedback_problems"] == []
    with sqlite3.connect(intake_class["root"] / "gradebook.db") as db:
        assert db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0] == 2


def test_a_job_archive_never_unpacks_a_link(tmp_path):
    """Does a grading job refuse an archive member that is a link (one that could reach the gradebook)?"""
    archive = tmp_path / "job.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        member = tarfile.TarInfo("submitted/s/week03/simple_nn.py")
        member.type, member.linkname = tarfile.SYMTYPE, "../../../gradebook.db"
        tar.addfile(member)
    with pytest.raises(tarfile.FilterError):
        jobs._extract(archive.read_bytes(), tmp_path / "out")


def test_machine_faults_stop_make_grade_before_anyone_is_graded(intake_class, monkeypatch):
    """With the MNIST files gone, does make grade stop with the fix before grading, recording nothing?"""
    record = (intake_class["root"] / ".nngrader" / f"graded-{WEEK}.json").read_text()
    monkeypatch.setenv("NNGRADER_DATA_DIR", "/nonexistent/mnist")
    with pytest.raises(KitFault, match="make data"):
        workflow.grade(WEEK, force=True, progress=False)
    assert (intake_class["root"] / ".nngrader" / f"graded-{WEEK}.json").read_text() == record


def test_a_fault_of_the_machine_inside_a_job_is_not_graded_and_retried(intake_class, monkeypatch):
    """If the data vanishes where a job runs, is the student "failed to run" with the reason, their grade and
    record kept as they were, so the next make grade grades them again?"""
    rows = {s: r["score"] for s, r in intake_class["rows"].items()}
    record = (intake_class["root"] / ".nngrader" / f"graded-{WEEK}.json").read_text()
    shutil.copytree(submitted(intake_class, "victim"), intake_class["root"] / "submitted" / "retry" / WEEK)
    monkeypatch.setattr(preflight, "check_machine", lambda week: None)  # as on a worker that lacks the data
    monkeypatch.setenv("NNGRADER_DATA_DIR", "/nonexistent/mnist")
    try:
        grades, outcomes = workflow.grade(WEEK, progress=False)
    finally:
        shutil.rmtree(intake_class["root"] / "submitted" / "retry")
    (retry,) = [o for o in outcomes if o.student == "retry"]
    assert retry.status == "failed" and "could not be graded" in retry.detail and "MNIST" in retry.detail
    assert (intake_class["root"] / ".nngrader" / f"graded-{WEEK}.json").read_text() == record
    assert "retry" not in {row["student_id"] for row in reports.read_grades(grades, WEEK) if row["timestamp"]}
    assert {s: r["score"] for s, r in ((row["student_id"], row) for row in reports.read_grades(grades, WEEK))
            if s in rows} == rows


def test_a_second_make_grade_is_refused_while_one_runs(intake_class):
    """While another process holds the course's grading lock, does make grade stop at once, naming it?"""
    path = intake_class["root"] / ".nngrader" / "grade.lock"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from autograder.course import lock\nwith lock.held(Path(sys.argv[1]), 'make grade'):\n"
                               "    print('held', flush=True); time.sleep(60)", str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(lock.Busy, match=rf"process {holder.pid} of "):
            workflow.grade(WEEK, progress=False)
    finally:
        holder.kill()
        holder.wait()


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=paths.ROOT, timeout=600)


def test_make_check_without_the_sandbox_says_so_once_and_fails(tmp_path):
    """Without bubblewrap, does `nngrader check` stop with one line naming the fix (no FAILED check, exit 1)?"""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    done = run_cli("check", WEEK, str(CORRECT), env={"PATH": str(bin_dir)})
    assert done.returncode == 1
    assert "FAILED" not in done.stdout and "bubblewrap" in done.stderr and "make sandbox" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_make_check_without_the_data_says_so_once_and_fails():
    """Without MNIST, does `nngrader check` stop with one line naming `make data` (exit 1, no score)?"""
    done = run_cli("check", WEEK, str(CORRECT), env={"NNGRADER_DATA_DIR": "/nonexistent/mnist"})
    assert done.returncode == 1 and "make data" in done.stderr and "total:" not in done.stdout


def test_make_check_never_follows_a_link(tmp_path, mnist_dir):
    """Does `nngrader check` on a folder whose modules link to the solutions drop them (they score 0)?"""
    folder = tmp_path / "linked"
    shutil.copytree(paths.ASSIGNMENTS / WEEK, folder)
    (folder / "perceptron.py").unlink()
    (folder / "perceptron.py").symlink_to(paths.SOLUTIONS / WEEK / "perceptron.py")
    done = run_cli("check", WEEK, str(folder), env={})
    assert done.returncode == 0, done.stderr
    assert "intake: perceptron.py is a link: dropped" in done.stdout
    assert re.search(r"total: 0 / ", done.stdout), done.stdout[-500:]


def test_a_check_the_kit_cannot_grade_is_not_graded_never_failed(tmp_path, monkeypatch, mnist_dir):
    """With the data gone under the graders, are the checks that need it NOT GRADED (graded=False, no hint),
    and the rest graded as usual?"""
    from autograder.grading.runner import run_checks

    monkeypatch.setenv("NNGRADER_DATA_DIR", str(tmp_path / "nothing"))
    accuracy = [c.id for c in collect_checks(WEEK) if c.module == "simple_nn" and "accuracy" in c.name][:1]
    other = [c.id for c in collect_checks(WEEK) if c.module == "activations"][:1]
    results = {r.id: r for r in run_checks(WEEK, CORRECT, only=tuple(accuracy + other), student_id="correct_student")}
    assert not results[accuracy[0]].graded and "not graded yet" in results[accuracy[0]].message
    assert "hint" not in results[accuracy[0]].message
    assert results[accuracy[0]].report().startswith("NOT GRADED")
    assert results[other[0]].graded and results[other[0]].passed


# --- the intake's copy, on its own ---------------------------------------------------------------------------


def test_copy_tree_drops_links_special_files_and_hard_links_and_keeps_the_rest(tmp_path):
    """Does copy_tree copy regular files and folders only, reporting each link, fifo and hard link?"""
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    (source / "a.py").write_text("x = 1\n")
    (source / "sub" / "b.txt").write_text("b")
    (source / "secret").symlink_to("/etc/shadow")
    (source / "sub" / "up").symlink_to("..", target_is_directory=True)
    os.mkfifo(source / "fifo")
    os.link(source / "a.py", source / "again.py")
    copied = intake.copy_tree(source, tmp_path / "out")
    assert sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*")) == ["sub", "sub/b.txt"]
    assert copied.files == 1 and len(copied.dropped) == 5


def test_copy_tree_holds_its_caps_and_takes_the_wanted_files_first(tmp_path):
    """Over the caps, are the release's files still copied and the rest dropped with the cap named?"""
    source = tmp_path / "in"
    (source / "deep" / "er" / "still").mkdir(parents=True)
    (source / "deep" / "er" / "still" / "x.txt").write_text("x")
    for number in range(10):
        (source / f"a{number}.txt").write_text("junk")
    (source / "z_module.py").write_text("y = 2\n")
    (source / "big.bin").write_bytes(b"0" * (2 << 20))
    caps = intake.Caps(files=3, total_mb=100, file_mb=1, depth=3)
    copied = intake.copy_tree(source, tmp_path / "out", caps, wanted=frozenset({"z_module.py"}))
    assert (tmp_path / "out" / "z_module.py").is_file()
    assert copied.files == 3
    notes = "\n".join(copied.dropped)
    assert "big.bin holds 2 MB, over the 1 MB" in notes and "over the 3 files" in notes
    assert "deep/er/still/ is nested more than 3 folders deep" in notes


def test_copy_tree_refuses_a_source_that_is_a_link(tmp_path):
    """Is a submission folder that is itself a link refused rather than followed?"""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(OSError):
        intake.copy_tree(tmp_path / "link", tmp_path / "out")

