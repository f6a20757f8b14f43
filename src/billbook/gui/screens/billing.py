"""The counter: keyboard-first billing.

Focus starts in the scan box. A scanner's code + Enter adds the item (again: +1); typing
shows live matches (↑ ↓ Enter). ``+``/``-`` change the selected line's quantity, F3 edits
it, F11 sells it at another price, Del removes it. F4 customer by phone, F9 bill discount, F12 payment, Enter (in the
payment panel) or F10 completes: the invoice is saved first, then printed or opened as
the shop prefers, and the cart clears. F8 holds the cart, F5 resumes a held one, F7
reprints the last invoice, F6 starts a return. Every figure on screen comes from
``sales.preview`` (exactly what checkout will charge); the screen holds no tax rules.

The cart itself is :class:`billbook.domain.counter.CounterCart` (lines, discounts,
payments, undo — Ctrl+Z undoes the last change); this screen shows it. A cart keeps one
``sale_id`` until it is billed, so a retry after an error (connection lost, stock refused,
payments not adding up) can never bill twice; the cart survives every error. It is also
saved to the database as it changes (this terminal's cart "in progress", see
``services/selling/held.py``): after a crash, a kill or a closed window the next start on
this terminal offers it back, and its sale id travels with it.

Messages a cashier can trust: the change to give stays in its own banner until the next
customer's first scan; print and open problems show beside it, never over it; an unknown
barcode is said in the scan area with the system bell until the next good scan (an admin
gets an "Add product with this barcode" shortcut). A cashier's discount above the shop's
limit, a return when the shop does not allow cashiers to take them, and a price other than
the catalog's (F11: asked before the price is typed, and again at checkout for a held or
recovered cart) need an admin's name and password first (``users.approve``; audited with
both names, and checkout checks the price approval again).
"""

from __future__ import annotations

import logging
import tkinter as tk
from decimal import Decimal

import customtkinter as ctk

from billbook.domain.cart import CartError
from billbook.domain.counter import (
    CartLine, CounterCart, check_discount, check_line_price, check_qty, discount_over_limit,
)
from billbook.domain.money import MoneyError, format_number, parse_qty, price_str, qty_str
from billbook.domain.permissions import Permission, Role
from billbook.gui import counter_devices, theme
from billbook.gui.context import AppContext, plain_error
from billbook.gui.registry import screen
from billbook.gui.widgets.cart_table import CartTable
from billbook.gui.widgets.fit import wrap_to_width
from billbook.gui.widgets.money_entry import MoneyEntry, clear_entry
from billbook.gui.widgets.payment_panel import PaymentPanel
from billbook.gui.widgets.search_box import ProductSearchBox
from billbook.gui.widgets.supply import PlaceOfSupplyControl, RecipientForm
from billbook.gui.widgets.table import Column, Table
from billbook.errors import BillbookError, DatabaseUnavailable, NotFound, OutOfStock, PermissionDenied, ValidationError

log = logging.getLogger("billbook.gui")

HINTS = ("F2 Search · +/− Qty · F3 Edit line · F11 Price · Del Remove · Ctrl+Z Undo · F4 Customer · F9 Discount · "
         "F12 Pay · F10 Complete · F8 Hold · F5 Resume · F7 Reprint · F6 Return · Esc Back")
#: marks a price other than the catalog's in the cart's rate column
OVERRIDE_MARK = "*"
#: the open cart is saved this long after its last change
SAVE_DELAY_MS = 200


def rupees(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format_number(value)
    return f"−₹{text[1:]}" if text.startswith("-") else f"₹{text}"


Cart = CounterCart     # the name older code and tests use
__all__ = ["BillingScreen", "Cart", "CartLine"]


class Overlay(ctk.CTkFrame):
    """A card placed over the cart (line editor, held carts, print choice)."""

    def __init__(self, master, title: str, **kwargs):
        super().__init__(master, corner_radius=12, border_width=2, border_color=theme.ACCENT, **kwargs)
        wrap_to_width(ctk.CTkLabel(self, text=title, font=theme.font(16, "bold"), anchor="w", justify="left")).pack(
            fill="x", padx=16, pady=(12, 4))

    def show(self, **place) -> None:
        self.place(**(place or {"relx": 0.5, "rely": 0.4, "anchor": "center"}))
        self.lift()


@screen(key="billing", title="Billing", permission=Permission.SELL, order=10, shortcut="<F1>")
class BillingScreen(ctk.CTkFrame):
    def __init__(self, master, ctx: AppContext):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.cart = CounterCart()
        self.preview = None
        self._preview_seq = 0
        self._saving = False
        self._uncertain = False
        self.last_invoice = None
        self.overlay: Overlay | None = None
        self.approval = None              # the approval dialog on screen, if any
        self._short: list[str] = []
        #: the discount total an admin approved for this cart (None: none approved)
        self._discount_approved: Decimal | None = None
        #: the admin's approval of this cart's price changes (sent with the sale; None: none yet)
        self._price_approval = None
        # saving the open cart: one save at a time, the newest version wins
        self._saved_version = -1
        self._save_timer = None
        self._save_running = False
        self._recovery_checked = False
        self.unknown_code: str | None = None
        self._build()
        self._bind_keys()
        self._render()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.grid_columnconfigure(0, weight=1)
        self.grid_columnconfigure(1, weight=0, minsize=320)
        self.grid_rowconfigure(1, weight=1)
        from billbook.services.goods import catalog
        ctx = self.ctx
        self.body = ctk.CTkFrame(self, fg_color="transparent")
        self.body.grid(row=1, column=0, sticky="nsew", pady=(10, 0))
        self.search = ProductSearchBox(
            self, popup_parent=self, runner=ctx.run_in_background,
            lookup=lambda code: counter_devices.lookup(ctx, code),   # scale codes carry a weight
            search=lambda text, limit, offset: _page_items(
                catalog.search_products(ctx.db, ctx.actor, text, limit=limit, offset=offset)),
            on_pick=lambda product, qty: self.add_product(*counter_devices.unwrap(product, qty)),
            on_message=ctx.notify, on_unknown=self.show_unknown_code)
        self.search.grid(row=0, column=0, sticky="ew")
        # unknown barcodes are said here, in the scan area, until the next good scan
        self.scan_note = ctk.CTkFrame(self.body, corner_radius=8, fg_color=("#fde8e8", "#4a1f1f"))
        self.scan_note_label = ctk.CTkLabel(self.scan_note, text="", anchor="w", font=theme.font(15, "bold"),
                                            text_color=theme.ERROR)
        self.scan_note_label.pack(side="left", fill="x", expand=True, padx=12, pady=6)
        self.add_code_button = ctk.CTkButton(self.scan_note, text="Add product with this barcode", height=30,
                                             command=self.add_unknown_product)
        self.cart_table = CartTable(self.body, on_activate=lambda _iid: self.edit_line())
        self.cart_table.pack(fill="both", expand=True)
        self.cart_table.tree.bind("<plus>", lambda _e: self.change_qty(+1) or "break")
        self.cart_table.tree.bind("<minus>", lambda _e: self.change_qty(-1) or "break")
        self.cart_table.tree.bind("<Delete>", lambda _e: self.remove_line() or "break")
        self.empty_label = ctk.CTkLabel(self.body, text="Scan a barcode or type a product name to start a bill.",
                                        text_color=theme.MUTED, font=theme.font(14), fg_color=theme.TABLE_BG)
        self.empty_label.place(relx=0.5, rely=0.45, anchor="center")

        right = ctk.CTkFrame(self, fg_color="transparent", width=320)
        right.grid(row=0, column=1, rowspan=5, sticky="nsew", padx=(12, 0))
        self.right = right
        # customer
        cust = ctk.CTkFrame(right, corner_radius=10)
        cust.pack(fill="x")
        ctk.CTkLabel(cust, text="Customer  (F4)", font=theme.font(12, "bold"), anchor="w", height=20).pack(
            fill="x", padx=12, pady=(8, 0))
        row = ctk.CTkFrame(cust, fg_color="transparent")
        row.pack(fill="x", padx=12, pady=(2, 0))
        self.phone = ctk.CTkEntry(row, placeholder_text="Mobile number", width=150, height=34, font=theme.font(14))
        self.phone.pack(side="left")
        self.cust_name = ctk.CTkEntry(row, placeholder_text="Walk-in", height=34, font=theme.font(14))
        self.cust_name.pack(side="left", fill="x", expand=True, padx=(8, 0))
        self.cust_info = ctk.CTkLabel(cust, text="Walk-in customer", anchor="w", font=theme.font(12),
                                      text_color=theme.MUTED, height=22)
        self.cust_info.pack(fill="x", padx=12, pady=(2, 0))
        # place of supply (issue 17): customer's state / taken at the counter / shipped to …
        self.supply = PlaceOfSupplyControl(cust, shop_state=ctx.shop.state_code if ctx.shop else "",
                                           on_change=self._supply_changed)
        self.supply.pack(fill="x", padx=12, pady=(2, 8))
        # totals
        tot = ctk.CTkFrame(right, corner_radius=10)
        tot.pack(fill="x", pady=(8, 0))
        tot.grid_columnconfigure(1, weight=1)
        self.total_labels: dict[str, ctk.CTkLabel] = {}
        self.total_names: dict[str, ctk.CTkLabel] = {}
        rows = [("items", "Items"), ("gross", "Gross"), ("discount", "Discount"), ("taxable", "Taxable value"),
                ("cgst", "CGST"), ("sgst", "SGST"), ("round_off", "Round off")]
        for i, (key, label) in enumerate(rows):
            name = ctk.CTkLabel(tot, text=label, anchor="w", font=theme.font(13), height=22)
            name.grid(row=i, column=0, sticky="w", padx=(14, 6), pady=(8 if i == 0 else 0, 0))
            value = ctk.CTkLabel(tot, text="—", anchor="e", font=theme.font(13), height=22)
            value.grid(row=i, column=1, sticky="e", padx=(6, 14), pady=(8 if i == 0 else 0, 0))
            self.total_labels[key], self.total_names[key] = value, name
        disc = ctk.CTkFrame(tot, fg_color="transparent")
        disc.grid(row=len(rows), column=0, columnspan=2, sticky="ew", padx=14, pady=(4, 0))
        ctk.CTkLabel(disc, text="Bill discount (F9)", anchor="w", font=theme.font(12), height=24).pack(side="left")
        self.bill_disc = MoneyEntry(disc, allow_percent=True, width=110, height=28, font=theme.font(13),
                                    placeholder="0")
        self.bill_disc.pack(side="right")
        ctk.CTkFrame(tot, height=2, fg_color=("gray75", "gray30")).grid(
            row=len(rows) + 1, column=0, columnspan=2, sticky="ew", padx=14, pady=(6, 4))
        ctk.CTkLabel(tot, text="Total", anchor="w", font=theme.font(18, "bold")).grid(
            row=len(rows) + 2, column=0, sticky="w", padx=14, pady=(0, 6))
        self.grand = ctk.CTkLabel(tot, text="₹0.00", anchor="e", font=theme.font(28, "bold"), text_color=theme.TOTAL)
        self.grand.grid(row=len(rows) + 2, column=1, sticky="e", padx=14, pady=(0, 6))
        # actions
        act = ctk.CTkFrame(right, fg_color="transparent")
        act.pack(fill="x", pady=(8, 0))
        act.grid_columnconfigure((0, 1), weight=1)
        self.pay_button = ctk.CTkButton(act, text="Pay  F12", height=40, font=theme.font(16, "bold"),
                                        command=self.open_payment)
        self.pay_button.grid(row=0, column=0, columnspan=2, sticky="ew")
        for i, (text, cmd) in enumerate((("Hold  F8", self.hold), ("Resume  F5", self.show_held),
                                         ("Reprint last  F7", self.reprint_last), ("Return  F6", self.start_return))):
            ctk.CTkButton(act, text=text, height=32, font=theme.font(12), fg_color="transparent", border_width=1,
                          text_color=("gray10", "gray90"), command=cmd).grid(
                row=1 + i // 2, column=i % 2, sticky="ew", padx=(0 if i % 2 == 0 else 4, 0 if i % 2 else 4),
                pady=(4, 0))
        # the last sale's change: stays until the next customer's first scan
        # (under the cart: the right-hand column has no room left at 1024×600)
        self.sale_banner = wrap_to_width(ctk.CTkLabel(self, text="", anchor="w", justify="left", height=24,
                                                      font=theme.font(17, "bold"), text_color=theme.OK))
        self.sale_banner.grid(row=3, column=0, sticky="ew", pady=(4, 0))
        # print and open problems: their own place, never over the change
        self.print_status = wrap_to_width(ctk.CTkLabel(self, text="", anchor="w", justify="left", height=18,
                                                       font=theme.font(12), text_color=theme.WARN))
        self.print_status.grid(row=4, column=0, sticky="ew")
        self.hints = wrap_to_width(ctk.CTkLabel(self, text=HINTS, font=theme.font(11), text_color=theme.MUTED,
                                                anchor="w", justify="left", height=20))
        self.hints.grid(row=2, column=0, sticky="ew", pady=(6, 0))
        # over the cart's bottom left; on a narrow window it may reach over the totals' edge
        self.payment = PaymentPanel(self, ctx=self.ctx, on_complete=self.complete, on_close=self.close_payment,
                                    over=self.body, cart=lambda: self.cart)

    def _bind_keys(self) -> None:
        e = self.search.entry
        for seq, fn in (("<plus>", lambda: self.change_qty(+1)), ("<KP_Add>", lambda: self.change_qty(+1)),
                        ("<minus>", lambda: self.change_qty(-1)), ("<KP_Subtract>", lambda: self.change_qty(-1)),
                        ("<Delete>", self.remove_line), ("<Up>", lambda: self.cart_table.move(-1)),
                        ("<Down>", lambda: self.cart_table.move(+1))):
            e.bind(seq, lambda _e, fn=fn: self._when_scan_empty(fn))
        self.phone.bind("<Return>", lambda _e: self.find_customer())
        self.phone.bind("<Escape>", lambda _e: self.walk_in() or "break")
        self.cust_name.bind("<Return>", lambda _e: self.set_customer_name())
        self.cust_name.bind("<Escape>", lambda _e: self.focus_scan())
        self.bill_disc.bind("<Return>", lambda _e: self.apply_bill_discount())
        self.bill_disc.bind("<Escape>", lambda _e: self.focus_scan())
        keys = {"<F2>": self.focus_scan, "<F3>": self.edit_line, "<F11>": self.change_price,
                "<F4>": self.focus_customer,
                "<F5>": self.show_held, "<F6>": self.start_return, "<F7>": self.reprint_last, "<F8>": self.hold,
                "<F9>": self.focus_discount, "<F10>": self.complete, "<F12>": self.open_payment,
                "<Escape>": self.escape, "<Control-z>": self.undo,
                "<Control-D>": lambda: counter_devices.open_drawer(self.ctx, self, report=self._print_problem)}
        for i, mode in enumerate(PaymentPanel.MODES, 1):
            keys[f"<Alt-Key-{i}>"] = lambda m=mode: self.open_payment(mode=m)
        for seq, fn in keys.items():
            self.ctx.bind_key(self, seq, fn)

    def _when_scan_empty(self, fn) -> str | None:
        if self.search.get().strip() or self.search.popup_visible:
            return None
        fn()
        return "break"

    # ------------------------------------------------------------------ shell hooks
    def on_show(self) -> None:
        self.focus_scan()
        if not self._recovery_checked:
            self._recovery_checked = True
            self.check_open_cart()

    def on_close(self) -> None:
        """The shell is going (log-out, window close): save the open cart now, on this thread."""
        self.ctx.cancel(self._save_timer)
        self._save_timer = None
        if self.cart.version != self._saved_version:
            try:
                self._write_open_cart(self._cart_state())
            except Exception:  # noqa: BLE001 - the last save stands; never block a close
                log.exception("could not save the open cart at close")

    def focus_scan(self) -> None:
        self.close_overlay()
        self.search.focus()

    def escape(self) -> None:
        if self.approval is not None:
            self.approval.cancel()
        elif self.overlay is not None:
            self.close_overlay()
        elif self.payment.visible:
            self.close_payment()
        self.focus_scan()

    # ------------------------------------------------------------------ cart changes
    def _mutate(self, change) -> bool:
        """Apply ``change(cart)`` (a CounterCart method); the preview re-prices it, and a refused
        change is rolled back. Returns False when the model refused it."""
        try:
            snap = change(self.cart)
        except CartError as exc:
            self.ctx.notify(exc.message if exc.field is None else f"{exc.field}: {exc.message}", "error")
            return False
        self._refresh(undo=snap)
        return True

    def undo(self) -> None:
        if self.cart.undo():
            self.ctx.notify("Undone.", "info")
            self._sync_fields()
            self._refresh()
        else:
            self.ctx.notify("Nothing to undo.", "info")

    def _sync_fields(self) -> None:
        """Show the model's customer and bill discount in their entries (after undo/restore)."""
        self.bill_disc.set_amount(self.cart.bill_discount)
        if self.phone.get().strip() != self.cart.customer_phone:
            clear_entry(self.phone)
            if self.cart.customer_phone:
                self.phone.insert(0, self.cart.customer_phone)
        if self.cust_name.get().strip() != self.cart.customer_name:
            self.cust_name.configure(state="normal")
            clear_entry(self.cust_name)
            if self.cart.customer_name:
                self.cust_name.insert(0, self.cart.customer_name)

    def add_product(self, product, qty: Decimal = Decimal("1")) -> None:
        self.clear_scan_note()
        if self.cart.empty:
            self.clear_sale_banner()     # the next customer's first scan
        if self._mutate(lambda cart: cart.add(product, qty)):
            self.cart_table.select(str(product.id))

    def selected_line(self) -> CartLine | None:
        iid = self.cart_table.selected()
        if iid is None and self.cart.lines:
            iid = str(self.cart.lines[-1].product.id)
        return next((ln for ln in self.cart.lines if str(ln.product.id) == iid), None)

    def change_qty(self, step: int) -> None:
        line = self.selected_line()
        if line is None:
            return
        pid = line.product.id
        self._mutate(lambda cart: cart.change_qty(pid, step))
        if self.cart.line(pid) is not None:
            self.cart_table.select(str(pid))

    def set_line(self, pid: int, qty: Decimal, discount: str) -> None:
        if self._mutate(lambda cart: cart.set_line(pid, qty, discount)):
            self.cart_table.select(str(pid))

    def remove_line(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        rows = self.cart_table.rows()
        idx = rows.index(str(line.product.id)) if str(line.product.id) in rows else 0
        self._mutate(lambda cart: cart.remove(line.product.id))
        rows = self.cart_table.rows()
        if rows:
            self.cart_table.select(rows[min(idx, len(rows) - 1)])
        self.ctx.notify(f"Removed {line.product.name}.", "info")

    def clear_cart(self) -> None:
        self.cart.clear()
        self.preview = None
        self._uncertain = False
        self._discount_approved = None
        self._price_approval = None
        clear_entry(self.phone)
        self.cust_name.configure(state="normal")
        clear_entry(self.cust_name)
        clear_entry(self.bill_disc)
        self.cust_info.configure(text="Walk-in customer", text_color=theme.MUTED)
        self.supply.reset(self.ctx.shop.state_code if self.ctx.shop else None)
        self.payment.reset()
        self.close_payment()
        self._render()
        self._schedule_save()

    # ------------------------------------------------------------------ messages in their places
    def show_unknown_code(self, code: str) -> None:
        """An unknown barcode: said in the scan area, with the bell, until the next good scan."""
        self.unknown_code = code
        self.scan_note_label.configure(text=f"Unknown barcode “{code}” — not added. Scan again or search by name.")
        if self.ctx.can(Permission.MANAGE_PRODUCTS):
            self.add_code_button.pack(side="right", padx=8, pady=6)
        else:
            self.add_code_button.pack_forget()
        if not self.scan_note.winfo_manager():
            self.scan_note.pack(fill="x", pady=(0, 6), before=self.cart_table)
        try:
            self.bell()
        except Exception:  # noqa: BLE001 - no bell on this display
            pass

    def clear_scan_note(self) -> None:
        if self.unknown_code is None:
            return
        self.unknown_code = None
        self.scan_note.pack_forget()
        bar = getattr(self.ctx.shell, "messages", None)
        if bar is not None and bar.kind == "error" and "No product matches" in bar.text:
            bar.clear()

    def add_unknown_product(self) -> None:
        """Admin: open the product form with the unknown barcode filled in."""
        code = self.unknown_code
        shell = self.ctx.shell
        if code is None or shell is None or not shell.show("products"):
            return
        products = shell.screens.get("products")
        if products is not None and hasattr(products, "new_product"):
            products.open_tab("Catalog")
            products.new_product()
            products.form["barcode"].set(code)
            products.form["sku"].focus()
        self.clear_scan_note()

    def show_sale_banner(self, text: str) -> None:
        self.sale_banner.configure(text=text)
        self.print_status.configure(text="")

    def clear_sale_banner(self) -> None:
        if self.sale_banner.cget("text") or self.print_status.cget("text"):
            self.sale_banner.configure(text="")
            self.print_status.configure(text="")

    def show_print_problem(self, text: str) -> None:
        self.print_status.configure(text=text)

    # ------------------------------------------------------------------ the open cart, saved as it changes
    def _cart_state(self) -> dict:
        cart = self.cart
        return {"sale_id": cart.sale_id, "version": cart.version,
                "items": [(ln.product.sku, ln.qty, ln.discount or None, ln.price) for ln in cart.lines],
                "customer_phone": cart.customer_phone or None, "customer_name": cart.customer_name or None,
                "bill_discount": cart.bill_discount or None}

    def _write_open_cart(self, state: dict) -> None:
        from billbook.services.selling import held
        from billbook.errors import ValidationError as _VE
        ctx = self.ctx
        try:
            held.save_open_cart(ctx.db, ctx.actor, state["items"], sale_id=state["sale_id"],
                                customer_phone=state["customer_phone"], customer_name=state["customer_name"],
                                bill_discount=state["bill_discount"])
        except _VE:
            # a customer still being typed: keep the lines, leave the customer out of the save
            held.save_open_cart(ctx.db, ctx.actor, state["items"], sale_id=state["sale_id"],
                                bill_discount=state["bill_discount"])
        self._saved_version = state["version"]

    def _schedule_save(self) -> None:
        if self.cart.version == self._saved_version or self.ctx.actor is None or self.ctx.db is None:
            return
        if self._save_timer is None and not self._save_running:
            self._save_timer = self.ctx.schedule(self, SAVE_DELAY_MS, self._save_now)

    def _save_now(self) -> None:
        self._save_timer = None
        if self._save_running or self.cart.version == self._saved_version:
            return
        state = self._cart_state()
        self._save_running = True

        def done(_r=None) -> None:
            self._save_running = False
            self._schedule_save()          # changed meanwhile: save the newest

        def failed(exc: BaseException) -> None:
            self._save_running = False
            log.warning("could not save the open cart: %s", exc)

        self.ctx.run_in_background(lambda: self._write_open_cart(state), on_done=done, on_error=failed)

    def check_open_cart(self) -> None:
        """After a log-in: offer back a cart this terminal left open (a crash, a closed window)."""
        from billbook.services.selling import checkout as sales
        from billbook.services.selling import held
        ctx = self.ctx
        if not ctx.can(Permission.HOLD_SALES):
            return

        def work():
            cart = held.open_cart(ctx.db, ctx.actor)
            if cart is None:
                return None, None
            billed = sales.get_invoice_by_sale_id(ctx.db, ctx.actor, cart.sale_id) if cart.sale_id else None
            if billed is not None:       # it was billed before the app went down: nothing to offer
                held.clear_open_cart(ctx.db, ctx.actor, sale_id=cart.sale_id)
            return cart, billed

        def done(result) -> None:
            cart, billed = result
            if cart is None:
                return
            if billed is not None:
                self.ctx.notify(f"The cart left open on this terminal had been billed as {billed.number}; "
                                "nothing to restore.", "info")
                return
            if self.cart.lines:
                return
            self._offer_open_cart(cart)

        ctx.run_in_background(work, on_done=done, on_error=lambda exc: log.warning("open cart check: %s", exc))

    def _offer_open_cart(self, cart) -> None:
        self.close_overlay()
        ov = Overlay(self.body, "A cart was left open on this terminal")
        lines = len(cart.items)
        qty = sum((parse_qty(i.qty) for i in cart.items), Decimal("0"))
        who = f"by {cart.user} at {cart.created_at:%d %b %H:%M}"
        ctk.CTkLabel(ov, text=f"{lines} lines · {qty_str(qty)} qty · {who}"
                     + (f" · {cart.customer_name or cart.customer_phone}" if cart.customer_phone else ""),
                     anchor="w", font=theme.font(14)).pack(fill="x", padx=16)
        row = ctk.CTkFrame(ov, fg_color="transparent")
        row.pack(padx=16, pady=(8, 14), fill="x")

        def restore(_e=None) -> str:
            self.close_overlay()
            self.recover_open_cart(cart.id)
            return "break"

        def discard(_e=None) -> str:
            from billbook.services.selling import held
            ctx = self.ctx
            self.close_overlay()
            ctx.run_in_background(lambda: held.discard_held(ctx.db, ctx.actor, cart.id),
                                  on_done=lambda _r: ctx.notify("Discarded the cart left open.", "info"))
            self.focus_scan()
            return "break"

        ctk.CTkButton(row, text="Restore it  (Enter)", width=170, command=restore).pack(side="left")
        ctk.CTkButton(row, text="Discard  (Del)", width=130, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=discard).pack(side="left", padx=8)
        # keys on the card's own window, which takes the focus (CTkFrame.bind would bind its canvas)
        for seq, fn in (("<Return>", restore), ("<KP_Enter>", restore), ("<Delete>", discard),
                        ("<Escape>", lambda _e: (self.focus_scan(), "break")[1])):
            tk.Misc.bind(ov, seq, fn)
        self.overlay = ov
        ov.show()
        ov.focus_set()

    def recover_open_cart(self, held_id: int) -> None:
        from billbook.services.selling import held
        ctx = self.ctx
        self._load_cart(lambda: held.recover_open_cart(ctx.db, ctx.actor, held_id),
                        "Restored the cart left open; it will not be billed twice.")

    def _load_cart(self, take, message: str) -> None:
        """Take a held or recovered cart (``take()`` in the background) onto the empty counter."""
        from billbook.services.goods import catalog
        ctx = self.ctx

        def work():
            cart = take()
            products = []
            for item in cart.items:
                product = catalog.lookup_code(ctx.db, ctx.actor, str(item.product))
                if product is None:
                    raise NotFound(f"The cart has {item.product}, which is no longer in the catalog.")
                products.append((product, parse_qty(item.qty), item.discount or "", item.price))
            return cart, products

        def done(result) -> None:
            cart, products = result
            self.close_overlay()
            self.clear_cart()
            self.cart.load(products, sale_id=cart.sale_id, customer_phone=cart.customer_phone or "",
                           customer_name=cart.customer_name or "", bill_discount=cart.bill_discount or "")
            self._sync_fields()
            self.ctx.notify(message, "ok")
            self.ctx.notify_sales_changed()
            self._refresh()
            self.focus_scan()

        ctx.run_in_background(work, on_done=done, busy="Resuming…")

    # ------------------------------------------------------------------ preview
    def _refresh(self, undo=None) -> None:
        self._render()
        self._schedule_save()
        if not self.cart.lines:
            self.preview = None
            self._preview_seq += 1
            self._render()
            return
        from billbook.services.selling import checkout as sales
        self._preview_seq += 1
        seq = self._preview_seq
        cart = self.cart.copy()
        ctx = self.ctx
        items = [sales.SaleItem(*item) for item in cart.sale_items()]

        def work():
            return sales.preview(ctx.db, ctx.actor, items, customer_phone=cart.customer_phone or None,
                                 bill_discount=cart.bill_discount or None,
                                 place_of_supply=cart.place_of_supply or None,
                                 customer_state_code=cart.customer_state or None)

        def done(pv) -> None:
            if seq != self._preview_seq:
                return
            self.preview = pv
            self._render()
            if undo is not None:
                self._check_discount_limit(pv, undo)

        def failed(exc) -> None:
            if seq != self._preview_seq:
                return
            if undo is not None and isinstance(exc, BillbookError) and not isinstance(exc, DatabaseUnavailable):
                self.cart.restore(undo)
                self._sync_fields()
                self.ctx.notify(plain_error(exc), "error")
                self._refresh()
            else:
                self.ctx.notify(plain_error(exc), "error")
                self._render()

        ctx.run_in_background(work, on_done=done, on_error=failed)

    def _check_discount_limit(self, pv, undo) -> None:
        """A cashier's discounts above the shop's limit need an admin's approval, or go back."""
        limit = getattr(self.ctx.shop, "discount_limit", None)
        actor = self.ctx.actor
        if actor is None or actor.role == Role.ADMIN or not discount_over_limit(limit, pv.gross_total,
                                                                                   pv.discount_total):
            return
        if self._discount_approved is not None and pv.discount_total <= self._discount_approved:
            return
        total = pv.discount_total

        def approved(_approval) -> None:
            self._discount_approved = total
            self.ctx.notify(f"Discount of {rupees(total)} approved by {_approval.approver}.", "ok")
            self.focus_scan()

        def refused() -> None:
            self.cart.restore(undo)
            self._sync_fields()
            self.ctx.notify(f"The discount was taken back: above {format(limit.normalize(), 'f')} % of the bill "
                            "it needs an admin's approval.", "warn")
            self._refresh()
            self.focus_scan()

        self.ask_approval("discount", f"A discount of {rupees(total)} is above the shop's limit of "
                          f"{format(limit.normalize(), 'f')} % of the bill.", approved, refused,
                          sale_id=self.cart.sale_id, discount=total, gross=pv.gross_total)

    def ask_approval(self, action: str, reason: str, on_approved, on_refused, **details) -> None:
        """An admin's user name and password, in a small dialog over the counter."""
        from billbook.gui.widgets.password_dialog import ApprovalDialog
        if self.approval is not None:
            self.approval.cancel()
        self.close_overlay()

        def closed() -> None:
            self.approval = None

        self.approval = ApprovalDialog(self.body, self.ctx, action, reason, on_approved=on_approved,
                                       on_refused=on_refused, on_close=closed, details=details)

    def _render(self) -> None:
        pv = self.preview
        fresh = pv is not None and len(pv.lines) == len(self.cart.lines)
        rows, short = [], []
        for i, ln in enumerate(self.cart.lines):
            p = pv.lines[i] if fresh else None
            if p is not None and p.available < ln.qty and not self.ctx.shop.allow_negative_stock:
                short.append(f"{ln.product.name}: only {qty_str(p.available)} in stock")
            rows.append((str(ln.product.id), (
                i + 1, ln.product.name, qty_str(ln.qty),
                format_number(ln.unit_price) + (OVERRIDE_MARK if ln.price is not None else ""),
                format_number(p.discount) if p and p.discount else (ln.discount or ""),
                f"{format(p.gst_rate.normalize(), 'f')}%" if p else f"{format(ln.product.gst_rate.normalize(), 'f')}%",
                format_number(p.cgst + p.sgst + p.igst) if p else "…",
                format_number(p.total) if p else "…",
            ), p is not None and p.available < ln.qty and not self.ctx.shop.allow_negative_stock))
        self.cart_table.set_lines(rows)
        if self.cart.lines:
            self.empty_label.place_forget()
        else:
            self.empty_label.place(relx=0.5, rely=0.45, anchor="center")
        count = sum((ln.qty for ln in self.cart.lines), Decimal("0"))
        self.total_labels["items"].configure(text=f"{len(self.cart.lines)} lines · {qty_str(count)} qty")
        inter = bool(pv and pv.inter_state)
        self.total_names["cgst"].configure(text="IGST" if inter else "CGST")
        self.total_names["sgst"].configure(text="" if inter else "SGST")
        if pv is not None and fresh:
            self.total_labels["gross"].configure(text=rupees(pv.gross_total))
            self.total_labels["discount"].configure(text=rupees(-pv.discount_total) if pv.discount_total else rupees(pv.discount_total))
            self.total_labels["taxable"].configure(text=rupees(pv.taxable_total))
            self.total_labels["cgst"].configure(text=rupees(pv.igst if inter else pv.cgst))
            self.total_labels["sgst"].configure(text="" if inter else rupees(pv.sgst))
            self.total_labels["round_off"].configure(text=rupees(pv.round_off))
            self.grand.configure(text=rupees(pv.grand_total))
            self.supply.show_effect(pv.place_of_supply, pv.inter_state)
            self.payment.set_due(pv.grand_total)
            if pv.customer is not None:
                self._show_customer(pv.customer.name, pv.customer_credits, pv.customer_dues)
        elif not self.cart.lines:
            for key in ("gross", "discount", "taxable", "cgst", "sgst", "round_off"):
                self.total_labels[key].configure(text=rupees(Decimal("0")) if key != "sgst" or not inter else "")
            self.grand.configure(text=rupees(Decimal("0")))
            self.supply.show_effect(None, None)
            self.payment.set_due(Decimal("0"))
        self.payment.set_has_customer(bool(self.cart.customer_phone))
        if short and short != self._short:
            self.ctx.notify("Not enough stock — " + "; ".join(short), "warn")
        self._short = short

    @property
    def grand_total(self) -> Decimal | None:
        return self.preview.grand_total if self.preview is not None else None

    # ------------------------------------------------------------------ line editor
    def edit_line(self) -> None:
        line = self.selected_line()
        if line is None:
            self.ctx.notify("The cart is empty: scan or search a product first.", "info")
            return
        self.close_overlay()
        ov = Overlay(self.body, f"Edit line — {line.product.name}")
        form = ctk.CTkFrame(ov, fg_color="transparent")
        form.pack(fill="x", padx=16, pady=4)
        ctk.CTkLabel(form, text="Quantity", anchor="w", font=theme.font(12)).grid(row=0, column=0, sticky="w")
        ctk.CTkLabel(form, text="Line discount (₹ or %)", anchor="w", font=theme.font(12)).grid(
            row=0, column=1, sticky="w", padx=(12, 0))
        qty = ctk.CTkEntry(form, width=140, height=34, justify="right", font=theme.font(15))
        qty.grid(row=1, column=0)
        qty.insert(0, qty_str(line.qty))
        disc = MoneyEntry(form, allow_percent=True, width=180, height=34, placeholder="0")
        disc.grid(row=1, column=1, padx=(12, 0))
        disc.set_amount(line.discount)
        err = ctk.CTkLabel(ov, text="", text_color=theme.ERROR, anchor="w", font=theme.font(12), height=20)
        err.pack(fill="x", padx=16)
        ctk.CTkLabel(ov, text="Enter save  ·  Tab next field  ·  Esc cancel", text_color=theme.MUTED,
                     font=theme.font(11), anchor="w").pack(fill="x", padx=16, pady=(0, 12))

        def save(_e=None) -> str:
            problems = []               # every bad field at once, each refused at the field
            new_qty = text = None
            try:
                new_qty = check_qty(qty.get())
            except CartError as exc:
                problems.append(f"Quantity: {exc.message}")
            try:
                text = check_discount(disc.get_text(), field="line discount")
            except CartError as exc:
                problems.append(f"Line discount: {exc.message}")
            qty.configure(border_color=theme.ERROR if new_qty is None else
                          ctk.ThemeManager.theme["CTkEntry"]["border_color"])
            disc.configure(border_color=theme.ERROR if text is None else
                           ctk.ThemeManager.theme["CTkEntry"]["border_color"])
            if problems:
                err.configure(text="  ·  ".join(problems))
                return "break"
            self.close_overlay()
            self.set_line(line.product.id, new_qty, text)
            self.focus_scan()
            return "break"

        for w in (qty, disc):
            w.bind("<Return>", save)
            w.bind("<Escape>", lambda _e: (self.focus_scan(), "break")[1])
        self.overlay = ov
        ov.show(relx=0.5, rely=0.35, anchor="center")
        qty.focus_set()
        qty.select_range(0, "end")

    # ------------------------------------------------------------------ price override
    def change_price(self) -> None:
        """F11: sell the selected line at another price. A cashier first needs an admin's name
        and password (before the price is typed); Esc anywhere leaves the line as it was."""
        line = self.selected_line()
        if line is None:
            self.ctx.notify("The cart is empty: scan or search a product first.", "info")
            return
        if self.ctx.actor.role == Role.ADMIN:
            self._price_form(line, None)
            return
        product = line.product
        pid = product.id

        def approved(approval) -> None:
            self._price_approval = approval
            current = self.cart.line(pid)
            if current is None:               # gone meanwhile (undo): nothing to price
                self.focus_scan()
                return
            self._price_form(current, approval)

        self.ask_approval("price_override", f"Selling {product.name} at a price other than the catalog's "
                          f"(₹{format_number(product.price)}) needs an admin's approval.",
                          approved, self.focus_scan, sale_id=self.cart.sale_id, sku=product.sku,
                          catalog_price=price_str(product.price))

    def _price_form(self, line: CartLine, approval) -> None:
        """The new unit price of ``line``: Enter sets it (empty: the catalog price again), Esc cancels."""
        self.close_overlay()
        product = line.product
        ov = Overlay(self.body, f"Price of {product.name}")
        who = f"  ·  approved by {approval.approver}" if approval is not None else ""
        mrp = "  (MRP: not above it)" if product.tax_inclusive else ""
        ctk.CTkLabel(ov, text=f"Catalog price ₹{format_number(product.price)}{mrp}{who}", anchor="w",
                     font=theme.font(12), text_color=theme.MUTED).pack(fill="x", padx=16)
        entry = MoneyEntry(ov, width=180, height=34, placeholder=price_str(product.price))
        entry.pack(anchor="w", padx=16, pady=(4, 0))
        if line.price is not None:
            entry.set_amount(price_str(line.price))
        err = ctk.CTkLabel(ov, text="", text_color=theme.ERROR, anchor="w", font=theme.font(12), height=20)
        err.pack(fill="x", padx=16)
        ctk.CTkLabel(ov, text="Enter set the price (empty: the catalog price)  ·  Esc cancel",
                     text_color=theme.MUTED, font=theme.font(11), anchor="w").pack(fill="x", padx=16, pady=(0, 12))

        def save(_e=None) -> str:
            try:
                price = check_line_price(product, entry.get_text())
            except CartError as exc:
                entry.configure(border_color=theme.ERROR)
                err.configure(text=f"Price: {exc.message}")
                return "break"
            self.close_overlay()
            pid = product.id
            if self._mutate(lambda cart: cart.set_price(pid, price)):
                self.cart_table.select(str(pid))
                now = self.cart.line(pid)
                if now is not None and now.price is not None:
                    by = f", approved by {approval.approver}" if approval is not None else ""
                    self.ctx.notify(f"{product.name} at ₹{format_number(now.price)} (catalog "
                                    f"₹{format_number(product.price)}){by}.", "ok")
                else:
                    self.ctx.notify(f"{product.name} back at its catalog price.", "info")
            self.focus_scan()
            return "break"

        def cancel(_e=None) -> str:
            self.focus_scan()
            return "break"

        entry.bind("<Return>", save)
        entry.bind("<KP_Enter>", save)
        entry.bind("<Escape>", cancel)
        self.overlay = ov
        ov.show(relx=0.5, rely=0.35, anchor="center")
        entry.focus_set()
        entry.select_range(0, "end")

    def close_overlay(self) -> None:
        if self.overlay is not None:
            self.overlay.destroy()
            self.overlay = None

    # ------------------------------------------------------------------ customer
    def focus_customer(self) -> None:
        self.close_overlay()
        self.phone.focus_set()
        self.phone.select_range(0, "end")

    def walk_in(self) -> None:
        clear_entry(self.phone)
        self.cust_name.configure(state="normal")
        clear_entry(self.cust_name)
        self.cust_info.configure(text="Walk-in customer", text_color=theme.MUTED)
        self._mutate(lambda cart: cart.walk_in())
        self.focus_scan()

    def find_customer(self) -> str:
        phone = self.phone.get().strip()
        if not phone:
            self.walk_in()
            return "break"
        from billbook.services.people import customers
        ctx = self.ctx

        def found(info) -> None:
            self.cart.set_customer(info.phone, info.name)
            clear_entry(self.phone)
            self.phone.insert(0, info.phone)
            self.cust_name.configure(state="normal")
            clear_entry(self.cust_name)
            self.cust_name.insert(0, info.name)
            self._show_customer(info.name, info.credits, info.dues)
            self._refresh()
            self.focus_scan()

        def missing(exc) -> None:
            if isinstance(exc, NotFound):
                self.cart.set_customer(phone, "")
                self._render()
                self.cust_name.configure(state="normal")
                clear_entry(self.cust_name)
                self.cust_info.configure(text="New customer — type the name and press Enter",
                                         text_color=theme.WARN)
                self.cust_name.focus_set()
            else:
                self.ctx.notify(plain_error(exc), "error")
                self.phone.focus_set()

        ctx.run_in_background(lambda: customers.get_customer(ctx.db, ctx.actor, phone), on_done=found,
                              on_error=missing)
        return "break"

    def set_customer_name(self) -> str:
        self.cart.set_customer(self.cart.customer_phone, self.cust_name.get())
        if self.cart.customer_phone and not self.cart.customer_name:
            self.cust_info.configure(text="A new customer needs a name (or Esc in the phone box for walk-in)",
                                     text_color=theme.ERROR)
            return "break"
        if self.cart.customer_phone:
            self.cust_info.configure(text="New customer — saved with the sale", text_color=theme.MUTED)
            self._refresh()
        self.focus_scan()
        return "break"

    # ------------------------------------------------------------------ GST (issue 17)
    def _supply_changed(self) -> None:
        self._mutate(lambda cart: cart.set_place_of_supply(self.supply.value))

    def open_recipient_form(self, message: str) -> None:
        """The recipient's name, address and state (Rule 46(e)); saved with the sale, then pay."""
        self.close_overlay()
        cart = self.cart

        def save(name: str, address: str, state: str) -> None:
            self.cart.customer_name = self.cart.customer_name if self.cart.customer_phone and \
                self.cart.customer_name else name
            self.cart.set_recipient(address, state)
            self.cust_name.configure(state="normal")
            clear_entry(self.cust_name)
            self.cust_name.insert(0, self.cart.customer_name)
            self.cust_info.configure(text=f"{address} · {state}", text_color=("gray10", "gray90"))
            self.close_overlay()
            self.complete()

        form = RecipientForm(self.body, message=message, name=cart.customer_name, address=cart.customer_address,
                             state=cart.customer_state, on_save=save, on_close=self.close_overlay)
        self.overlay = form
        form.show()

    def _show_customer(self, name: str, credits: Decimal | None, dues: Decimal | None) -> None:
        parts = [name] if name else []
        if credits is not None:
            parts.append(f"Credits {format_number(credits)}")
        if dues is not None:
            parts.append(f"Dues {rupees(dues)}")
        self.cust_info.configure(text="  ·  ".join(parts), text_color=theme.WARN if dues else ("gray10", "gray90"))
        self.payment.set_customer(credits, dues, bool(self.cart.customer_phone))

    # ------------------------------------------------------------------ bill discount
    def focus_discount(self) -> None:
        self.close_overlay()
        self.bill_disc.focus_set()
        self.bill_disc.select_range(0, "end")

    def apply_bill_discount(self) -> str:
        text = self.bill_disc.get_text()
        if not self._mutate(lambda cart: cart.set_bill_discount(text)):
            self.bill_disc.configure(border_color=theme.ERROR)      # refused at the field: stay there
            self.bill_disc.focus_set()
            return "break"
        self.bill_disc.configure(border_color=ctk.ThemeManager.theme["CTkEntry"]["border_color"])
        self.focus_scan()
        return "break"

    # ------------------------------------------------------------------ payment and completion
    def open_payment(self, mode: str | None = None) -> None:
        if self.search.busy:
            self.after(30, lambda: self.open_payment(mode))   # a scanned code is still being looked up
            return
        if not self.cart.lines:
            self.ctx.notify("The cart is empty: scan or search a product first.", "info")
            self.focus_scan()
            return
        self.close_overlay()
        self.search.hide_popup()
        self.payment.open(mode)

    def close_payment(self) -> None:
        self.payment.close()

    def complete(self) -> None:
        """Save the sale (one transaction), then print/open, then clear the cart."""
        if self._saving:
            return
        if not self.cart.lines:
            self.ctx.notify("The cart is empty: scan or search a product first.", "info")
            return
        if self.search.busy:
            self.after(30, self.complete)   # a scanned code is still being looked up
            return
        if not self.payment.visible:
            self.open_payment()
        pv, limit = self.preview, getattr(self.ctx.shop, "discount_limit", None)
        if (pv is not None and self.ctx.actor.role != Role.ADMIN and
                discount_over_limit(limit, pv.gross_total, pv.discount_total) and
                (self._discount_approved is None or pv.discount_total > self._discount_approved)):
            total = pv.discount_total

            def approved(approval) -> None:
                self._discount_approved = total
                self.ctx.notify(f"Discount of {rupees(total)} approved by {approval.approver}.", "ok")
                self.complete()

            self.ask_approval("discount", f"A discount of {rupees(total)} is above the shop's limit of "
                              f"{format(limit.normalize(), 'f')} % of the bill.", approved, self.focus_scan,
                              sale_id=self.cart.sale_id, discount=total, gross=pv.gross_total)
            return
        if self.cart.overridden and self.ctx.actor.role != Role.ADMIN and self._price_approval is None:
            # a held or recovered cart, or an approval checkout found stale: ask before saving
            def price_approved(approval) -> None:
                self._price_approval = approval
                self.ctx.notify(f"Price changes approved by {approval.approver}.", "ok")
                self.complete()

            names = ", ".join(ln.product.name for ln in self.cart.overridden)
            self.ask_approval("price_override", f"This bill sells {names} at a price other than the catalog's.",
                              price_approved, self.focus_scan, sale_id=self.cart.sale_id,
                              lines=len(self.cart.overridden))
            return
        try:
            payments = self.payment.requests()
        except (MoneyError, ValidationError, CartError) as exc:
            self.payment.show_error(getattr(exc, "message", None) or str(exc))
            return
        from billbook.services.selling import checkout as sales
        cart = self.cart.copy()
        request = sales.SaleRequest(
            sale_id=cart.sale_id,
            items=[sales.SaleItem(*item) for item in cart.sale_items()], price_approval=self._price_approval,
            payments=payments, customer_phone=cart.customer_phone or None,
            customer_name=cart.customer_name or None, bill_discount=cart.bill_discount or None,
            place_of_supply=cart.place_of_supply or None, customer_address=cart.customer_address or None,
            customer_state_code=cart.customer_state or None)
        ctx = self.ctx
        self._saving = True
        self.pay_button.configure(state="disabled")
        ctx.run_in_background(lambda: sales.checkout(ctx.db, ctx.actor, request), on_done=self._saved,
                              on_error=self._refused, busy="Saving the sale…")

    def _saved(self, invoice) -> None:
        self._saving = False
        self.pay_button.configure(state="normal")
        self.last_invoice = invoice
        replay = " (it had already been saved before the connection dropped)" if getattr(invoice, "replayed", False) else ""
        change = f" — change {rupees(invoice.change)}" if invoice.change else ""
        due = f" — {rupees(invoice.due)} on account" if invoice.due else ""
        self.ctx.notify(f"Saved {invoice.number}{replay}{change}{due}.", "ok")
        banner = f"Saved {invoice.number}"
        if invoice.change:
            banner += f"\nChange to give: {rupees(invoice.change)}"
        if invoice.due:
            banner += f"\n{rupees(invoice.due)} on account"
        self.show_sale_banner(banner)
        self.clear_cart()
        self.ctx.notify_sales_changed(invoice)
        self.print_invoice(invoice.number, duplicate=False)
        self.focus_scan()

    def _refused(self, exc: BaseException) -> None:
        self._saving = False
        self.pay_button.configure(state="normal")
        self._uncertain = not isinstance(exc, BillbookError) or isinstance(exc, DatabaseUnavailable)
        message = plain_error(exc)
        if isinstance(exc, OutOfStock):
            message += ". The cart is kept: change the quantity or remove the line, then pay again."
            self.close_payment()
            line = next((ln for ln in self.cart.lines if ln.product.sku == exc.sku), None)
            if line is not None:
                self.cart_table.select(str(line.product.id))
            self.focus_scan()
        elif isinstance(exc, ValidationError) and (exc.field or "").startswith(("payment", "tendered")):
            self.payment.show_error(exc.message)
        elif isinstance(exc, PermissionDenied) and self.cart.overridden:
            self._price_approval = None            # stale or used: F10 asks an admin again
            message += " The cart is kept: F10 asks again."
        elif isinstance(exc, ValidationError) and exc.field == "customer" and "Rule 46" in exc.message:
            self.close_payment()
            self.open_recipient_form(exc.message)      # name, address and state, then pay again
            return
        elif self._uncertain:
            message += " The cart is kept; press F10 to try again (it will not be billed twice)."
        self.ctx.notify(message, "error")
        self._refresh()

    # ------------------------------------------------------------------ documents
    def print_invoice(self, number: str, *, duplicate: bool) -> None:
        fmt = self.ctx.shop.print_format
        if fmt == "ask" and not duplicate:
            self._ask_format(number)
            return
        self._print_as(number, fmt)

    def _print_as(self, number: str, choice: str) -> None:
        """The shop's choice on this terminal's printers (receipt, A4, both; the drawer opens when
        cash moved); a kind without a printer here opens as a PDF, as before."""
        counter_devices.after_sale(self.ctx, number, choice, report=self._print_problem,
                                   fallback=lambda kind: self._make_pdf(number, receipt=(kind == "receipt")))

    def _print_problem(self, text: str) -> None:
        show = getattr(self, "show_print_problem", None)
        (show or (lambda t: self.ctx.notify(t, "warn")))(text)

    def _make_pdf(self, number: str, *, receipt: bool) -> None:
        """Render the next copy (the original, or a DUPLICATE to its own file), hand it to the
        viewer, and count it as a print only once it was sent."""
        from billbook.services.selling import documents
        ctx = self.ctx

        def made(result) -> None:
            if ctx.open_document(result.path, print_it=False, report=self.show_print_problem):
                ctx.run_in_background(
                    lambda: documents.record_print(ctx.db, ctx.actor, number, receipt=receipt, path=result.path),
                    on_error=lambda exc: log.warning("print of %s not counted: %s", number, exc))

        ctx.run_in_background(lambda: documents.invoice_copy(ctx.db, ctx.actor, number, receipt=receipt),
                              on_done=made,
                              on_error=lambda exc: self.show_print_problem(
                                  f"{number} is saved, but its PDF could not be made: {plain_error(exc)}"),
                              busy="Making the PDF…")

    def _ask_format(self, number: str) -> None:
        self.close_overlay()
        ov = Overlay(self.body, f"Print {number}?")
        row = ctk.CTkFrame(ov, fg_color="transparent")
        row.pack(padx=16, pady=(4, 14))

        def choose(kind: str | None) -> str:
            self.close_overlay()
            self._print_as(number, kind or "none")
            self.focus_scan()
            return "break"

        for text, kind in (("A4 invoice  (1)", "a4"), ("80 mm receipt  (2)", "receipt"), ("Both  (3)", "both"),
                           ("Don't print  (Esc)", None)):
            ctk.CTkButton(row, text=text, width=140, command=lambda k=kind: choose(k)).pack(side="left", padx=4)
        tk.Misc.bind(ov, "<Key-1>", lambda _e: choose("a4"))       # on the card's own window (it has the focus)
        tk.Misc.bind(ov, "<Key-2>", lambda _e: choose("receipt"))
        tk.Misc.bind(ov, "<Key-3>", lambda _e: choose("both"))
        tk.Misc.bind(ov, "<Escape>", lambda _e: choose(None))
        self.overlay = ov
        ov.show()
        ov.focus_set()

    def reprint_last(self) -> None:
        if self.last_invoice is None:
            self.ctx.notify("No invoice billed on this screen yet; find older ones in Invoices (Ctrl+I).", "info")
            return
        fmt = self.ctx.shop.print_format
        number = self.last_invoice.number
        # F7: the receipt printer (DUPLICATE); without one, the PDF as the shop prints
        counter_devices.reprint_receipt(self.ctx, number, report=self._print_problem,
                                        fallback=lambda: self._make_pdf(number, receipt=(fmt == "receipt")))

    def start_return(self) -> None:
        """F6: the return form on the Invoices screen; a cashier the shop does not allow to take
        returns needs an admin's approval first (asked here, before the form)."""
        number = self.last_invoice.number if self.last_invoice is not None else ""
        allowed = self.ctx.can(Permission.RETURN_SALE) or getattr(self.ctx.shop, "cashier_can_return", False)
        if allowed:
            self._open_return(number, None)
            return
        self.ask_approval("return", "Returns by a cashier need an admin's approval in this shop.",
                          lambda approval: self._open_return(number, approval), self.focus_scan,
                          invoice=number or "-")

    def _open_return(self, number: str, approval) -> None:
        shell = self.ctx.shell
        if shell is None or not shell.show("invoices"):
            return
        inv = shell.screens.get("invoices")
        if inv is not None and hasattr(inv, "start_return"):
            inv.start_return(number, approval=approval)

    # ------------------------------------------------------------------ held carts
    def hold(self, then=None) -> None:
        """F8: park the cart (its sale id goes with it); ``then()`` runs once it is held."""
        if not self.cart.lines:
            self.ctx.notify("The cart is empty: nothing to hold.", "info")
            return
        from billbook.services.selling import held
        ctx = self.ctx
        cart = self.cart.copy()
        label = cart.customer_name or cart.customer_phone or f"{len(cart.lines)} items, {rupees(self.grand_total)}"

        def done(_result) -> None:
            self.clear_cart()
            self._saved_version = self.cart.version      # the open row went with the hold
            self.ctx.notify(f"Held the cart “{label}”. F5 resumes it.", "ok")
            self.ctx.notify_sales_changed()
            self.focus_scan()
            if then is not None:
                then()

        from billbook.services.selling.checkout import SaleItem
        items = [SaleItem(ln.product.sku, ln.qty, ln.discount or None, ln.price) for ln in cart.lines]
        self.ctx.cancel(self._save_timer)
        self._save_timer = None
        ctx.run_in_background(lambda: held.hold_sale(ctx.db, ctx.actor, label[:80], items,
                                                     customer_phone=cart.customer_phone or None,
                                                     customer_name=cart.customer_name or None,
                                                     bill_discount=cart.bill_discount or None,
                                                     sale_id=cart.sale_id),
                              on_done=done, busy="Holding the cart…")

    def show_held(self) -> None:
        from billbook.services.selling import held
        ctx = self.ctx
        ctx.run_in_background(lambda: held.list_held(ctx.db, ctx.actor), on_done=self._held_list)

    def _held_list(self, rows) -> None:
        self.close_overlay()
        if not rows:
            self.ctx.notify("No held carts.", "info")
            self.focus_scan()
            return
        ov = Overlay(self.body, "Held carts — Enter resume · Del discard · Esc close")
        table = Table(ov, [Column("label", "Cart", 300, stretch=True, min_width=150),
                           Column("at", "Held at", 150, min_width=125, priority=90),
                           Column("by", "By", 110, priority=40), Column("terminal", "Terminal", 110, priority=30)],
                      height=min(8, max(3, len(rows))))
        table.pack(fill="both", expand=True, padx=12, pady=(4, 12))
        table.set_rows([(str(h.id), (h.label, h.created_at.strftime("%d %b %H:%M"), h.user, h.terminal)) for h in rows])
        table.select(str(rows[0].id))

        def resume(_e=None) -> str:
            iid = table.selected()
            if iid:
                self.resume_held(int(iid))
            return "break"

        def discard(_e=None) -> str:
            iid = table.selected()
            if iid:
                from billbook.services.selling import held
                ctx = self.ctx
                ctx.run_in_background(lambda: held.discard_held(ctx.db, ctx.actor, int(iid)),
                                      on_done=lambda _r: self.show_held())
            return "break"

        table.tree.bind("<Return>", resume)
        table.tree.bind("<Delete>", discard)
        table.tree.bind("<Escape>", lambda _e: (self.focus_scan(), "break")[1])
        self.overlay = ov
        ov.show(relx=0.5, rely=0.05, anchor="n", relwidth=0.96)
        table.tree.focus_set()

    def resume_held(self, held_id: int) -> None:
        if self.cart.lines:
            self.ctx.notify("Finish or hold the current cart first (F8), then resume.", "error")
            return
        from billbook.services.selling import held
        ctx = self.ctx
        self._load_cart(lambda: held.resume_held(ctx.db, ctx.actor, held_id), "Resumed the held cart.")


def _page_items(page) -> list:
    """``search_products`` returns a Page (items, has_more); the search box wants a list."""
    return list(getattr(page, "items", page))
