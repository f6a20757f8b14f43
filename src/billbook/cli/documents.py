"""Document commands: ``invoice pdf``, ``invoice export``, ``credit-note pdf``, ``po pdf``,
``customer statement``."""

from __future__ import annotations

import click

from billbook.cli.app import STATE, emit
from billbook.cli.groups import credit_note_group, customer_group, invoice_group, po_group
from billbook.documents import files
from billbook.services.selling import documents as doc_service


def _after(result, open_it: bool, print_it: bool, printer: str | None) -> dict:
    data = result.to_json()
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    if print_it:
        data["printed"] = files.print_file(result.path, printer)
    if open_it:
        files.open_file(result.path)
    return data


def _human(result, what: str) -> str:
    pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
    return f"{what} written to {result.path} ({pages}{', DUPLICATE' if result.duplicate else ''})"


def _pdf_options(default_path: str):
    """``-o FILE``, ``--open``, ``--print`` and ``--printer``: what every PDF command takes."""
    options = [
        click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
                     help=f"File to write (default: data dir {default_path})"),
        click.option("--open", "open_it", is_flag=True, help="Open the PDF in the system viewer"),
        click.option("--print", "print_it", is_flag=True, help="Send the PDF to the printer (lp/lpr/Windows)"),
        click.option("--printer", default=None, help="Printer name (default: the system's default)"),
        click.option("--force", is_flag=True, help="Replace the -o file if it exists (never a link or a device)"),
    ]

    def apply(func):
        for option in reversed(options):
            func = option(func)
        return func
    return apply


@invoice_group.command("pdf")
@click.argument("number")
@_pdf_options("invoices/YYYY/MM/<number>.pdf")
@click.option("--receipt", is_flag=True, help="80 mm thermal receipt instead of the A4 tax invoice")
def invoice_pdf(number, out, receipt, open_it, print_it, printer, force) -> None:
    """Write invoice NUMBER as a PDF (a reprint is marked DUPLICATE)."""
    result = doc_service.invoice_pdf_result(STATE.db(), STATE.actor(), number, receipt=receipt, out=out, force=force)
    data = _after(result, open_it, print_it, printer)
    emit(data, _human(result, "Receipt" if receipt else "Invoice"))


@invoice_group.command("export")
@click.option("--from", "date_from", required=True, help="First business date, e.g. 2026-11-01")
@click.option("--to", "date_to", required=True, help="Last business date, e.g. 2026-11-30")
@click.option("--receipt", is_flag=True, help="80 mm receipts instead of A4 invoices")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace PDFs already in DIRECTORY")
def invoice_export(date_from, date_to, receipt, directory, force) -> None:
    """Write every invoice of a date range as PDFs into DIRECTORY (with a progress bar)."""
    from rich.console import Console  # Rich only when a bar is drawn (start-up speed)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    db, actor = STATE.db(), STATE.actor()
    console = Console(stderr=True)
    with Progress(TextColumn("Exporting invoices"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=STATE.json, disable=not console.is_terminal) as bar:
        task = bar.add_task("export", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = doc_service.export_invoices(db, actor, date_from, date_to, directory, progress, receipt=receipt,
                                             force=force)
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    data = result.to_json()
    emit(data, f"Exported {result.count} invoice{'s' if result.count != 1 else ''} to {result.directory}")


@credit_note_group.command("pdf")
@click.argument("number")
@_pdf_options("credit_notes/YYYY/MM/<number>.pdf")
def credit_note_pdf(number, out, open_it, print_it, printer, force) -> None:
    """Write credit note NUMBER as a PDF."""
    result = doc_service.credit_note_pdf_result(STATE.db(), STATE.actor(), number, out=out, force=force)
    emit(_after(result, open_it, print_it, printer), _human(result, "Credit note"))


@po_group.command("pdf")
@click.argument("number")
@_pdf_options("purchase_orders/YYYY/MM/<number>.pdf")
def po_pdf(number, out, open_it, print_it, printer, force) -> None:
    """Write purchase order NUMBER as a PDF."""
    result = doc_service.purchase_order_pdf_result(STATE.db(), STATE.actor(), number, out=out, force=force)
    emit(_after(result, open_it, print_it, printer), _human(result, "Purchase order"))


@customer_group.command("statement")
@click.argument("phone")
@_pdf_options("statements/<phone>-YYYY-MM-DD.pdf")
def customer_statement(phone, out, open_it, print_it, printer, force) -> None:
    """Write the statement of the customer with mobile PHONE (dues ledger, open invoices,
    loyalty credits) as a PDF."""
    result = doc_service.customer_statement_pdf_result(STATE.db(), STATE.actor(), phone, out=out, force=force)
    emit(_after(result, open_it, print_it, printer), _human(result, "Statement"))
