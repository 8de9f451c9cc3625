"""The class report's figures: one function per plot, plain data in, one PNG out.

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot,
so no global state and no display). One colour scheme runs through them all:
each module keeps its colour (``module_colours``) wherever its checks appear,
single-series plots use ``ACCENT``, and statistics are drawn in ``INK``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from autograder.results import counted

DPI = 110
ACCENT = "#3d6fb6"  # single-series bars (the score histogram)
INK = "#222222"  # statistics drawn over the data: mean and median lines, counts
#: Module colours, in the order the week lists its modules (colour-blind safe, after Okabe and Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7b5ea7", "#8c8c3c")
LEGEND_MAX = 15
LINE_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4",
                "#b2df8a", "#fb9a99", "#6a3d9a", "#b15928", "#33a02c", "#ff7f00", "#666666")


def module_colours(modules: Sequence[str]) -> dict[str, str]:
    """One palette colour per module, in the order given (cycling past eight modules)."""
    return {module: PALETTE[i % len(PALETTE)] for i, module in enumerate(dict.fromkeys(modules))}


def shorten(text: str, width: int = 64) -> str:
    """``text`` on one line, cut at a word boundary to at most ``width`` characters (ending in an ellipsis)."""
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder=" …")


def plain(text: str) -> str:
    """``text`` as matplotlib should print it: a ``$`` in a student's id or message must not start mathtext."""
    return text.replace("$", r"\$")


def score_histogram(scores: Sequence[float], max_score: float, path: Path) -> Path:
    """Histogram of regular scores over [0, max_score] with counts on the bars and mean/median lines."""
    fig, ax = _figure(9, 4)
    scores = np.asarray(scores, dtype=float)
    top = max(max_score, float(scores.max(initial=0.0)), 1.0)
    edges = score_bins(top)
    if scores.size:
        counts, _, bars = ax.hist(np.clip(scores, 0, top), bins=edges, color=ACCENT, edgecolor="white")
        ax.bar_label(bars, labels=[f"{int(c)}" if c else "" for c in counts], padding=2, fontsize=9, color=INK)
        mean, median = float(scores.mean()), float(np.median(scores))
        ax.axvline(mean, color=INK, linewidth=2, label=f"mean {mean:.1f}")
        ax.axvline(median, color=INK, linewidth=2, linestyle="--", label=f"median {median:g}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax.set_ylim(0, max(counts.max(), 1) * 1.15)
    else:
        _nothing(ax, "no submissions with a grade")
    ax.set_xlim(0, edges[-1])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"score (points out of {max_score:g}; bonus not included)")
    ax.set_ylabel("students")
    ax.set_title(f"Score distribution (n = {counted(scores.size, 'submission')})")
    return _save(fig, path)


def pass_rates(rows: Sequence[tuple[str, str, int, int]], colours: dict[str, str], path: Path,
               extra: Collection[str] = ()) -> Path:
    """Horizontal bars of each check's pass rate, one group per module, worst first within a module.

    ``rows`` are ``(module, label, passed, attempted)`` in the week's order;
    ``colours`` maps module to colour (``module_colours``); modules in ``extra``
    are headed as extra credit.
    """
    groups: dict[str, list[tuple[str, int, int]]] = {}
    for module, label, passed, attempted in rows:
        groups.setdefault(module, []).append((label, passed, attempted))
    slots = len(rows) + len(groups)  # one slot per bar and one per module heading
    fig, ax = _figure(8.4, 1.2 + 0.24 * slots)
    y, ticks, labels = 0, [], []
    for module, checks in groups.items():
        heading = f"{module} (extra credit)" if module in extra else module
        ax.text(-0.01, y, plain(heading), transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=10, fontweight="bold", color=colours[module])
        y += 1
        for label, passed, attempted in sorted(checks, key=lambda c: (_rate(c[1], c[2]), c[0])):
            rate = _rate(passed, attempted)
            ax.barh(y, 100 * rate, color=colours[module], height=0.72)
            ax.text(100 * rate + 1, y, f"{rate:.0%} ({passed}/{attempted})", va="center", fontsize=8, color=INK)
            ticks.append(y)
            labels.append(label)
            y += 1
    ax.set_yticks(ticks, [plain(label) for label in labels], fontsize=8)
    ax.set_ylim(max(y, 1) - 0.4, -0.6)  # first module at the top
    if not rows:
        _nothing(ax, "no check results")
    ax.set_xlim(0, 118)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("submissions that pass the check (%)")
    ax.set_title("Pass rate per check, grouped by module (worst first)", loc="left")
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    return _save(fig, path)


def failure_counts(rows: Sequence[tuple[str, str, str, int]], colours: dict[str, str], path: Path) -> Path:
    """Horizontal bars of the most common failures, most frequent on top.

    ``rows`` are ``(module, check title, first line of the message, count)``;
    each bar is labelled with the check and, below it, the message.
    """
    fig, ax = _figure(10, 1.3 + 0.5 * max(len(rows), 1))
    if rows:
        y = np.arange(len(rows))
        bars = ax.barh(y, [count for *_, count in rows], color=[colours[m] for m, *_ in rows], height=0.7)
        ax.bar_label(bars, padding=3, fontsize=9, color=INK)
        ax.set_yticks(y, [plain(f"{module}: {shorten(title, 60 - len(module))}\n→ {shorten(message, 66)}")
                          for module, title, message, _ in rows], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, max(count for *_, count in rows) * 1.1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _nothing(ax, "no failures: every submission passed every check")
    ax.set_xlabel("submissions with this failure")
    ax.set_title(f"The {counted(len(rows), 'most common failure')} (check, then the first line of its message)",
                 loc="left")
    return _save(fig, path)


def loss_curves(histories: dict[str, Sequence[float]], path: Path) -> Path:
    """One training-loss line per student (a legend up to ``LEGEND_MAX`` students; beyond, faint lines).

    A NaN or infinite loss ends the student's line with an x at the epoch where
    it happened (level with the last finite value, or on the top edge if there
    is none). Identical curves hide each other, so the legend says which they are.
    """
    fig, ax = _figure(9, 4.6)
    finite = [v for h in histories.values() for v in h if math.isfinite(v)]
    log = bool(finite) and min(finite) > 0 and max(finite) / min(finite) > 20
    few = len(histories) <= LEGEND_MAX
    curves = {student: np.asarray(history, dtype=float) for student, history in histories.items()}
    for i, (student, values) in enumerate(curves.items()):
        colour = LINE_COLOURS[i % len(LINE_COLOURS)]
        bad = np.flatnonzero(~np.isfinite(values))
        same = next((other for other in list(curves)[:i] if np.array_equal(curves[other], values, equal_nan=True)),
                    None)
        label = (plain(student) + (f" (loss {_word(values[bad[0]])} from epoch {bad[0] + 1})" if bad.size else "")
                 + (f" (same curve as {plain(same)})" if same is not None else ""))
        ax.plot(np.arange(1, values.size + 1), np.where(np.isfinite(values), values, np.nan), color=colour,
                marker="o", markersize=3, linewidth=1.6 if few else 0.8, alpha=1.0 if few else 0.5,
                label=label if few else None)
        if bad.size:
            _mark_divergence(ax, values, int(bad[0]), colour)
    if not histories:
        _nothing(ax, "no submission returned a loss history")
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(_log_minor_label))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training loss" + (" (log scale)" if log else ""))
    ax.set_title(f"Training loss of each submission's accuracy run ({counted(len(histories), 'student')}; "
                 "x = loss became NaN or infinite)", loc="left", fontsize=10)
    ax.grid(color="#e5e5e5", linewidth=0.8)
    if few and histories:
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return _save(fig, path)


def confusion_heatmap(matrix: np.ndarray, path: Path, subject: str = "Reference model") -> Path:
    """A 10x10 confusion matrix (``subject``'s: the reference model's, or the class's summed) with counts in every
    cell and its accuracy in the title."""
    matrix = np.asarray(matrix, dtype=np.int64)
    fig, ax = _figure(7, 6.2)
    norm = PowerNorm(gamma=0.35, vmin=0, vmax=max(int(matrix.max()), 1))  # makes a handful of errors visible
    image = ax.imshow(matrix, cmap="Blues", norm=norm)
    size = 8 if matrix.max(initial=0) < 100_000 else 6  # a class's summed counts reach six digits
    for (row, col), count in np.ndenumerate(matrix):
        colour = "white" if norm(count) > 0.6 else INK if count else "#b0b0b0"
        ax.text(col, row, f"{count}", ha="center", va="center", fontsize=size, color=colour,
                fontweight="bold" if row == col else "normal")
    classes = range(matrix.shape[0])
    ax.set_xticks(classes)
    ax.set_yticks(classes)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    total = int(matrix.sum())
    accuracy = np.trace(matrix) / total if total else 0.0
    ax.set_title(f"{plain(subject)} on {total:,} test images: accuracy {accuracy:.2%}")
    fig.colorbar(image, ax=ax, shrink=0.8, label="images")
    return _save(fig, path)


def _mark_divergence(ax, values: np.ndarray, first_bad: int, colour: str) -> None:
    """An x at epoch ``first_bad + 1``, joined by a dotted line to the last finite loss before it."""
    before = values[:first_bad][np.isfinite(values[:first_bad])]
    if before.size:
        ax.plot([first_bad, first_bad + 1], [before[-1]] * 2, color=colour, linestyle=":", linewidth=1.2)
        ax.plot([first_bad + 1], [before[-1]], marker="X", markersize=11, color=colour, markeredgecolor=INK,
                linestyle="none", clip_on=False)
    else:  # no finite loss at all: on the top edge
        ax.plot([first_bad + 1], [1.0], transform=ax.get_xaxis_transform(), marker="X", markersize=11,
                color=colour, markeredgecolor=INK, linestyle="none", clip_on=False)


def _figure(width: float, height: float):
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, bbox_inches="tight", facecolor="white")
    return path


def _nothing(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=12, color="#777777")


def score_bins(top: float, most: int = 24) -> np.ndarray:
    """Bin edges from 0 to ``top``: whole-point bins that divide ``top`` evenly, at most ``most`` of them."""
    if top == int(top):
        width = next(w for w in range(1, int(top) + 1) if top % w == 0 and top / w <= most)
        return np.arange(0, top + width / 2, width, dtype=float)
    return np.linspace(0.0, top, most + 1)


def _rate(passed: int, attempted: int) -> float:
    return passed / attempted if attempted else 0.0


def _log_minor_label(value: float, _position: int) -> str:
    """Label the 2s and 5s between powers of ten on a log axis (0.2, 0.5, 2, ...), leave the others blank."""
    mantissa = value / 10 ** math.floor(math.log10(value))
    return f"{value:g}" if round(mantissa, 6) in (2.0, 5.0) else ""


def _word(value: float) -> str:
    return "NaN" if math.isnan(value) else ("+inf" if value > 0 else "-inf")
