"""Matplotlib figures for the analytics results (dashboard, ``report chart``), light or dark.

Every builder takes plain analytics data and returns a ``matplotlib.figure.Figure`` made
without pyplot (safe in a worker thread, no GUI backend needed); :func:`save_png` writes it
with the Agg canvas. Amounts are labelled in rupees with Indian digit grouping
(₹12,34,567; ₹1.25 Cr above a crore). DejaVu Sans, matplotlib's default font, has the ₹ sign.

:func:`dashboard_charts` lists ``(key, title, build(dashboard, dark))`` for every chart, the
contract the GUI dashboard uses; :data:`CHARTS` names each chart for ``report chart NAME``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from billbook import files
from matplotlib.ticker import FuncFormatter, MaxNLocator

from billbook.domain.money import round_money

RUPEE = "₹"


# ---------------------------------------------------------------- money labels

def indian_group(n: int) -> str:
    """12345678 -> '1,23,45,678' (Indian grouping: thousands, then pairs)."""
    sign = "-" if n < 0 else ""
    digits = str(abs(n))
    if len(digits) <= 3:
        return sign + digits
    head, tail = digits[:-3], digits[-3:]
    parts = []
    while len(head) > 2:
        parts.insert(0, head[-2:])
        head = head[:-2]
    if head:
        parts.insert(0, head)
    return sign + ",".join(parts + [tail])


def inr(value, *, decimals: bool = False) -> str:
    """₹ label with Indian grouping (₹12,34,567 or ₹12,34,567.50); crores shortened (₹1.25 Cr)."""
    from decimal import ROUND_HALF_UP
    v = Decimal(str(value))
    sign, a = ("-" if v < 0 else ""), abs(v)
    if a >= Decimal("10000000"):
        body = f"{a / Decimal('10000000'):.2f} Cr"
    elif decimals:
        a = round_money(a)
        body = f"{indian_group(int(a))}.{int((a - int(a)) * 100):02d}"
    else:
        body = indian_group(int(a.to_integral_value(rounding=ROUND_HALF_UP)))
    return f"{sign}{RUPEE}{body}"


def inr_axis(value, _pos=None) -> str:
    """Tick label for an amount axis (short: ₹12.5 L, ₹1.2 Cr, ₹45,000)."""
    v = float(value)
    a = abs(v)
    sign = "-" if v < 0 else ""
    if a >= 1e7:
        return f"{sign}{RUPEE}{a / 1e7:.1f} Cr".replace(".0 ", " ")
    if a >= 1e5:
        return f"{sign}{RUPEE}{a / 1e5:.1f} L".replace(".0 ", " ")
    return f"{sign}{RUPEE}{indian_group(int(round(a)))}"


# ---------------------------------------------------------------- themes

@dataclass(frozen=True)
class Theme:
    bg: str
    fg: str
    muted: str
    grid: str
    palette: tuple[str, ...]
    cmap: str


LIGHT = Theme("#ffffff", "#1f2933", "#616e7c", "#e4e7eb",
              ("#2f6fde", "#1aa179", "#f29e4c", "#d64545", "#8e6bd8", "#14a3b8", "#b58900", "#7b8794"), "Blues")
DARK = Theme("#1e2126", "#e6e8eb", "#a3acb9", "#3a3f47",
             ("#5b9bff", "#3ccf9a", "#ffb366", "#ff6b6b", "#b197fc", "#4dd4e6", "#e0c050", "#9aa5b1"), "viridis")


def theme_for(dark: bool | str) -> Theme:
    if isinstance(dark, str):
        return DARK if dark == "dark" else LIGHT
    return DARK if dark else LIGHT


def _figure(th: Theme, title: str, size=(8, 4.5)) -> tuple[Figure, Any]:
    fig = Figure(figsize=size, dpi=100, facecolor=th.bg, layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    _style(ax, th)
    ax.set_title(title, color=th.fg, fontsize=13, fontweight="bold", loc="left", pad=10)
    return fig, ax


def _style(ax, th: Theme) -> None:
    ax.set_facecolor(th.bg)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(th.muted)
    ax.tick_params(colors=th.fg, labelsize=9)
    ax.xaxis.label.set_color(th.fg)
    ax.yaxis.label.set_color(th.fg)
    ax.grid(True, axis="y", color=th.grid, linewidth=0.8)
    ax.set_axisbelow(True)


def _empty(ax, th: Theme, text: str = "No data in this period") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color=th.muted, fontsize=12, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _f(x) -> float:
    return float(x)


def _short(text: str, n: int = 36) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- builders (one per analytics result)

def sales_chart(buckets, dark=False, title: str = "Sales over time") -> Figure:
    th = theme_for(dark)
    fig, ax = _figure(th, title)
    if not buckets or not any(b.invoices or b.returns for b in buckets):
        _empty(ax, th)
        return fig
    xs = list(range(len(buckets)))
    ax.bar(xs, [_f(b.gross) for b in buckets], color=th.palette[0], label="Gross (with tax)", width=0.8)
    ax.plot(xs, [_f(b.net) for b in buckets], color=th.palette[2], linewidth=2, marker="o" if len(xs) <= 40 else None,
            markersize=3, label="Net (taxable)")
    ax.yaxis.set_major_formatter(FuncFormatter(inr_axis))
    step = max(1, len(xs) // 12)
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([b.label for b in buckets][::step], rotation=30, ha="right")
    ax.set_xlabel("Period")
    ax.set_ylabel("Sales (returns netted out)")
    top = max(max(_f(b.gross) for b in buckets), max(_f(b.net) for b in buckets))
    if top > 0:
        ax.set_ylim(top=top * 1.22)   # headroom so the legend never sits on the bars
    leg = ax.legend(frameon=False, loc="upper left", fontsize=9, ncol=2)
    for t in leg.get_texts():
        t.set_color(th.fg)
    return fig


def distribution_chart(bins, dark=False, title: str = "Invoice amounts") -> Figure:
    th = theme_for(dark)
    fig, ax = _figure(th, title)
    if not bins or not any(b.invoices for b in bins):
        _empty(ax, th)
        return fig
    xs = list(range(len(bins)))
    bars = ax.bar(xs, [b.invoices for b in bins], color=th.palette[1], width=0.85)
    ax.bar_label(bars, labels=[indian_group(b.invoices) if b.invoices else "" for b in bins], color=th.fg,
                 fontsize=8, padding=2)
    ax.set_xticks(xs)
    ax.set_xticklabels([b.label for b in bins], rotation=30, ha="right")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: indian_group(int(v))))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Invoice total")
    ax.set_ylabel("Invoices")
    return fig


def _hbar(th: Theme, title: str, names: list[str], values: list[float], xlabel: str, color: str,
          money: bool = True, value_labels: list[str] | None = None) -> Figure:
    fig, ax = _figure(th, title, size=(8, max(3.2, 0.42 * len(names) + 1.4)))
    ax.grid(True, axis="x", color=th.grid, linewidth=0.8)
    ax.grid(False, axis="y")
    if not names:
        _empty(ax, th)
        return fig
    ys = list(range(len(names)))[::-1]
    bars = ax.barh(ys, values, color=color, height=0.7)
    ax.set_yticks(ys)
    ax.set_yticklabels([_short(n) for n in names])
    labels = value_labels or [inr(v) if money else f"{v:g}" for v in values]
    ax.bar_label(bars, labels=labels, color=th.fg, fontsize=8, padding=3)
    if money:
        ax.xaxis.set_major_formatter(FuncFormatter(inr_axis))
    ax.set_xlabel(xlabel)
    ax.margins(x=0.18)
    return fig


def credits_chart(ranks, dark=False, title: str = "Top customers by credits earned") -> Figure:
    th = theme_for(dark)
    return _hbar(th, title, [r.name for r in ranks], [_f(r.credits_earned) for r in ranks], "Credits earned",
                 th.palette[4], money=False,
                 value_labels=[f"{_f(r.credits_earned):g} (bal {_f(r.credits_balance):g})" for r in ranks])


def customers_chart(ranks, dark=False, title: str = "Top customers by spend") -> Figure:
    th = theme_for(dark)
    return _hbar(th, title, [r.name for r in ranks], [_f(r.spend) for r in ranks], "Spend (net of returns)",
                 th.palette[0])


def hours_chart(stats, dark=False, title: str = "Sales by hour of day") -> Figure:
    th = theme_for(dark)
    fig, ax = _figure(th, title)
    if stats is None or not any(h.invoices for h in stats.hours):
        _empty(ax, th)
        return fig
    hours = [h for h in stats.hours]
    ax.bar([h.hour for h in hours], [_f(h.avg_per_day) for h in hours], color=th.palette[0], width=0.8,
           label="Average per day")
    ax.yaxis.set_major_formatter(FuncFormatter(inr_axis))
    ax.set_xticks(range(0, 24, 2))
    ax.set_xticklabels([f"{h:02d}:00" for h in range(0, 24, 2)], rotation=30, ha="right")
    ax.set_xlabel("Hour of day")
    ax.set_ylabel(f"Average sales per day ({stats.days} days)")
    ax2 = ax.twinx()
    ax2.plot([h.hour for h in hours], [h.invoices for h in hours], color=th.palette[2], linewidth=2, marker="o",
             markersize=3, label="Invoices (total)")
    ax2.tick_params(colors=th.fg, labelsize=9)
    ax2.set_ylabel("Invoices in the period", color=th.fg)
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: indian_group(int(v))))
    for side in ("top",):
        ax2.spines[side].set_visible(False)
    ax2.spines["right"].set_color(th.muted)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    leg = ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], frameon=False, loc="upper left", fontsize=9)
    for t in leg.get_texts():
        t.set_color(th.fg)
    return fig


def heatmap_chart(stats, dark=False, title: str = "Sales by weekday and hour") -> Figure:
    th = theme_for(dark)
    fig, ax = _figure(th, title, size=(9, 4))
    ax.grid(False)
    if stats is None or not any(any(row) for row in stats.grid_invoices):
        _empty(ax, th)
        return fig
    hours_used = [h for h in range(24) if any(stats.grid_invoices[d][h] for d in range(7))]
    h0, h1 = min(hours_used), max(hours_used)
    data = [[_f(stats.grid_total[d][h]) for h in range(h0, h1 + 1)] for d in range(7)]
    im = ax.imshow(data, aspect="auto", cmap=th.cmap)
    ax.set_yticks(range(7))
    ax.set_yticklabels(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.set_xticks(range(h1 - h0 + 1))
    ax.set_xticklabels([f"{h:02d}" for h in range(h0, h1 + 1)])
    ax.set_xlabel("Hour of day")
    cb = fig.colorbar(im, ax=ax, format=FuncFormatter(inr_axis))
    cb.ax.tick_params(colors=th.fg, labelsize=8)
    cb.set_label("Sales in the period", color=th.fg)
    return fig


def retention_chart(cohorts, dark=False, title: str = "Weekly cohort retention") -> Figure:
    th = theme_for(dark)
    cohorts = [c for c in cohorts if c.size]
    fig, ax = _figure(th, title, size=(9, max(3.5, 0.38 * len(cohorts) + 1.6)))
    ax.grid(False)
    if not cohorts:
        _empty(ax, th, "No new customers in this period")
        return fig
    width = max(len(c.shares) for c in cohorts)
    import numpy as np
    data = np.full((len(cohorts), width), np.nan)
    for i, c in enumerate(cohorts):
        for k, share in enumerate(c.shares):
            data[i, k] = float(share) * 100
    cmap = __import__("matplotlib").colormaps[th.cmap].with_extremes(bad=th.bg)
    show = data.copy()
    show[:, 0] = np.nan      # week 0 is always 100 %: keep the colour scale for the later weeks
    im = ax.imshow(show, aspect="auto", cmap=cmap, vmin=0, vmax=max(5.0, float(np.nanmax(show)) if width > 1 and
                                                                   not np.all(np.isnan(show)) else 100.0))
    for i in range(len(cohorts)):
        for k in range(width):
            if not np.isnan(data[i, k]) and len(cohorts) <= 26 and width <= 16:
                high = k > 0 and data[i, k] > 0.6 * np.nanmax(show)
                ax.text(k, i, f"{data[i, k]:.0f}%", ha="center", va="center", fontsize=7,
                        color=("#111111" if th is DARK else "white") if high else th.fg)
    ax.set_yticks(range(len(cohorts)))
    ax.set_yticklabels([f"{c.week:%d %b %Y} ({c.size})" for c in cohorts], fontsize=8)
    ax.set_xticks(range(width))
    ax.set_xticklabels([f"W{k}" for k in range(width)], fontsize=8)
    ax.set_xlabel("Weeks after the first visit")
    ax.set_ylabel("Cohort (week of first visit, customers)")
    cb = fig.colorbar(im, ax=ax, format=FuncFormatter(lambda v, _p: f"{v:.0f}%"))
    cb.ax.tick_params(colors=th.fg, labelsize=8)
    cb.set_label("Came back", color=th.fg)
    return fig


def products_chart(ranks, dark=False, title: str = "Top products by revenue") -> Figure:
    th = theme_for(dark)
    return _hbar(th, title, [r.name for r in ranks], [_f(r.revenue) for r in ranks], "Revenue (taxable, net of returns)",
                 th.palette[1])


def products_qty_chart(ranks, dark=False, title: str = "Top products by quantity") -> Figure:
    from billbook.domain.money import qty_str
    th = theme_for(dark)
    return _hbar(th, title, [r.name for r in ranks], [_f(r.qty) for r in ranks], "Quantity sold (net of returns)",
                 th.palette[6], money=False, value_labels=[qty_str(r.qty) for r in ranks])


def categories_chart(rows, dark=False, title: str = "Sales by category") -> Figure:
    th = theme_for(dark)
    rows = [r for r in rows if r.revenue > 0]
    fig = Figure(figsize=(8, 4.5), dpi=100, facecolor=th.bg, layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor(th.bg)
    ax.set_title(title, color=th.fg, fontsize=13, fontweight="bold", loc="left", pad=10)
    if not rows:
        _empty(ax, th)
        return fig
    top = rows[:7]
    rest = sum((r.revenue for r in rows[7:]), Decimal(0))
    names = [r.name for r in top] + (["Others"] if rest else [])
    vals = [_f(r.revenue) for r in top] + ([_f(rest)] if rest else [])
    total = sum(vals)
    colors = [th.palette[i % len(th.palette)] for i in range(len(vals))]
    wedges, _ = ax.pie(vals, colors=colors, startangle=90, counterclock=False,
                       wedgeprops=dict(width=0.42, edgecolor=th.bg, linewidth=1.5))
    ax.text(0, 0, f"{inr(total)}\ntaxable", ha="center", va="center", color=th.fg, fontsize=10)
    leg = ax.legend(wedges, [f"{n}  {inr(v)} ({v / total * 100:.0f}%)" for n, v in zip(names, vals)],
                    loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=9)
    for t in leg.get_texts():
        t.set_color(th.fg)
    ax.set_aspect("equal")
    return fig


MODE_NAMES = {"cash": "Cash", "upi": "UPI", "card": "Card", "netbanking": "Net banking", "credits": "Loyalty credits",
              "account": "On account (dues)"}


def payments_chart(rows, dark=False, title: str = "Payments by mode") -> Figure:
    th = theme_for(dark)
    sales = [r for r in rows if r.kind == "sale" and r.amount > 0]
    fig, ax = _figure(th, title)
    ax.grid(True, axis="x", color=th.grid, linewidth=0.8)
    ax.grid(False, axis="y")
    if not rows:
        _empty(ax, th)
        return fig
    # one bar per mode: sales, dues received, refunds (negative)
    modes = sorted({r.mode for r in rows}, key=lambda m: list(MODE_NAMES).index(m) if m in MODE_NAMES else 99)
    kinds = [("sale", "Sales", th.palette[0]), ("dues", "Dues received", th.palette[1]),
             ("refund", "Refunds", th.palette[3])]
    ys = list(range(len(modes)))[::-1]
    height = 0.26
    for j, (kind, label, color) in enumerate(kinds):
        vals = [sum((_f(r.amount) for r in rows if r.kind == kind and r.mode == m), 0.0) for m in modes]
        if any(vals):
            ax.barh([y + (1 - j) * height for y in ys], vals, height=height, color=color, label=label)
    ax.set_yticks(ys)
    ax.set_yticklabels([MODE_NAMES.get(m, m) for m in modes])
    ax.xaxis.set_major_formatter(FuncFormatter(inr_axis))
    ax.axvline(0, color=th.muted, linewidth=0.8)
    ax.set_xlabel("Amount")
    total = sum(_f(r.amount) for r in sales)
    if total:
        shares = ", ".join(f"{MODE_NAMES.get(r.mode, r.mode)} {(_f(r.amount) / total) * 100:.0f}%"
                           for r in sorted(sales, key=lambda r: -r.amount)[:4])
        ax.text(0.99, 0.02, shares, transform=ax.transAxes, ha="right", va="bottom", color=th.muted, fontsize=8)
    leg = ax.legend(frameon=False, loc="center right", fontsize=9)
    for t in leg.get_texts():
        t.set_color(th.fg)
    return fig


def dues_chart(aging, dark=False, title: str = "Dues by age") -> Figure:
    th = theme_for(dark)
    fig, ax = _figure(th, f"{title} (as of {aging.as_of:%d %b %Y})" if aging else title)
    if aging is None or not aging.total:
        _empty(ax, th, "No dues outstanding")
        return fig
    labels = [f"{b.label} days" for b in aging.buckets]
    colors = [th.palette[1], th.palette[6], th.palette[2], th.palette[3]]
    bars = ax.bar(range(len(labels)), [_f(b.amount) for b in aging.buckets], color=colors[:len(labels)], width=0.7)
    ax.bar_label(bars, labels=[f"{inr(b.amount)}\n{len(b.customers)} customers" for b in aging.buckets],
                 color=th.fg, fontsize=8, padding=2)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels)
    ax.yaxis.set_major_formatter(FuncFormatter(inr_axis))
    ax.set_xlabel("Age of the unpaid amount")
    ax.set_ylabel("Outstanding")
    ax.margins(y=0.2)
    return fig


def stock_chart(status, dark=False, title: str = "Low stock") -> Figure:
    from billbook.domain.money import qty_str
    th = theme_for(dark)
    low = list(status.low[:15]) if status else []
    fig, ax = _figure(th, f"{title} — stock value at cost {inr(status.value_at_cost)}" if status else title,
                      size=(8, max(3.2, 0.42 * len(low) + 1.4)))
    ax.grid(True, axis="x", color=th.grid, linewidth=0.8)
    ax.grid(False, axis="y")
    if not low:
        _empty(ax, th, "Nothing at or below its reorder level")
        return fig
    ys = list(range(len(low)))[::-1]
    ax.barh(ys, [_f(r.reorder_level) for r in low], color=th.grid, height=0.7, label="Reorder level")
    ax.barh(ys, [max(_f(r.stock), 0) for r in low], color=th.palette[3], height=0.45, label="In stock")
    ax.set_yticks(ys)
    ax.set_yticklabels([_short(f"{r.name}") for r in low])
    for y, r in zip(ys, low):
        ax.text(_f(r.reorder_level), y, f"  {qty_str(r.stock)} / {qty_str(r.reorder_level)}", va="center",
                color=th.fg, fontsize=8)
    ax.set_xlabel("Quantity")
    ax.set_xlim(0, max([_f(r.reorder_level) for r in low] + [_f(r.stock) for r in low] + [1.0]) * 1.25)
    leg = ax.legend(frameon=False, loc="lower right", fontsize=9)
    for t in leg.get_texts():
        t.set_color(th.fg)
    return fig


# ---------------------------------------------------------------- registry

@dataclass(frozen=True)
class ChartSpec:
    name: str
    title: str
    build: Callable[[Any, bool], Figure]     # build(dashboard, dark)


CHARTS: dict[str, ChartSpec] = {c.name: c for c in (
    ChartSpec("sales", "Sales over time", lambda d, dark: sales_chart(d.sales, dark)),
    ChartSpec("distribution", "Invoice amounts", lambda d, dark: distribution_chart(d.distribution, dark)),
    ChartSpec("credits", "Top customers by credits", lambda d, dark: credits_chart(d.top_customers_credits, dark)),
    ChartSpec("customers", "Top customers by spend", lambda d, dark: customers_chart(d.top_customers_spend, dark)),
    ChartSpec("hours", "Sales by hour", lambda d, dark: hours_chart(d.hours, dark)),
    ChartSpec("heatmap", "Weekday × hour", lambda d, dark: heatmap_chart(d.hours, dark)),
    ChartSpec("retention", "Cohort retention", lambda d, dark: retention_chart(d.retention, dark)),
    ChartSpec("products", "Top products by revenue", lambda d, dark: products_chart(d.top_products_revenue, dark)),
    ChartSpec("products-qty", "Top products by quantity",
              lambda d, dark: products_qty_chart(d.top_products_qty, dark)),
    ChartSpec("categories", "Sales by category", lambda d, dark: categories_chart(d.categories, dark)),
    ChartSpec("payments", "Payments by mode", lambda d, dark: payments_chart(d.payments, dark)),
    ChartSpec("dues", "Dues by age", lambda d, dark: dues_chart(d.dues, dark)),
    ChartSpec("stock", "Low stock", lambda d, dark: stock_chart(d.stock, dark)),
)}


def dashboard_charts() -> Iterator[tuple[str, str, Callable[[Any, bool], Figure]]]:
    """(key, title, build(dashboard, dark) -> Figure) for every chart, in dashboard order."""
    for spec in CHARTS.values():
        yield spec.name, spec.title, spec.build


def save_png(fig: Figure, path: str | Path, *, dpi: int = 110, force: bool = False) -> Path:
    """Write ``fig`` as PNG with the Agg canvas (no display needed), through the safe writer
    (:mod:`billbook.files`: an existing file only with ``force``, never a link or a device)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return files.write_file(path, buf.getvalue(), force=force)
