"""Counter commands: sale, invoice show/list, return, dues pay/show, held park/list/resume/discard."""

from __future__ import annotations

import uuid

import click

from billbook.cli.app import STATE, app, emit, emit_list, page_of, page_options, read_secret, table
from billbook.cli.groups import dues_group, held_group, invoice_group
from billbook.domain.gst import state_name
from billbook.domain.money import format_money, money_str, price_str, qty_str
from billbook.services.selling import dues as dues_service
from billbook.services.selling import held as held_service
from billbook.services.selling import returns as returns_service
from billbook.services.selling import checkout as sales_service
from billbook.errors import ValidationError
from billbook.services.base import MAX_PAGE
from billbook.services.selling.checkout import PaymentRequest, SaleItem, SaleRequest


def parse_item(text: str, *, allow_discount: bool = True) -> SaleItem:
    """``SKU=QTY``, ``SKU=QTY:DISCOUNT`` (discount ``10`` rupees or ``5%``), and with
    ``@PRICE`` after the quantity a unit price other than the catalog's (``RICE5=2@330:5%``;
    a cashier's needs ``--approver``). Only ``SKU=QTY`` when ``allow_discount`` is False."""
    sku, sep, rest = (text or "").partition("=")
    if not sep or not sku.strip() or not rest.strip():
        raise ValidationError("--item", f"{text!r}: write SKU=QTY, e.g. RICE5=2"
                              + (", RICE5=2:5% or RICE5=2@330" if allow_discount else ""))
    qty, _, disc = rest.partition(":")
    qty, at, price = qty.partition("@")
    if (disc or at) and not allow_discount:
        raise ValidationError("--item", f"{text!r}: write SKU=QTY")
    if at and not price.strip():
        raise ValidationError("--item", f"{text!r}: write SKU=QTY@PRICE, e.g. RICE5=2@330")
    return SaleItem(sku.strip(), qty.strip(), disc.strip() or None, price.strip() or None)


def parse_pay(text: str) -> PaymentRequest:
    """``MODE`` (the rest of the bill), ``MODE=AMOUNT`` or ``MODE=AMOUNT:REFERENCE``."""
    mode, sep, rest = (text or "").partition("=")
    if sep:
        amount, _, ref = rest.partition(":")
    else:
        mode, _, ref = mode.partition(":")
        amount = ""
    if not mode.strip():
        raise ValidationError("--pay", f"{text!r}: write MODE=AMOUNT[:REF], e.g. cash=800 or upi=500:UTR123")
    return PaymentRequest(mode.strip().lower(), amount.strip() or None, None, ref.strip() or None)


def render_invoice(inv: sales_service.InvoiceDetail) -> str:
    """The invoice as plain text for the terminal."""
    title = "TAX INVOICE" if inv.doc_type == "tax_invoice" else "BILL OF SUPPLY"
    head = [f"{inv.shop.get('name', '')}  —  {title}", f"{inv.number}   {inv.issued_at:%d-%m-%Y %H:%M}   "
            f"cashier {inv.cashier}" + (f" @ {inv.terminal}" if inv.terminal else "")]
    if inv.customer:
        head.append(f"Customer: {inv.customer.name}" + (f" ({inv.customer.phone})" if inv.customer.phone else "")
                    + (f"  GSTIN {inv.customer.gstin}" if inv.customer.gstin else ""))
        if inv.customer.address:
            head.append(f"  {inv.customer.address}"
                        + (f", {state_name(inv.customer.state_code)}" if inv.customer.state_code else ""))
    head.append(f"Place of supply: {inv.place_of_supply} {state_name(inv.place_of_supply)}"
                + (" (IGST)" if inv.inter_state else ""))
    if inv.delivery_address:
        head.append(f"Deliver to: {inv.delivery_address}")
    rows = [{"#": ln.line_no, "item": f"{ln.name} ({ln.sku})", "qty": qty_str(ln.qty),
             "price": price_str(ln.unit_price), "disc": money_str(ln.discount), "taxable": money_str(ln.taxable),
             "gst%": sales_service.rate_str(ln.gst_rate), "tax": money_str(ln.cgst + ln.sgst + ln.igst),
             "total": money_str(ln.total)} for ln in inv.lines]
    body = table(rows, ["#", "item", "qty", "price", "disc", "taxable", "gst%", "tax", "total"])
    tail = [f"Taxable {money_str(inv.taxable_total)}"
            + (f"   CGST {money_str(inv.cgst)}   SGST {money_str(inv.sgst)}" if not inv.inter_state else "")
            + (f"   IGST {money_str(inv.igst)}" if inv.inter_state else "")
            + f"   Round off {money_str(inv.round_off)}",
            f"GRAND TOTAL {format_money(inv.grand_total)}"]
    for p in inv.payments:
        tail.append(f"  paid {p.mode} {money_str(p.amount)}" + (f" (tendered {money_str(p.tendered)})"
                                                                if p.tendered is not None else "")
                    + (f" ref {p.reference}" if p.reference else ""))
    if inv.change:
        tail.append(f"  change {money_str(inv.change)}")
    if inv.due:
        tail.append(f"  on account {money_str(inv.due)}; dues now {money_str(inv.dues_after or 0)}")
    if inv.credits_earned or inv.credits_redeemed:
        tail.append(f"  credits earned {money_str(inv.credits_earned)}, redeemed {money_str(inv.credits_redeemed)}"
                    + (f", balance {money_str(inv.credits_balance)}" if inv.credits_balance is not None else ""))
    if inv.replayed:
        tail.append("(this sale id was already recorded: nothing new was written)")
    return "\n".join(head + [body] + tail)


@app.command("sale")
@click.option("--item", "items", multiple=True, help="SKU=QTY or SKU=QTY:DISCOUNT (10 or 5%); SKU=QTY@PRICE[:DISCOUNT] "
              "sells at a price other than the catalog's (a cashier needs --approver)")
@click.option("--scan", "scans", multiple=True, help="A barcode as a scanner reads it (EAN, SKU, or a weighing "
              "scale's code carrying the weight or price); each scan adds one")
@click.option("--pay", "pays", multiple=True, help="MODE[=AMOUNT[:REF]]; modes cash upi card netbanking credits "
              "account; without an amount: the rest of the bill (default: cash for everything)")
@click.option("--customer-phone", default=None, help="The customer (found or filed by phone)")
@click.option("--customer-name", default=None, help="The recipient's name (files a new customer)")
@click.option("--customer-address", default=None, help="The recipient's address (stored on the customer)")
@click.option("--customer-state", default=None,
              help="The customer's two-digit GST state code (stored on the customer; the default place of supply)")
@click.option("--customer-gstin", default=None,
              help="GSTIN or UIN; stored on the customer, with its state (needs --customer-phone)")
@click.option("--place-of-supply", default=None,
              help="Two-digit state code where the supply is made, e.g. the shop's own for goods taken at the "
                   "counter; default: the customer's state (the GSTIN's for a registered buyer), else the shop's. "
                   "IGST exactly when it is not the shop's state")
@click.option("--delivery-address", default=None, help="Where the goods go, when not the recipient's address")
@click.option("--discount", default=None, help="Bill discount: AMOUNT or PCT%")
@click.option("--sale-id", default=None, help="Client-made id; the same id again returns the same invoice")
@click.option("--print", "print_it", is_flag=True, help="Print on this terminal's printers (as the shop prints "
              "after a sale: receipt, A4 or both)")
@click.option("--approver", default=None, help="An admin approving a cashier's prices given with @PRICE (password "
              "from BILLBOOK_APPROVER_PASSWORD or a prompt); audited with both names")
def sale_cmd(items, pays, customer_phone, customer_name, customer_address, customer_state, customer_gstin,
             place_of_supply, delivery_address, discount, sale_id, scans=(), print_it=False, approver=None) -> None:
    """Ring up a sale in one transaction and print the invoice.

    A tax invoice of ₹50,000 or more (taxable value) to an unregistered buyer needs the
    recipient's name, address and state (Rule 46(e)): --customer-name, --customer-address,
    --customer-state (with or without a phone)."""
    lines = [parse_item(i) for i in items]
    if scans:
        from billbook.services.selling import scanning
        lines += scanning.scan_items(STATE.db(), STATE.actor(), list(scans))
    if not lines:
        raise click.UsageError("give at least one --item SKU=QTY or --scan CODE")
    sale_id = sale_id or uuid.uuid4().hex
    approval = None
    if approver and any(getattr(line, "price", None) is not None for line in lines):
        from billbook.services.people import users
        password = read_secret("BILLBOOK_APPROVER_PASSWORD", f"Password of {approver} (approving the prices): ")
        approval = users.approve(STATE.db(), STATE.actor(), approver, password, "price_override", sale_id=sale_id)
    req = SaleRequest(
        sale_id=sale_id, items=lines, price_approval=approval,
        payments=[parse_pay(p) for p in pays] or [PaymentRequest("cash")], customer_phone=customer_phone,
        customer_name=customer_name, customer_state_code=customer_state, customer_gstin=customer_gstin,
        bill_discount=discount, customer_address=customer_address, place_of_supply=place_of_supply,
        delivery_address=delivery_address)
    inv = sales_service.checkout(STATE.db(), STATE.actor(), req)
    if not print_it:
        emit(inv.to_json(), lambda: render_invoice(inv))
        return
    jobs = _print_after_sale(inv.number)
    emit({**inv.to_json(), "print_jobs": [j.to_json() for j in jobs]}, lambda: render_invoice(inv))


def _print_after_sale(number: str) -> list:
    """``sale --print``: the sale is made whatever happens here; problems go to stderr as warnings
    (exit status stays 0: the sale must not be rung up again)."""
    from billbook.config import terminal_name
    from billbook.devices import PrinterError
    from billbook.services.selling import printing
    db, actor, terminal = STATE.db(), STATE.actor(), terminal_name()
    choice = printing.after_sale_choice(db, actor, terminal, interactive=False)
    try:
        jobs = printing.print_after_sale(db, actor, number, choice, terminal=terminal)
    except PrinterError as exc:
        click.echo(f"warning: {number} is saved, but it did not print: {exc}", err=True)
        return []
    if not jobs:
        click.echo(f"warning: {number} is saved; no printer is set on {terminal} "
                   "(billbook printer set receipt --uri tcp://HOST:9100)", err=True)
    for job in jobs:
        if not job.ok:
            click.echo(f"warning: {job.message} (print job {job.job_id}: billbook printer retry {job.job_id})",
                       err=True)
    return jobs


@invoice_group.command("show")
@click.argument("number")
def invoice_show(number) -> None:
    """Show one issued invoice."""
    inv = sales_service.get_invoice(STATE.db(), STATE.actor(), number)
    emit(inv.to_json(), lambda: render_invoice(inv))


@invoice_group.command("list")
@click.option("--from", "date_from", default=None, help="First business date (YYYY-MM-DD)")
@click.option("--to", "date_to", default=None, help="Last business date (YYYY-MM-DD)")
@click.option("--customer-phone", default=None)
@click.option("--search", default=None, help="Text in the number or the customer's name/phone")
@page_options(200, MAX_PAGE)
def invoice_list(date_from, date_to, customer_phone, search, limit, offset) -> None:
    """List invoices, newest first."""
    db, actor = STATE.db(), STATE.actor()
    filters = {"date_from": date_from, "date_to": date_to, "customer_phone": customer_phone, "search": search}
    rows = [i.to_json() for i in sales_service.list_invoices(db, actor, **filters, limit=limit, offset=offset)]
    total = sales_service.count_invoices(db, actor, **filters)
    emit_list(rows, total=total, offset=offset, human=lambda: table(
        rows, ["number", "date", "customer_name", "customer_phone", "grand_total", "due", "status", "cashier",
               "terminal"]) + f"\n{len(rows)} of {total}" if rows else "No invoices.")


@app.command("return")
@click.argument("number")
@click.option("--item", "items", multiple=True, required=True, help="SKU=QTY coming back")
@click.option("--refund", "refund", default="cash", show_default=True,
              type=click.Choice(list(returns_service.REFUND_MODES)))
@click.option("--reason", default="")
@click.option("--request-id", default=None, help="Client-made id; the same id again returns the same credit note")
def return_cmd(number, items, refund, reason, request_id) -> None:
    """Take goods back against invoice NUMBER: issue a credit note and restock."""
    parsed = [parse_item(i, allow_discount=False) for i in items]
    cn = returns_service.create_return(STATE.db(), STATE.actor(), number, [(i.product, i.qty) for i in parsed],
                                       refund_mode=refund, request_id=request_id, reason=reason)
    rows = [ln.to_json() for ln in cn.lines]
    human = lambda: "\n".join([  # noqa: E731
        f"Credit note {cn.number} against {cn.invoice_number}",
        table(rows, ["sku", "name", "qty", "taxable", "gst_rate", "cgst", "sgst", "igst", "total"]),
        f"Total {format_money(cn.total)} (round off {money_str(cn.round_off)}); refunded "
        + ", ".join(f"{r.mode} {money_str(r.amount)}" for r in cn.refunds)]
        + ([f"credits reversed {money_str(cn.credits_reversed)}"] if cn.credits_reversed else [])
        + (["(this request id was already recorded: nothing new was written)"] if cn.replayed else []))
    emit(cn.to_json(), human)


@dues_group.command("pay")
@click.argument("phone")
@click.argument("amount")
@click.option("--mode", default="cash", show_default=True, type=click.Choice(["cash", "upi", "card", "netbanking"]))
@click.option("--reference", default=None)
@click.option("--request-id", default=None, help="Client-made id; the same id again returns the same payment")
def dues_pay(phone, amount, mode, reference, request_id) -> None:
    """Receive AMOUNT from the customer with PHONE against their dues (oldest invoice first)."""
    r = dues_service.pay_dues(STATE.db(), STATE.actor(), phone, amount, mode=mode, reference=reference,
                              request_id=request_id)
    emit(r.to_json(), f"Received {format_money(r.amount)} ({r.mode}) from {r.name}; dues "
                      f"{money_str(r.dues_before)} → {money_str(r.dues_after)}"
         + "".join(f"\n  {a.invoice_number}: {money_str(a.amount)}" for a in r.allocations)
         + ("\n(this request id was already recorded: nothing new was written)" if r.replayed else ""))


@dues_group.command("show")
@click.argument("phone")
def dues_show(phone) -> None:
    """A customer's dues: balance, open invoices, ledger."""
    st = dues_service.dues_statement(STATE.db(), STATE.actor(), phone)
    data = st.to_json()

    def human() -> str:
        text = f"{st.name} ({st.phone}) owes {format_money(st.balance)}"
        if data["open_invoices"]:
            text += "\n" + table(data["open_invoices"], ["number", "date", "due", "settled", "outstanding"])
        if data["entries"]:
            text += "\n" + table(data["entries"], ["date", "reason", "reference", "delta", "balance_after"])
        return text
    emit(data, human)


@held_group.command("park")
@click.argument("label")
@click.option("--item", "items", multiple=True, required=True,
              help="SKU=QTY, SKU=QTY:DISCOUNT or SKU=QTY@PRICE[:DISCOUNT]")
@click.option("--customer-phone", default=None)
@click.option("--customer-name", default=None)
@click.option("--discount", default=None)
def held_park(label, items, customer_phone, customer_name, discount) -> None:
    """Park a cart under LABEL (reserves no stock)."""
    h = held_service.hold_sale(STATE.db(), STATE.actor(), label, [parse_item(i) for i in items],
                               customer_phone=customer_phone, customer_name=customer_name, bill_discount=discount)
    emit(h.to_json(), f"Held cart {h.id}: {h.label}")


@held_group.command("list")
@page_options(100, MAX_PAGE)
def held_list(limit, offset) -> None:
    """Held carts from every terminal."""
    rows, total = page_of([h.to_json() for h in held_service.list_held(STATE.db(), STATE.actor())], limit, offset)
    for r in rows:
        r["lines"] = len(r["items"])
    emit_list(rows, total=total, offset=offset, human=lambda: table(
        rows, ["id", "label", "lines", "customer_phone", "user", "terminal", "created_at"]) if rows
        else "No held carts.")


@held_group.command("resume")
@click.argument("held_id", type=int)
def held_resume(held_id) -> None:
    """Take a held cart back (prints it; it leaves the held list)."""
    h = held_service.resume_held(STATE.db(), STATE.actor(), held_id)
    items = " ".join(f"--item {i.product}={i.qty}" + (f"@{i.price}" if i.price else "")
                     + (f":{i.discount}" if i.discount else "") for i in h.items)
    emit(h.to_json(), f"Resumed {h.label}: {items}"
         + (f" --customer-phone {h.customer_phone}" if h.customer_phone else "")
         + (f" --discount {h.bill_discount}" if h.bill_discount else ""))


@held_group.command("discard")
@click.argument("held_id", type=int)
def held_discard(held_id) -> None:
    """Throw a held cart away."""
    h = held_service.discard_held(STATE.db(), STATE.actor(), held_id)
    emit(h.to_json(), f"Discarded held cart {h.id}: {h.label}")
