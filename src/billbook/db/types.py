"""Column types shared by the models: exact money and quantities, portable big text/binary.

Money is exact on every database: MySQL/MariaDB stores DECIMAL(12,2); SQLite, which has no
decimal type (its NUMERIC columns hold a REAL, a binary fraction), stores a whole number of
paise (an INTEGER): ₹10.50 is 1050. :class:`ExactDecimal` converts both ways, so the code only
ever sees :class:`~decimal.Decimal` rupees, and SQL sums, differences and comparisons of
money columns (``SUM(grand_total)``, ``cgst + sgst``, ``grand_total < 500``) stay exact and
come back as rupees. What SQL cannot do on paise is multiply or divide a money column by a
plain number or a quantity (``grand_total * 2`` would double-scale): do that in Python.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.types import TypeDecorator


class ExactDecimal(TypeDecorator):
    """NUMERIC(precision, scale) as Decimal; stored on SQLite as a whole number of the smallest
    unit (10^-scale: paise for money, thousandths of a rupee for a unit price)."""

    impl = Numeric(12, 2, asdecimal=True)
    cache_ok = True

    def __init__(self, precision: int = 12, scale: int = 2):
        super().__init__(precision, scale, asdecimal=True)
        self.precision, self.scale = precision, scale
        self._unit = Decimal(1).scaleb(-scale)

    @property
    def python_type(self) -> type:
        return Decimal

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    # The conversions as plain functions per dialect (a sale binds about sixty amounts; the
    # TypeDecorator's generic process_bind_param/process_result_value path costs twice as much).

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":                     # DECIMAL: the driver's own conversion
            return self.impl_instance.bind_processor(dialect)
        factor = 10 ** self.scale

        def to_units(value):
            if value is None:
                return None
            if type(value) is not Decimal:
                value = Decimal(str(value))
            units = value * factor
            whole = int(units)
            # a stored value is a whole number of units; anything finer is rounded half-up
            return whole if whole == units else int(units.to_integral_value(ROUND_HALF_UP))
        return to_units

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return self.impl_instance.result_processor(dialect, coltype)
        scale, unit = self.scale, self._unit

        def from_units(value):
            if value is None:
                return None
            if type(value) is int:
                return Decimal(value).scaleb(-scale)
            # not a whole number of units (an unconverted value, an average): round half-up
            return Decimal(str(value)).scaleb(-scale).quantize(unit, ROUND_HALF_UP)
        return from_units

    def process_bind_param(self, value, dialect):        # literal values (SQL rendered with them)
        return self.bind_processor(dialect)(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return self.result_processor(dialect, None)(value) if dialect.name == "sqlite" else value


#: money: exact rupees and paise, returned as Decimal (integer paise on SQLite).
Money = ExactDecimal(12, 2)
#: NUMERIC(13,3) for a unit price: up to 3 decimals (per-kg rates) with Money's range of
#: whole rupees (up to 9,999,999,999); amounts stay Money. Integer thousandths on SQLite.
UnitPrice = ExactDecimal(13, 3)
#: NUMERIC(12,3) for kg / litres / pieces.
Qty = Numeric(12, 3, asdecimal=True)
#: GST rate in percent, e.g. 0.25 or 18.
Rate = Numeric(5, 2, asdecimal=True)


class _MySQLVariant(TypeDecorator):
    """``impl`` on SQLite; on MySQL/MariaDB the MySQL type :meth:`mysql_type` names.

    Unlike ``with_variant(mysql.X(), "mysql")`` this does not import SQLAlchemy's MySQL dialect
    when the models load: on a SQLite shop that import alone cost every command-line start
    about 25 ms (issue 19's start-up goal). The MySQL type is made when a MySQL engine first
    compiles or binds the column.
    """

    cache_ok = True             # SQLAlchemy reads it from each class's own body: every subclass says it too

    def mysql_type(self):
        raise NotImplementedError

    def load_dialect_impl(self, dialect):
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(self.mysql_type())
        return dialect.type_descriptor(self.impl_instance)


class _LongText(_MySQLVariant):
    impl = Text
    cache_ok = True

    def mysql_type(self):
        from sqlalchemy.dialects.mysql import MEDIUMTEXT
        return MEDIUMTEXT()


class _Blob(_MySQLVariant):
    impl = LargeBinary
    cache_ok = True

    def mysql_type(self):
        from sqlalchemy.dialects.mysql import MEDIUMBLOB
        return MEDIUMBLOB()


class BinaryText(_MySQLVariant):
    """VARCHAR(length) compared by code point: on MySQL/MariaDB utf8mb4_bin (so prefix ranges
    over a search index are exact), on SQLite its default binary collation."""

    impl = String
    cache_ok = True

    def mysql_type(self):
        from sqlalchemy.dialects.mysql import VARCHAR
        return VARCHAR(self.impl_instance.length, charset="utf8mb4", collation="utf8mb4_bin")


#: Long text (JSON snapshots): TEXT on SQLite, MEDIUMTEXT on MySQL.
LongText = _LongText()
#: Images (shop logo): BLOB on SQLite, MEDIUMBLOB on MySQL (up to 16 MB).
Blob = _Blob()
