"""The digest's chart: the open pipeline by stage as horizontal bars (estimated and calculated current
value), a PNG drawn with matplotlib's Agg backend.

`Figure` with its own Agg canvas, never pyplot: no global state, so several digests may be drawn at
once in threads, and no display is ever looked for.
"""

from __future__ import annotations

import io

from babel.numbers import format_compact_currency
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from oppbot.replies.format import BABEL_LOCALES
from oppbot.replies.i18n import language, t
from oppbot.service.views import PipelineView

WIDTH, HEIGHT, DPI = 8, 4, 100  # 800 × 400 pixels
MAX_BARS = 16  # stages shown at most (the largest by estimated value); more would not be readable
LABEL = 28  # characters of a stage's label


def _money(value: float, currency: str, locale: str) -> str:
    return str(format_compact_currency(value, currency, locale=BABEL_LOCALES[language(locale)]))


def pipeline_chart(pv: PipelineView, locale: str, currency: str) -> bytes:
    """PNG bytes of `pv`'s open stages (an empty pipeline says so on the chart)."""
    bars = [
        (f"{part.cycle.code} {s.stage} {s.description}", s.pipeline_estimated_value, s.pipeline_calcd_value)
        for part in pv.cycles
        for s in part.stages
        if s.open
    ]
    if len(bars) > MAX_BARS:
        keep = set(sorted(range(len(bars)), key=lambda i: -bars[i][1])[:MAX_BARS])
        bars = [bar for i, bar in enumerate(bars) if i in keep]
    bars.reverse()  # barh draws bottom-up: the cycle's first stage on top, as the pipeline reads

    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(t(locale, "digest_chart_title"), fontsize=11)
    if not bars:
        ax.text(0.5, 0.5, t(locale, "pipeline_empty"), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        labels = [label if len(label) <= LABEL else label[: LABEL - 1] + "…" for label, _, _ in bars]
        rows = range(len(bars))
        height = 0.4
        ax.barh([r + height / 2 for r in rows], [float(b[1]) for b in bars], height,
                label=t(locale, "estimated_value"), color="#9ab8d8")  # fmt: skip
        ax.barh([r - height / 2 for r in rows], [float(b[2]) for b in bars], height,
                label=t(locale, "calcd_current_value"), color="#1f5a96")  # fmt: skip
        ax.set_yticks(list(rows), labels, fontsize=8)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _money(x, currency, locale)))
        ax.tick_params(axis="x", labelsize=8)
        # Room on the right for the legend, so it never covers a bar.
        ax.set_xlim(0, max(float(max(b[1], b[2])) for b in bars) * 1.35 or 1)
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    out = io.BytesIO()
    # No metadata: the same pipeline gives the same bytes.
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()
