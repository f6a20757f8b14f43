"""Customer commands: ``customer add/show/list/update/credits/…`` (see shared/CLI.md);
``customer statement`` is in documents.py."""

from __future__ import annotations

from pathlib import Path

import click

from billbook.cli.app import NEGATIVE_ARGS, db_and_actor, emit, emit_list, page_options, table
from billbook.cli.groups import customer_group
from billbook.domain.money import money_str
from billbook.services.base import MAX_PAGE
from billbook.services.data import csv_io
from billbook.services.people import customers


# ---------------------------------------------------------------- customer

def _show_customer(c) -> str:
    return "\n".join(f"{k}: {'' if v is None else v}" for k, v in c.to_json().items())


@customer_group.command("add")
@click.option("--phone", required=True)
@click.option("--name", required=True)
@click.option("--state-code")
@click.option("--gstin")
@click.option("--email")
@click.option("--address")
@click.option("--pincode", help="6-digit PIN code")
@click.option("--locality", help="city or locality")
def customer_add(phone, name, state_code, gstin, email, address, pincode, locality) -> None:
    """Add a customer (phone unique)."""
    db, actor = db_and_actor()
    c = customers.add_customer(db, actor, phone, name, state_code=state_code, gstin=gstin, address=address,
                               pincode=pincode, locality=locality)
    if email:
        c = customers.update_customer(db, actor, c.phone, email=email)
    emit(c.to_json(), f"Added customer {c.name} ({c.phone})")


@customer_group.command("show")
@click.argument("phone")
def customer_show(phone) -> None:
    """A customer's profile, credits, dues and purchase history."""
    h = customers.customer_history(*db_and_actor(), phone)
    data = {**h.customer.to_json(), **{k: v for k, v in h.to_json().items() if k != "customer"}}

    def human() -> str:
        lines = [_show_customer(h.customer),
                 f"days since last visit: {h.days_since if h.days_since is not None else '-'}"]
        if h.invoices:
            lines.append(table(h.invoices, ["number", "date", "total", "due"], title="Invoices"))
        return "\n".join(lines)
    emit(data, human)


@customer_group.command("list")
@click.option("--search", "text", default="", help="name words or phone digits")
@page_options(50, MAX_PAGE)
def customer_list(text, limit, offset) -> None:
    """Active customers by name (or phone digits)."""
    page = customers.search_customers(*db_and_actor(), text, limit=limit, offset=offset)
    rows = [c.to_json() for c in page.items]
    emit_list(rows, total=page.total, offset=offset,
              human=lambda: table(rows, ["phone", "name", "credits", "dues", "visits", "last_visit"]))


@customer_group.command("update")
@click.argument("phone")
@click.option("--name")
@click.option("--new-phone")
@click.option("--email")
@click.option("--gstin")
@click.option("--state-code")
@click.option("--address")
@click.option("--pincode", help="6-digit PIN code")
@click.option("--locality", help="city or locality")
@click.option("--active/--inactive", default=None)
def customer_update(phone, **changes) -> None:
    c = customers.update_customer(*db_and_actor(), phone, **changes)
    emit(c.to_json(), lambda: _show_customer(c))


@customer_group.command("credits")
@click.argument("phone")
def customer_credits(phone) -> None:
    """The loyalty ledger."""
    rows = [r.to_json() for r in customers.loyalty_ledger(*db_and_actor(), phone)]
    emit(rows, lambda: table(rows, ["at", "delta", "reason", "note", "balance_after"]))


@customer_group.command("credits-adjust", context_settings=NEGATIVE_ARGS)
@click.argument("phone")
@click.argument("delta")
@click.option("--reason", required=True, help="why (kept in the ledger)")
def customer_credits_adjust(phone, delta, reason) -> None:
    """Add or (negative) remove loyalty credits; never below zero."""
    c = customers.adjust_credits(*db_and_actor(), phone, delta, reason)
    emit(c.to_json(), f"{c.name} now has {money_str(c.credits)} credits")


@customer_group.command("reward-rule")
@click.option("--period", type=click.Choice(customers.PERIODS))
@click.option("--min-visits")
@click.option("--min-spent")
@click.option("--credits")
@click.option("--enable/--disable", default=None)
def customer_reward_rule(period, min_visits, min_spent, credits, enable) -> None:
    """Show or set the loyalty reward rule (N visits and/or ₹X spent in a period → credits)."""
    db, actor = db_and_actor()
    if all(v is None for v in (period, min_visits, min_spent, credits, enable)):
        rule = customers.get_reward_rule(db, actor)
    else:
        cur = customers.get_reward_rule(db, actor)
        rule = customers.set_reward_rule(
            db, actor, enabled=cur.enabled if enable is None else enable, period=period or cur.period,
            min_visits=min_visits if min_visits is not None else cur.min_visits,
            min_spent=min_spent if min_spent is not None else cur.min_spent,
            credits=credits if credits is not None else cur.credits)
    emit(rule.to_json(), "\n".join(f"{k}: {v}" for k, v in rule.to_json().items()))


@customer_group.command("apply-rewards")
@click.option("--period", "label", help="e.g. 2026-11 (default: the last complete period)")
def customer_apply_rewards(label) -> None:
    """Give the reward rule's credits for a period (once per customer and period)."""
    run = customers.apply_rewards(*db_and_actor(), label)
    emit(run.to_json(), f"{run.period}: {len(run.rewarded)} customers rewarded, {run.already} had been already")


@customer_group.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--bom", is_flag=True)
@click.option("--force", is_flag=True, help="Replace FILE if it exists (never a link or a device)")
def customer_export(file, bom, force) -> None:
    """Export every customer (an owner-only file: phones and dues)."""
    n = csv_io.export_customers(*db_and_actor(), file, bom=bom, force=force)
    emit({"file": str(file), "rows": n}, f"Wrote {n} customers to {file}")
