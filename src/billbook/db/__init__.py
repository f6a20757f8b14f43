"""Persistence: SQLAlchemy models, engine set-up for SQLite and MySQL, migrations, unit of work."""
