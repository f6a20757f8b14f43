"""Selling: checkout, invoices, returns (credit notes), held carts, dues, documents."""
