"""The list of a week's checks (autograder/grading/checklist.py): collected once, cached, and never stale."""

from __future__ import annotations

import shutil

from autograder import paths
from autograder.grading.checklist import collect_checks

WEEK = "week03"


def check(name: str) -> str:
    return f"simple_nn::test_{name}"


def test_the_cached_check_list_follows_every_change_to_the_graders(tmp_path, monkeypatch):
    """Is the on-disk check list used again, and never once a grader file has changed (or the cache is broken)?"""
    graders = tmp_path / "autograder"
    shutil.copytree(paths.GRADERS, graders, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(paths, "GRADERS", graders)
    monkeypatch.setenv("NNGRADER_CACHE_DIR", str(tmp_path / "cache"))
    collect_checks.cache_clear()
    try:
        first = collect_checks(WEEK)
        [cached] = (tmp_path / "cache" / "checks").iterdir()
        collect_checks.cache_clear()
        assert collect_checks(WEEK) == first

        grader = graders / WEEK / "test_simple_nn.py"
        source = grader.read_text(encoding="utf-8")
        old_title = '"""the weights train learns from the 60,000 MNIST training images'
        assert old_title in source
        grader.write_text(source.replace(old_title, '"""CHANGED: after train on the 60,000 MNIST training images'),
                          encoding="utf-8")
        collect_checks.cache_clear()
        changed = {spec.id: spec.title for spec in collect_checks(WEEK)}
        assert changed[check("accuracy_above_90_percent_on_mnist")].startswith("CHANGED: ")

        cached.write_text("not json", encoding="utf-8")  # the old key's file, broken: never read again anyway
        for entry in (tmp_path / "cache" / "checks").iterdir():
            entry.write_text("[{\"broken\": 1}]", encoding="utf-8")
        collect_checks.cache_clear()
        assert {spec.id: spec.title for spec in collect_checks(WEEK)} == changed
    finally:
        collect_checks.cache_clear()  # later tests collect the real graders again
