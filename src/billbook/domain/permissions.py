"""Roles and the one permission table that every service consults.

Add a permission here and guard the service with ``@requires(Permission.X)``: the
permission-matrix test is generated from this table and the registry of guarded services,
so a new admin-only operation cannot be forgotten.
"""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    ADMIN = "admin"
    CASHIER = "cashier"


class Permission(str, Enum):
    # counter work
    SELL = "sell"
    VIEW_PRODUCTS = "view_products"
    VIEW_CUSTOMERS = "view_customers"
    EDIT_CUSTOMERS = "edit_customers"          # find/create at the counter
    HOLD_SALES = "hold_sales"
    VIEW_INVOICES = "view_invoices"
    RECEIVE_DUES = "receive_dues"
    RETURN_SALE = "return_sale"                # admin; cashier only when the shop allows it
    CHANGE_OWN_PASSWORD = "change_own_password"
    CLOSE_DAY = "close_day"
    # back office
    MANAGE_USERS = "manage_users"
    MANAGE_SHOP = "manage_shop"
    MANAGE_PRODUCTS = "manage_products"
    MANAGE_CUSTOMERS = "manage_customers"      # edit, loyalty adjustments
    MANAGE_STOCK = "manage_stock"              # adjustments
    MANAGE_PURCHASING = "manage_purchasing"    # suppliers, purchase orders, receipts
    VIEW_REPORTS = "view_reports"
    VIEW_ANALYTICS = "view_analytics"
    VIEW_AUDIT = "view_audit"
    BACKUP = "backup"
    RESTORE = "restore"
    # devices
    MANAGE_PRINTERS = "manage_printers"        # this terminal's printers
    OPEN_DRAWER = "open_drawer"                # open the cash drawer without a sale (audited)


CASHIER_PERMISSIONS = frozenset({
    Permission.SELL,
    Permission.VIEW_PRODUCTS,
    Permission.VIEW_CUSTOMERS,
    Permission.EDIT_CUSTOMERS,
    Permission.HOLD_SALES,
    Permission.VIEW_INVOICES,
    Permission.RECEIVE_DUES,
    Permission.CHANGE_OWN_PASSWORD,
    Permission.CLOSE_DAY,
})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CASHIER: CASHIER_PERMISSIONS,
}


def role_can(role: Role | str, permission: Permission) -> bool:
    if type(role) is not Role:
        role = Role(role)
    if type(permission) is not Permission:
        permission = Permission(permission)
    return permission in ROLE_PERMISSIONS[role]
