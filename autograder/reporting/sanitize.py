"""What a feedback page may show of a student's notebook: every cell made inert, and a policy for the page.

A feedback page is nbconvert's HTML export of the autograded notebook, which a
student wrote: nbconvert passes raw HTML in markdown through, and writes
``text/html`` and ``application/javascript`` outputs, widget views and raw cells
into the page as they are. Unchecked, a markdown cell with ``<script>``,
``<style>`` or ``<img onerror>``, or a cell displaying HTML, runs script in the
page a teaching assistant opens and can hide the kit's report behind a fake
"115 / 115". So, before the page is rendered (``nbgrader_hooks.CleanStudentCells``):

* markdown is rendered to HTML here, with nbconvert's own markdown (maths
  included), and the *result* is cleaned with nh3 (Rust's ammonia), because
  cleaning the markdown source alone would leave what markdown itself makes of
  it (links, images) unchecked. The cleaned HTML goes back into the cell as one
  HTML block, which nbconvert's markdown passes through unchanged
  (``verbatim_markdown``);
* outputs keep only what cannot act: text, PNG and JPEG images, and cleaned
  HTML (``text/markdown`` becomes cleaned HTML). Javascript, widget views, SVG,
  LaTeX and every other kind are left out, with a line saying so when nothing
  else is left;
* raw cells are cleaned as HTML, attachments are embedded only as PNG, JPEG or
  GIF images, and cell metadata keeps only what the page template reads, in
  safe form (cell tags become CSS classes there, so a tag cannot carry a space).

What the cleaning keeps cannot run script, carry an event handler, load
anything, or carry style: no ``style`` element or attribute, no ``class``
beyond code highlighting's, no ``id``. Nothing a student wrote can move above,
over or into the kit's report, which ``KitReport`` inserts afterwards as the
page's first cell. As a second wall, every page carries ``CONTENT_SECURITY_POLICY``
(``with_policy``, written by ``nbgrader_hooks.FeedbackExporter``): no script
at all, nothing loaded from anywhere, images only from ``data:`` URLs.
"""

from __future__ import annotations

import base64
import binascii
import re
from html import escape
from typing import Any
from urllib.parse import unquote

import nbformat
import nh3
from mistune import HTMLRenderer
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from pygments.token import STANDARD_TYPES

#: The policy of every feedback page. Styles are inline because the page's template and the kit's report are
#: (student content has no style left to use it); a script from a CDN (MathJax) is refused like any script.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                           "font-src data:; base-uri 'none'; form-action 'none'")

#: Output kinds a page may show: text, raster images, and HTML (cleaned). The first one present is shown.
SHOWN_DATA = ("text/html", "image/png", "image/jpeg", "text/plain")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")  # what an attachment may be shown as
_CLASSES = {"span": set(STANDARD_TYPES.values()) - {""}, "div": {"highlight"}}  # code highlighting's colours only
_URL_SCHEMES = {"http", "https", "mailto", "attachment"}  # attachment: is resolved to data: by _attribute
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,200}")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


class _StudentMarkdown(IPythonRenderer):
    """nbconvert's markdown renderer, with images left as written: ``clean_html`` decides what they may show
    (nbconvert's own raises on a missing attachment, which would cost the student the whole page)."""

    def image(self, text: str, url: str, title: str | None = None) -> str:
        return HTMLRenderer.image(self, text, url, title)


def markdown_html(source: str, attachments: dict | None = None) -> str:
    """A student's markdown as clean HTML: rendered as nbconvert renders it, then cleaned (``clean_html``)."""
    try:
        html = MarkdownWithMath(renderer=_StudentMarkdown(escape=False, exclude_anchor_links=True)).render(source)
    except Exception:  # mistune on input it cannot parse: show the text as it was
        html = f"<pre>{escape(source)}</pre>"
    return clean_html(html, attachments)


def clean_html(html: str, attachments: dict | None = None) -> str:
    """``html`` with only inert markup left: nh3's tags and attributes, links to the web or mail, and images only
    from ``attachments`` (a cell's ``{name: {mime type: base64}}``), embedded as ``data:`` URLs."""
    attachments = attachments if isinstance(attachments, dict) else {}

    def attribute(tag: str, name: str, value: str) -> str | None:
        if value.startswith("attachment:"):
            return _attachment_url(attachments, value[len("attachment:"):]) if (tag, name) == ("img", "src") else None
        if (tag, name) == ("img", "src"):
            return None  # no image is loaded from anywhere, nor read from the disk
        return value

    return nh3.clean(str(html), allowed_classes=_CLASSES, url_schemes=_URL_SCHEMES, attribute_filter=attribute,
                     link_rel="noopener noreferrer nofollow")


def _attachment_url(attachments: dict, name: str) -> str | None:
    """The ``data:`` URL of a cell's attachment, if it is a raster image in valid base64."""
    bundle = attachments.get(name) or attachments.get(unquote(name))
    if not isinstance(bundle, dict):
        return None
    for mime in IMAGE_TYPES:
        data = bundle.get(mime)
        if isinstance(data, list):
            data = "".join(data)
        if isinstance(data, str) and _is_base64(data):
            return f"data:{mime};base64,{''.join(data.split())}"
    return None


def _is_base64(data: str) -> bool:
    if not _BASE64.fullmatch(data):
        return False
    try:
        base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def verbatim_markdown(html: str) -> str:
    """Clean HTML as a markdown cell's source that nbconvert's markdown passes through unchanged: one ``<div>``
    block on one line (a line break would end the block; ``$`` and tabs would be read as maths or code), with
    the same meaning, since character references stand for the characters they replace outside script and
    style, and clean HTML has neither."""
    one_line = html.replace("\r", "").replace("\n", "&#10;").replace("\t", "&#9;").replace("$", "&#36;")
    return f"<div>{one_line}</div>"


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Make every cell of a student's notebook inert for its feedback page (in place; returned for chaining)."""
    nb.metadata = _notebook_metadata(_mapping(nb.get("metadata")))
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = verbatim_markdown(markdown_html(_text(cell.source), cell.get("attachments")))
        elif cell.cell_type == "raw":
            cell.source = clean_html(_text(cell.source))
        elif cell.cell_type == "code":
            cell.source = _text(cell.source)  # highlighted, so escaped, by the template
            outputs = cell.get("outputs")
            cell.outputs = [kept for kept in map(clean_output, outputs if isinstance(outputs, list) else [])
                            if kept is not None]
        else:
            cell.cell_type, cell.source = "raw", ""  # an unknown kind shows nothing
        cell.pop("attachments", None)
        cell.metadata = _cell_metadata(_mapping(cell.get("metadata")), cell.cell_type)
        if "id" in cell and not _SAFE_NAME.fullmatch(str(cell.id)):
            cell.id = f"cell-{index}"
    return nb


def clean_output(output: dict) -> nbformat.NotebookNode | None:
    """One output as the page may show it, or None to leave it out (the kernel that wrote it was the student's,
    so any field may have any shape)."""
    output = _mapping(output)
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return nbformat.v4.new_output("stream", name=name, text=_text(output.get("text", "")))
    if kind == "error":
        lines = [line for line in _list(output.get("traceback")) if isinstance(line, str)]
        return nbformat.v4.new_output("error", ename=_text(output.get("ename", "")),
                                      evalue=_text(output.get("evalue", "")), traceback=lines)
    if kind not in ("display_data", "execute_result"):
        return None
    data, shown = _mapping(output.get("data")), {}
    if "text/html" in data or "text/markdown" in data:
        html = data.get("text/html")
        shown["text/html"] = clean_html(_text(html)) if html is not None else \
            markdown_html(_text(data["text/markdown"]))
    for mime in ("image/png", "image/jpeg"):
        if isinstance(data.get(mime), str) and _is_base64(data[mime]):
            shown[mime] = "".join(data[mime].split())
    if "text/plain" in data:
        shown["text/plain"] = _text(data["text/plain"])
    left_out = sorted(set(data) - set(shown) - {"text/markdown"})
    if not shown:
        shown["text/plain"] = f"[{', '.join(map(str, left_out)) or 'an empty'} output: not shown in feedback]"
    metadata = {mime: {key: value for key, value in _mapping(_mapping(output.get("metadata")).get(mime)).items()
                       if key in ("width", "height") and isinstance(value, int) and not isinstance(value, bool)}
                for mime in ("image/png", "image/jpeg") if mime in shown}
    if kind == "execute_result":
        count = output.get("execution_count")
        return nbformat.v4.new_output(kind, data=shown, metadata=metadata,
                                      execution_count=count if isinstance(count, int) else None)
    return nbformat.v4.new_output(kind, data=shown, metadata=metadata)


def with_policy(page: str) -> str:
    """``page`` with ``CONTENT_SECURITY_POLICY`` as the first element of its head, before anything it governs."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
    page, found = re.subn(r"<head\b[^>]*>", lambda match: match.group(0) + meta, page, count=1, flags=re.I)
    if not found:
        raise ValueError("the feedback page has no <head> to carry its Content-Security-Policy")
    return page


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    """A notebook field as text (nbformat allows a list of lines; anything else is shown as its text)."""
    return "".join(map(str, value)) if isinstance(value, list) else str(value)


def _notebook_metadata(metadata: dict) -> dict:
    """What the page reads of the notebook's metadata: the language, for highlighting."""
    language = _mapping(metadata.get("language_info"))
    kept = {key: language[key] for key in ("name", "pygments_lexer")
            if isinstance(language.get(key), str) and _SAFE_NAME.fullmatch(language[key])}
    return nbformat.NotebookNode({"language_info": kept} if kept else {})


def _cell_metadata(metadata: dict, cell_type: str) -> nbformat.NotebookNode:
    """What the page's template reads of a cell's metadata (nbgrader's marks, tags, the raw cell's type), in safe
    form: tags and grade ids become attributes and CSS classes there."""
    kept: dict[str, Any] = {}
    grading = metadata.get("nbgrader")
    if isinstance(grading, dict):
        marks = {key: grading[key] for key in ("grade", "solution", "locked", "task")
                 if isinstance(grading.get(key), bool)}
        marks.update({key: grading[key] for key in ("points", "score")
                      if isinstance(grading.get(key), (int, float)) and not isinstance(grading.get(key), bool)})
        if isinstance(grading.get("comment"), str):  # the instructor's, from the gradebook (GetGrades)
            marks["comment"] = grading["comment"]
        if "grade_id" in grading:
            grade_id = str(grading["grade_id"])
            marks["grade_id"] = grade_id if _SAFE_NAME.fullmatch(grade_id) else "unsafe-id"
        kept["nbgrader"] = marks
    tags = metadata.get("tags")
    if isinstance(tags, list):
        kept["tags"] = [tag for tag in tags if isinstance(tag, str) and _SAFE_NAME.fullmatch(tag)]
    if cell_type == "raw" and isinstance(metadata.get("raw_mimetype"), str):
        kept["raw_mimetype"] = metadata["raw_mimetype"]
    if isinstance(metadata.get("magics_language"), str) and _SAFE_NAME.fullmatch(metadata["magics_language"]):
        kept["magics_language"] = metadata["magics_language"]  # set by nbconvert's HighlightMagics, for highlighting
    return nbformat.NotebookNode(kept)
