"""Insight: reports, dashboard analytics and their summary tables, the audit log."""
