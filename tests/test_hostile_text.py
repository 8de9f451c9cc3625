"""Student text is data: nothing a student writes acts as markup, script, a formula or a terminal command.

One course (module fixture) goes through real nbgrader once: release, submit,
collect, what `nngrader grade` prints (``cli.grade_and_report``), generate_feedback.
Its students:

* "hostile_html", whose modules are the stubs and whose perceptron notebook
  attacks the feedback page: markdown with ``<style>``, ``<script>``,
  ``<img onerror>``, a fake "115 / 115" banner over the page, a raw cell and a
  cell tag carrying Bootstrap's fixed-top class, and a code cell displaying
  HTML, Javascript, markdown and SVG;
* a folder planted in ``submitted/`` whose name and one file's name are
  terminal escapes (a cleared screen, a fake green "graded everyone");
* two roster entries added with ``nbgrader db``: one whose id is a spreadsheet
  formula, one whose id is terminal escapes (they have no submission, so the
  real export writes them with zeros).

The feedback page is then opened in headless Chromium. The pure functions
(``sanitize``, ``untrusted``) have fast tests of their own below.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import browser
import nbformat
import pytest
from nbconvert.exporters import HTMLExporter

from autograder import cli
from autograder.course import nbgrader_commands, workflow
from autograder.grading.checklist import max_points
from autograder.reporting import feedback, reports, sanitize
from autograder.untrusted import from_spreadsheet_cell, printable, spreadsheet_cell

WEEK = "week03"
MAX_POINTS = max_points(WEEK)  # the regular checks and the rubric a TA grades
HOSTILE = "hostile_html"
NOTEBOOK = "perceptron"
#: Names a terminal obeys: clear the screen, then a green line that was never true; an overwritten line.
ESCAPED_FOLDER = "\x1bc\x1b]0;owned\x07eve\rgraded everyone"
ESCAPED_FILE = "\x1b[2J\x1b[32mgraded everyone\x1b[0m.py"
ESCAPED_ID = "\x1b[2J\x1b[32mall 40 students graded\x1b[0m\r"
FORMULA_ID = '=HYPERLINK("http://x","click")'
#: Every trace a student's script would leave is built at run time, so the page's source never holds it.
TRACE = "data-student-script"
SPLIT_TRACE = "'data-student-' + 'script'"


def leaves_trace(kind: str) -> str:
    """Javascript that marks the page's body if it ever runs (the attribute's name is built at run time)."""
    return f"document.title = 'PWNED-{kind}'; document.body.setAttribute({SPLIT_TRACE}, '{kind}')"


HOSTILE_MARKDOWN = f"""\
<style>.nngrader-report {{ display: none !important; }} body {{ background: #ff00ff !important; }}</style>
<script>{leaves_trace("markdown")}</script>

<img src="nowhere.png" onerror="{leaves_trace("onerror")}">

<div style="position: fixed; top: 0; left: 0; width: 100%; height: 100%; z-index: 10000; background: #00ffff">
<h2>Your results for week03</h2><p>{HOSTILE}: <b>115 / 115</b> points. Every check passed. Well done!</p></div>

<iframe src="javascript:parent.document.title='PWNED-iframe'"></iframe>
<a href="javascript:document.title='PWNED-link'">a javascript link</a>

Still shown: the student's own words, a [web link](https://example.org) and an attached image
![a blue square](attachment:square.png), though not one that is missing: ![gone](attachment:gone.png)
"""

HTML_OUTPUT = ('<table><tr><td>kept table cell</td></tr></table><b style="color: #00ffff">styled</b>'
               f'<script>{leaves_trace("html")}</script><img src="nowhere.png" onerror="{leaves_trace("html-img")}">')
SVG_OUTPUT = (f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="{leaves_trace("svg")}">'
              '<rect width="40" height="40" fill="#ff00ff"/></svg>')
MARKDOWN_OUTPUT = f'<img src="nowhere.png" onerror="{leaves_trace("markdown-output")}">'
HOSTILE_CODE = "\n".join([
    "from IPython.display import HTML, SVG, Javascript, Markdown, display",
    f"display(HTML({HTML_OUTPUT!r}))",
    f"display(Javascript({leaves_trace('javascript')!r}))",
    f"display(Markdown({MARKDOWN_OUTPUT!r}))",
    f"display(SVG({SVG_OUTPUT!r}))",
    "print('printed text stays text: <b>115 / 115</b>')",
])

RAW_CELL = ('<div class="navbar navbar-fixed-top" style="background: #00ffff">raw fake banner: 115 / 115</div>'
            f"<script>{leaves_trace('raw')}</script>")


def square_png() -> str:
    """A 24 x 24 blue PNG, base64: the markdown cell's attachment, which must still render."""
    import numpy as np
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    imsave(buffer, np.tile(np.array([0.1, 0.2, 0.9]), (24, 24, 1)), format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def hostile_notebook(released: Path) -> nbformat.NotebookNode:
    """The released perceptron notebook with the attacking cells first."""
    nb = nbformat.read(released, as_version=4)
    markdown = nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN, attachments={"square.png": {"image/png": square_png()}})
    code = nbformat.v4.new_code_cell(HOSTILE_CODE, metadata={"tags": ["x navbar-fixed-top"]})
    raw = nbformat.v4.new_raw_cell(RAW_CELL, metadata={"raw_mimetype": "text/html"})
    nb.cells[0:0] = [markdown, code, raw]
    return nb


@pytest.fixture(scope="module")
def graded(course_env, mnist_dir, tmp_path_factory):
    """The course after one `nngrader grade` (its output captured) and feedback for the hostile student."""
    root = course_env
    release = workflow.release(WEEK)
    files = tmp_path_factory.mktemp("hostile") / HOSTILE
    shutil.copytree(release, files)
    nbformat.write(hostile_notebook(release / f"{NOTEBOOK}.ipynb"), files / f"{NOTEBOOK}.ipynb")
    workflow.submit(WEEK, HOSTILE, files)
    workflow.collect(WEEK)
    planted = root / "submitted" / ESCAPED_FOLDER / WEEK
    shutil.copytree(root / "submitted" / HOSTILE / WEEK, planted)
    shutil.copy2(release / f"{NOTEBOOK}.ipynb", planted / f"{NOTEBOOK}.ipynb")
    (planted / "activations.py").rename(planted / ESCAPED_FILE)
    nbgrader_commands.nbgrader("db", "student", "add", FORMULA_ID, "--first-name=@SUM(1+1)")
    nbgrader_commands.nbgrader("db", "student", "add", ESCAPED_ID)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        cli.grade_and_report(WEEK)  # what `nngrader grade` prints, without the class report it then writes
    nbgrader_commands.nbgrader("generate_feedback", WEEK, f"--student={HOSTILE}", "--force")
    return {"root": root, "out": out.getvalue(), "err": err.getvalue(),
            "page": root / "feedback" / HOSTILE / WEEK / f"{NOTEBOOK}.html"}


@pytest.fixture(scope="module")
def rendered(graded):
    """The hostile feedback page in headless Chromium: its DOM after load, and a screenshot."""
    shot = browser.screenshot_path("feedback_hostile_html_perceptron.png", graded["root"] / "screenshots")
    return {"dom": browser.render(graded["page"], shot), "shot": shot}


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of ``html`` with its attributes, as an HTML parser reads them (text is not markup)."""
    found: list[tuple[str, dict[str, str]]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, {name: value or "" for name, value in attrs}))

    Tags().feed(html)
    return found


# ---------------------------------------------------------------- the feedback page, in a real browser


def test_no_script_of_the_students_runs_and_what_they_may_show_is_shown(graded, rendered):
    """In Chromium, does the hostile page keep its own title and carry no trace of any student script (markdown
    <script>, <img onerror>, HTML and Javascript outputs, SVG onload, a raw cell, a javascript: iframe), while the
    student's words, links, attached image, HTML table and printed text are still shown?"""
    dom = rendered["dom"]
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert title.strip() == NOTEBOOK, title
    assert TRACE not in dom
    after_report = elements(dom.split('class="nngrader-report"', 1)[1])
    assert [(tag, attrs) for tag, attrs in after_report if tag in ("script", "iframe", "object", "embed", "svg")
            and "nonce" not in attrs] == []  # but browser.PROBE, the test's own
    text = browser.text_of(dom)
    for words in ("Still shown: the student's own words", "web link", "raw fake banner"):
        assert words in text, words
    assert 'href="https://example.org"' in dom and "<td>kept table cell</td>" in dom
    assert re.search(r'output_stdout[^>]*>\s*<pre>printed text stays text: &lt;b&gt;115 / 115&lt;/b&gt;', dom)
    images = browser.images_rendered(dom)
    assert {"width": 24, "height": 24} in [{k: image[k] for k in ("width", "height")} for image in images], images


def test_the_kits_report_is_first_and_visible_and_no_student_style_applies(graded, rendered):
    """Is the kit's report the page's first cell, drawn on screen (the red marks of failed checks, the empty parts of
    its points bars), with the real total before the student's fake "115 / 115", and does no student style reach the
    page (no magenta page, no cyan overlay, no style element or attribute, no fixed-top cell)?"""
    dom, shot = rendered["dom"], rendered["shot"]
    assert browser.colour_area(shot, ["#ff00ff", "#00ffff"]) == 0
    assert browser.colour_area(shot, ["#cf222e"]) > 200  # a stub fails every check of the notebook
    assert browser.colour_area(shot, ["#f0c4c4"]) > 2_000  # the bars of points not earned
    cells = re.findall(r'<div[^>]*class="cell [^"]*"[^>]*>(.{0,400})', dom, re.S)
    assert cells and "nngrader-report" in cells[0], cells[:1]
    text = browser.text_of(dom)
    real = f"Your results for {WEEK} {HOSTILE}: 0 / {MAX_POINTS:g} points"
    assert text.index("Your results for") == text.index(real) < text.index("115 / 115")
    after_report = elements(dom.split("hidden checks above test more cases", 1)[1])
    assert "style" not in [tag for tag, _ in after_report]
    # nbconvert writes the ANSI colours of printed text and tracebacks as a colour alone: that much style is allowed
    styles = [attrs["style"] for _, attrs in after_report if "style" in attrs]
    assert [style for style in styles if not re.fullmatch(r"(background-)?color: rgb\(\d+,\d+,\d+\)", style)] == []
    assert [attrs for _, attrs in after_report if "navbar" in attrs.get("class", "")] == []


def test_every_feedback_page_carries_a_policy_that_forbids_script_and_remote_loads(graded):
    """Does the page's head open with a Content-Security-Policy that allows no script and loads nothing from
    anywhere (images only from data: URLs)?"""
    page = graded["page"].read_text(encoding="utf-8")
    head = re.search(r"<head[^>]*>(.*?)</head>", page, re.S | re.I).group(1)
    first = re.match(r'\s*<meta http-equiv="Content-Security-Policy" content="([^"]*)">', head)
    assert first, head[:300]
    policy = dict((d.split()[0], d.split()[1:]) for d in first.group(1).split(";") if d.strip())
    assert policy["default-src"] == ["'none'"] and policy["script-src"] == ["'none'"]
    assert policy["img-src"] == ["data:"]


def test_the_policy_stops_a_script_that_cleaning_would_have_missed(graded, tmp_path):
    """If a script reached the page all the same (written into the page after cleaning), does the page's policy
    stop it in Chromium?"""
    page = graded["page"].read_text(encoding="utf-8")
    script = (f"<script>document.title = 'PWNED'; document.body.setAttribute({SPLIT_TRACE}, 'late')</script>"
              f"<img src=\"nowhere.png\" onerror=\"document.body.setAttribute({SPLIT_TRACE}, 'late-img')\">")
    forged = tmp_path / "forged.html"
    forged.write_text(page.replace("</body>", script + "</body>", 1), encoding="utf-8")
    dom = browser.render(forged, tmp_path / "forged.png", height=900)
    assert TRACE not in dom and "PWNED" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)


# ---------------------------------------------------------------- grades.csv and the terminal, through real nbgrader


def test_a_formula_student_id_is_text_in_grades_csv(graded):
    """Is a student id that is a spreadsheet formula written to grades.csv (by the kit's real export) as text no
    spreadsheet runs, read back exactly, with the scores still numbers?"""
    with open(graded["root"] / "grades.csv", newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")], cells
    assert "'" + FORMULA_ID in cells and "'@SUM(1+1)" in cells
    row = next(r for r in reports.read_grades(graded["root"] / "grades.csv", WEEK) if r["student_id"] == FORMULA_ID)
    assert row["first_name"] == "@SUM(1+1)"
    assert float(row["score"]) == 0.0 and row["score"][0].isdigit() and row["max_score"] == f"{float(MAX_POINTS)}"


def test_nngrader_grade_prints_no_raw_control_characters(graded):
    """Does `nngrader grade`, with a folder, a file and a student id made of terminal escapes, print each of them
    escaped (so the instructor sees what was there) and nothing a terminal would obey?"""
    out, err = graded["out"], graded["err"]
    assert all(char == "\n" or char.isprintable() for char in out), repr(out)
    assert "\x1b" not in err and "\x07" not in err
    assert printable(ESCAPED_FOLDER) in out  # its outcome line
    assert printable(ESCAPED_FILE) in out  # the note naming what was found instead of activations.py
    assert printable(ESCAPED_ID) in out  # the gradebook table
    assert f"last: {printable(ESCAPED_FOLDER)}" in err or f"last: {printable(HOSTILE)}" in err  # the progress bar


# ---------------------------------------------------------------- sanitize: the pure functions


ATTACKS = [
    '<script>alert(1)</script>', '<style>body { display: none }</style>', '<img src="x" onerror="alert(1)">',
    '<iframe src="https://example.org"></iframe>', '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>', '<div style="position: fixed">x</div>',
    '<div class="navbar-fixed-top">x</div>', '<svg onload="alert(1)"></svg>', '<object data="x"></object>',
    '<form action="https://example.org"><input name="q"></form>', '<meta http-equiv="refresh" content="0;url=x">',
    '<base href="https://example.org/">', '<link rel="stylesheet" href="https://example.org/x.css">',
    '<p id="top">x</p>', '<img src="https://example.org/pixel.png">', '<img src="/etc/passwd">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>', '[x](javascript:alert(1))',
    '![x](https://example.org/pixel.png)', '<details open ontoggle="alert(1)">x</details>',
]
DANGER = re.compile(r"<(script|style|iframe|svg|object|form|input|meta|base|link|math)\b|\son\w+=|javascript:|"
                    r"\sstyle=|\sid=|class=\"[^\"]*navbar|https://example.org/pixel|data:text|/etc/passwd", re.I)


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_keeps_nothing_that_can_act(attack):
    """Does a student's markdown, rendered and cleaned, keep no script, handler, style, id, remote load or form?"""
    html = sanitize.markdown_html(f"before\n\n{attack}\n\nafter")
    assert not DANGER.search(html), html
    assert "before" in html and "after" in html


def test_markdown_keeps_what_reads_well():
    """Are headings, emphasis, code with its highlighting, tables, web links, maths and attached PNGs kept?"""
    png = square_png()
    html = sanitize.markdown_html("# Title\n\n*em* and `code` and $x^2$\n\n```python\nimport os\n```\n\n"
                                  "| a | b |\n|---|---|\n| 1 | 2 |\n\n[web](https://example.org)\n\n"
                                  "![square](attachment:square.png) ![vector](attachment:v.svg)",
                                  {"square.png": {"image/png": png}, "v.svg": {"image/svg+xml": "PHN2Zz4="}})
    for kept in ("<h1>Title</h1>", "<em>em</em>", "<code>code</code>", "$x^2$", '<span class="kn">import</span>',
                 "<td>1</td>", 'href="https://example.org"', f'src="data:image/png;base64,{png}"'):
        assert kept in html, kept
    assert "image/svg+xml" not in html


def test_a_missing_attachment_costs_only_the_image():
    """Does markdown naming an attachment that is not there still render (nbconvert's own renderer raises, which
    would cost the student the whole feedback page)?"""
    assert sanitize.markdown_html("text ![x](attachment:gone.png)") == '<p>text <img alt="x"></p>\n'


def test_clean_markdown_reaches_the_page_unchanged():
    """Does nbconvert's markdown (the feedback page's own filter) pass the cleaned HTML through as it is, line
    breaks, dollars, tabs and code blocks included?"""
    html = sanitize.markdown_html("# T\n\n$$\na = b\n$$\n\n```python\nx = 1\n\n\ty = 2\n```\n\n<pre>a\n\nb</pre>\n\n"
                                  "\\begin{equation}x\\end{equation} $y$ `$z$`")
    source = sanitize.verbatim_markdown(html)
    rendered = HTMLExporter().markdown2html({"cell": {}, "resources": {}}, source)
    assert rendered.strip() == source
    assert browser.text_of(rendered) == browser.text_of(html)


def test_outputs_keep_only_text_images_and_clean_html():
    """Are Javascript, widget, SVG and LaTeX outputs left out (with a line when nothing is left), HTML and markdown
    outputs cleaned, PNG kept, output metadata that points elsewhere dropped, and a malformed output (the kernel
    that wrote it was the student's) harmless?"""
    png = square_png()
    outputs = [
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                                                     "text/plain": "Widget"}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg onload='alert(1)'/>",
                                                     "text/latex": "$x$"}),
        nbformat.v4.new_output("display_data", data={"text/html": "<b onclick='x'>b</b><script>x</script>"},
                               metadata={"text/html": {"isolated": True}}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "<img src=x onerror=alert(1)>*m*"}),
        nbformat.v4.new_output("execute_result", execution_count=3, data={"image/png": png, "text/plain": "fig"},
                               metadata={"image/png": {"width": 100, "filenames": "https://example.org/x.png"}}),
        nbformat.v4.new_output("display_data", data={"image/png": "not base64 <b>"}),
        {"output_type": "update_display_data", "data": {"text/html": "<script>x</script>"}},
        {"output_type": "display_data", "data": ["not", "a", "bundle"], "metadata": {"image/png": "not a dict"}},
    ]
    cleaned = [sanitize.clean_output(output) for output in outputs]
    assert cleaned[0].data == {"text/plain": "[application/javascript output: not shown in feedback]"}
    assert cleaned[1].data == {"text/plain": "Widget"}
    assert cleaned[2].data == {"text/plain": "[image/svg+xml, text/latex output: not shown in feedback]"}
    assert cleaned[3].data == {"text/html": "<b>b</b>"} and cleaned[3].metadata == {}
    assert cleaned[4].data == {"text/html": "<p><img><em>m</em></p>\n"}
    assert cleaned[5].data == {"image/png": png, "text/plain": "fig"} and cleaned[5].metadata == {
        "image/png": {"width": 100}} and cleaned[5].execution_count == 3
    assert cleaned[6].data == {"text/plain": "[image/png output: not shown in feedback]"}
    assert cleaned[7] is None
    assert cleaned[8].data == {"text/plain": "[an empty output: not shown in feedback]"}


def test_cells_keep_no_metadata_that_becomes_markup():
    """Are cell tags that would become extra CSS classes, unsafe grade ids and cell ids, notebook widgets and raw
    cells' HTML made harmless, with nbgrader's marks kept for the page's template?"""
    nb = nbformat.v4.new_notebook(metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}},
                                            "language_info": {"name": "python"}})
    code = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["ok-tag", "x navbar-fixed-top"], "scrolled": True})
    marked = nbformat.v4.new_markdown_cell("answer", metadata={"nbgrader": {
        "solution": True, "grade": True, "grade_id": 'a"><script>x</script>', "points": 2, "locked": False}})
    raw = nbformat.v4.new_raw_cell('<p class="navbar-fixed-top" style="x">raw</p>',
                                   metadata={"raw_mimetype": "text/html"})
    raw.id = 'bad id"'
    nb.cells = [code, marked, raw]
    sanitize.clean_notebook(nb)
    assert nb.metadata == {"language_info": {"name": "python"}}
    assert code.metadata == {"tags": ["ok-tag"]}
    assert marked.metadata == {"nbgrader": {"solution": True, "grade": True, "locked": False, "points": 2,
                                            "grade_id": "unsafe-id"}}
    assert marked.source == "<div><p>answer</p>&#10;</div>"
    assert raw.source == "<p>raw</p>" and raw.metadata == {"raw_mimetype": "text/html"} and raw.id == "cell-2"


def test_the_policy_is_the_first_thing_in_the_head():
    """Is the policy written as the first element of the page's head, so it governs everything after it?"""
    page = sanitize.with_policy('<!DOCTYPE html>\n<html><head lang="en"><meta charset="utf-8"><script src="x">')
    assert page.startswith('<!DOCTYPE html>\n<html><head lang="en"><meta http-equiv="Content-Security-Policy" '
                           f'content="{sanitize.CONTENT_SECURITY_POLICY}"><meta charset="utf-8">')
    with pytest.raises(ValueError):
        sanitize.with_policy("<p>no head</p>")


def test_the_instructors_page_per_student_carries_the_policy_too():
    """Does the class report's page per student (every check, quoting what the student's code returned) carry the
    feedback pages' policy?"""
    page = feedback.report_page(WEEK, "<b>eve</b>", [])
    assert f'<head><meta http-equiv="Content-Security-Policy" content="{sanitize.CONTENT_SECURITY_POLICY}">' in page
    assert "<b>eve</b>" not in page


# ---------------------------------------------------------------- untrusted: printed lines and CSV cells


HOSTILE_TEXTS = ["\x1b[2J", "\x1b[32mgraded everyone\x1b[0m", "line\rover", "two\nlines", "tab\there", "bell\x07",
                 "nul\x00", "del\x7f", "c1\x9b31m", "bidi\u202eevil", "zero\u200bwidth", "nbsp\u00a0", "sep\u2028",
                 "tag\U000e0001", "lone\ud800", "é ü 漢字 🙂", "plain student_id-42"]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_printable_escapes_what_a_terminal_obeys_and_drops_nothing(text):
    """Is every line the kit prints free of characters a terminal acts on, does it still say exactly what was there
    (decoding the escapes gives the text back), and is escaping twice the same as once?"""
    line = printable(text)
    assert all(char.isprintable() for char in line), repr(line)
    assert line.encode("latin-1", "backslashreplace").decode("unicode_escape") == text
    assert printable(line) == line


def test_printable_leaves_plain_text_alone_and_shows_undecodable_bytes_as_bytes():
    """Does ordinary text (accents, other scripts, backslashes) print as it is, and a byte of a file name that was
    not UTF-8 print as that byte?"""
    for text in ("correct_student", "Zoë O'Brien (week03)", "漢字 🙂", "a b", "C:\\course\\week03"):
        assert printable(text) == text
    assert printable(os.fsdecode(b"caf\xe9.py")) == "caf\\xe9.py"


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                   "\n=1", " =1", "'quoted", "''twice"])
def test_a_cell_that_could_start_a_formula_is_text(value):
    """Does every text that could start a formula (=, +, -, @, tab, CR, or after spaces) get a leading quote, and
    does reading it back give exactly what was written?"""
    cell = spreadsheet_cell(value)
    assert cell.startswith("'")
    assert from_spreadsheet_cell(cell) == value


@pytest.mark.parametrize("value", ["correct_student", "", "week03", "2024-05-01 10:00:00", "a=b", "x-1"])
def test_plain_text_cells_are_unchanged(value):
    """Is text that cannot start a formula written as it is?"""
    assert spreadsheet_cell(value) == value and from_spreadsheet_cell(value) == value


@pytest.mark.parametrize("value", [0.0, 115.0, -3.5, 12, None])
def test_numbers_stay_numbers(value):
    """Are scores, negative ones included, written as numbers (no quote, so a spreadsheet can add them up)?"""
    assert spreadsheet_cell(value) is value
    buffer = io.StringIO()
    csv.writer(buffer).writerow([spreadsheet_cell(value), "next"])
    assert buffer.getvalue().strip() == ("" if value is None else str(value)) + ",next"
