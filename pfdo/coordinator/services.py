"""What the coordinator's pages show: the dashboard's figures, a period's state, and saving a
period together with handing freed financing places to the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from pfdo.accounts.models import User
from pfdo.audit import access_log
from pfdo.certificates import applications, financing
from pfdo.certificates.models import (
    ApplicationStatus,
    Certificate,
    CertificateApplication,
    CertificateStatus,
)
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.errors import NotFound
from pfdo.ledger import services as ledger
from pfdo.municipality import services as municipality
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod

#: a period's state as the list shows it
PERIOD_STATES = {
    "current": "идёт",
    "future": "будущий",
    "ended": "закончился",
    "closed": "закрыт",
}


def period_state(period: FinancingPeriod, today: date) -> str:
    """current / future / ended (not yet closed by `flask periods close`) / closed."""
    if period.closed_at is not None:
        return "closed"
    if period.starts_on > today:
        return "future"
    if period.ends_on < today:
        return "ended"
    return "current"


def granted_amount(period: FinancingPeriod) -> int:
    """Kopecks topped up to certificates in the period, by the ledger: what its fund has paid
    out (one account row, whatever the number of certificates)."""
    fund = ledger.find_account(periods.fund_code(period))
    return int(fund.debits_posted) if fund is not None else 0


@dataclass(frozen=True)
class Dashboard:
    waiting: int
    #: whole days the oldest waiting application has waited; None when none waits
    oldest_waiting_days: int | None
    period: FinancingPeriod | None
    granted: int
    with_certificates: int
    child_population: int
    #: the coming year, from 1 November, while no period covers its 1 January
    next_period_missing: int | None = None

    @property
    def coverage_percent(self) -> float | None:
        if not self.child_population:
            return None
        return round(100 * self.with_certificates / self.child_population, 1)


def dashboard(today: date) -> Dashboard:
    """The coordinator's figures for `today` (the municipality's date)."""
    oldest = db.session.scalar(select(func.min(CertificateApplication.submitted_at)).where(
        CertificateApplication.status == ApplicationStatus.SUBMITTED))
    period = periods.current_period(today)
    with_certificates = db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.status.in_((CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED))))
    place = municipality.get()
    return Dashboard(
        waiting=applications.waiting_count(),
        oldest_waiting_days=municipality.days_since(oldest, today) if oldest is not None else None,
        period=period,
        granted=granted_amount(period) if period is not None else 0,
        with_certificates=with_certificates,
        child_population=place.child_population if place is not None else 0,
        next_period_missing=periods.next_period_missing(today),
    )


def save_period(data: periods.PeriodData, *, actor: User, today: date,
                period: FinancingPeriod | None = None) -> tuple[FinancingPeriod, int]:
    """Save the period (periods.services.save_period has the rules and refusals); when the
    quota of the current period rose, the queue gets the new places at once.

    Returns the period and how many queued certificates were financed."""
    quota_before = period.quota if period is not None else 0
    period = periods.save_period(data, actor=actor, today=today, period=period)
    granted = 0
    # The queue is for the current period only: a grant always goes to the current period.
    if period.quota > quota_before and period.contains(today):
        granted = financing.process_queue(period, today=today)
    return period, granted


def view_child(child_id: int, *, actor: User):
    """A child's record for the coordinator (a possible duplicate without an application):
    the view is written to the personal-data access log before it is shown.

    Raises NotFound for an unknown child."""
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    access_log.record_access(actor, "child.viewed", child, {"from": "coordinator.child"},
                             children=[child.id])
    return child
