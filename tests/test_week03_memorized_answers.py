"""Gaming submissions that hand in a table of answers instead of the computation.

The checks that compare values on problems of their own (forward, backward,
gradients, activations) draw those problems per student and course: the same
student graded again gets the same numbers, a classmate gets others. A table
of answers recorded for one student therefore earns nothing for another, and
last year's table (or a table built from the kit's public source) nothing for
anyone.

The table is recorded the way a student sharing answers would: the sample
correct submission, wrapped so that every answer the graders ask of it is
written down (one recording run as alice, without the sandbox, so that the
wrapper may write outside its folder). The handed-in submission holds that
table (a few kB of JSON in the module) and a constant guess for anything else.
Graded as alice it scores every memorized check (the table is right, and the
numbers are reproducible); graded as bob, or as alice in another course (another
secret), it must score 0 on each. On the graders before issue 13 (the same fixed
problems for everyone) bob scored full marks too.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from mutants import assert_no_grader_source

from autograder import paths
from autograder.grading import draws
from autograder.grading.runner import run_checks

WEEK = "week03"
CORRECT = paths.EXAMPLES / "correct_student"

#: Appended to the correct sample: the memorizing wrapper. ``_RECORD`` is a file while recording, None after.
WRAPPER = '''

# ---- answers looked up in a table (a gaming submission of the kit's tests) ----
import hashlib as _hashlib
import json as _json

_RECORD = {record!r}
_TABLE = _json.loads({table!r})


def _feed(digest, value):
    if isinstance(value, np.ndarray):
        digest.update(f"{{value.dtype}}{{value.shape}}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        for key in sorted(value):
            digest.update(repr(key).encode())
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            _feed(digest, item)
    elif callable(value):
        digest.update(b"a function")
    else:
        digest.update(repr(value).encode())


def _encode(value):
    if isinstance(value, np.ndarray):
        return {{"array": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(value, tuple):
        return {{"tuple": [_encode(v) for v in value]}}
    if isinstance(value, dict):
        return {{"dict": {{k: _encode(v) for k, v in value.items()}}}}
    return float(value)


def _decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.array(value["array"], dtype=value["dtype"])
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_decode(v) for v in value["tuple"])
    if isinstance(value, dict) and "dict" in value:
        return {{k: _decode(v) for k, v in value["dict"].items()}}
    return value


def _memorised(name, real, guess, method=False):
    def answer(*args, **kwargs):
        digest = _hashlib.sha256(name.encode())
        if method:
            _feed(digest, {{p: getattr(args[0], p) for p in ("W1", "b1", "W2", "b2")}})
        _feed(digest, (args[1:] if method else args, kwargs))
        key = digest.hexdigest()
        if _RECORD:
            result = real(*args, **kwargs)
            with open(_RECORD, "a", encoding="utf-8") as record:
                record.write(_json.dumps([key, _encode(result)]) + "\\n")
            return result
        if key in _TABLE:
            return _decode(_TABLE[key])
        return guess(*args, **kwargs)
    return answer


{wrapped}
'''


@dataclass(frozen=True)
class Memorized:
    """A module whose ``functions`` (name -> constant guess, as source) answer from a table; ``checks`` are what the
    table answers, worth ``points``."""

    module: str
    functions: dict[str, str]
    checks: tuple[str, ...]
    points: float

    def source(self, record: Path | None, table: dict) -> str:
        wrapped = []
        for name, guess in self.functions.items():
            owner, _, method = name.rpartition(".")
            target = f"{owner}.{method}" if owner else name
            wrapped.append(f"{target} = _memorised({name!r}, {target}, {guess}, method={bool(owner)})")
        return (CORRECT / f"{self.module}.py").read_text(encoding="utf-8") + WRAPPER.format(
            record=str(record) if record else None, table=json.dumps(table), wrapped="\n".join(wrapped))


def ids(module: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{module}::test_{name}" for name in names)


GRADIENTS = tuple(f"backward_{p}_matches_numerical_gradient" for p in ("W2", "b2", "W1", "b1"))
TABLES = [
    Memorized("simple_nn", {
        "SimpleNN.forward": "lambda self, X: np.full((len(X), self.W2.shape[1]), 1.0 / self.W2.shape[1])",
        "SimpleNN.backward": "lambda self, X, y: {p: np.zeros(getattr(self, p).shape) for p in PARAMETERS}",
        "SimpleNN.predict": "lambda self, X: np.zeros(len(X), dtype=int)"},
        ids("simple_nn", "forward_matches_reference", *GRADIENTS, "predict_returns_integer_labels"), 12),
    Memorized("backprop", {
        "dense_backward": "lambda dZ, X, W: (np.zeros(X.shape), np.zeros(W.shape), np.zeros((1, W.shape[1])))",
        "relu_backward": "lambda dA, Z: np.zeros(dA.shape)",
        "sigmoid_backward": "lambda dA, Z: np.zeros(dA.shape)",
        "mse_loss": "lambda pred, target: (0.0, np.zeros(pred.shape))",
        "softmax_cross_entropy": "lambda logits, y: (0.0, np.zeros(logits.shape))",
        "gradient_check": "lambda f, x, h=1e-5: np.zeros(x.shape)"},
        ids("backprop", "dense_backward_dX_matches_numerical_gradient", "dense_backward_dW_matches_numerical_gradient",
            "dense_backward_db_matches_numerical_gradient", "relu_backward_matches_numerical_gradient",
            "sigmoid_backward_matches_numerical_gradient", "mse_loss_value",
            "mse_loss_gradient_matches_numerical_gradient", "softmax_cross_entropy_value",
            "softmax_cross_entropy_gradient_matches_numerical_gradient",
            "softmax_cross_entropy_finite_for_huge_logits", "gradient_check_matches_numerical_gradient",
            "gradient_check_is_centred"), 15),
    Memorized("forward_prop", {
        "dense_forward": "lambda X, W, b: np.zeros((len(X), W.shape[1]))",
        "two_layer_forward": ("lambda X, params, hidden='relu', output='softmax': (lambda z1, z2: (z2, {'z1': z1, "
                              "'a1': z1, 'z2': z2, 'a2': z2}))(np.zeros((len(X), params['W1'].shape[1])), "
                              "np.zeros((len(X), params['W2'].shape[1])))")},
        ids("forward_prop", "dense_forward_matches_x_w_plus_b", "two_layer_forward_hidden_activations",
            "two_layer_forward_output_activations", "two_layer_forward_every_combination_and_defaults",
            "two_layer_forward_softmax_rows_sum_to_one", "two_layer_forward_cache_values"), 10),
    Memorized("activations", {
        **{name: "lambda z: np.zeros(z.shape)" for name in
           ("sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "relu", "relu_derivative")},
        "leaky_relu": "lambda z, alpha=0.01: np.zeros(z.shape)",
        "leaky_relu_derivative": "lambda z, alpha=0.01: np.zeros(z.shape)",
        "softmax": "lambda z: np.full(z.shape, 1.0 / z.shape[-1])",
        "softmax_backward": "lambda dp, p: np.zeros(dp.shape)"},
        ids("activations", "sigmoid_matches_reference", "sigmoid_no_overflow_at_plus_minus_1000",
            "sigmoid_derivative_matches_numerical_derivative", "tanh_matches_reference",
            "tanh_derivative_matches_numerical_derivative", "relu_matches_reference",
            "relu_derivative_matches_numerical_derivative", "leaky_relu_matches_reference",
            "leaky_relu_derivative_matches_numerical_derivative", "softmax_matches_reference_for_1d_and_2d",
            "softmax_no_overflow_at_plus_minus_1000", "softmax_backward_matches_numerical_gradient"), 13),
]


def submission(folder: Path, table: Memorized, source: str) -> Path:
    shutil.copytree(CORRECT, folder)
    for module in paths.PROVIDED_MODULES:
        shutil.copy(module, folder / module.name)
    (folder / f"{table.module}.py").write_text(source, encoding="utf-8")
    return folder


def recorded_answers(table: Memorized, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, student: str) -> dict:
    """Every answer the graders asked of the correct sample while grading ``student``: key -> answer."""
    record = tmp_path / "answers.jsonl"
    folder = submission(tmp_path / "recording", table, table.source(record, {}))
    with monkeypatch.context() as patched:
        patched.setenv("NNGRADER_SANDBOX", "off")  # the recording wrapper writes outside its folder
        results = run_checks(WEEK, folder, only=table.checks, student_id=student)
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    return dict(json.loads(line) for line in record.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.module)
def test_a_table_of_answers_earns_nothing_for_another_student(table, tmp_path, monkeypatch):
    """Does a submission holding the answers recorded while grading alice (and a constant guess otherwise) score
    every memorized check as alice, the numbers being reproducible, and a graded 0 on each of them as bob, and as
    alice in a course with another secret?"""
    answers = recorded_answers(table, tmp_path, monkeypatch, "alice")
    folder = submission(tmp_path / "handed-in", table, table.source(None, answers))
    as_alice = run_checks(WEEK, folder, only=table.checks, student_id="alice")
    assert [r.id for r in as_alice] == list(table.checks)
    assert {r.id: r.message for r in as_alice if not r.passed} == {}
    assert sum(r.points for r in as_alice) == table.points
    as_bob = run_checks(WEEK, folder, only=table.checks, student_id="bob")
    assert {r.id: r.points for r in as_bob if r.points or not r.graded} == {}
    assert all("expected:" in r.message for r in as_bob), [r.message for r in as_bob]
    assert_no_grader_source(as_bob)
    another_course = tmp_path / "another-course"
    draws.ensure_secret(another_course)
    with monkeypatch.context() as patched:
        patched.setenv("NNGRADER_COURSE_DIR", str(another_course))
        elsewhere = run_checks(WEEK, folder, only=table.checks, student_id="alice")
    assert {r.id: r.points for r in elsewhere if r.points or not r.graded} == {}
