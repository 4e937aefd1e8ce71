"""Pagination of the lists without counting a whole national table on every page.

Django's paginator runs `COUNT(*)` over every row the list holds, on every page: 10 to
30 ms for the 100,000 files of the national list, 90 ms for the 35,000 visits due (a join),
more than the rest of the page (bench/README.md). `ListPaginator` counts exactly, except:

- a list that is a whole large table (a national user, no filter) on PostgreSQL takes the
  planner's row estimate (`pg_class.reltuples`, kept by autovacuum's ANALYZE);
- a view may cap the count (`count_limit`): it then counts up to the cap only.

The list then shows "≈ 100000 files" and "Page 1 of ≈ 4000", or "Page 1 of 20+". The
pages themselves stay exact: a page fetches one row more than it shows to know whether
a next page exists, and a page past the end is still a 404.
"""

import math

from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import localize
from django.utils.functional import cached_property

# The estimate is kept this long in the cache: ANALYZE renews it far less often, and the
# list shows it as "≈" anyway (one query less on every page of a national list).
ESTIMATE_SECONDS = 60


def estimated_row_count(queryset) -> int | None:
    """The planner's estimate of the rows of `queryset`, when it reads its whole table
    (no filter, no grouping, no limit) on PostgreSQL; None otherwise, or when the table
    was never analysed."""
    query = queryset.query
    if (
        query.where
        or query.distinct
        or query.combinator
        or query.group_by is not None
        or query.low_mark
        or query.high_mark is not None
    ):
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    key = f"row-estimate:{queryset.db}:{queryset.model._meta.db_table}"
    estimate = cache.get(key)
    if estimate is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
            row = cursor.fetchone()
        # -1 (PostgreSQL 14+) or 0 until the table's first VACUUM or ANALYZE.
        estimate = int(row[0]) if row is not None and row[0] > 0 else 0
        cache.set(key, estimate, ESTIMATE_SECONDS)
    return estimate or None


class ListPage(Page):
    def __init__(self, object_list, number, paginator, has_next=None):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self):
        if self._has_next is None:
            return super().has_next()
        return self._has_next

    def next_page_number(self):
        if self._has_next is None:
            return super().next_page_number()
        return self.number + 1

    def end_index(self):
        if self._has_next is None:
            return super().end_index()
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0

    @property
    def total_label(self) -> str:
        """The number of pages as the pagination shows it: "12", "≈ 4 000" or "20+"."""
        paginator = self.paginator
        if paginator.count_is_exact:
            return localize(paginator.num_pages)
        if paginator.count_is_estimate:
            return f"≈ {localize(max(paginator.num_pages, self.number))}"
        return f"{localize(max(paginator.num_pages, self.number))}+"


class ListPaginator(Paginator):
    # Below this many rows an exact count is cheap and a "≈" would only puzzle.
    estimate_from = 10_000
    # From this row on, a page reads its rows' ids first (`_rows`).
    late_lookup_from = 1000

    count_is_estimate = False
    count_is_capped = False

    def __init__(self, *args, count_limit: int | None = None, **kwargs):
        """`count_limit`: count no further than that many rows (shown as "1 000+")."""
        super().__init__(*args, **kwargs)
        self.count_limit = count_limit

    @property
    def count_is_exact(self) -> bool:
        self.count  # noqa: B018 - decides which kind of count it is
        return not (self.count_is_estimate or self.count_is_capped)

    @cached_property
    def count(self) -> int:
        estimate = estimated_row_count(self.object_list)
        if estimate is not None and estimate >= self.estimate_from:
            self.count_is_estimate = True
            return estimate
        if self.count_limit is not None:
            counted = self.object_list[: self.count_limit + 1].count()
            if counted > self.count_limit:
                self.count_is_capped = True
                return self.count_limit
            return counted
        return Paginator.count.func(self)

    def validate_number(self, number):
        if self.count_is_exact:
            return super().validate_number(number)
        # Past the counted pages is not past the end of the list: `page` reads the rows.
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.count_is_exact:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return ListPage(self._rows(bottom, top), number, self)
        rows = self._rows(bottom, bottom + self.per_page + 1)
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return ListPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)

    def _rows(self, bottom: int, top: int) -> list:
        """The rows `bottom` to `top` of the list. Deep in a list the database would join
        every row it skips (page 500 of the files: 12,500 rows joined to their prefecture
        and establishment, 40 ms): there the page reads its rows' ids first (an index
        scan, no join), then those rows — one query more."""
        queryset = self.object_list
        if bottom < self.late_lookup_from or not isinstance(queryset, QuerySet):
            return list(queryset[bottom:top])
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
        return [rows[pk] for pk in ids if pk in rows]

    @cached_property
    def num_pages(self) -> int:
        if self.count_is_exact:
            return super().num_pages
        return max(1, math.ceil(self.count / self.per_page))
