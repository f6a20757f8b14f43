"""Customers: search by name or phone, a profile with purchase history, visits, credits and
dues; receive a dues payment; the dues statement (and its PDF); loyalty adjustments (admin).

Everything goes through ``services/people/customers``, ``services/selling/dues`` and ``services/selling/documents``.
"""

from __future__ import annotations

import datetime as dt
import uuid

import customtkinter as ctk

from billbook.domain.money import D
from billbook.domain.permissions import Permission
from billbook.gui import theme
from billbook.gui.forms import (
    MUTED, Column, Form, PagedTable, Table, error_text, header, money, rupees, run_bg,
)
from billbook.gui.registry import screen
from billbook.gui.widgets.fit import ElidedLabel, wrap_to_width
from billbook.services.people import customers
from billbook.services.selling import documents
from billbook.services.selling import dues

PAY_MODES = {"Cash": "cash", "UPI": "upi", "Card": "card", "Net banking": "netbanking"}

COLUMNS = [Column("phone", "Phone", 112), Column("name", "Name", 124, stretch=True),
           Column("visits", "Visits", 52, "e"), Column("dues", "Dues ₹", 82, "e"),
           Column("credits", "Credits", 66, "e")]


def _date(value: dt.datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.strftime("%d-%m-%Y")


@screen(key="customers", title="Customers", permission=Permission.VIEW_CUSTOMERS, order=40,
        shortcut="<Control-Key-3>")
class CustomersScreen(ctk.CTkFrame):
    """Search on the left; the selected customer's profile, purchases, dues and loyalty on the right."""

    def __init__(self, master, ctx):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.can_manage = ctx.actor.can(Permission.MANAGE_CUSTOMERS)
        self.can_receive = ctx.actor.can(Permission.RECEIVE_DUES)
        self.current = None            # CustomerInfo shown in the profile
        self._pay_request = None       # (phone, request id) of the dues payment being entered
        self._search_job = None
        header(self, "Customers", "search, profile, dues, loyalty").pack(fill="x", padx=20, pady=(16, 8))
        body = ctk.CTkFrame(self, fg_color="transparent")
        body.pack(fill="both", expand=True, padx=16, pady=(0, 16))
        body.grid_columnconfigure(0, weight=5, uniform="c")
        body.grid_columnconfigure(1, weight=6, uniform="c")
        body.grid_rowconfigure(1, weight=1)
        bar = ctk.CTkFrame(body, fg_color="transparent")
        bar.grid(row=0, column=0, sticky="we", pady=(0, 6))
        self.search = ctk.CTkEntry(bar, placeholder_text="Name or mobile number", width=140)
        self.search.bind("<KeyRelease>", self._schedule_search)
        self.search.bind("<Return>", lambda _e: self.table.reload())
        ctk.CTkButton(bar, text="New customer", width=120, command=self.new_customer).pack(side="right", padx=(8, 0))
        self.search.pack(side="left", fill="x", expand=True)
        self.table = PagedTable(body, ctx, COLUMNS, self._fetch, query=lambda: self.search.get().strip(),
                                page_size=40, height=18, on_select=lambda _iid: self.open_selected())
        self.table.grid(row=1, column=0, sticky="nsew")
        self._build_profile(body)

    def screenshot_ready(self) -> None:
        """For the screenshot script: open the first customer who owes something (else the first)."""
        rows = self.table.rows
        pick = next((k for k, c in rows.items() if c.dues > 0), next(iter(rows), None))
        if pick:
            self.table.select(pick)
            self.load(pick)

    def on_show(self) -> None:
        self.table.reload()
        self.search.focus_set()

    # ------------------------------------------------------------ search

    def _fetch(self, text: str, offset: int, limit: int):
        page = customers.search_customers(self.ctx.db, self.ctx.actor, text, limit=limit, offset=offset)
        rows = [(c.phone, (c.phone, c.name, c.visits, money(c.dues), money(c.credits)), c) for c in page.items]
        total = None if page.has_more else offset + len(page.items)
        return rows, total, {c.phone: ("bad",) for c in page.items if c.dues > 0}

    def _schedule_search(self, event=None) -> None:
        if event is not None and event.keysym in ("Up", "Down", "Return", "Tab"):
            return
        if self._search_job is not None:
            self.after_cancel(self._search_job)
        self._search_job = self.after(150, self.table.reload)

    # ------------------------------------------------------------ profile

    def _build_profile(self, body) -> None:
        panel = ctk.CTkFrame(body)
        panel.grid(row=0, column=1, rowspan=2, sticky="nsew", padx=(12, 0))
        top = ctk.CTkFrame(panel, fg_color="transparent")
        top.pack(fill="x", padx=14, pady=(10, 0))
        self.statement_btn = ctk.CTkButton(top, text="Statement PDF", width=120, height=28,
                                           command=self.statement_pdf, state="disabled")
        self.statement_btn.pack(side="right")
        self.title = ElidedLabel(top, text="Select a customer", font=theme.font(17, "bold"), anchor="w")
        self.title.pack(side="left", fill="x", expand=True)
        self.summary = wrap_to_width(ctk.CTkLabel(panel, text="", text_color=MUTED, anchor="w", justify="left"))
        self.summary.pack(fill="x", padx=14)
        self.tabs = ctk.CTkTabview(panel, anchor="nw")
        self.tabs.pack(fill="both", expand=True, padx=8, pady=(0, 8))
        for name in ("Profile", "Purchases", "Dues", "Loyalty"):
            self.tabs.add(name)

        profile = self.tabs.tab("Profile")
        self.save_btn = ctk.CTkButton(profile, text="Save", width=120, command=self.save)
        self.save_btn.pack(side="bottom", anchor="w", padx=4, pady=(4, 0))
        fields = ctk.CTkScrollableFrame(profile, fg_color="transparent")     # scrolls on a low window
        fields.pack(fill="both", expand=True)
        f = self.form = Form(fields, columns=2, aliases={"new_phone": "phone"})
        f.pack(anchor="nw", padx=4, pady=4)
        f.add("phone", "Mobile", width=140)
        f.add("name", "Name", width=170)
        f.add("email", "Email", width=140)
        f.add("gstin", "GSTIN (B2B)", width=170)
        f.add("state_code", "State code", width=80)
        f.add("address", "Address", kind="text", width=326, span=2)
        f.submit_with(self.save)       # Enter in a field saves

        purchases = self.tabs.tab("Purchases")
        self.history = Table(purchases, [Column("number", "Invoice", 140), Column("date", "Date", 100),
                                         Column("total", "Total ₹", 100, "e"), Column("due", "On account ₹", 100, "e"),
                                         Column("status", "Status", 80)], height=12)
        self.history.pack(fill="both", expand=True)

        tab = self.tabs.tab("Dues")
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(0, weight=1)
        self.dues_table = Table(tab, [Column("date", "Date", 95), Column("what", "Entry", 150, stretch=True),
                                      Column("delta", "Change ₹", 95, "e"), Column("balance", "Balance ₹", 95, "e")],
                                height=9)
        self.dues_table.grid(row=0, column=0, sticky="nsew")
        pay = ctk.CTkFrame(tab, fg_color="transparent")
        pay.grid(row=1, column=0, sticky="we", pady=(6, 0))
        self.pay_form = Form(pay, columns=3)
        self.pay_form.pack(anchor="nw")
        self.pay_form.add("amount", "Amount received ₹", width=110)
        self.pay_form.add("mode", "Paid by", kind="option", values=list(PAY_MODES), width=100)
        self.pay_form.add("reference", "Reference (UPI/card)", width=112)
        self.pay_form.submit_with(self.receive_payment)
        self.pay_btn = ctk.CTkButton(pay, text="Receive payment", width=140, command=self.receive_payment,
                                     state="normal" if self.can_receive else "disabled")
        self.pay_btn.pack(anchor="w")

        tab = self.tabs.tab("Loyalty")
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(0, weight=1)
        self.loyalty_table = Table(tab, [Column("date", "Date", 95), Column("reason", "Reason", 80),
                                         Column("note", "Note", 160, stretch=True), Column("delta", "Change", 80, "e"),
                                         Column("balance", "Balance", 80, "e")], height=9)
        self.loyalty_table.grid(row=0, column=0, sticky="nsew")
        adj = ctk.CTkFrame(tab, fg_color="transparent")
        adj.grid(row=1, column=0, sticky="we", pady=(6, 0))
        self.adjust_form = Form(adj, columns=2)
        self.adjust_form.pack(anchor="nw")
        self.adjust_form.add("delta", "Credits (+ add, − take)", width=130)
        self.adjust_form.add("reason", "Reason", width=200)
        self.adjust_form.submit_with(self.adjust_credits)
        self.adjust_btn = ctk.CTkButton(adj, text="Adjust credits", width=130, command=self.adjust_credits,
                                        state="normal" if self.can_manage else "disabled")
        self.adjust_btn.pack(anchor="w")
        if not self.can_manage:
            self.adjust_form.status.info("Only an admin can adjust credits.")

    def new_customer(self) -> None:
        self.current = None
        self.form.clear()
        self.title.configure(text="New customer")
        self.summary.configure(text="")
        self.save_btn.configure(text="Add customer")
        self.statement_btn.configure(state="disabled")
        self.tabs.set("Profile")
        for t in (self.history, self.dues_table, self.loyalty_table):
            t.set_rows([])
        self.form["phone"].focus()

    def open_selected(self) -> None:
        c = self.table.selected_obj()
        if c is not None:
            self.load(c.phone)

    def load(self, phone: str, then=None) -> None:
        db, actor = self.ctx.db, self.ctx.actor

        def fetch():
            return (customers.customer_history(db, actor, phone, limit=100), dues.dues_statement(db, actor, phone),
                    customers.loyalty_ledger(db, actor, phone))

        def done(result):
            self._show(result)
            if then is not None:
                then()
        run_bg(self.ctx, fetch, done, lambda e: self.form.status.error(error_text(e)))

    def _show(self, result) -> None:
        history, statement, loyalty = result
        c = self.current = history.customer
        self.title.configure(text=f"{c.name}  ·  {c.phone}")
        since = f", {history.days_since} days ago" if history.days_since is not None else ""
        self.summary.configure(
            text=f"Visits {history.visits:,} · last {_date(history.last_visit) or 'never'}{since} · "
                 f"spent {rupees(history.total_spent)} · credits {money(c.credits)} · dues {rupees(c.dues)}")
        self.form.clear_errors()
        self.form.set_values({"phone": c.phone, "name": c.name, "email": c.email, "gstin": c.gstin,
                              "state_code": c.state_code, "address": c.address})
        self.save_btn.configure(text="Save", state="normal" if self.can_manage else "disabled")
        self.statement_btn.configure(state="normal")
        self.history.set_rows([(i["number"], (i["number"], _date(i["date"]), money(D(i["total"])),
                                              money(D(i["due"])), i["status"]), i) for i in history.invoices])
        self.dues_table.set_rows([(str(n), (_date(e.at), f"{e.reason} {e.reference}".strip(), money(e.delta),
                                            money(e.balance_after)), e) for n, e in enumerate(statement.entries)])
        self.loyalty_table.set_rows([(str(n), (_date(e.at), e.reason, e.note, money(e.delta), money(e.balance_after)),
                                      e) for n, e in enumerate(loyalty)])
        if statement.balance > 0:
            self.pay_form["amount"].set(str(statement.balance))
        else:
            self.pay_form["amount"].set("")
        self.pay_form.status.info(f"Dues {rupees(statement.balance)} on {len(statement.open_invoices)} open invoice(s)."
                                  if statement.balance > 0 else "No dues.")

    # ------------------------------------------------------------ actions

    def save(self) -> None:
        v = self.form.values()
        db, actor = self.ctx.db, self.ctx.actor
        current = self.current
        self.form.clear_errors()
        if current is None:
            def call():
                info = customers.add_customer(db, actor, v["phone"], v["name"], state_code=v["state_code"] or None,
                                              gstin=v["gstin"] or None)
                if (v["email"] or v["address"]) and actor.can(Permission.MANAGE_CUSTOMERS):
                    info = customers.update_customer(db, actor, info.phone, email=v["email"], address=v["address"])
                return info
        else:
            def call():
                return customers.update_customer(db, actor, current.phone, name=v["name"], new_phone=v["phone"],
                                                 email=v["email"], gstin=v["gstin"], state_code=v["state_code"],
                                                 address=v["address"])

        def done(info):
            self.table.reload(reset=False)
            self.load(info.phone, then=lambda: self.form.status.ok(f"Saved {info.name}."))
        run_bg(self.ctx, call, done, self.form.show_error)

    def receive_payment(self) -> None:
        c = self.current
        if c is None:
            self.pay_form.status.error("Select a customer first.")
            return
        v = self.pay_form.values()
        self.pay_form.clear_errors()

        # one request id per payment being entered: a second click, or a retry after a lost
        # connection, returns the payment already recorded instead of taking it twice
        if self._pay_request is None or self._pay_request[0] != c.phone:
            self._pay_request = (c.phone, uuid.uuid4().hex)
        request_id = self._pay_request[1]

        def done(receipt):
            self._pay_request = None
            self.table.reload(reset=False)
            self.load(c.phone, then=lambda: self.pay_form.status.ok(
                f"Received {rupees(receipt.amount)} ({receipt.mode}); dues now {rupees(receipt.dues_after)}."))
            if hasattr(self.ctx, "notify_sales_changed"):
                self.ctx.notify_sales_changed()
        run_bg(self.ctx, lambda: dues.pay_dues(self.ctx.db, self.ctx.actor, c.phone, v["amount"],
                                               PAY_MODES.get(v["mode"], "cash"), v["reference"] or None,
                                               request_id=request_id),
               done, self.pay_form.show_error)

    def statement_pdf(self) -> None:
        """Render the selected customer's statement in the background, then open it."""
        c = self.current
        ctx = self.ctx
        if c is None:
            ctx.notify("Select a customer first.", "warn")
            return
        self.statement_btn.configure(state="disabled")

        def done(path):
            self.statement_btn.configure(state="normal")
            ctx.notify(f"Statement of {c.name} saved to {path}.", "ok")
            ctx.open_document(path)

        def failed(exc):
            self.statement_btn.configure(state="normal")
            ctx.notify(error_text(exc), "error")
        ctx.run_in_background(lambda: documents.customer_statement_pdf(ctx.db, ctx.actor, c.phone),
                              on_done=done, on_error=failed, busy="Writing the statement…")

    def adjust_credits(self) -> None:
        c = self.current
        if c is None:
            self.adjust_form.status.error("Select a customer first.")
            return
        v = self.adjust_form.values()
        self.adjust_form.clear_errors()

        def done(info):
            self.adjust_form.clear()
            self.load(info.phone, then=lambda: self.adjust_form.status.ok(
                f"Credits of {info.name} now {money(info.credits)}."))
        run_bg(self.ctx, lambda: customers.adjust_credits(self.ctx.db, self.ctx.actor, c.phone, v["delta"],
                                                          v["reason"]),
               done, self.adjust_form.show_error)


