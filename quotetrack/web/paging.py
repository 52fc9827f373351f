"""Exact paging of sorted tables: every sort gets a unique tie-breaker, so an export holds each row once.

datasette 0.65 pages a sorted table by keyset (``?_next=value,pk``) and orders the later pages by
``sort, pk``, but it orders the first page by the sort column alone: rows that tie on it (every
statement in one article, every quote of one article) come back in any order, and the pages
after it lose some and repeat others (a CSV export of 900 statements held 791 distinct). The
patch below orders the first page as the others: ``sort, pk`` for a table, and for a view (paged
by offset) ``sort`` then the columns its metadata names as ``tie_breaker``.

It rewrites the two lines of ``TableView._data_traced`` that choose the first page's order, and
refuses to start (``RuntimeError``) when the installed datasette no longer has them.
"""

from __future__ import annotations

import inspect
import textwrap

from datasette.views import table as table_view

# datasette 0.65's lines, and what they become: the pks (a table) or the metadata's tie_breaker (a view) appended.
FIRST_PAGE_ORDER = {
    "order_by = escape_sqlite(sort)\n":
        "order_by = escape_sqlite(sort) + _quotetrack_tie_breaker(is_view, order_by_pks, table_metadata)\n",
    'order_by = f"{escape_sqlite(sort_desc)} desc"\n':
        'order_by = f"{escape_sqlite(sort_desc)} desc" + _quotetrack_tie_breaker(is_view, order_by_pks, table_metadata)\n',
}
# The later pages then append the pks once more: harmless (a second "pk" changes no order).


def tie_breaker(is_view: bool, order_by_pks: str, table_metadata: dict) -> str:
    """The ``, columns`` that make an order unique: a table's primary key, a view's ``tie_breaker`` columns."""
    if not is_view:
        return f", {order_by_pks}" if order_by_pks else ""
    columns = table_metadata.get("tie_breaker") or []
    return "".join(f", {table_view.escape_sqlite(column)}" for column in columns)


def install() -> None:
    """Patch datasette's table view once (idempotent)."""
    method = table_view.TableView._data_traced
    if getattr(method, "quotetrack_tie_breaker", False):
        return
    source = textwrap.dedent(inspect.getsource(method))
    for old, new in FIRST_PAGE_ORDER.items():
        if source.count(old) != 1:
            raise RuntimeError(f"datasette {table_view.__name__} changed: cannot add the sort tie-breaker ({old.strip()})")
        source = source.replace(old, new)
    namespace = dict(vars(table_view), _quotetrack_tie_breaker=tie_breaker)
    exec(compile(source, inspect.getsourcefile(method), "exec"), namespace)
    patched = namespace[method.__name__]
    patched.quotetrack_tie_breaker = True
    table_view.TableView._data_traced = patched
