"""Generate the students' stubs from the reference solutions (``make assignments``).

Each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes a
``# TODO`` and a ``raise NotImplementedError`` that names the function it sits
in. Lines at the top of a region that start with ``# hint:`` become the TODO's
text, so the hint lives next to the code it describes. Files without regions
are copied as they are. A stub never returns a name it does not define (a
student's editor would flag it): a name the solution region computes and the
function returns is set to None before the region (``P = None``, as CS231n's
``out = None``), or the stub is refused.
"""

from __future__ import annotations

import ast
import builtins
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
    unbound = unbound_returns(stub, filename)
    if unbound:
        line, function, name = unbound[0]
        raise StubError(f"{filename}:{line}: the stub of {function} returns {name}, which only its solution region "
                        f"defines: set `{name} = None` just before the region")
    return stub


def unbound_returns(source: str, filename: str) -> list[tuple[int, str, str]]:
    """(line, function, name) of each name a ``return`` reads that its function never binds, and that is no
    module-level name or builtin either."""
    tree = ast.parse(source, filename)
    known = set(dir(builtins))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            known.add(node.name)
        else:
            for child in ast.walk(node):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    known.add(child.id)
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    known.add(child.name)
                elif isinstance(child, (ast.Import, ast.ImportFrom)):
                    known.update((alias.asname or alias.name).split(".")[0] for alias in child.names)
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, enclosing: set[str]) -> None:
        for function in ast.iter_child_nodes(node):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(function, enclosing)
                continue
            bound = enclosing | _bound_in(function)  # a closure reads its enclosing functions' names too
            for inner in ast.walk(function):
                if isinstance(inner, ast.Return) and inner.value is not None and _owner(function, inner):
                    found.extend((inner.lineno, function.name, n.id) for n in ast.walk(inner.value)
                                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound)
            visit(function, bound)

    visit(tree, known)
    return sorted(found)


def _bound_in(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names ``function`` binds: its arguments, assignments, loop targets, nested definitions and imports."""
    arguments = function.args
    bound = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                             *filter(None, (arguments.vararg, arguments.kwarg))]}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not function:
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return bound


def _owner(function: ast.AST, node: ast.AST) -> bool:
    """Whether ``node`` belongs to ``function`` itself, not to a function nested in it."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        child = stack.pop()
        if child is node:
            return True
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(child))
    return False


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
