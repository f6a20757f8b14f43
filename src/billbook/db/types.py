"""Column types shared by the models: exact money and quantities, portable big text/binary.

Money is exact on every database: MySQL/MariaDB stores DECIMAL(12,2); SQLite, which has no
decimal type (its NUMERIC columns hold a REAL, a binary fraction), stores a whole number of
paise (an INTEGER): ₹10.50 is 1050. :class:`MoneyType` converts both ways, so the code only
ever sees :class:`~decimal.Decimal` rupees, and SQL sums, differences and comparisons of
money columns (``SUM(grand_total)``, ``cgst + sgst``, ``grand_total < 500``) stay exact and
come back as rupees. What SQL cannot do on paise is multiply or divide a money column by a
plain number or a quantity (``grand_total * 2`` would double-scale): do that in Python.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Integer, LargeBinary, Numeric, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator


class MoneyType(TypeDecorator):
    """NUMERIC(12,2) as Decimal rupees; stored as integer paise on SQLite (see the module doc)."""

    impl = Numeric(12, 2, asdecimal=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return Decimal

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Numeric(12, 2, asdecimal=True))

    # The conversions as plain functions per dialect (a sale binds about sixty amounts; the
    # TypeDecorator's generic process_bind_param/process_result_value path costs twice as much).

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":                     # DECIMAL: the driver's own conversion
            return self.impl_instance.bind_processor(dialect)

        def to_paise(value):
            if value is None:
                return None
            if type(value) is not Decimal:
                value = Decimal(str(value))
            paise = value * 100
            whole = int(paise)
            # an amount is a whole number of paise; anything finer is rounded half-up
            return whole if whole == paise else int(paise.to_integral_value(ROUND_HALF_UP))
        return to_paise

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return self.impl_instance.result_processor(dialect, coltype)

        def to_rupees(value):
            if value is None:
                return None
            if type(value) is int:
                return Decimal(value).scaleb(-2)
            # not a whole number of paise (an unconverted value, an average): round half-up
            return (Decimal(str(value)) / 100).quantize(_PAISA, ROUND_HALF_UP)
        return to_rupees

    def process_bind_param(self, value, dialect):        # literal values (SQL rendered with them)
        return self.bind_processor(dialect)(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return self.result_processor(dialect, None)(value) if dialect.name == "sqlite" else value


_PAISA = Decimal("0.01")

#: money: exact rupees and paise, returned as Decimal.
Money = MoneyType()
#: NUMERIC(12,3) for kg / litres / pieces.
Qty = Numeric(12, 3, asdecimal=True)
#: GST rate in percent, e.g. 0.25 or 18.
Rate = Numeric(5, 2, asdecimal=True)
#: Long text (JSON snapshots): TEXT on SQLite, MEDIUMTEXT on MySQL.
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
#: Images (shop logo): BLOB on SQLite, MEDIUMBLOB on MySQL (up to 16 MB).
Blob = LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")
