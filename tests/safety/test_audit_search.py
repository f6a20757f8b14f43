"""The admin's audit search: filters, paging, and hostile search text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billbook.db.models import AuditEntry
from billbook.services.insight.audit import audit_actions, search_audit
from billbook.errors import PermissionDenied, ValidationError
from tests.builders import snapshot

DAY = dt.datetime(2026, 11, 20, 9, 0, 0)


@pytest.fixture
def logged(db, admin):
    rows = []
    for i in range(30):
        rows.append(AuditEntry(at=DAY + dt.timedelta(hours=i * 5), user_id=None,
                               username="asha" if i % 3 else "owner", terminal=f"T{i % 2 + 1}",
                               action=["login.ok", "login.failed", "product.update", "invoice.void", "stock.adjust"][i % 5],
                               entity="product" if i % 5 == 2 else "user", entity_id=str(i),
                               details='{"price": "12.50", "note": "100% निश्चित_ok"}' if i == 7 else ""))
    db.run(lambda s: s.add_all(rows))
    return admin


def test_filters_combine_and_pages_are_newest_first(db, logged):
    page = search_audit(db, logged, user="asha", action="login.*", page_size=3)
    everything = search_audit(db, logged, user="asha", action="login.*", page_size=500)
    assert page.total == everything.total == len(everything.rows) > 3
    assert page.rows == everything.rows[:3]
    assert all(r.username == "asha" and r.action.startswith("login.") for r in everything.rows)
    assert [r.at for r in everything.rows] == sorted((r.at for r in everything.rows), reverse=True)
    second = search_audit(db, logged, user="asha", action="login.*", page=2, page_size=3)
    assert second.rows == everything.rows[3:6] and page.pages == -(-page.total // 3)


def test_date_range_is_inclusive_by_day(db, logged):
    result = search_audit(db, logged, date_from="2026-11-21", date_to="2026-11-21", page_size=500)
    assert result.total > 0 and all(r.at.date() == dt.date(2026, 11, 21) for r in result.rows)


def test_text_search_finds_details_and_treats_wildcards_literally(db, logged):
    hit = search_audit(db, logged, text="100%")
    assert [r.entity_id for r in hit.rows] == ["7"] and hit.rows[0].details["price"] == "12.50"
    assert search_audit(db, logged, text="निश्चित_ok").total == 1
    assert search_audit(db, logged, text="%").total == 1       # only the row that has a literal %
    assert search_audit(db, logged, text="_").total == 1


def test_entity_and_exact_action(db, logged):
    result = search_audit(db, logged, action="product.update", entity="product", entity_id="2")
    assert [(r.action, r.entity_id) for r in result.rows] == [("product.update", "2")]
    assert "invoice.void" in audit_actions(db, logged)


def test_cashier_cannot_read_the_audit_log(db, cashier):
    with pytest.raises(PermissionDenied):
        search_audit(db, cashier)


@pytest.mark.parametrize("kwargs", [{"date_from": "yesterday"}, {"date_from": "2026-11-22", "date_to": "2026-11-21"},
                                    {"page": 0}, {"page_size": 0}, {"page_size": 10**6}, {"page": "two"},
                                    {"user": "x" * 500}, {"text": "a\x00b"}, {"action": 42}])
def test_bad_filters_are_clear_errors(db, logged, kwargs):
    before = snapshot(db)
    with pytest.raises(ValidationError):
        search_audit(db, logged, **kwargs)
    assert snapshot(db) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60) | st.sampled_from(["' OR 1=1 --", "\\", "%_%", "'); DROP TABLE audit_log; --",
                                                     "\" OR \"\"=\"", "😀" * 50]))
def test_any_search_text_is_safe(db, logged, text):
    before = snapshot(db)
    try:
        result = search_audit(db, logged, text=text, user=text, action=text + "*")
        assert result.total <= 30
    except ValidationError:
        pass
    assert snapshot(db) == before


def test_sales_audit_rows_are_found_by_action_and_listed_among_the_actions(db, logged):
    """The sales' own audit rows stay out of SQLite's (partial) action index: searching for them
    by action, for any other action, and the list of actions all still answer in full."""
    db.run(lambda s: s.add_all([AuditEntry(at=DAY + dt.timedelta(minutes=m), user_id=None, username="asha",
                                           terminal="T1", action="sale.checkout", entity="invoice",
                                           entity_id=str(100 + m), details="") for m in range(4)]))
    assert audit_actions(db, logged) == ["invoice.void", "login.failed", "login.ok", "product.update",
                                         "sale.checkout", "stock.adjust"]
    assert search_audit(db, logged, action="sale.checkout").total == 4
    assert search_audit(db, logged, action="login.ok").total == 6
    assert search_audit(db, logged, action="sale.*").total == 4


def test_actions_list_has_no_sales_before_the_first_sale(db, logged):
    assert "sale.checkout" not in audit_actions(db, logged)


def test_the_partial_index_and_the_searches_name_the_sales_action_alike():
    from billbook.db.models import SALE_AUDIT_ACTION
    from billbook.services.insight.audit import _NOT_A_SALE

    index = next(ix for ix in AuditEntry.__table__.indexes if ix.name == "ix_audit_log_action")
    assert str(index.dialect_options["sqlite"]["where"]) == f"action <> '{SALE_AUDIT_ACTION}'"
    assert str(_NOT_A_SALE.right) == f"'{SALE_AUDIT_ACTION}'"
