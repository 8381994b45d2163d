"""A server-rendered SVG trend chart of one computed value over a form's entries (no script): a line
through the entries' values with the day under each point, the y axis from the lowest to the highest
value. The page shows a table of the same numbers beside it, so nothing is only in the picture."""
from __future__ import annotations

from html import escape

from .entries import TrendPoint

__all__ = ["trend_svg"]

WIDTH, HEIGHT = 640, 240
#: room for the axis labels: left, right, top, bottom
PAD_L, PAD_R, PAD_T, PAD_B = 48, 16, 16, 40


def _fmt(value: float) -> str:
    return (str(int(value)) if float(value).is_integer() else f"{value:.1f}").replace(".", ",")


def trend_svg(points: list[TrendPoint], title: str) -> str:
    """The chart as an inline SVG string (escaped), or "" when no entry has a value."""
    known = [(i, p) for i, p in enumerate(points) if p.value is not None]
    if not known:
        return ""
    values = [p.value for _, p in known if p.value is not None]
    low, high = min(values), max(values)
    if low == high:  # one level: centre it
        low, high = low - 1, high + 1
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return PAD_L + (i * step if len(points) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return PAD_T + plot_h - (v - low) / (high - low) * plot_h

    parts = [f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title)}">', f"<title>{escape(title)}</title>",
             f'<line class="axis" x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{WIDTH - PAD_R}" y2="{PAD_T + plot_h}" '
             'stroke="currentColor" />',
             f'<line class="axis" x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{PAD_T + plot_h}" stroke="currentColor" />']
    for v in (low, high):
        parts.append(f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12">{_fmt(v)}</text>')
    line = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in known if p.value is not None)
    parts.append(f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="2" />')
    for i, p in known:
        if p.value is not None:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="4"><title>{p.day:%Y-%m-%d}: '
                         f'{escape(p.shown)}</title></circle>')
    for i, p in enumerate(points):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 18}" text-anchor="middle" font-size="12">'
                     f"{p.day.day}/{p.day.month}</text>")
    parts.append("</svg>")
    return "".join(parts)
