"""Products and categories, and the product search the billing screen calls on every keystroke.

A product on any invoice is deactivated, never deleted; price and tax changes never touch
issued invoices (those store their own snapshot). Every price/tax change is audited old → new.

Search design (measured by ``python -m billbook.devtools.bench.catalog`` at 100,000 products):

* **Exact code lookup** (:func:`lookup_code`): ``barcode`` and ``sku`` both carry unique
  B-tree indexes, so a scan hit is one index probe on SQLite and MariaDB alike.
* **Name search** (:func:`search_products`): substring, case-insensitive, several words in any
  order. ``LIKE '%x%'`` cannot use a B-tree, and neither SQLite FTS5 (``trigram`` needs ≥ 3
  characters) nor MariaDB FULLTEXT (whole words / prefixes only, no ngram parser) gives
  substring semantics on both databases, so the catalog keeps its own index
  (see ``domain/search``): the vocabulary of distinct name words (``search_terms``), every
  suffix of each word (``search_term_suffixes``, binary collation) and which products use
  which word (``product_terms``). A query word *q* is a substring of a name exactly when it
  is the prefix of a suffix of one of its words, i.e. a range scan ``lo <= suffix < hi``.
  The vocabulary of a real catalog is small (words repeat: brands, sizes, kinds), so the
  index is about five link rows per product instead of one row per name position.

  Each link row also carries the product's lower-case name and active flag
  (``ix_product_terms_sorted``), so a search reads, filters, sorts and pages ONE index without
  touching ``products`` (only the 20 rows of the page are then fetched).

  Plan: count (up to ``DRIVER_LIMIT``) the links of each query word; the rarest word drives:
  its links are range-scanned, the other words are checked with ``LIKE`` on the copied name,
  and the database sorts by name and pages. When even the rarest word is very common, matches
  are dense and spread over the alphabet, so walking ``ix_products_active_search_name`` in
  name order with ``LIKE`` filters finds a page after a few hundred index entries. ``total``
  is exact when cheap (``COUNT_LIMIT``), else ``None`` with ``has_more`` telling whether
  another page exists. Both paths use code-point, lower-case substring semantics (binary
  collation on MySQL), so results are the same whichever path runs.

Every writer of product names must keep the index current through :func:`index_products`
(``insert_product``, ``update_product`` and the CSV import do).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, distinct, func, or_, select, update
from sqlalchemy.orm import Session

from billbook import clock
from billbook.db.models import (
    Category, CreditNoteLine, InvoiceLine, Product, ProductTerm, PurchaseOrderLine, SearchTerm,
    SearchTermSuffix, StockMovement,
)
from billbook.db.uow import Database
from billbook.domain import search as rules
from billbook.domain import units
from billbook.domain.barcode import barcode_problem
from billbook.domain.gst import UNIT_UQC, hsn_problem
from billbook.domain.money import D, MoneyError, money_str, parse_amount, parse_price, parse_qty, price_str, qty_str
from billbook.domain.permissions import Permission
from billbook.services.base import Actor, Page, audit, check_paging, requires
from billbook.errors import Conflict, NotFound, ValidationError
from billbook.services.people.shop import get_or_create_shop, parse_rates
from billbook.services.ledgers.stock import move_stock


#: the rarest query word drives an index-only read of its links when it has at most this many;
#: beyond that every word is so common that the in-order scan finds a page at once
DRIVER_LIMIT = 5000
#: the exact total is counted when the driving word has at most this many links
COUNT_LIMIT = 1000

_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


@dataclass(frozen=True)
class ProductInfo:
    id: int
    sku: str
    barcode: str | None
    name: str
    category: str | None
    hsn: str
    unit: str
    price: Decimal
    cost_price: Decimal
    gst_rate: Decimal
    tax_inclusive: bool
    reorder_level: Decimal
    stock_qty: Decimal
    active: bool

    def to_json(self) -> dict:
        return {"sku": self.sku, "barcode": self.barcode, "name": self.name, "category": self.category,
                "hsn": self.hsn, "unit": self.unit, "price": price_str(self.price),
                "cost_price": money_str(self.cost_price), "gst_rate": format(self.gst_rate.normalize(), "f"),
                "tax_inclusive": self.tax_inclusive, "reorder_level": qty_str(self.reorder_level),
                "stock": qty_str(self.stock_qty), "active": self.active}


def product_info(p: Product) -> ProductInfo:
    return ProductInfo(p.id, p.sku, p.barcode, p.name, p.category.name if p.category else None, p.hsn, p.unit,
                       p.price, p.cost_price, p.gst_rate, p.tax_inclusive, p.reorder_level, p.stock_qty, p.active)


@dataclass
class ProductFields:
    """Validated product input (see :func:`validate_product_fields`)."""
    sku: str
    name: str
    price: Decimal
    gst_rate: Decimal
    hsn: str = ""
    barcode: str | None = None
    unit: str = "pcs"
    stock: Decimal = Decimal("0")
    reorder_level: Decimal = Decimal("0")
    tax_inclusive: bool = False
    category: str | None = None
    cost_price: Decimal = Decimal("0")


def _money(value, field: str) -> Decimal:
    try:
        return parse_amount(value, field=field)
    except MoneyError as exc:
        raise ValidationError(field, str(exc).split(": ", 1)[-1]) from None


def _qty(value, field: str, allow_zero=True) -> Decimal:
    try:
        return parse_qty(value, field=field, allow_zero=allow_zero)
    except MoneyError as exc:
        raise ValidationError(field, str(exc).split(": ", 1)[-1]) from None


def validate_product_fields(*, sku, name, price, gst_rate, allowed_rates: tuple[Decimal, ...], hsn=None,
                            barcode=None, unit=None, stock=None, reorder_level=None, tax_inclusive=False,
                            category=None, cost_price=None) -> ProductFields:
    """Check every field of a new product; raises ValidationError naming the field."""
    sku, name, hsn, barcode, unit, category = (
        None if v is None else str(v) for v in (sku, name, hsn, barcode, unit, category))
    sku = (sku or "").strip()
    if not _SKU_RE.match(sku):
        raise ValidationError("sku", "1–40 letters, digits, '.', '_', '/' or '-'")
    name = (name or "").strip()
    if not name or len(name) > 160 or any(ord(c) < 32 for c in name):
        raise ValidationError("name", "a product needs a name of up to 160 characters")
    try:
        the_price = parse_price(price, field="price")      # up to 3 decimals (per-kg rates)
    except MoneyError as exc:
        raise ValidationError("price", str(exc).split(": ", 1)[-1]) from None
    try:
        rate = D(gst_rate)
    except (MoneyError, TypeError):
        raise ValidationError("gst_rate", f"{gst_rate!r} is not a number") from None
    if rate not in allowed_rates:
        raise ValidationError("gst_rate", f"{gst_rate}% is not one of the shop's rates "
                              f"({', '.join(format(r, 'f') for r in allowed_rates)})")
    hsn = (hsn or "").strip()
    problem = hsn_problem(hsn)
    if problem:
        raise ValidationError("hsn", problem)
    code = (barcode or "").strip() or None
    if code:
        problem = barcode_problem(code)
        if problem:
            raise ValidationError("barcode", problem)
    unit = (unit or "pcs").strip().lower()
    if unit not in UNIT_UQC:
        raise ValidationError("unit", f"unknown unit {unit!r}; use one of {', '.join(UNIT_UQC)}")
    category = (category or "").strip() or None
    if category and len(category) > 80:
        raise ValidationError("category", "at most 80 characters")
    return ProductFields(
        sku=sku, name=name, price=the_price, gst_rate=rate, hsn=hsn, barcode=code, unit=unit,
        stock=units.check_quantity(_qty(stock if stock not in (None, "") else "0", "stock"), unit, field="stock"),
        reorder_level=_qty(reorder_level if reorder_level not in (None, "") else "0", "reorder_level"),
        tax_inclusive=bool(tax_inclusive), category=category,
        cost_price=_money(cost_price if cost_price not in (None, "") else "0", "cost_price"),
    )


def category_id(session: Session, name: str | None) -> int | None:
    """Id of the named category, creating it if new."""
    if not name:
        return None
    cat = session.scalars(select(Category).where(Category.name == name)).one_or_none()
    if cat is None:
        cat = Category(name=name)
        session.add(cat)
        session.flush()
    return cat.id


def insert_product(session: Session, actor: Actor, f: ProductFields, now: dt.datetime | None = None) -> Product:
    """Insert a validated product and its opening-stock ledger row, in the caller's transaction."""
    if session.scalars(select(Product.id).where(Product.sku == f.sku)).first() is not None:
        raise Conflict("sku", f"SKU {f.sku} already exists")
    if f.barcode and session.scalars(select(Product.id).where(Product.barcode == f.barcode)).first() is not None:
        raise Conflict("barcode", f"barcode {f.barcode} is already on another product")
    now = now or clock.now()
    p = Product(sku=f.sku, barcode=f.barcode, name=f.name, search_name=f.name.lower(),
                category_id=category_id(session, f.category), hsn=f.hsn, unit=f.unit, price=f.price,
                cost_price=f.cost_price, gst_rate=f.gst_rate, tax_inclusive=f.tax_inclusive,
                reorder_level=f.reorder_level, stock_qty=Decimal("0"), active=True, created_at=now)
    session.add(p)
    session.flush()
    index_products(session, [(p.id, p.name, True)], fresh=True)
    if f.stock:
        move_stock(session, [(p, f.stock, f.cost_price or None)], "opening", actor)
    return p


@requires(Permission.MANAGE_PRODUCTS)
def add_product(db: Database, actor: Actor, *, sku, name, price, gst_rate, hsn=None, barcode=None, unit=None,
                stock=None, reorder_level=None, tax_inclusive=False, category=None, cost_price=None) -> ProductInfo:
    """Add a product; its opening stock becomes an 'opening' ledger row."""
    def work(s: Session) -> ProductInfo:
        allowed = parse_rates(get_or_create_shop(s).allowed_gst_rates)
        f = validate_product_fields(sku=sku, name=name, price=price, gst_rate=gst_rate, allowed_rates=allowed,
                                    hsn=hsn, barcode=barcode, unit=unit, stock=stock, reorder_level=reorder_level,
                                    tax_inclusive=tax_inclusive, category=category, cost_price=cost_price)
        p = insert_product(s, actor, f)
        audit(s, actor, "product.add", "product", p.id, sku=p.sku, price=p.price, gst_rate=p.gst_rate)
        return product_info(p)
    return db.run(work)


@requires(Permission.VIEW_PRODUCTS)
def get_product(db: Database, actor: Actor, sku: str) -> ProductInfo:
    def work(s: Session) -> ProductInfo:
        p = s.scalars(select(Product).where(Product.sku == (sku or "").strip())).one_or_none()
        if p is None:
            raise NotFound(f"No product with SKU {sku!r}.")
        return product_info(p)
    return db.run(work, readonly=True)


# ---------------------------------------------------------------- the search index

_CHUNK = 500


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def fast_insert(session: Session, table, rows: list[dict], *, ignore: bool = False) -> None:
    """Bulk insert plain rows through the driver's executemany, in the caller's transaction.

    The ORM/Core bulk path spends most of its time building per-row parameters; this applies
    each column type's own bind processor (so values are stored exactly as SQLAlchemy would)
    and hands tuples to the driver (multi-row INSERTs on MySQL). ``ignore`` skips rows whose
    key exists (INSERT OR IGNORE / INSERT IGNORE).
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    columns = list(rows[0])
    procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    verb = "INSERT"
    if ignore:
        verb = "INSERT OR IGNORE" if dialect.name == "sqlite" else "INSERT IGNORE"
    quote = dialect.identifier_preparer.quote
    sql = (f"{verb} INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    for part in _chunks(rows, 5000):
        data = [tuple(proc(row[c]) if proc is not None else row[c] for c, proc in zip(columns, procs))
                for row in part]
        conn.exec_driver_sql(sql, data)


def _insert_ignore(session: Session, table, rows: list[dict]) -> None:
    """Insert rows, skipping ones whose key exists (another terminal may add the same word)."""
    fast_insert(session, table, rows, ignore=True)


def term_ids(session: Session, terms: set[str]) -> dict[str, int]:
    """Ids of ``terms`` in the search vocabulary, adding the new ones (and their suffixes)."""
    found: dict[str, int] = {}
    wanted = sorted(terms)
    for part in _chunks(wanted):
        found.update(session.execute(select(SearchTerm.term, SearchTerm.id).where(SearchTerm.term.in_(part))).all())
    missing = [t for t in wanted if t not in found]
    if missing:
        _insert_ignore(session, SearchTerm.__table__, [{"term": t} for t in missing])
        new: dict[str, int] = {}
        for part in _chunks(missing):
            new.update(session.execute(select(SearchTerm.term, SearchTerm.id).where(SearchTerm.term.in_(part))).all())
        _insert_ignore(session, SearchTermSuffix.__table__,
                       [{"suffix": suf, "term_id": tid} for t, tid in new.items() for suf in rules.term_suffixes(t)])
        found.update(new)
    return found


def index_products(session: Session, items: list[tuple[int, str, bool]], *, fresh: bool = False) -> None:
    """(Re)build the name-search links of products given as ``(id, name, active)``, in the
    caller's transaction. ``fresh=True`` skips deleting old links (the products are new).
    """
    if not items:
        return
    per_product = {pid: (rules.name_terms(name), rules.normalise(name), bool(active)) for pid, name, active in items}
    ids = term_ids(session, set().union(*(terms for terms, _, _ in per_product.values())))
    if not fresh:
        for part in _chunks(list(per_product)):
            session.execute(delete(ProductTerm).where(ProductTerm.product_id.in_(part)))
    links = [{"term_id": ids[t], "product_id": pid, "search_name": low, "active": active}
             for pid, (terms, low, active) in per_product.items() for t in terms]
    fast_insert(session, ProductTerm.__table__, links)


@requires(Permission.MANAGE_PRODUCTS)
def reindex_products(db: Database, actor: Actor) -> int:
    """Rebuild the whole name-search index (after products were written behind the catalog's back)."""
    def work(s: Session) -> int:
        rows = s.execute(select(Product.id, Product.name, Product.active)).all()
        s.execute(delete(ProductTerm))
        index_products(s, [tuple(r) for r in rows], fresh=True)
        audit(s, actor, "product.reindex", "product", "", products=len(rows))
        return len(rows)
    return db.run(work)


# ---------------------------------------------------------------- search and lookup

_INFO_COLS = (Product.id, Product.sku, Product.barcode, Product.name, Category.name, Product.hsn, Product.unit,
              Product.price, Product.cost_price, Product.gst_rate, Product.tax_inclusive, Product.reorder_level,
              Product.stock_qty, Product.active)


def _info_select():
    return select(*_INFO_COLS).select_from(Product).outerjoin(Category, Category.id == Product.category_id)


def _infos(session: Session, stmt) -> list[ProductInfo]:
    return [ProductInfo(*row) for row in session.execute(stmt).all()]


def _terms_of(word: str):
    """Subquery: ids of vocabulary terms that contain ``word``."""
    lo, hi = rules.prefix_range(word)
    return select(SearchTermSuffix.term_id).where(SearchTermSuffix.suffix >= lo, SearchTermSuffix.suffix < hi)


def _link_count(session: Session, word: str, cap: int) -> int:
    """How many product-term links match ``word`` (about how many products), counting to ``cap + 1`` at most."""
    inner = select(ProductTerm.product_id).where(ProductTerm.term_id.in_(_terms_of(word))).limit(cap + 1)
    return session.scalar(select(func.count()).select_from(inner.subquery()))


def _page_of(session: Session, ids: list[int]) -> list[ProductInfo]:
    if not ids:
        return []
    by_id = {i.id: i for i in _infos(session, _info_select().where(Product.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def _scan(session: Session, words: list[str], limit: int, offset: int, include_inactive: bool,
          exact_total: bool = False) -> Page[ProductInfo]:
    """Walk the (active, search_name) index in name order, filtering with LIKE (index-only):
    fast when matches are dense, which is the only time it is used."""
    stmt = select(Product.id)
    if not include_inactive:
        stmt = stmt.where(Product.active.is_(True))
    mysql_like = session.get_bind().dialect.name in ("mysql", "mariadb")
    column = Product.search_name.collate("utf8mb4_bin") if mysql_like else Product.search_name
    for word in words:
        stmt = stmt.where(column.like(rules.like_pattern(word), escape="\\"))
    ids = list(session.scalars(stmt.order_by(Product.search_name, Product.id).limit(limit + 1).offset(offset)))
    total = None
    if exact_total:
        total = (offset + len(ids) if len(ids) <= limit and (ids or offset == 0)
                 else session.scalar(select(func.count()).select_from(stmt.subquery())))
    return Page(_page_of(session, ids[:limit]), offset, limit, has_more=len(ids) > limit, total=total)


def search_in(session: Session, text: str | None, *, limit: int = 20, offset: int = 0,
              include_inactive: bool = False, exact_total: bool = False) -> Page[ProductInfo]:
    """:func:`search_products` inside the caller's transaction (no permission check).

    ``exact_total``: count every match even where that is not cheap (the command line's lists
    say their total; the counter's search box does not need it)."""
    limit, offset = check_paging(limit, offset)
    words = rules.query_words(text or "")
    if not words:
        return _scan(session, words, limit, offset, include_inactive, exact_total)
    counts = {w: _link_count(session, w, DRIVER_LIMIT) for w in words}
    driver = min(words, key=lambda w: counts[w])
    if counts[driver] > DRIVER_LIMIT:
        return _scan(session, words, limit, offset, include_inactive, exact_total)  # every word is very common
    conditions = [ProductTerm.term_id.in_(_terms_of(driver))]
    if not include_inactive:
        conditions.append(ProductTerm.active.is_(True))
    for word in words:
        if word != driver or len(word) > rules.SUFFIX_LEN:
            conditions.append(ProductTerm.search_name.like(rules.like_pattern(word), escape="\\"))
    rows = session.execute(select(ProductTerm.product_id, ProductTerm.search_name).where(*conditions).distinct()
                           .order_by(ProductTerm.search_name, ProductTerm.product_id)
                           .limit(limit + 1).offset(offset)).all()
    if len(rows) <= limit and offset == 0:
        total = len(rows)
    elif counts[driver] <= COUNT_LIMIT or exact_total:
        total = session.scalar(select(func.count(distinct(ProductTerm.product_id))).where(*conditions))
    else:
        total = None
    ids = [r.product_id for r in rows[:limit]]
    return Page(_page_of(session, ids), offset, limit, has_more=len(rows) > limit, total=total)


@requires(Permission.VIEW_PRODUCTS)
def search_products(db: Database, actor: Actor, text: str | None, *, limit: int = 20, offset: int = 0,
                    include_inactive: bool = False, exact_total: bool = False) -> Page[ProductInfo]:
    """Products whose name contains every word of ``text`` (any order, any case), by name, paged.

    An empty ``text`` lists the catalog. Inactive products only with ``include_inactive``.
    ``total`` is always counted with ``exact_total``, else only when cheap.
    """
    return db.run(lambda s: search_in(s, text, limit=limit, offset=offset, include_inactive=include_inactive,
                                      exact_total=exact_total), readonly=True)


def lookup_in(session: Session, code: str | None) -> ProductInfo | None:
    code = (code or "").strip()
    if not code or len(code) > 40:
        return None
    rows = _infos(session, _info_select().where(or_(Product.barcode == code, Product.sku == code)))
    if not rows:
        return None
    rows.sort(key=lambda i: i.barcode != code)  # a barcode hit wins over a SKU hit
    return rows[0]


@requires(Permission.VIEW_PRODUCTS)
def lookup_code(db: Database, actor: Actor, code: str | None) -> ProductInfo | None:
    """The product with this barcode or else this SKU (exact), or None. Inactive products are
    returned too (check ``active``) so the counter can say why it can't be sold."""
    return db.run(lambda s: lookup_in(s, code), readonly=True)


def find_product(session: Session, sku_or_code: str, *, lock: bool = False) -> Product:
    """The product by SKU (or barcode); NotFound otherwise."""
    code = (sku_or_code or "").strip()
    stmt = select(Product).where(Product.sku == code)
    if lock:
        stmt = stmt.with_for_update()
    p = session.scalars(stmt).one_or_none()
    if p is None and code:
        stmt = select(Product).where(Product.barcode == code)
        p = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if p is None:
        raise NotFound(f"No product with SKU or barcode {sku_or_code!r}.")
    return p


# ---------------------------------------------------------------- changes

_UPDATABLE = ("name", "price", "gst_rate", "hsn", "barcode", "unit", "reorder_level", "tax_inclusive",
              "category", "cost_price")


@requires(Permission.MANAGE_PRODUCTS)
def update_product(db: Database, actor: Actor, sku: str, **changes) -> ProductInfo:
    """Change a product's catalog fields (not its stock: that goes through the ledger).

    Accepts ``name, price, gst_rate, hsn, barcode, unit, reorder_level, tax_inclusive,
    category, cost_price``; ``None`` means "leave as is", ``""`` clears an optional field.
    Issued invoices keep their own copy of every figure, so nothing already billed changes.
    Each change is audited old → new.
    """
    unknown = set(changes) - set(_UPDATABLE)
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not a product field that can be changed")
    changes = {k: v for k, v in changes.items() if v is not None}

    def work(s: Session) -> ProductInfo:
        p = find_product(s, sku, lock=True)
        current = dict(name=p.name, price=Decimal(price_str(p.price)), gst_rate=p.gst_rate, hsn=p.hsn, barcode=p.barcode, unit=p.unit,
                       reorder_level=p.reorder_level, tax_inclusive=p.tax_inclusive,
                       category=p.category.name if p.category else None, cost_price=p.cost_price)
        allowed = parse_rates(get_or_create_shop(s).allowed_gst_rates)
        if "gst_rate" not in changes:
            allowed = tuple(sorted(set(allowed) | {p.gst_rate}))  # an old rate may stay as it is
        f = validate_product_fields(sku=p.sku, allowed_rates=allowed, stock="0", **{**current, **changes})
        diff = {}
        for key in _UPDATABLE:
            new = getattr(f, key)
            old = current[key]
            if key == "gst_rate" and old is not None and new == old:
                continue
            if new != old:
                diff[key] = (old, new)
        if not diff:
            return product_info(p)
        if "barcode" in diff and f.barcode and s.scalars(
                select(Product.id).where(Product.barcode == f.barcode, Product.id != p.id)).first() is not None:
            raise Conflict("barcode", f"barcode {f.barcode} is already on another product")
        if "unit" in diff:      # the stock on hand must fit the new unit (2.5 kg cannot become 2.5 pcs)
            units.check_quantity(p.stock_qty, f.unit, field="unit", what=f"{p.sku} has {p.stock_qty} in stock, which")
        for key, (_, new) in diff.items():
            if key == "category":
                p.category_id = category_id(s, new)
            else:
                setattr(p, key, new)
        if "name" in diff:
            p.search_name = rules.normalise(f.name)
            index_products(s, [(p.id, f.name, p.active)])
        p.updated_at = clock.now()
        s.flush()
        s.refresh(p, ["category"])
        audit(s, actor, "product.update", "product", p.id, sku=p.sku, changes=diff)
        return product_info(p)
    return db.run(work)


def _set_active(db: Database, actor: Actor, sku: str, active: bool) -> ProductInfo:
    def work(s: Session) -> ProductInfo:
        p = find_product(s, sku, lock=True)
        if p.active != active:
            p.active = active
            p.updated_at = clock.now()
            s.execute(update(ProductTerm).where(ProductTerm.product_id == p.id).values(active=active))
            audit(s, actor, "product.activate" if active else "product.deactivate", "product", p.id, sku=p.sku)
        return product_info(p)
    return db.run(work)


@requires(Permission.MANAGE_PRODUCTS)
def deactivate_product(db: Database, actor: Actor, sku: str) -> ProductInfo:
    """Hide a product from sale and search; its history (invoices, ledger) stays."""
    return _set_active(db, actor, sku, False)


@requires(Permission.MANAGE_PRODUCTS)
def activate_product(db: Database, actor: Actor, sku: str) -> ProductInfo:
    return _set_active(db, actor, sku, True)


@requires(Permission.MANAGE_PRODUCTS)
def delete_product(db: Database, actor: Actor, sku: str) -> None:
    """Delete a product that was never sold, returned or ordered (a mistake in the catalog).

    A product on any invoice, credit note or purchase order is refused: deactivate it instead.
    Its ledger rows (opening stock, adjustments) go with it; the audit log keeps the record.
    """
    def work(s: Session) -> None:
        p = find_product(s, sku, lock=True)
        for model, what in ((InvoiceLine, "an invoice"), (CreditNoteLine, "a credit note"),
                            (PurchaseOrderLine, "a purchase order")):
            if s.scalars(select(model.id).where(model.product_id == p.id).limit(1)).first() is not None:
                raise Conflict("sku", f"{p.sku} is on {what}; deactivate it instead of deleting it")
        moves = s.scalar(select(func.count()).select_from(StockMovement).where(StockMovement.product_id == p.id))
        s.execute(delete(ProductTerm).where(ProductTerm.product_id == p.id))
        s.execute(delete(StockMovement).where(StockMovement.product_id == p.id))
        audit(s, actor, "product.delete", "product", p.id, sku=p.sku, name=p.name, stock=p.stock_qty,
              ledger_rows=moves)
        s.delete(p)
    db.run(work)


# ---------------------------------------------------------------- categories

@dataclass(frozen=True)
class CategoryInfo:
    id: int
    name: str
    products: int

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "products": self.products}


def _category_name(name) -> str:
    text = (name or "").strip()
    if not text or len(text) > 80 or any(ord(c) < 32 for c in text):
        raise ValidationError("name", "a category name is 1–80 characters")
    return text


def _find_category(s: Session, name: str) -> Category:
    cat = s.scalars(select(Category).where(Category.name == (name or "").strip())).one_or_none()
    if cat is None:
        raise NotFound(f"No category {name!r}.")
    return cat


def _category_count(s: Session, cat_id: int) -> int:
    return s.scalar(select(func.count()).select_from(Product).where(Product.category_id == cat_id)) or 0


@requires(Permission.MANAGE_PRODUCTS)
def add_category(db: Database, actor: Actor, name: str) -> CategoryInfo:
    clean = _category_name(name)

    def work(s: Session) -> CategoryInfo:
        if s.scalars(select(Category.id).where(Category.name == clean)).first() is not None:
            raise Conflict("name", f"Category {clean} already exists.")
        cat = Category(name=clean)
        s.add(cat)
        s.flush()
        audit(s, actor, "category.add", "category", cat.id, name=clean)
        return CategoryInfo(cat.id, cat.name, 0)
    return db.run(work)


@requires(Permission.VIEW_PRODUCTS)
def list_categories(db: Database, actor: Actor) -> list[CategoryInfo]:
    def work(s: Session) -> list[CategoryInfo]:
        counts = dict(s.execute(select(Product.category_id, func.count()).group_by(Product.category_id)).all())
        return [CategoryInfo(c.id, c.name, counts.get(c.id, 0))
                for c in s.scalars(select(Category).order_by(Category.name))]
    return db.run(work, readonly=True)


@requires(Permission.MANAGE_PRODUCTS)
def rename_category(db: Database, actor: Actor, name: str, new_name: str) -> CategoryInfo:
    clean = _category_name(new_name)

    def work(s: Session) -> CategoryInfo:
        cat = _find_category(s, name)
        if clean != cat.name:
            other = s.scalars(select(Category.id).where(Category.name == clean, Category.id != cat.id)).first()
            if other is not None:
                raise Conflict("name", f"Category {clean} already exists.")
            audit(s, actor, "category.rename", "category", cat.id, changes={"name": (cat.name, clean)})
            cat.name = clean
        return CategoryInfo(cat.id, cat.name, _category_count(s, cat.id))
    return db.run(work)


@requires(Permission.MANAGE_PRODUCTS)
def delete_category(db: Database, actor: Actor, name: str) -> None:
    """Delete an empty category (move or re-categorise its products first)."""
    def work(s: Session) -> None:
        cat = _find_category(s, name)
        n = _category_count(s, cat.id)
        if n:
            raise Conflict("name", f"Category {cat.name} still has {n} product(s).")
        audit(s, actor, "category.delete", "category", cat.id, name=cat.name)
        s.delete(cat)
    db.run(work)
