"""Products: paged as-you-type search over the whole catalog, add / edit with messages at
the field, deactivate, categories, CSV import (dry run first, every bad row listed) and
export. Every call goes through ``services/goods/catalog`` and ``services/data/csv_io``.
"""

from __future__ import annotations

from decimal import Decimal

import customtkinter as ctk

from billbook.domain.gst import UNIT_UQC
from billbook.domain.permissions import Permission
from billbook.gui.forms import (
    MUTED, Column, Dialogs, Form, all_errors, PagedTable, StatusLine, Table, error_text, header, money, qty, run_bg, section,
)
from billbook.gui.registry import screen
from billbook.gui.widgets.fit import wrap_to_width
from billbook.services.goods import catalog
from billbook.errors import ValidationError

SEARCH_DELAY_MS = 150
PAGE = 50

COLUMNS = [
    Column("sku", "SKU", 80, min_width=82), Column("name", "Name", 190, stretch=True), Column("category", "Category", 96),
    Column("unit", "Unit", 55), Column("price", "Price ₹", 80, "e", priority=92), Column("gst", "GST %", 60, "e"),
    Column("stock", "Stock", 62, "e"),
]


def rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f") if rate == rate.to_integral() else format(rate.normalize(), "f")


def product_row(p) -> tuple[str, tuple, object]:
    # inactive products (shown with "Show inactive") are greyed, not given a column
    return (p.sku, (p.sku, p.name, p.category or "", p.unit, money(p.price), rate_text(p.gst_rate), qty(p.stock_qty)), p)


@screen(key="products", title="Products", permission=Permission.VIEW_PRODUCTS, order=30, shortcut="<Control-Key-2>")
class ProductsScreen(ctk.CTkFrame):
    """The catalog: search on the left, the selected product's form on the right."""

    def __init__(self, master, ctx):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.can_edit = ctx.actor.can(Permission.MANAGE_PRODUCTS)
        self.editing: object | None = None      # the ProductInfo being edited, None for a new one
        self._search_job = None
        header(self, "Products", "search, add, edit, import").pack(fill="x", padx=20, pady=(16, 8))
        self.tabs = ctk.CTkTabview(self, anchor="nw", command=self._tab_changed)
        self.tabs.pack(fill="both", expand=True, padx=16, pady=(0, 16))
        self.tabs.add("Catalog")
        if self.can_edit:
            self.tabs.add("Categories")
            self.tabs.add("Import / export")
        self._build_catalog(self.tabs.tab("Catalog"))
        self._built: set[str] = {"Catalog"}     # the other tabs are built when first opened

    def _tab_changed(self) -> None:
        self.open_tab(self.tabs.get())

    def open_tab(self, name: str) -> None:
        """Show a tab, building it on first use (keeps opening the screen fast)."""
        if name not in self._built:
            self._built.add(name)
            if name == "Categories":
                self._build_categories(self.tabs.tab(name))
                self.reload_categories()
            elif name == "Import / export":
                self._build_import(self.tabs.tab(name))
        if self.tabs.get() != name:
            self.tabs.set(name)

    def on_show(self) -> None:
        self.table.reload()
        self.reload_categories()
        self.search.focus_set()

    # ------------------------------------------------------------ catalog

    def _build_catalog(self, tab) -> None:
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(1, weight=1)
        bar = ctk.CTkFrame(tab, fg_color="transparent")
        bar.grid(row=0, column=0, sticky="we", pady=(0, 6))
        if self.can_edit:
            ctk.CTkButton(bar, text="New product", width=110, command=self.new_product).pack(side="right")
        self.inactive = ctk.CTkSwitch(bar, text="Show inactive", command=self._search_now, width=40)
        self.inactive.pack(side="right", padx=10)
        self.search = ctk.CTkEntry(bar, placeholder_text="Search by name, or scan a barcode / type a SKU", width=150)
        self.search.pack(side="left", fill="x", expand=True)
        self.search.bind("<KeyRelease>", self._schedule_search)
        self.search.bind("<Return>", lambda _e: self._search_now())
        self.table = PagedTable(tab, self.ctx, COLUMNS, self._fetch, query=self._query, page_size=PAGE, height=16,
                                on_select=lambda _iid: self.edit_selected())
        self.table.grid(row=1, column=0, sticky="nsew")
        self.table.tree.tag_configure("inactive", foreground="gray55")
        self._build_form(tab)

    def _query(self) -> tuple[str, bool]:
        return self.search.get().strip(), bool(self.inactive.get())

    def _fetch(self, query: tuple[str, bool], offset: int, limit: int):
        text, include_inactive = query
        db, actor = self.ctx.db, self.ctx.actor
        rows: list = []
        if text and offset == 0 and " " not in text:
            hit = catalog.lookup_code(db, actor, text)          # barcode or SKU: exact hit first
            if hit is not None and (hit.active or include_inactive):
                rows.append(hit)
        page = catalog.search_products(db, actor, text, limit=limit, offset=offset, include_inactive=include_inactive)
        seen = {p.sku for p in rows}
        rows += [p for p in page.items if p.sku not in seen]
        total = page.total if page.total is not None or page.has_more else offset + len(page.items)
        tags = {p.sku: ("muted",) for p in rows if not p.active}
        return [product_row(p) for p in rows], total, tags

    def _schedule_search(self, event=None) -> None:
        if event is not None and event.keysym in ("Up", "Down", "Return", "Tab"):
            return
        if self._search_job is not None:
            self.after_cancel(self._search_job)
        self._search_job = self.after(SEARCH_DELAY_MS, self._search_now)

    def _search_now(self) -> None:
        self._search_job = None
        self.table.reload()

    # ------------------------------------------------------------ the form

    def _build_form(self, tab) -> None:
        panel = ctk.CTkFrame(tab)
        panel.grid(row=0, column=1, rowspan=2, sticky="nsew", padx=(12, 0))
        head = ctk.CTkFrame(panel, fg_color="transparent")
        head.pack(fill="x", padx=12, pady=(10, 4))
        self.form_title = section(head, "New product" if self.can_edit else "Product")
        self.form_title.pack(side="left")
        # barcode labels of the selected product (issue 18)
        self.labels_btn = ctk.CTkButton(head, text="Labels…", width=80, height=26, fg_color="transparent",
                                        border_width=1, text_color=("gray10", "gray90"),
                                        command=self.labels_for_selected)
        self.labels_btn.pack(side="right")
        rates = [rate_text(r) for r in self.ctx.shop.allowed_gst_rates]
        # the buttons stay at the bottom of the panel; the fields scroll when the window is low
        buttons = ctk.CTkFrame(panel, fg_color="transparent")
        buttons.pack(side="bottom", fill="x", padx=12, pady=(4, 12))
        fields = ctk.CTkScrollableFrame(panel, fg_color="transparent", width=310)
        fields.pack(fill="both", expand=True, padx=(12, 4))
        f = self.form = Form(fields, columns=2, aliases={"stock": "opening_stock"})
        f.pack(fill="x")
        f.add("sku", "SKU", width=122)
        f.add("barcode", "Barcode", width=122)
        f.add("name", "Name", width=260, span=2)
        f.add("category", "Category", kind="combo", width=122)
        f.add("hsn", "HSN/SAC", width=122)
        f.add("price", "Sale price ₹", width=122)
        f.add("cost_price", "Cost price ₹", width=122)
        f.add("gst_rate", "GST rate %", kind="option", values=rates, width=122)
        f.add("unit", "Unit", kind="option", values=list(UNIT_UQC), width=122)
        f.add("reorder_level", "Reorder level", width=122)
        f.add("opening_stock", "Opening stock", width=122)
        f.add("tax_inclusive", "Price includes GST", kind="switch", hint="Tax inclusive", width=122)
        f["unit"].set("pcs")
        f["gst_rate"].set("18" if "18" in rates else rates[-1])
        f.submit_with(self.save)       # Enter in any field saves
        fields.configure(width=f.natural_width() + 16)
        self.save_btn = ctk.CTkButton(buttons, text="Add product", width=130, command=self.save)
        self.save_btn.pack(side="left")
        self.active_btn = ctk.CTkButton(buttons, text="Deactivate", width=110, fg_color="transparent", border_width=1,
                                        text_color=("gray10", "gray90"), command=self.toggle_active)
        if not self.can_edit:
            for field in f.fields.values():
                field.input.configure(state="disabled")
            self.save_btn.configure(state="disabled")
            f.status.info("Only an admin can change products.")

    def labels_for_selected(self):
        """Barcode labels of the selected product (copies chosen in the panel)."""
        from billbook.gui.widgets.labels_dialog import LabelsDialog
        p = self.table.selected_obj()
        if p is None:
            self.ctx.notify("Choose a product first.", "info")
            return None
        self.labels_panel = LabelsDialog(self, self.ctx, f"Labels: {p.name}", lambda: [(p.sku, 1)],
                                         copies_editable=True).show()
        return self.labels_panel

    def new_product(self) -> None:
        self.editing = None
        self.form.clear()
        self.form["unit"].set("pcs")
        rates = [rate_text(r) for r in self.ctx.shop.allowed_gst_rates]
        self.form["gst_rate"].set("18" if "18" in rates else rates[-1])
        self.form["sku"].input.configure(state="normal")
        self.form["opening_stock"].input.configure(state="normal")
        self.form_title.configure(text="New product")
        self.save_btn.configure(text="Add product")
        self.active_btn.pack_forget()
        self.form["sku"].focus()

    def edit_selected(self) -> None:
        p = self.table.selected_obj()
        if p is None:
            return
        self.editing = p
        self.form.clear_errors()
        self.form["sku"].input.configure(state="normal")
        self.form["opening_stock"].input.configure(state="normal")
        self.form.set_values({
            "sku": p.sku, "barcode": p.barcode or "", "name": p.name, "category": p.category or "", "hsn": p.hsn,
            "price": str(p.price), "cost_price": str(p.cost_price), "gst_rate": rate_text(p.gst_rate),
            "unit": p.unit, "reorder_level": qty(p.reorder_level), "opening_stock": "",
            "tax_inclusive": p.tax_inclusive,
        })
        self.form["sku"].input.configure(state="disabled")
        self.form["opening_stock"].input.configure(state="disabled")
        self.form_title.configure(text=f"Edit {p.sku}")
        if self.can_edit:
            self.save_btn.configure(text="Save changes")
            self.active_btn.configure(text="Deactivate" if p.active else "Activate")
            self.active_btn.pack(side="left", padx=8)

    def save(self) -> None:
        v = self.form.values()
        self.form.clear_errors()
        db, actor = self.ctx.db, self.ctx.actor
        editing = self.editing
        # every bad field at once (the service's own rules), before anything is sent
        allowed = tuple(self.ctx.shop.allowed_gst_rates)
        problems = all_errors(catalog.validate_product_fields, dict(
            sku=editing.sku if editing is not None else v["sku"], name=v["name"], price=v["price"],
            gst_rate=v["gst_rate"], allowed_rates=allowed, hsn=v["hsn"], barcode=v["barcode"] or None,
            unit=v["unit"], stock=(v["opening_stock"] or "0") if editing is None else "0",
            reorder_level=v["reorder_level"] or "0", tax_inclusive=v["tax_inclusive"], category=v["category"],
            cost_price=v["cost_price"] or None), fallback=dict(
            sku="X", name="x", price="0", gst_rate=allowed[0] if allowed else "0", hsn="", barcode=None,
            unit="pcs", stock="0", reorder_level="0", category="", cost_price=None))
        if problems:
            self.form.show_errors(problems)
            return
        if editing is None:
            def call():
                return catalog.add_product(
                    db, actor, sku=v["sku"], name=v["name"], price=v["price"], gst_rate=v["gst_rate"], hsn=v["hsn"],
                    barcode=v["barcode"], unit=v["unit"], stock=v["opening_stock"], reorder_level=v["reorder_level"],
                    tax_inclusive=v["tax_inclusive"], category=v["category"], cost_price=v["cost_price"] or None)
            message = "Added {sku}."
        else:
            def call():
                return catalog.update_product(
                    db, actor, editing.sku, name=v["name"], price=v["price"], gst_rate=v["gst_rate"], hsn=v["hsn"],
                    barcode=v["barcode"], unit=v["unit"], reorder_level=v["reorder_level"] or "0",
                    tax_inclusive=v["tax_inclusive"], category=v["category"], cost_price=v["cost_price"] or "0")
            message = "Saved {sku}."

        def done(p):
            self.form.status.ok(message.format(sku=p.sku))
            self.table.reload(reset=editing is None)
            if editing is None:
                self.new_product()
                self.form.status.ok(message.format(sku=p.sku))
            else:
                self.editing = p
            self.reload_categories()
        run_bg(self.ctx, call, done, self.form.show_error)

    def toggle_active(self) -> None:
        p = self.editing
        if p is None:
            return
        fn = catalog.activate_product if not p.active else catalog.deactivate_product

        def done(info):
            self.editing = info
            self.active_btn.configure(text="Deactivate" if info.active else "Activate")
            self.form.status.ok(f"{info.sku} is {'active again' if info.active else 'deactivated (kept for history)'}.")
            self.table.reload(reset=False)
        run_bg(self.ctx, lambda: fn(self.ctx.db, self.ctx.actor, p.sku), done, self.form.show_error)

    # ------------------------------------------------------------ categories

    def _build_categories(self, tab) -> None:
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(0, weight=1)
        self.cat_table = Table(tab, [Column("name", "Category", 300, stretch=True),
                                     Column("products", "Products", 100, "e")], height=14,
                               on_select=lambda _iid: self._category_selected())
        self.cat_table.grid(row=0, column=0, sticky="nsew")
        side = ctk.CTkFrame(tab)
        side.grid(row=0, column=1, sticky="nsew", padx=(12, 0))
        f = self.cat_form = Form(side, columns=1)
        f.pack(padx=12, pady=12, anchor="nw")
        f.add("name", "Category name", width=240)
        f.submit_with(self.add_category)          # Enter adds; Rename and Delete stay on their buttons
        row = ctk.CTkFrame(side, fg_color="transparent")
        row.pack(anchor="w", padx=12)
        ctk.CTkButton(row, text="Add", width=70, command=self.add_category).pack(side="left")
        ctk.CTkButton(row, text="Rename", width=80, command=self.rename_category).pack(side="left", padx=6)
        ctk.CTkButton(row, text="Delete", width=70, command=self.delete_category).pack(side="left")
        ctk.CTkLabel(side, text="A category with products cannot be deleted;\nmove its products first.",
                     text_color=MUTED, justify="left").pack(anchor="w", padx=12, pady=12)

    def reload_categories(self) -> None:
        if not self.can_edit:
            return

        def done(cats):
            if "Categories" in self._built:
                self.cat_table.set_rows([(str(c.id), (c.name, c.products), c) for c in cats])
            self.form["category"].set_values([c.name for c in cats])
        run_bg(self.ctx, lambda: catalog.list_categories(self.ctx.db, self.ctx.actor), done,
               lambda e: self.form.status.error(error_text(e)))

    def _category_selected(self) -> None:
        c = self.cat_table.selected_obj()
        if c is not None:
            self.cat_form["name"].set(c.name)

    def _category_call(self, fn, message: str) -> None:
        def done(_r):
            self.cat_form.status.ok(message)
            self.reload_categories()
        run_bg(self.ctx, fn, done, self.cat_form.show_error)

    def add_category(self) -> None:
        name = self.cat_form["name"].get()
        self._category_call(lambda: catalog.add_category(self.ctx.db, self.ctx.actor, name), f"Added {name.strip()}.")

    def rename_category(self) -> None:
        c = self.cat_table.selected_obj()
        if c is None:
            self.cat_form.status.error("Select the category to rename.")
            return
        name = self.cat_form["name"].get()
        self._category_call(lambda: catalog.rename_category(self.ctx.db, self.ctx.actor, c.name, name),
                            f"Renamed {c.name} to {name.strip()}.")

    def delete_category(self) -> None:
        c = self.cat_table.selected_obj()
        if c is None:
            self.cat_form.status.error("Select the category to delete.")
            return
        self._category_call(lambda: catalog.delete_category(self.ctx.db, self.ctx.actor, c.name), f"Deleted {c.name}.")

    # ------------------------------------------------------------ import / export

    def _build_import(self, tab) -> None:
        tab.grid_columnconfigure(0, weight=1)
        tab.grid_rowconfigure(3, weight=1)
        wrap_to_width(ctk.CTkLabel(tab, text="Import products from a CSV file (header row; columns sku, name, price, gst_rate, and "
                               "optionally barcode, category, hsn, unit, cost_price, stock, reorder_level, "
                               "tax_inclusive). The file is checked first; nothing is written unless every row is good.",
                     justify="left", anchor="w")).grid(row=0, column=0, sticky="we", pady=(0, 8))
        row = ctk.CTkFrame(tab, fg_color="transparent")
        row.grid(row=1, column=0, sticky="we")
        ctk.CTkButton(row, text="Check a CSV file…", command=self.choose_import).pack(side="left")
        self.import_btn = ctk.CTkButton(row, text="Import", state="disabled", command=self.run_import)
        self.import_btn.pack(side="left", padx=8)
        ctk.CTkButton(row, text="Export catalog…", command=self.export).pack(side="right")
        self.import_status = wrap_to_width(StatusLine(tab))
        self.import_status.grid(row=2, column=0, sticky="we", pady=6)
        self.errors_table = Table(tab, [Column("line", "Line", 70, "e"), Column("field", "Field", 140),
                                        Column("message", "Problem", 600, stretch=True)], height=12)
        self.errors_table.grid(row=3, column=0, sticky="nsew")
        self.import_path: str | None = None

    def choose_import(self) -> None:
        path = Dialogs.open_path(self, title="Import products", types=[("CSV", "*.csv"), ("All", "*")])
        if path:
            self.check_import(path)

    def _show_report(self, report) -> None:
        self.errors_table.set_rows([(str(i), (e.line, e.field or "", e.message), e)
                                    for i, e in enumerate(report.errors)], tags={str(i): ("bad",) for i in
                                                                                 range(len(report.errors))})

    def check_import(self, path: str) -> None:
        from billbook.services.data import csv_io
        self.import_path = None
        self.import_btn.configure(state="disabled")
        self.import_status.info(f"Checking {path}…")

        def done(report):
            self._show_report(report)
            if report.ok:
                self.import_path = path
                self.import_btn.configure(state="normal")
                self.import_status.ok(f"{report.rows:,} rows, all good. Press Import to add them.")
            else:
                self.import_status.error(f"{len(report.errors):,} bad row(s) of {report.rows:,}; fix the file and "
                                         "check it again. Nothing was imported.")
        run_bg(self.ctx, lambda: csv_io.import_products(self.ctx.db, self.ctx.actor, path, dry_run=True), done,
               lambda e: self.import_status.error(error_text(e)), busy="Checking the CSV file…")

    def run_import(self) -> None:
        from billbook.services.data import csv_io
        path = self.import_path
        if not path:
            return
        self.import_btn.configure(state="disabled")
        self.import_status.info("Importing…")

        def done(report):
            self.import_path = None
            self.import_status.ok(f"Imported {report.imported:,} products.")
            self.table.reload()
            self.reload_categories()

        def failed(exc):
            report = getattr(exc, "report", None)
            if report is not None:
                self._show_report(report)
            self.import_status.error(error_text(exc))
        run_bg(self.ctx, lambda: csv_io.import_products(self.ctx.db, self.ctx.actor, path), done, failed,
               busy="Importing products…")

    def export(self) -> None:
        path = Dialogs.save_path(self, title="Export the catalog", default="products.csv", types=[("CSV", "*.csv")])
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        from billbook.services.data import csv_io
        run_bg(self.ctx, lambda: csv_io.export_products(self.ctx.db, self.ctx.actor, path, bom=True, include_inactive=True),
               lambda n: self.import_status.ok(f"Exported {n:,} products to {path}."),
               lambda e: self.import_status.error(error_text(e)), busy="Exporting the catalog…")


__all__ = ["ProductsScreen", "ValidationError"]
