"""No cart is ever lost: kill -9 the app holding a 5-line cart; the next start on that terminal
offers it back, and completing it gives exactly one invoice (its sale id travelled with it)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from billbook.db.bootstrap import open_database
from billbook.services.selling import checkout as sales
from billbook.services.selling import held
from tests import builders
from tests.gui.counter_support import Keyboard, add_product, close_app, ean13, log_in, make_app, settle

CHILD = textwrap.dedent("""
    import sys, time
    from billbook.db.bootstrap import open_database
    from billbook.gui.app import App
    from billbook.services.selling import held
    from billbook.services.people import users
    db = open_database(sys.argv[1])
    codes = sys.argv[2].split(",")
    app = App(db, geometry="1366x768+0+0", theme_mode="light")
    app.ctx.open_documents = False
    app.update()
    form = app.face
    form.user.insert(0, "asha"); form.password.insert(0, sys.argv[3]); form.submit()
    end = time.monotonic() + 30
    while app.shell is None and time.monotonic() < end:
        app.update(); time.sleep(0.01)
    billing = app.shell.screens["billing"]
    app.ctx.wait_idle(20)
    for code in codes:                      # a scanner: the code and Enter, into the focused box
        for ch in code:
            (app.focus_get() or app).event_generate("<KeyPress>", keysym=ch)
        (app.focus_get() or app).event_generate("<KeyPress>", keysym="Return")
        app.update()
    actor = users.login(db, "asha", sys.argv[3], app.ctx.terminal)
    while time.monotonic() < end:           # until the whole cart is in the database
        app.update(); time.sleep(0.02)
        cart = held.open_cart(db, actor)
        if cart is not None and len(cart.items) == len(codes):
            print("READY", billing.cart.sale_id, flush=True)
            break
    while True:                             # a cashier mid-sale; the app is about to be killed
        app.update(); time.sleep(0.02)
""")


@pytest.fixture
def shop_file(tmp_path, sqlite_template, gui_display):
    target = tmp_path / "kill.sqlite3"
    shutil.copy(sqlite_template, target)
    db = open_database(f"sqlite:///{target}")
    admin = builders.make_user(db, "owner", "admin")
    builders.make_user(db, "asha", "cashier")
    codes = []
    for i in range(5):
        code = ean13(f"890400000{i:03d}")
        add_product(db, admin, f"K{i}", f"{10 * (i + 1)}.00", barcode=code, stock="50")
        codes.append(code)
    yield db, f"sqlite:///{target}", codes, admin
    db.dispose()


def test_sigkill_with_a_five_line_cart_then_the_next_start_offers_it_back_and_bills_it_once(shop_file, tmp_path):
    db, url, codes, admin = shop_file
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    child = subprocess.Popen([sys.executable, str(script), url, ",".join(codes), builders.DEFAULT_PASSWORD],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = ""
        end = time.monotonic() + 90
        while time.monotonic() < end and not line.startswith("READY"):
            line = child.stdout.readline()
            if not line and child.poll() is not None:
                break
        assert line.startswith("READY"), f"the child never got its cart saved: {child.stderr.read()[-3000:]}"
        sale_id = line.split()[1]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert sales.list_invoices(db, admin) == []

    app = make_app(db)
    try:
        log_in(app, "asha")
        billing = app.shell.screens["billing"]
        settle(app)
        assert billing.overlay is not None, "the cart left open was not offered back"
        kb = Keyboard(app)
        kb.press("Return")                      # restore it
        settle(app)
        assert [ln.product.barcode for ln in billing.cart.lines] == codes
        assert billing.cart.sale_id == sale_id
        kb.press("F12")
        kb.press("Return")
        settle(app)
        found = sales.list_invoices(db, admin)
        assert len(found) == 1 and sales.get_invoice(db, admin, found[0].number).sale_id == sale_id
        assert [ln.qty for ln in sales.get_invoice(db, admin, found[0].number).lines] == [1] * 5
        assert held.open_cart(db, app.ctx.actor) is None
    finally:
        close_app(app)
    # and the next start offers nothing
    app = make_app(db)
    try:
        log_in(app, "asha")
        settle(app)
        assert app.shell.screens["billing"].overlay is None
        assert len(sales.list_invoices(db, admin)) == 1
    finally:
        close_app(app)


def test_a_recovered_cart_that_had_been_billed_is_not_offered_and_not_billed_again(shop_file):
    db, _url, codes, admin = shop_file
    from billbook.services.people import users
    cashier = users.login(db, "asha", builders.DEFAULT_PASSWORD, "T1")
    app = make_app(db)
    try:
        # the app went down between saving the sale and forgetting the open cart
        terminal_actor = users.login(db, "asha", builders.DEFAULT_PASSWORD, app.ctx.terminal)
        held.save_open_cart(db, terminal_actor, [("K0", "2")], sale_id="billed-1")
        sales.checkout(db, cashier, sales.SaleRequest("billed-1", [("K0", "2")], [("cash", None)]))
        log_in(app, "asha")
        settle(app)
        billing = app.shell.screens["billing"]
        assert billing.overlay is None and billing.cart.lines == []
        assert any("had been billed" in text for _k, text in app.shell.messages.history)
        assert held.open_cart(db, terminal_actor) is None
        assert len(sales.list_invoices(db, admin)) == 1
    finally:
        close_app(app)
