"""Student text is data: how the kit writes a student's text where it could otherwise act.

Student ids, folder and file names, and anything else a student chose can hold
terminal escapes (``"\\x1b[2J"`` clears the instructor's screen, ``"\\r"``
overwrites a line) or spreadsheet formulas (``=HYPERLINK(...)`` in grades.csv
is a live link). Two places turn such text into inert data:

* ``printable`` for every line the kit prints: each character a terminal would
  act on is written as a Python-style escape, never dropped, so the instructor
  sees what was there (the intake also uses it to tell such names apart).
* ``spreadsheet_cell`` for every text cell of a CSV the kit writes, with
  ``from_spreadsheet_cell`` to read it back exactly (``reports.read_grades``).

(What a feedback page may show of a student's notebook is ``sanitize.py``'s.)
"""

from __future__ import annotations

#: A cell starting with one of these is a formula (or, for tab and CR, may become one) in Excel, LibreOffice
#: and Google Sheets (OWASP, "CSV Injection"); a leading quote is escaped too, so reading back is exact.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "'")


def printable(text: object) -> str:
    """``text`` as one printable line: every character a terminal could act on written as an escape.

    Control characters, line breaks, escapes, bidirectional overrides and non-ASCII spaces become ``\\xNN``
    or ``\\uNNNN``; a byte that was not UTF-8 (a name decoded with ``surrogateescape``) becomes ``\\xNN`` of
    that byte. Nothing is dropped, printable text (accents and other scripts included) is unchanged, and so is
    what this function already returned: ``printable("\\x1b[2J")`` shows ``\\x1b[2J`` instead of clearing the
    screen.
    """
    return "".join(_escape(char) for char in str(text))


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte the file system held
        return f"\\x{code - 0xDC00:02x}"
    if char.isprintable():
        return char
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def spreadsheet_cell(value: object) -> object:
    """``value`` as a CSV cell that no spreadsheet runs: text that could start a formula gets a leading ``'``.

    Numbers are returned as they are, so scores (negative ones too) stay numbers; other values are written as
    their text.
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    first = text.lstrip(" ")[:1]  # some spreadsheets trim leading spaces before deciding
    return "'" + text if text.startswith("'") or (first and first in _FORMULA_STARTS) else text


def from_spreadsheet_cell(cell: str) -> str:
    """The text ``spreadsheet_cell`` wrote as ``cell`` (its inverse on text)."""
    return cell[1:] if cell.startswith("'") else cell
