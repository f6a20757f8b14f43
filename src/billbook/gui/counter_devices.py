"""The billing screen's devices, in one place the screen calls: what prints after a sale (the
shop's choice on this terminal's printers, the PDF where a printer is missing), F7 on the
receipt printer, the cash drawer (with the sale; an admin's key with a reason), and scans of
weighing-scale barcodes.

Everything runs in the background (``ctx.run_in_background``): a printer that is off takes
seconds to time out and must not hold up the next customer. Problems are handed to
``report(text)``, the screen's own place for print problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from billbook.domain.permissions import Permission


def _terminal(ctx) -> str | None:
    return getattr(ctx, "terminal", "") or None


def _problems(done) -> list[str]:
    out = [r.message for r in done.results if not r.ok]
    if done.drawer is not None and not done.drawer.ok:
        out.append(done.drawer.message)
    return out


def after_sale(ctx, number: str, choice: str, *, fallback: Callable[[str], None],
               report: Callable[[str], None]) -> None:
    """Print ``number`` as ``choice`` (receipt, a4, both, none) on this terminal's printers; a
    kind without a printer goes to ``fallback(kind)`` (the PDF, as before); the drawer opens when
    cash moved."""
    from billbook.services.selling import printing

    def done(result) -> None:
        for kind in result.missing:
            fallback(kind)
        problems = _problems(result)
        if problems:
            report("  ".join(problems) + "  Retry from Invoices (Ctrl+I).")
        elif result.results:
            ctx.notify("  ".join(r.message for r in result.results), "ok")

    ctx.run_in_background(lambda: printing.after_sale(ctx.db, ctx.actor, number, choice, terminal=_terminal(ctx)),
                          on_done=done, on_error=lambda exc: report(f"{number} is saved, but printing failed: {exc}"))


def reprint_receipt(ctx, number: str, *, fallback: Callable[[], None], report: Callable[[str], None]) -> None:
    """F7: the receipt printer (a DUPLICATE copy), or ``fallback()`` when the terminal has none."""
    from billbook.devices import PrinterError
    from billbook.services.selling import printing

    def work():
        try:
            return printing.print_invoice(ctx.db, ctx.actor, number, kind="receipt", terminal=_terminal(ctx))
        except PrinterError as exc:
            if exc.reason == "not_set":
                return None
            raise

    def done(result) -> None:
        if result is None:
            fallback()
        elif result.ok:
            ctx.notify(result.message + (" (DUPLICATE)" if result.duplicate else ""), "ok")
        else:
            report(result.message + "  Retry from Invoices (Ctrl+I).")

    ctx.run_in_background(work, on_done=done, on_error=lambda exc: report(str(exc)))


def open_drawer(ctx, parent, *, report: Callable[[str], None]) -> None:
    """An admin's "Open drawer" key: asks why, then kicks the drawer (audited with the reason)."""
    import customtkinter as ctk

    from billbook.services.selling import printing
    if ctx.actor is None or not ctx.actor.can(Permission.OPEN_DRAWER):
        ctx.notify("Opening the drawer without a sale is for admins.", "info")
        return
    reason = ctk.CTkInputDialog(title="Open the cash drawer", text="Why is the drawer opened without a sale?").get_input()
    if not reason:
        return
    ctx.run_in_background(
        lambda: printing.open_drawer(ctx.db, ctx.actor, reason, terminal=_terminal(ctx)),
        on_done=lambda r: ctx.notify(r.message, "ok") if r.ok else report(r.message),
        on_error=lambda exc: report(str(exc)))


# ---------------------------------------------------------------- scans

@dataclass(frozen=True)
class ScalePick:
    """A scanned weighing-scale code: the product and the weight (or what the price buys)."""
    product: Any
    qty: Decimal


def lookup(ctx, code: str):
    """The scan box's lookup: a product (as the catalog returns it), a :class:`ScalePick` for a
    scale code of this shop, or None. A scale code with a wrong check digit raises
    ValidationError (the scan box says so and adds nothing). Runs in a worker."""
    from billbook.services.goods import catalog
    text = (code or "").strip()
    if len(text) == 13 and text.isdigit() and text[0] == "2":
        from billbook.services.selling import scanning
        from billbook.errors import NotFound
        try:
            hit = scanning.resolve_scan(ctx.db, ctx.actor, text)
        except NotFound:
            return None
        product = catalog.lookup_code(ctx.db, ctx.actor, hit.sku)
        if hit.scale and product is not None:
            return ScalePick(product, hit.qty)
        return product
    return catalog.lookup_code(ctx.db, ctx.actor, text)


def unwrap(product, qty: Decimal) -> tuple[Any, Decimal]:
    """(product, quantity) of a scan-box pick: a scale code's weight times any ``3*`` prefix."""
    if isinstance(product, ScalePick):
        return product.product, product.qty * qty
    return product, qty
