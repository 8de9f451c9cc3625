"""The instructor's workflow through real nbgrader: release, submit, collect, autograde, export, feedback.

One class goes through the whole flow once (module fixture): the three sample
students, and "mallory", whose modules are the correct student's but whose
notebook attacks the grading from the kernel nbgrader runs it in (reads the
graders, overwrites the gradebook, deletes her own module, opens a socket,
forges the grading cells' output). Each test then asks one question of the result.
"""

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import browser
import nbformat
import pytest
from leaks import leaked, solution_code_lines

from autograder import gradebook, paths, store
from autograder.course import nbgrader_commands, workflow
from autograder.grading.checklist import bonus_check_ids, collect_checks, max_points, rubric_parts
from autograder.reporting import plots, reports

WEEK = "week03"
#: What the regular checks give (a score before a TA grades the rubric), and the maximum (checks and rubric).
CHECK_POINTS = sum(check.points for check in collect_checks(WEEK) if not check.bonus)
MAX_POINTS = max_points(WEEK)
RUBRIC = rubric_parts(WEEK)
BONUS_POINTS = sum(check.points for check in collect_checks(WEEK) if check.bonus)
QUIZ_POINTS = next(c.points for c in collect_checks(WEEK) if c.module == "forward_prop" and "quiz" in c.name)
SAMPLES = sorted(p.name for p in paths.EXAMPLES.iterdir() if p.is_dir())
CHEATER = "mallory"

#: The cell mallory's activations notebook runs first, in the kernel nbgrader executes it in.
ATTACK = """\
import os, socket
attempts = {{}}
def attempt(name, action):
    try:
        action()
        attempts[name] = "succeeded"
    except Exception as error:
        attempts[name] = type(error).__name__
attempt("read the graders", lambda: print(open({grader!r}).read()))
attempt("overwrite the gradebook", lambda: open({gradebook!r}, "wb").write(b"gone"))
attempt("write into the course", lambda: open({course!r} + "/mallory-was-here", "w").write("x"))
attempt("delete her module", lambda: os.remove("activations.py"))
attempt("open a socket", lambda: socket.create_connection(("8.8.8.8", 53), timeout=2))
attempt("import the grading", lambda: __import__("autograder.grading.runner"))
ip = get_ipython()
ip.events.register("post_run_cell", lambda result: print("PASSED: all checks"))
ip.events.register("post_run_cell", lambda result: ip.displayhook(100.0))  # a forged partial-credit result
print("ATTEMPTS", sorted(attempts.items()))
"""


def cheater_files(folder, root):
    """The correct student's modules, and an activations notebook that starts with ATTACK."""
    shutil.copytree(paths.EXAMPLES / "correct_student", folder)
    nb = nbformat.read(paths.ASSIGNMENTS / WEEK / "activations.ipynb", as_version=4)
    attack = ATTACK.format(grader=str(paths.GRADERS / WEEK / "test_activations.py"),
                           gradebook=str(root / "gradebook.db"), course=str(root))
    nb.cells.insert(1, nbformat.v4.new_code_cell(attack))
    nbformat.write(nb, folder / "activations.ipynb")
    return folder


@pytest.fixture(scope="module")
def graded(course_env, mnist_dir, tmp_path_factory):
    """A course directory where the sample students were released to, submitted, collected and graded."""
    root = course_env
    release = workflow.release(WEEK)
    for sample in SAMPLES:
        workflow.submit(WEEK, sample, paths.EXAMPLES / sample)
    workflow.submit(WEEK, CHEATER, cheater_files(tmp_path_factory.mktemp("cheater") / CHEATER, root))
    workflow.collect(WEEK)
    grades, outcomes = workflow.grade(WEEK, progress=False)
    workflow.feedback(WEEK)
    written = reports.write_reports(WEEK, grades)
    rows = reports.read_grades(grades, WEEK)
    return {"root": root, "release": release, "outcomes": outcomes, "rows": {row["student_id"]: row for row in rows},
            "scores": {row["student_id"]: float(row["score"]) for row in rows}, "reports": written}


def test_correct_submission_gets_full_marks_and_stub_gets_zero(graded):
    """Does autograde score each student's own simple_nn.py (not the released stub copied over it)?"""
    assert graded["scores"]["correct_student"] == CHECK_POINTS  # the rubric is not graded yet
    assert graded["scores"]["stub_student"] == 0


def test_bonus_is_extra_credit_never_in_the_maximum(graded):
    """Does grades.csv keep bonus points in their own columns, out of score and max_score?"""
    assert BONUS_POINTS > 0
    for student, row in graded["rows"].items():
        assert float(row["max_score"]) == MAX_POINTS and float(row["bonus_max"]) == BONUS_POINTS, student
    assert float(graded["rows"]["correct_student"]["bonus"]) == BONUS_POINTS
    assert float(graded["rows"]["stub_student"]["bonus"]) == 0


def test_planted_bug_loses_points_but_not_all(graded):
    """Does the submission with the unaveraged gradient lose the gradient checks, and only what it breaks?"""
    assert 0 < graded["scores"]["buggy_student"] < CHECK_POINTS


def test_autograded_folder_keeps_the_students_module(graded):
    """Is the file that was graded byte for byte the student's (Autograde.exclude_overwriting)?"""
    for student in ("correct_student", "buggy_student"):
        graded_file = graded["root"] / "autograded" / student / WEEK / "simple_nn.py"
        assert graded_file.read_bytes() == (paths.EXAMPLES / student / "simple_nn.py").read_bytes()


def test_release_holds_no_solution_and_no_hidden_grader(graded):
    """Do the release and the exchange hold only what students may see: stubs, no grader, no hidden cells?"""
    solutions = {p.name: p for p in (paths.SOLUTIONS / WEEK).glob("*.py")}
    hidden = {p.read_bytes() for p in (paths.GRADERS / WEEK).glob("*.py")}
    for folder in (graded["release"], graded["root"] / "exchange" / nbgrader_commands.COURSE_ID / "outbound"):
        files = [path for path in folder.rglob("*") if path.is_file()]
        assert len(files) == len(list((paths.ASSIGNMENTS / WEEK).iterdir())), folder
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.name in solutions:
                secrets = solution_code_lines(solutions[path.name].read_text())
                assert not leaked(secrets, text), f"{path} contains solution code"
            assert "BEGIN HIDDEN TESTS" not in text and "autograder.grading" not in text, path
            assert path.read_bytes() not in hidden, f"{path} is a hidden grader"


def test_release_matches_the_committed_assignment(graded):
    """Is what nbgrader releases the same as assignments/week03 (same files, same stub bytes)?"""
    release = graded["release"]
    committed = paths.ASSIGNMENTS / WEEK
    assert sorted(p.name for p in release.iterdir()) == sorted(p.name for p in committed.iterdir())
    for name in nbgrader_commands.student_modules(WEEK):
        assert (release / name).read_bytes() == (committed / name).read_bytes()


def test_feedback_explains_failures_without_showing_hidden_code(graded):
    """Does each student's feedback show expected/got/hint for failures, and no hidden grading code?"""
    grader_source = (paths.GRADERS / WEEK / "test_simple_nn.py").read_text()
    public = "".join(p.read_text() for p in graded["release"].iterdir())
    grader_lines = [line.strip() for line in grader_source.splitlines()
                    if len(line.strip()) > 30 and line.strip() not in public]
    assert len(grader_lines) > 50
    for student in ("correct_student", "stub_student", "buggy_student"):
        page = (graded["root"] / "feedback" / student / WEEK / "simple_nn.html").read_text()
        text = re.sub(r"<[^>]+>", "", page)
        assert "BEGIN HIDDEN TESTS" not in page and "autograder.grading" not in page
        assert not [line for line in grader_lines if line in text], student
    buggy = (graded["root"] / "feedback" / "buggy_student" / WEEK / "simple_nn.html").read_text()
    assert "expected:" in buggy and "hint:" in buggy and "divide by the batch size" in buggy


def test_released_feedback_reaches_the_exchange(graded):
    """Was feedback released to the exchange, where students fetch it?"""
    released = list((graded["root"] / "exchange").rglob("*.html"))
    notebooks_per_student = len(list((paths.ASSIGNMENTS / WEEK).glob("*.ipynb")))
    assert len(released) == (len(SAMPLES) + 1) * notebooks_per_student


def test_first_grading_grades_every_student(graded):
    """Did the first `make grade` autograde each collected submission once?"""
    assert [(o.student, o.status) for o in graded["outcomes"]] == [
        ("buggy_student", "graded"), ("correct_student", "graded"), (CHEATER, "graded"), ("stub_student", "graded")]


def test_grading_again_skips_unchanged_submissions_and_keeps_grades(graded):
    """Does a second `make grade` skip every unchanged submission and export the same grades?"""
    grades, outcomes = workflow.grade(WEEK, progress=False)
    assert {o.status for o in outcomes} == {"skipped"}
    assert {row["student_id"]: float(row["score"]) for row in reports.read_grades(grades, WEEK)} == graded["scores"]


def test_a_broken_notebook_is_reported_and_the_students_code_still_graded(graded):
    """Is a notebook that is not valid JSON reported, kept, replaced by the released one, and the code graded?"""
    submitted = graded["root"] / "submitted"
    broken = submitted / "broken_student" / WEEK
    shutil.copytree(submitted / "correct_student" / WEEK, broken)
    damaged = '{"cells": [ this is not json'
    (broken / "perceptron.ipynb").write_text(damaged, encoding="utf-8")
    try:
        grades, outcomes = workflow.grade(WEEK, progress=False)
        kept = (broken / "perceptron.ipynb.broken").read_text(encoding="utf-8")
    finally:
        shutil.rmtree(broken.parent)
    nbgrader_commands.nbgrader("db", "student", "remove", "broken_student", "--force")  # leave the class as it was
    by_student = {o.student: o for o in outcomes}
    assert by_student["broken_student"].status == "graded"
    assert "perceptron.ipynb was not a valid notebook" in by_student["broken_student"].detail
    assert kept == damaged
    assert {o.status for s, o in by_student.items() if s != "broken_student"} == {"skipped"}
    scores = {row["student_id"]: float(row["score"]) for row in reports.read_grades(grades, WEEK)}
    # its modules are the correct student's, whose hand-computed quiz answer is for another id
    assert scores["broken_student"] == CHECK_POINTS - QUIZ_POINTS
    assert all(scores[student] == score for student, score in graded["scores"].items())


def test_grading_killed_part_way_resumes_without_losing_or_repeating(graded):
    """After `kill -9` of `make grade` part-way, does the next run grade only what was left, with every grade intact?"""
    record = graded["root"] / ".nngrader" / f"graded-{WEEK}.json"
    record.unlink()  # as if nobody had been graded yet
    run = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", WEEK], start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not record.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    done_before_kill = set(json.loads(record.read_text()))
    assert 1 <= len(done_before_kill) < len(graded["scores"]), "the run should have been killed part-way"
    grades, outcomes = workflow.grade(WEEK, progress=False)
    assert {o.student for o in outcomes if o.status == "skipped"} == done_before_kill
    assert {o.student for o in outcomes if o.status == "graded"} == set(graded["scores"]) - done_before_kill
    assert {row["student_id"]: float(row["score"]) for row in reports.read_grades(grades, WEEK)} == graded["scores"]


def test_attacks_from_the_notebook_kernel_fail_and_gain_nothing(graded):
    """Does mallory's attacking notebook score exactly what her modules earn (the correct student's, but for the
    per-student quiz), with every attack failing in the sandboxed kernel and no grader line in her feedback?"""
    assert graded["scores"][CHEATER] == CHECK_POINTS - QUIZ_POINTS
    assert float(graded["rows"][CHEATER]["bonus"]) == BONUS_POINTS
    page = (graded["root"] / "feedback" / CHEATER / WEEK / "activations.html").read_text()
    text = re.sub(r"<[^>]+>", "", page).replace("&#39;", "'").replace("&quot;", '"')
    attempts = dict(re.findall(r"\('([a-z ]+)', '(\w+)'\)", text.split("ATTEMPTS", 1)[1].split("]", 1)[0]))
    # her kernel works on a scratch copy of her folder: deleting her module there succeeds and changes nothing
    assert attempts.pop("delete her module") == "succeeded"
    assert len(attempts) == 5 and "succeeded" not in attempts.values(), attempts
    grader_lines = [line.strip() for line in (paths.GRADERS / WEEK / "test_activations.py").read_text().splitlines()
                    if len(line.strip()) > 40]
    assert not [line for line in grader_lines if line in text]
    assert "PASSED: all checks" not in text.split("Hidden checks", 1)[1]  # her hook's output was replaced


def test_attacks_from_the_kernel_leave_the_course_intact(graded):
    """After mallory's notebook ran: is the gradebook whole, nothing written into the course, and her own module
    still there, byte for byte (her kernel worked on a scratch copy)?"""
    assert set(graded["scores"]) == {*SAMPLES, CHEATER}
    assert not (graded["root"] / "mallory-was-here").exists()
    autograded = graded["root"] / "autograded" / CHEATER / WEEK / "activations.py"
    assert autograded.read_bytes() == (paths.EXAMPLES / "correct_student" / "activations.py").read_bytes()



def page_text(path) -> str:
    """The text of an HTML page, tags removed and entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("student, notebook, mistake", [
    ("buggy_student", "simple_nn", "Gradients not averaged over the batch"),
    ("buggy_student", "activations", "Softmax overflow"),
    ("buggy_student", "forward_prop", "Forgetting the hidden activation"),
    ("buggy_student", "perceptron", "Unfinished TODOs"),
    ("stub_student", "backprop", "Unfinished TODOs")])
def test_feedback_names_the_mistake_behind_each_planted_bug(graded, student, notebook, mistake):
    """Does each feedback page open with the kit's report: the student's total as in grades.csv, what to fix first
    (the planted bug's mistake among it) and this notebook's checks, each failure with the likely cause?"""
    page = graded["root"] / "feedback" / student / WEEK / f"{notebook}.html"
    text = " ".join(page_text(page).split())
    row = graded["rows"][student]
    assert f"Your results for {WEEK} {student}: {float(row['score']):g} / {float(row['max_score']):g} points" in text
    assert text.index("Your results") < text.index("What to fix first") < text.index(f"Checks of {notebook}.py")
    assert text.index(f"Checks of {notebook}.py") < text.index("Hidden checks")  # before the notebook itself
    advice = text.split("What to fix first", 1)[1].split(f"Checks of {notebook}.py", 1)[0]
    assert mistake in advice
    listed = text.split(f"Checks of {notebook}.py", 1)[1].split("Hidden checks", 1)[0]
    results = [r for r in store.load(WEEK, student) if r.id.startswith(f"{notebook}::")]
    failed = [r for r in results if not r.passed and not r.manual]  # the rubric: not graded yet, no failure
    assert all(r.title in listed for r in results)
    assert listed.count("&#10008;") + listed.count("\u2718") == len(failed) >= 1  # one red mark per failed check
    assert listed.count("hint:") == len(failed)
    assert listed.count("likely cause: " + mistake) >= 1


def test_feedback_of_a_perfect_submission_says_so(graded):
    """Does the correct student's feedback say every check passed, with no advice to fix anything?"""
    text = " ".join(page_text(graded["root"] / "feedback" / "correct_student" / WEEK / "simple_nn.html").split())
    assert "Every check passed" in text and "likely cause" not in text


def test_results_json_per_submission_matches_the_gradebook(graded):
    """Is there a Gradescope-style results.json per submission whose score is the gradebook's (plus extra credit),
    with one test per check and no hidden grading code in any output?"""
    checks = collect_checks(WEEK)
    grader_lines = [line.strip() for path in (paths.GRADERS / WEEK).glob("test_*.py")
                    for line in path.read_text().splitlines() if len(line.strip()) > 40]
    assert sorted(path.parent.name for path in graded["reports"].results) == sorted([*SAMPLES, CHEATER])
    for path in graded["reports"].results:
        document = json.loads(path.read_text())
        row = graded["rows"][path.parent.name]
        assert document["score"] == float(row["score"]) + float(row["bonus"])
        assert [test["extra_data"]["check"] for test in document["tests"]] == [c.id for c in (*checks, *RUBRIC)]
        assert sum(test["score"] for test in document["tests"]) == float(row["raw_score"]) + float(row["bonus"])
        outputs = "\n".join(test["output"] for test in document["tests"]) + document["output"]
        assert not [line for line in grader_lines if line in outputs], path
    buggy = json.loads(reports.results_path(WEEK, "buggy_student").read_text())
    assert "Gradients not averaged over the batch" in buggy["output"]


def test_class_report_lists_every_student_with_the_gradebooks_totals_and_links(graded):
    """Does the class report hold every plot (as PNG files beside it), one row per student with grades.csv's totals,
    and links that reach each student's feedback pages?"""
    index = graded["reports"].class_report
    page = index.read_text(encoding="utf-8")
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert len(images) >= 5
    for name in images:
        assert (index.parent / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    text = " ".join(page_text(index).split())
    for student, row in graded["rows"].items():
        assert student in text
    links = re.findall(r'<a[^>]+href="([^"]+)"', page)
    feedback_links = [link for link in links if "feedback/buggy_student" in link]
    assert feedback_links and all((index.parent / link).is_file() for link in feedback_links)
    assert (index.parent / "students" / "buggy_student.html").is_file()


def test_make_grade_shows_progress_and_ends_with_a_summary(graded):
    """Does `make grade`'s command print a progress bar with the time left, a one-line summary (graded, failed to
    run, time) and where the class report went?"""
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", WEEK], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert re.search(r"grading week03: 100%\|.*\| 4/4 students \[\S+ elapsed, \S+ left\]", done.stderr), done.stderr
    assert re.search(r"^0 graded, 4 skipped \(unchanged\), 0 failed to run, in \d+ s", done.stdout, re.M), done.stdout
    assert f"class report: {graded['reports'].class_report}" in done.stdout
    assert re.search(rf"^waiting for a TA: 4 submissions \(buggy_student, correct_student, {CHEATER}, stub_student\): "
                     rf"{RUBRIC[0].title}; grade the task cells in formgrader", done.stdout, re.M), done.stdout


def screenshot_path(graded, name: str):
    """Where a screenshot goes: NNGRADER_SCREENSHOTS (CI keeps them there), else the course directory."""
    return browser.screenshot_path(name, graded["root"] / "screenshots")


def test_class_report_of_the_sample_class_renders_in_chromium(graded):
    """In a real browser, does the sample class's report show every plot (each image decoded, plot colours on the
    screenshot) and the students table with the gradebook's totals?"""
    shot = screenshot_path(graded, "class_report_sample_class.png")
    dom = browser.render(graded["reports"].class_report, shot)
    images = browser.images_rendered(dom)
    assert len(images) >= 5 and all(image["width"] > 0 for image in images), images
    text = browser.text_of(dom)
    for student, row in graded["rows"].items():
        assert student in text
    assert browser.distinct_colours(shot) > 2000
    assert browser.colour_area(shot, [plots.ACCENT]) > 5_000  # a colour only the plots use


def test_feedback_page_renders_in_chromium_with_the_kits_report(graded):
    """In a real browser, does the buggy student's simple_nn feedback page show the kit's report (its tables, the
    red marks of failed checks, the green bars of points earned) above the notebook with its plots?"""
    page = graded["root"] / "feedback" / "buggy_student" / WEEK / "simple_nn.html"
    shot = screenshot_path(graded, "feedback_buggy_student_simple_nn.png")
    dom = browser.render(page, shot)
    text = browser.text_of(dom)
    assert "What to fix first" in text and "likely cause: Gradients not averaged over the batch" in text
    images = browser.images_rendered(dom)
    assert images and all(image["width"] > 0 for image in images), images  # the notebook's own plots
    assert browser.colour_area(shot, ["#cf222e"]) > 200  # the failed checks' marks and message borders
    assert browser.colour_area(shot, ["#1a7f37"]) > 2_000  # the points bars of the modules table


def test_a_tas_override_shows_the_same_score_in_every_output(graded, tmp_path, monkeypatch):
    """A TA raises one failed check by 2 points through nbgrader's API (what formgrader does) and a late penalty
    is set; after `make report` and `make feedback` (their commands), do grades.csv, results.json, the class
    report and the feedback page (the kit's report and nbgrader's header above it) all show the same numbers?"""
    from nbgrader.api import Gradebook

    course = tmp_path / "course"  # a copy: the other tests keep the class as graded
    shutil.copytree(graded["root"], course, symlinks=True)
    monkeypatch.setenv("NNGRADER_COURSE_DIR", str(course))
    monkeypatch.setenv("NNGRADER_EXCHANGE", str(course / "exchange"))
    student, before = "buggy_student", graded["rows"]["buggy_student"]
    failed = next(r for r in store.load(WEEK, student) if not r.passed and r.max_points >= 2
                  and r.id not in bonus_check_ids(WEEK))
    spec = next(s for s in collect_checks(WEEK) if s.id == failed.id)
    [part] = RUBRIC
    assert before["waiting_for_ta"] == part.title
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        assert book.find_assignment(WEEK).max_score == MAX_POINTS  # formgrader's maximum is the kit's
        book.find_grade(spec.grade_id, failed.module, WEEK, student).manual_score = 2.0
        book.find_grade(part.grade_id, part.module, WEEK, student).manual_score = 4.0  # the TA grades the rubric
        book.find_submission_notebook("perceptron", WEEK, student).late_submission_penalty = 1.0
        book.db.commit()
    for verb in ("report", "feedback"):
        done = subprocess.run([sys.executable, "-m", "autograder.cli", verb, WEEK], capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    [row] = [r for r in reports.read_grades(course / "grades.csv", WEEK) if r["student_id"] == student]
    raw, bonus = float(before["raw_score"]) + 2 + 4, float(row["bonus"])
    assert (float(row["raw_score"]), float(row["late_submission_penalty"]), float(row["score"])) == (raw, 1, raw - 1)
    assert row["waiting_for_ta"] == "" and float(row["max_score"]) == MAX_POINTS

    document = json.loads(reports.results_path(WEEK, student).read_text())
    assert document["score"] == raw - 1 + bonus
    assert sum(test["score"] for test in document["tests"]) == raw + bonus
    [test] = [t for t in document["tests"] if t["extra_data"]["check"] == failed.id]
    assert test["score"] == 2 and "a TA set 2 points; the check gave 0" in test["output"]
    [test] = [t for t in document["tests"] if t["extra_data"]["check"] == part.id]
    assert test["score"] == 4 and test["output"] == f"GRADED BY A TA {part.title} (4/{part.points:g} points)"
    assert document["extra_data"]["waiting_for_ta"] == [] and "Not graded yet" not in document["output"]

    results = store.load(WEEK, student)
    module_points = sum(r.points for r in results if r.module == failed.module)
    index = course / "reports" / WEEK / "index.html"
    [cells] = re.findall(rf'<tr><td class="id">{student}</td>(.*?)</tr>', index.read_text(encoding="utf-8"))
    numbers = [html.unescape(re.sub(r"<[^>]+>", "", cell)).split()[0] for cell in re.findall(r"<td.*?</td>", cells)]
    modules = list(dict.fromkeys(r.module for r in results))
    assert float(numbers[0]) == raw - 1  # the score column, after the penalty
    assert float(numbers[2 + modules.index(failed.module)]) == module_points
    assert "are the results from the run that was exported" not in index.read_text(encoding="utf-8")

    page = course / "feedback" / student / WEEK / f"{failed.module}.html"
    text = " ".join(page_text(page).split())
    assert f"{student}: {raw - 1:g} / {MAX_POINTS:g} points ({raw:g} less a late penalty of 1)" in text
    assert f"{failed.module}.py {module_points:g} / " in text  # the kit's modules table
    header = re.search(rf"{failed.module} \(Score: ([\d.]+) / ([\d.]+)\)", text)
    module_max = sum(r.max_points for r in results if r.module == failed.module)
    assert header and (float(header[1]), float(header[2])) == (module_points, module_max), header
    assert "a TA set 2 points; the check gave 0" in text
    nn_page = " ".join(page_text(course / "feedback" / student / WEEK / f"{part.module}.html").split())
    assert f"{part.title} (graded by a TA) Graded by a TA" in nn_page and "Not graded yet /" not in nn_page
    assert "are graded by hand and not graded yet" not in nn_page
    assert f"{part.title} (graded by a TA) (Score: 4 / {part.points:g})" in nn_page  # the page's contents


def test_the_ta_grades_the_rubric_beside_the_students_source(graded):
    """Does each autograded simple_nn notebook (what formgrader shows the TA) hold, right after the rubric's task
    cell, the student's own simple_nn.py and its style notes, while the student's feedback page leaves them out
    and says the part is not graded yet, and grades.csv says every submission still waits for a TA?"""
    [part] = RUBRIC
    for student in graded["rows"]:
        nb = nbformat.read(graded["root"] / "autograded" / student / WEEK / f"{part.module}.ipynb", as_version=4)
        task = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == part.grade_id)
        view = nb.cells[task + 1]
        source = (graded["root"] / "autograded" / student / WEEK / f"{part.module}.py").read_text()
        assert view.cell_type == "code" and view.source.endswith(source) and "style notes on" in view.source
        assert graded["rows"][student]["waiting_for_ta"] == part.title
        text = " ".join(page_text(graded["root"] / "feedback" / student / WEEK / f"{part.module}.html").split())
        assert f"{part.title} (graded by a TA) (Not graded yet / {part.points:g})" in text, student
        assert "style notes on" not in text and "Score: 0 / 5" not in text
    assert "A TA grades this part by hand" in text and "not graded yet" in text


def feedback_pages(graded, student: str | None = None) -> list:
    """Every feedback page of the class (or of ``student``)."""
    return sorted((graded["root"] / "feedback").glob(f"{student or '*'}/{WEEK}/*.html"))


def normalized(text: str) -> str:
    return " ".join(text.split())


def test_feedback_pages_load_nothing_and_run_no_script(graded):
    """Does every feedback page of the class hold no script (nbconvert's MathJax from a CDN included), no stylesheet
    link, and no image or style loaded from anywhere but a data: URL?"""
    pages = feedback_pages(graded)
    assert len(pages) == (len(SAMPLES) + 1) * len(list((paths.ASSIGNMENTS / WEEK).glob("*.ipynb")))
    for page in pages:
        source = page.read_text(encoding="utf-8")
        assert not re.findall(r"<(script|link|iframe|object|embed)\b", source, re.I), page
        assert not re.findall(r"""\ssrc\s*=\s*(?!["']?data:)""", source, re.I), page
        assert not re.findall(r"url\(\s*['\"]?(https?:)?//|@import", source, re.I), page


@pytest.mark.parametrize("student", ["buggy_student", CHEATER])
def test_feedback_contents_and_grading_cells_name_each_check_by_its_title(graded, student):
    """Does each page's contents list name every check of its notebook that is worth points (extra credit too), in
    order, by its title (never nbgrader's "Test cell"), with the gradebook's points, and is each grading cell headed
    by it; does the extra-credit notebook say what it earned, not a score out of 0?"""
    results = {r.id: r for r in store.load(WEEK, student)}
    for page in feedback_pages(graded, student):
        source = page.read_text(encoding="utf-8")
        checks = [c for c in collect_checks(WEEK) if c.module == page.stem]
        contents = re.search(r'<div id="toc">(.*?)</div>', source, re.S).group(1)
        entries = [(html.unescape(title), float(score)) for title, score in
                   re.findall(r'<li><a href="#[^"]+">(.*?)</a> \((?:Score|Extra credit): ([\d.]+) / [\d.]+\)</li>',
                              contents)]
        assert entries == [(c.title, results[c.id].points) for c in checks], page
        headings = {html.unescape(h) for h in re.findall(r'<span class="nbgrader-label">(.*?)</span>', source)}
        assert {c.title for c in checks} <= headings, page
        assert "Test cell" not in source and "Grade cell:" not in source, page
        if all(c.bonus for c in checks):
            earned = sum(results[c.id].points for c in checks)
            assert f"{page.stem} (extra credit: {earned:g})</h4>" in normalized(source) and "/ 0)" not in source


def test_each_check_is_reported_once_and_grading_cells_show_no_output(graded):
    """Is each check's report (what was expected, what came back, the hint) on its page once, in the kit's report
    on top, with no grading cell below repeating it or showing an `Out[n]:` of its points?"""
    results = store.load(WEEK, "buggy_student")
    for page in feedback_pages(graded, "buggy_student"):
        source = page.read_text(encoding="utf-8")
        assert "Out[" not in source, page
        cells = source.split('<div class="cell border-box-sizing')
        grading = [cell for cell in cells if "nbgrader_cell" in cell and 'name="check_' in cell]
        assert len(grading) == sum(c.module == page.stem and not c.bonus for c in collect_checks(WEEK)), page
        assert not [cell for cell in grading if "output_area" in cell], page
        text = normalized(page_text(page))
        mine = [r for r in results if r.module == page.stem and not r.manual]  # the rubric's task cell is the notebook's
        for result in mine:
            words = normalized(result.message if not result.passed else result.note)
            if words:  # a message may be another's start (two unfinished functions): count those as well
                assert text.count(words) == sum(words in normalized(r.message or r.note) for r in mine), result.id
            assert f"PASSED {result.title}" not in text and f"FAILED {result.title}" not in text


def test_a_feedback_page_opens_offline_without_asking_the_network(graded):
    """In Chromium with the network blocked, does the buggy student's simple_nn page reach its load event without
    requesting anything but its own file, and does every preformatted block wrap instead of scrolling sideways?"""
    page = graded["root"] / "feedback" / "buggy_student" / WEEK / "simple_nn.html"
    seen = browser.load_offline(page, screenshot_path(graded, "feedback_offline_buggy_student_simple_nn.png"))
    assert [url for url in seen["requests"] if not url.startswith(("file:", "data:"))] == []
    assert seen["pre"] and {pre["white_space"] for pre in seen["pre"]} == {"pre-wrap"}
    assert [pre for pre in seen["pre"] if pre["scrolls"]] == []


def test_one_autograde_runs_the_graders_once_for_all_notebooks(graded):
    """Does one `nbgrader autograde` of a student run the hidden graders once, however many notebooks it executes
    (nbgrader makes a new preprocessor per notebook: the results must outlive it)?"""
    log = nbgrader_commands.nbgrader("autograde", WEEK, "--student=stub_student", "--force")
    notebooks = len(list((paths.ASSIGNMENTS / WEEK).glob("*.ipynb")))
    assert log.count("] Autograding ") == notebooks > 1, log[-3000:]
    assert log.count("KitGrades: graded week03 of stub_student once") == 1, log[-3000:]


def test_a_ta_grades_the_rubric_in_formgrader_with_the_code_in_view(graded, tmp_path, monkeypatch):
    """In formgrader, in a real browser: does the manual grading page of buggy_student's simple_nn show the rubric's
    task cell with its score box and, below it, the student's own code and its style notes; does typing 4 in that
    box store the TA's score in the gradebook; and does `make report` then say who still waits for a TA?"""
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    [part] = RUBRIC
    course = tmp_path / "course"  # a copy: the other tests keep the class as graded
    shutil.copytree(graded["root"], course, symlinks=True)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text().replace(str(graded["root"]), str(course)))
    monkeypatch.setenv("NNGRADER_COURSE_DIR", str(course))
    monkeypatch.setenv("NNGRADER_EXCHANGE", str(course / "exchange"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token, url = "nngrader-test-token", f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "server", "--no-browser", "--allow-root", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}"],
        cwd=course, env=nbgrader_commands.nbgrader_environment(), stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "formgrader.log", "wb"))
    api = f"{url}/formgrader/api/submitted_notebooks/{WEEK}/{part.module}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(urllib.request.Request(api, headers=headers), timeout=5) as answer:
                    submitted = json.load(answer)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"formgrader did not start: {(tmp_path / 'formgrader.log').read_text()[-2000:]}")
        mine = next(s for s in submitted if s["student"] == "buggy_student")
        assert mine["needs_manual_grade"] and mine["max_task_score"] == part.points
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(browser.chromium()), args=["--no-sandbox"])
            try:
                page = chromium.new_page(viewport={"width": 1280, "height": 1000}, extra_http_headers=headers)
                page.goto(f"{url}/formgrader/submissions/{mine['id']}/")
                box = page.locator(f"#{part.grade_id}")
                box.wait_for(timeout=120_000)
                page.wait_for_load_state("networkidle")
                task = page.locator(".nbgrader_cell", has=box)
                assert part.title in task.inner_text() and f"/ {part.points:g}" in task.inner_text()
                text = page.inner_text("body")
                source = (course / "autograded" / "buggy_student" / WEEK / f"{part.module}.py").read_text()
                last = [line for line in source.splitlines() if len(line.strip()) > 30][-1].strip()
                assert "style notes on simple_nn.py" in text and last in text
                assert text.index(part.title) < text.index("style notes on simple_nn.py") < text.index(last)
                task.evaluate("cell => cell.scrollIntoView()")  # the task cell on top, the code below it
                box.fill("4")
                box.press("Tab")  # formgrader saves a score when its box changes
                page.wait_for_timeout(500)
                page.screenshot(path=screenshot_path(graded, "formgrader_rubric_buggy_student.png"))
            finally:
                chromium.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    record = gradebook.recorded(course / "gradebook.db", WEEK, "buggy_student")
    assert record.scores[part.grade_id] == 4.0 and part.grade_id not in record.ungraded
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "report", WEEK], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"waiting for a TA: 3 submissions (correct_student, {CHEATER}, stub_student)" in done.stdout, done.stdout
    rows = {r["student_id"]: r for r in reports.read_grades(course / "grades.csv", WEEK)}
    assert rows["buggy_student"]["waiting_for_ta"] == ""
    assert float(rows["buggy_student"]["raw_score"]) == float(graded["rows"]["buggy_student"]["raw_score"]) + 4
