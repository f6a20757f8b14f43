"""Inventory (admin): low stock with suggested order quantities, each product's stock ledger,
adjustments with a reason, suppliers, and purchase orders (create, order, PDF, receive
partly or fully). Calls ``services/goods/inventory``, ``suppliers``, ``purchasing``, ``documents``.
"""

from __future__ import annotations

import customtkinter as ctk

from billbook.domain.permissions import Permission
from billbook.gui import theme
from billbook.gui.forms import (
    MUTED, Column, Form, StatusLine, Table, error_text, header, money, qty, run_bg, section,
)
from billbook.gui.registry import screen
from billbook.gui.widgets.fit import ElidedLabel
from billbook.gui.widgets.lazy_tabs import LazyTabview
from billbook.services.goods import catalog
from billbook.services.goods import inventory
from billbook.services.goods import purchasing
from billbook.services.goods import suppliers
from billbook.errors import ValidationError
from billbook.services.ledgers.stock import ADJUSTMENT_KINDS

STATUS_NAMES = {"draft": "Draft", "ordered": "Ordered", "partially_received": "Part received", "received": "Received",
                "cancelled": "Cancelled"}


def parse_lines(text: str) -> list[tuple[str, str, str]]:
    """'SKU, qty, unit cost' per line (commas or spaces) -> items for ``create_po``."""
    items = []
    for n, raw in enumerate(text.splitlines(), 1):
        parts = [p for p in raw.replace(",", " ").split() if p]
        if not parts:
            continue
        if len(parts) != 3:
            raise ValidationError("lines", f"line {n}: write SKU, quantity, unit cost")
        items.append((parts[0], parts[1], parts[2]))
    return items


@screen(key="inventory", title="Inventory", permission=Permission.MANAGE_STOCK, order=35,
        shortcut="<Control-Key-4>")
class InventoryScreen(ctk.CTkFrame):
    def __init__(self, master, ctx):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.allowed = ctx.actor.can(Permission.MANAGE_STOCK)
        header(self, "Inventory", "low stock, ledger, adjustments, suppliers, purchase orders").pack(
            fill="x", padx=20, pady=(16, 8))
        if not self.allowed:
            self.refusal = ctk.CTkLabel(self, text="Inventory is for admins.", text_color=MUTED)
            self.refusal.pack(pady=40)
            return
        self.sku = None
        self.po = None
        # each tab is built on its first visit: opening Inventory builds only the tab in sight (issue 16)
        self.tabs = LazyTabview(self, {"Stock": self._build_stock, "Suppliers": self._build_suppliers,
                                       "Purchase orders": self._build_pos}, on_built=self._tab_built, anchor="nw")
        self.tabs.pack(fill="both", expand=True, padx=16, pady=(0, 16))
        self.built = self.tabs.built
        self.tabs.build_current()

    def show_tab(self, name: str) -> None:
        """Bring tab ``name`` to the front, building (and loading) it on its first visit."""
        self.tabs.show_tab(name)

    def _tab_built(self, name: str) -> None:
        if self.winfo_ismapped():           # a later visit; the first one loads in on_show
            self._reload(name)

    def _reload(self, name: str) -> None:
        if name == "Stock":
            self.reload_low()
        elif name == "Suppliers":
            self.reload_suppliers()
        else:
            self.reload_suppliers()         # the new order's supplier menu
            self.reload_pos()

    def on_show(self) -> None:
        if self.allowed:
            for name in self.built:
                self._reload(name)

    # ------------------------------------------------------------ stock

    def _build_stock(self, tab) -> None:
        tab.grid_columnconfigure(0, weight=1, uniform="s")
        tab.grid_columnconfigure(1, weight=1, uniform="s")
        tab.grid_rowconfigure(1, weight=1)
        low_head = ctk.CTkFrame(tab, fg_color="transparent")
        low_head.grid(row=0, column=0, sticky="we", padx=(0, 8))
        section(low_head, "Low stock (at or below reorder level)").pack(side="left")
        ctk.CTkButton(low_head, text="Labels…", width=80, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=self.labels_for_low_stock).pack(side="right")
        self.low = Table(tab, [Column("sku", "SKU", 80), Column("name", "Name", 130, stretch=True),
                               Column("stock", "Stock", 60, "e"), Column("level", "Level", 60, "e"),
                               Column("order", "Ordered", 82, "e"), Column("suggest", "Order", 65, "e")],
                         height=16, on_select=lambda iid: self.open_ledger(iid))
        self.low.grid(row=1, column=0, sticky="nsew", padx=(0, 8))
        right = ctk.CTkFrame(tab, fg_color="transparent")
        right.grid(row=0, column=1, rowspan=2, sticky="nsew")
        right.grid_columnconfigure(0, weight=1)
        right.grid_rowconfigure(1, weight=1)
        bar = ctk.CTkFrame(right, fg_color="transparent")
        bar.grid(row=0, column=0, sticky="we")
        self.ledger_sku = ctk.CTkEntry(bar, placeholder_text="SKU or barcode", width=160)
        self.ledger_sku.pack(side="left")
        self.ledger_sku.bind("<Return>", lambda _e: self.open_ledger(self.ledger_sku.get().strip()))
        ctk.CTkButton(bar, text="Show ledger", width=110,
                      command=lambda: self.open_ledger(self.ledger_sku.get().strip())).pack(side="left", padx=6)
        self.ledger_title = ElidedLabel(bar, text="", anchor="w", font=theme.font(13, "bold"))
        self.ledger_title.pack(side="left", padx=6, fill="x", expand=True)
        self.ledger = Table(right, [Column("at", "When", 134), Column("reason", "Reason", 72),
                                    Column("detail", "Detail", 64, stretch=True), Column("delta", "Change", 74, "e"),
                                    Column("balance", "Balance", 80, "e"), Column("user", "By", 56)], height=10)
        self.ledger.grid(row=1, column=0, sticky="nsew", pady=4)
        adj = ctk.CTkFrame(right, fg_color="transparent")
        adj.grid(row=2, column=0, sticky="we")
        f = self.adjust_form = Form(adj, columns=3)
        f.pack(anchor="nw")
        f.add("delta", "Change (+/−)", width=100)
        f.add("reason", "Reason", kind="option", values=list(ADJUSTMENT_KINDS), width=110)
        f.add("note", "Note", width=130)
        f["reason"].set("")
        ctk.CTkButton(adj, text="Adjust", width=80, command=self.adjust).pack(anchor="w")
        f.submit_with(self.adjust)

    def screenshot_ready(self) -> None:
        """For the screenshot script: show a ledger (the first low-stock product, else any)."""
        first = next(iter(self.low.rows), None)
        if first is None:
            page = catalog.search_products(self.ctx.db, self.ctx.actor, "", limit=1)
            first = page.items[0].sku if page.items else None
        self.open_ledger(first)

    def reload_low(self) -> None:
        def done(rows):
            self.low.set_rows([(r.sku, (r.sku, r.name, qty(r.stock_qty), qty(r.reorder_level), qty(r.on_order),
                                        qty(r.suggested_qty)), r) for r in rows],
                              tags={r.sku: ("low",) for r in rows})
        run_bg(self.ctx, lambda: inventory.low_stock(self.ctx.db, self.ctx.actor), done,
               lambda e: self.adjust_form.status.error(error_text(e)))

    def open_ledger(self, sku: str | None) -> None:
        if not sku:
            return

        def done(card):
            p = card.product
            self.sku = p.sku
            self.ledger_title.configure(text=f"{p.sku} · stock {qty(p.stock_qty)} {p.unit}")
            self.ledger.set_rows([(str(m.id), (f"{m.at:%d-%m-%y %H:%M}", m.reason, m.detail, qty(m.qty_delta),
                                               qty(m.balance), m.user or ""), m) for m in card.movements])
            if card.movements:
                self.ledger.tree.see(str(card.movements[-1].id))
        run_bg(self.ctx, lambda: inventory.stock_card(self.ctx.db, self.ctx.actor, sku), done,
               lambda e: self.adjust_form.status.error(error_text(e)))

    def adjust(self) -> None:
        if not self.sku:
            self.adjust_form.status.error("Choose a product first (a low-stock row or a SKU).")
            return
        v = self.adjust_form.values()
        sku = self.sku
        self.adjust_form.clear_errors()

        def done(p):
            self.adjust_form.clear()
            self.adjust_form.status.ok(f"{p.sku}: stock now {qty(p.stock_qty)}.")
            self.open_ledger(p.sku)
            self.reload_low()
        run_bg(self.ctx, lambda: inventory.adjust_stock(self.ctx.db, self.ctx.actor, sku, v["delta"], v["reason"],
                                                        v["note"]),
               done, self.adjust_form.show_error)

    # ------------------------------------------------------------ suppliers

    def _build_suppliers(self, tab) -> None:
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(0, weight=1)
        self.sup_table = Table(tab, [Column("name", "Supplier", 200, stretch=True), Column("phone", "Phone", 110),
                                     Column("gstin", "GSTIN", 150), Column("orders", "Orders", 70, "e")], height=14)
        self.sup_table.grid(row=0, column=0, sticky="nsew")
        side = ctk.CTkFrame(tab)
        side.grid(row=0, column=1, sticky="nsew", padx=(12, 0))
        section(side, "Add a supplier").pack(anchor="w", padx=12, pady=(10, 4))
        f = self.sup_form = Form(side, columns=1)
        f.pack(padx=12, anchor="nw")
        f.add("name", "Name", width=240)
        f.add("phone", "Phone", width=240)
        f.add("email", "Email", width=240)
        f.add("gstin", "GSTIN", width=240)
        f.submit_with(self.add_supplier)
        ctk.CTkButton(side, text="Add supplier", command=self.add_supplier).pack(anchor="w", padx=12, pady=8)

    def reload_suppliers(self) -> None:
        def done(sups):
            if "Suppliers" in self.built:
                self.sup_table.set_rows([(s.name, (s.name, s.phone, s.gstin, s.orders), s) for s in sups])
            if "Purchase orders" in self.built:
                names = [s.name for s in sups if s.active]
                self.po_supplier.configure(values=names or [""])
                if names and self.po_supplier.get() not in names:
                    self.po_supplier.set(names[0])

        def failed(exc):
            status = self.sup_form.status if "Suppliers" in self.built else self.po_status
            status.error(error_text(exc))
        run_bg(self.ctx, lambda: suppliers.list_suppliers(self.ctx.db, self.ctx.actor), done, failed)

    def add_supplier(self) -> None:
        v = self.sup_form.values()
        self.sup_form.clear_errors()

        def done(s):
            self.sup_form.clear()
            self.sup_form.status.ok(f"Added {s.name}.")
            self.reload_suppliers()
        run_bg(self.ctx, lambda: suppliers.add_supplier(self.ctx.db, self.ctx.actor, v["name"], phone=v["phone"],
                                                        email=v["email"], gstin=v["gstin"] or None),
               done, self.sup_form.show_error)

    # ------------------------------------------------------------ purchase orders

    def _build_pos(self, tab) -> None:
        tab.grid_columnconfigure(0, weight=2, uniform="p")
        tab.grid_columnconfigure(1, weight=3, uniform="p")
        tab.grid_rowconfigure(0, weight=1)
        left = ctk.CTkFrame(tab, fg_color="transparent")
        left.grid(row=0, column=0, sticky="nsew", padx=(0, 10))
        left.grid_rowconfigure(0, weight=1)
        left.grid_columnconfigure(0, weight=1)
        self.po_table = Table(left, [Column("number", "PO", 120), Column("supplier", "Supplier", 120, stretch=True),
                                     Column("status", "Status", 95), Column("total", "Total ₹", 90, "e")], height=9,
                              on_select=lambda _iid: self._po_selected())
        self.po_table.grid(row=0, column=0, sticky="nsew")
        new = ctk.CTkFrame(left)
        new.grid(row=1, column=0, sticky="we", pady=(8, 0))
        section(new, "New purchase order").pack(anchor="w", padx=10, pady=(8, 2))
        row = ctk.CTkFrame(new, fg_color="transparent")
        row.pack(fill="x", padx=10)
        ctk.CTkLabel(row, text="Supplier").pack(side="left")
        self.po_supplier = ctk.CTkOptionMenu(row, values=[""], width=150, dynamic_resizing=False)
        self.po_supplier.pack(side="left", padx=6, fill="x", expand=True)
        ctk.CTkButton(new, text="Fill from low stock", width=140, command=self.fill_from_low).pack(anchor="w", padx=10,
                                                                                                pady=(4, 0))
        f = self.po_form = Form(new, columns=1, aliases={"items": "lines", "supplier": "lines"})
        f.pack(fill="x", padx=10)
        f.add("lines", "Lines: SKU, quantity, unit cost (one a line)", kind="text", width=240)
        ctk.CTkButton(new, text="Create draft", width=120, command=self.create_po).pack(anchor="w", padx=10,
                                                                                         pady=(0, 10))

        right = ctk.CTkFrame(tab)
        right.grid(row=0, column=1, sticky="nsew")
        right.grid_columnconfigure(0, weight=1)
        right.grid_rowconfigure(1, weight=1)
        self.po_title = ElidedLabel(right, text="Select a purchase order", font=theme.font(15, "bold"), anchor="w")
        self.po_title.grid(row=0, column=0, sticky="we", padx=12, pady=(10, 4))
        self.po_lines = Table(right, [Column("sku", "SKU", 90), Column("name", "Item", 160, stretch=True),
                                      Column("qty", "Ordered", 70, "e"), Column("received", "Received", 75, "e"),
                                      Column("remaining", "Left", 60, "e"), Column("cost", "Cost ₹", 80, "e"),
                                      Column("amount", "Amount ₹", 90, "e")], height=10)
        self.po_lines.grid(row=1, column=0, sticky="nsew", padx=12)
        actions = ctk.CTkFrame(right, fg_color="transparent")
        actions.grid(row=2, column=0, sticky="we", padx=12, pady=8)
        self.order_btn = ctk.CTkButton(actions, text="Mark ordered", width=110, command=self.order_po)
        self.order_btn.pack(side="left")
        self.pdf_btn = ctk.CTkButton(actions, text="PDF to send", width=100, command=self.po_pdf)
        self.pdf_btn.pack(side="left", padx=6)
        self.receive_all_btn = ctk.CTkButton(actions, text="Receive all", width=100, command=self.receive_all)
        self.receive_all_btn.pack(side="left", padx=(6, 0))
        receiving = ctk.CTkFrame(right, fg_color="transparent")      # a second row: fits a narrow window
        receiving.grid(row=3, column=0, sticky="we", padx=12, pady=(0, 8))
        self.receive_qty = ctk.CTkEntry(receiving, placeholder_text="qty", width=70)
        self.receive_qty.pack(side="left", padx=(0, 4))
        self.receive_line_btn = ctk.CTkButton(receiving, text="Receive line", width=100, command=self.receive_line)
        self.receive_line_btn.pack(side="left")
        self.po_labels_btn = ctk.CTkButton(receiving, text="Labels…", width=80, fg_color="transparent",
                                           border_width=1, text_color=("gray10", "gray90"),
                                           command=self.labels_for_po)
        self.po_labels_btn.pack(side="left", padx=(12, 0))
        self.cancel_btn = ctk.CTkButton(receiving, text="Cancel PO", width=90, fg_color="transparent", border_width=1,
                                        text_color=("gray10", "gray90"), command=self.cancel_po)
        self.cancel_btn.pack(side="right")
        self.po_status = StatusLine(right)
        self.po_status.grid(row=4, column=0, sticky="we", padx=12, pady=(0, 8))

    # ------------------------------------------------------------ barcode labels (issue 18)

    def labels_for_low_stock(self):
        from billbook.gui.widgets.labels_dialog import LabelsDialog
        from billbook.services.goods import labels
        ctx = self.ctx
        self.labels_panel = LabelsDialog(self, ctx, "Labels for low-stock products",
                                         lambda: labels.low_stock_requests(ctx.db, ctx.actor)).show()
        return self.labels_panel

    def labels_for_po(self):
        """A label for each unit received on the selected purchase order."""
        from billbook.gui.widgets.labels_dialog import LabelsDialog
        from billbook.services.goods import labels
        po = self.po_table.selected_obj()
        if po is None:
            self.po_status.error("Choose a purchase order first.")
            return None
        ctx = self.ctx
        self.labels_panel = LabelsDialog(self, ctx, f"Labels for what was received on {po.number}",
                                         lambda: labels.received_po_requests(ctx.db, ctx.actor, po.number)).show()
        return self.labels_panel

    def reload_pos(self, select: str | None = None) -> None:
        def done(pos):
            self.po_table.set_rows([(p.number, (p.number, p.supplier, STATUS_NAMES.get(p.status, p.status),
                                                money(p.total)), p) for p in pos],
                                   tags={p.number: ("muted",) for p in pos if p.status in ("received", "cancelled")})
            if select and select in self.po_table.rows:
                self.po_table.select(select)
                self._show_po(self.po_table.rows[select])
        run_bg(self.ctx, lambda: purchasing.list_pos(self.ctx.db, self.ctx.actor), done,
               lambda e: self.po_status.error(error_text(e)))

    def _po_selected(self) -> None:
        po = self.po_table.selected_obj()
        if po is not None:
            self._show_po(po)

    def _show_po(self, po) -> None:
        self.po = po
        self.po_title.configure(text=f"{po.number} · {po.supplier} · {STATUS_NAMES.get(po.status, po.status)} · "
                                     f"total ₹{money(po.total)}")
        self.po_lines.set_rows([(ln.sku, (ln.sku, ln.name, qty(ln.qty), qty(ln.received_qty), qty(ln.remaining),
                                          money(ln.unit_cost), money(ln.amount)), ln) for ln in po.lines])
        open_ = po.status in ("ordered", "partially_received")
        self.order_btn.configure(state="normal" if po.status == "draft" else "disabled")
        self.receive_all_btn.configure(state="normal" if open_ else "disabled")
        self.receive_line_btn.configure(state="normal" if open_ else "disabled")
        self.cancel_btn.configure(state="normal" if po.status in ("draft", "ordered") else "disabled")

    def fill_from_low(self) -> None:
        def fetch():
            rows = inventory.low_stock(self.ctx.db, self.ctx.actor)
            out = []
            for r in rows:
                if r.suggested_qty > 0:
                    cost = catalog.get_product(self.ctx.db, self.ctx.actor, r.sku).cost_price
                    out.append(f"{r.sku}, {qty(r.suggested_qty)}, {cost}")
            return out

        def done(lines):
            self.po_form["lines"].set("\n".join(lines))
            self.po_form.status.info(f"{len(lines)} line(s) from the low-stock list; check the costs, then create."
                                     if lines else "Nothing is below its reorder level.")
        run_bg(self.ctx, fetch, done, self.po_form.show_error)

    def create_po(self) -> None:
        supplier = self.po_supplier.get()
        text = self.po_form["lines"].get()
        self.po_form.clear_errors()
        if not supplier:
            self.po_form.show_error(ValidationError("lines", "add a supplier first (Suppliers tab)"))
            return

        def call():
            return purchasing.create_po(self.ctx.db, self.ctx.actor, supplier, parse_lines(text))

        def done(po):
            self.po_form["lines"].set("")
            self.po_form.status.ok(f"{po.number} created as a draft.")
            self.reload_pos(select=po.number)
        run_bg(self.ctx, call, done, self.po_form.show_error)

    def _po_call(self, fn, message: str) -> None:
        po = self.po
        if po is None:
            self.po_status.error("Select a purchase order first.")
            return

        def done(info):
            self.po_status.ok(message.format(number=info.number, status=STATUS_NAMES.get(info.status, info.status)))
            self.reload_pos(select=info.number)
            self.reload_low()
        run_bg(self.ctx, lambda: fn(po), done, lambda e: self.po_status.error(error_text(e)))

    def order_po(self) -> None:
        self._po_call(lambda po: purchasing.order_po(self.ctx.db, self.ctx.actor, po.number), "{number} is ordered.")

    def cancel_po(self) -> None:
        self._po_call(lambda po: purchasing.cancel_po(self.ctx.db, self.ctx.actor, po.number), "{number} cancelled.")

    def receive_all(self) -> None:
        self._po_call(lambda po: purchasing.receive_po(self.ctx.db, self.ctx.actor, po.number),
                      "{number}: everything received ({status}).")

    def receive_line(self) -> None:
        line = self.po_lines.selected_obj()
        if line is None:
            self.po_status.error("Select the line that arrived, and type the quantity.")
            return
        amount = self.receive_qty.get().strip()
        self._po_call(lambda po: purchasing.receive_po(self.ctx.db, self.ctx.actor, po.number, [(line.sku, amount)]),
                      "{number}: received " + amount + f" of {line.sku} ({{status}}).")

    def po_pdf(self) -> None:
        po = self.po
        if po is None:
            self.po_status.error("Select a purchase order first.")
            return
        from billbook.services.selling import documents

        def done(path):
            self.po_status.ok(f"PDF written: {path}")
            if hasattr(self.ctx, "open_document"):
                self.ctx.open_document(path)
        run_bg(self.ctx, lambda: documents.purchase_order_pdf(self.ctx.db, self.ctx.actor, po.number), done,
               lambda e: self.po_status.error(error_text(e)), busy="Writing the purchase order PDF…")

