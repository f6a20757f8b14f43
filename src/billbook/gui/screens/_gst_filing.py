"""The Reports screen's "GST returns" panel: GSTR-1 (portal JSON, offline-tool CSV sheets),
GSTR-3B (PDF, CSV) and e-invoice JSON for a chosen period.

"Prepare" builds both returns in the background (``ctx.run_in_background``) with a progress
bar, then shows the check summary — counts per section and the totals that must match the
sales report — before anything can be saved. Saving writes the prepared, schema-checked
documents. Self-contained: the screen only creates it in a tab (``GstFilingPanel(tab, ctx)``).
"""

from __future__ import annotations

import datetime as dt
import threading

import customtkinter as ctk

from billbook import clock
from billbook.gui import theme
from billbook.gui.forms import MUTED, Column, Dialogs, Form, Table, money, run_bg

SECTIONS = (("b2b", "B2B (4A)"), ("b2cl", "B2C large (5)"), ("b2cs", "B2C small (7)"), ("nil", "Nil rated (8)"),
            ("cdnr", "Credit notes B2B (9B)"), ("cdnur", "Credit notes B2CL (9B)"), ("net", "Net of notes"))


def previous_month(today: dt.date) -> str:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


class GstFilingPanel(ctk.CTkFrame):
    """Period, prepare (with progress), check summary, then save GSTR-1 / GSTR-3B / e-invoice."""

    def __init__(self, master, ctx):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.gstr1 = None
        self.gstr3b = None
        self._progress = (0.0, "")
        self._lock = threading.Lock()
        self._running = False
        self.grid_columnconfigure(1, weight=1)
        self.grid_rowconfigure(1, weight=1)

        left = ctk.CTkScrollableFrame(self, fg_color="transparent", width=206)   # scrolls on a 600-px window
        left.grid(row=0, column=0, rowspan=2, sticky="nsw", padx=(0, 14))
        f = self.form = Form(left, columns=1)
        f.pack(anchor="nw")
        f.add("period", "Period", width=150, hint="2026-11, or a quarter 2026-Q3")
        f["period"].set(previous_month(clock.today()))
        self.prepare_btn = ctk.CTkButton(left, text="Prepare returns", width=190, command=self.prepare)
        self.prepare_btn.pack(anchor="w", pady=(2, 6))
        self.bar = ctk.CTkProgressBar(left, width=190, mode="determinate")
        self.bar.set(0)
        self.bar.pack(anchor="w")
        self.progress_label = ctk.CTkLabel(left, text="", text_color=MUTED, anchor="w", width=190, wraplength=190,
                                           justify="left")
        self.progress_label.pack(anchor="w", pady=(2, 8))
        self.save_r1_json = ctk.CTkButton(left, text="GSTR-1 JSON…", width=190, command=self.ask_gstr1_json)
        self.save_r1_csv = ctk.CTkButton(left, text="GSTR-1 CSV sheets…", width=190, command=self.ask_gstr1_csv)
        self.save_3b_pdf = ctk.CTkButton(left, text="GSTR-3B PDF…", width=190, command=lambda: self.ask_gstr3b("pdf"))
        self.save_3b_csv = ctk.CTkButton(left, text="GSTR-3B CSV…", width=190, command=lambda: self.ask_gstr3b("csv"))
        for b in self.save_buttons:
            b.pack(anchor="w", pady=2)
            b.configure(state="disabled")
        e = self.einv_form = Form(left, columns=1)
        e.pack(anchor="nw", pady=(8, 0))
        e.add("number", "e-invoice for invoice no.", width=190, hint="a B2B tax invoice")
        self.einv_btn = ctk.CTkButton(left, text="e-invoice JSON…", width=190, command=self.ask_einvoice)
        self.einv_btn.pack(anchor="w", pady=2)

        self.title = ctk.CTkLabel(self, text="Check summary", font=theme.font(15, "bold"), anchor="w")
        self.title.grid(row=0, column=1, sticky="we", pady=(0, 4))
        right = ctk.CTkFrame(self, fg_color="transparent")
        right.grid(row=1, column=1, sticky="nsew")
        right.grid_columnconfigure(0, weight=1)
        right.grid_rowconfigure(1, weight=1)
        num = lambda k, t, w=104: Column(k, t, w, "e")  # noqa: E731
        self.sections = Table(right, [Column("section", "GSTR-1 section", 170, stretch=True), num("count", "Count", 70),
                                      num("taxable", "Taxable ₹", 118), num("tax", "Tax ₹")], height=8)
        self.sections.grid(row=0, column=0, sticky="nsew")
        self.summary = ctk.CTkTextbox(right, height=150, wrap="word", activate_scrollbars=True)
        self.summary.grid(row=1, column=0, sticky="nsew", pady=(8, 0))
        self.summary.insert("1.0", "Choose a period and press Prepare returns: the figures are checked against "
                                   "the sales report before you save anything.")
        self.summary.configure(state="disabled")
        self.verdict = ctk.CTkLabel(right, text="", anchor="w", font=theme.font(13, "bold"))
        self.verdict.grid(row=2, column=0, sticky="we", pady=(6, 0))

    @property
    def save_buttons(self):
        return (self.save_r1_json, self.save_r1_csv, self.save_3b_pdf, self.save_3b_csv)

    # ------------------------------------------------------------ prepare

    def _report_progress(self, fraction: float, text: str) -> None:
        """Called from the worker thread: only stores; the Tk thread reads it in :meth:`_tick`."""
        with self._lock:
            self._progress = (max(self._progress[0], fraction), text)

    def _tick(self) -> None:
        with self._lock:
            fraction, text = self._progress
        self.bar.set(fraction)
        self.progress_label.configure(text=text)
        if self._running:
            self.after(60, self._tick)

    def prepare(self) -> None:
        from billbook.services.insight import filing
        period = self.form["period"].get().strip()
        self.form.clear_errors()
        self.gstr1 = self.gstr3b = None
        for b in self.save_buttons:
            b.configure(state="disabled")
        self._progress = (0.0, "Starting…")
        self._running = True
        self.prepare_btn.configure(state="disabled")
        self._tick()
        db, actor = self.ctx.db, self.ctx.actor

        def work():
            r1 = filing.gstr1(db, actor, period, progress=lambda f, t: self._report_progress(f * 0.7, t))
            r3 = filing.gstr3b(db, actor, period,
                               progress=lambda f, t: self._report_progress(0.7 + f * 0.3, "GSTR-3B: " + t))
            return r1, r3

        run_bg(self.ctx, work, self._prepared, self._failed)

    def _failed(self, exc) -> None:
        self._running = False
        with self._lock:
            self._progress = (0.0, "")
        self.prepare_btn.configure(state="normal")
        self.bar.set(0)
        self.progress_label.configure(text="")
        self.form.show_error(exc)
        self.verdict.configure(text="Nothing to save.", text_color=theme.ERROR)

    def _prepared(self, result) -> None:
        self._running = False
        self.prepare_btn.configure(state="normal")
        self.gstr1, self.gstr3b = result
        with self._lock:
            self._progress = (1.0, "Ready: check the summary, then save.")
        self.bar.set(1)
        self.progress_label.configure(text=self._progress[1])
        s = self.gstr1.summary
        totals = self.gstr1.gstr1.totals
        self.title.configure(text=f"Check summary · {s.period.label} · return period {s.period.fp}")
        self.sections.set_rows([(key, (label, totals[key].count, money(totals[key].taxable), money(totals[key].tax)),
                                 totals[key]) for key, label in SECTIONS])
        lines = s.lines()
        three = self.gstr3b.gstr3b
        a = three.row("osup_det")
        lines.append(f"GSTR-3B 3.1(a): taxable {money(a.taxable)}, IGST {money(a.igst)}, CGST {money(a.cgst)}, "
                     f"SGST {money(a.sgst)}; 3.1(c) nil rated {money(three.row('osup_nil_exmp').taxable)}")
        lines.append("GSTR-3B 3.2 to unregistered persons: " + (", ".join(
            f"{r.pos}: {money(r.taxable)} (IGST {money(r.igst)})" for r in three.unregistered) or "none"))
        self.summary.configure(state="normal")
        self.summary.delete("1.0", "end")
        self.summary.insert("1.0", "\n".join(lines))
        self.summary.configure(state="disabled")
        ok = s.matches and self.gstr3b.summary.matches
        self.verdict.configure(text="Totals match the sales report." if ok else
                               "The totals do not match the sales report: check before filing.",
                               text_color=theme.OK if ok else theme.ERROR)
        for b in self.save_buttons:
            b.configure(state="normal")

    # ------------------------------------------------------------ save

    @staticmethod
    def choose_folder(parent, title: str) -> str | None:
        from tkinter import filedialog
        from billbook.gui.forms import documents_folder
        return filedialog.askdirectory(parent=parent, title=title, mustexist=False,
                                       initialdir=documents_folder()) or None

    def _save(self, fn, message: str) -> None:
        def done(path):
            self.form.status.ok(message.format(path=path))
        run_bg(self.ctx, fn, done, self.form.show_error, busy="Writing the return…")

    def ask_gstr1_json(self) -> None:
        if self.gstr1 and (path := Dialogs.save_path(
                self, title="Save GSTR-1 JSON", types=[("JSON", "*.json")],
                default=f"GSTR1_{self.gstr1.document['gstin']}_{self.gstr1.document['fp']}.json")):
            self.save_gstr1_json(path)

    def save_gstr1_json(self, path: str) -> None:
        export = self.gstr1
        self._save(lambda: export.write(path, force=True), "GSTR-1 JSON saved: {path}")   # the dialog asked

    def ask_gstr1_csv(self) -> None:
        if self.gstr1 and (folder := self.choose_folder(self, "Folder for the GSTR-1 CSV sheets")):
            self.save_gstr1_csv(folder)

    def save_gstr1_csv(self, folder: str) -> None:
        export = self.gstr1
        self._save(lambda: (export.write_csv(folder, force=True), folder)[1], "GSTR-1 CSV sheets saved in {path}")

    def ask_gstr3b(self, kind: str) -> None:
        if self.gstr3b and (path := Dialogs.save_path(
                self, title=f"Save GSTR-3B {kind.upper()}", types=[(kind.upper(), f"*.{kind}")],
                default=f"GSTR3B_{self.gstr3b.document['gstin']}_{self.gstr3b.document['ret_period']}.{kind}")):
            self.save_gstr3b(path)

    def save_gstr3b(self, path: str) -> None:
        export = self.gstr3b
        self._save(lambda: export.write(path, force=True), "GSTR-3B saved: {path}")   # the dialog asked

    def ask_einvoice(self) -> None:
        number = self.einv_form["number"].get().strip().upper()
        if not number:
            self.einv_form["number"].show_error("the invoice number, e.g. INV/26-27/000042")
            return
        path = Dialogs.save_path(self, title="Save the e-invoice JSON", types=[("JSON", "*.json")],
                                 default=f"einvoice_{number.replace('/', '-')}.json")
        if path:
            self.save_einvoice(number, path)

    def save_einvoice(self, number: str, path: str) -> None:
        from billbook.services.insight import filing
        db, actor = self.ctx.db, self.ctx.actor
        self.einv_form.clear_errors()

        def done(p):
            self.einv_form.status.ok(f"e-invoice JSON saved: {p}")
        run_bg(self.ctx, lambda: filing.einvoice(db, actor, number).write(path, force=True),   # the dialog asked
               done, self.einv_form.show_error, busy="Writing the e-invoice…")
