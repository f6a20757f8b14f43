"""Barcode labels from a screen: the products and copies chosen there (one product from the
Products screen, the low-stock list, a received purchase order), an A4 sheet layout, then a PDF
to print or the terminal's label printer. Self-contained: the calling screen passes a function
that returns ``[(SKU, copies), ...]`` (run in the background) and a title."""

from __future__ import annotations

from typing import Callable

import customtkinter as ctk

LAYOUTS = {"65 a sheet (38 × 21 mm)": 65, "48 a sheet (46 × 21 mm)": 48, "24 a sheet (64 × 34 mm)": 24}


class LabelsDialog(ctk.CTkFrame):
    """An inline panel (placed over the calling screen): copies, layout, first free label, print."""

    def __init__(self, master, ctx, title: str, requests: Callable[[], list[tuple[str, int]]], *,
                 copies_editable: bool = False):
        super().__init__(master, corner_radius=12, border_width=1)
        self.ctx = ctx
        self._requests = requests
        self.requests: list[tuple[str, int]] = []
        self.copies_editable = copies_editable
        ctk.CTkLabel(self, text=title, font=ctk.CTkFont(size=15, weight="bold"), anchor="w").grid(
            row=0, column=0, columnspan=3, sticky="w", padx=14, pady=(12, 4))
        self.summary = ctk.CTkLabel(self, text="Finding the products…", anchor="w", justify="left", wraplength=420)
        self.summary.grid(row=1, column=0, columnspan=3, sticky="w", padx=14)
        ctk.CTkLabel(self, text="Copies").grid(row=2, column=0, sticky="w", padx=14, pady=(8, 0))
        ctk.CTkLabel(self, text="A4 sheet").grid(row=2, column=1, sticky="w", padx=6, pady=(8, 0))
        ctk.CTkLabel(self, text="Labels used").grid(row=2, column=2, sticky="w", padx=6, pady=(8, 0))
        self.copies = ctk.CTkEntry(self, width=70)
        self.copies.grid(row=3, column=0, sticky="w", padx=14)
        if not copies_editable:
            self.copies.configure(state="disabled")
        self.layout = ctk.CTkOptionMenu(self, values=list(LAYOUTS), width=200)
        self.layout.grid(row=3, column=1, sticky="w", padx=6)
        self.skip = ctk.CTkEntry(self, width=70, placeholder_text="0")
        self.skip.grid(row=3, column=2, sticky="w", padx=6)
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=4, column=0, columnspan=3, sticky="we", padx=14, pady=(10, 4))
        self.pdf_button = ctk.CTkButton(row, text="A4 label sheet (PDF)", width=170, command=self.make_pdf)
        self.pdf_button.pack(side="left")
        self.print_button = ctk.CTkButton(row, text="Label printer", width=120, command=self.send_to_printer)
        self.print_button.pack(side="left", padx=8)
        ctk.CTkButton(row, text="Close", width=80, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90"), command=self.close).pack(side="right")
        self.status = ctk.CTkLabel(self, text="", anchor="w", justify="left", wraplength=440)
        self.status.grid(row=5, column=0, columnspan=3, sticky="w", padx=14, pady=(0, 12))

    def show(self) -> LabelsDialog:
        self.place(relx=0.5, rely=0.4, anchor="center")
        self.lift()
        self.ctx.run_in_background(self._requests, on_done=self._loaded,
                                   on_error=lambda exc: self._error(exc))
        return self

    def close(self) -> None:
        self.place_forget()
        self.destroy()

    def _error(self, exc) -> None:
        self.status.configure(text=str(exc), text_color=("#b42318", "#ff8a80"))

    def _loaded(self, requests) -> None:
        self.requests = list(requests)
        n = sum(int(c) for _, c in self.requests)
        if self.copies_editable and len(self.requests) == 1:
            self.copies.delete(0, "end")
            self.copies.insert(0, str(self.requests[0][1]))
        names = ", ".join(sku for sku, _ in self.requests[:6]) + ("…" if len(self.requests) > 6 else "")
        self.summary.configure(text=f"{len(self.requests)} product{'s' if len(self.requests) != 1 else ''}, "
                                    f"{n} label{'s' if n != 1 else ''}: {names}" if self.requests else
                               "No products to label.")

    def _chosen(self) -> list[tuple[str, str]]:
        if self.copies_editable and len(self.requests) == 1:
            return [(self.requests[0][0], self.copies.get().strip() or "1")]
        return [(sku, str(c)) for sku, c in self.requests]

    def make_pdf(self) -> None:
        from billbook.services.goods import labels
        chosen, layout, skip = self._chosen(), LAYOUTS[self.layout.get()], self.skip.get().strip() or "0"
        ctx = self.ctx

        def done(result) -> None:
            text = f"{result.labels} labels on {result.pages} sheet{'s' if result.pages != 1 else ''}: {result.path}"
            if result.warnings:
                text += "\n" + "\n".join(result.warnings)
            self.status.configure(text=text, text_color=("gray10", "gray90"))
            ctx.open_document(result.path)

        ctx.run_in_background(lambda: labels.labels_pdf(ctx.db, ctx.actor, chosen, layout=layout, skip=skip),
                              on_done=done, on_error=self._error, busy="Making the labels…")

    def send_to_printer(self) -> None:
        from billbook.services.goods import labels
        chosen, ctx = self._chosen(), self.ctx
        ctx.run_in_background(
            lambda: labels.print_labels(ctx.db, ctx.actor, chosen, terminal=getattr(ctx, "terminal", "") or None),
            on_done=lambda r: self.status.configure(text=f"{r.labels} labels sent to the label printer.",
                                                    text_color=("gray10", "gray90")),
            on_error=self._error)
