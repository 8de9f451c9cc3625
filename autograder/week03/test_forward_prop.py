"""Hidden graders for Week 3's forward_prop.py: dense layers, the two-layer forward pass and its cache, the quiz.

The checks of ``two_layer_forward`` run with the reference ``dense_forward``
put in place of the student's, so a bug in ``dense_forward`` costs its own
points once and not again in every forward check. Every network is drawn per
student and course (fixture ``rng``); the expected values are computed from the
grader's own arrays, and the student's code gets copies of them. When a wrong
result matches a known mistake (a missing bias, softmax over the wrong axis,
...), the hint names that mistake, and the failure records it as a symptom
where the week's material lists it (``no_hidden_activation``,
``no_output_softmax``).
"""


import numpy as np
import pytest

from autograder.checks import GradeFailure, expect, expect_array, real_array, student_line
from autograder.week03.problems import copies

HIDDEN = ("relu", "sigmoid", "tanh")
OUTPUT = ("softmax", "sigmoid", "identity")
CACHE_KEYS = ("z1", "a1", "z2", "a2")

#: Forward values against the reference, as relative error (checks.rel_error). Both sides compute the
#: same float64 expressions. The sample correct submission, written with other formulas (np.dot,
#: sigmoid as exp(z) / (1 + exp(z)), tanh from exponentials, softmax on the transpose), measures at
#: most 1.6e-14 over 1,000 drawn networks (largest where an entry is close to 0, and the rounding
#: of a sum of products counts relatively more: hence no pre-activation within PRE_ACTIVATION_MARGIN
#: of 0). The mistakes these checks look for measure 1e-2 or more, so 1e-7 leaves several decades
#: on both sides.
FORWARD_TOL = 1e-7
#: Every pre-activation of a drawn network (z1 and z2 entries, and those of a dense layer) is at least
#: this far from 0.
PRE_ACTIVATION_MARGIN = 0.01
#: A wrong result "matches" a known mistake when it agrees with it this closely (np.allclose).
MISTAKE_RTOL, MISTAKE_ATOL = 1e-6, 1e-9
#: The quiz is answered by hand: rounding each output to 2 decimals errs by at most 0.005, and cutting
#: off after 2 decimals by less than 0.01. 0.01 (absolute) accepts both; forgetting the ReLU or the
#: sigmoid moves an output by more than 0.05 on every quiz (mlp_quiz makes sure of it).
QUIZ_TOL = 0.01


# --- helpers ------------------------------------------------------------------

def network(rng: np.random.Generator, n: int = 5, d: int = 4, h: int = 5, c: int = 3):
    """Inputs and parameters (float64) whose hidden pre-activations have both signs in every column, and whose
    pre-activations (z1, and z2 for each hidden activation) are all at least PRE_ACTIVATION_MARGIN from 0."""
    while True:
        X = rng.normal(0.0, 1.0, (n, d))
        params = {"W1": rng.normal(0.0, 1.0, (d, h)), "b1": rng.normal(0.0, 0.5, (1, h)),
                  "W2": rng.normal(0.0, 1.0, (h, c)), "b2": rng.normal(0.0, 0.5, (1, c))}
        z1 = X @ params["W1"] + params["b1"]
        hidden = [np.maximum(z1, 0.0), 1.0 / (1.0 + np.exp(-z1)), np.tanh(z1), z1]
        z = [z1, *(a1 @ params["W2"] + params["b2"] for a1 in hidden)]
        apart = all(np.min(np.abs(values)) >= PRE_ACTIVATION_MARGIN for values in z)
        if apart and (n == 1 or (np.all(z1.max(axis=0) > 0.1) and np.all(z1.min(axis=0) < -0.1))):
            return X, params


def dense_problem(rng: np.random.Generator, n: int, d: int, h: int):
    """X (N, D), W (D, H), b (1, H) with no entry of X @ W + b within PRE_ACTIVATION_MARGIN of 0."""
    while True:
        X, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=(1, h))
        if np.min(np.abs(X @ W + b)) >= PRE_ACTIVATION_MARGIN:
            return X, W, b


def raised_at(error: BaseException) -> str:
    """`` (at forward_prop.py, line 12: <code>)`` for the student's last line in the error's traceback."""
    where = student_line(error, "forward_prop.py")
    return f" ({where})" if where else ""


def call(student, function: str, *args, what: str, expected: str, hint: str, **kwargs):
    """The student's ``function(*args, **kwargs)``; a ValueError (a shape mismatch) becomes a failure with a hint."""
    try:
        return getattr(student, function)(*args, **kwargs)
    except ValueError as error:
        raise GradeFailure(what, expected=expected, got=f"ValueError: {error}{raised_at(error)}",
                           hint=hint) from None


def forward(student, X, params, what: str, **names):
    """``(out, cache)`` from the student's two_layer_forward on copies of X and params, after checking it is a pair."""
    result = call(student, "two_layer_forward", X.copy(), copies(params), **names, what=what,
                  expected="(out, cache) with out of shape (N, C)",
                  hint="W1 is (D, H) and W2 is (H, C): the products are X @ W1 and a1 @ W2, in that order")
    expect(isinstance(result, tuple) and len(result) == 2, what, expected="a pair (out, cache)",
           got=type(result).__name__ if not isinstance(result, tuple) else f"a tuple of {len(result)}",
           hint="end with `return out, cache`")
    return result


def reproduces(got, wrong, expected) -> bool:
    """True when ``got`` equals the result of a known mistake (and that mistake changes the result)."""
    if not (isinstance(got, np.ndarray) and got.shape == np.shape(wrong) and np.issubdtype(got.dtype, np.number)):
        return False
    same = dict(rtol=MISTAKE_RTOL, atol=MISTAKE_ATOL)
    return np.allclose(got, wrong, **same) and not np.allclose(wrong, expected, **same)


def expect_values(got, expected, what: str, *, hint: str, mistakes=(), symptoms=None) -> None:
    """expect_array with FORWARD_TOL, hinting at the first ``(wrong result, hint)`` mistake ``got`` reproduces.

    ``symptoms`` maps a symptom name to the wrong result of that mistake (expect_array's ``mistakes``).
    """
    hint = next((text for wrong, text in mistakes if reproduces(got, wrong, expected)), hint)
    expect_array(got, expected, what, tol=FORWARD_TOL, hint=hint, mistakes=symptoms)


def missing_activations(reference, X, params, output: str) -> dict:
    """The outputs of the listed mistakes: no activation on the hidden layer, and (for softmax) none on the output."""
    z1 = X @ params["W1"] + params["b1"]
    wrong = {"no_hidden_activation": reference.activate(z1 @ params["W2"] + params["b2"], output)}
    if output == "softmax":
        wrong["no_output_softmax"] = np.maximum(z1, 0.0) @ params["W2"] + params["b2"]
    return wrong


def within_quiz_tol(got: np.ndarray, expected: np.ndarray) -> bool:
    return bool(np.all(np.abs(got - expected) <= QUIZ_TOL))


def columns_sum_to_one(a) -> bool:
    return isinstance(a, np.ndarray) and a.ndim == 2 and np.allclose(a.sum(axis=0), 1.0)


@pytest.fixture
def with_reference_dense(student, reference, monkeypatch):
    """The student's module with the reference dense_forward in place of theirs, for this test only."""
    monkeypatch.setattr(student, "dense_forward", reference.dense_forward, raising=False)
    return student


# --- dense_forward --------------------------------------------------------------

@pytest.mark.points(1)
def test_dense_forward_shape_for_batch_sizes(student, rng):
    """dense_forward returns one row of H values per example, for batches of 1, 3 and 8"""
    W, b = rng.normal(size=(4, 6)), rng.normal(size=(1, 6))
    for n in (1, 3, 8):
        what = f"dense_forward(X, W, b) with X (N={n}, D=4), W (4, 6), b (1, 6)"
        Z = call(student, "dense_forward", rng.normal(size=(n, 4)), W.copy(), b.copy(), what=what,
                 expected=f"an array of shape ({n}, 6)",
                 hint="W is already (D, H): compute X @ W, not W @ X and not X @ W.T")
        expect(isinstance(Z, np.ndarray) and Z.shape == (n, 6), what, expected=f"shape ({n}, 6)",
               got=f"shape {Z.shape}" if isinstance(Z, np.ndarray) else type(Z).__name__,
               hint="X @ W has one row per example and one column per output unit; b (1, H) keeps that shape")


@pytest.mark.points(2)
def test_dense_forward_matches_x_w_plus_b(student, rng):
    """dense_forward computes X @ W + b"""
    X, W, b = dense_problem(rng, 3, 4, 4)  # square: W.T fits too
    expected = X @ W + b
    Z = call(student, "dense_forward", X.copy(), W.copy(), b.copy(), what="dense_forward(X, W, b)",
             expected="an array of shape (3, 4)", hint="compute X @ W + b")
    expect_values(Z, expected, "dense_forward(X, W, b) with X (3, 4), W (4, 4), b (1, 4)",
                  hint="multiply first (X @ W), then add the bias row b to every row", mistakes=[
                      (X @ W, "the bias b is missing: add it after the product, Z = X @ W + b"),
                      (X @ W.T + b, "W is already (D, H): use X @ W, not W.T (rows of X meet columns of W)"),
                      (X @ (W + b), "the bias was added before the product: add b after it, Z = X @ W + b")])


# --- two_layer_forward: output ----------------------------------------------------

def wrong_hidden_mistakes(reference, X, params, hidden: str, output: str) -> list:
    """Known mistakes of the hidden layer: another hidden activation, or the output's / none on the hidden layer."""
    z1 = X @ params["W1"] + params["b1"]
    out_on_hidden = reference.activate(reference.activate(z1, output) @ params["W2"] + params["b2"], output)
    mistakes = [(out_on_hidden, f"a1 must be {hidden}(z1): your hidden layer got no activation, or the output's "
                 f"({output}); the output activation belongs after the second layer only")]
    for other in HIDDEN:
        if other != hidden:
            wrong = reference.two_layer_forward(X, params, hidden=other, output=output)[0]
            mistakes.append((wrong, f"this is the output with {other} on the hidden layer: apply the activation "
                             f"named by `hidden` ({hidden})"))
    return mistakes


@pytest.mark.points(2)
def test_two_layer_forward_hidden_activations(with_reference_dense, reference, rng):
    """two_layer_forward applies the hidden activation asked for: relu, sigmoid, tanh"""
    X, params = network(rng)
    for hidden in HIDDEN:
        what = f'two_layer_forward(X, params, hidden="{hidden}", output="identity")'
        out, _ = forward(with_reference_dense, X, params, what, hidden=hidden, output="identity")
        expected = reference.two_layer_forward(X, params, hidden=hidden, output="identity")[0]
        expect_values(out, expected, what, mistakes=wrong_hidden_mistakes(reference, X, params, hidden, "identity"),
                      symptoms=missing_activations(reference, X, params, "identity"),
                      hint=f"z1 = X @ W1 + b1, a1 = {hidden}(z1), z2 = a1 @ W2 + b2; with output identity, out = z2")


@pytest.mark.points(2)
def test_two_layer_forward_output_activations(with_reference_dense, reference, rng):
    """two_layer_forward applies the output activation asked for: softmax (per row), sigmoid, identity"""
    X, params = network(rng)
    z2 = reference.two_layer_forward(X, params, hidden="relu", output="identity")[0]
    for output in OUTPUT:
        what = f'two_layer_forward(X, params, hidden="relu", output="{output}")'
        out, _ = forward(with_reference_dense, X, params, what, hidden="relu", output=output)
        expected = reference.two_layer_forward(X, params, hidden="relu", output=output)[0]
        if output == "softmax" and columns_sum_to_one(out):
            hint = ("softmax normalized each column (over the batch): normalize each row instead, "
                    "dividing by the sum over axis=1 with keepdims=True")
        else:
            hint = f"out = {output}(z2) with z2 = a1 @ W2 + b2" + (", row by row" if output == "softmax" else "")
        others = [(reference.activate(z2, other), f"this is {other}(z2): apply the activation named by "
                   f"`output` ({output})") for other in OUTPUT if other != output]
        missing = missing_activations(reference, X, params, output)
        no_hidden = ("a1 must be relu(z1): your hidden layer got no activation; the output activation belongs "
                     "after the second layer only")
        expect_values(out, expected, what, hint=hint, symptoms=missing, mistakes=[
            (z2, "this is z2: the output activation is missing (out = a2 = activation(z2))"), *others,
            *wrong_hidden_mistakes(reference, X, params, "relu", output)[:1],
            (missing["no_hidden_activation"], no_hidden)])


@pytest.mark.points(1)
def test_two_layer_forward_every_combination_and_defaults(with_reference_dense, reference, rng):
    """two_layer_forward works for all 9 (hidden, output) pairs, and defaults to relu and softmax"""
    X, params = network(rng, n=4)
    for hidden in HIDDEN:
        for output in OUTPUT:
            what = f'two_layer_forward(X, params, hidden="{hidden}", output="{output}")'
            out, _ = forward(with_reference_dense, X, params, what, hidden=hidden, output=output)
            expect_values(out, reference.two_layer_forward(X, params, hidden=hidden, output=output)[0], what,
                          symptoms=missing_activations(reference, X, params, output),
                          hint="the hidden and output activations are chosen separately: see the checks of each")
    out, _ = forward(with_reference_dense, X, params, "two_layer_forward(X, params)")
    expect_values(out, reference.two_layer_forward(X, params, hidden="relu", output="softmax")[0],
                  "two_layer_forward(X, params) with the default activations",
                  symptoms=missing_activations(reference, X, params, "softmax"),
                  hint='keep the defaults of the signature: hidden="relu", output="softmax"')


@pytest.mark.points(1)
def test_two_layer_forward_softmax_rows_sum_to_one(with_reference_dense, rng):
    """with output softmax, every row of the output is a probability distribution (batches of 1 and 6)"""
    for n in (1, 6):
        X, params = network(rng, n=n)
        what = f"row sums of two_layer_forward(X, params) for {n} example{'s' * (n > 1)}"
        out = real_array(forward(with_reference_dense, X, params, what)[0])
        ok = out is not None and out.ndim == 2 and out.shape[0] == n
        sums = np.sum(out, axis=1) if ok else None
        expect(ok and np.allclose(sums, 1.0, atol=1e-9) and bool(np.all(out >= 0)), what,
               expected=f"{n} row{'s' * (n > 1)} summing to 1, no negative probability",
               got=f"row sums {np.round(sums, 6).tolist()}" if ok else f"shape {getattr(out, 'shape', None)}",
               hint="softmax normalizes each row: divide exp(z2 - row max) by its sum over axis=1, keepdims=True "
                    "(over axis 0, a batch of one example gives all ones)")


# --- two_layer_forward: cache -------------------------------------------------------

@pytest.mark.points(1)
def test_two_layer_forward_cache_keys_and_shapes(with_reference_dense, rng):
    """the cache holds z1, a1 (N, H) and z2, a2 (N, C), and out is a2"""
    X, params = network(rng, n=6)
    what = 'two_layer_forward(X, params, hidden="tanh", output="sigmoid") with N=6, D=4, H=5, C=3'
    out, cache = forward(with_reference_dense, X, params, what, hidden="tanh", output="sigmoid")
    expect(isinstance(cache, dict) and set(CACHE_KEYS) <= set(cache), f"the cache of {what}",
           expected=f"a dict with keys {list(CACHE_KEYS)}",
           got=f"dict with keys {sorted(cache)}" if isinstance(cache, dict) else type(cache).__name__,
           hint='cache = {"z1": z1, "a1": a1, "z2": z2, "a2": a2}: backprop looks them up by these names')
    for key, shape in zip(CACHE_KEYS, ((6, 5), (6, 5), (6, 3), (6, 3))):
        got = cache[key]
        expect(isinstance(got, np.ndarray) and got.shape == shape, f'cache["{key}"] of {what}',
               expected=f"an array of shape {shape}",
               got=f"shape {got.shape}" if isinstance(got, np.ndarray) else type(got).__name__,
               hint="z1 and a1 have one column per hidden unit (H), z2 and a2 one per output unit (C)")
    same = isinstance(out, np.ndarray) and out.shape == (6, 3) and np.array_equal(out, cache["a2"])
    expect(same, f"out of {what}", expected='the same values as cache["a2"]', got="different values",
           hint="out is the network's last activation: return a2 itself")


@pytest.mark.points(2)
def test_two_layer_forward_cache_values(with_reference_dense, reference, rng):
    """the cache holds each layer's values before and after its activation: z1, a1 = relu(z1), z2, a2 = sigmoid(z2)"""
    X, params = network(rng, n=6)
    call_text = 'two_layer_forward(X, params, hidden="relu", output="sigmoid")'
    what = f"the cache of {call_text}"
    _, cache = forward(with_reference_dense, X, params, what, hidden="relu", output="sigmoid")
    _, ref = reference.two_layer_forward(X, params, hidden="relu", output="sigmoid")
    expect(isinstance(cache, dict) and set(CACHE_KEYS) <= set(cache), what,
           expected=f"a dict with keys {list(CACHE_KEYS)}",
           got=f"dict with keys {sorted(cache)}" if isinstance(cache, dict) else type(cache).__name__,
           hint='cache = {"z1": z1, "a1": a1, "z2": z2, "a2": a2}')
    stages = {"z1": ("X @ W1 + b1", "a1", "relu(z1)"), "a1": ("relu(z1)", "z1", "X @ W1 + b1"),
              "z2": ("a1 @ W2 + b2", "a2", "sigmoid(z2)"), "a2": ("sigmoid(z2)", "z2", "a1 @ W2 + b2")}
    skipped_relu = {"z2": ref["z1"] @ params["W2"] + params["b2"]}  # the second layer fed z1 instead of a1
    skipped_relu["a2"] = reference.activate(skipped_relu["z2"], "sigmoid")
    for key, (formula, swapped, swapped_formula) in stages.items():
        side = "after" if key.startswith("z") else "before"
        mistake = (f'cache["{key}"] holds {swapped} = {swapped_formula}, the value {side} the activation: store '
                   f"{key} = {formula}; backprop needs both (a1 for the gradient of W2, z1 for the activation's slope)")
        expect_values(cache[key], ref[key], f'cache["{key}"] of {call_text}', mistakes=[(ref[swapped], mistake)],
                      hint=f'cache["{key}"] must be {formula}',
                      symptoms={"no_hidden_activation": skipped_relu[key]} if key in skipped_relu else None)


@pytest.mark.points(1)
def test_two_layer_forward_unknown_activation_raises_value_error(with_reference_dense, rng):
    """an unknown activation name raises ValueError, and the message lists the valid names"""
    X, params = network(rng, n=2)
    for names, valid in (({"hidden": "softplus"}, HIDDEN), ({"output": "linear"}, OUTPUT)):
        (role, name), = names.items()
        what = f'two_layer_forward(X, params, {role}="{name}")'
        try:
            with_reference_dense.two_layer_forward(X.copy(), copies(params), **names)
        except NotImplementedError:
            raise
        except ValueError as error:
            missing = [v for v in valid if v not in str(error)]
            expect(not missing, f"the ValueError message of {what}", expected=f"it names {', '.join(valid)}",
                   got=repr(str(error)), hint="say which names work: ValueError(f'unknown "
                   f"{role} activation {{{role}!r}}: use one of {' / '.join(valid)}')")
            continue
        except Exception as error:
            raise GradeFailure(what, expected="ValueError", got=f"{type(error).__name__}: {error}"
                               f"{raised_at(error)}",
                               hint=f"check the name first: if {role} is not one of {', '.join(valid)}, "
                                    "raise ValueError(...) naming them") from None
        raise GradeFailure(what, expected="ValueError", got="no exception: it returned a result",
                           hint=f"check the name first: if {role} is not one of {', '.join(valid)}, "
                                "raise ValueError(...) naming them")


# --- the quiz ---------------------------------------------------------------------

@pytest.mark.points(2)
def test_quiz_answer_is_the_output_of_your_quiz(student, reference, student_id):
    """quiz_answer() gives the output of YOUR quiz network, mlp_quiz(your id), within 0.01"""
    sid = student_id or reference.my_student_id()  # the same fallback as the notebook's my_student_id()
    quiz = reference.mlp_quiz(sid)
    x, W1, b1, W2, b2 = (quiz[k] for k in ("x", "W1", "b1", "W2", "b2"))
    expected = reference.two_layer_forward(x, quiz, hidden=quiz["hidden"], output=quiz["output"])[0][0]
    what = f"quiz_answer() for the quiz of student id {sid!r}"
    got = call(student, "quiz_answer", what=what, expected="a list of 2 numbers",
               hint="quiz_answer() only has to return the two numbers you computed by hand: "
                    "answer = [..., ...]")
    try:
        values = np.asarray(got, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        values = None
    expect(values is not None and values.shape == (2,), what, expected="a list of 2 numbers, e.g. [0.12, 0.87]",
           got=repr(got)[:80], hint="return the two outputs of your quiz network as a list of 2 floats")
    # Showing the correct output is fine: students read this feedback after the deadline, when the answer
    # no longer helps anyone, and it lets them find their slip.
    mistakes = [((np.maximum(x @ W1 + b1, 0) @ W2 + b2)[0], "this is z2: apply the sigmoid to each output",
                 "no_output_softmax"),
                (1 / (1 + np.exp(-((x @ W1 + b1) @ W2 + b2)[0])), "this skips the ReLU: a1 = max(z1, 0), so a "
                 "negative hidden pre-activation contributes 0", "no_hidden_activation"),
                (reference.activate((np.maximum(x @ W1 + b1, 0) @ W2 + b2), "softmax")[0],
                 "this is a softmax: the quiz's output activation is a sigmoid on each output separately", None)]
    hint, symptom = next(((text, symptom) for wrong, text, symptom in mistakes if within_quiz_tol(values, wrong)),
                         ("work through YOUR quiz, mlp_quiz(my_student_id()), printed in the notebook: every "
                          "student's numbers differ, so a classmate's answer is wrong for you. Check it with your "
                          "own two_layer_forward", None))
    expect(within_quiz_tol(values, expected), what,
           expected=f"{np.round(expected, 4).tolist()} (within {QUIZ_TOL} of each)",
           got=str(np.round(values, 4).tolist()), hint=hint, symptoms={symptom: True} if symptom else None)
