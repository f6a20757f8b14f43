"""GST filing commands: ``gst gstr1``, ``gst gstr3b`` and ``invoice einvoice``.

Periods are ``YYYY-MM`` (a month) or ``YYYY-Qn`` (a calendar quarter, e.g. ``2026-Q3`` is
July–September 2026, filed as return period 092026). Every file is checked against its
published JSON Schema first; an invalid export exits 1 and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click

from billbook.cli.app import STATE, app, emit, table
from billbook.cli.groups import invoice_group

PERIOD_HELP = "Month YYYY-MM, or calendar quarter YYYY-Qn (2026-Q3 = Jul–Sep 2026)"


@app.group("gst")
def gst_group() -> None:
    """GST returns: GSTR-1 (portal JSON and offline-tool CSV) and GSTR-3B."""


def _summary_text(summary) -> str:
    return "\n".join(summary.lines())


@gst_group.command("gstr1")
@click.option("--period", required=True, help=PERIOD_HELP)
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="Write the portal JSON here (default: GSTR1_<GSTIN>_<MMYYYY>.json in the current folder)")
@click.option("--csv-dir", "csv_dir", type=click.Path(file_okay=False), default=None,
              help="Also write the offline tool's CSV sheets (b2b.csv … docs.csv) into this folder")
@click.option("--force", is_flag=True, help="Replace files that exist (never a link or a device)")
def gst_gstr1(period, out, csv_dir, force) -> None:
    """GSTR-1 for a period in the GST portal's JSON format, validated before it is written."""
    from billbook import files
    from billbook.services.insight import filing
    if out:
        files.check_target(out, force=force, folder=False)   # the folder: when writing
    result = filing.gstr1(STATE.db(), STATE.actor(), period)
    doc = result.document
    path = Path(out) if out else Path(f"GSTR1_{doc['gstin']}_{doc['fp']}.json")
    written = result.write(path, force=force)
    sheets = [str(p) for p in result.write_csv(csv_dir, force=force)] if csv_dir else []
    totals = {name: {"count": t.count, "taxable": str(t.taxable), "igst": str(t.igst), "cgst": str(t.cgst),
                     "sgst": str(t.sgst)} for name, t in result.gstr1.totals.items()}
    data = {"period": result.summary.period.label, "fp": doc["fp"], "gstin": doc["gstin"], "file": str(written),
            "csv": sheets, "sections": [k for k in doc if k not in ("gstin", "fp", "version", "hash")],
            "totals": totals, "check": result.summary.to_json()}
    human = table([{"section": k, "count": v["count"], "taxable": v["taxable"], "igst": v["igst"],
                    "cgst": v["cgst"], "sgst": v["sgst"]} for k, v in totals.items()],
                  ["section", "count", "taxable", "igst", "cgst", "sgst"], title=f"GSTR-1 {doc['fp']}")
    human += "\n" + _summary_text(result.summary) + f"\nJSON written to {written}"
    if sheets:
        human += f"\n{len(sheets)} CSV sheets written to {csv_dir}"
    emit(data, human)


@gst_group.command("gstr3b")
@click.option("--period", required=True, help=PERIOD_HELP)
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="Also write the tables: .pdf (for the accountant), .csv or .json (portal format)")
@click.option("--force", is_flag=True, help="Replace files that exist (never a link or a device)")
def gst_gstr3b(period, out, force) -> None:
    """GSTR-3B tables 3.1 and 3.2 for a period, net of credit notes (--json: the portal's format)."""
    from billbook import files
    from billbook.services.insight import filing
    if out:
        files.check_target(out, force=force, folder=False)   # the folder: when writing
    result = filing.gstr3b(STATE.db(), STATE.actor(), period)
    data = dict(result.document)
    data["check"] = result.summary.to_json()
    if out:
        data["file"] = str(result.write(out, force=force))
    g = result.gstr3b
    rows = [{"table": "3.1" + r.label[:3], "nature": r.label[4:52], "taxable": str(r.taxable), "igst": str(r.igst),
             "cgst": str(r.cgst), "sgst": str(r.sgst)} for r in g.table_31]
    human = table(rows, ["table", "nature", "taxable", "igst", "cgst", "sgst"],
                  title=f"GSTR-3B {g.period.label} ({g.period.fp})")
    human += "\n" + table([{"to": who, "place of supply": r.pos, "taxable": str(r.taxable), "igst": str(r.igst)}
                           for who, rows32 in (("unregistered", g.unregistered), ("UIN holders", g.uin))
                           for r in rows32], ["to", "place of supply", "taxable", "igst"], title="3.2 inter-state")
    human += "\n" + _summary_text(result.summary)
    if out:
        human += f"\nWritten to {data['file']}"
    emit(data, human)


@invoice_group.command("einvoice")
@click.argument("number")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None,
              help="Write the JSON here (default: print it)")
@click.option("--force", is_flag=True, help="Replace files that exist (never a link or a device)")
def invoice_einvoice(number, out, force) -> None:
    """e-invoice JSON (INV-01 v1.1) of a B2B tax invoice, checked against NIC's schema."""
    from billbook import files
    from billbook.services.insight import filing
    if out:
        files.check_target(out, force=force, folder=False)   # the folder: when writing
    result = filing.einvoice(STATE.db(), STATE.actor(), number)
    if out:
        path = result.write(out, force=force)
        emit({"number": result.number, "file": str(path)}, f"e-invoice JSON for {result.number} written to {path}")
    else:
        click.echo(result.text())
