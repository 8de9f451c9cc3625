"""The throughput benchmark's pure parts: its command line, its class, its arithmetic and its verdicts.

Nothing here grades (benchmarks/grade_throughput.py itself takes minutes): the
script is imported from its file and its small functions are called directly.
"""

import importlib.util
import sys

import pytest

from autograder import paths

SPEC = importlib.util.spec_from_file_location("grade_throughput", paths.ROOT / "benchmarks" / "grade_throughput.py")
bench = sys.modules.setdefault("grade_throughput", importlib.util.module_from_spec(SPEC))  # dataclasses need it there
SPEC.loader.exec_module(bench)


def timings(**seconds):
    """Timing per way for a class of 10 submissions."""
    return {way: bench.Timing(way, value, 10) for way, value in seconds.items()}


def test_defaults_run_every_way_on_8_students_of_week03():
    """Without options, are all four ways run, in order, on 8 students of week03?"""
    args = bench.parse_args([])
    assert (args.students, args.ways, args.week) == (8, ["baseline", "kit1", "kitall", "dask"], "week03")
    assert args.rounds == 2


def test_rounds_alternate_direction_so_every_way_sits_at_the_same_mean_position():
    """Does each round run the ways in turn, every other round reversed, giving each way the same mean position?"""
    assert bench.run_order(["baseline", "kit1"], 1) == ["baseline", "kit1"]
    order = bench.run_order(["baseline", "kit1", "kitall"], 2)
    assert order == ["baseline", "kit1", "kitall", "kitall", "kit1", "baseline"]
    positions = {way: [i for i, w in enumerate(order) if w == way] for way in set(order)}
    assert len({sum(p) / len(p) for p in positions.values()}) == 1
    assert bench.run_order(["kit1"], 3) == ["kit1"] * 3


def test_a_way_timed_over_rounds_takes_their_mean():
    timing = bench.Timing.of_rounds("kit1", [90.0, 110.0], 10)
    assert (timing.seconds, timing.per_submission) == (100.0, 10.0)


def test_ways_are_a_subset_kept_in_run_order():
    """Does --ways take a comma-separated subset, in the order the ways run, whatever order it was typed in?"""
    assert bench.parse_args(["--ways", "kit1, baseline"]).ways == ["baseline", "kit1"]
    assert bench.parse_args(["--ways", "dask", "--students", "40", "--week", "week03"]).ways == ["dask"]


@pytest.mark.parametrize("argv", [["--ways", "baseline,turbo"], ["--ways", ","], ["--students", "0"],
                                  ["--students", "many"], ["--week", "week99"], ["--rounds", "0"]])
def test_bad_options_are_refused(argv, capsys):
    """Are an unknown way, no way at all, a class of no students and an unknown week refused with a message?"""
    with pytest.raises(SystemExit):
        bench.parse_args(argv)
    assert "error:" in capsys.readouterr().err


def test_class_is_round_robin_over_the_samples_in_name_order():
    """Does the class take the samples in turn, named <sample>_<index>, the same mix whatever order they come in?"""
    roster = bench.class_roster(7, ["stub_student", "buggy_student", "correct_student"])
    assert [name for name, _ in roster] == [
        "buggy_student_00", "correct_student_01", "stub_student_02", "buggy_student_03",
        "correct_student_04", "stub_student_05", "buggy_student_06"]
    assert all(name.startswith(sample) for name, sample in roster)


def test_class_names_are_unique_and_sort_in_order_for_large_classes():
    """With 120 students, are names unique and zero-padded so they sort in index order?"""
    names = [name for name, _ in bench.class_roster(120, ["correct_student"])]
    assert len(set(names)) == 120 and names[7] == "correct_student_007" and names == sorted(names)


def test_class_needs_samples():
    """Is a class with nothing to copy refused?"""
    with pytest.raises(ValueError):
        bench.class_roster(3, [])


def test_rates_and_ratios():
    """Are seconds per submission, submissions per minute and the ratio to the baseline what they should be?"""
    measured = timings(baseline=200.0, kit1=300.0)
    assert measured["kit1"].per_submission == 30.0 and measured["kit1"].per_minute == 2.0
    lines = bench.table(measured, bench.WAYS)
    assert lines[1].split()[-1] == "1.00x" and lines[2].split()[-1] == "0.67x"


def test_speedup_target_passes_at_1_8x_and_misses_below():
    """Is (a) the all-cores rate over the 1-worker rate, PASS from 1.8x on?"""
    exact = bench.speedup_target(timings(kit1=180.0, kitall=100.0))
    assert exact.value == pytest.approx(1.8) and exact.line().endswith("1.80x  PASS")
    below = bench.speedup_target(timings(kit1=170.0, kitall=100.0))
    assert below.line().endswith("1.70x  MISS")


def test_overhead_target_passes_up_to_25_percent_and_misses_above():
    """Is (b) the kit's seconds per submission over the baseline's, minus 1, PASS up to +25 %?"""
    within = bench.overhead_target(timings(baseline=100.0, kit1=125.0))
    assert within.value == pytest.approx(0.25) and within.line().endswith("+25%  PASS")
    above = bench.overhead_target(timings(baseline=100.0, kit1=150.0))
    assert above.line().endswith("+50%  MISS")
    faster = bench.overhead_target(timings(baseline=100.0, kit1=90.0))
    assert faster.line().endswith("-10%  PASS")


def test_a_target_without_its_ways_says_what_it_needs():
    """When --ways leaves out a way a target needs, is the target n/a, naming the ways, not PASS or MISS?"""
    for target in (bench.speedup_target(timings(baseline=100.0)), bench.overhead_target(timings(kitall=50.0))):
        assert target.passed is None and "n/a (needs" in target.line()
        assert "PASS" not in target.line() and "MISS" not in target.line()


def test_score_guard_names_each_student_whose_grades_differ():
    """Does the correctness guard pass identical grades and name every student whose row differs?"""
    same = {"a": ("115", "115", "12", "12"), "b": ("0", "115", "0", "12")}
    assert bench.differing_scores({"kit1": same, "kitall": dict(same), "dask": dict(same)}) == []
    assert bench.differing_scores({"kit1": same}) == []
    changed = {**same, "b": ("3", "115", "0", "12")}
    missing = {"a": same["a"]}
    lines = bench.differing_scores({"kit1": same, "kitall": changed, "dask": missing})
    assert len(lines) == 2 and all(line.startswith("b: kit1") for line in lines)
