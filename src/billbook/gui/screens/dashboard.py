"""Analytics dashboard (admin): KPI cards and every chart of ``billbook.charts``, for a chosen
period, refreshed live without freezing the window.

How it stays responsive (and opens fast, issue 16):

- numbers first: the data (``services/insight/analytics.dashboard`` plus today's and this
  month's sales, tens of milliseconds) is read in a worker thread and the KPI cards are filled
  as soon as it is back; the screen is usable from then on;
- charts after: the chart cards are made a row per ``after()`` tick once the numbers show, and
  a second, deferred worker job builds the matplotlib ``Figure`` objects (plain ``Figure``, no
  pyplot) and their Agg raster at the size each card shows — a second or more for a big shop,
  none of it on the Tk thread. Each chart is then swapped into its card's ``FigureCanvasTkAgg``
  (made once, reused by every refresh) and its pixels copied in (``blit``), one chart per tick.
  A window resize redraws on the Tk thread as matplotlib always does;
- a switch back to the dashboard shows what it has and fetches again only when a sale, the
  timer or the period made it stale (or it is older than ``STALE_AFTER_S``);
- refreshes come from a timer (other terminals' sales) and from the AppContext's
  ``on_sales_changed`` hook (this terminal's sales), debounced; a refresh asked for while one
  is running is queued, never run twice at once.

``python -m billbook.devtools.bench.dashboard`` measures the longest gap of a 50 ms heartbeat during
opening and refreshing.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import tkinter as tk

import customtkinter as ctk

from billbook import clock, files
from billbook.domain.money import ZERO, round_money
from billbook.domain.permissions import Permission
from billbook.errors import BillbookError
from billbook.gui import theme
from billbook.gui.forms import MUTED, Dialogs, StatusLine, error_text, rupees, run_bg
from billbook.gui.registry import screen
from billbook.gui.widgets.fit import ElidedLabel
from billbook.services.insight import analytics

REFRESH_MS = 60_000          # pick up other terminals' sales
SALE_DEBOUNCE_MS = 1_500     # after this terminal sells
CHART_STEP_MS = 1            # between drawing two charts (lets Tk handle events)
CHART_DPI = 84
CHART_HEIGHT = 330           # pixels; the width follows the window (two charts a row)
STALE_AFTER_S = 30           # a switch back refetches when the numbers are older than this

PERIODS = ("Today", "Last 7 days", "Last 30 days", "This month", "Last 12 months", "This financial year",
           "Last 2 years")


def period_range(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """Inclusive date range of a named period ending today."""
    if name == "Today":
        return today, today
    if name == "Last 7 days":
        return today - dt.timedelta(days=6), today
    if name == "Last 30 days":
        return today - dt.timedelta(days=29), today
    if name == "This month":
        return today.replace(day=1), today
    if name == "Last 12 months":
        year, month = today.year, today.month - 11
        if month <= 0:
            year, month = year - 1, month + 12
        return dt.date(year, month, 1), today
    if name == "This financial year":
        return dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1), today
    if name == "Last 2 years":
        return dt.date(today.year - 2, today.month, 1), today
    raise ValueError(name)


@dataclass(frozen=True)
class Kpis:
    today_sales: Decimal
    today_invoices: int
    month_sales: Decimal
    month_invoices: int
    period_sales: Decimal
    period_invoices: int
    average_bill: Decimal
    dues_outstanding: Decimal
    low_stock: int
    low_stock_capped: bool


@dataclass
class Snapshot:
    """What one refresh fetched: the analytics, the KPIs and the charts' figures."""
    period: str
    start: dt.date
    end: dt.date
    data: Any
    kpis: Kpis
    figures: list[tuple[str, str, Any, Any]] = field(default_factory=list)   # (key, title, Figure, renderer)
    fetch_seconds: float = 0.0          # reading the data and the KPIs
    figure_seconds: float = 0.0         # building and rasterising the charts (the deferred job)
    fetched_at: float = field(default_factory=time.monotonic)


def whole_rupees(value: Decimal) -> str:
    """KPI text: ₹ and Indian grouping, rounded to the rupee (a card has room for ~10 digits)."""
    from billbook.charts import inr
    return inr(value)


def _sum_sales(buckets) -> tuple[Decimal, int]:
    return sum((b.gross for b in buckets), ZERO), sum(b.invoices for b in buckets)


def compute_kpis(data, today_buckets, month_buckets) -> Kpis:
    today_sales, today_invoices = _sum_sales(today_buckets)
    month_sales, month_invoices = _sum_sales(month_buckets)
    period_sales, period_invoices = _sum_sales(data.sales)
    average = round_money(period_sales / period_invoices) if period_invoices else ZERO
    low = len(data.stock.low)
    return Kpis(today_sales, today_invoices, month_sales, month_invoices, period_sales, period_invoices, average,
                data.dues.total, low, low >= 50)


# ---------------------------------------------------------------- charts

def chart_specs() -> list[tuple[str, str, Callable[[Any, bool], Any]]]:
    """(key, title, build(dashboard_data, dark) -> Figure) for every chart of ``billbook.charts``."""
    from billbook import charts
    return list(charts.dashboard_charts())


def build_figures(data, dark: bool, size_px: tuple[int, int] | dict[str, tuple[int, int]] | None = None
                  ) -> list[tuple[str, str, Any, Any]]:
    """Build every chart and, when ``size_px`` is given, rasterise it with Agg at that size.

    ``size_px`` is one (width, height) for every chart or a dict of them by chart key: the two
    columns of cards can differ by a pixel, and a raster of the wrong size cannot be blitted
    (the Tk thread would redraw the whole figure, 100-300 ms, on a <Configure> or a refresh).

    Runs in the worker thread: the figures are plain matplotlib objects (no pyplot, no Tk)
    and the raster is what the Tk canvas will show, so the Tk thread only copies pixels.
    Returns (key, title, Figure or the exception that broke it, Agg renderer or None).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    out = []
    for key, title, build in chart_specs():
        try:
            fig = build(data, dark)
            fig.set_dpi(CHART_DPI)      # the same pixels with slightly smaller text: long titles fit a card
            renderer = None
            size = size_px.get(key) if isinstance(size_px, dict) else size_px
            if size is not None:
                fig.set_size_inches(size[0] / fig.dpi, size[1] / fig.dpi)
                agg = FigureCanvasAgg(fig)
                agg.draw()
                renderer = agg.renderer
            out.append((key, title, fig, renderer))
        except Exception as exc:  # noqa: BLE001 - one broken chart must not hide the others
            out.append((key, title, exc, None))
    return out


def fetch_snapshot(db, actor, period: str, dark: bool, *, with_figures: bool = True,
                   size_px: tuple[int, int] | dict[str, tuple[int, int]] | None = None) -> Snapshot:
    """Everything one refresh needs; runs in a worker thread (no Tk here)."""
    started = time.perf_counter()
    today = clock.today()
    start, end = period_range(period, today)
    data = analytics.dashboard(db, actor, start, end)
    today_buckets = analytics.sales_over_time(db, actor, today, today, "day")
    month_buckets = analytics.sales_over_time(db, actor, today.replace(day=1), today, "month")
    snap = Snapshot(period, start, end, data, compute_kpis(data, today_buckets, month_buckets))
    if with_figures:
        snap.figures = build_figures(data, dark, size_px)
    snap.fetch_seconds = time.perf_counter() - started
    return snap


# ---------------------------------------------------------------- widgets

class KpiCard(ctk.CTkFrame):
    def __init__(self, master, title: str):
        super().__init__(master, corner_radius=10)
        ElidedLabel(self, text=title, text_color=MUTED, anchor="w", font=theme.font(12)).pack(
            fill="x", padx=14, pady=(10, 0))
        self.value = ElidedLabel(self, text="—", anchor="w", font=theme.font(20, "bold"))
        self.value.pack(fill="x", padx=14)
        self.detail = ElidedLabel(self, text="", anchor="w", text_color=MUTED, font=theme.font(11), height=18)
        self.detail.pack(fill="x", padx=14, pady=(0, 10))

    def set(self, value: str, detail: str = "") -> None:
        self.value.configure(text=value)
        self.detail.configure(text=detail)


def _chart_canvas_class():
    from matplotlib.backends.backend_tkagg import FigureCanvasTkAgg

    class ChartCanvas(FigureCanvasTkAgg):
        """FigureCanvasTkAgg that skips the full redraw of a <Configure> that changes nothing
        (Tk sends one when the widget is first mapped; the pixels are already there)."""

        def resize(self, event):
            photo = self._tkphoto
            if (int(photo.cget("width")), int(photo.cget("height"))) == (event.width, event.height):
                return
            super().resize(event)

        def _update_device_pixel_ratio(self, event=None):
            """Ignore matplotlib's <Map> DPI rescale (screen DPI / 96, e.g. 1.04 on a 100-dpi
            X server): it changed the figure's dpi and redrew every chart on the Tk thread as
            it was first shown (80-350 ms each). Cards are sized in pixels and the worker
            rasterises at CHART_DPI for exactly those pixels, so there is nothing to rescale."""
            return None
    return ChartCanvas


def _ChartCanvas(figure, master):  # noqa: N802 - a lazily made class
    global _CHART_CANVAS
    if _CHART_CANVAS is None:
        _CHART_CANVAS = _chart_canvas_class()
    return _CHART_CANVAS(figure, master=master)


_CHART_CANVAS = None


class ChartCard(ctk.CTkFrame):
    """One chart: title, PNG export button and the matplotlib canvas."""

    def __init__(self, master, key: str, title: str, on_export: Callable[[str], None]):
        super().__init__(master, corner_radius=10)
        self.key = key
        self.figure = None
        self.canvas = None
        self.title = title
        # the figure draws its own title; the card adds the export button above it
        top = ctk.CTkFrame(self, fg_color="transparent", height=26)
        top.pack(fill="x", padx=8, pady=(6, 0))
        ctk.CTkButton(top, text="Save PNG", width=78, height=22, font=theme.font(11), fg_color="transparent",
                      border_width=1, text_color=("gray20", "gray85"), command=lambda: on_export(key)).pack(side="right")
        # fixed height: swapping the placeholder for the chart must not re-layout the page
        self.body = ctk.CTkFrame(self, fg_color="transparent", height=CHART_HEIGHT)
        self.body.pack(fill="x", padx=6, pady=(0, 6))
        self.body.pack_propagate(False)
        self.placeholder = ctk.CTkLabel(self.body, text=f"{title}\nLoading…", text_color=MUTED)
        self.placeholder.pack(expand=True)

    def show_figure(self, figure, renderer=None) -> None:
        """Show ``figure`` in this card's FigureCanvasTkAgg (Tk thread).

        The Tk canvas is made once and reused: a refresh swaps in the new figure. When the
        worker already rasterised it at this size, only the pixels are copied (``blit``);
        otherwise it is drawn here.
        """
        if isinstance(figure, Exception):
            self._placeholder(f"{self.title}: chart unavailable — {error_text(figure)}", theme.ERROR)
            return
        if self.placeholder is not None:
            self.placeholder.destroy()
            self.placeholder = None
        if self.canvas is None:
            if renderer is None:
                width = max(self.body.winfo_width(), 360)
                figure.set_size_inches(width / figure.dpi, CHART_HEIGHT / figure.dpi)
            self.canvas = _ChartCanvas(figure, master=self.body)
            self.canvas.get_tk_widget().pack(fill="both", expand=True)
        else:
            self.canvas.figure = figure
            figure.set_canvas(self.canvas)
        self.figure = figure
        photo = self.canvas._tkphoto
        size = (int(photo.cget("width")), int(photo.cget("height")))
        if renderer is not None and (int(renderer.width), int(renderer.height)) == size:
            self.canvas.renderer = renderer
            self.canvas.blit()
        else:
            figure.set_size_inches(size[0] / figure.dpi, size[1] / figure.dpi)
            self.canvas.draw()

    def _placeholder(self, text: str, color) -> None:
        if self.canvas is not None:
            self.canvas.get_tk_widget().pack_forget()
        if self.placeholder is not None:
            self.placeholder.destroy()
        self.placeholder = ctk.CTkLabel(self.body, text=text, text_color=color, wraplength=480)
        self.placeholder.pack(expand=True)
        self.figure = None

    def chart_size(self) -> tuple[int, int]:
        """Pixel size the next figure should have (what the Tk canvas shows)."""
        if self.canvas is not None:
            photo = self.canvas._tkphoto
            return int(photo.cget("width")), int(photo.cget("height"))
        return max(self.body.winfo_width(), 360), max(self.body.winfo_height(), CHART_HEIGHT)


def _warm_up() -> None:
    """Import matplotlib and the charts ahead of the first show (seconds of work, off the Tk thread)."""
    from billbook import charts  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401


@screen(key="dashboard", title="Dashboard", permission=Permission.VIEW_ANALYTICS, order=60, shortcut="<Control-Key-6>",
        prepare=_warm_up)
class DashboardScreen(ctk.CTkFrame):
    """KPIs and charts for a period; live."""

    KPI_TITLES = ("Today", "This month", "Invoices", "Average bill", "Dues outstanding", "Low stock")

    def __init__(self, master, ctx):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.snapshot: Snapshot | None = None
        self.refreshing = False
        self._again = False
        self._timer = None
        self._debounce = None
        self._draw_queue: list = []
        self._unsubscribe = None
        self.refresh_count = 0
        self.on_refreshed: Callable[[], None] | None = None     # tests and the benchmark listen here
        self.visible = False
        self.refresh_ms = REFRESH_MS
        self.allowed = ctx.actor.can(Permission.VIEW_ANALYTICS)
        if not self.allowed:
            ctk.CTkLabel(self, text="Dashboard", font=theme.font(20, "bold"), anchor="w").pack(
                fill="x", padx=20, pady=(16, 8))
            self.refusal = ctk.CTkLabel(self, text="The dashboard is for admins.", text_color=MUTED)
            self.refusal.pack(pady=40)
            return

        top = ctk.CTkFrame(self, fg_color="transparent")
        top.pack(fill="x", padx=20, pady=(16, 8))
        ctk.CTkLabel(top, text="Dashboard", font=theme.font(20, "bold"), anchor="w").pack(side="left")
        self.period = ctk.CTkOptionMenu(top, values=list(PERIODS), width=180, command=lambda _v: self.refresh())
        self.period.set("Last 30 days")
        self.period.pack(side="left", padx=(20, 8))
        self.refresh_btn = ctk.CTkButton(top, text="Refresh", width=90, command=self.refresh)
        self.refresh_btn.pack(side="left")
        self.status = StatusLine(top)
        self.status.pack(side="left", padx=12)

        self.body = ctk.CTkScrollableFrame(self, fg_color="transparent")
        self.body.pack(fill="both", expand=True, padx=12, pady=(0, 12))
        kpis = ctk.CTkFrame(self.body, fg_color="transparent")
        kpis.pack(fill="x", padx=4, pady=(0, 8))
        self.kpis: dict[str, KpiCard] = {}
        for i, title in enumerate(self.KPI_TITLES):
            self.kpis[title] = KpiCard(kpis, title)
        self._kpi_columns = 0
        self._lay_kpis(kpis, len(self.KPI_TITLES))
        tk.Frame.bind(kpis, "<Configure>", lambda e: self._lay_kpis(kpis, len(self.KPI_TITLES) if e.width >= 150 * len(
            self.KPI_TITLES) else (len(self.KPI_TITLES) + 1) // 2), "+")
        self.grid_frame = ctk.CTkFrame(self.body, fg_color="transparent")
        self.grid_frame.pack(fill="both", expand=True)
        self.grid_frame.grid_columnconfigure((0, 1), weight=1, uniform="chart")
        #: the chart cards, made a row per tick after the numbers first show (``_make_cards``)
        self.cards: dict[str, ChartCard] = {}
        self._chart_specs: list | None = None      # None: not made yet; [] when charts are unavailable
        self._stale = True
        self._unsubscribe = ctx.on_sales_changed(self._sales_changed) if hasattr(ctx, "on_sales_changed") else None
        self._mode = theme.is_dark()
        ctk.AppearanceModeTracker.add(self._mode_changed, self)

    def _mode_changed(self, _mode) -> None:
        """Redraw the charts in the new theme's colours (the figures are built for one theme)."""
        if theme.is_dark() != self._mode and self.winfo_exists():
            self._mode = theme.is_dark()
            if self.snapshot is not None:
                self.refresh()

    # ------------------------------------------------------------ life cycle

    def _lay_kpis(self, frame, columns: int) -> None:
        """The KPI cards in one row, or two rows on a narrow window (their figures are never cut)."""
        if columns == self._kpi_columns:
            return
        self._kpi_columns = columns
        for i, card in enumerate(self.kpis.values()):
            card.grid(row=i // columns, column=i % columns, sticky="nsew", padx=4, pady=(0, 8 if i < columns else 0))
        for i in range(len(self.kpis)):
            frame.grid_columnconfigure(i, weight=1 if i < columns else 0, uniform="kpi" if i < columns else "")

    def on_show(self) -> None:
        if not self.allowed:
            return
        self.visible = True
        if not self.refreshing and (self.snapshot is None or self._stale
                                    or time.monotonic() - self.snapshot.fetched_at > STALE_AFTER_S):
            self.refresh()
        self._arm_timer()

    def on_hide(self) -> None:
        self.visible = False
        if self._debounce is not None:
            self.after_cancel(self._debounce)
            self._debounce = None
        if self._timer is not None:
            self.after_cancel(self._timer)
            self._timer = None

    def destroy(self):
        if self._unsubscribe:
            self._unsubscribe()
        ctk.AppearanceModeTracker.remove(self._mode_changed)
        super().destroy()

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self.after_cancel(self._timer)
        self._timer = self.after(self.refresh_ms, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self.visible:
            self.refresh()
            self._arm_timer()

    def _sales_changed(self) -> None:
        self._stale = True
        if not self.visible:            # hidden (or built ahead, never shown): on_show refreshes
            return
        if self._debounce is not None:
            self.after_cancel(self._debounce)
        self._debounce = self.after(SALE_DEBOUNCE_MS, self._after_sale)

    def _after_sale(self) -> None:
        self._debounce = None
        self.refresh()

    # ------------------------------------------------------------ refresh

    def refresh(self) -> None:
        """Fetch the numbers in the background and show them, then the charts; never two at once."""
        if self.refreshing:
            self._again = True
            return
        self.refreshing = True
        self._again = False
        self._stale = False
        self.refresh_btn.configure(state="disabled")
        self.status.info("Updating…")
        period = self.period.get()
        db, actor = self.ctx.db, self.ctx.actor
        run_bg(self.ctx, lambda: fetch_snapshot(db, actor, period, False, with_figures=False),
               self._fetched, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.refreshing = False
        self.refresh_btn.configure(state="normal")
        self.status.error(error_text(exc))
        self._maybe_again()

    def _fetched(self, snap: Snapshot) -> None:
        """The numbers are back: show them now, then make the chart cards and start the charts."""
        if not self.winfo_exists():
            return
        self.snapshot = snap
        self._show_kpis(snap.kpis, snap)
        self.update_idletasks()                 # on screen now, before the cards' ticks keep Tk busy
        self.after(CHART_STEP_MS, self._make_cards)

    def _make_cards(self) -> None:
        """Make the chart cards a row (two cards) per tick, the first time; then build the charts."""
        if not self.winfo_exists():
            return
        if self._chart_specs is None:
            try:
                self._chart_specs = chart_specs()      # imports matplotlib (the shell warmed it up after login)
            except Exception as exc:  # noqa: BLE001 - no charts module: the KPIs still work
                self._chart_specs = []
                self.status.error(f"Charts unavailable: {error_text(exc)}")
        missing = [spec for spec in self._chart_specs if spec[0] not in self.cards]
        if missing:
            for key, title, _build in missing[:2]:
                i = len(self.cards)
                card = ChartCard(self.grid_frame, key, title, self.export_png)
                card.grid(row=i // 2, column=i % 2, sticky="nsew", padx=4, pady=4)
                self.cards[key] = card
            self.after(CHART_STEP_MS, self._make_cards)
            return
        self._start_figures()

    def _start_figures(self) -> None:
        """Build every chart in a deferred worker job, rasterised at each card's size."""
        snap = self.snapshot
        if not self.cards:
            self._finished()
            return
        self.update_idletasks()
        size = {key: card.chart_size() for key, card in self.cards.items()}   # each card its own size
        dark = theme.is_dark()

        def work():
            started = time.perf_counter()
            figures = build_figures(snap.data, dark, size)
            return figures, time.perf_counter() - started

        self.ctx.run_in_background(work, on_done=self._figures_ready, on_error=self._failed, deferred=True)

    def _figures_ready(self, result) -> None:
        if not self.winfo_exists():
            return
        figures, seconds = result
        self.snapshot.figures = figures
        self.snapshot.figure_seconds = seconds
        self._draw_queue = list(figures)
        self.after(CHART_STEP_MS, self._draw_next)

    def _draw_next(self) -> None:
        if not self.winfo_exists():
            return
        if self._draw_queue:
            key, _title, figure, renderer = self._draw_queue.pop(0)
            card = self.cards.get(key)
            if card is not None:
                card.show_figure(figure, renderer)
            self.after(CHART_STEP_MS, self._draw_next)
            return
        self._finished()

    def _finished(self) -> None:
        self.refreshing = False
        self.refresh_count += 1
        self.refresh_btn.configure(state="normal")
        snap = self.snapshot
        self.status.info(f"{snap.start:%d %b %Y} – {snap.end:%d %b %Y} · updated {clock.now():%H:%M:%S}")
        if self.on_refreshed:
            self.on_refreshed()
        self._maybe_again()

    def _maybe_again(self) -> None:
        if self._again:
            self._again = False
            self.after(10, self.refresh)

    def _show_kpis(self, k: Kpis, snap: Snapshot) -> None:
        self.kpis["Today"].set(whole_rupees(k.today_sales), f"{k.today_invoices:,} invoices")
        self.kpis["This month"].set(whole_rupees(k.month_sales), f"{k.month_invoices:,} invoices")
        self.kpis["Invoices"].set(f"{k.period_invoices:,}", f"{whole_rupees(k.period_sales)} in period")
        self.kpis["Average bill"].set(rupees(k.average_bill), snap.period.lower())
        self.kpis["Dues outstanding"].set(whole_rupees(k.dues_outstanding), "all customers")
        self.kpis["Low stock"].set(f"{k.low_stock}+" if k.low_stock_capped else f"{k.low_stock}",
                                   "at or below reorder level")

    # ------------------------------------------------------------ export

    def export_png(self, key: str) -> None:
        card = self.cards.get(key)
        if card is None or card.figure is None:
            self.status.error("That chart has not been drawn yet.")
            return
        path = Dialogs.save_path(self, title="Save chart as PNG", default=f"{key}.png", types=[("PNG image", "*.png")])
        if path:
            self.save_png(key, path)

    def save_png(self, key: str, path: str) -> None:
        card = self.cards[key]
        buf = io.BytesIO()
        card.figure.savefig(buf, format="png", dpi=150, facecolor=card.figure.get_facecolor())
        try:
            files.write_file(path, buf.getvalue(), force=True)    # the save dialog asked before replacing
        except BillbookError as exc:
            self.status.error(str(exc))
            return
        self.status.ok(f"Saved {path}")
