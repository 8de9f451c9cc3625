"""How much of a notebook's outputs the kit keeps: bytes per cell and per notebook, the start kept, the cut said.

nbgrader's own ``LimitOutput`` counts lines, so one line of 200 MB passes it
and every byte reaches the feedback page. Here every output is weighed in
bytes as the notebook file holds it (text, images and metadata alike), and a
cell's outputs together get ``Limits.cell_output_kb``, a notebook's
``Limits.notebook_output_kb``. What does not fit is shortened, keeping the
start (text, a traceback's first lines, a rich output's plain-text form), or
dropped (an image cannot be cut), and a note at the end of the cell says how
much was cut and which limit did it. ``nbgrader_hooks`` applies this twice:
while a cell runs (``SandboxedExecute``, so that nbgrader never holds more
than the budget, however long a cell prints) and on the executed notebook
(``LimitOutputBytes``, which writes the notes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import nbformat
from nbformat import NotebookNode

from autograder.sandbox.limited import Limits, describe_bytes

#: Below this many bytes of room, a shortened output would say nothing: it is dropped instead.
SMALLEST_CUT = 64


def output_bytes(output: Mapping) -> int:
    """The bytes ``output`` takes in the notebook file: every string in it as UTF-8, plus a few per other value."""
    total, pending = 0, [output]
    while pending:  # no recursion: a student's application/json may nest deeper than Python's stack
        value = pending.pop()
        if isinstance(value, str):
            total += len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
        elif isinstance(value, Mapping):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
        else:
            total += 8  # a number, a boolean, None
    return total


def shorten(output: NotebookNode, room: int) -> NotebookNode | None:
    """``output`` cut to at most ``room`` bytes, keeping its start; None when nothing worth keeping fits."""
    if output_bytes(output) <= room:
        return output
    if room < SMALLEST_CUT:
        return None
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name", "stdout")
        return _fit(lambda text: nbformat.v4.new_output("stream", name=name, text=text),
                    _text(output.get("text", "")), room)
    if kind == "error":
        ename, traceback = _cut(str(output.get("ename", "")), 100), [str(line) for line in output.get("traceback", [])]
        short = _fit(lambda evalue: nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[]),
                     str(output.get("evalue", "")), room // 2)
        for line in traceback:  # the traceback's first lines, as many as fit
            if output_bytes(short) + output_bytes([line, "... (traceback cut)"]) > room:
                short.traceback.append("... (traceback cut)")
                break
            short.traceback.append(line)
        return short if output_bytes(short) <= room else None
    plain = output.get("data", {}).get("text/plain")
    if kind in ("display_data", "execute_result") and plain:
        fields = {"execution_count": output.get("execution_count")} if kind == "execute_result" else {}
        return _fit(lambda text: nbformat.v4.new_output(kind, data={"text/plain": text}, **fields), _text(plain), room)
    return None


def _fit(build: Callable[[str], NotebookNode], text: str, room: int) -> NotebookNode:
    """``build(start of text)`` for the longest start of ``text`` with which the output fits in ``room`` bytes."""
    short = build(_cut(text, room))
    excess = output_bytes(short) - room
    return build(_cut(text, max(0, room - excess))) if excess > 0 else short


def cap_cell(outputs: Iterable[NotebookNode], room: int) -> tuple[list[NotebookNode], int, list[str]]:
    """The outputs that fit in ``room`` bytes, in order; the bytes cut; and what was cut (output kinds, MIME types)."""
    kept, cut, what = [], 0, []
    for output in outputs:
        size = output_bytes(output)
        short = shorten(output, room)
        what.extend(_lost(output, short))
        if short is not None:
            kept.append(short)
            room -= output_bytes(short)
            size -= output_bytes(short)
        cut += size
    return kept, cut, list(dict.fromkeys(what))


def note(total: int, kept: int, what: list[str], limits: Limits, notebook_full: bool) -> NotebookNode:
    """The output that ends a cut cell: how much it printed, how much is kept, what was cut and by which limit."""
    limit = (f"the notebook's outputs together may keep {describe_bytes(limits.notebook_output_kb << 10)} "
             "(NNGRADER_NOTEBOOK_OUTPUT_KB), and earlier cells used most of it" if notebook_full else
             f"one cell's outputs may keep {describe_bytes(limits.cell_output_kb << 10)} (NNGRADER_CELL_OUTPUT_KB)")
    cut = f" ({', '.join(what)} cut)" if what else ""
    return nbformat.v4.new_output("stream", name="stderr", text=(
        f"[output cut by the grader: this cell's outputs came to {describe_bytes(total)}, the first "
        f"{describe_bytes(kept)} are kept{cut}; {limit}. Print less: a summary, a few values, or one plot]\n"))


def _lost(output: Mapping, short: Mapping | None) -> list[str]:
    """What ``short`` lacks of ``output``: its kind (stream, error) or the MIME types cut or dropped."""
    if short is output:
        return []
    if output.get("output_type") not in ("display_data", "execute_result"):
        return [str(output.get("output_type"))[:60]]
    kept = short.get("data", {}) if short is not None else {}
    return [str(mime)[:60] for mime, value in output.get("data", {}).items() if kept.get(mime) != value]


def _text(text: object) -> str:
    return "".join(map(str, text)) if isinstance(text, list) else str(text)


def _cut(text: str, room: int) -> str:
    """The start of ``text`` that fits in ``room`` bytes of UTF-8, never half a character."""
    if text.isascii():
        return text[:room]
    return text[:room].encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
