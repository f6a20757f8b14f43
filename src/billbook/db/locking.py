"""Rows read under a lock are always fresh.

``SELECT ... FOR UPDATE`` through the ORM returns objects from the Session's identity map;
if the same row was read earlier in the transaction WITHOUT the lock (e.g. a product found
by SKU, then ``stock.lock_products``), SQLAlchemy keeps the earlier, possibly stale values,
and ``stock_qty = stale + delta`` would lose another terminal's update (on MySQL's READ
COMMITTED). This listener makes every locking ORM select overwrite the identity map with
the row as locked (``populate_existing``). Pending changes are flushed first (autoflush),
so nothing of the caller's is lost. Found by ``python -m billbook.devtools.bench.soak``.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session


@event.listens_for(Session, "do_orm_execute")
def _fresh_rows_under_lock(state) -> None:
    if state.is_select and getattr(state.statement, "_for_update_arg", None) is not None:
        state.update_execution_options(populate_existing=True)
