"""Generate the students' stubs from the reference solutions (``make assignments``).

Each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes a
``# TODO`` and a ``raise NotImplementedError`` that names the function it sits
in. Lines at the top of a region that start with ``# hint:`` become the TODO's
text, so the hint lives next to the code it describes. Files without regions
are copied as they are.
"""

from __future__ import annotations

import ast
import re

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = re.compile(r"^\s*# hint:\s?(.*)$")


class StubError(ValueError):
    """A solution file whose markers cannot be turned into a stub."""


def strip_solutions(source: str, filename: str) -> str:
    """Return ``source`` with every solution region replaced by a TODO stub."""
    owners = _enclosing_functions(source, filename)
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    start = None
    for number, line in enumerate(lines, start=1):
        if BEGIN in line:
            if start is not None:
                raise StubError(f"{filename}:{number}: {BEGIN} inside the region opened at line {start}")
            start, indent, hints = number, line[: len(line) - len(line.lstrip())], []
        elif END in line:
            if start is None:
                raise StubError(f"{filename}:{number}: {END} without a {BEGIN} before it")
            owner = owners.get(start, filename)
            out.extend(f"{indent}# TODO: {hint}".rstrip() + "\n" for hint in hints or ["your code here"])
            out.append(f'{indent}raise NotImplementedError("{owner} is not implemented yet: '
                       f'complete the TODO in {filename}")\n')
            start = None
        elif start is None:
            out.append(line)
        elif (match := HINT.match(line)) and len(hints) == number - start - 1:
            hints.append(match.group(1))
    if start is not None:
        raise StubError(f"{filename}:{start}: {BEGIN} is never closed by {END}")
    stub = "".join(out)
    try:
        ast.parse(stub, filename)
    except SyntaxError as error:
        raise StubError(f"{filename}:{error.lineno}: the generated stub does not parse ({error.msg}); "
                        "put each solution region around whole statements") from error
    return stub


def has_solutions(source: str) -> bool:
    """True when ``source`` holds at least one solution region."""
    return BEGIN in source


def _enclosing_functions(source: str, filename: str) -> dict[int, str]:
    """Map each line number to the qualified name of the innermost function or class around it."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        raise StubError(f"{filename}:{error.lineno}: the solution does not parse: {error.msg}") from error
    owners: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"  # inner definitions are visited later and win
                owners.update(dict.fromkeys(range(child.lineno, child.end_lineno + 1), name))
                visit(child, f"{name}.")

    visit(tree, "")
    return owners
