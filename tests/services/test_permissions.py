"""The permission matrix, generated from the permission table and the guarded services.

Every service function guarded with @requires is called as a cashier; each one whose
permission a cashier lacks must raise PermissionDenied before touching the database.
"""

import importlib
import pkgutil

import pytest

import billbook.services
from billbook.domain.permissions import CASHIER_PERMISSIONS, Permission, Role, role_can
from billbook.services.base import GUARDED
from billbook.errors import PermissionDenied
from tests.builders import row_counts

for _m in pkgutil.walk_packages(billbook.services.__path__, "billbook.services."):
    importlib.import_module(_m.name)

ADMIN_ONLY = [g for g in GUARDED if g.permission not in CASHIER_PERMISSIONS]


def test_every_permission_is_granted_to_admin():
    assert all(role_can(Role.ADMIN, p) for p in Permission)


def test_there_are_admin_only_operations():
    assert len(ADMIN_ONLY) >= 5


@pytest.mark.parametrize("op", ADMIN_ONLY, ids=lambda g: g.qualname)
def test_cashier_is_refused_every_admin_operation(db, cashier, op):
    before = row_counts(db)
    with pytest.raises(PermissionDenied):
        op.func(db, cashier, *([None] * 8))
    assert row_counts(db) == before


@pytest.mark.parametrize("op", GUARDED, ids=lambda g: g.qualname)
def test_nobody_logged_in_is_refused(op):
    with pytest.raises(PermissionDenied):
        op.func(None, None, *([None] * 8))
