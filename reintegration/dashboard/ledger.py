"""The ledger's reconciliation as people read it: the grants' rows (`grants.ledger`) and
the figures the dashboard stored from them (`FigureSnapshot`). Composition: read by
`manage.py check_ledger` and the convention's ledger page.

A snapshot that shows a convention with more disbursed than committed, or more committed
than its envelope, showed people something impossible: a breach. A snapshot whose figures
merely differ from the rows is out of date (the timer refreshes them every few minutes):
a note, not a breach.
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grants import ledger
from reintegration.common.money import format_money

from .figures import FIGURES_VERSION, money
from .models import NATIONAL, FigureSnapshot, prefecture_scope


def check(*, conventions=None) -> ledger.Report:
    """`grants.ledger.check` of `conventions` (all if None), with the dashboard's
    snapshots of their prefectures and of the country."""
    report = ledger.check(conventions=conventions) if conventions is not None else ledger.check()
    snapshots = FigureSnapshot.objects.filter(figures__version=FIGURES_VERSION)
    if conventions is not None:
        snapshots = snapshots.filter(scope__in=[NATIONAL, *(
            prefecture_scope(convention.prefecture_id) for convention in report.conventions.values()
        )])
    for snapshot in snapshots.order_by("scope", "filters"):
        _check_snapshot(report, snapshot)
    return report


def _check_snapshot(report: ledger.Report, snapshot: FigureSnapshot) -> None:
    at = date_format(timezone.localtime(snapshot.computed_at), "SHORT_DATETIME_FORMAT")
    scope = _("national") if snapshot.scope == NATIONAL else snapshot.scope
    for key, shown in snapshot.figures.get("conventions", {}).items():
        envelope, committed, disbursed = (
            money(shown[name]) for name in ("envelope", "committed", "disbursed")
        )
        figures = {
            "scope": scope, "at": at, "convention": shown["reference"],
            "envelope": format_money(envelope), "committed": format_money(committed),
            "disbursed": format_money(disbursed),
        }
        if disbursed > committed or committed > envelope:
            report.breaches.append(ledger.Breach(
                "dashboard_overspent", f"{snapshot.scope} {snapshot.filters}".strip(), _(
                    "The dashboard (%(scope)s, computed on %(at)s) shows convention %(convention)s "
                    "with %(committed)s committed and %(disbursed)s disbursed for an envelope of "
                    "%(envelope)s."
                ) % figures,
                max(disbursed - committed, committed - envelope), int(key),
            ))
        rows = report.conventions.get(int(key))
        now = None if rows is None else (rows.envelope, rows.committed, rows.disbursed)
        if now is not None and now != (envelope, committed, disbursed):
            report.notes.append(_(
                "The dashboard (%(scope)s, computed on %(at)s) shows convention %(convention)s with "
                "%(committed)s committed and %(disbursed)s disbursed; its rows give %(now_committed)s "
                "and %(now_disbursed)s now (the next refresh brings it up to date)."
            ) % {**figures, "now_committed": format_money(rows.committed),
                 "now_disbursed": format_money(rows.disbursed)})
