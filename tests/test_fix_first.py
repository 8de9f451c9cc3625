"""'What to fix first' (``advice.fix_first``, ``feedback._advice_list``): the biggest loss is always covered, one
error met by many checks is one item, and `pytest` is suggested only where the visible tests reproduce the failure.

The results are built by hand, as the plugin saves them: a raised error records ``{"raised": <type>}`` and a
message with the student's frame (``  at simple_nn.py, line 57, in forward: ...``).
"""

from __future__ import annotations

from autograder.reporting import advice, feedback, gradescope
from autograder.results import CheckResult


def raised(check_id: str, kind: str, text: str, points: float = 2, line: int = 57) -> CheckResult:
    module = check_id.split("::")[0]
    message = (f"your code raised {kind}: {text}\n  at {module}.py, line {line}, in forward: h = X @ self.W1\n"
               "  hint:     the line above is where it was raised")
    return CheckResult(id=check_id, title=f"title of {check_id}", max_points=points, passed=False,
                       message=message, data={"symptoms": {"raised": kind}})


def failed(check_id: str, hint: str, points: float = 2, **symptoms) -> CheckResult:
    return CheckResult(id=check_id, title=f"title of {check_id}", max_points=points, passed=False,
                       message=f"what\n  expected: a\n  got:      b\n  hint:     {hint}",
                       data={"symptoms": symptoms} if symptoms else {})


def passed(check_id: str, points: float = 2) -> CheckResult:
    return CheckResult(id=check_id, title=f"title of {check_id}", max_points=points, passed=True)


VISIBLE = {"perceptron", "activations", "simple_nn"}


def the_issues_student() -> list[CheckResult]:
    """28 of simple_nn's points lost to one ValueError (transposed weights) on 12 checks, beside an unfinished
    perceptron and a softmax overflow."""
    shapes = "shapes (32,784) and (64,784) not aligned"
    return ([raised(f"simple_nn::t{i}", "ValueError", shapes, points=2 if i < 8 else 3) for i in range(12)]
            + [passed("simple_nn::ok", 7)]
            + [raised("perceptron::step", "NotImplementedError", "not done yet: step"),
               failed("activations::softmax", "subtract the max", overflow=True)])


def test_one_error_on_many_checks_is_one_item_that_comes_first_without_a_pytest_promise():
    """Is the ValueError of 12 checks one item, first (it lost the most), with its message, count and points, and
    no `pytest` line; while the unfinished TODO, which the visible tests do catch, gets one?"""
    items = advice.fix_first(the_issues_student(), VISIBLE)
    assert [item.name for item in items] == ["ValueError: shapes (32,784) and (64,784) not aligned",
                                             "Unfinished TODOs", "Softmax overflow"]
    error = items[0]
    assert len(error.checks) == 12 and error.points_lost == 28 and error.modules == ["simple_nn"]
    assert "simple_nn.py, line 57, in forward" in error.advice
    assert error.reproduce == ()
    assert items[1].reproduce == ("test_perceptron.py",)
    html = feedback._advice_list(the_issues_student(), VISIBLE)
    assert "ValueError: shapes (32,784) and (64,784) not aligned</b> (simple_nn.py: 12 checks, 28 points)" in html
    assert html.count("pytest") == 1 and "<code>pytest test_perceptron.py</code>" in html


def test_errors_at_different_lines_are_different_items():
    """Is the same exception type raised at another line another error; is an error of one check no item of its
    own, unless it is most of the biggest loss (then it is that module's item)?"""
    results = [raised("m::a", "ValueError", "x", line=10), raised("m::b", "ValueError", "x", line=10),
               raised("m::c", "ValueError", "y", line=20), passed("m::d", 100)]
    assert [[r.id for r in item.checks] for item in advice.fix_first(results)] == [["m::a", "m::b"]]
    results[2] = raised("m::c", "ValueError", "y", line=20, points=6)
    items = advice.fix_first(results)
    assert [[r.id for r in item.checks] for item in items] == [["m::c"], ["m::a", "m::b"]]
    assert items[0].name == "Most points lost: m.py" and items[1].name == "ValueError: x"


def test_the_module_that_lost_most_gets_an_item_with_its_commonest_hint():
    """When no known mistake explains the biggest loss, is there an item for that module naming its commonest
    hint and the points lost, placed before smaller diagnosed mistakes?"""
    results = ([failed(f"simple_nn::w{i}", "multiply X by W1, not W1 by X", points=4) for i in range(3)]
               + [failed("simple_nn::v", "keep the velocity", points=4)]
               + [failed("activations::softmax", "subtract the max", overflow=True)])
    items = advice.fix_first(results, VISIBLE)
    assert [item.name for item in items] == ["Most points lost: simple_nn.py", "Softmax overflow"]
    assert items[0].points_lost == 16 and len(items[0].checks) == 4
    assert "The commonest hint (3 of them): multiply X by W1, not W1 by X" in items[0].advice
    assert items[0].reproduce == ()


def test_a_biggest_loss_a_diagnosis_explains_gets_no_second_item():
    """Is a module whose loss is mostly explained by a known mistake left to that mistake, and does extra credit
    never count as the biggest loss?"""
    results = ([failed(f"simple_nn::g{i}", "divide by N", points=3, scaled_by=64.0, batch_size=64) for i in range(3)]
               + [failed("simple_nn::other", "something", points=2)]
               + [failed(f"bonus::b{i}", "dropout", points=5) for i in range(4)])
    items = advice.fix_first(results, VISIBLE, bonus_ids={f"bonus::b{i}" for i in range(4)})
    assert [item.name for item in items] == ["Gradients not averaged over the batch"]


def test_counts_are_singular_for_one():
    """Does an item of one check worth one point say '1 check, 1 point'?"""
    html = feedback._advice_list([failed("activations::softmax", "subtract the max", points=1, overflow=True)])
    assert "(activations.py: 1 check, 1 point)" in html


def test_visible_modules_are_those_with_a_visible_test_file():
    """Are the week's visible-test modules read from the assignment folder, one per test_<module>.py?"""
    assert {"simple_nn", "perceptron", "bonus"} <= feedback.visible_modules("week03")


def test_items_go_by_the_points_their_module_lost():
    """Does a mistake of the module that lost most come before a cheaper one earlier in MISTAKES, while within one
    module the known mistake stays ahead of the error it may have caused; and does extra credit come last?"""
    results = ([raised(f"simple_nn::f{i}", "ValueError", "shapes not aligned") for i in range(5)]
               + [failed("simple_nn::init", "weights are (inputs, outputs)", transposed=True)]
               + [failed("activations::softmax", "subtract the max", points=1, overflow=True)]
               + [failed("bonus::dropout", "keep_prob", points=12, no_shuffle=True)])
    items = advice.fix_first(results, VISIBLE, bonus_ids={"bonus::dropout"})
    assert [item.name for item in items] == ["A transposed result", "ValueError: shapes not aligned",
                                             "Softmax overflow", "No shuffling between epochs"]


def test_a_swapped_shape_records_the_transposed_symptom():
    """Does a shape that is the expected one reversed, and only that, record ``transposed``?"""
    from autograder.checks import shape_symptoms

    assert shape_symptoms((64, 784), (784, 64)) == {"transposed": True}
    assert shape_symptoms((784, 64), (784, 64)) == {} and shape_symptoms((3, 3), (3, 3)) == {}
    assert shape_symptoms((1, 64), (64,)) == {}


def test_results_json_gives_the_same_items_as_the_page():
    """Does results.json's output list the same items, with their extent and the pytest line where it applies?"""
    output = gradescope.results_json("week03", "ann", the_issues_student(), set())["output"]
    lines = output.split("What to fix first:\n")[1].splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("- ValueError: shapes (32,784) and (64,784) not aligned (simple_nn.py: 12 checks, "
                               "28 points): The same error")
    assert lines[1].startswith("- Unfinished TODOs (perceptron.py: 1 check, 2 points): ")
    assert lines[2].startswith("- Softmax overflow (activations.py: 1 check, 2 points): ")
    assert "pytest" not in lines[0] + lines[2]
    assert lines[1].endswith("Run `pytest test_perceptron.py` in your folder to reproduce it.")
