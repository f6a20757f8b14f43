"""Whole-shop data: backup and restore, transfer between databases, CSV import and export."""
