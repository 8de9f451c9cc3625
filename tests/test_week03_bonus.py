"""Tests for the hidden graders of Week 3's bonus (bonus.py: BonusNN and plot_decision_boundary).

Every run is a real limited grading process (``run_checks``) over a folder
holding all of week 3's reference modules, with bonus.py replaced by the stub,
by the reference with one planted bug, or by the sample correct student's.
"""

from __future__ import annotations

import shutil

import pytest
from mutants import Mutation, assert_caught, assert_no_grader_source, grade_mutant, reference_folder

from autograder import paths
from autograder.authoring.stubs import strip_solutions
from autograder.grading.checklist import collect_checks
from autograder.grading.runner import run_checks

WEEK = "week03"
MODULE = "bonus"
REFERENCE = paths.SOLUTIONS / WEEK / f"{MODULE}.py"


def check(name: str) -> str:
    return f"{MODULE}::test_{name}"


PLAIN = check("forward_without_dropout_is_the_plain_forward")
DROPS = check("forward_training_drops_units_and_rescales_survivors")
RNG = check("forward_mask_is_drawn_from_self_rng")
BACKWARD = check("backward_in_training_mode_matches_numerical_gradient")
TRAIN_MODE = check("train_runs_in_training_mode_and_leaves_it")
DECAY = check("train_decays_the_learning_rate_each_epoch")
FIGURE = check("plot_decision_boundary_returns_figure_and_grid")
GRID = check("plot_decision_boundary_grid_matches_predict")
SPAN = check("plot_decision_boundary_grid_spans_beyond_the_data")
ALL_CHECKS = (PLAIN, DROPS, RNG, BACKWARD, TRAIN_MODE, DECAY, FIGURE, GRID, SPAN)

#: The function of the stub each check reaches first.
STUB_FIRST_TODO = {PLAIN: "BonusNN.forward", DROPS: "BonusNN.forward", RNG: "BonusNN.forward",
                   BACKWARD: "BonusNN.forward", TRAIN_MODE: "BonusNN.train", DECAY: "BonusNN.train",
                   FIGURE: "plot_decision_boundary", GRID: "plot_decision_boundary", SPAN: "plot_decision_boundary"}


def bonus_results(folder) -> dict:
    return {result.id: result for result in run_checks(WEEK, folder, modules=(MODULE,))}


def test_bonus_checks_are_all_extra_credit_with_points():
    """Are the bonus graders exactly the checks these tests know, each marked bonus and worth points?"""
    specs = [spec for spec in collect_checks(WEEK) if spec.module == MODULE]
    assert tuple(spec.id for spec in specs) == ALL_CHECKS
    assert all(spec.bonus and spec.points > 0 for spec in specs)


def test_reference_scores_full_marks(tmp_path):
    """Does the reference bonus.py (next to the reference simple_nn.py) pass every bonus check?"""
    results = bonus_results(reference_folder(tmp_path / "reference", WEEK))
    assert list(results) == list(ALL_CHECKS)
    assert {i: r.message for i, r in results.items() if not r.passed} == {}


def test_correct_student_scores_full_marks(tmp_path):
    """Does the sample correct submission (its own simple_nn.py and bonus.py, written differently) pass every check?"""
    folder = tmp_path / "correct"
    shutil.copytree(paths.EXAMPLES / "correct_student", folder)
    for module in paths.PROVIDED_MODULES:
        shutil.copy(module, folder / module.name)
    results = bonus_results(folder)
    assert list(results) == list(ALL_CHECKS)
    assert {i: r.message for i, r in results.items() if not r.passed} == {}


def test_stub_scores_zero_and_every_message_names_its_todo(tmp_path):
    """Does the generated stub of bonus.py score 0 on every check, from a complete run, each message saying which
    function is 'not implemented yet' and where, without quoting grader source?"""
    folder = reference_folder(tmp_path / "stub", WEEK)
    stub = strip_solutions(REFERENCE.read_text(encoding="utf-8"), f"{MODULE}.py")
    (folder / f"{MODULE}.py").write_text(stub, encoding="utf-8")
    results = bonus_results(folder)
    assert list(results) == list(ALL_CHECKS)
    for check_id, result in results.items():
        function = STUB_FIRST_TODO[check_id]
        line = next(i for i, text in enumerate(stub.splitlines(), 1) if f'"{function} is not implemented yet' in text)
        assert not result.passed and result.points == 0, check_id
        assert f"{function} is not implemented yet" in result.message, (check_id, result.message)
        assert f"at bonus.py, line {line}, in {function.split('.')[-1]}:" in result.message, result.message
        assert "hint:     complete that TODO" in result.message, result.message
    assert_no_grader_source(results.values())


def mutation(id: str, edits: tuple[tuple[str, str], ...], fails: dict[str, tuple[str, ...]]) -> Mutation:
    return Mutation(id, MODULE, edits, fails)


MASK = "mask = (self.rng.random(z1.shape) < self.keep_prob) / self.keep_prob"

MUTATIONS = [
    mutation("dropout-not-scaled", ((MASK, "mask = (self.rng.random(z1.shape) < self.keep_prob) * 1.0"),), {
        DROPS: ("either 0 or a1 / keep_prob", "dividing the kept units by keep_prob")}),
    mutation("keep-prob-used-as-drop-prob", ((MASK, MASK.replace("< self.keep_prob", "< 1 - self.keep_prob")),), {
        DROPS: ("fraction of hidden units kept", "probability of KEEPING")}),
    mutation("one-mask-for-the-whole-batch", ((MASK, MASK.replace("z1.shape)", "z1.shape[1])")),), {
        DROPS: ("a different mask for each example", "(N, H), not (H,)")}),
    mutation("dropout-in-evaluation-mode", (("if self.training and self.keep_prob < 1:", "if self.keep_prob < 1:"),), {
        PLAIN: ("evaluation mode", "only while self.training is True")}),
    mutation("mask-from-global-np-random", ((MASK, MASK.replace("self.rng.random", "np.random.random")),), {
        RNG: ("the same dropped units", "not from np.random"),
        BACKWARD: ("different masks", "never from np.random")}),
    mutation("mask-not-used-in-backward", (('* self.cache["mask"] * (self.cache["z1"] > 0)',
                                            '* (self.cache["z1"] > 0)'),), {
        BACKWARD: ("['W1']", "multiply by the mask forward used")}),
    mutation("a1-cached-before-dropout", (('self.cache = {"z1": z1, "a1": a1,',
                                           'self.cache = {"z1": z1, "a1": np.maximum(z1, 0),'),), {
        BACKWARD: ("['W2']", "dropped-out a1")}),
    mutation("training-flag-left-on", (("finally:\n            self.training = False", "finally:\n            pass"),), {
        TRAIN_MODE: ("after train(...) returned", "got:      True")}),
    mutation("flag-reset-without-finally", (("finally:\n            self.training = False",
                                             "except ArithmeticError:\n            raise\n"
                                             "        self.training = False"),), {
        TRAIN_MODE: ("raised an exception", "finally")}),
    mutation("decay-counts-epochs-from-1", (("(1.0 + decay * epoch)", "(1.0 + decay * (epoch + 1))"),), {
        DECAY: ("lr_history", "epoch e (from 0)")}),
    mutation("decay-multiplies", (("learning_rate / (1.0 + decay * epoch)", "learning_rate * (1.0 + decay * epoch)"),), {
        DECAY: ("lr_history", "divided, not multiplied")}),
    mutation("decayed-rate-only-recorded", (("learning_rate=lr,\n", "learning_rate=learning_rate,\n"),), {
        DECAY: ("W1 after train", "not only record it")}),
    mutation("grid-transposed", (("    gx, gy = np.meshgrid(xs, ys)\n", '    gx, gy = np.meshgrid(xs, ys, indexing="ij")\n'),), {
        GRID: ("cells differ", "transposed")}),
    mutation("grid-without-margin", (("    margin = 0.1 * (hi - lo)\n", "    margin = 0.0 * (hi - lo)\n"),), {
        GRID: ("cells differ", "10 % of its range"),
        SPAN: ("[-1.0, 11.0] x [-7.0, 17.0]", "got:      [0.0, 10.0] x [-5.0, 15.0]")}),
]


@pytest.mark.parametrize("planted", MUTATIONS, ids=lambda m: m.id)
def test_planted_bug_fails_exactly_its_checks_naming_the_mistake(planted, tmp_path):
    """Does each planted bug fail the checks it breaks (and only those), each message naming the mistake?"""
    source = REFERENCE.read_text(encoding="utf-8")
    compile(planted.apply(source), f"{MODULE}.py", "exec")
    assert_caught(planted, grade_mutant(tmp_path, WEEK, planted))
