"""Settings → Printers: this terminal's receipt, A4 and label printers, test pages, the cash
drawer key (admins, with a reason), and the shop's weighing-scale barcode layout.

A self-contained panel the Settings screen puts in its own tab; everything goes through
``services/selling/printing`` and ``services/selling/scanning`` in the background.
"""

from __future__ import annotations

import customtkinter as ctk

from billbook.domain.permissions import Permission
from billbook.gui.forms import MUTED, Form, StatusLine, error_text, run_bg, section

WIDTHS = {"80 mm (48 columns)": 80, "58 mm (32 columns)": 58}
LANGUAGES = {"ZPL (Zebra)": "zpl", "TSPL (TSC, Xprinter)": "tspl"}
SCALE_KINDS = {"Weight in grams": "weight", "Price in paise": "price"}
NO_PRINTER = "(none)"


def _key(mapping: dict, value) -> str:
    return next((k for k, v in mapping.items() if v == value), next(iter(mapping)))


class PrintersPanel(ctk.CTkFrame):
    def __init__(self, master, ctx):
        super().__init__(master, fg_color="transparent")
        self.ctx = ctx
        self.terminal = getattr(ctx, "terminal", "") or None
        self.printers: dict = {}
        head = ctk.CTkFrame(self, fg_color="transparent")
        head.pack(fill="x", padx=8, pady=(2, 0))
        section(head, "Printers of this terminal").pack(side="left")
        self.terminal_label = ctk.CTkLabel(head, text=f"  {self.terminal or ''}", text_color=MUTED)
        self.terminal_label.pack(side="left")

        f = self.form = Form(self, columns=3)
        f.pack(fill="x", padx=8, pady=(2, 0), anchor="nw")
        f.add("receipt_uri", "Receipt printer (ESC/POS)", width=260, placeholder="tcp://192.168.1.50:9100",
              hint="tcp://HOST:PORT · usb://VID:PID · serial:///dev/ttyUSB0?baud=9600 · system:NAME")
        f.add("receipt_width", "Paper", kind="option", values=list(WIDTHS), width=170)
        f.add("receipt_drawer", "Cash drawer", kind="switch", hint="On this printer")
        f.add("a4_system", "A4 printer (system)", kind="combo", values=[NO_PRINTER], width=260,
              hint="a printer this computer knows")
        f.add("label_uri", "Label printer", width=170, placeholder="tcp://192.168.1.60:9100",
              hint="blank: A4 label sheets")
        f.add("label_language", "Label language", kind="option", values=list(LANGUAGES), width=170)

        row = ctk.CTkFrame(self, fg_color="transparent")
        row.pack(fill="x", padx=8, pady=(2, 0))
        ctk.CTkButton(row, text="Save printers", width=120, command=self.save).pack(side="left")
        self.test_button = ctk.CTkButton(row, text="Print test page", width=120,
                                         command=lambda: self.test("receipt"))
        self.test_button.pack(side="left", padx=(8, 0))
        for text, role in (("Test A4", "a4"), ("Test label", "label")):
            ctk.CTkButton(row, text=text, width=90, fg_color="transparent", border_width=1,
                          text_color=("gray10", "gray90"), command=lambda r=role: self.test(r)).pack(side="left",
                                                                                                    padx=(8, 0))
        self.drawer_button = ctk.CTkButton(row, text="Open drawer…", width=110, fg_color="transparent",
                                           border_width=1, text_color=("gray10", "gray90"), command=self.ask_drawer)
        if ctx.actor is not None and ctx.actor.can(Permission.OPEN_DRAWER):
            self.drawer_button.pack(side="left", padx=(8, 0))
        self.status = StatusLine(self, wraplength=900)
        self.status.pack(fill="x", padx=8, pady=(2, 0))

        scale_head = ctk.CTkFrame(self, fg_color="transparent")
        scale_head.pack(fill="x", padx=8, pady=(8, 0))
        section(scale_head, "Weighing-scale barcodes").pack(side="left")
        # beside its heading, so the button keeps its place whatever the form's height
        ctk.CTkButton(scale_head, text="Save scale layout", width=140, command=self.save_scale).pack(
            side="left", padx=(16, 0))
        s = self.scale_form = Form(self, columns=3)
        s.pack(fill="x", padx=8, pady=(0, 4), anchor="nw")
        s.add("prefixes", "Prefixes (20–29)", width=120, placeholder="21", hint="e.g. 21 or 21,22; blank: no scale")
        s.add("plu_digits", "PLU digits", kind="option", values=["4", "5", "6"], width=80)
        s.add("kind", "The code carries", kind="option", values=list(SCALE_KINDS), width=170)

    # ------------------------------------------------------------ loading

    def load(self) -> None:
        from billbook.services.selling import printing

        def work():
            printers = printing.list_printers(self.ctx.db, self.ctx.actor, terminal=self.terminal)
            try:
                system = printing.system_printers()
            except Exception:  # noqa: BLE001 - no CUPS: the list is just empty
                system = []
            from billbook.services.ledgers.devices import scale_layout
            layout = self.ctx.db.run(scale_layout, readonly=True)
            return printers, system, layout

        run_bg(self.ctx, work, self._fill, lambda e: self.status.error(error_text(e)))

    def _fill(self, result) -> None:
        printers, system, layout = result
        self.printers = printers
        receipt, a4, label = printers.get("receipt"), printers.get("a4"), printers.get("label")
        self.form.fields["a4_system"].set_values([NO_PRINTER, *system])
        self.form.set_values({
            "receipt_uri": receipt.uri if receipt else "",
            "receipt_width": _key(WIDTHS, receipt.width if receipt else 80),
            "receipt_drawer": bool(receipt and receipt.drawer),
            "a4_system": a4.uri.split(":", 1)[1] if a4 else NO_PRINTER,
            "label_uri": label.uri if label else "",
            "label_language": _key(LANGUAGES, label.language if label else "zpl"),
        })
        if layout is not None:
            self.scale_form.set_values({"prefixes": ",".join(layout.prefixes), "plu_digits": str(layout.plu_digits),
                                        "kind": _key(SCALE_KINDS, layout.kind)})
        else:
            self.scale_form.set_values({"prefixes": "", "plu_digits": "5", "kind": _key(SCALE_KINDS, "weight")})
        if not system and not self.status.text:      # a note, never over the answer to a save or test
            self.status.info("No system printers found (CUPS not running or none added): A4 prints open as PDF.")

    # ------------------------------------------------------------ actions

    def save(self) -> None:
        from billbook.errors import ValidationError
        from billbook.services.selling import printing
        v = self.form.values()
        self.form.clear_errors()
        db, actor, terminal = self.ctx.db, self.ctx.actor, self.terminal
        plan = [
            ("receipt", "receipt_uri", dict(uri=v["receipt_uri"].strip(), width=WIDTHS[v["receipt_width"]],
                                            drawer=bool(v["receipt_drawer"]))),
            ("a4", "a4_system", dict(system=(v["a4_system"] or "").strip())),
            ("label", "label_uri", dict(uri=v["label_uri"].strip(), language=LANGUAGES[v["label_language"]])),
        ]

        def work():
            done = []
            for role, field, options in plan:
                target = options.get("uri", options.get("system", ""))
                if not target or target == NO_PRINTER:
                    if printing.remove_printer(db, actor, role, terminal=terminal):
                        done.append(f"{role} removed")
                    continue
                try:
                    printing.set_printer(db, actor, role, terminal=terminal, **options)
                except ValidationError as exc:
                    exc.field = field
                    raise
                done.append(role)
            return done

        def saved(done) -> None:
            self.status.ok("Printers saved" + (f": {', '.join(done)}." if done else "."))
            self.load()

        def failed(exc) -> None:
            self.form.show_error(exc)
            self.status.error(error_text(exc))

        run_bg(self.ctx, work, saved, failed)

    def test(self, role: str) -> None:
        from billbook.services.selling import printing
        self.status.info(f"Sending a test page to the {role} printer…")
        run_bg(self.ctx, lambda: printing.print_test_page(self.ctx.db, self.ctx.actor, role, terminal=self.terminal),
               lambda r: (self.status.ok if r.ok else self.status.error)(r.message),
               lambda e: self.status.error(error_text(e)))

    def ask_drawer(self) -> None:
        dialog = ctk.CTkInputDialog(title="Open the cash drawer", text="Why is the drawer opened without a sale?")
        reason = dialog.get_input()
        if reason is None:
            return
        self.open_drawer(reason)

    def open_drawer(self, reason: str) -> None:
        from billbook.services.selling import printing
        run_bg(self.ctx, lambda: printing.open_drawer(self.ctx.db, self.ctx.actor, reason, terminal=self.terminal),
               lambda r: (self.status.ok if r.ok else self.status.error)(r.message),
               lambda e: self.status.error(error_text(e)))

    def save_scale(self) -> None:
        from billbook.services.selling import scanning
        v = self.scale_form.values()
        self.scale_form.clear_errors()
        prefixes = v["prefixes"].strip()
        db, actor = self.ctx.db, self.ctx.actor

        def work():
            if prefixes:
                return scanning.set_scale_layout(db, actor, prefixes, int(v["plu_digits"]), SCALE_KINDS[v["kind"]])
            return scanning.clear_scale_layout(db, actor)

        def done(layout) -> None:
            self.scale_form.status.ok("Scale layout saved." if layout else "Scale barcodes switched off.")
        run_bg(self.ctx, work, done, lambda e: (self.scale_form.show_error(e),
                                                self.scale_form.status.error(error_text(e))))
