"""Small truths of the checkout's layout: the data folder, and one spelling in what students read."""

from __future__ import annotations

import re
import subprocess

from autograder import paths

#: British spellings and the US ones the kit uses (student-facing text is US English).
BRITISH = re.compile(r"\b(centred|centre|colour(s|ed)?|normalis(e|es|ed|ing|ation)|initialis(e|es|ed|ing|ation)|"
                     r"recognis(e|es|ed|er)|standardis(e|es|ed|ing|ation)|behaviour|vectoris(e|ed)|memoris(e|ed|ing)|"
                     r"optimis(e|er|ed|ation)|summaris(e|ed)|labelled|cancelled|neighbour|grey|catalogue|favours?|"
                     r"honours?|practises|analyse[sd]?)\b", re.IGNORECASE)


def tracked(*patterns: str) -> list[str]:
    done = subprocess.run(["git", "ls-files", *patterns], cwd=paths.ROOT, capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_data_folder_is_in_the_checkout_with_its_readme_and_no_data():
    """Does a clean checkout have data/ with a README saying what goes there and how to get it, and no data file?"""
    readme = (paths.ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert "make data" in readme and "NNGRADER_DATA_DIR" in readme and "SHA-256" in readme
    assert tracked("data") == ["data/README.md"]
    assert "/data/mnist/" in (paths.ROOT / ".gitignore").read_text(encoding="utf-8")


def test_student_facing_text_is_in_us_english():
    """Do the solutions (hence stubs and notebooks), the released files, the graders' messages and the advice use
    one spelling, US English?"""
    files = tracked("solutions", "assignments", "autograder/week03", "autograder/advice.py", "examples", "README.md",
                    "docs")
    found = []
    for name in files:
        if name.endswith((".py", ".md", ".ipynb")):
            for number, line in enumerate((paths.ROOT / name).read_text(encoding="utf-8").splitlines(), 1):
                found += [f"{name}:{number}: {match.group(0)}" for match in BRITISH.finditer(line)]
    assert found == []
