"""Reports and charts: report sales / gst / day / chart / refresh."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import click

from billbook import clock, files
from billbook.cli.app import STATE, emit, table
from billbook.cli.groups import report_group
from billbook.domain.calendar import parse_date
from billbook.domain.money import format_number, money_str, qty_str
from billbook.services.insight import analytics, reports


def _range(date_from: str | None, date_to: str | None, default_days: int = 30) -> tuple[str, str]:
    end = date_to or clock.today().isoformat()
    if date_from:
        return date_from, end
    start = parse_date(end, "to") - dt.timedelta(days=default_days - 1)
    return start.isoformat(), end


@report_group.command("sales")
@click.option("--from", "date_from", default=None, help="First business date (YYYY-MM-DD; default 30 days ago)")
@click.option("--to", "date_to", default=None, help="Last business date (default today)")
@click.option("--by", type=click.Choice(["day", "week", "month", "year", "fy"]), default="day", show_default=True)
def report_sales(date_from, date_to, by) -> None:
    """Sales over time: invoices, returns, net, tax and gross per period (returns netted out)."""
    start, end = _range(date_from, date_to)
    rows = analytics.sales_over_time(STATE.db(), STATE.actor(), start, end, by)
    data = [{"period": b.label, "from": b.start.isoformat(), "to": b.end.isoformat(), "invoices": b.invoices,
             "returns": b.returns, "net": money_str(b.net), "tax": money_str(b.tax), "gross": money_str(b.gross),
             "discount": money_str(b.discount)} for b in rows]
    tot = {"invoices": sum(b.invoices for b in rows), "returns": sum(b.returns for b in rows),
           "net": money_str(sum((b.net for b in rows), start=Decimal(0))), "tax": money_str(sum((b.tax for b in rows), start=Decimal(0))),
           "gross": money_str(sum((b.gross for b in rows), start=Decimal(0)))}

    def human() -> str:
        text = table([{**d, "net": format_number(b.net), "tax": format_number(b.tax), "gross": format_number(b.gross)}
                      for d, b in zip(data, rows)],
                     ["period", "invoices", "returns", "net", "tax", "gross"], title=f"Sales {start} to {end} by {by}")
        return text + (f"\nTotal: {tot['invoices']} invoices, {tot['returns']} returns, net {tot['net']}, "
                       f"tax {tot['tax']}, gross {tot['gross']}")
    emit({"from": start, "to": end, "by": by, "buckets": data, "total": tot}, human)


@report_group.command("gst")
@click.option("--from", "date_from", required=True, help="First business date (YYYY-MM-DD)")
@click.option("--to", "date_to", required=True, help="Last business date")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the whole summary as CSV")
@click.option("--force", is_flag=True, help="Replace the CSV file if it exists (never a link or a device)")
def report_gst(date_from, date_to, csv_file, force) -> None:
    """GST summary: by rate, B2B by GSTIN, B2C, HSN-wise with UQC, credit notes."""
    if csv_file:
        files.check_target(csv_file, force=force)
    s = reports.gst_summary(STATE.db(), STATE.actor(), date_from, date_to)
    rate = lambda r: format(r.normalize(), "f")  # noqa: E731
    data = {
        "from": s.start.isoformat(), "to": s.end.isoformat(), "gstin": s.shop_gstin, "invoices": s.invoices,
        "by_rate": [{"rate": rate(r.rate), "taxable": money_str(r.taxable), "cgst": money_str(r.cgst),
                     "sgst": money_str(r.sgst), "igst": money_str(r.igst)} for r in s.by_rate],
        "b2b": [{"gstin": b.gstin, "customer": b.customer, "invoice": b.number, "date": b.date.isoformat(),
                 "place_of_supply": b.place_of_supply, "rate": rate(b.rate), "taxable": money_str(b.taxable),
                 "cgst": money_str(b.cgst), "sgst": money_str(b.sgst), "igst": money_str(b.igst),
                 "invoice_value": money_str(b.invoice_value)} for b in s.b2b],
        "b2c": [{"place_of_supply": b.place_of_supply, "inter_state": b.inter_state, "rate": rate(b.rate),
                 "taxable": money_str(b.taxable), "cgst": money_str(b.cgst), "sgst": money_str(b.sgst),
                 "igst": money_str(b.igst)} for b in s.b2c],
        "hsn": [{"hsn": h.hsn, "uqc": h.uqc, "rate": rate(h.rate), "qty": qty_str(h.qty),
                 "total_value": money_str(h.total_value), "taxable": money_str(h.taxable), "cgst": money_str(h.cgst),
                 "sgst": money_str(h.sgst), "igst": money_str(h.igst)} for h in s.hsn],
        "credit_notes": [{"number": c.number, "date": c.date.isoformat(), "invoice": c.invoice_number,
                          "gstin": c.gstin, "rate": rate(c.rate), "taxable": money_str(c.taxable),
                          "cgst": money_str(c.cgst), "sgst": money_str(c.sgst), "igst": money_str(c.igst),
                          "note_value": money_str(c.note_value)} for c in s.credit_notes],
        "net_by_rate": [{"rate": rate(r.rate), "taxable": money_str(r.taxable), "cgst": money_str(r.cgst),
                         "sgst": money_str(r.sgst), "igst": money_str(r.igst)} for r in s.net_by_rate],
    }
    if csv_file:
        files.write_file(csv_file, reports.gst_csv(s), force=force, private=True)   # buyers' GSTINs and names
        data["csv"] = str(csv_file)
    human = lambda: "\n".join([  # noqa: E731
        table(data["by_rate"], ["rate", "taxable", "cgst", "sgst", "igst"],
              title=f"GST {s.start} to {s.end} — {s.invoices} invoices (sales by rate)"),
        table(data["net_by_rate"], ["rate", "taxable", "cgst", "sgst", "igst"], title="After credit notes"),
        f"B2B: {len({b.number for b in s.b2b})} invoices to {len({b.gstin for b in s.b2b})} GSTINs; "
        f"B2C rows: {len(s.b2c)}; HSN rows: {len(s.hsn)}; credit notes: {len({c.number for c in s.credit_notes})}",
    ] + ([f"CSV written to {csv_file}"] if csv_file else []))
    emit(data, human)


@report_group.command("day")
@click.option("--date", "day", default=None, help="Business date (default today)")
@click.option("--terminal", default=None, help="One terminal (default: all; --close: this terminal)")
@click.option("--cashier", default=None, help="One cashier's user name")
@click.option("--opening-float", default=None, help="Cash in the drawer at opening")
@click.option("--counted-cash", default=None, help="Cash counted at closing")
@click.option("--close", "close", is_flag=True, help="Close the day for the terminal (stored once)")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the report as PDF")
@click.option("--force", is_flag=True, help="Replace the PDF file if it exists (never a link or a device)")
def report_day(day, terminal, cashier, opening_float, counted_cash, close, pdf_file, force) -> None:
    """Day-end (Z) report: sales, tax, returns, money by mode, cash expected vs counted."""
    if pdf_file:
        files.check_target(pdf_file, force=force)     # refused before the day is closed
    db, actor = STATE.db(), STATE.actor()
    if close:
        rep = reports.close_day(db, actor, day, terminal=terminal, opening_float=opening_float,
                                counted_cash=counted_cash)
    else:
        rep = reports.day_report(db, actor, day, terminal=terminal, cashier=cashier, opening_float=opening_float,
                                 counted_cash=counted_cash)
    data = rep.to_json()
    if rep.backup_warning:
        click.echo(f"warning: {rep.backup_warning}", err=True)
    if pdf_file:
        from billbook.documents.day_report import render_day_report  # reportlab: only for a PDF
        files.write_file(pdf_file, render_day_report(rep), force=force)
        data["pdf"] = str(pdf_file)
    def human() -> str:
        lines = [f"Day-end report {rep.business_date} — terminal {rep.terminal or 'all'}, "
                 f"cashier {rep.cashier or 'all'}" + (" — CLOSED" if rep.closed else ""),
                 f"Invoices {rep.invoices} ({rep.first_number or '-'} … {rep.last_number or '-'})",
                 f"Gross {format_number(rep.gross)}  discounts {format_number(rep.discounts)}  taxable "
                 f"{format_number(rep.taxable)}  tax {format_number(rep.tax)}  total {format_number(rep.sales_total)}",
                 f"Returns {rep.returns}: {format_number(rep.returns_total)}  net sales {format_number(rep.net_sales)}",
                 table([{"mode": m.mode, "sales": format_number(m.sales), "dues": format_number(m.dues),
                         "refunds": format_number(m.refunds), "net": format_number(m.net)} for m in rep.by_mode],
                       ["mode", "sales", "dues", "refunds", "net"]),
                 f"Cash expected {format_number(rep.cash_expected)} (float {format_number(rep.opening_float)})"
                 + (f"; counted {format_number(rep.counted_cash)}, difference {format_number(rep.difference)}"
                    if rep.counted_cash is not None else "")]
        if pdf_file:
            lines.append(f"PDF written to {pdf_file}")
        return "\n".join(lines)
    emit(data, human)


CHART_NAMES = ("sales", "distribution", "credits", "customers", "hours", "heatmap", "retention", "products",
               "products-qty", "categories", "payments", "dues", "stock")


@report_group.command("chart")
@click.argument("name", type=click.Choice(CHART_NAMES))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="PNG file")
@click.option("--from", "date_from", default=None, help="First business date (default 30 days ago)")
@click.option("--to", "date_to", default=None, help="Last business date (default today)")
@click.option("--theme", type=click.Choice(["light", "dark"]), default="light", show_default=True)
@click.option("--force", is_flag=True, help="Replace the PNG file if it exists (never a link or a device)")
def report_chart(name, out, date_from, date_to, theme, force) -> None:
    """A dashboard chart as PNG."""
    from billbook import charts  # matplotlib: only for a chart
    files.check_target(out, force=force)
    start, end = _range(date_from, date_to)
    data = analytics.dashboard(STATE.db(), STATE.actor(), start, end)
    fig = charts.CHARTS[name].build(data, theme == "dark")
    path = charts.save_png(fig, out, force=force)
    emit({"chart": name, "file": str(path), "from": start, "to": end, "theme": theme},
         f"Chart {name} ({start} to {end}) written to {path}")


@report_group.command("refresh")
@click.option("--through", default=None, help="Summarise up to this date (default yesterday)")
def report_refresh(through) -> None:
    """Bring the analytics summary tables up to date (they refresh themselves; this forces it)."""
    wm = analytics.refresh_summaries(STATE.db(), STATE.actor(), through)
    emit({"through": wm.isoformat() if wm else None}, f"Analytics summaries now cover up to {wm}")
