"""Past invoices: search by number, date or customer; view; reprint; PDF; returns (credit notes).

Keys: Ctrl+F search box, ↑ ↓ choose, Enter open the PDF, Ctrl+P reprint (marked DUPLICATE),
Ctrl+R return items of the selected invoice.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import customtkinter as ctk

from billbook.domain.money import MoneyError, format_number, parse_qty, qty_str
from billbook.domain.permissions import Permission
from billbook.gui import theme
from billbook.gui.context import AppContext, plain_error
from billbook.gui.registry import screen
from billbook.gui.widgets.money_entry import clear_entry
from billbook.gui.widgets.table import Column, Table

PAGE = 200
REFUNDS = {"cash": "Cash", "original": "Original mode", "credits": "Store credits", "dues": "Reduce dues"}


def _r(value: Decimal) -> str:
    text = format_number(value)
    return f"−₹{text[1:]}" if text.startswith("-") else f"₹{text}"


def invoice_text(inv) -> str:
    """A plain-text view of an invoice for the detail pane (figures as issued)."""
    w = 50
    out = [f"{inv.number}    {inv.issued_at:%d %b %Y %H:%M}",
           f"Cashier {inv.cashier} · terminal {inv.terminal}",
           f"Customer: {inv.customer.name} ({inv.customer.phone})" if inv.customer else "Walk-in customer",
           "-" * w]
    for ln in inv.lines:
        ret = f"  (returned {qty_str(ln.returned_qty)})" if ln.returned_qty else ""
        out.append(f"{ln.line_no:>2}. {ln.name[:44]}{ret}")
        out.append(f"  {qty_str(ln.qty):>6} {ln.unit:<4}× {format_number(ln.unit_price):>9}"
                   f"  GST {format(ln.gst_rate.normalize(), 'f'):>3}% {format_number(ln.total):>{w - 36}}")
    out.append("-" * w)
    rows = [("Taxable value", inv.taxable_total)]
    if inv.discount_total:
        rows.insert(0, ("Discount", -inv.discount_total))
    if inv.igst:
        rows.append(("IGST", inv.igst))
    else:
        rows += [("CGST", inv.cgst), ("SGST", inv.sgst)]
    rows += [("Round off", inv.round_off), ("Grand total", inv.grand_total)]
    out += [f"{label:<20}{_r(value):>{w - 20}}" for label, value in rows]
    out.append("")
    for p in inv.payments:
        ref = f"  ref {p.reference}" if p.reference else ""
        out.append(f"Paid {p.mode:<15}{_r(p.amount):>{w - 20}}{ref}")
    if inv.change:
        out.append(f"{'Change':<20}{_r(inv.change):>{w - 20}}")
    if inv.due:
        out.append(f"{'On account (due)':<20}{_r(inv.due):>{w - 20}}")
    if inv.status != "issued":
        out.append(f"Status: {inv.status}")
    return "\n".join(out)


def _warm_up() -> None:
    """Import the printing services ahead of the first show (the first selected invoice asks
    them about a failed print; ~100 ms of imports that would otherwise hold the Tk thread)."""
    from billbook.services.selling import printing  # noqa: F401


@screen(key="invoices", title="Invoices", permission=Permission.VIEW_INVOICES, order=20, shortcut="<Control-i>",
        prepare=_warm_up)
class InvoicesScreen(ctk.CTkFrame):
    def __init__(self, master, ctx: AppContext):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.rows: list = []
        self.detail = None
        self._pending_return = False
        self.overlay = None
        self.grid_columnconfigure(0, weight=1)
        self.grid_columnconfigure(1, weight=0, minsize=400)
        self.grid_rowconfigure(1, weight=1)
        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.grid(row=0, column=0, columnspan=2, sticky="ew")
        # the count first on the right, then the search box takes what the dates and button leave
        self.count_label = ctk.CTkLabel(bar, text="", font=theme.font(12), text_color=theme.MUTED)
        self.count_label.pack(side="right", padx=(10, 0))
        self.search = ctk.CTkEntry(bar, placeholder_text="Invoice number, customer name or phone  (Ctrl+F)",
                                   width=180, height=36, font=theme.font(14))
        self.search.pack(side="left", fill="x", expand=True)
        ctk.CTkLabel(bar, text="From", font=theme.font(12)).pack(side="left", padx=(14, 4))
        self.date_from = ctk.CTkEntry(bar, placeholder_text="YYYY-MM-DD", width=120, height=36, font=theme.font(13))
        self.date_from.pack(side="left")
        ctk.CTkLabel(bar, text="To", font=theme.font(12)).pack(side="left", padx=(10, 4))
        self.date_to = ctk.CTkEntry(bar, placeholder_text="YYYY-MM-DD", width=120, height=36, font=theme.font(13))
        self.date_to.pack(side="left")
        ctk.CTkButton(bar, text="Search", width=90, height=36, command=self.refresh).pack(side="left", padx=(10, 0))

        self.table = Table(self, [
            # narrow: the number, customer and total stay; the date and due give way (both in the detail)
            Column("number", "Number", 170, priority=95, min_width=172),
            Column("date", "Date", 135, priority=60, min_width=125),
            Column("customer", "Customer", 120, stretch=True, priority=100, min_width=100),
            Column("total", "Total ₹", 100, "e", priority=90), Column("due", "Due ₹", 75, "e", priority=50),
        ], height=16, command=lambda _iid: self.open_pdf(), select_command=self._selected)
        self.table.grid(row=1, column=0, sticky="nsew", pady=(10, 0))

        side = ctk.CTkFrame(self, corner_radius=10)
        side.grid(row=1, column=1, sticky="nsew", padx=(12, 0), pady=(10, 0))
        side.grid_rowconfigure(0, weight=1)
        side.grid_columnconfigure((0, 1), weight=1)
        self.text = ctk.CTkTextbox(side, font=ctk.CTkFont(family="DejaVu Sans Mono", size=12), wrap="none",
                                   fg_color="transparent")
        self.text.grid(row=0, column=0, columnspan=2, sticky="nsew", padx=8, pady=8)
        self.text.insert("1.0", "Choose an invoice on the left.")
        self.text.configure(state="disabled")
        buttons = [("Open PDF  (Enter)", self.open_pdf), ("Reprint  (Ctrl+P)", self.reprint),
                   ("80 mm receipt", lambda: self.open_pdf(receipt=True)), ("Save PDF as…", self.save_as),
                   ("Return items…  (Ctrl+R)", self.start_return_selected)]
        for i, (label, cmd) in enumerate(buttons):
            ctk.CTkButton(side, text=label, height=34, font=theme.font(13),
                          fg_color=theme.ACCENT if i == 0 else "transparent", border_width=0 if i == 0 else 1,
                          text_color=("white", "white") if i == 0 else ("gray10", "gray90"), command=cmd).grid(
                row=1 + i // 2, column=i % 2, columnspan=2 if i == 4 else 1, sticky="ew",
                padx=(8 if i % 2 == 0 else 4, 4 if i % 2 == 0 and i != 4 else 8), pady=(0, 8))
        self._build_print_row(side, row=4)
        self.search.bind("<Return>", lambda _e: self.refresh())
        self.date_from.bind("<Return>", lambda _e: self.refresh())
        self.date_to.bind("<Return>", lambda _e: self.refresh())
        self.search.bind("<Down>", lambda _e: (self.table.tree.focus_set(), self.table.move(+1), "break")[-1])
        for seq, fn in (("<Control-f>", self.focus_search), ("<Control-p>", self.reprint),
                        ("<Control-r>", self.start_return_selected), ("<Escape>", self.close_overlay)):
            ctx.bind_key(self, seq, fn)

    # ------------------------------------------------------------------ shell hooks
    def on_show(self) -> None:
        self.refresh()
        self.focus_search()

    def focus_search(self) -> None:
        self.search.focus_set()

    # ------------------------------------------------------------------ list
    def refresh(self, then=None) -> None:
        from billbook.services.selling import checkout as sales
        ctx = self.ctx
        text = self.search.get().strip()
        d_from, d_to = self.date_from.get().strip() or None, self.date_to.get().strip() or None

        def done(rows) -> None:
            self.rows = rows
            self.table.set_rows([(r.number, (r.number, f"{r.issued_at:%d-%m-%y %H:%M}",
                                             r.customer_name or r.customer_phone or "Walk-in",
                                             format_number(r.grand_total), format_number(r.due) if r.due else ""))
                                 for r in rows], keep_selection=True)
            more = f"  (newest {PAGE})" if len(rows) >= PAGE else ""
            self.count_label.configure(text=f"{len(rows)} invoice{'s' if len(rows) != 1 else ''}{more}")
            if rows and self.table.selected() is None:
                self.table.select(rows[0].number)
            if then:
                then()

        ctx.run_in_background(lambda: sales.list_invoices(ctx.db, ctx.actor, d_from, d_to, search=text or None,
                                                          limit=PAGE),
                              on_done=done, busy="Finding invoices…")

    def _selected(self, number: str | None) -> None:
        if not number:
            return
        from billbook.services.selling import checkout as sales
        ctx = self.ctx

        self._show_failed_job(number)

        def done(inv) -> None:
            if self.table.selected() != inv.number:
                return
            self.detail = inv
            self.text.configure(state="normal")
            self.text.delete("1.0", "end")
            self.text.insert("1.0", invoice_text(inv))
            self.text.configure(state="disabled")
            if self._pending_return:
                self._pending_return = False
                self.return_dialog(inv)

        ctx.run_in_background(lambda: sales.get_invoice(ctx.db, ctx.actor, number), on_done=done)

    def selected_number(self) -> str | None:
        return self.table.selected()

    # ------------------------------------------------------------------ documents
    def open_pdf(self, receipt: bool = False) -> None:
        number = self.selected_number()
        if not number:
            self.ctx.notify("Choose an invoice first.", "info")
            return
        from billbook.services.selling import documents
        ctx = self.ctx
        ctx.run_in_background(
            lambda: documents.invoice_pdf_result(ctx.db, ctx.actor, number, receipt=receipt, count_print=False).path,
            on_done=ctx.open_document, busy="Making the PDF…")

    def reprint(self) -> None:
        number = self.selected_number()
        if not number:
            self.ctx.notify("Choose an invoice first.", "info")
            return
        from billbook.services.selling import documents
        ctx = self.ctx
        receipt = ctx.shop.print_format == "receipt"

        def done(path) -> None:
            ctx.notify(f"Reprinted {number} (marked DUPLICATE): {path}", "ok")
            ctx.open_document(path, print_it=False)

        ctx.run_in_background(lambda: documents.invoice_pdf(ctx.db, ctx.actor, number, receipt=receipt),
                              on_done=done, busy="Making the PDF…")

    def save_as(self) -> None:
        number = self.selected_number()
        if not number:
            self.ctx.notify("Choose an invoice first.", "info")
            return
        from tkinter import filedialog

        from billbook.gui.forms import documents_folder
        target = filedialog.asksaveasfilename(parent=self, defaultextension=".pdf",
                                              initialfile=number.replace("/", "-") + ".pdf",
                                              filetypes=[("PDF", "*.pdf")], initialdir=documents_folder())
        if target:
            self.save_pdf_to(number, Path(target))

    def save_pdf_to(self, number: str, target: Path) -> None:
        from billbook.services.selling import documents
        ctx = self.ctx
        ctx.run_in_background(
            lambda: documents.invoice_pdf_result(ctx.db, ctx.actor, number, out=target, count_print=False).path,
            on_done=lambda path: ctx.notify(f"Saved {number} to {path}", "ok"), busy="Making the PDF…")

    # ------------------------------------------------------------------ printers (issue 18)
    def _build_print_row(self, side, row: int) -> None:
        """Print on this terminal's printers, and retry a print job that failed (printer offline,
        paper out); the reason a job failed shows here, in its own place."""
        bar = ctk.CTkFrame(side, fg_color="transparent")
        bar.grid(row=row, column=0, columnspan=2, sticky="ew", padx=8, pady=(0, 8))
        bar.grid_columnconfigure((0, 1), weight=1)
        self.print_receipt_btn = ctk.CTkButton(bar, text="Print receipt", height=30, font=theme.font(12),
                                               fg_color="transparent", border_width=1,
                                               text_color=("gray10", "gray90"),
                                               command=lambda: self.print_on_printer("receipt"))
        self.print_receipt_btn.grid(row=0, column=0, sticky="ew", padx=(0, 4))
        self.print_a4_btn = ctk.CTkButton(bar, text="Print A4", height=30, font=theme.font(12),
                                          fg_color="transparent", border_width=1, text_color=("gray10", "gray90"),
                                          command=lambda: self.print_on_printer("a4"))
        self.print_a4_btn.grid(row=0, column=1, sticky="ew", padx=(4, 0))
        self.retry_btn = ctk.CTkButton(bar, text="Retry failed print", height=30, font=theme.font(12),
                                       command=self.retry_print)
        self.print_note = ctk.CTkLabel(bar, text="", anchor="w", justify="left", font=theme.font(11),
                                       text_color=theme.ERROR, wraplength=400)
        self.print_note.grid(row=2, column=0, columnspan=2, sticky="w")
        self.failed_job = None

    def _show_failed_job(self, number: str) -> None:
        from billbook.services.selling import printing
        ctx = self.ctx

        def done(job) -> None:
            if self.table.selected() != number:
                return
            self.failed_job = job
            if job is None:
                self.retry_btn.grid_forget()
                self.print_note.configure(text="")
            else:
                self.retry_btn.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(6, 0))
                self.print_note.configure(text=f"Print job {job.id} ({job.kind}) failed: {job.error}")

        ctx.run_in_background(lambda: printing.failed_job_for(ctx.db, ctx.actor, number), on_done=done)

    def _print_done(self, number: str, result) -> None:
        if result.ok:
            self.ctx.notify(result.message, "ok")
        else:
            self.ctx.notify(result.message, "warn")
        self._show_failed_job(number)

    def print_on_printer(self, kind: str) -> None:
        """Send the selected invoice to this terminal's receipt or A4 printer (a reprint says DUPLICATE)."""
        number = self.selected_number()
        if not number:
            self.ctx.notify("Choose an invoice first.", "info")
            return
        from billbook.devices import PrinterError
        from billbook.services.selling import printing
        ctx = self.ctx

        def failed(exc) -> None:
            if isinstance(exc, PrinterError) and exc.reason == "not_set":
                self.print_note.configure(text=str(exc))
            else:
                ctx.notify(plain_error(exc), "warn")

        ctx.run_in_background(lambda: printing.print_invoice(ctx.db, ctx.actor, number, kind=kind,
                                                             terminal=ctx.terminal or None),
                              on_done=lambda r: self._print_done(number, r), on_error=failed)

    def retry_print(self) -> None:
        number, job = self.selected_number(), self.failed_job
        if not number or job is None:
            return
        from billbook.services.selling import printing
        ctx = self.ctx
        ctx.run_in_background(lambda: printing.retry_job(ctx.db, ctx.actor, job.id),
                              on_done=lambda r: self._print_done(number, r),
                              on_error=lambda exc: ctx.notify(plain_error(exc), "warn"))

    def _drawer_for_refund(self, cn) -> None:
        """A refund paid in cash opens the drawer (when this terminal's receipt printer has one)."""
        if not any(p.mode == "cash" and p.amount for p in getattr(cn, "refunds", ())):
            return
        from billbook.services.selling import printing
        ctx = self.ctx

        def done(result) -> None:
            if result is not None and not result.ok:
                self.print_note.configure(text=result.message)

        ctx.run_in_background(lambda: printing.drawer_for_refund(ctx.db, ctx.actor, cn.number,
                                                                 terminal=ctx.terminal or None),
                              on_done=done, on_error=lambda exc: self.print_note.configure(text=plain_error(exc)))

    # ------------------------------------------------------------------ returns
    def start_return(self, number: str = "", approval=None) -> None:
        """From the counter (F6): find ``number`` (or let the cashier type one) and open the return form.

        ``approval``: an admin's approval given at the counter (a cashier the shop does not allow
        to take returns); it goes with the next credit note issued here."""
        self._approval = approval
        clear_entry(self.search)
        if number:
            self.search.insert(0, number)
            self._pending_return = True
            self.table.select(None)
            self.refresh()
        else:
            self.ctx.notify("Type the invoice number and press Enter, then Ctrl+R to return items.", "info")
        self.focus_search()

    def start_return_selected(self) -> None:
        if self.detail is None or self.detail.number != self.selected_number():
            self.ctx.notify("Choose an invoice first.", "info")
            return
        self.return_dialog(self.detail)

    def close_overlay(self) -> None:
        if self.overlay is not None:
            self.overlay.destroy()
            self.overlay = None
            self.focus_search()

    def return_dialog(self, inv) -> None:
        self.close_overlay()
        ov = ctk.CTkFrame(self, corner_radius=12, border_width=2, border_color=theme.ACCENT)
        ctk.CTkLabel(ov, text=f"Return items of {inv.number}", font=theme.font(16, "bold"), anchor="w").pack(
            fill="x", padx=16, pady=(12, 2))
        ctk.CTkLabel(ov, text="Quantity to return per line (empty = none). Enter issues the credit note, Esc cancels.",
                     font=theme.font(11), text_color=theme.MUTED, anchor="w").pack(fill="x", padx=16)
        grid = ctk.CTkScrollableFrame(ov, height=min(260, 40 * len(inv.lines) + 40), fg_color="transparent")
        grid.pack(fill="both", expand=True, padx=12, pady=(6, 0))
        grid.grid_columnconfigure(0, weight=1)
        for c, (head, anchor) in enumerate((("Item", "w"), ("Sold", "e"), ("Returned", "e"), ("Return now", "e"))):
            ctk.CTkLabel(grid, text=head, font=theme.font(12, "bold"), anchor=anchor).grid(
                row=0, column=c, sticky="ew", padx=6)
        entries: list[tuple[object, ctk.CTkEntry]] = []
        for r, ln in enumerate(inv.lines, 1):
            left = ln.qty - ln.returned_qty
            ctk.CTkLabel(grid, text=ln.name, anchor="w", font=theme.font(13)).grid(row=r, column=0, sticky="ew", padx=6)
            ctk.CTkLabel(grid, text=qty_str(ln.qty), anchor="e", font=theme.font(13)).grid(row=r, column=1, sticky="e",
                                                                                          padx=6)
            ctk.CTkLabel(grid, text=qty_str(ln.returned_qty), anchor="e", font=theme.font(13)).grid(
                row=r, column=2, sticky="e", padx=6)
            e = ctk.CTkEntry(grid, width=90, justify="right", font=theme.font(13),
                             placeholder_text=f"max {qty_str(left)}" if left > 0 else "—")
            if left <= 0:
                e.configure(state="disabled")
            e.grid(row=r, column=3, sticky="e", padx=6, pady=2)
            entries.append((ln, e))
        opts = ctk.CTkFrame(ov, fg_color="transparent")
        opts.pack(fill="x", padx=16, pady=(8, 0))
        ctk.CTkLabel(opts, text="Refund as", font=theme.font(12)).pack(side="left")
        refund = ctk.CTkSegmentedButton(opts, values=list(REFUNDS.values()), font=theme.font(12))
        refund.set(REFUNDS["cash"])
        refund.pack(side="left", padx=(8, 0))
        reason = ctk.CTkEntry(ov, placeholder_text="Reason (optional)", height=32, font=theme.font(13))
        reason.pack(fill="x", padx=16, pady=(8, 0))
        err = ctk.CTkLabel(ov, text="", text_color=theme.ERROR, anchor="w", font=theme.font(12), wraplength=600)
        err.pack(fill="x", padx=16)
        request_id = uuid.uuid4().hex      # one per form: a retry never issues two credit notes

        def submit(_e=None) -> str:
            items = []
            for ln, e in entries:
                text = e.get().strip()
                if not text:
                    continue
                try:
                    items.append((ln.sku, parse_qty(text, field=f"{ln.name} quantity")))
                except MoneyError as exc:
                    err.configure(text=str(exc))
                    return "break"
            if not items:
                err.configure(text="Type how many of an item come back.")
                return "break"
            mode = next(k for k, v in REFUNDS.items() if v == refund.get())
            self._issue_return(inv.number, items, mode, reason.get(), request_id, err)
            return "break"

        for _ln, e in entries:
            e.bind("<Return>", submit)
        reason.bind("<Return>", submit)
        buttons = ctk.CTkFrame(ov, fg_color="transparent")
        buttons.pack(fill="x", padx=16, pady=(4, 14))
        ctk.CTkButton(buttons, text="Issue credit note  (Enter)", height=36, command=submit).pack(side="right")
        ctk.CTkButton(buttons, text="Cancel  (Esc)", height=36, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=self.close_overlay).pack(side="right", padx=8)
        ov.place(relx=0.5, rely=0.08, anchor="n", relwidth=0.7)
        ov.lift()
        self.overlay = ov
        first = next((e for ln, e in entries if ln.qty > ln.returned_qty), None)
        if first is not None:
            first.focus_set()

    def _issue_return(self, number, items, mode, reason, request_id, err) -> None:
        from billbook.services.selling import documents
        from billbook.services.selling import returns
        ctx = self.ctx
        approval = getattr(self, "_approval", None)

        def work():
            cn = returns.create_return(ctx.db, ctx.actor, number, items, refund_mode=mode, request_id=request_id,
                                       reason=reason, approval=approval)
            try:
                path = documents.credit_note_pdf(ctx.db, ctx.actor, cn.number)
            except Exception as exc:  # noqa: BLE001 - the credit note is saved; the PDF can be made later
                path = exc
            return cn, path

        def done(result) -> None:
            cn, path = result
            self.close_overlay()
            refund = "  ·  ".join(f"{p.mode} {_r(p.amount)}" for p in cn.refunds) or _r(cn.total)
            ctx.notify(f"Credit note {cn.number} issued for {_r(cn.total)} — refund {refund}.", "ok")
            if isinstance(path, Exception):
                ctx.notify(f"Credit note {cn.number} is saved, but its PDF could not be made: {plain_error(path)}",
                           "warn")
            else:
                ctx.open_document(path)
            ctx.notify_sales_changed()
            self._drawer_for_refund(cn)
            self.last_credit_note = cn
            self.table.select(None)
            self.refresh(then=lambda: self.table.select(number))

        ctx.run_in_background(work, on_done=done, on_error=lambda exc: err.configure(text=plain_error(exc)),
                              busy="Issuing the credit note…")
