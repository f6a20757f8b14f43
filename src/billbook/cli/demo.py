"""``billbook demo``: fill an empty shop with demo data (the one command that uses the dev tools)."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from billbook.cli.app import STATE, app, emit
from billbook.devtools import demo


@app.command("demo")
@click.option("--products", default=200, show_default=True, type=int)
@click.option("--customers", default=800, show_default=True, type=int)
@click.option("--invoices", default=5000, show_default=True, type=int)
@click.option("--days", default=365, show_default=True, type=int, help="Days of trading, ending yesterday")
@click.option("--seed", default=2024, show_default=True, type=int)
def demo_command(products, customers, invoices, days, seed) -> None:
    """Fill an empty shop with realistic demo data (products, customers, sales, returns, dues, receipts)."""
    db, actor = STATE.db(), STATE.actor()
    console = Console(stderr=True)
    with Progress(TextColumn("Generating sales"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=STATE.json) as bar:
        task = bar.add_task("demo", total=max(invoices, 1))
        res = demo.generate(db, actor, products=products, customers=customers, invoices=invoices, days=days,
                            seed=seed, progress=lambda done, total: bar.update(task, completed=done))
    data = {"products": res.products, "customers": res.customers, "invoices": res.invoices, "lines": res.lines,
            "returns": res.returns, "purchase_receipts": res.receipts, "dues_payments": res.dues_payments,
            "from": res.first_day.isoformat() if res.first_day else None,
            "to": res.last_day.isoformat() if res.last_day else None, "seconds": round(res.seconds, 1)}
    emit(data, f"Demo shop ready: {res.products} products, {res.customers} customers, {res.invoices} invoices "
               f"({res.lines} lines), {res.returns} returns, {res.receipts} purchase receipts, "
               f"{res.dues_payments} dues payments, {data['from']} to {data['to']} in {res.seconds:.1f} s")
