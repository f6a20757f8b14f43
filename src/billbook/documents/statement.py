"""The A4 customer statement: the dues ledger with a running balance, the invoices still
open (oldest first), the loyalty credits, and both balances.

Same header as the other documents (the current shop profile: a statement is not a tax
document), the customer's box beside the statement details, one table row per dues
movement (date, particulars, reference, debit, credit, balance), the balance brought
forward when older movements are left out, and the closing figures.
"""

from __future__ import annotations

from billbook.documents.common import caption, date_text, kv_left, m, party_block, shop_lines, time_text
from billbook.documents.fonts import REGULAR
from billbook.documents.layout import (
    GREY, Boxed, Column, Columns, DocHeader, KeyValues, Line, LineTable, MiniTable, PageSpec, Spacer, Stack,
    TextBlock, load_logo, num, render_pages,
)
from billbook.documents.model import RenderResult, StatementDoc


def _table(doc: StatementDoc) -> LineTable:
    loc = doc.shop.locale
    n = lambda v: num(v, loc) if v else ""  # noqa: E731
    cols = [Column("Date", "L"), Column("Particulars", "L", flex=True), Column("Reference", "L"),
            Column("Debit\n₹", "R"), Column("Credit\n₹", "R"), Column("Balance\n₹", "R")]
    rows = []
    bold = set()
    if doc.entries:
        first = date_text(doc.entries[0].at)
        label = "Balance brought forward" if doc.truncated else "Opening balance"
        rows.append([first, label, "", "", "", num(doc.opening_balance, loc)])
        bold.add(0)
    for e in doc.entries:
        rows.append([date_text(e.at), e.particulars, e.reference, n(e.debit), n(e.credit), num(e.balance, loc)])
    if not doc.entries:
        rows.append([date_text(doc.issued_at), "No dues movements", "", "", "", num(doc.dues_balance, loc)])
    rows.append(["", "Total / closing balance", "", num(doc.total_debit, loc), num(doc.total_credit, loc),
                 num(doc.dues_balance, loc)])
    bold.add(len(rows) - 1)
    return LineTable(cols, rows, bold_rows=bold)


def build_spec(doc: StatementDoc, warnings: list[str]) -> PageSpec:
    shop, loc = doc.shop, doc.shop.locale
    meta = [("Date", date_text(doc.issued_at)), ("Time", time_text(doc.issued_at)),
            ("Customer", doc.customer.phone)]
    if doc.issued_by:
        meta.append(("Issued by", doc.issued_by))
    header = DocHeader(shop.name, shop_lines(shop), "STATEMENT", meta, logo=load_logo(shop.logo, warnings),
                       subtitle="DUES AND LOYALTY CREDITS")
    summary = [("Dues outstanding", m(doc.dues_balance, shop)), ("Open invoices", str(len(doc.open_invoices))),
               ("Loyalty credits", num(doc.credits_balance, loc)), ("Visits", f"{doc.visits:,}"),
               ("Total purchases", m(doc.total_spent, shop))]
    intro = [Columns([Boxed(party_block(doc.customer), "Customer"),
                      Boxed(kv_left(summary, 92), "Account")], [0.55, 0.45])]
    left: list = []
    if doc.open_invoices:
        rows = [[o.number, date_text(o.issued_at), num(o.due, loc), num(o.settled, loc), num(o.outstanding, loc)]
                for o in doc.open_invoices]
        left.append(TextBlock([caption("Open invoices, oldest first (₹)")]))
        left.append(MiniTable(["Invoice", "Date", "On account", "Settled", "Outstanding"], rows,
                              [0.28, 0.16, 0.19, 0.17, 0.2], "LLRRR"))
    else:
        left.append(TextBlock([caption("Open invoices"), Line("None: no invoice has dues left.", REGULAR, 8,
                                                                 color=GREY)]))
    if doc.loyalty:
        # credits are points, not rupees: no currency sign
        rows = [[date_text(e.at), e.particulars, ("+" if e.delta > 0 else "−" if e.delta < 0 else "")
                 + num(abs(e.delta), loc), num(e.balance, loc)] for e in doc.loyalty]
        left.append(TextBlock([caption("Loyalty credits, latest movements")]))
        left.append(MiniTable(["Date", "Particulars", "Change", "Balance"], rows, [0.18, 0.47, 0.17, 0.18],
                              "LLRR"))
    left.append(TextBlock([Line("Payments are settled against the oldest open invoice first. Please quote "
                                "your mobile number when paying.", REGULAR, 7, color=GREY)]))
    totals = [("Opening balance", m(doc.opening_balance, shop)), ("Debits (on account)", m(doc.total_debit, shop)),
              ("Credits (paid / returned)", m(doc.total_credit, shop)), ("Dues balance", m(doc.dues_balance, shop)),
              ("Loyalty credits", num(doc.credits_balance, loc))]
    right = [KeyValues(totals, size=8.5, bold_rows={3}, big_rows={3: 12}, rule_before={3})]
    closing = [Columns([Stack(left, gap=6), Stack(right)], [0.62, 0.38], gap=16), Spacer(4)]
    return PageSpec(header=header, intro=intro, table=_table(doc), closing=closing,
                    footer_left=f"Statement for {doc.customer.name} ({doc.customer.phone}) on "
                                f"{date_text(doc.issued_at)}",
                    title=f"Statement {doc.customer.name} {date_text(doc.issued_at)}",
                    subject=f"{shop.name} statement of account for {doc.customer.name}")


def render_statement(doc: StatementDoc, out) -> RenderResult:
    """Draw ``doc`` as an A4 PDF into ``out`` (a path or a binary file object)."""
    result = RenderResult()
    result.pages = render_pages(build_spec(doc, result.warnings), out)
    return result
