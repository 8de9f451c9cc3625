"""Style notes for the TA who grades "code is clean and commented" by hand: what a linter and two counts see.

The notes help a person judge; they never score. ``style_notes`` returns only
data and text, and no grading code reads them to give points. The student's
file is read as text (``intake.small_text``: no link followed, a size cap) and
is never imported or run: ``ast`` and ``tokenize`` read it, and ruff reads it
from its standard input, ``--isolated`` so that no configuration file (the
student's ``pyproject.toml`` or ``ruff.toml`` included) chooses its rules, and
``--ignore-noqa`` so that a ``# noqa`` hides nothing. A file that cannot be
read, does not parse or makes ruff fail gives a note that says so, never an
exception; ruff's findings are capped, so a hostile file makes a short note.

Everything in the notes that came from the file (names, ruff's messages that
quote them) is written with ``untrusted.printable``: plain text for a
terminal, still to be HTML-escaped on a page.
"""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
import tempfile
import threading
import tokenize
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder.intake import small_text
from autograder.untrusted import printable

#: How ruff is started: the kit's own, from its virtual environment (a dependency in pyproject.toml).
RUFF = (sys.executable, "-m", "ruff")
#: What ruff checks, chosen for a first course: mistakes (F: pyflakes, B: bugbear), layout (E, W:
#: pycodestyle) and names (N: pep8-naming). Missing docstrings are the coverage line's, by name.
RULES = ("E", "W", "F", "N", "B")
#: What it leaves out, because the course asks for it or it is not a first course's point.
IGNORED = ("N803", "N806", "N816",  # X, W1, dW: the stubs write matrices in capitals, as the course does
           "B905")  # zip(strict=...): not a point of this course
#: The stubs' own lines go up to 120 characters: a shorter limit would flag the kit's text, not the student's.
LINE_LENGTH = 120
#: A student's module is about 10 kB; a file over this is not read at all.
MAX_BYTES = 512 * 1024
#: ruff takes well under a second on a module; past this it is stopped and the note says so.
TIMEOUT = 60.0
#: Findings kept with their line and message (all are counted); what ``summary`` lists by default.
MAX_FINDINGS, LISTED = 200, 10
#: How much of a name or a message a note keeps, and how many missing names it lists.
MAX_TEXT, MAX_NAMES = 160, 12


@dataclass(frozen=True)
class Finding:
    """One of ruff's findings: ``message`` is ruff's words, which may quote the student's names (printable)."""

    line: int
    code: str
    message: str


@dataclass(frozen=True)
class StyleNotes:
    """What the TA reads beside a student's module. ``unread`` says why the file was not read ("" when it was);
    ``unparsed`` why the counts are missing; ``ruff_error`` why ruff could not run (the kit's problem)."""

    file: str
    unread: str = ""
    unparsed: str = ""
    ruff_error: str = ""
    findings: tuple[Finding, ...] = ()  # the first MAX_FINDINGS, in ruff's order (by line)
    finding_count: int = 0
    by_rule: tuple[tuple[str, int], ...] = ()  # ("F401 unused-import", 3), most frequent first, over all findings
    module_docstring: bool = False
    documented: tuple[str, ...] = ()  # functions, classes and methods (SimpleNN.backward), dunder methods aside
    undocumented: tuple[str, ...] = ()
    comment_lines: int = 0
    todo_lines: int = 0  # comments that still say TODO (the stub's, most likely)
    code_lines: int = 0  # lines with code on them, docstrings and comments aside

    def summary(self, listed: int = LISTED) -> str:
        """A few plain lines for the TA, with the first ``listed`` findings by line number."""
        lines = [f"style notes on {self.file} (for the TA to read; they give no points)"]
        if self.unread:
            return "\n".join(lines + [f"not read: {self.unread}"])
        if self.unparsed:
            lines.append(f"docstrings and comments: not counted, {self.unparsed}")
        else:
            defined = len(self.documented) + len(self.undocumented)
            missing = _names(self.undocumented)
            lines.append(f"docstrings: module {'yes' if self.module_docstring else 'no'}; "
                         f"{len(self.documented)} of {defined} functions and classes"
                         + (f" (missing: {missing})" if missing else ""))
            todo = f" ({self.todo_lines} still TODO)" if self.todo_lines else ""
            lines.append(f"comments: {self.comment_lines} comment lines{todo} for {self.code_lines} lines of code")
        lines += self._ruff_lines(listed)
        return "\n".join(lines)

    def _ruff_lines(self, listed: int) -> list[str]:
        """What ruff said: why it could not run, or its findings counted by rule and the first ``listed``."""
        if self.ruff_error:
            return [f"ruff could not run: {self.ruff_error}"]
        if not self.finding_count:
            return [f"ruff: no findings (rules {', '.join(RULES)}; lines up to {LINE_LENGTH})"]
        rules = ", ".join(f"{rule} x{count}" for rule, count in self.by_rule)
        lines = [f"ruff: {self.finding_count} finding{'s' * (self.finding_count != 1)} ({rules})"]
        lines += [f"  line {f.line}: {f.code} {f.message}" for f in self.findings[:listed]]
        if self.finding_count > listed:
            lines.append(f"  ... and {self.finding_count - min(listed, len(self.findings))} more")
        return lines


def style_notes(path: Path) -> StyleNotes:
    """The style notes on the student's module at ``path``, read as text and never run."""
    shown = printable(path.name)[:MAX_TEXT]
    text, why = small_text(path.parent, path.name, MAX_BYTES)
    if text is None:
        return StyleNotes(shown, unread=printable(why)[:2 * MAX_TEXT])
    text = text.removeprefix("\ufeff")  # a byte order mark: UTF-8 all the same
    return StyleNotes(shown, **_coverage(text), **_ruff(text, path.name))


def _coverage(text: str) -> dict:
    """The docstrings and comments of ``text``, or why they could not be counted."""
    try:
        tree = ast.parse(text)
        documented, undocumented, docstring_lines = [], [], set()
        for node, name in _definitions(tree):
            has = bool((ast.get_docstring(node) or "").strip())
            if name is None:
                module_docstring = has
            else:
                (documented if has else undocumented).append(printable(name)[:MAX_TEXT])
            if has:
                docstring_lines.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
        comments, todo, code = set(), set(), set()
        for token in tokenize.generate_tokens(io.StringIO(text).readline):  # one at a time: a big file is big
            if token.type == tokenize.COMMENT:
                comments.add(token.start[0])
                if re.match(r"#+\s*TODO\b", token.string):
                    todo.add(token.start[0])
            elif token.type not in _NOT_CODE:
                code.update(range(token.start[0], token.end[0] + 1))
    except (SyntaxError, ValueError, RecursionError, MemoryError, tokenize.TokenError) as error:
        # SyntaxError (IndentationError too) has a line; a null byte is a ValueError, deep nesting a RecursionError
        where = f"line {error.lineno}: " if getattr(error, "lineno", None) else ""
        said = getattr(error, "msg", None) or str(error) or type(error).__name__
        return {"unparsed": f"the file does not parse ({where}{printable(said)[:MAX_TEXT]})"}
    return {"module_docstring": module_docstring, "documented": tuple(documented),
            "undocumented": tuple(undocumented), "comment_lines": len(comments), "todo_lines": len(todo),
            "code_lines": len(code - docstring_lines)}


#: Tokens that are not code: comments, line ends, indentation.
_NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
             tokenize.ENDMARKER, tokenize.ENCODING}


def _definitions(tree: ast.Module) -> Iterator[tuple[ast.AST, str | None]]:
    """(node, qualified name) of the module itself (name None), of each function and class at the top and of
    each method and nested class, dunder methods aside (the class says how to build one); functions inside
    functions are the function's own business and not listed."""
    yield tree, None
    todo = [(node, "") for node in tree.body]
    while todo:
        node, prefix = todo.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = prefix + node.name
            if not (prefix and node.name.startswith("__") and node.name.endswith("__")):
                yield node, name
            if isinstance(node, ast.ClassDef):
                todo += [(child, f"{name}.") for child in node.body]


def _names(names: tuple[str, ...]) -> str:
    """The first MAX_NAMES of ``names``, and how many more there are."""
    listed = ", ".join(names[:MAX_NAMES])
    return listed + (f", and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def _ruff(text: str, name: str) -> dict:
    """ruff's findings on ``text`` (given on its standard input, as a file called ``name``), at most
    MAX_FINDINGS kept and all counted, or why ruff could not run."""
    command = [*RUFF, "check", "--no-cache", "--isolated", "--ignore-noqa", "--exit-zero",
               "--output-format=json-lines", f"--line-length={LINE_LENGTH}", f"--select={','.join(RULES)}",
               f"--ignore={','.join(IGNORED)}", f"--stdin-filename={name}", "-"]
    kept, rules, timed_out = [], Counter(), threading.Event()
    try:
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
            timer = threading.Timer(TIMEOUT, lambda: (timed_out.set(), process.kill()))
            timer.start()
            try:
                try:
                    process.stdin.write(text.encode("utf-8"))
                    process.stdin.close()
                except BrokenPipeError:
                    pass  # ruff stopped reading: its exit status and stderr say why
                for raw in process.stdout:  # one finding a line, read as they come: never all held at once
                    finding = json.loads(raw)
                    code = printable(finding.get("code") or "invalid-syntax")[:MAX_TEXT]
                    rule = printable(finding.get("name") or code)[:MAX_TEXT]  # ruff's name of the rule
                    rules[code if rule == code else f"{code} {rule}"] += 1
                    if len(kept) < MAX_FINDINGS:
                        kept.append(Finding(int((finding.get("location") or {}).get("row") or 0), code,
                                            printable(finding.get("message") or "")[:MAX_TEXT]))
                status = process.wait()
            finally:
                timer.cancel()
                process.kill()  # nothing when it has ended; when it has not, it must not outlive the note
                process.wait()
                process.stdout.close()
            errors.seek(0)
            said = errors.read(2000).decode("utf-8", "replace").strip()
    except (OSError, ValueError, TypeError, AttributeError) as error:  # no Python to start, or not ruff's JSON
        return {"ruff_error": printable(f"{type(error).__name__}: {error}")[:2 * MAX_TEXT]}
    if timed_out.is_set():
        return {"ruff_error": f"it took over {TIMEOUT:g} s and was stopped"}
    if status != 0:
        last = said.splitlines()[-1] if said else "no message"
        return {"ruff_error": printable(f"it exited with status {status}: {last}")[:2 * MAX_TEXT]}
    return {"findings": tuple(kept), "finding_count": sum(rules.values()), "by_rule": tuple(rules.most_common())}
