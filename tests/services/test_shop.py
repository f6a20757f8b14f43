import pytest

from billbook.services.people import shop
from billbook.errors import ValidationError
from tests.builders import snapshot


def test_defaults_and_update(db, admin):
    info = shop.get_shop(db)
    assert info.gst_scheme == "regular" and info.round_off is True
    info = shop.update_shop(db, admin, name="Test Mart", state_code="27", gstin="27AAPFU0939F1ZV",
                            gst_scheme="composition", upi_vpa="testmart@okbank", invoice_prefix="tm")
    assert info.invoice_prefix == "TM" and info.gst_scheme == "composition"
    assert shop.get_shop(db).gstin == "27AAPFU0939F1ZV"


@pytest.mark.parametrize("changes", [
    {"gstin": "27AAPFU0939F1ZX"}, {"state_code": "99"}, {"gst_scheme": "mixed"}, {"invoice_prefix": "TOOLONG"},
    {"invoice_prefix": "A/B"}, {"upi_vpa": "not a vpa"}, {"name": ""}, {"allowed_gst_rates": "5,abc"},
    {"gstin": "29AAGCB7383J1Z4", "state_code": "27"}, {"logo": b"not an image"}, {"idle_lock_minutes": -1},
])
def test_bad_settings_change_nothing(db, admin, changes):
    before = snapshot(db)
    with pytest.raises(ValidationError):
        shop.update_shop(db, admin, **changes)
    assert snapshot(db) == before
