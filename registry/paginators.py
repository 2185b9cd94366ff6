"""A change-list paginator that never lets counting rows make a page slow.

Django's admin counts the (filtered) rows of a change list with `COUNT(*)` on every view, to
know how many pages there are; on a table of millions of rows that count alone takes longer than
the page. Django has no built-in answer (ticket #8408). `EstimatedCountPaginator`, on PostgreSQL:

- an unfiltered list of a big table takes the planner's row count from `pg_class.reltuples`;
- any other list is counted exactly, but under a short `statement_timeout` (inside a savepoint,
  so the cancelled count leaves the request's transaction usable); when the count is cancelled,
  it takes the planner's estimate of the filtered query's rows from `EXPLAIN`.

Before counting a filtered list it asks the planner (`EXPLAIN`) how many rows to expect: a list
expected to hold more than `COUNT_BELOW` rows is not counted at all. `estimated` then says the
count is an estimate, and the change list shows "about N". On other databases (SQLite in
development and tests) it simply counts.

Deep pages (`?p=200`) read the page's ids through the ordering's index first and join only
those rows, instead of joining every row the OFFSET skips.
"""

import json

from django.core.paginator import Paginator
from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Above this many rows an unfiltered change list shows PostgreSQL's estimate instead of counting.
ESTIMATE_ABOVE = 100_000
# A filtered list the planner expects to hold more rows than this is not counted at all: its
# estimate is shown. Below it an exact count is tried (counting this many rows through an index
# takes a few milliseconds).
COUNT_BELOW = 20_000
# How long an exact count may take before the estimate is used instead.
COUNT_TIMEOUT_MS = 50
# Pages from this row on are read in two steps (the ids of the page through the ordering's
# index, then those rows with their joins), so a deep page does not join every row it skips.
DEFERRED_JOIN_FROM = 500
# A count that ran out of time covers many rows: an estimate below this (the planner can be far
# off for a selective filter) is raised to it, so the list still pages instead of showing all.
ESTIMATE_FLOOR = 1_000


def estimates(connection):
    """Whether the database can estimate a count (PostgreSQL); others simply count."""
    return connection.vendor == "postgresql"


def table_estimate(connection, table):
    """The planner's row count of `table` (None before the table was ever analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None


def query_estimate(queryset):
    """The planner's estimate of how many rows `queryset` returns, from `EXPLAIN`."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def timed_count_overhead(connection):
    """How many statements a small list's timed count adds on `connection` to a plain COUNT:
    the planner's estimate, then SAVEPOINT, SET LOCAL and ROLLBACK TO SAVEPOINT (PostgreSQL)."""
    return 4 if estimates(connection) else 0


class _Undo(Exception):
    """Rolls the savepoint of a finished count back, and with it its `SET LOCAL`."""


def count_within(queryset, timeout_ms):
    """Count `queryset` exactly, or return None when that takes longer than `timeout_ms`.

    The savepoint is always rolled back: a released one would keep the short timeout for the
    rest of an enclosing transaction (a test's, or a request's), cancelling later queries.
    """
    connection = connections[queryset.db]
    counted = None
    try:
        with transaction.atomic(using=queryset.db):
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            counted = queryset.count()
            raise _Undo
    except _Undo:
        return counted
    except DatabaseError as error:
        # 57014 is query_canceled: the timeout. Anything else is a real error.
        if getattr(error.__cause__, "sqlstate", None) != "57014":
            raise
        return None


class EstimatedCountPaginator(Paginator):
    """Count a change list exactly when that is quick, else show PostgreSQL's estimate."""

    count_timeout_ms = COUNT_TIMEOUT_MS
    estimated = False

    @cached_property
    def count(self):
        qs = self.object_list
        query = getattr(qs, "query", None)
        if query is None or not estimates(connections[qs.db]):
            return super().count
        connection = connections[qs.db]
        estimate = None
        if not query.where:
            estimate = table_estimate(connection, qs.model._meta.db_table)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                self.estimated = True
                return estimate
        if estimate is None:
            estimate = query_estimate(qs)
        if estimate < COUNT_BELOW:
            exact = count_within(qs, self.count_timeout_ms)
            if exact is not None:
                return exact
        self.estimated = True
        return max(estimate, ESTIMATE_FLOOR)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list[bottom:top]
        qs = self.object_list
        if bottom >= DEFERRED_JOIN_FROM and isinstance(qs, QuerySet) and not qs.query.distinct:
            # The page's ids in a subquery (the ordering's index alone), then only those rows.
            rows = qs.filter(pk__in=qs.values("pk")[bottom:top])
        return self._get_page(rows, number, self)
