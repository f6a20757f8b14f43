"""Catalog: validation, uniqueness, updates audited, deactivate vs delete, categories, search semantics."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from billbook.db.models import AuditEntry
from billbook.services.goods import catalog
from billbook.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.builders import snapshot

NAMES = ["Rice Basmati 5kg", "Price Tag Roll", "Tata Salt 1kg", "Fried Rice Mix", "Surf Excel Matic",
         "Amul Butter 100g", "Amul Taaza Milk 1l", "Dettol Soap Original", "RICE Bran Oil 1L", "Crème Brûlée Mix"]


def add(db, actor, sku, name, **kw):
    kw.setdefault("price", "10")
    kw.setdefault("gst_rate", "5")
    return catalog.add_product(db, actor, sku=sku, name=name, **kw)


@pytest.fixture
def stocked(db, admin):
    for i, name in enumerate(NAMES):
        add(db, admin, f"P{i:02d}", name)
    return db


@pytest.mark.parametrize("field,kwargs,message", [
    ("barcode", {"barcode": "4006381333932"}, "check digit"),
    ("barcode", {"barcode": "96385074"[:-1] + "5"}, "check digit"),
    ("price", {"price": "-1"}, "negative"),
    ("cost_price", {"cost_price": "-0.01"}, "negative"),
    ("gst_rate", {"gst_rate": "7"}, "not one of"),
    ("hsn", {"hsn": "12"}, "4, 6 or 8 digits"),
    ("hsn", {"hsn": "12345"}, "4, 6 or 8 digits"),          # the portal takes no 5-digit code (issue 17)
    ("hsn", {"hsn": "0000"}, "all zeros"),
    ("unit", {"unit": "bucket"}, "unknown unit"),
    ("price", {"price": "1.0005"}, "3 decimal"),            # unit prices take 3 decimals (issue 17)
])
def test_bad_product_fields_are_refused_and_nothing_changes(db, admin, field, kwargs, message):
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        add(db, admin, "X1", "Thing", **kwargs)
    assert err.value.field == field and message in err.value.message
    assert snapshot(db) == before


def test_duplicate_sku_and_barcode_are_conflicts(db, admin):
    add(db, admin, "A1", "One", barcode="4006381333931")
    before = snapshot(db)
    with pytest.raises(Conflict):
        add(db, admin, "A1", "Two")
    with pytest.raises(Conflict):
        add(db, admin, "A2", "Two", barcode="4006381333931")
    add(db, admin, "A3", "Three", barcode="036000291452")  # a valid UPC-A
    with pytest.raises(Conflict):
        catalog.update_product(db, admin, "A3", barcode="4006381333931")
    assert catalog.get_product(db, admin, "A3").barcode == "036000291452"
    assert len(snapshot(db)["products"]) == len(before["products"]) + 1


def test_price_and_tax_changes_are_audited_old_to_new(db, admin):
    add(db, admin, "A1", "Soap", price="45", gst_rate="18")
    p = catalog.update_product(db, admin, "A1", price="50", gst_rate="12", name="Soap Neem")
    assert (p.price, p.gst_rate, p.name) == (Decimal("50.00"), Decimal("12"), "Soap Neem")
    details = db.run(lambda s: s.scalars(select(AuditEntry.details).where(AuditEntry.action == "product.update")).one())
    assert '"price": ["45.00", "50.00"]' in details and '"gst_rate"' in details
    assert [i.sku for i in catalog.search_products(db, admin, "neem").items] == ["A1"]
    assert catalog.search_products(db, admin, "soap neem").total == 1


def test_update_refuses_unknown_fields_and_bad_values(db, admin):
    add(db, admin, "A1", "Soap")
    before = snapshot(db)
    with pytest.raises(ValidationError):
        catalog.update_product(db, admin, "A1", stock_qty="5")
    with pytest.raises(ValidationError):
        catalog.update_product(db, admin, "A1", price="-3")
    with pytest.raises(NotFound):
        catalog.update_product(db, admin, "NOPE", price="3")
    assert snapshot(db) == before


def test_deactivated_products_leave_search_but_can_be_looked_up(stocked, admin):
    catalog.deactivate_product(stocked, admin, "P00")
    assert "P00" not in [p.sku for p in catalog.search_products(stocked, admin, "rice").items]
    assert "P00" in [p.sku for p in catalog.search_products(stocked, admin, "rice", include_inactive=True).items]
    assert catalog.lookup_code(stocked, admin, "P00").active is False
    catalog.activate_product(stocked, admin, "P00")
    assert "P00" in [p.sku for p in catalog.search_products(stocked, admin, "rice").items]


def test_delete_only_a_product_never_ordered(db, admin):
    from billbook.services.goods import purchasing
    from billbook.services.goods import suppliers
    add(db, admin, "A1", "Soap", stock="5")
    add(db, admin, "A2", "Comb")
    catalog.delete_product(db, admin, "A1")
    with pytest.raises(NotFound):
        catalog.get_product(db, admin, "A1")
    suppliers.add_supplier(db, admin, "Metro")
    purchasing.create_po(db, admin, "Metro", [("A2", "1", "5")])
    with pytest.raises(Conflict, match="deactivate"):
        catalog.delete_product(db, admin, "A2")


def test_categories_crud(db, admin):
    catalog.add_category(db, admin, "Grocery")
    with pytest.raises(Conflict):
        catalog.add_category(db, admin, "Grocery")
    add(db, admin, "A1", "Rice", category="Grocery")
    assert [(c.name, c.products) for c in catalog.list_categories(db, admin)] == [("Grocery", 1)]
    with pytest.raises(Conflict):
        catalog.delete_category(db, admin, "Grocery")
    catalog.rename_category(db, admin, "Grocery", "Food")
    assert catalog.get_product(db, admin, "A1").category == "Food"
    catalog.update_product(db, admin, "A1", category="")
    catalog.delete_category(db, admin, "Food")
    assert catalog.list_categories(db, admin) == []


def test_cashier_searches_but_cannot_change_the_catalog(stocked, cashier):
    assert catalog.search_products(stocked, cashier, "rice").items
    assert catalog.lookup_code(stocked, cashier, "P01").sku == "P01"
    with pytest.raises(PermissionDenied):
        catalog.update_product(stocked, cashier, "P01", price="1")


@pytest.mark.parametrize("query,expected", [
    ("rice", {"Rice Basmati 5kg", "Fried Rice Mix", "RICE Bran Oil 1L", "Price Tag Roll"}),
    ("RICE mix", {"Fried Rice Mix"}),
    ("5kg BASMATI", {"Rice Basmati 5kg"}),
    ("1l amul", {"Amul Taaza Milk 1l"}),
    ("kg", {"Rice Basmati 5kg", "Tata Salt 1kg"}),
    ("brûlée", {"Crème Brûlée Mix"}),
    ("zzz", set()),
    ("a_b", set()),
    ("%", set()),
])
def test_search_is_substring_any_order_any_case(stocked, admin, query, expected):
    page = catalog.search_products(stocked, admin, query, limit=50)
    assert {p.name for p in page.items} == expected
    assert page.total in (len(expected), None) and not page.has_more


@pytest.mark.parametrize("driver_limit", [5000, 0])  # the index path and the in-order scan agree
def test_search_pages_in_name_order(stocked, admin, monkeypatch, driver_limit):
    monkeypatch.setattr(catalog, "DRIVER_LIMIT", driver_limit)
    everything = sorted(n.lower() for n in NAMES if "i" in n.lower())
    seen, offset = [], 0
    while True:
        page = catalog.search_products(stocked, admin, "I", limit=3, offset=offset)
        seen += [p.name.lower() for p in page.items]
        if not page.has_more:
            break
        offset += 3
    assert seen == everything


def test_lookup_code_finds_barcode_then_sku(db, admin):
    add(db, admin, "4006381333931", "Sku looks like a code")
    add(db, admin, "B2", "Has the barcode", barcode="4006381333931")
    assert catalog.lookup_code(db, admin, "4006381333931").sku == "B2"
    assert catalog.lookup_code(db, admin, "B2").sku == "B2"
    assert catalog.lookup_code(db, admin, "nothing") is None
    assert catalog.lookup_code(db, admin, "") is None


def test_search_paging_is_validated(db, admin):
    with pytest.raises(ValidationError):
        catalog.search_products(db, admin, "x", limit=0)
    with pytest.raises(ValidationError):
        catalog.search_products(db, admin, "x", offset=-1)


WORDS = st.text(alphabet="abcdeKLM5é-", min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.lists(WORDS, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=6),
       query=st.lists(WORDS, min_size=1, max_size=2).map(" ".join))
def test_search_matches_plain_python_substring_rule(db_url, names, query):
    """Whatever the names and the query, the index returns what a plain substring check would."""
    from billbook.db.bootstrap import open_database
    from billbook.db.models import Product, ProductTerm, SearchTerm, SearchTermSuffix, StockMovement
    from tests.builders import make_user
    from sqlalchemy import delete

    db = open_database(db_url)
    try:
        def wipe(s):
            for m in (ProductTerm, SearchTermSuffix, SearchTerm, StockMovement, Product):
                s.execute(delete(m))
        db.run(wipe)
        actor = make_user(db, f"u{abs(hash((tuple(names), query))) % 10**9}", "admin")
        for i, n in enumerate(names):
            add(db, actor, f"H{i}", n)
        words = query.lower().split()
        expected = sorted((n.lower(), f"H{i}") for i, n in enumerate(names) if all(w in n.lower() for w in words))
        got = catalog.search_products(db, actor, query, limit=100)
        assert sorted((p.name.lower(), p.sku) for p in got.items) == expected
    finally:
        db.dispose()
