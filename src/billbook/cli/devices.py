"""Device commands: ``printer set/list/test/remove/jobs/retry/system``, ``invoice print``,
``drawer open``, ``label pdf/print/assign``.

Printers belong to a terminal: this computer's (``BILLBOOK_TERMINAL``, the config file, else
the host name) unless ``--terminal`` names another.
"""

from __future__ import annotations


import click

from billbook.cli.app import STATE, app, emit, emit_list, page_of, page_options, table
from billbook.cli.groups import invoice_group
from billbook.config import terminal_name
from billbook.services.base import MAX_PAGE


def _terminal(value: str | None) -> str:
    return value or terminal_name()


def _report(result) -> None:
    """Print one job's outcome; a failed job ends the command with status 1 (the job stays)."""
    data = result.to_json()
    if result.ok:
        emit(data, result.message + (" (DUPLICATE)" if result.duplicate and result.kind != "test" else ""))
        if result.paper_low and not STATE.json:
            click.echo("warning: the printer says its paper is running low", err=True)
        return
    if STATE.json:
        emit(data)
    from billbook.devices import PrinterError
    raise PrinterError(f"{result.message} (print job {result.job_id}: retry with "
                       f"'billbook printer retry {result.job_id}')", reason=result.reason)


# ---------------------------------------------------------------- printer

@app.group("printer")
def printer_group() -> None:
    """This terminal's printers: receipt (ESC/POS), A4 (system printer), label."""


@printer_group.command("set")
@click.argument("role", type=click.Choice(["receipt", "a4", "label"]))
@click.option("--uri", default=None, help="tcp://HOST:PORT, usb://VID:PID or serial:///dev/ttyUSB0?baud=9600")
@click.option("--system", "system", default=None, help="A printer the operating system knows, by name")
@click.option("--width", type=click.Choice(["58", "80"]), default=None, help="Receipt paper width in mm")
@click.option("--drawer/--no-drawer", default=None, help="The cash drawer hangs on this receipt printer")
@click.option("--codepage", default=None, help="Receipt printer code page (CP437, CP858, ...)")
@click.option("--cut/--no-cut", default=None, help="Cut the paper after each receipt")
@click.option("--logo/--no-logo", default=None, help="Print the shop's logo on receipts")
@click.option("--language", type=click.Choice(["zpl", "tspl"]), default=None, help="Label printer language")
@click.option("--terminal", default=None, help="Another terminal's printers (default: this computer's)")
def printer_set(role, uri, system, width, drawer, codepage, cut, logo, language, terminal) -> None:
    """Set this terminal's ROLE printer (receipt, a4 or label)."""
    from billbook.services.selling import printing
    p = printing.set_printer(STATE.db(), STATE.actor(), role, uri=uri, system=system,
                             width=int(width) if width else None, codepage=codepage, cut=cut, logo=logo,
                             drawer=drawer, language=language, terminal=_terminal(terminal))
    emit(p.to_json(), f"{role} printer of {_terminal(terminal)}: {p.uri}"
         + (f", {p.width} mm" if role == "receipt" else "") + (", cash drawer" if p.drawer else ""))


@printer_group.command("list")
@click.option("--terminal", default=None, help="Another terminal's printers (default: this computer's)")
@page_options(50, MAX_PAGE)
def printer_list(terminal, limit, offset) -> None:
    """This terminal's printers (one a role: receipt, a4, label)."""
    from billbook.services.selling import printing
    name = _terminal(terminal)
    printers = printing.list_printers(STATE.db(), STATE.actor(), terminal=name)
    items = [{"terminal": name, **p.to_json()} for p in printers.values()]
    page, total = page_of(items, limit, offset)

    def human() -> str:
        rows = [{"role": p["role"], "printer": p["uri"], "width": f"{p['width']} mm" if p["role"] == "receipt" else "",
                 "drawer": "yes" if p["drawer"] else "", "code page": p["codepage"] if p["role"] == "receipt" else "",
                 "language": p["language"] if p["role"] == "label" else ""} for p in page]
        if not rows:
            return f"No printers set on {name}: billbook printer set receipt --uri tcp://HOST:9100"
        return table(rows, ["role", "printer", "width", "drawer", "code page", "language"], title=f"Printers of {name}")

    emit_list(page, total=total, offset=offset, human=human)


@printer_group.command("test")
@click.argument("role", type=click.Choice(["receipt", "a4", "label"]))
@click.option("--terminal", default=None)
def printer_test(role, terminal) -> None:
    """Print a test page on this terminal's ROLE printer."""
    from billbook.services.selling import printing
    _report(printing.print_test_page(STATE.db(), STATE.actor(), role, terminal=_terminal(terminal)))


@printer_group.command("remove")
@click.argument("role", type=click.Choice(["receipt", "a4", "label"]))
@click.option("--terminal", default=None)
def printer_remove(role, terminal) -> None:
    """Forget this terminal's ROLE printer."""
    from billbook.services.selling import printing
    gone = printing.remove_printer(STATE.db(), STATE.actor(), role, terminal=_terminal(terminal))
    emit({"removed": gone}, f"{role} printer removed" if gone else f"no {role} printer was set")


@printer_group.command("system")
def printer_system() -> None:
    """The printers this computer's operating system knows (names for --system)."""
    from billbook.services.selling import printing
    names = printing.system_printers()
    emit({"printers": names}, "\n".join(names) if names else "No system printers.")


@printer_group.command("jobs")
@click.option("--all", "all_jobs", is_flag=True, help="Every job, not only the failed ones")
@click.option("--limit", default=50, type=int)
def printer_jobs(all_jobs, limit) -> None:
    """Print jobs that failed (to retry), newest first."""
    from billbook.services.selling import printing
    jobs = printing.list_jobs(STATE.db(), STATE.actor(), status=None if all_jobs else "failed", limit=limit)
    def human() -> str:
        rows = [{"job": j.id, "at": f"{j.created_at:%d-%m %H:%M}", "terminal": j.terminal, "kind": j.kind,
                 "document": j.document, "status": j.status, "why": j.error[:60]} for j in jobs]
        return table(rows, ["job", "at", "terminal", "kind", "document", "status", "why"]) if rows else \
            "No failed print jobs."
    emit([j.to_json() for j in jobs], human)


@printer_group.command("retry")
@click.argument("job", type=int)
def printer_retry(job) -> None:
    """Send failed print job JOB again."""
    from billbook.services.selling import printing
    _report(printing.retry_job(STATE.db(), STATE.actor(), job))


# ---------------------------------------------------------------- invoice print, drawer

@invoice_group.command("print")
@click.argument("number")
@click.option("--receipt", is_flag=True, help="On the receipt printer (default: the A4 printer)")
@click.option("--terminal", default=None)
def invoice_print(number, receipt, terminal) -> None:
    """Print invoice NUMBER on this terminal's printer (a reprint is marked DUPLICATE).

    A print job that failed earlier for NUMBER is retried (the same job)."""
    from billbook.services.selling import printing
    db, actor = STATE.db(), STATE.actor()
    kind = "receipt" if receipt else "a4"
    failed = printing.failed_job_for(db, actor, number)
    if failed is not None and failed.kind == kind:
        _report(printing.retry_job(db, actor, failed.id))
        return
    _report(printing.print_invoice(db, actor, number, kind=kind, terminal=_terminal(terminal)))


@app.group("drawer")
def drawer_group() -> None:
    """The cash drawer (opens through the receipt printer)."""


@drawer_group.command("open")
@click.option("--reason", required=True, help="Why the drawer is opened without a sale (audited)")
@click.option("--terminal", default=None)
def drawer_open(reason, terminal) -> None:
    """Open the cash drawer (admins; audited with the reason)."""
    from billbook.services.selling import printing
    _report(printing.open_drawer(STATE.db(), STATE.actor(), reason, terminal=_terminal(terminal)))


# ---------------------------------------------------------------- weighing scale

@app.group("scale")
def scale_group() -> None:
    """Weighing-scale barcodes (EAN-13 with the shop's prefix, the PLU and the weight or price)."""


@scale_group.command("set")
@click.option("--prefix", "prefixes", required=True, help="The scale's prefix(es), 20–29, e.g. 21 or 21,22")
@click.option("--plu-digits", type=click.Choice(["4", "5", "6"]), default="5", show_default=True)
@click.option("--kind", type=click.Choice(["weight", "price"]), default="weight", show_default=True,
              help="The code carries the weight in grams or the price in paise")
def scale_set(prefixes, plu_digits, kind) -> None:
    """Set how this shop's scales print their barcodes."""
    from billbook.services.selling import scanning
    layout = scanning.set_scale_layout(STATE.db(), STATE.actor(), prefixes, int(plu_digits), kind)
    emit({"prefixes": list(layout.prefixes), "plu_digits": layout.plu_digits, "kind": layout.kind},
         f"scale codes: prefix {','.join(layout.prefixes)}, {layout.plu_digits}-digit PLU, "
         f"{layout.value_digits}-digit {'grams' if layout.kind == 'weight' else 'price in paise'}")


@scale_group.command("scan")
@click.argument("code")
def scale_scan(code) -> None:
    """What scanning CODE would add to a sale (product and quantity)."""
    from billbook.services.selling import scanning
    hit = scanning.resolve_scan(STATE.db(), STATE.actor(), code)
    emit(hit.to_json(), f"{hit.name} ({hit.sku}) × {hit.qty:f} {hit.unit}")


# ---------------------------------------------------------------- labels

@app.group("label")
def label_group() -> None:
    """Barcode labels: A4 label sheets (PDF) or the label printer."""


def _label_requests(items, low_stock, po) -> list[tuple[str, int]]:
    from billbook.services.goods import labels
    out = []
    for text in items:
        sku, sep, copies = (text or "").partition("=")
        if not sku.strip():
            raise click.UsageError(f"{text!r}: write SKU=COPIES, e.g. RICE5=10")
        out.append((sku.strip(), copies.strip() if sep else "1"))
    if low_stock:
        out += labels.low_stock_requests(STATE.db(), STATE.actor())
    if po:
        out += labels.received_po_requests(STATE.db(), STATE.actor(), po)
    if not out:
        raise click.UsageError("choose products: --item SKU=COPIES, --low-stock or --po NUMBER")
    return out


def _label_sources(func):
    for option in reversed([
        click.option("--item", "items", multiple=True, help="SKU=COPIES (a barcode in place of the SKU is fine)"),
        click.option("--low-stock", is_flag=True, help="One label for each product below its reorder level"),
        click.option("--po", default=None, help="A label per unit received on this purchase order"),
    ]):
        func = option(func)
    return func


@label_group.command("pdf")
@_label_sources
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: data dir labels/labels-<time>.pdf)")
@click.option("--layout", type=click.Choice(["65", "48", "24"]), default="65", show_default=True,
              help="Labels on one A4 sheet")
@click.option("--skip", default=0, type=int, help="Labels already used on the first sheet")
def label_pdf(items, low_stock, po, out, layout, skip) -> None:
    """Barcode labels on A4 label sheets, as a PDF."""
    from billbook.services.goods import labels
    result = labels.labels_pdf(STATE.db(), STATE.actor(), _label_requests(items, low_stock, po), out=out,
                               layout=int(layout), skip=skip)
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    emit(result.to_json(), f"{result.labels} labels on {result.pages} sheet{'s' if result.pages != 1 else ''} "
         f"written to {result.path}")


@label_group.command("print")
@_label_sources
@click.option("--terminal", default=None)
def label_print(items, low_stock, po, terminal) -> None:
    """Barcode labels on this terminal's label printer (ZPL or TSPL)."""
    from billbook.services.goods import labels
    result = labels.print_labels(STATE.db(), STATE.actor(), _label_requests(items, low_stock, po),
                                 terminal=_terminal(terminal))
    emit(result.to_json(), f"{result.labels} labels sent to the label printer")


@label_group.command("assign")
@click.option("--sku", "skus", multiple=True, help="Only these products (default: every product without one)")
def label_assign(skus) -> None:
    """Give products without a barcode an in-store EAN-13 (prefix 2x, valid check digit, unique)."""
    from billbook.services.goods import labels
    done = labels.assign_in_store_barcodes(STATE.db(), STATE.actor(), list(skus) or None)
    emit(done, "\n".join(f"{sku}: {code}" for sku, code in done.items()) or "Every product has a barcode.")
