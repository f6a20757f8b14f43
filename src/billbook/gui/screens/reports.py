"""Reports: the day-end close (opening float, counted cash, difference, printable Z report) and
the GST summary for a period with CSV export. Figures come from ``services/insight/reports``.
"""

from __future__ import annotations

import datetime as dt

import customtkinter as ctk

from billbook import clock, files
from billbook.domain.calendar import parse_date
from billbook.domain.permissions import Permission
from billbook.gui import theme
from billbook.gui.forms import (
    MUTED, Column, Dialogs, Form, Table, header, money, rupees, run_bg,
)
from billbook.gui.registry import screen
from billbook.gui.widgets.fit import ElidedLabel
from billbook.services.insight import reports

MODE_NAMES = {"cash": "Cash", "upi": "UPI", "card": "Card", "netbanking": "Net banking", "credits": "Credits",
              "account": "On account"}


def _rate(r) -> str:
    return format(r.normalize(), "f")


@screen(key="reports", title="Reports", permission=Permission.CLOSE_DAY, order=50, shortcut="<Control-Key-5>")
class ReportsScreen(ctk.CTkFrame):
    """Day end for everyone who closes a till; the GST summary for admins."""

    def __init__(self, master, ctx):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.can_report = ctx.actor.can(Permission.VIEW_REPORTS)
        self.report = None
        self.gst = None
        header(self, "Reports", "day-end close, GST summary, GST returns").pack(fill="x", padx=20, pady=(16, 8))
        self.tabs = ctk.CTkTabview(self, anchor="nw", command=self._tab_changed)
        self.tabs.pack(fill="both", expand=True, padx=16, pady=(0, 16))
        self.tabs.add("Day end")
        self.tabs.add("GST summary")
        self._build_day(self.tabs.tab("Day end"))
        self._build_gst(self.tabs.tab("GST summary"))
        self._filing = None
        if self.can_report:             # GSTR-1 / GSTR-3B / e-invoice: its own panel, made on first use
            self.tabs.add("GST returns")

    @property
    def filing(self):
        """The "GST returns" panel (gui/screens/_gst_filing.py), built the first time it is wanted
        (its tab opened) so opening Reports stays quick; None for a role without GST reports."""
        if self._filing is None and self.can_report:
            from billbook.gui.screens._gst_filing import GstFilingPanel
            self._filing = GstFilingPanel(self.tabs.tab("GST returns"), self.ctx)
            self._filing.pack(fill="both", expand=True)
        return self._filing

    def _tab_changed(self) -> None:
        if self.tabs.get() == "GST returns":
            self.filing                 # noqa: B018 - builds the panel on the tab's first visit

    def screenshot_ready(self) -> None:
        """For the screenshot script: yesterday, all terminals, with a float and a count."""
        import datetime as _dt
        f = self.day_form
        f["date"].set((clock.today() - _dt.timedelta(days=1)).isoformat())
        f["terminal"].set("")
        f["opening_float"].set("2000")
        self.preview()

    def on_show(self) -> None:
        if self.can_report and self.report is None:
            self.preview()
        if getattr(self, "gst_form", None) is not None and getattr(self, "gst", None) is None:
            self.show_gst()           # the current month is there at once, or says it has no sales

    # ------------------------------------------------------------ day end

    def _build_day(self, tab) -> None:
        tab.grid_columnconfigure(1, weight=1)
        tab.grid_rowconfigure(0, weight=1)
        # the form scrolls on a low window (its hints take room)
        left = ctk.CTkScrollableFrame(tab, fg_color="transparent", width=224)
        left.grid(row=0, column=0, sticky="nsw", padx=(0, 12))
        f = self.day_form = Form(left, columns=1)
        f.pack(anchor="nw")
        f.add("date", "Business date", width=160)
        f.add("terminal", "Terminal", width=160)
        f.add("opening_float", "Opening float ₹", width=160, hint="cash in the drawer at opening")
        f.add("counted_cash", "Counted cash ₹", width=160, hint="cash in the drawer now")
        f.submit_with(self.preview)               # Enter previews; closing the day stays a deliberate click
        f["date"].set(clock.today().isoformat())
        f["terminal"].set(getattr(self.ctx, "terminal", "") or self.ctx.actor.terminal or "")
        if not self.ctx.actor.is_admin:
            f["terminal"].input.configure(state="disabled")
        buttons = ctk.CTkFrame(left, fg_color="transparent")
        buttons.pack(anchor="w", pady=(6, 0))
        self.preview_btn = ctk.CTkButton(buttons, text="Preview", width=90, command=self.preview,
                                         state="normal" if self.can_report else "disabled")
        self.preview_btn.pack(side="left")
        self.close_btn = ctk.CTkButton(buttons, text="Close the day", width=120, command=self.close_day,
                                       fg_color=theme.WARN, hover_color=("#7a4e00", "#c98f3a"))
        self.close_btn.pack(side="left", padx=6)
        self.pdf_btn = ctk.CTkButton(left, text="Z report PDF…", width=216, command=self.save_pdf,
                                     state="normal" if self.can_report else "disabled")
        self.pdf_btn.pack(anchor="w", pady=(6, 0))
        ctk.CTkLabel(left, text="Closing stores the Z report once;\na closed day cannot be closed again.",
                     text_color=MUTED, justify="left", anchor="w", font=ctk.CTkFont(size=12)).pack(anchor="w",
                                                                                                  pady=10)

        right = ctk.CTkFrame(tab)
        right.grid(row=0, column=1, sticky="nsew")
        right.grid_columnconfigure(0, weight=5, uniform="z")      # the Z lines get the larger half
        right.grid_columnconfigure(1, weight=4, uniform="z")
        right.grid_rowconfigure((1, 2), weight=1)
        self.z_title = ElidedLabel(right, text="Z report", font=theme.font(16, "bold"), anchor="w")
        self.z_title.grid(row=0, column=0, columnspan=2, sticky="we", padx=12, pady=(10, 4))
        # the figure stays longest; its label gives way to "…" (whole in the tooltip)
        self.z_lines = Table(right, [Column("item", "", 190, stretch=True, priority=110, min_width=64),
                                     Column("value", "₹", 120, "e", priority=120)],
                             height=5)
        self.z_lines.grid(row=1, column=0, rowspan=2, sticky="nsew", padx=(12, 6), pady=4)
        self.z_modes = Table(right, [Column("mode", "Mode", 84, stretch=True), Column("sales", "Sales", 80, "e"),
                                     Column("dues", "Dues", 66, "e"), Column("refunds", "Refunds", 86, "e"),
                                     Column("net", "Net", 82, "e")], height=4)
        self.z_modes.grid(row=1, column=1, sticky="nsew", padx=(6, 12), pady=4)
        # narrow: the rate and its taxable value stay, then CGST and IGST; SGST (= CGST) goes first
        self.z_rates = Table(right, [Column("rate", "GST %", 62, "e", priority=100),
                                     Column("taxable", "Taxable", 96, "e", priority=95),
                                     Column("cgst", "CGST", 76, "e", priority=90),
                                     Column("sgst", "SGST", 76, "e", priority=80),
                                     Column("igst", "IGST", 70, "e", priority=85)], height=3)
        self.z_rates.grid(row=2, column=1, sticky="nsew", padx=(6, 12), pady=(4, 12))
        self.cash_label = ctk.CTkLabel(right, text="", font=theme.font(15, "bold"), anchor="w", justify="left")
        self.cash_label.grid(row=3, column=0, columnspan=2, sticky="nw", padx=12, pady=(0, 8))

    def _day_args(self) -> dict:
        v = self.day_form.values()
        return {"day": parse_date(v["date"], "date"), "terminal": v["terminal"].strip() or None,
                "opening_float": v["opening_float"] or None, "counted_cash": v["counted_cash"] or None}

    def _run_day(self, fn, message: str | None) -> None:
        try:
            args = self._day_args()
        except Exception as exc:  # noqa: BLE001 - a ValidationError for the date field
            self.day_form.show_error(exc)
            return
        self.day_form.clear_errors()

        def done(rep):
            self.show_report(rep)
            if getattr(rep, "backup_warning", None):
                self.day_form.status.error(rep.backup_warning)
                self.ctx.notify(rep.backup_warning, "error")
            elif message:
                saved = f" Backed up to {rep.backup_path}." if getattr(rep, "backup_path", None) else ""
                self.day_form.status.ok(message.format(day=rep.business_date) + saved)
        run_bg(self.ctx, lambda: fn(self.ctx.db, self.ctx.actor, **args), done, self.day_form.show_error)

    def preview(self) -> None:
        self._run_day(reports.day_report, None)

    def close_day(self) -> None:
        self._run_day(reports.close_day, "Day {day} closed; the Z report is stored.")

    def show_report(self, rep) -> None:
        self.report = rep
        state = f"closed {rep.closed_at:%d-%m-%Y %H:%M} by {rep.closed_by}" if rep.closed else "open (preview)"
        self.z_title.configure(text=f"Z report · {rep.business_date:%d %b %Y} · {rep.terminal or 'all terminals'} · {state}")
        # the range on two rows: each number whole, even in a narrow window
        numbers = [("First number", rep.first_number), ("Last number", rep.last_number)] if rep.first_number \
            else [("Numbers", "—")]
        lines = [("Invoices", f"{rep.invoices:,}"), *numbers, ("Gross", money(rep.gross)),
                 ("Discounts", money(rep.discounts)), ("Taxable value", money(rep.taxable)),
                 ("Tax (CGST+SGST+IGST)", money(rep.tax)), ("Round off", money(rep.round_off)),
                 ("Sales total", money(rep.sales_total)), (f"Returns ({rep.returns})", money(rep.returns_total)),
                 ("Net sales", money(rep.net_sales))]
        self.z_lines.set_rows([(str(i), row, row) for i, row in enumerate(lines)])
        self.z_modes.set_rows([(m.mode, (MODE_NAMES.get(m.mode, m.mode), money(m.sales), money(m.dues),
                                         money(m.refunds), money(m.net)), m) for m in rep.by_mode])
        self.z_rates.set_rows([(str(r.rate), (_rate(r.rate), money(r.taxable), money(r.cgst), money(r.sgst),
                                              money(r.igst)), r) for r in rep.by_rate])
        text = f"Opening float  {rupees(rep.opening_float)}\nCash expected  {rupees(rep.cash_expected)}"
        color = ("gray10", "gray90")
        if rep.counted_cash is not None:
            diff = rep.difference
            word = "over" if diff > 0 else "short" if diff < 0 else "exact"
            text += f"\nCounted cash   {rupees(rep.counted_cash)}\nDifference     {rupees(diff)} ({word})"
            color = theme.OK if diff == 0 else theme.ERROR
        self.cash_label.configure(text=text, text_color=color)

    def save_pdf(self) -> None:
        path = Dialogs.save_path(self, title="Save the Z report", default=f"z-report-{self.day_form['date'].get()}.pdf",
                                 types=[("PDF", "*.pdf")])
        if path:
            self.save_pdf_to(path)

    def save_pdf_to(self, path: str) -> None:
        try:
            args = self._day_args()
        except Exception as exc:  # noqa: BLE001
            self.day_form.show_error(exc)
            return

        def work():
            data = reports.day_report_pdf(self.ctx.db, self.ctx.actor, **args)
            files.write_file(path, data, force=True)    # the save dialog asked before replacing
            return path

        def done(p):
            self.day_form.status.ok(f"Z report saved: {p}")
            if hasattr(self.ctx, "open_document"):
                self.ctx.open_document(p)
        run_bg(self.ctx, work, done, self.day_form.show_error, busy="Writing the Z report…")

    # ------------------------------------------------------------ GST summary

    def _build_gst(self, tab) -> None:
        if not self.can_report:
            ctk.CTkLabel(tab, text="The GST summary is for admins.", text_color=MUTED).pack(pady=40)
            self.gst_form = None
            return
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(2, weight=1)
        bar = ctk.CTkFrame(tab, fg_color="transparent")
        bar.grid(row=0, column=0, sticky="we")
        f = self.gst_form = Form(bar, columns=2, aliases={"start": "from", "end": "to"})
        f.pack(side="left")
        today = clock.today()
        f.add("from", "From", width=130)
        f.add("to", "To", width=130)
        f["from"].set(today.replace(day=1).isoformat())      # the current month so far
        f["to"].set(today.isoformat())
        f.submit_with(self.show_gst)
        ctk.CTkButton(bar, text="Show", width=80, command=self.show_gst).pack(side="left", anchor="n", pady=(26, 0))
        ctk.CTkButton(bar, text="Export CSV…", width=110, command=self.export_gst).pack(side="left", anchor="n",
                                                                                      padx=8, pady=(26, 0))
        self.gst_totals = ctk.CTkLabel(tab, text="", anchor="w", justify="left")
        self.gst_totals.grid(row=1, column=0, sticky="we", pady=(0, 4))
        self.gst_tabs = ctk.CTkTabview(tab, anchor="nw", height=360)
        self.gst_tabs.grid(row=2, column=0, sticky="nsew")
        for name in ("By rate", "B2B", "B2C", "HSN", "Credit notes"):
            self.gst_tabs.add(name)
        num = lambda k, t, w=100: Column(k, t, w, "e")  # noqa: E731
        self.gst_rate = Table(self.gst_tabs.tab("By rate"), [num("rate", "GST %", 70), num("taxable", "Taxable ₹", 130),
                                                             num("cgst", "CGST ₹"), num("sgst", "SGST ₹"),
                                                             num("igst", "IGST ₹"), num("tax", "Tax ₹", 110)], height=8)
        self.gst_b2b = Table(self.gst_tabs.tab("B2B"), [Column("gstin", "GSTIN", 150), Column("customer", "Customer", 160),
                                                        Column("number", "Invoice", 130), Column("date", "Date", 90),
                                                        num("rate", "GST %", 60), num("taxable", "Taxable ₹"),
                                                        num("tax", "Tax ₹", 90), num("value", "Invoice ₹")], height=8)
        self.gst_b2c = Table(self.gst_tabs.tab("B2C"), [Column("pos", "Place of supply", 200),
                                                        Column("inter", "Inter-state", 90), num("rate", "GST %", 60),
                                                        num("taxable", "Taxable ₹", 120), num("cgst", "CGST ₹"),
                                                        num("sgst", "SGST ₹"), num("igst", "IGST ₹")], height=8)
        self.gst_hsn = Table(self.gst_tabs.tab("HSN"), [Column("hsn", "HSN", 90), Column("uqc", "UQC", 60),
                                                        num("rate", "GST %", 60), num("qty", "Qty", 90),
                                                        num("value", "Value ₹", 110), num("taxable", "Taxable ₹", 110),
                                                        num("cgst", "CGST ₹"), num("sgst", "SGST ₹"),
                                                        num("igst", "IGST ₹")], height=8)
        self.gst_cn = Table(self.gst_tabs.tab("Credit notes"), [Column("number", "Note", 130), Column("date", "Date", 90),
                                                                Column("invoice", "Invoice", 130),
                                                                Column("customer", "Customer", 150),
                                                                num("rate", "GST %", 60), num("taxable", "Taxable ₹"),
                                                                num("value", "Note ₹")], height=8)
        for t in (self.gst_rate, self.gst_b2b, self.gst_b2c, self.gst_hsn, self.gst_cn):
            t.pack(fill="both", expand=True)

    def _gst_range(self) -> tuple[dt.date, dt.date]:
        v = self.gst_form.values()
        return parse_date(v["from"], "from"), parse_date(v["to"], "to")

    def show_gst(self) -> None:
        try:
            start, end = self._gst_range()
        except Exception as exc:  # noqa: BLE001
            self.gst_form.show_error(exc)
            return
        self.gst_form.clear_errors()
        run_bg(self.ctx, lambda: reports.gst_summary(self.ctx.db, self.ctx.actor, start, end), self._show_gst,
               self.gst_form.show_error, busy="Computing the GST summary…")

    def _show_gst(self, g) -> None:
        from billbook.domain.gst import state_name
        self.gst = g
        taxable = sum((r.taxable for r in g.net_by_rate), 0)
        tax = sum((r.tax for r in g.net_by_rate), 0)
        if not g.invoices and not g.credit_notes:
            self.gst_totals.configure(text=f"{g.start:%d %b %Y} – {g.end:%d %b %Y} · no sales in this period "
                                           "(nothing to report; choose other dates above)")
        else:
            self.gst_totals.configure(text=f"{g.start:%d %b %Y} – {g.end:%d %b %Y} · {g.invoices:,} invoices · net "
                                           f"taxable {rupees(taxable)} · net tax {rupees(tax)} · "
                                           f"{len(g.credit_notes)} credit-note line(s)")
        self.gst_rate.set_rows([(str(i), (_rate(r.rate), money(r.taxable), money(r.cgst), money(r.sgst), money(r.igst),
                                          money(r.tax)), r) for i, r in enumerate(g.net_by_rate)])
        self.gst_b2b.set_rows([(str(i), (b.gstin, b.customer, b.number, f"{b.date:%d-%m-%Y}", _rate(b.rate),
                                         money(b.taxable), money(b.cgst + b.sgst + b.igst), money(b.invoice_value)), b)
                               for i, b in enumerate(g.b2b)])
        self.gst_b2c.set_rows([(str(i), (f"{r.place_of_supply} {state_name(r.place_of_supply)}",
                                         "yes" if r.inter_state else "no", _rate(r.rate), money(r.taxable),
                                         money(r.cgst), money(r.sgst), money(r.igst)), r) for i, r in enumerate(g.b2c)])
        self.gst_hsn.set_rows([(str(i), (h.hsn or "—", h.uqc, _rate(h.rate), format(h.qty.normalize(), "f"),
                                         money(h.total_value), money(h.taxable), money(h.cgst), money(h.sgst),
                                         money(h.igst)), h) for i, h in enumerate(g.hsn)])
        self.gst_cn.set_rows([(str(i), (c.number, f"{c.date:%d-%m-%Y}", c.invoice_number, c.customer, _rate(c.rate),
                                        money(c.taxable), money(c.note_value)), c) for i, c in enumerate(g.credit_notes)])

    def export_gst(self) -> None:
        try:
            start, end = self._gst_range()
        except Exception as exc:  # noqa: BLE001
            self.gst_form.show_error(exc)
            return
        path = Dialogs.save_path(self, title="Export the GST summary", default=f"gst-{start}-{end}.csv",
                                 types=[("CSV", "*.csv")])
        if path:
            self.export_gst_to(path)

    def export_gst_to(self, path: str) -> None:
        start, end = self._gst_range()

        def work():
            g = reports.gst_summary(self.ctx.db, self.ctx.actor, start, end)
            files.write_file(path, reports.gst_csv(g), encoding="utf-8-sig", force=True, private=True)
            return g

        def done(g):
            self._show_gst(g)
            self.gst_form.status.ok(f"Exported to {path}")
        run_bg(self.ctx, work, done, self.gst_form.show_error, busy="Exporting the GST summary…")

