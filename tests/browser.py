"""Render a page in a real browser for the kit's tests: Debian's chromium, headless.

    dom = render(page, shot)                 # screenshot of the whole page, DOM after load
    assert images_rendered(dom) == ...       # every <img> decoded (naturalWidth > 0)
    assert distinct_colours(shot) > 1000     # the screenshot is not blank

``load_offline`` opens a page as it is (no probe), through Playwright, with
the network blocked, and records every request the page makes.

``render`` loads the page from a probed copy: a ``<base href>`` pointing at
the page's folder (so relative image links resolve as they would for the page
itself) and a small script that, on ``load``, records every image's natural
size on ``<body data-rendered>`` and the page's height on
``<body data-page-height>``. A broken image link shows up there as a width of
0, which ``images_rendered`` turns into a failing test.

A page with a Content-Security-Policy (the kit's feedback pages forbid all
script) keeps it: the probe alone is let through, by a nonce drawn afresh for
each load and added to the policy's ``script-src``, so any other script on the
page is refused exactly as it would be without the probe.

Chromium missing is a failure, never a skip: ``.ci/run`` installs Debian's
``chromium``, and a test that silently stopped looking at the page would
prove nothing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import tempfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
TIMEOUT_S = 60
MAX_HEIGHT = 16000  # Chromium's screenshots stay reliable below 16,384 pixels
PROBE = """<script nonce="{nonce}">
window.addEventListener("load", function () {
  var images = Array.prototype.map.call(document.images, function (img) {
    return {src: img.getAttribute("src"), width: img.naturalWidth, height: img.naturalHeight};
  });
  document.body.setAttribute("data-rendered", JSON.stringify(images));
  document.body.setAttribute("data-page-height", String(document.documentElement.scrollHeight));
});
</script>"""


def chromium() -> Path:
    """The browser; fails the test (never skips it) when it is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: these tests look at the page in a real browser. `.ci/run` installs "
                    "Debian's chromium (as root: apt-get install -y chromium); install it the same way.")
    return CHROMIUM


def render(page: Path, screenshot: Path, width: int = 1280, height: int | None = None) -> str:
    """Load ``page`` in headless Chromium, save a PNG screenshot, and return the DOM after load.

    ``height`` None takes the whole page (measured by a first load, at most
    ``MAX_HEIGHT`` pixels). The DOM is the probed copy's: see the module doc.
    """
    chromium()
    Path(screenshot).unlink(missing_ok=True)  # so an old screenshot cannot pass for a new one
    with tempfile.TemporaryDirectory(prefix="nngrader-browser-") as tmp:
        probed = Path(tmp) / "page.html"
        probed.write_text(_with_probe(Path(page).read_text(encoding="utf-8"), Path(page).resolve().parent),
                          encoding="utf-8")
        if height is None:
            height = min(page_height(_chromium(probed, "--dump-dom", f"--window-size={width},900")), MAX_HEIGHT)
        dom = _chromium(probed, "--dump-dom", f"--screenshot={Path(screenshot).resolve()}",
                        f"--window-size={width},{height}")
    if not Path(screenshot).is_file():
        raise AssertionError(f"Chromium wrote no screenshot to {screenshot}")
    return dom


def load_offline(page: Path, screenshot: Path, width: int = 1280) -> dict:
    """Open ``page`` in headless Chromium driven by Playwright, with every http(s) request aborted, until its load
    event; save a screenshot of the whole page, and return what the browser asked for and how text is laid out.

    Returns ``{"requests": [every URL requested, file: ones included], "pre": [{"white_space", "scrolls"} for each
    <pre>]}``, ``scrolls`` true when the block's text is wider than the block (it would scroll sideways). The page
    keeps its own Content-Security-Policy: the requests are what a student's browser would attempt.
    """
    from playwright.sync_api import sync_playwright

    Path(screenshot).unlink(missing_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": width, "height": 900})
            requests: list[str] = []
            tab.on("request", lambda request: requests.append(request.url))
            tab.route(re.compile(r"^https?://", re.I), lambda route: route.abort())
            tab.goto(Path(page).resolve().as_uri(), wait_until="load", timeout=TIMEOUT_S * 1000)
            pre = tab.evaluate("""Array.from(document.querySelectorAll("pre")).map(p => ({
                white_space: getComputedStyle(p).whiteSpace, scrolls: p.scrollWidth > p.clientWidth + 1}))""")
            tab.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return {"requests": requests, "pre": pre}


def screenshot_path(name: str, fallback: Path) -> Path:
    """Where a screenshot goes: NNGRADER_SCREENSHOTS (CI keeps them there), else ``fallback``."""
    folder = Path(os.environ.get("NNGRADER_SCREENSHOTS") or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def images_rendered(dom: str) -> list[dict]:
    """The probe's record of every ``<img>``: ``{"src", "width", "height"}``, natural sizes (0 = not rendered)."""
    match = re.search(r'<body[^>]*\sdata-rendered="([^"]*)"', dom)
    if not match:
        raise AssertionError("the page never finished loading: no data-rendered on <body> (see browser.PROBE)")
    return json.loads(unescape(match.group(1)))


def page_height(dom: str) -> int:
    """The page's full height in CSS pixels, as the probe recorded it."""
    match = re.search(r'<body[^>]*\sdata-page-height="(\d+)"', dom)
    if not match:
        raise AssertionError("the page never finished loading: no data-page-height on <body>")
    return int(match.group(1))


def text_of(dom: str) -> str:
    """The DOM's visible text (entities decoded, scripts and styles left out), whitespace collapsed."""
    parser = _Text()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split())


def pixels(png: Path) -> np.ndarray:
    """The screenshot as (H, W, 3) uint8 RGB."""
    image = imread(png)
    image = image[..., :3]
    return (image * 255).round().astype(np.uint8) if image.dtype != np.uint8 else image


def distinct_colours(png: Path) -> int:
    """How many different RGB colours the image holds (a blank page has a handful)."""
    rgb = pixels(png).reshape(-1, 3).astype(np.uint32)
    return int(np.unique(rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2]).size)


def colour_area(png: Path, colours: list[str], tolerance: int = 6) -> int:
    """Pixels within ``tolerance`` (per channel, 0-255) of any of ``colours`` (``"#rrggbb"``)."""
    rgb = pixels(png).astype(np.int16)
    hit = np.zeros(rgb.shape[:2], dtype=bool)
    for colour in colours:
        target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
        hit |= (np.abs(rgb - target) <= tolerance).all(axis=-1)
    return int(hit.sum())


def _chromium(page: Path, *args: str) -> str:
    """Run Chromium once on ``page`` with a fresh profile; return its stdout (the DOM with --dump-dom)."""
    with tempfile.TemporaryDirectory(prefix="nngrader-chromium-") as profile:
        argv = [str(chromium()), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000",
                *args, page.as_uri()]
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)  # its own process group, to stop all its children
        try:
            out, err = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise AssertionError(f"Chromium did not finish within {TIMEOUT_S} s: {' '.join(argv)}") from None
    if process.returncode != 0:
        noise = ("dbus", "Fontconfig", "GPU", "gles", "viz_main")  # harmless complaints of a headless machine
        said = [line for line in err.splitlines() if not any(word in line for word in noise)]
        raise AssertionError(f"Chromium failed (exit {process.returncode}): {' '.join(argv)}\n" + "\n".join(said[-20:]))
    return out


def _with_probe(html: str, folder: Path) -> str:
    nonce = secrets.token_hex(16)
    html = re.sub(r'(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)"',
                  lambda m: m.group(1) + _allow_nonce(m.group(2), nonce) + '"', html, flags=re.IGNORECASE)
    base = f'<base href="{folder.as_uri()}/">'
    html = re.sub(r"<head([^>]*)>", lambda m: f"<head{m.group(1)}>{base}", html, count=1, flags=re.IGNORECASE) \
        if re.search(r"<head[^>]*>", html, flags=re.IGNORECASE) else base + html
    closing = list(re.finditer(r"</body\s*>", html, flags=re.IGNORECASE))
    at = closing[-1].start() if closing else len(html)
    return html[:at] + PROBE.replace("{nonce}", nonce) + html[at:]


def _allow_nonce(policy: str, nonce: str) -> str:
    """``policy`` with scripts carrying ``nonce`` allowed as well (``'none'`` dropped from ``script-src``)."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    names = [d.split()[0].lower() for d in directives]
    source = f"'nonce-{nonce}'"
    if "script-src" in names:
        i = names.index("script-src")
        kept = [s for s in directives[i].split()[1:] if s.lower() != "'none'"]
        directives[i] = " ".join(["script-src", *kept, source])
    else:  # scripts fall back to default-src: keep its sources, add the probe's
        default = next((d.split()[1:] for d, n in zip(directives, names) if n == "default-src"), [])
        directives.append(" ".join(["script-src", *[s for s in default if s.lower() != "'none'"], source]))
    return "; ".join(directives)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)
