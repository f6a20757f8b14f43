"""Screenshots of every screen, light and dark, at 1366×768 and 1024×600, into docs/screenshots/.

    python -m billbook.devtools.screenshots [--out docs/screenshots] [--modes light,dark]
                                       [--sizes 1366x768,1024x600] [--invoices 3000]

Runs on scratch SQLite databases in a temporary BILLBOOK_HOME and starts its own Xvfb when
there is no DISPLAY. The counter's pictures (first run, login, billing, payment, held carts,
invoices, return, lock) use a small demo shop; the back-office screens (products,
inventory, customers, reports, dashboard, settings) a year of generated trading
(``devtools/demo.py``, ``--invoices`` invoices). Each picture is the window (at +0+0)
captured with ImageMagick's ``import``: ``NAME-MODE.png`` at 1366×768 and
``1024x600/NAME-MODE.png`` at the smallest supported size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from billbook.gui.xvfb import ensure_display

PRODUCTS = [
    ("RICE5", "India Gate Basmati Rice 5 kg", "649.00", "5", "8901234500019"),
    ("DAL1", "Tata Sampann Toor Dal 1 kg", "182.00", "5", "8901234500026"),
    ("OIL1", "Fortune Sunflower Oil 1 L", "155.00", "5", "8901234500033"),
    ("BUTTER", "Amul Butter 500 g", "285.00", "12", "8901234500040"),
    ("SALT", "Tata Salt 1 kg", "28.00", "0", "8901234500057"),
    ("PARLEG", "Parle-G Biscuits 800 g", "90.00", "18", "8901234500064"),
    ("COLGATE", "Colgate Strong Teeth Toothpaste 200 g", "118.00", "18", "8901234500071"),
    ("SURF", "Surf Excel Easy Wash 1 kg", "140.00", "18", "8901234500088"),
    ("MAGGI12", "Maggi 2-Minute Noodles 12-pack", "168.00", "12", "8901234500095"),
    ("ATTA10", "Aashirvaad Whole Wheat Atta 10 kg", "489.00", "5", "8901234500101"),
    ("TEA500", "Red Label Tea 500 g", "290.00", "5", "8901234500118"),
    ("GHEE1", "Amul Pure Ghee 1 L", "640.00", "12", "8901234500125"),
]


def demo_shop(db):
    """A shop with products, customers, a few invoices and a held cart; returns (admin, cashier)."""
    from billbook.services.goods import catalog
    from billbook.services.people import customers
    from billbook.services.selling import held
    from billbook.services.selling import checkout as sales
    from billbook.services.people import shop
    from billbook.services.people import users
    users.create_first_admin(db, "owner", "owner-pass-123", "Suresh Sharma")
    admin = users.login(db, "owner", "owner-pass-123", "COUNTER-1")
    users.add_user(db, admin, "asha", "asha-pass-123", "cashier", "Asha Verma")
    cashier = users.login(db, "asha", "asha-pass-123", "COUNTER-1")
    shop.update_shop(db, admin, name="Sharma General Store", address="12 MG Road, Pune 411001", phone="9822012345",
                     state_code="27", upi_vpa="sharmastore@okhdfc",
                     invoice_prefix="SGS")
    for sku, name, price, gst, code in PRODUCTS:
        catalog.add_product(db, admin, sku=sku, name=name, price=price, gst_rate=gst, barcode=code, stock="60",
                            hsn="1006")
    customers.add_customer(db, admin, "9876543210", "Ravi Kumar")
    customers.add_customer(db, admin, "9123456780", "Meena Iyer")
    for i, (items, phone, pays) in enumerate([
        ([("RICE5", "1"), ("DAL1", "2"), ("SALT", "1")], "9876543210", [("cash", None, "1100")]),
        ([("PARLEG", "3"), ("TEA500", "1")], None, [("upi", None, None, "UPI417283")]),
        ([("GHEE1", "1"), ("ATTA10", "1"), ("OIL1", "2")], "9123456780", [("card", None, None, "APR 22871")]),
        ([("MAGGI12", "2"), ("SURF", "1"), ("COLGATE", "2")], None, [("cash", None, None)]),
    ]):
        sales.checkout(db, cashier, sales.SaleRequest(
            sale_id=f"demo-{i}", items=[sales.SaleItem(*it) for it in items],
            payments=[sales.PaymentRequest(*p) for p in pays], customer_phone=phone))
    held.hold_sale(db, cashier, "Ravi – fetching his wallet", [sales.SaleItem("RICE5", "2"), sales.SaleItem("TEA500", "1")],
                   customer_phone="9876543210")
    return admin, cashier


SIZES = ("1366x768", "1024x600")
BACKOFFICE = ["products", "inventory", "customers", "reports", "dashboard", "settings"]


class Shooter:
    def __init__(self, out: Path, mode: str, size: str = "1366x768"):
        self.out, self.mode, self.size = out, mode, size
        self.taken: list[Path] = []

    def __call__(self, app, name: str) -> None:
        width, height = (int(v) for v in self.size.split("x"))
        app.event_generate("<Motion>", warp=True, x=width - 3, y=height - 3)   # no hover tooltip in the picture
        settle(app)
        folder = self.out if self.size == SIZES[0] else self.out / self.size
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}-{self.mode}.png"
        subprocess.run(["import", "-window", "root", "-crop", f"{self.size}+0+0", str(path)], check=True)
        self.taken.append(path)


def settle(app, seconds: float = 0.35) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.update()
        time.sleep(0.01)
    app.ctx.wait_idle(30)
    app.update()


def press(app, keysym: str) -> None:
    w = app.focus_get() or app
    w.event_generate("<KeyPress>", keysym=keysym)
    w.event_generate("<KeyRelease>", keysym=keysym)
    app.update()


def type_text(app, text: str) -> None:
    names = {" ": "space", "%": "percent", ".": "period", "-": "minus"}
    for ch in text:
        press(app, names.get(ch, ch))


def shoot_mode(db_url: str, out: Path, mode: str, fresh_url: str, size: str = "1366x768") -> list[Path]:
    import customtkinter as ctk

    from billbook.db.bootstrap import open_database
    from billbook.gui.app import App
    shot = Shooter(out, mode, size)
    geometry = f"{size}+0+0"
    # first run wizard (an empty database)
    fresh = open_database(fresh_url)
    app = App(fresh, geometry=geometry, theme_mode=mode)
    app.ctx.open_documents = False
    settle(app)
    wiz = app.face
    wiz.username.set("owner")
    wiz.shop_name.set("Sharma General Store")
    wiz.upi.set("sharmastore@okhdfc")
    shot(app, "01-first-run")
    app.close()
    fresh.dispose()

    db = open_database(db_url)
    app = App(db, geometry=geometry, theme_mode=mode)
    app.ctx.open_documents = False
    settle(app)
    app.face.user.insert(0, "asha")
    shot(app, "02-login")
    app.face.password.insert(0, "asha-pass-123")
    app.face.submit()
    settle(app)
    billing = app.shell.screens["billing"]
    shot(app, "03-billing-empty")
    for code in ("8901234500019", "8901234500026", "8901234500026", "8901234500057", "8901234500064"):
        billing.search.entry.insert(0, code)
        billing.search._enter()
        settle(app, 0.05)
    billing.focus_customer()
    billing.phone.insert(0, "9876543210")
    billing.find_customer()
    settle(app)
    type_text(app, "amul")
    settle(app, 0.5)
    shot(app, "04-billing-search")
    press(app, "Escape")
    billing.open_payment()
    settle(app)
    billing.payment.tendered.insert(0, "2000")
    billing.payment._update_info()
    shot(app, "05-billing-pay-cash")
    billing.payment.set_mode("upi")
    shot(app, "06-billing-pay-upi")
    billing.close_payment()
    billing.hold()
    settle(app)
    billing.show_held()
    settle(app)
    shot(app, "07-billing-held")
    billing.close_overlay()
    app.shell.show("invoices")
    settle(app)
    inv = app.shell.screens["invoices"]
    inv.table.select(inv.rows[-1].number if inv.rows else None)
    settle(app)
    shot(app, "08-invoices")
    if inv.detail is not None:
        inv.return_dialog(inv.detail)
        settle(app)
        shot(app, "09-invoices-return")
        inv.close_overlay()
    app.shell.show("billing")
    app.lock()
    settle(app)
    shot(app, "10-lock")
    app.close()
    db.dispose()
    ctk.set_appearance_mode("light")
    return shot.taken


def demo_backoffice(url: str, invoices: int) -> None:
    """A year of generated trading for the back-office pictures (owner / owner-pass-123)."""
    from billbook.db.bootstrap import open_database
    from billbook.devtools import demo
    from billbook.services.people import shop, users
    db = open_database(url)
    try:
        users.create_first_admin(db, "owner", "owner-pass-123", "Suresh Sharma")
        admin = users.login(db, "owner", "owner-pass-123", "COUNTER-1")
        shop.update_shop(db, admin, name="Sharma General Store", address="12 MG Road, Pune 411001",
                         phone="9822012345", state_code="27", upi_vpa="sharmastore@okhdfc", invoice_prefix="SGS")
        demo.generate(db, admin, products=300, customers=800, invoices=invoices, days=365)
    finally:
        db.dispose()


def shoot_backoffice(db_url: str, out: Path, mode: str, size: str) -> list[Path]:
    """Each back-office screen as the admin sees it in the real window, data loaded."""
    import customtkinter as ctk

    from billbook.db.bootstrap import open_database
    from billbook.gui.app import App
    shot = Shooter(out, mode, size)
    db = open_database(db_url)
    app = App(db, geometry=f"{size}+0+0", theme_mode=mode)
    app.ctx.open_documents = False
    settle(app)
    app.face.user.insert(0, "owner")
    app.face.password.insert(0, "owner-pass-123")
    app.face.submit()
    settle(app, 1.0)
    for key in BACKOFFICE:
        if not app.shell.show(key):
            continue
        settle(app, 2.0)
        frame = app.shell.screens[key]
        if hasattr(frame, "screenshot_ready"):
            frame.screenshot_ready()
            settle(app, 1.5)
        shot(app, key)
    app.close()
    db.dispose()
    ctk.set_appearance_mode("light")
    return shot.taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--modes", default="light,dark")
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--invoices", type=int, default=3000, help="generated invoices for the back-office pictures")
    parser.add_argument("--skip-backoffice", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("import") is None:
        print("error: ImageMagick's `import` is needed to capture the screen", file=sys.stderr)
        return 1
    xvfb = ensure_display()
    work = Path(tempfile.mkdtemp(prefix="billbook-shots-"))
    os.environ["BILLBOOK_HOME"] = str(work / "home")
    os.environ["BILLBOOK_TERMINAL"] = "COUNTER-1"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        from billbook.db.bootstrap import open_database
        taken = []
        back_url = f"sqlite:///{work / 'backoffice.sqlite3'}"
        if not args.skip_backoffice:
            demo_backoffice(back_url, args.invoices)
        for size in args.sizes.split(","):
            for mode in args.modes.split(","):
                url = f"sqlite:///{work / f'shop-{mode}-{size}.sqlite3'}"
                db = open_database(url)
                demo_shop(db)
                db.dispose()
                taken += shoot_mode(url, out, mode, f"sqlite:///{work / f'fresh-{mode}-{size}.sqlite3'}", size)
                if not args.skip_backoffice:
                    taken += shoot_backoffice(back_url, out, mode, size)
        for path in taken:
            print(path)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if xvfb is not None:
            xvfb.terminate()


if __name__ == "__main__":
    sys.exit(main())
