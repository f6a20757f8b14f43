"""Column types shared by the models: exact money and quantities, portable big text/binary."""

from __future__ import annotations

from sqlalchemy import LargeBinary, Numeric, Text
from sqlalchemy.dialects import mysql

#: NUMERIC(12,2), returned as Decimal.
Money = Numeric(12, 2, asdecimal=True)
#: NUMERIC(13,3) for a unit price: up to 3 decimals (per-kg rates) with Money's range of
#: whole rupees (up to 9,999,999,999); amounts stay Money.
UnitPrice = Numeric(13, 3, asdecimal=True)
#: NUMERIC(12,3) for kg / litres / pieces.
Qty = Numeric(12, 3, asdecimal=True)
#: GST rate in percent, e.g. 0.25 or 18.
Rate = Numeric(5, 2, asdecimal=True)
#: Long text (JSON snapshots): TEXT on SQLite, MEDIUMTEXT on MySQL.
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
#: Images (shop logo): BLOB on SQLite, MEDIUMBLOB on MySQL (up to 16 MB).
Blob = LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")
