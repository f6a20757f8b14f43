"""Goods: the catalog, suppliers, purchase orders and inventory."""
