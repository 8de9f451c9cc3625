"""Small truths of the checkout's layout: the data folder, and one spelling in what students read."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

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
    files = tracked("solutions", "assignments", "autograder/week03", "autograder/reporting/advice.py", "examples", "README.md",
                    "docs")
    found = []
    for name in files:
        if name.endswith((".py", ".md", ".ipynb")):
            for number, line in enumerate((paths.ROOT / name).read_text(encoding="utf-8").splitlines(), 1):
                found += [f"{name}:{number}: {match.group(0)}" for match in BRITISH.finditer(line)]
    assert found == []


def imports_of(path, module: str) -> set[str]:
    """The kit modules ``module`` (at ``path``) imports, at the top or inside a function."""
    import ast

    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            target = (".".join(base[:len(base) - node.level + 1]) + (f".{node.module}" if node.module else "")
                      if node.level else node.module or "")
            found |= {f"{target}.{alias.name}" for alias in node.names} | {target}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def kit_modules() -> dict[str, object]:
    modules = {}
    for path in sorted((paths.ROOT / "autograder").rglob("*.py")):
        parts = path.relative_to(paths.ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def test_the_kit_has_no_import_cycles():
    """Does no module of autograder/ import, directly or through others, a module that imports it back (lazy
    imports inside functions included)?"""
    modules = kit_modules()
    graph = {name: {m for m in imports_of(path, name) if m in modules and m != name and m != "autograder"}
             for name, path in modules.items()}

    def reaches(start: str, goal: str) -> list[str] | None:
        seen, frontier = {start}, [[start]]
        while frontier:
            trail = frontier.pop()
            for nxt in graph[trail[-1]]:
                if nxt == goal:
                    return trail + [goal]
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(trail + [nxt])
        return None

    cycles = [" -> ".join(trail) for name in graph for trail in [reaches(name, name)] if trail]
    assert cycles == []


#: The kit's parts from the bottom up: a part imports only parts below it (or itself). The top-level modules
#: every part shares sit at the bottom; the graders' API (checks) drives the sandbox; the graders and what reads
#: their results come next; the course, which drives all of them, and the command line are on top.
LAYERS = (
    ("autograder.paths", "autograder.results", "autograder.untrusted", "autograder.gradebook", "autograder.handout",
     "autograder.jail"),
    ("autograder.faults", "autograder.intake"),
    ("autograder.sandbox",),
    ("autograder.checks",),
    ("autograder.grading", "autograder.week03"),
    ("autograder.store", "autograder.authoring"),
    ("autograder.reporting",),
    ("autograder.course",),
    ("autograder.cli",),
)


def part_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_every_part_imports_only_the_parts_below_it():
    """Does each part of autograder/ (a subpackage, or a module at the top) import only parts of lower layers,
    so that the folders read from the bottom up (jail, sandbox, graders, reports, course, command line)?"""
    rank = {part: level for level, parts in enumerate(LAYERS) for part in parts}
    modules = kit_modules()
    assert {part_of(name) for name in modules if name != "autograder"} == set(rank)  # every part has its layer
    upward = sorted(f"{name} -> {imported}" for name, path in modules.items() if name != "autograder"
                    for imported in imports_of(path, name)
                    if imported in modules and imported != "autograder" and part_of(imported) != part_of(name)
                    and rank[part_of(imported)] >= rank[part_of(name)])
    assert upward == []


def test_every_hook_the_nbgrader_config_names_exists():
    """Does every kit class the course's nbgrader_config.py names (preprocessors, exporter) import, so that a
    renamed module cannot leave a course's config pointing nowhere?"""
    import importlib
    import re as regex

    from autograder.course import nbgrader_commands

    named = regex.findall(r'"(autograder\.[\w.]+)"', nbgrader_commands.CONFIG)
    assert len(named) >= 6
    for dotted in named:
        module, _, name = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), name), dotted


def package_modules(*packages: str) -> list[str]:
    return [name for name in kit_modules() if any(name == p or name.startswith(f"{p}.") for p in packages)]


@pytest.mark.parametrize("modules", [
    package_modules("autograder.authoring"),  # make assignments
    package_modules("autograder.reporting", "autograder.store", "autograder.grading.checklist"),  # reading results
], ids=["authoring", "reporting"])
def test_authoring_and_reporting_load_neither_nbgrader_nor_pytest(modules):
    """Do the modules behind make assignments, and those that read saved results into reports, import without
    loading nbgrader or pytest (heavy, and not theirs to need)?"""
    assert len(modules) >= 4
    code = f"import sys, {', '.join(modules)}; print(' '.join(m for m in ('nbgrader', 'pytest') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=paths.ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(paths.ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


#: What jail/ may import besides itself: the standard library and numpy (and the kernel launcher, the kernel: ipykernel, zmq).
JAIL_MAY_IMPORT = {"numpy", "__future__"} | set(sys.stdlib_module_names)


def test_the_jail_imports_nothing_but_the_standard_library_numpy_and_itself():
    """Does every module of autograder/jail/ (all of the kit a sandbox sees) import only the standard library,
    numpy and jail/ itself, so that what runs beside student code is what the sandbox mounts?"""
    modules = kit_modules()
    jail = package_modules("autograder.jail")
    assert {"autograder.jail.worker", "autograder.jail.confine", "autograder.jail.rpc"} <= set(jail)
    outside = {}
    for name in jail:
        allowed = JAIL_MAY_IMPORT | ({"ipykernel", "zmq"} if name == "autograder.jail.kernel_launcher" else set())
        found = {m for m in imports_of(modules[name], name)
                 if m.split(".")[0] not in allowed and m not in ("autograder", "autograder.jail")
                 and not m.startswith("autograder.jail.")}
        if found:
            outside[name] = sorted(found)
    assert outside == {}


def test_the_sandbox_mounts_the_jail_and_nothing_else_of_the_kit():
    """Is what the sandbox shows of the kit exactly the package's __init__.py and jail/?"""
    from autograder.sandbox.limited import KIT_MOUNT, Limits, confined_argv

    argv = confined_argv(paths.EXAMPLES, ["true"], Limits())
    kit = {(argv[i + 1], argv[i + 2]) for i, word in enumerate(argv)
           if word == "--ro-bind" and argv[i + 2].startswith(f"{KIT_MOUNT}/")}
    assert kit == {(str(paths.GRADERS / "__init__.py"), f"{KIT_MOUNT}/autograder/__init__.py"),
                   (str(paths.JAIL), f"{KIT_MOUNT}/autograder/jail")}


#: Where the kit's modules are named in text: dotted (config hooks, -p, -m, python -m) and as files.
DOTTED = re.compile(r"\bautograder(?:\.[A-Za-z_]\w*)+(?![\w{])")  # an f-string's {part}: its prefix
FILE = re.compile(r"\bautograder/[\w/]+\.py\b")
#: An import written out, in code or in a string of code a test runs: each name must be there to import.
FROM_IMPORT = re.compile(r"\bfrom (autograder(?:\.\w+)*) import ([\w ,]+)")


def named_anywhere() -> list[tuple[str, int, str]]:
    """(file, line, name) for every module of the kit named in the kit's code, Makefile, README, docs and CI."""
    files = [name for name in tracked("autograder", "tests", "benchmarks", "Makefile", "README.md", "docs",
                                      "data/README.md", "pyproject.toml", ".ci")
             if (name.endswith((".py", ".md", ".toml")) or "/" not in name or name.startswith(".ci/"))
             and name != "tests/test_course_upgrade.py"]  # which names the earlier kit's modules on purpose
    found = []
    for name in files:
        for number, line in enumerate((paths.ROOT / name).read_text(encoding="utf-8").splitlines(), 1):
            found += [(name, number, m.group(0)) for pattern in (DOTTED, FILE) for m in pattern.finditer(line)]
            found += [(name, number, f"{m.group(1)}.{imported.strip().split(' as ')[0]}")
                      for m in FROM_IMPORT.finditer(line) for imported in m.group(2).split(",") if imported.strip()]
    return found


def resolves(name: str) -> bool:
    """Is ``name`` a file of the kit, or an importable module of it followed by attributes it has?"""
    import importlib

    if "/" in name:
        return (paths.ROOT / name).is_file()
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def test_every_module_named_in_text_exists():
    """Does every module the kit names in a string, a command or a document (nbgrader config hooks, the
    exporter, -p for the plugin, -m for worker and confine, python -m in the Makefile, README and docs) exist,
    so that a module that moves cannot leave a stale name behind?"""
    named = named_anywhere()
    assert len(named) > 50
    stale = sorted({f"{file}:{line}: {name}" for file, line, name in named if not resolves(name)})
    assert stale == []


#: A course directory's own names, joined into a path: only paths.CourseLayout spells them.
COURSE_NAMES = re.compile(r'/ "(submitted|autograded|release|source|feedback|reports|results|\.nngrader)"|'
                          r'"(gradebook\.db|nbgrader_config\.py)"')


def test_only_the_course_layout_spells_the_course_directory():
    """Does every module of the kit reach a path under the course directory through paths.CourseLayout, so that
    the layout is written down once?"""
    found = [f"{path.relative_to(paths.ROOT)}:{number}: {line.strip()}"
             for path in sorted((paths.ROOT / "autograder").rglob("*.py")) if path.name != "paths.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if COURSE_NAMES.search(line)]
    assert found == []
