"""From failing checks to the mistake that most likely caused them, as a teaching assistant would say it.

A failed check's result carries *symptoms* (``CheckResult.data["symptoms"]``,
recorded by ``checks.expect_array`` and the graders): facts such as "every
gradient value is 6 times the expected one, and the batch holds 6 examples",
"the loss became NaN", "the output equals the network without its hidden
activation". Each ``Mistake`` below names one mistake from the week's
material, recognizes its symptoms, and says what to do. ``diagnose`` returns
the mistakes a submission shows, in the order to fix them: a mistake earlier in
``MISTAKES`` often causes the symptoms of a later one (gradients not averaged
over the batch make the loss NaN), so it comes first and claims those checks.

To teach the kit a new mistake: record a symptom in the grader
(``expect(..., symptoms={"name": value})``) and add a ``Mistake`` here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Callable

from autograder.results import CheckResult, counted


def symptoms(result: CheckResult) -> dict:
    """The symptoms a failed check recorded (none for a passed one)."""
    return {} if result.passed else dict(result.data.get("symptoms") or {})


def _has(name: str) -> Callable[[dict], bool]:
    return lambda found: bool(found.get(name))


def _scaled_by_batch(found: dict) -> bool:
    factor, batch = found.get("scaled_by"), found.get("batch_size")
    return bool(factor and batch and batch > 1 and abs(factor - batch) <= 1e-3 * batch)


def _divided_twice(found: dict) -> bool:
    factor, batch = found.get("scaled_by"), found.get("batch_size")
    return bool(factor and batch and batch > 1 and abs(factor * batch - 1) <= 1e-3)


def _raised(*kinds: str) -> Callable[[dict], bool]:
    return lambda found: found.get("raised") in kinds


@dataclass(frozen=True)
class Mistake:
    """One mistake students make: a short name, how to recognize it in one check's symptoms, the advice."""

    key: str
    name: str
    shows: Callable[[dict], bool]
    advice: str
    #: a symptom that another mistake of the same module would also cause (a NaN loss): it is read as this
    #: mistake only when no other mistake of that module explains it
    only_alone: bool = False


MISTAKES: tuple[Mistake, ...] = (
    Mistake("unfinished", "Unfinished TODOs", _raised("NotImplementedError"),
            "Some functions still raise NotImplementedError: these checks cannot pass until the TODO is done. "
            "Start with the first one in the file; later functions often build on it."),
    Mistake("import", "A module that does not import", _raised("ImportError", "ModuleNotFoundError", "SyntaxError"),
            "Python could not import your module, so none of its checks could run. Run "
            "`python -c 'import <module>'` in your folder and fix the first error it prints."),
    Mistake("no_hidden_activation", "Forgetting the hidden activation", _has("no_hidden_activation"),
            "Your output is exactly what the network gives without its hidden activation. Without it, two "
            "layers collapse into one linear map and the network can learn no more than a linear model "
            "(it cannot solve XOR). Apply the activation to z1 before the next layer: a1 = relu(z1)."),
    Mistake("no_output_softmax", "Forgetting the output softmax", _has("no_output_softmax"),
            "Your output is the raw scores (logits), not probabilities. The last layer of a classifier "
            "turns logits into probabilities with softmax, row by row."),
    Mistake("overflow", "Softmax overflow", _has("overflow"),
            "exp of a large logit overflows to inf (np.exp(710) is already inf), and inf / inf is NaN. "
            "Subtract each row's largest logit before exponentiating: softmax is unchanged by the shift, "
            "and the largest exponent becomes exp(0) = 1."),
    Mistake("not_averaged", "Gradients not averaged over the batch", _scaled_by_batch,
            "Every value of your gradient is exactly the batch size times too large. The loss is the mean "
            "over the N examples of the batch, so its gradient carries a 1/N: divide once, where the "
            "backward pass starts (dz2 = (P - Y) / N). Without it, the step grows with the batch size, as "
            "if the learning rate were N times larger; training then jumps around or ends in NaN."),
    Mistake("averaged_twice", "Gradients divided by the batch size twice", _divided_twice,
            "Your gradient is exactly 1/N of the right one: it is divided by the batch size twice. Divide "
            "once, at the start of the backward pass, and let the later sums (X.T @ dz, sum over axis 0) add "
            "up the already-averaged terms."),
    Mistake("init_too_small", "Weights initialized too small", _has("init_too_small"),
            "With tiny initial weights every layer shrinks the signal, the outputs are nearly equal for every "
            "input, and the gradients nearly vanish: learning starts very slowly or not at all. Use He "
            "initialization for ReLU layers: a standard normal times sqrt(2 / fan_in)."),
    Mistake("init_too_large", "Weights initialized too large", _has("init_too_large"),
            "With large initial weights the logits are huge, softmax saturates at 0 and 1, and the first "
            "updates are violent. Use He initialization: a standard normal times sqrt(2 / fan_in)."),
    Mistake("not_standardized", "Data not normalized", _has("not_standardized"),
            "Features on very different scales make the loss surface a long narrow valley: one learning rate "
            "is too large for some weights and too small for others. Standardize each feature: subtract its "
            "mean and divide by its standard deviation (leaving constant features alone)."),
    Mistake("scaler_leak", "Data leakage: the scaler saw the test set", _has("scaler_leak"),
            "The mean and standard deviation must come from the training set only, and be applied unchanged "
            "to the test set. Statistics computed with test data let the test set shape the model, so the "
            "test score no longer measures how it does on data it has never seen."),
    Mistake("no_shuffle", "No shuffling between epochs", _has("no_shuffle"),
            "Your train visits the examples in the same order every epoch. Mini-batches then repeat exactly, "
            "and on data sorted by class the network forgets one class while learning the next. Draw a new "
            "order at the start of each epoch: order = self.rng.permutation(N)."),
    Mistake("transposed", "A transposed result", _has("transposed"),
            "Your result has the right numbers of rows and columns, swapped. Check the order of each matrix "
            "product (X @ W is (N, D) @ (D, H)) and where a .T belongs."),
    Mistake("loss_rising", "Stepping up the gradient", _has("loss_rising"),
            "The loss grows as training goes on: the update adds the gradient instead of subtracting it. "
            "Gradient descent moves against the gradient: v = momentum * v - learning_rate * grad; p += v."),
    Mistake("loss_nan", "Learning rate too large (NaN loss)", _has("loss_nan"),
            "The loss became NaN: the steps were so large that the weights blew up. Lower the learning rate "
            "(0.01 to 0.1 suits SGD with momentum on MNIST) and check the loss for log(0): add a tiny "
            "constant inside the log.", only_alone=True),
    Mistake("loss_flat", "Training does not move the weights", _has("loss_flat"),
            "The loss hardly changes: the updates do not reach the weights. Update the arrays the model "
            "uses (self.W1 -= ..., or setattr), not copies of them; keep the velocity between batches; and "
            "check that the learning rate is not zero.", only_alone=True),
    Mistake("loss_slow", "Training learns too little", _has("loss_slow"),
            "The loss of your trained weights fell, but far less than a working training makes it fall (three "
            "epochs on 2,000 images take the reference to 16 % of where it started). A wrong gradient is the "
            "usual cause (see the backward checks: each gradient is averaged over the batch), or a step far "
            "too large or too small: keep the learning rate train is given.", only_alone=True),
    Mistake("chance", "Accuracy at chance level", _has("accuracy_chance"),
            "About 10 % of digits right is what guessing gives: the trained model has learned nothing. Look "
            "at the loss your train returns: NaN means steps too large, a flat loss means updates that do "
            "not reach the weights.", only_alone=True),
    Mistake("timeout", "Code too slow", _raised("timeout"),
            "The check ran out of time. A Python loop over single examples or pixels is typically 100 times "
            "slower than one numpy operation on the whole batch: replace the loop with matrix products."),
    Mistake("crash", "The process running your code stopped", _raised("crash"),
            "Your code ended the process running it (sys.exit, os._exit, a crash, or memory running out). "
            "Look for an exit call, a recursion without end, or an array far larger than the docstring's shapes "
            "(an (N,) array minus an (N, 1) one is (N, N)); the visible tests meet it only if they call your code "
            "the same way."),
    Mistake("nonfinite", "NaN or inf in a result", _has("nonfinite"),
            "Some values are NaN or inf: look for exp of a large number, log of 0, or a division by 0.",
            only_alone=True),
)


@dataclass
class Diagnosis:
    """One mistake a submission shows: the checks it explains, and the points they lost."""

    mistake: Mistake
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def points_lost(self) -> float:
        return sum(result.max_points - result.points for result in self.checks)


def diagnose(results: list[CheckResult]) -> list[Diagnosis]:
    """The mistakes ``results`` show, most fundamental first; each failed check belongs to one mistake at most."""
    found: dict[str, Diagnosis] = {}
    for result in results:
        observed = symptoms(result)
        if not observed:
            continue
        for mistake in MISTAKES:
            if mistake.shows(observed):
                found.setdefault(mistake.key, Diagnosis(mistake)).checks.append(result)
                break
    causes = [d for d in found.values() if not d.mistake.only_alone]
    for key in [key for key, d in found.items() if d.mistake.only_alone]:
        # a NaN or flat loss next to a real bug of the same module is that bug's consequence, not a second mistake
        for result in list(found[key].checks):
            cause = next((d for d in causes if result.module in {r.module for r in d.checks}), None)
            if cause is not None:
                cause.checks.append(result)
                found[key].checks.remove(result)
        if not found[key].checks:
            del found[key]
    order = {mistake.key: index for index, mistake in enumerate(MISTAKES)}
    return sorted(found.values(), key=lambda d: order[d.mistake.key])


def likely_causes(results: list[CheckResult]) -> dict[str, Mistake]:
    """check id -> the mistake that most likely made it fail (for the checks a diagnosis explains)."""
    return {result.id: diagnosis.mistake for diagnosis in diagnose(results) for result in diagnosis.checks}


# --- what to fix first -----------------------------------------------------------------------------------------------

#: What the visible tests catch whatever the inputs: a function still raising NotImplementedError, and a module that
#: does not import (``Mistake.shows`` of "unfinished" and "import"). Any other error a hidden check meets may come from
#: inputs only the hidden checks use (the reference's arrays, drawn problems), so the visible tests may well pass.
VISIBLE_CATCH = ("NotImplementedError", "ImportError", "ModuleNotFoundError", "SyntaxError")


def not_attempted(result: CheckResult) -> bool:
    """Whether a failed check only met an unfinished TODO (the stub's NotImplementedError): not a mistake yet."""
    return symptoms(result).get("raised") == "NotImplementedError"


@dataclass
class Item:
    """One entry of "What to fix first": a title, what to do, the checks it explains, and how to reproduce it."""

    name: str
    advice: str
    checks: list[CheckResult]
    #: the visible test files that reproduce it (``test_<module>.py``), or none
    reproduce: tuple[str, ...] = ()

    @property
    def points_lost(self) -> float:
        return sum(result.max_points - result.points for result in self.checks)

    @property
    def modules(self) -> list[str]:
        return list(dict.fromkeys(result.module for result in self.checks))

    @property
    def extent(self) -> str:
        """``simple_nn.py: 12 checks, 28 points``."""
        return (", ".join(f"{m}.py" for m in self.modules)
                + f": {counted(len(self.checks), 'check')}, {counted(self.points_lost, 'point')}")

    @property
    def how_to_reproduce(self) -> str:
        """The sentence that sends the student to the visible tests, "" when they would not show the failure."""
        return f"Run `pytest {' '.join(self.reproduce)}` in your folder to reproduce it." if self.reproduce else ""


def fix_first(results: list[CheckResult], visible: Collection[str] = (), bonus_ids: Collection[str] = ()) -> list[Item]:
    """What the student should fix first: the known mistakes (``diagnose``), one item per error that several checks
    met (the same exception at the same line of the same module), and always the module that lost the most regular
    points: if neither explains most of its loss, an item of its own with its failures' commonest hint.

    Items go by the regular points their module lost, the biggest loss first (extra credit last); within a module
    the known mistakes keep ``MISTAKES``'s order (an earlier one often causes a later one's symptoms), then the
    other items, the most points first.

    ``visible`` are the modules with visible tests. An item says "run pytest test_<module>.py to reproduce it" only
    when one of its checks failed in a way the visible tests catch whatever the inputs (``VISIBLE_CATCH``): the
    hidden checks feed the reference's arrays and drawn problems to each function, so for any other failure the
    visible tests may pass, and saying they reproduce it would send the student on a wild-goose chase.

    A part a TA grades by hand (``CheckResult.manual``) is no failure to fix: it is left out.
    """
    results = [r for r in results if not r.manual]
    items = [Item(d.mistake.name, d.mistake.advice, list(d.checks)) for d in diagnose(results)]
    claimed = {r.id for item in items for r in item.checks}
    # a failed check still losing points (a TA's score may have given them back), that the kit could grade
    failed = [r for r in results if not r.passed and r.graded and r.points < r.max_points and r.id not in claimed]
    extra = [_error_item(group) for group in _same_error(failed).values() if len(group) > 1]
    claimed |= {r.id for item in extra for r in item.checks}
    lost = _losses([r for r in results if r.id not in bonus_ids])
    module = max(lost, key=lost.get, default=None)  # the first of equals: the week's order
    if module is not None and lost[module] > 0:
        unexplained = [r for r in failed if r.module == module and r.id not in claimed]
        explained = sum(r.max_points - r.points for item in items + extra for r in item.checks if r.module == module)
        if unexplained and sum(r.max_points - r.points for r in unexplained) > explained:
            extra.append(_module_item(module, unexplained))
    ordered = sorted(items + sorted(extra, key=lambda item: -item.points_lost),
                     key=lambda item: -max(lost.get(m, 0.0) for m in item.modules))
    for item in ordered:
        item.reproduce = tuple(f"test_{m}.py" for m in item.modules if m in visible and any(
            r.module == m and symptoms(r).get("raised") in VISIBLE_CATCH for r in item.checks))
    return ordered


def _losses(results: list[CheckResult]) -> dict[str, float]:
    """module -> the points its graded checks lost, in the order the results list the modules."""
    lost: dict[str, float] = {}
    for result in results:
        if result.graded:
            lost[result.module] = lost.get(result.module, 0.0) + result.max_points - result.points
    return lost


def _first_line(result: CheckResult) -> str:
    return (result.message.strip().splitlines() or [result.title])[0].strip()


def _line(result: CheckResult, label: str) -> str:
    """The ``label`` line of a check's message (``hint:``, ``at``), without its label; "" if none."""
    for line in result.message.splitlines():
        if line.strip().startswith(label):
            return line.strip()[len(label):].strip()
    return ""


def _same_error(failed: list[CheckResult]) -> dict[tuple[str, str, str], list[CheckResult]]:
    """Failed checks that raised, by (module, exception, where in the student's code): one error, many checks."""
    groups: dict[tuple[str, str, str], list[CheckResult]] = {}
    for result in failed:
        raised = symptoms(result).get("raised")
        if isinstance(raised, str):
            groups.setdefault((result.module, raised, _line(result, "at ")), []).append(result)
    return groups


def _error_item(group: list[CheckResult]) -> Item:
    first = group[0]
    where = _line(first, "at ")
    name = Counter(_first_line(r) for r in group).most_common(1)[0][0].removeprefix("your code raised ")
    advice = (f"The same error stopped {len(group)} checks of {first.module}.py"
              + (f", at {where}" if where else "") + ". The hidden checks call each function on the inputs its "
              "docstring describes, often the reference's arrays: an error your own tests never meet usually means "
              "a shape or type that differs from the docstring (a transposed weight, a missing dimension).")
    return Item(name, advice, group)


def _module_item(module: str, failed: list[CheckResult]) -> Item:
    hints = Counter(_line(r, "hint:") or _first_line(r) for r in failed)
    hint, count = hints.most_common(1)[0]
    times = f"{count} of them" if len(failed) > 1 else "it"
    return Item(f"Most points lost: {module}.py",
                f"{len(failed)} failed check{'s' * (len(failed) != 1)} that no known mistake explains. "
                f"The commonest hint ({times}): {hint}", failed)
