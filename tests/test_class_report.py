"""The instructor's class report (autograder/reporting/class_report.py): its numbers, its figures, and the page in a browser.

A synthetic class of six submissions (full marks, nothing done, partial ones,
a NaN loss, an id that is HTML) plus one gradebook student who submitted
nothing. Its numbers, worked out by hand:

    student   regular (of 15)        fails                                   bonus (of 2)
    alice     15                     -                                       2
    bob       0                      everything (NotImplementedError)        0
    carol     7                      softmax overflow, accuracy (NaN loss)   2
    dave      10                     softmax overflow, forward               0
    <b>&"     13                     softmax overflow                        2
    erin      13, 12 after a 1-point late penalty   fit learns AND           2

Mean score (grades.csv: 15, 0, 7, 10, 13, 12) 9.5, median 11; the softmax
overflow check passes for 2 of 6 (33 %); its message is the most common
failure (3: <b>&", carol, dave); 24 of 36 regular check runs pass (67 %).
bob's failures are all unfinished TODOs: listed as not attempted, not as
failures. alice's and <b>&"'s accuracy runs saved confusion matrices (190
and 10 images): the class's matrix is their sum.
"""

from __future__ import annotations

import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import browser
import numpy as np
import pytest
from browser import colour_area, distinct_colours, images_rendered, render, text_of
from matplotlib.image import imread

from autograder import paths
from autograder.handout import mnist
from autograder.reporting import class_report, plots
from autograder.reporting.class_report import FIGURES, reference_confusion, write_class_report
from autograder.results import CheckResult
from autograder.week03.policy import ACCURACY_CHECK

WEEK = "week03"
OVERFLOW = "softmax_no_overflow"
CHECKS = [  # id, title, points
    ("perceptron::test_step_zero_counts_as_one", "step gives 1 for scores >= 0 and 0 for negative scores", 1.0),
    ("perceptron::test_fit_learns_and", "fit learns AND: returns True and then classifies all four rows", 2.0),
    ("activations::test_sigmoid_matches_reference", "sigmoid computes 1 / (1 + exp(-z))", 1.0),
    (f"activations::test_{OVERFLOW}", "softmax stays finite and raises no RuntimeWarning for logits of +-1000", 2.0),
    ("simple_nn::test_forward_matches_reference", "forward computes softmax(ReLU(X W1 + b1) W2 + b2)", 3.0),
    (ACCURACY_CHECK, "after train on the 60,000 MNIST training images, more than 90 % of the test images are right",
     6.0),
    ("bonus::test_dropout_rescales_survivors", "in training mode dropout zeroes 1 - keep_prob of the hidden units",
     2.0),
]
BONUS = {"bonus::test_dropout_rescales_survivors"}
OVERFLOW_MESSAGE = ("softmax(z) for z = +-1000 raised RuntimeWarning: overflow encountered in exp\n"
                    "  expected: no warning\n  got:      RuntimeWarning\n  hint:     subtract the row max first")
ALICE_CONFUSION = (np.full((10, 10), 1) + np.diag(np.full(10, 9))).tolist()  # 190 images, 10 % wrong
GOOD_LOSS = [0.356, 0.169, 0.123, 0.100, 0.085, 0.074, 0.066, 0.057, 0.052, 0.047]


def submission(failed: dict[str, str], accuracy: float | None = 0.974, history: list[float] | None = None,
               confusion: list[list[int]] | None = None):
    """One CheckResult per check: those in ``failed`` fail with that message (an unfinished TODO's records the
    symptom the plugin saves for it); the accuracy run's data as given."""
    results = []
    for check_id, title, points in CHECKS:
        data = {}
        if failed.get(check_id, "").startswith("your code raised NotImplementedError"):
            data = {"symptoms": {"raised": "NotImplementedError"}}
        if check_id == ACCURACY_CHECK and accuracy is not None:
            data = {"accuracy": accuracy, "train_seconds": 3.6, "history": history or GOOD_LOSS,
                    **({"confusion": confusion} if confusion is not None else {})}
        results.append(CheckResult(id=check_id, title=title, max_points=points, passed=check_id not in failed,
                                   message=failed.get(check_id, ""), data=data))
    return results


def by_name(fragment: str) -> str:
    return next(check_id for check_id, _, _ in CHECKS if fragment in check_id)


def stub_messages() -> dict[str, str]:
    return {check_id: f"your code raised NotImplementedError: {check_id.split('test_')[1]} is not implemented yet\n"
            "  hint:     complete that TODO" for check_id, _, _ in CHECKS}


@pytest.fixture(scope="module")
def synthetic_class() -> tuple[dict[str, list[CheckResult]], list[dict[str, str]]]:
    """The class of the module docstring: check results per student and the rows of grades.csv."""
    students = {
        "alice": submission({}, confusion=ALICE_CONFUSION),
        "bob": submission(stub_messages(), accuracy=None),
        "carol": submission({by_name(OVERFLOW): OVERFLOW_MESSAGE,
                             ACCURACY_CHECK: "test accuracy after train\n  expected: more than 90%\n  got:      9.80%"},
                            accuracy=0.098, history=[2.30, 1.95, float("nan")] + [float("nan")] * 7),
        "dave": submission({by_name(OVERFLOW): OVERFLOW_MESSAGE,
                            by_name("forward"): "forward(X) against the reference\n  expected: ...\n  got: ...",
                            by_name("dropout"): "forward in training mode\n  expected: ...\n  got: ..."},
                           accuracy=0.931, history=[0.9, 0.5, 0.4, 0.35, 0.3, 0.3, 0.29, 0.28, 0.28, 0.27]),
        '<b>&"': submission({by_name(OVERFLOW): OVERFLOW_MESSAGE}, confusion=np.eye(10, dtype=int).tolist()),
        "erin": submission({by_name("fit_learns_and"): "fit on AND returned False after 100 epochs\n  hint: ..."}),
    }
    penalties = {"erin": 1.0}
    grades = []
    for student, results in students.items():
        raw, bonus = (sum(r.points for r in results if (r.id in BONUS) == extra) for extra in (False, True))
        grades.append(grade_row(student, raw, bonus, penalties.get(student, 0.0)))
    grades.append({**grade_row("frank", 0.0, 0.0, 0.0), "timestamp": ""})  # on the roster, submitted nothing
    return students, grades


def grade_row(student: str, raw: float, bonus: float, penalty: float) -> dict[str, str]:
    return {"assignment": WEEK, "duedate": "", "timestamp": "2026-11-20 10:00:00", "student_id": student,
            "last_name": "", "first_name": "", "email": "", "raw_score": str(raw),
            "late_submission_penalty": str(penalty), "score": str(max(0.0, raw - penalty)), "max_score": "15.0",
            "bonus": str(bonus), "bonus_max": "2.0"}


@pytest.fixture(scope="module")
def report(synthetic_class, tmp_path_factory) -> Path:
    """index.html of the synthetic class, with a synthetic confusion matrix and one feedback link each."""
    students, grades = synthetic_class
    confusion = np.full((10, 10), 2, dtype=np.int64) + np.diag(np.full(10, 980))  # 10,000 images, 98.0 %
    feedback = {student: [f"../feedback/{student}/{WEEK}/simple_nn.html"] for student in students}
    return write_class_report(WEEK, students, grades, tmp_path_factory.mktemp("report"), confusion=confusion,
                              feedback=feedback, bonus_ids=BONUS)


def test_every_figure_is_a_real_png_of_a_sensible_size(report):
    """Does the report folder hold each of the five figures as a readable PNG, neither tiny nor enormous?"""
    for name in FIGURES.values():
        path = report.parent / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        height, width = imread(path).shape[:2]
        assert 400 <= width <= 1600 and 250 <= height <= 3000, (name, width, height)


def test_header_gives_submissions_mean_median_and_pass_rate(report):
    """Does the header count six submissions (not the student who sent nothing) with mean 9.5, median 11, 67 %?"""
    stats = {label: value for value, label in
             re.findall(r'<div class="stat"><strong>(.*?)</strong><span>(.*?)</span>', report.read_text())}
    assert stats == {"submissions": "6", "mean score / 15": "9.5", "median score / 15": "11",
                     "of regular checks passed": "67%", "with full marks": "1", "reach the accuracy target": "4/6"}


def test_student_table_has_gradebook_totals_and_module_points(report):
    """Is every student a row, sorted by id, with grades.csv's score and bonus and the results' module points?"""
    table = tables(report.read_text())[0]
    assert table[0] == ["student", "score / 15", "bonus", "perceptron / 3", "activations / 3", "simple_nn / 9",
                        "bonus / 2 extra", "accuracy", "feedback"]
    rows = {row[0]: row[1:] for row in table[1:]}
    assert list(rows) == sorted(rows) == ['<b>&"', "alice", "bob", "carol", "dave", "erin", "frank"]
    assert rows["alice"] == ["15", "2 / 2", "3", "3", "9", "2", "97.4% in 3.6 s", "feedback"]
    assert rows["bob"] == ["0", "0 / 2", "0", "0", "0", "0", "–", "feedback"]
    assert rows["erin"][:2] == ["12 (−1 late)", "2 / 2"] and rows["erin"][2] == "1"
    assert rows["carol"][1:6] == ["2 / 2", "3", "1", "3", "2"]
    assert rows["dave"][:6] == ["10", "0 / 2", "3", "1", "6", "0"]
    assert rows["frank"] == ["0", "0 / 2", "–", "–", "–", "–", "–", ""]


def test_pass_rate_and_most_common_failure(report):
    """Is the softmax overflow check passed by 2 of 6, and its message the top failure with 3 students?"""
    page = report.read_text()
    hardest, failures = tables(page)[1], tables(page)[2]
    overflow = next(row for row in hardest if f"test_{OVERFLOW}" in row[0])
    assert overflow[1:] == ["33%", "2 / 6"]
    assert hardest[1] == overflow  # the hardest regular check
    assert failures[1][1:] == ["softmax(z) for z = +-1000 raised RuntimeWarning: overflow encountered in exp", "3",
                               '<b>&", carol, dave']
    assert {row[2] for row in failures[2:]} == {"1"}


def test_unfinished_todos_are_listed_apart_from_the_mistakes(report, synthetic_class):
    """Are bob's NotImplementedErrors absent from the most common failures and listed as not attempted instead,
    one row per unfinished function in the week's order, with '1 student' and '1 check' in the singular?"""
    page = report.read_text()
    failures, unfinished = tables(page)[2], tables(page)[3]
    assert not any("NotImplementedError" in cell or "bob" in cell for row in failures for cell in row)
    assert unfinished[0] == ["module", "unfinished", "students", "failed checks", "who"]
    assert [row[0] for row in unfinished[1:]] == [f"{check_id.split('::')[0]}.py" for check_id, _, _ in CHECKS]
    assert ["perceptron.py", "step_zero_counts_as_one is not implemented yet", "1 student", "1 check",
            "bob"] in unfinished
    assert class_report.common_failures(synthetic_class[0])[0].students == ('<b>&"', "carol", "dave")


def test_the_classs_confusion_matrix_sums_the_saved_ones_and_skips_malformed(synthetic_class, report):
    """Is the class's matrix the sum of the accuracy runs' saved counts, drawn beside the reference's; and is a
    matrix of the wrong shape, with floats, bools or negative counts, never added?"""
    students = dict(synthetic_class[0])
    matrix, runs = class_report.class_confusion(students, ACCURACY_CHECK)
    assert runs == 2 and matrix.dtype == np.int64
    assert matrix.tolist() == (np.array(ALICE_CONFUSION) + np.eye(10, dtype=int)).tolist()
    for bad in ([[1] * 10] * 9, [[1.5] * 10] * 10, [[True] * 10] * 10, [[-1] * 10] * 10, "[[1]]", {"0": 1}):
        students["alice"] = submission({}, confusion=bad)
        assert class_report.class_confusion(students, ACCURACY_CHECK)[1] == 1, bad
    assert class_report.class_confusion(students, "no::such_check") is None
    assert (report.parent / FIGURES["class_confusion"]).is_file()
    assert "Confusion matrix of the class&#x27;s 2 accuracy runs" in report.read_text()


def test_counts_of_one_are_singular(tmp_path):
    """Does a class of one, failing one check, read '1 submission', 'The 1 regular check', and a gradebook that
    disagrees by '1 point' (never '1 points'), with plurals otherwise?"""
    from autograder.results import counted

    assert [counted(1, "point"), counted(2, "point"), counted(0.5, "student"), counted(1.0, "student")] == [
        "1 point", "2 points", "0.5 students", "1 student"]
    students = {"ann": submission({by_name("sigmoid"): "sigmoid wrong\n  hint:     c"})}
    page = write_class_report(WEEK, students, [grade_row("ann", 1.0, 2.0, 0.0)], tmp_path, bonus_ids=BONUS).read_text()
    assert "<strong>1</strong><span>submission</span>" in page
    assert "The 1 regular check passed least often" in page and "grades.csv has 1 point before penalties" in page
    assert not re.search(r"\b1 (points|students|checks|submissions)\b", page)


def test_student_text_is_escaped_and_the_page_self_contained(report):
    """Is the id <b>&" text (escaped), its feedback link percent-encoded, and the page free of fetches and scripts?"""
    page = report.read_text()
    assert "&lt;b&gt;&amp;&quot;" in page and '<b>&"' not in page
    assert 'href="../feedback/%3Cb%3E%26%22/week03/simple_nn.html"' in page
    assert "NaN or infinite for: carol" in page and "No loss history" in page and "bob" in page
    assert not re.search(r"https?:|<script|<link|@import", page)  # self-contained: nothing to fetch or run


def test_page_renders_in_chromium_with_every_image(report):
    """In a real browser, does every <img> decode, and does the screenshot show the plots (not a blank page)?"""
    folder = Path(os.environ.get("NNGRADER_SCREENSHOTS") or report.parent)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "class_report.png"
    dom = render(report, shot)
    images = images_rendered(dom)
    assert sorted(image["src"] for image in images) == sorted(FIGURES.values())
    assert all(image["width"] > 0 and image["height"] > 0 for image in images), images
    assert '<b>&"' in text_of(dom) and "<b>" not in dom  # the id is text in the rendered page, not an element
    assert distinct_colours(shot) > 2000
    assert colour_area(shot, [plots.ACCENT]) > 5_000  # the histogram's bars: a colour only the plots use
    assert colour_area(shot, list(plots.PALETTE[:4])) > 20_000  # the module-coloured bars


def test_a_broken_image_link_is_caught(report, tmp_path):
    """Does the browser probe report an image whose file is missing (so a broken link fails the test above)?"""
    broken = report.with_name("broken.html")
    broken.write_text(report.read_text().replace(FIGURES["losses"], "no_such_figure.png"))
    images = {image["src"]: image["width"] for image in images_rendered(render(broken, tmp_path / "b.png",
                                                                               height=600))}
    assert images["no_such_figure.png"] == 0 and images[FIGURES["scores"]] > 0


def test_a_missing_browser_fails_the_test_instead_of_skipping(tmp_path, monkeypatch):
    """Without Chromium, does render fail (not skip) and say that .ci/run installs Debian's chromium?"""
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception, match=r"\.ci/run. installs Debian's chromium"):
        render(tmp_path / "page.html", tmp_path / "shot.png")


def test_missing_sections_say_why(tmp_path):
    """Without a confusion matrix or loss histories, do the sections say why, and stale figures go away?"""
    (tmp_path / FIGURES["confusion"]).write_bytes(b"stale")
    students = {"x$y$": submission({}, accuracy=None), "a$b": submission({by_name("sigmoid"): "sigmoid($z$) wrong"})}
    students["a$b"] = [r if r.id != ACCURACY_CHECK else CheckResult(r.id, r.title, r.max_points, False, "killed")
                       for r in students["a$b"]]
    page = write_class_report(WEEK, students, [], tmp_path, bonus_ids=BONUS).read_text()
    assert not (tmp_path / FIGURES["confusion"]).exists() and not (tmp_path / FIGURES["losses"]).exists()
    assert "No confusion matrix: the reference model was not evaluated" in page
    assert "No loss history (train did not finish, or returned none): a$b, x$y$." in page


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    """Is cell [t, p] the number of images of digit t predicted as p, so the trace counts the correct ones?"""
    labels, predicted = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2])
    matrix = class_report.confusion_matrix(labels, predicted, classes=3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert np.trace(matrix) == np.sum(labels == predicted) == 4


@pytest.mark.slow
def test_reference_confusion_on_real_mnist_is_cached(tmp_path, mnist_dir, monkeypatch):
    """Does the week's reference score > 95 % on the 10,000 test images, cached, and recomputed for other data?"""
    monkeypatch.setenv(mnist.ENV_VAR, str(mnist_dir))
    matrix = reference_confusion(WEEK, tmp_path)
    labels = mnist.load_labels("test")
    assert matrix.shape == (10, 10) and matrix.dtype.kind == "i"
    assert matrix.sum() == 10_000 and matrix.sum(axis=1).tolist() == np.bincount(labels, minlength=10).tolist()
    assert np.trace(matrix) / 10_000 > 0.95
    start = time.perf_counter()
    assert np.array_equal(reference_confusion(WEEK, tmp_path), matrix)
    assert time.perf_counter() - start < 0.5  # read from the cache, not trained again
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path / "elsewhere"))  # another data directory: the cache is stale,
    with pytest.raises(mnist.MnistError):  # so it trains again, and finds no data there
        reference_confusion(WEEK, tmp_path)


def test_reference_confusion_fails_loudly_without_mnist(tmp_path, monkeypatch):
    """Without the MNIST files, does it raise the loader's MnistError naming the fix, instead of a blank figure?"""
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(mnist.MnistError, match="make data"):
        reference_confusion(WEEK, tmp_path / "out")


def test_the_weeks_policy_names_a_check_and_a_model_that_exist():
    """Is the accuracy run Week 3's policy names one of the week's checks, and its reference model a class of the
    week's solutions, so that the class report's columns, curves and confusion matrix cannot go stale?"""
    from autograder.grading import solutions
    from autograder.grading.checklist import collect_checks
    from autograder.week03 import policy

    assert policy.ACCURACY_CHECK in {spec.id for spec in collect_checks(WEEK)}
    module, class_name, epochs = policy.REFERENCE_MODEL
    assert callable(getattr(solutions.load(WEEK, module), class_name)) and epochs > 0


def test_reference_confusion_is_none_for_a_week_without_a_reference_model(tmp_path, monkeypatch):
    """Does a week whose policy names no reference model (here: no policy at all) get None?"""
    (tmp_path / "week01").mkdir()
    monkeypatch.setattr(paths, "SOLUTIONS", tmp_path)
    assert reference_confusion("week01", tmp_path / "out") is None


def tables(page: str) -> list[list[list[str]]]:
    """Every <table> of ``page`` as rows of cell texts (entities decoded, whitespace collapsed)."""
    parser = _Tables()
    parser.feed(page)
    return parser.tables


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_a_rubric_part_lists_who_waits_for_a_ta_and_is_no_failure(tmp_path):
    """With a rubric part (graded by hand) graded for ann and not yet for bob and cy, does the report name who still
    waits for a TA, count the part in simple_nn's column as the gradebook does, and leave it out of the pass rates,
    the hardest checks and the common failures?"""
    part = ("simple_nn::rubric_clean_code", "Code is clean and commented", 5.0)

    def with_part(student: str, ta: float | None) -> list[CheckResult]:
        return [*submission({}), CheckResult(part[0], part[1], part[2], passed=False, manual=True, final=ta)]

    students = {"ann": with_part("ann", 4.0), "bob": with_part("bob", None), "cy": with_part("cy", None)}
    rows = [grade_row("ann", 19.0, 2.0, 0.0), grade_row("bob", 15.0, 2.0, 0.0), grade_row("cy", 15.0, 2.0, 0.0)]
    for row in rows:
        row["max_score"] = "20.0"
    page = write_class_report(WEEK, students, rows, tmp_path, bonus_ids=BONUS).read_text()
    assert re.search(r"Not graded yet by a TA: <b>Code is clean and commented</b> \(5 points\) for 2 students: "
                     r"bob, cy\.", page)
    assert "100%</strong><span>of regular checks passed" in page
    assert "Every submission passes every regular check." in page and "clean and commented<br>" not in page
    assert "grades.csv has" not in page  # the module cells add up to grades.csv's raw score, the TA's 4 included
    nn = sum(points for check_id, _, points in CHECKS if check_id.startswith("simple_nn::"))
    cells = re.findall(r'<td class="id">(\w+)</td>.*?</tr>', page, re.S)
    assert cells[:3] == ["ann", "bob", "cy"]
    assert f'<td class="n part">{nn + 4:g}</td>' in page and page.count(f'<td class="n part">{nn:g}</td>') == 2
