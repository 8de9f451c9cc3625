"""The feedback page's template: nbgrader's own, made to read well offline (``nbgrader_hooks.FeedbackExporter``).

``nbgrader generate_feedback`` renders each notebook with nbgrader's
``feedback/index.html.j2``. As it is, that page asks a CDN for MathJax in its
head: the page's Content-Security-Policy refuses to run it, but Chromium still
requests it, and offline a page took 31 s to appear. It also lists every
grading cell as "Test cell" and headlines each cell with its grade id. The exporter loads ``loader()`` ahead
of nbconvert's templates, so that:

* ``mathjax.html.j2`` is an empty macro: the page loads nothing and runs no
  script (maths shows as its TeX source, as the policy already made it);
* the contents list and each grading cell's heading name the check's title,
  which ``KitReport`` puts in the cell's metadata (``TITLE_KEY``), escaped
  like any text; the 0-point "Visible checks" cell is left out of the list;
  an extra-credit check's cell (worth 0 in nbgrader, its points given as
  extra credit) says "Extra credit: 3 / 3", and a notebook of extra credit
  alone says how much it earned instead of "Score: 12 / 0", and the 0-point
  "Visible checks" cell shows no score at all;
* a rubric part's task cell (graded by hand) is listed and headed by its
  title, and reads "Not graded yet / 5" until a TA gives its points, never
  nbgrader's "Score: 0 / 5";
* preformatted text wraps: a long error line no longer scrolls sideways (and a
  grading cell's heading grows with a long title).

Everything else (the scores, the cells, nbgrader's style) is nbgrader's.
"""

from __future__ import annotations

from jinja2 import DictLoader

#: The exporter's template, found by this name in ``loader()``.
TEMPLATE = "nngrader_feedback.html.j2"
#: Where a grading cell's metadata holds the title the page shows for it (``metadata[TITLE_KEY]["title"]``, as
#: ``PAGE`` reads it).
TITLE_KEY = "nngrader"

#: nbgrader's feedback page (the first ``index.html.j2`` on the exporter's path: nbgrader's ``feedback`` folder).
PAGE = r"""{%- extends 'index.html.j2' -%}

{%- macro points(value) -%}{{ '%g' | format(value | float) }}{%- endmacro -%}

{%- macro title(cell) -%}
{%- if cell.metadata.nngrader and cell.metadata.nngrader.title -%}{{ cell.metadata.nngrader.title | e }}
{%- else -%}{{ cell.metadata.nbgrader.grade_id | e }}{%- endif -%}
{%- endmacro -%}

{%- macro cell_score(cell) -%}
{%- if cell.metadata.nngrader and cell.metadata.nngrader.extra_credit -%}
Extra credit: {{ points(cell.metadata.nbgrader.score) }} / {{ points(cell.metadata.nngrader.extra_credit) }}
{%- elif cell.metadata.nbgrader.points -%}
Score: {{ points(cell.metadata.nbgrader.score) }} / {{ points(cell.metadata.nbgrader.points) }}
{%- endif -%}
{%- endmacro -%}

{%- macro task_score(cell) -%}
{%- if cell.metadata.nngrader and cell.metadata.nngrader.pending -%}
Not graded yet / {{ points(cell.metadata.nbgrader.points) }}
{%- else -%}
Score: {{ points(cell.metadata.nbgrader.score) }} / {{ points(cell.metadata.nbgrader.points) }}
{%- endif -%}
{%- endmacro -%}

{#- a grading or task cell's heading: its anchor, its title, and its ``score`` -#}
{%- macro heading(cell, score) -%}
    <a name="{{ cell.metadata.nbgrader.grade_id | e }}"></a>
    <div class="panel-heading">
      <span class="nbgrader-label">{{ title(cell) }}</span>
      <span class="pull-right">{{ score }} <a href="#top">(Top)</a></span>
    </div>
{%- endmacro -%}

{%- macro kit_style() -%}
<style>
pre { white-space: pre-wrap; word-break: normal; overflow-wrap: anywhere; }
div.nbgrader_cell .panel-heading { height: auto; min-height: 37px; overflow: hidden; }
</style>
{%- endmacro -%}

{%- block header -%}
{{ super() | replace('</head>', kit_style() ~ '</head>', 1) }}
{%- endblock header -%}

{% block body %}
<body>
  <a name="top"></a>
  <div class="container">
    <div class="panel panel-default">
      <div class="panel-heading">
        <h4>{{ resources.nbgrader.notebook | e }} (
          {%- if resources.nbgrader.max_score -%}
          Score: {{ points(resources.nbgrader.score) }} / {{ points(resources.nbgrader.max_score) }}
          {%- else -%}
          extra credit: {{ points(resources.nbgrader.score) }}
          {%- endif -%})</h4>
        <div id="toc">
          <ol>
          {%- for cell in nb.cells if cell.metadata.nbgrader %}
            {%- if cell.metadata.nbgrader.grade and (cell.metadata.nbgrader.points
                                                    or (cell.metadata.nngrader and cell.metadata.nngrader.extra_credit)) %}
            <li><a href="#{{ cell.metadata.nbgrader.grade_id | e }}">{{ title(cell) }}</a> ({{ cell_score(cell) }})</li>
            {%- elif cell.metadata.nbgrader.task %}
            <li><a href="#{{ cell.metadata.nbgrader.grade_id | e }}">{{ title(cell) }}</a> ({{ task_score(cell) }})</li>
            {%- endif %}
            {%- if cell.metadata.nbgrader.comment %}
            <li><a href="#comment-{{ cell.metadata.nbgrader.grade_id | e }}">Comment</a></li>
            {%- endif %}
          {%- endfor %}
          {%- if resources.nbgrader.late_penalty > 0 %}
            <li class="late-penalty">Late submission penalty (Score: -{{
              points(resources.nbgrader.late_penalty) }})</li>
          {%- endif %}
          </ol>
        </div>
      </div>
      <div class="panel-body">
        <div id="notebook" class="border-box-sizing">
          <div class="container" id="notebook-container">
            {{ super.super() }}
          </div>
        </div>
      </div>
    </div>
  </div>
</body>
{%- endblock body %}

{% block markdowncell scoped %}
  {%- if cell.metadata.nbgrader and cell.metadata.nbgrader.task -%}
<div class="cell border-box-sizing text_cell rendered">
  <div class="panel panel-primary nbgrader_cell">
    <a name="comment-{{ cell.metadata.nbgrader.grade_id | e }}"></a>
    {{ heading(cell, task_score(cell)) }}
    <div class="panel-body">
      <div class="text_cell_render border-box-sizing rendered_html">
        {{ cell.source | markdown2html | strip_files_prefix }}
      </div>
    </div>
    {%- if cell.metadata.nbgrader.comment %}
    <div class="panel-footer"><div><b>Comments:</b> {{ cell.metadata.nbgrader.comment | markdown2html | strip_files_prefix }}</div></div>
    {%- endif %}
  </div>
</div>
  {%- else -%}
  {{ super() }}
  {%- endif -%}
{% endblock markdowncell %}

{% block input %}
  {%- if cell.metadata.nbgrader and cell.metadata.nbgrader.grade and not cell.metadata.nbgrader.solution -%}
  <div class="panel panel-primary nbgrader_cell">
    {{ heading(cell, cell_score(cell)) }}
    <div class="panel-body">
      <div class="input_area">
        {{ cell.source | highlight_code(metadata=cell.metadata) }}
      </div>
    </div>
  </div>
  {%- else -%}
  {{ super() }}
  {%- endif -%}
{% endblock input %}
"""

#: Replaces nbconvert's macro of the same name, which writes MathJax's script tags.
NO_MATHJAX = "{%- macro mathjax(url=None) -%}{%- endmacro -%}"


def loader() -> DictLoader:
    """The kit's templates, for ``FeedbackExporter.extra_loaders`` (tried before nbconvert's own)."""
    return DictLoader({TEMPLATE: PAGE, "mathjax.html.j2": NO_MATHJAX})
