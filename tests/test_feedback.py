"""From check results to what a student reads: the likely mistake (advice), the report, results.json.

The first tests feed ``advice.diagnose`` results with symptoms as the graders
record them; ``test_sample_bugs_get_the_advice_for_their_mistake`` grades the
bundled buggy sample for real and asks for the advice of each planted bug.
"""

from __future__ import annotations

import json
import re

import pytest

from autograder import paths
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks
from autograder.reporting import advice, feedback, gradescope
from autograder.results import CheckResult

WEEK = "week03"


def result(check_id: str, passed: bool = False, points: float = 2, **symptoms) -> CheckResult:
    message = "" if passed else "what failed\n  expected: a\n  got:      b\n  hint:     c"
    return CheckResult(id=check_id, title=f"title of {check_id}", max_points=points, passed=passed,
                       message=message, data={"symptoms": symptoms} if symptoms else {})


def keys(results: list[CheckResult]) -> list[str]:
    return [d.mistake.key for d in advice.diagnose(results)]


def test_gradient_off_by_the_batch_size_reads_as_not_averaged():
    """Is a gradient exactly batch-size times too large read as 'not averaged', 1/N as 'divided twice', and another
    factor as neither?"""
    assert keys([result("m::a", scaled_by=6.0, batch_size=6)]) == ["not_averaged"]
    assert keys([result("m::a", scaled_by=round(1 / 6, 4), batch_size=6)]) == ["averaged_twice"]
    assert keys([result("m::a", scaled_by=3.0, batch_size=6)]) == []
    assert keys([result("m::a", scaled_by=6.0)]) == []  # no batch: a factor alone says nothing


def test_a_nan_loss_beside_a_bug_of_its_module_is_that_bugs_consequence():
    """Is a NaN loss next to unaveraged gradients of the same module listed under that mistake, not as a second
    one; and is a NaN loss in another module still its own mistake?"""
    results = [result("nn::grad", scaled_by=64.0, batch_size=64), result("nn::accuracy", loss_nan=True),
               result("other::train", loss_nan=True)]
    diagnoses = advice.diagnose(results)
    assert [d.mistake.key for d in diagnoses] == ["not_averaged", "loss_nan"]
    assert [r.id for r in diagnoses[0].checks] == ["nn::grad", "nn::accuracy"]
    assert diagnoses[0].points_lost == 4
    assert advice.likely_causes(results) == {"nn::grad": advice.MISTAKES[5], "nn::accuracy": advice.MISTAKES[5],
                                             "other::train": next(m for m in advice.MISTAKES if m.key == "loss_nan")}


def test_each_symptom_names_its_mistake_and_passed_checks_name_none():
    """Does each recorded symptom lead to the mistake of the week's list it signals, in the order to fix them, and
    does a check that passed never count (whatever its data)?"""
    cases = {"init_too_small": {"init_too_small": 0.0002}, "overflow": {"overflow": True},
             "no_hidden_activation": {"no_hidden_activation": True}, "no_shuffle": {"no_shuffle": True},
             "scaler_leak": {"scaler_leak": True}, "not_standardized": {"not_standardized": True},
             "loss_flat": {"loss_flat": True}, "loss_slow": {"loss_slow": True},
             "unfinished": {"raised": "NotImplementedError"},
             "timeout": {"raised": "timeout"}}
    for expected, symptoms in cases.items():
        assert keys([result("m::x", **symptoms)]) == [expected], symptoms
    results = [result(f"m{i}::x", **symptoms) for i, symptoms in enumerate(cases.values())]
    order = [m.key for m in advice.MISTAKES]
    assert keys(results) == sorted(cases, key=order.index)
    assert keys([result("m::x", passed=True, overflow=True)]) == []


def test_every_mistake_of_the_week_has_advice_that_says_what_to_do():
    """Does the catalog cover the week's list of mistakes, each with advice of some substance?"""
    week = {"init_too_small", "not_standardized", "no_shuffle", "overflow", "loss_nan", "no_hidden_activation",
            "not_averaged", "scaler_leak"}
    catalog = {m.key: m for m in advice.MISTAKES}
    assert week <= set(catalog)
    assert len(catalog) == len(advice.MISTAKES)
    for mistake in advice.MISTAKES:
        assert len(mistake.advice) > 80 and mistake.name[0].isupper(), mistake.key


def test_report_escapes_what_the_student_controls():
    """Are a student id and messages holding HTML or a `$` (MathJax) shown as text, never as markup?"""
    checks = collect_checks(WEEK)
    results = [CheckResult(id=spec.id, title=spec.title, max_points=spec.points, passed=False,
                           message="got <script>alert(1)</script> $x$") for spec in checks]
    html = feedback.report_html(WEEK, "<img src=x onerror=alert(2)>", results)
    assert "<script>" not in html and "<img" not in html and "$x$" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#36;x&#36;" in html


def test_report_totals_and_module_listing():
    """Does the report give the right totals (extra credit apart) and, for a notebook, list only its module's checks
    with the likely cause beside each failure it explains?"""
    checks = collect_checks(WEEK)
    results = [CheckResult(id=spec.id, title=spec.title, max_points=spec.points, passed=spec.module != "simple_nn",
                           message="" if spec.module != "simple_nn" else "x\n  expected: a\n  got:      b\n  hint:     c",
                           data={} if spec.module != "simple_nn" else {"symptoms": {"no_shuffle": True}})
               for spec in checks]
    regular = sum(s.points for s in checks if not s.bonus)
    nn = sum(s.points for s in checks if s.module == "simple_nn")
    bonus = sum(s.points for s in checks if s.bonus)
    html = feedback.report_html(WEEK, "ann", results, module="simple_nn")
    assert f"<b>{regular - nn:g} / {regular:g}</b> points and {bonus:g} / {bonus:g} extra credit" in html
    listed = re.findall(r'<tr class="(passed|failed)">', html)
    assert listed == ["failed"] * sum(s.module == "simple_nn" for s in checks)
    assert html.count("likely cause: No shuffling between epochs") == len(listed)
    assert "No shuffling between epochs</b> (simple_nn.py" in html


def test_results_json_follows_the_gradescope_format():
    """Does results.json have Gradescope's fields: the gradebook's score plus extra credit, one test per check with
    score, max_score, status, the student's report as output, tags and a valid visibility?"""
    checks = collect_checks(WEEK)
    results = [CheckResult(id=spec.id, title=spec.title, max_points=spec.points, passed=spec.bonus or i % 2 == 0,
                           message="" if spec.bonus or i % 2 == 0 else "m\n  expected: a\n  got:      b\n  hint:     c",
                           seconds=0.5) for i, spec in enumerate(checks)]
    bonus_ids = {spec.id for spec in checks if spec.bonus}
    row = {"score": "40.0", "late_submission_penalty": "2.0"}
    document = gradescope.results_json(WEEK, "ann", results, bonus_ids, row)
    json.dumps(document)
    bonus = sum(spec.points for spec in checks if spec.bonus)
    assert document["score"] == 40.0 + bonus
    assert document["extra_data"]["late_submission_penalty"] == 2.0
    assert document["extra_data"]["max_score"] == sum(spec.points for spec in checks if not spec.bonus)
    assert document["visibility"] in {"hidden", "after_due_date", "after_published", "visible"}
    assert len(document["tests"]) == len(checks)
    numbers = [test["number"] for test in document["tests"]]
    assert len(set(numbers)) == len(numbers) and numbers[0] == "1.1"
    for test, check in zip(document["tests"], results):
        assert set(test) >= {"name", "number", "score", "max_score", "status", "output", "tags", "visibility"}
        assert test["score"] == check.points and test["max_score"] == check.max_points
        assert test["status"] == ("passed" if check.passed else "failed")
        assert test["output"] == check.report()
        assert ("extra credit" in test["tags"]) == (check.id in bonus_ids)


@pytest.fixture(scope="module")
def buggy_sample(tmp_path_factory, mnist_dir):
    """The bundled buggy student's modules (the untouched stubs where none was submitted), graded for real."""
    folder = tmp_path_factory.mktemp("buggy") / WEEK
    folder.mkdir()
    for path in (paths.ASSIGNMENTS / WEEK).glob("*.py"):
        (folder / path.name).write_bytes(path.read_bytes())
    for path in (paths.EXAMPLES / "buggy_student").glob("*.py"):
        (folder / path.name).write_bytes(path.read_bytes())
    return run_checks(WEEK, folder, student_id="buggy_student")


@pytest.mark.parametrize("module, mistake", [("activations", "overflow"), ("forward_prop", "no_hidden_activation"),
                                             ("simple_nn", "not_averaged"), ("perceptron", "unfinished")])
def test_sample_bugs_get_the_advice_for_their_mistake(buggy_sample, module, mistake):
    """Does each bug planted in the buggy sample (and each module it left unfinished) get the advice for exactly
    that mistake, covering every check of that module it failed?"""
    failed = [r for r in buggy_sample if not r.passed and r.id.startswith(f"{module}::")]
    assert failed
    found = [d for d in advice.diagnose(buggy_sample) if any(r.id.startswith(f"{module}::") for r in d.checks)]
    assert [d.mistake.key for d in found] == [mistake], [(d.mistake.key, [r.id for r in d.checks]) for d in found]
    causes = advice.likely_causes(buggy_sample)
    assert {r.id for r in failed} <= set(causes), {r.id: r.message for r in failed if r.id not in causes}


@pytest.mark.parametrize("ta_score", [None, 3.0])
def test_a_rubric_part_is_not_graded_yet_on_the_report_and_in_results_json(ta_score):
    """With every check passed and the rubric part a TA grades by hand not graded yet, do the report and results.json
    count it 0 of its points and say "not graded yet" (a note by the total, its row, its test), never a failure to
    fix; and once a TA grades it, its points and "graded by a TA"?"""
    from autograder.grading.checklist import max_points, rubric_parts

    checks = collect_checks(WEEK)
    [part] = rubric_parts(WEEK)
    results = [CheckResult(id=spec.id, title=spec.title, max_points=spec.points, passed=True) for spec in checks]
    results.append(CheckResult(part.id, part.title, part.points, passed=False, message="\n".join(part.criteria),
                               manual=True, final=ta_score))
    regular = sum(s.points for s in checks if not s.bonus)
    total = regular + (ta_score or 0)
    html = feedback.report_html(WEEK, "ann", results, module="simple_nn")
    assert f"<b>{total:g} / {max_points(WEEK):g}</b> points" in html and max_points(WEEK) == regular + part.points
    assert "Every check passed. Well done!" in html and 'class="failed"' not in html
    nn = sum(s.points for s in checks if s.module == "simple_nn")
    row = re.search(r'<tr class="manual">(.*?)</tr>', html).group(1)
    if ta_score is None:
        assert "not graded yet</b>" in html and f"{part.points:g} points of the total" in html
        assert f"not graded yet / {part.points:g}" in row and "A TA grades this part by hand" in row
        assert f"{nn:g} / {nn + part.points:g} ({part.points:g} not graded yet)" in html
    else:
        assert "not graded yet" not in html.lower()
        assert f"{ta_score:g} / {part.points:g}" in row and "Graded by a TA" in row
    assert all(criterion in row for criterion in part.criteria)
    document = gradescope.results_json(WEEK, "ann", results, {s.id for s in checks if s.bonus})
    test = document["tests"][-1]
    assert "status" not in test and test["score"] == (ta_score or 0) and test["max_score"] == part.points
    assert test["extra_data"]["not_graded_yet"] is (ta_score is None) and "graded by a TA" in test["tags"]
    assert document["extra_data"]["max_score"] == max_points(WEEK)
    assert document["extra_data"]["waiting_for_ta"] == ([part.title] if ta_score is None else [])
    assert ("Not graded yet: " + part.title in document["output"]) is (ta_score is None)
    assert "What to fix first" not in document["output"]
