"""The payment panel (F12): cash with tendered/change, UPI with a QR for the amount, card and
net banking with a reference, loyalty credits, on account, and split payments.

Keyboard: Alt+1…6 choose the mode, the amount is pre-filled with what is left to pay,
Enter completes the sale (or, when the amount is less than what is left, records this
part and asks for the rest), Ctrl+Enter always records a part, Esc closes.

The panel only collects what the cashier typed; ``sales.checkout`` checks that the
payments add up (its message is shown here when they don't). The parts of a split payment
live in the cart model (``CounterCart.payments``); what is left to pay, the change and the
warnings are recomputed from scratch (``domain.counter.payment_status``) on every key
press, mode change, new total or customer, so nothing stale stays on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import customtkinter as ctk

from billbook.domain.counter import CounterCart, payment_status
from billbook.domain.money import MoneyError, format_number, parse_amount
from billbook.gui import theme
from billbook.gui.widgets.fit import wrap_to_width
from billbook.gui.widgets.money_entry import MoneyEntry, clear_entry

ZERO = Decimal("0.00")
LABELS = {"cash": "Cash", "upi": "UPI", "card": "Card", "netbanking": "Net banking", "credits": "Credits",
          "account": "On account"}


def _rupees(value: Decimal) -> str:
    text = format_number(value)
    return f"−₹{text[1:]}" if text.startswith("-") else f"₹{text}"


class PaymentPanel(ctk.CTkFrame):
    MODES = ("cash", "upi", "card", "netbanking", "credits", "account")

    def __init__(self, master, *, ctx, on_complete: Callable[[], None], on_close: Callable[[], None],
                 over=None, cart: Callable[[], CounterCart] | None = None):
        """``over``: the widget (inside ``master``) whose bottom-left corner the panel sits on when open;
        the panel may be wider than it (default: the bottom-right of ``master``). ``cart``: the
        cart model whose payment parts this panel fills."""
        super().__init__(master, corner_radius=12, border_width=2, border_color=theme.ACCENT)
        self.ctx = ctx
        self._over = over
        self._on_complete, self._on_close = on_complete, on_close
        own = CounterCart()
        self._cart = cart or (lambda: own)
        self.due = ZERO
        self.mode = "cash"
        self._credits: Decimal | None = None
        self._dues: Decimal | None = None
        self._has_customer = False
        self._qr_for: tuple | None = None
        self._prefilled: Decimal | None = None

        head = ctk.CTkFrame(self, fg_color="transparent")
        head.pack(fill="x", padx=16, pady=(12, 0))
        ctk.CTkLabel(head, text="Payment", font=theme.font(18, "bold"), anchor="w").pack(side="left")
        self.due_label = ctk.CTkLabel(head, text="", font=theme.font(18, "bold"), anchor="e", text_color=theme.TOTAL)
        self.due_label.pack(side="right")
        self.modes = ctk.CTkSegmentedButton(self, values=[f"{LABELS[m]} {i}" for i, m in enumerate(self.MODES, 1)],
                                            command=self._mode_clicked, font=theme.font(12), height=32)
        self.modes.pack(fill="x", padx=16, pady=(8, 0))
        wrap_to_width(ctk.CTkLabel(self, text="Alt+1…6 choose  ·  Enter complete  ·  Ctrl+Enter part payment (split)  ·  "
                                   "Esc close", font=theme.font(11), text_color=theme.MUTED, anchor="w", justify="left",
                                   height=18)).pack(fill="x", padx=16)
        body = ctk.CTkFrame(self, fg_color="transparent")
        body.pack(fill="x", padx=16, pady=(6, 0))
        body.grid_columnconfigure(0, weight=1)
        form = ctk.CTkFrame(body, fg_color="transparent")
        form.grid(row=0, column=0, sticky="nw")
        ctk.CTkLabel(form, text="Amount", anchor="w", font=theme.font(12), height=20).grid(row=0, column=0, sticky="w")
        self.amount = MoneyEntry(form, width=170, height=36)
        self.amount.grid(row=1, column=0, sticky="w")
        self.second_label = ctk.CTkLabel(form, text="Cash tendered", anchor="w", font=theme.font(12), height=20)
        self.second_label.grid(row=0, column=1, sticky="w", padx=(12, 0))
        self.tendered = MoneyEntry(form, width=170, height=36, placeholder="exact")
        self.reference = ctk.CTkEntry(form, width=170, height=36, font=theme.font(14),
                                      placeholder_text="reference (optional)")
        self.tendered.grid(row=1, column=1, sticky="w", padx=(12, 0))
        self.info = ctk.CTkLabel(form, text="", anchor="w", justify="left", font=theme.font(14, "bold"), height=26,
                                 wraplength=360)
        self.info.grid(row=2, column=0, columnspan=2, sticky="w", pady=(6, 0))
        self.qr = ctk.CTkLabel(body, text="", width=150, height=150)
        self.parts_label = wrap_to_width(ctk.CTkLabel(self, text="", anchor="w", justify="left", font=theme.font(12),
                                                      text_color=theme.MUTED, height=20))
        self.parts_label.pack(fill="x", padx=16, pady=(4, 0))
        self.error = wrap_to_width(ctk.CTkLabel(self, text="", anchor="w", justify="left", text_color=theme.ERROR,
                                                font=theme.font(12), height=20))
        self.error.pack(fill="x", padx=16)
        buttons = ctk.CTkFrame(self, fg_color="transparent")
        buttons.pack(fill="x", padx=16, pady=(4, 14))
        self.complete_button = ctk.CTkButton(buttons, text="Complete sale  (Enter)", height=40,
                                             font=theme.font(15, "bold"), fg_color=("#1e7d3a", "#23753b"),
                                             text_color=("white", "white"), hover_color=("#17602d", "#1b5e2f"),
                                             command=self.submit)
        self.complete_button.pack(side="right")
        self.part_button = ctk.CTkButton(buttons, text="Add part payment  (Ctrl+Enter)", height=40,
                                         font=theme.font(13), fg_color="transparent", border_width=1,
                                         text_color=("gray10", "gray90"), command=self.add_part)
        self.part_button.pack(side="right", padx=(0, 8))
        self._compact: bool | None = None
        for w in (self.amount, self.tendered, self.reference):
            w.bind("<Return>", lambda _e: self.submit() or "break")
            w.bind("<KP_Enter>", lambda _e: self.submit() or "break")
            w.bind("<Control-Return>", lambda _e: self.add_part() or "break")
            w.bind("<KeyRelease>", self._edited)
        self.set_mode("cash")

    # ------------------------------------------------------------------ state
    @property
    def visible(self) -> bool:
        return bool(self.winfo_manager())

    def _set_compact(self, compact: bool) -> None:
        """Narrower fields, QR and labels, so the panel fits over a narrow cart (1024-px window)."""
        if compact == self._compact:
            return
        self._compact = compact
        entry = 124 if compact else 170
        for w in (self.amount, self.tendered, self.reference):
            w.configure(width=entry)
        self.modes.configure(font=theme.font(11 if compact else 12))
        self.part_button.configure(text="Part payment  (Ctrl+Enter)" if compact else "Add part payment  (Ctrl+Enter)",
                                   font=theme.font(12 if compact else 13))
        self.complete_button.configure(font=theme.font(14 if compact else 15, "bold"))
        self._qr_size = 112 if compact else 150
        self._qr_for = None
        self.qr.configure(width=self._qr_size, height=self._qr_size)

    def open(self, mode: str | None = None) -> None:
        if not self.visible:
            if self._over is not None:
                self._over.update_idletasks()
                self._set_compact(self._over.winfo_width() < 600)
                self.place(in_=self._over, relx=0.0, rely=1.0, anchor="sw", x=8, y=-8)
            else:
                self.place(relx=1.0, rely=1.0, anchor="se", x=-8, y=-8)
        self.lift()
        self.error.configure(text="")
        self.set_mode(mode or self.mode)

    def close(self) -> None:
        if self.visible:
            self.place_forget()

    @property
    def parts(self) -> list:
        """The parts of a split payment already given (in the cart model)."""
        return self._cart().payments

    def reset(self) -> None:
        self._cart().payments = []
        self.mode = "cash"
        self._qr_for = None
        self.amount.set_amount(None)
        self.tendered.set_amount(None)
        clear_entry(self.reference)
        self.error.configure(text="")
        self._credits = self._dues = None
        self._has_customer = False
        self._render_parts()

    def set_due(self, amount: Decimal) -> None:
        changed = amount != self.due
        self.due = amount
        if changed and self.visible:
            self._prefill()
        self._render_parts()
        self._update_info()

    def set_customer(self, credits: Decimal | None, dues: Decimal | None, has_customer: bool) -> None:
        self._credits, self._dues, self._has_customer = credits, dues, has_customer
        self._update_info()

    def set_has_customer(self, has_customer: bool) -> None:
        """Whether the cart names a customer (found or new): on account / credits need one."""
        if has_customer != self._has_customer:
            self._has_customer = has_customer
            if not has_customer:
                self._credits = self._dues = None
            self._update_info()

    @property
    def remaining(self) -> Decimal:
        return self.due - sum((p.amount for p in self.parts), ZERO)

    def set_mode(self, mode: str) -> None:
        self.mode = mode if mode in self.MODES else "cash"
        self.modes.set(f"{LABELS[self.mode]} {self.MODES.index(self.mode) + 1}")
        self.tendered.grid_remove()
        self.reference.grid_remove()
        if self.mode == "cash":
            self.second_label.configure(text="Cash tendered")
            self.tendered.grid(row=1, column=1, sticky="w", padx=(12, 0))
            focus = self.tendered
        elif self.mode in ("upi", "card", "netbanking"):
            self.second_label.configure(text={"upi": "UPI transaction id", "card": "Card slip / approval no.",
                                              "netbanking": "Bank reference"}[self.mode])
            self.reference.grid(row=1, column=1, sticky="w", padx=(12, 0))
            focus = self.reference
        else:
            self.second_label.configure(text="")
            focus = self.amount
        self._prefill()
        if self.visible:
            focus.focus_set()

    def _mode_clicked(self, value: str) -> None:
        self.set_mode(self.MODES[int(value.rsplit(" ", 1)[1]) - 1])

    def _prefill(self) -> None:
        rest = max(self.remaining, ZERO)
        self._prefilled = rest
        self.amount.set_amount(str(rest))
        self.tendered.set_amount(None)
        self._update_info()

    # ------------------------------------------------------------------ parts
    def _current_amount(self) -> Decimal:
        value = self.amount.get_amount(field=f"{LABELS[self.mode]} amount")
        return self.remaining if value is None else value

    def _current_request(self, *, rest: bool):
        from billbook.services.selling.checkout import PaymentRequest
        amount = self._current_amount()
        tendered = self.tendered.get_amount(field="cash tendered") if self.mode == "cash" else None
        ref = self._reference()
        send_amount = None if rest and amount == self.remaining else amount
        return PaymentRequest(self.mode, send_amount, tendered, ref)

    def _reference(self) -> str | None:
        return self.reference.get().strip() or None if self.mode in ("upi", "card", "netbanking") else None

    def requests(self) -> list:
        """The payments to send: the parts already given plus this form (as 'the rest')."""
        from billbook.services.selling.checkout import PaymentRequest
        given = [PaymentRequest(p.mode, p.amount, None, p.reference) for p in self.parts]
        if self.remaining <= 0 and self.parts:
            return given
        return given + [self._current_request(rest=True)]

    def add_part(self) -> None:
        try:
            amount = self._current_amount()
            req = self._current_request(rest=False)
        except MoneyError as exc:
            self.show_error(str(exc))
            return
        if amount <= 0:
            self.show_error("The amount must be more than zero.")
            return
        if amount >= self.remaining:
            self.submit()
            return
        self._cart().add_payment(req.mode, amount, self._reference())
        self.error.configure(text="")
        clear_entry(self.reference)
        self.set_mode("cash")
        self._render_parts()

    def submit(self) -> None:
        try:
            amount = self._current_amount()
        except MoneyError as exc:
            self.show_error(str(exc))
            return
        if self.remaining > 0 and ZERO < amount < self.remaining:
            self.add_part()
            return
        self.error.configure(text="")
        self._on_complete()

    def show_error(self, text: str) -> None:
        self.error.configure(text=text)

    # ------------------------------------------------------------------ display
    def _render_parts(self) -> None:
        left = max(self.remaining, ZERO)
        self.due_label.configure(text=f"Due {_rupees(left)}" + (f"  of {_rupees(self.due)}" if self.parts else ""))
        if not self.parts:
            self.parts_label.configure(text="")
            return
        given = "  ·  ".join(f"{LABELS[p.mode]} {_rupees(p.amount)}" for p in self.parts)
        self.parts_label.configure(text=f"Paid so far: {given}  —  left to pay {_rupees(left)}")

    def _edited(self, event=None) -> None:
        """Every edit: an earlier complaint about the old figures goes, the figures are redone."""
        if event is None or event.keysym not in ("Return", "KP_Enter", "Escape"):
            self.error.configure(text="")
        self._update_info()

    def _update_info(self) -> None:
        """Recompute what is left, the change and the warnings from what is on screen now."""
        status = payment_status(self.due, self.parts, self.mode, self.amount.get_text(),
                                self.tendered.get_text() if self.mode == "cash" else None,
                                has_customer=self._has_customer, credits=self._credits)
        self.status = status
        text, colour = "", ("gray10", "gray90")
        if status.warning:
            text, colour = status.warning, (theme.ERROR if self.mode == "cash" or status.amount is None
                                            else theme.WARN)
        elif self.mode == "cash" and status.change is not None:
            text, colour = f"Change {_rupees(status.change)}", theme.OK
        elif self.mode == "credits":
            text = "Credits balance: " + format_number(self._credits) if self._credits is not None else ""
        elif self.mode == "account":
            text = f"Dues now {_rupees(self._dues or ZERO)}" if self._dues is not None else "Put on the customer's account"
        self.info.configure(text=text, text_color=colour)
        self._update_qr(status.amount)

    def _update_qr(self, amount: Decimal | None) -> None:
        shop = self.ctx.shop
        if self.mode != "upi" or amount is None or amount <= 0:
            self.qr.grid_remove()
            return
        if not shop.upi_vpa:
            self.info.configure(text="Add the shop's UPI id in Settings to show a QR here.", text_color=theme.MUTED)
            self.qr.grid_remove()
            return
        key = (shop.upi_vpa, shop.name, amount)
        if key != self._qr_for:
            self._qr_for = key
            self.qr.configure(image=upi_image(shop.upi_vpa, shop.name, amount, getattr(self, "_qr_size", 150)),
                              text="")
        self.qr.grid(row=0, column=1, rowspan=3, sticky="ne", padx=(12, 0))
        self.info.configure(text=f"Scan to pay {_rupees(amount)}", text_color=("gray10", "gray90"))


def upi_image(vpa: str, payee: str, amount: Decimal, size: int = 150) -> ctk.CTkImage:
    """A QR image for ``upi://pay?...&am=AMOUNT`` (payload built by documents.qr)."""
    from PIL import Image

    from billbook.documents.qr import qr_matrix, upi_payload
    matrix = qr_matrix(upi_payload(vpa, payee, parse_amount(amount), "billbook"))
    n = len(matrix)
    quiet = 2
    img = Image.new("L", (n + 2 * quiet, n + 2 * quiet), 255)
    px = img.load()
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                px[c + quiet, r + quiet] = 0
    img = img.resize((size, size), Image.NEAREST)
    return ctk.CTkImage(light_image=img, dark_image=img, size=(size, size))
