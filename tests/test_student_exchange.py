"""The students' side of the exchange as two real Unix users live it: the commands ``make release`` prints.

``tests/test_validate.py`` runs those commands as root, who can read anything; only users without root's rights
show that a student can fetch, submit and fetch feedback, and cannot read another student's work. So this test
creates two unprivileged users (``nngtest-alice``, ``nngtest-bob``, with private homes, removed at the end) and
runs, as each of them, exactly the lines ``nbgrader_commands.student_commands`` returns, in an exchange whose
folders nbgrader made with its own permissions. It needs root to create the users (CI runs as root).
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import course_in

from autograder import intake, paths
from autograder.course import workflow
from autograder.course.nbgrader_commands import COURSE_ID, exchange_dir, nbgrader, student_commands

WEEK = "week03"
BIN = Path(sys.executable).parent
ALICE, BOB = "nngtest-alice", "nngtest-bob"
#: A permission probe a student runs: ``list`` or ``read`` a path; prints ``ok`` or the error's name.
PROBE = """import os, sys
try:
    os.listdir(sys.argv[2]) if sys.argv[1] == "list" else open(sys.argv[2], "rb").read()
    print("ok")
except OSError as error:
    print(type(error).__name__)"""


@dataclass(frozen=True)
class Student:
    name: str
    uid: int
    gid: int
    home: Path
    path: str  # PATH: where their nbgrader and python come from, then the system's

    def run(self, line: str) -> str:
        """``line`` in bash as this student, from their home, in a student's environment (none of root's
        variables); its output. Fails the test, with the output, if the line fails."""
        done = subprocess.run(["bash", "-c", line], cwd=self.home, user=self.uid, group=self.gid, extra_groups=[],
                              env={"HOME": str(self.home), "USER": self.name, "LOGNAME": self.name,
                                   "PATH": self.path, "LANG": "C.UTF-8"},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{self.name} ran {line!r}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        return done.stdout + done.stderr

    def access(self, how: str, path: Path) -> str:
        """``ok`` if this student can ``list`` (a folder) or ``read`` (a file) ``path``, else the error's name."""
        return self.run(shlex.join(["python", "-c", PROBE, how, str(path)])).strip()


@pytest.fixture(scope="module")
def shared():
    """A folder every user can traverse (pytest's own are 0700), holding the course and its exchange."""
    top = Path(tempfile.mkdtemp(prefix="nngrader-exchange-"))
    try:
        top.chmod(0o755)
        with course_in(top / "course"):
            yield top
    finally:
        shutil.rmtree(top)


@pytest.fixture(scope="module")
def users():
    """Two unprivileged users with private homes (0700: a home others can read would show them the student's
    work and nbgrader's cache, whose submission secret names the student's feedback file in the exchange)."""
    if os.geteuid() != 0:
        pytest.fail("test_student_exchange.py needs root: it creates the users nngtest-alice and nngtest-bob "
                    "(useradd) and runs the students' commands as them. Run it as root, as CI does.")
    for name in (ALICE, BOB):
        remove_user(name)  # left over from an interrupted run
    try:
        for name in (ALICE, BOB):
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True,
                           capture_output=True)
            Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
        yield [pwd.getpwnam(name) for name in (ALICE, BOB)]
    finally:
        for name in (ALICE, BOB):
            remove_user(name)


def remove_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    subprocess.run(["userdel", "--remove", name], check=True, capture_output=True)


def students_bin(shared: Path, user: pwd.struct_passwd) -> Path:
    """Where students' ``nbgrader`` and ``python`` come from: the kit's venv if other users can run its Python,
    else a venv of the system's Python of the same version over the kit's packages (on the development machine
    the kit's venv links to a Python under root's 0700 home, which no other user can run)."""
    try:
        if subprocess.run([BIN / "python", "-c", "import nbgrader"], user=user.pw_uid, group=user.pw_gid,
                          extra_groups=[], env={"PATH": "/usr/bin:/bin"}, capture_output=True).returncode == 0:
            return BIN
    except PermissionError:  # the interpreter itself is out of the user's reach
        pass
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    base = shutil.which(version, path="/usr/local/bin:/usr/bin:/bin")
    if base is None:
        pytest.fail(f"other users cannot run the kit's Python ({BIN / 'python'}), and there is no {version} in "
                    "/usr/local/bin:/usr/bin:/bin to give the test's students: make the kit's venv from a Python "
                    "every user can run (make venv PYTHON=/usr/bin/python3)")
    venv = shared / "students-venv"
    subprocess.run([base, "-m", "venv", "--without-pip", venv], check=True)
    site = venv / "lib" / version / "site-packages" / "nngrader-kit.pth"
    site.write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n", encoding="utf-8")
    script = (BIN / "nbgrader").read_text(encoding="utf-8").split("\n", 1)[1]  # the kit's, with a new #! line
    (venv / "bin" / "nbgrader").write_text(f"#!{venv / 'bin' / 'python'}\n{script}", encoding="utf-8")
    (venv / "bin" / "nbgrader").chmod(0o755)
    return venv / "bin"


def command(commands: list[str], start: str) -> str:
    """The one line of the students' commands that starts with ``start``."""
    [line] = [line for line in commands if line.startswith(start)]
    return line


@pytest.fixture(scope="module")
def term(shared, users):
    """A week of the exchange: the instructor releases, alice and bob fetch and submit with the printed commands
    (alice also runs the visible tests, and submits under bob's name), the instructor collects and releases
    feedback, both fetch it."""
    bin_dir = students_bin(shared, users[0])
    alice, bob = (Student(u.pw_name, u.pw_uid, u.pw_gid, Path(u.pw_dir), f"{bin_dir}:/usr/local/bin:/usr/bin:/bin")
                  for u in users)
    workflow.release(WEEK)
    commands = student_commands(WEEK)
    submit = command(commands, "nbgrader submit")
    for student in (alice, bob):
        student.run(command(commands, "mkdir -p ~/.jupyter"))
        student.run(command(commands, "nbgrader fetch_assignment"))
        student.run(f"echo '# written by {student.name}' >> {WEEK}/perceptron.py")
        student.run(submit)
    visible = alice.run(command(commands, f"cd {WEEK} && python -m pytest"))  # a few seconds: once is enough
    alice.run(f"{submit.split('#')[0].strip()} --student={bob.name}")  # a forgery: bob's name, alice's folder
    collection = workflow.collect(WEEK)
    layout = paths.course()
    for student in (alice, bob):
        # Grading for real takes minutes: a hand-written page stands for generate_feedback's, beside the two
        # files generate_feedback copies from the submission; nbgrader's own release_feedback releases it.
        folder = layout.feedback(student.name, WEEK)
        folder.mkdir(parents=True)
        for name in intake.NBGRADER_FILES:
            shutil.copy(layout.submitted(student.name, WEEK) / name, folder / name)
        (folder / "perceptron.html").write_text(f"<p>feedback for {student.name}</p>", encoding="utf-8")
    nbgrader("release_feedback", WEEK)
    for student in (alice, bob):
        student.run(command(commands, "nbgrader fetch_feedback"))
    return SimpleNamespace(alice=alice, bob=bob, layout=layout, collection=collection, visible=visible,
                           exchange=exchange_dir() / COURSE_ID)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.slow
def test_the_exchange_has_nbgraders_permissions_on_a_path_others_can_traverse(term):
    """Did nbgrader make the exchange's folders as it does for a class (inbound writable but not listable,
    feedback traversable only), with every folder above it traversable by students?"""
    assert mode(term.exchange.parent) == 0o777
    assert {name: oct(mode(term.exchange / name)) for name in (".", "outbound", "inbound", "feedback")} == \
        {".": "0o755", "outbound": "0o755", "inbound": "0o2733", "feedback": "0o711"}
    for folder in term.exchange.parents:
        assert mode(folder) & stat.S_IXOTH, f"{folder} is not traversable by other users"


@pytest.mark.slow
def test_each_student_fetches_into_their_own_week_folder_and_submits(term):
    """Did the printed fetch put the week in ./week03, the student's own, and the printed submit reach the
    inbound as a folder of theirs?"""
    for student in (term.alice, term.bob):
        assert (student.home / WEEK / "perceptron.ipynb").stat().st_uid == student.uid
        [submitted] = [p for p in (term.exchange / "inbound").iterdir() if p.stat().st_uid == student.uid
                       and p.name.startswith(f"{student.name}+{WEEK}+")]
        assert f"# written by {student.name}" in (submitted / "perceptron.py").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_visible_tests_run_in_the_fetched_folder(term):
    assert "perceptron.py: 0 of 4 visible tests pass" in term.visible, term.visible


@pytest.mark.slow
def test_collect_takes_both_submissions_and_quarantines_the_one_alice_made_in_bobs_name(term):
    assert sorted(got.student for got in term.collection.collected) == [ALICE, BOB]
    for student in (term.alice, term.bob):
        module = term.layout.submitted(student.name, WEEK) / "perceptron.py"
        assert module.read_text(encoding="utf-8").endswith(f"# written by {student.name}\n")
    [(name, why)] = term.collection.quarantined
    assert name.startswith(f"{BOB}+{WEEK}+") and f"written by the user {ALICE}" in why, why


@pytest.mark.slow
def test_a_student_cannot_list_the_inbound_nor_reach_anothers_submission(term):
    """The inbound is written to, never listed, so bob's folder's random name stays his; nor can alice find it
    in bob's home (nbgrader's cache there holds the submission and its secret). (Its files are 0644 in a 0777
    folder, as nbgrader writes them: whoever knows the full name could read them.)"""
    assert term.alice.access("list", term.exchange / "inbound") == "PermissionError"
    cache = term.bob.home / ".local/share/jupyter/nbgrader_cache" / COURSE_ID
    [secret] = cache.glob(f"{BOB}+{WEEK}+*/submission_secret.txt")
    assert term.alice.access("list", cache) == term.alice.access("read", secret) == "PermissionError"


@pytest.mark.slow
def test_the_course_directory_shows_students_their_config_and_nothing_else(term):
    """The exchange and the students' config sit in the course directory, so students pass through it; they must
    not read the solutions, anyone's submission, feedback or grades there."""
    layout = term.layout
    private = [layout.source(WEEK) / "perceptron.ipynb", layout.submitted(BOB, WEEK) / "perceptron.py",
               layout.feedback(BOB, WEEK) / "perceptron.html", layout.gradebook, layout.secret]
    assert all(path.is_file() for path in private)
    assert {path: term.alice.access("read", path) for path in private} == dict.fromkeys(private, "PermissionError")
    assert term.alice.access("list", layout.root) == "PermissionError"
    assert term.alice.access("read", layout.student_config) == "ok"


@pytest.mark.slow
def test_fetch_feedback_gets_a_student_their_own_feedback_only(term):
    for student in (term.alice, term.bob):
        pages = sorted((student.home / WEEK / "feedback").rglob("*.html"))
        assert [page.name for page in pages] == ["perceptron.html"], pages
        assert pages[0].read_text(encoding="utf-8") == f"<p>feedback for {student.name}</p>"
    [alices] = (term.alice.home / WEEK / "feedback").rglob("perceptron.html")
    assert term.bob.access("list", term.exchange / "feedback") == "PermissionError"
    assert term.bob.access("read", alices) == "PermissionError"


def test_the_readme_shows_the_commands_make_release_prints(course_env):
    """The README's "Fetch, Validate, submit" block is what make release prints, the course's path as <course>."""
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Fetch, Validate, submit\n.*?```sh\n(.*?)```", readme, re.S).group(1)
    printed = [line.replace(str(paths.course().root), "<course>") for line in student_commands(WEEK)]
    assert block.splitlines() == printed
