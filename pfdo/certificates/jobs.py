"""Period jobs run from cron: open a period, close one, close certificates of 18-year-olds.

Each is idempotent (ledger keys and unique grants): running it twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from pfdo import clock
from pfdo.audit import services as audit
from pfdo.certificates import financing
from pfdo.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    FinancingGrant,
)
from pfdo.certificates.numbers import format_number
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, TransferKind
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod


@dataclass
class JobReport:
    done: int = 0
    skipped: int = 0
    amount: int = 0
    problems: list[str] = field(default_factory=list)
    #: the period's opening: contracts whose months in the period were reserved now, and the
    #: kopecks reserved for them (what `after_grant` reported)
    rolled_over: int = 0
    reserved: int = 0


#: called for a certificate inside the transaction of its top-up (or, without one, its own):
#: reserves what its continuing contracts need and returns (contracts, kopecks reserved)
AfterGrant = Callable[..., tuple[int, int]]
#: the ids of the certificates to serve first (children continuing into the period)
First = Callable[[FinancingPeriod], Iterable[int]]


def open_period(*, today: date, after_grant: AfterGrant | None = None,
                first: First | None = None) -> JobReport:
    """Top every active financing certificate up for the current period (continuing children
    keep their financing status). Refuses while an ended period is still open.

    Enrolment (a layer above) passes `first`, the certificates whose contracts continue into
    the period, served before any other so they do not race new ones for the quota, and
    `after_grant(certificate, period, today=...)`, called in the same transaction as each
    certificate's top-up so no new enrolment can spend the new balance in between. It is
    called also for a certificate topped up already (a rerun after a crash completes what is
    missing) and for a continuing certificate that gets no grant (a record one, or the quota
    ran out): its contracts are reserved at a zero share. A suspended certificate is left for a
    rerun after it is resumed (a problem in the report). Idempotent."""
    period = periods.current_period(today)
    if period is None:
        raise DomainError("Нет периода, который включает сегодняшнюю дату")
    unclosed = db.session.scalars(select(FinancingPeriod).where(
        FinancingPeriod.ends_on < period.starts_on, FinancingPeriod.closed_at.is_(None))).first()
    if unclosed is not None:
        raise DomainError(f"Сначала закройте период «{unclosed.title}» (flask periods close)")
    report = JobReport()
    ids = list(dict.fromkeys([*(first(period) if first else ()), *db.session.scalars(
        select(Certificate.id).where(
            Certificate.kind == CertificateKind.FINANCING,
            Certificate.status == CertificateStatus.ACTIVE).order_by(Certificate.id))]))
    for certificate_id in ids:
        try:
            _open_one(certificate_id, period, report, today=today, after_grant=after_grant)
        except financing.DuplicateGrant:  # a concurrent run granted it meanwhile: go again
            _open_one(certificate_id, period, report, today=today, after_grant=after_grant)
    return report


def _open_one(certificate_id: int, period: FinancingPeriod, report: JobReport, *,
              today: date, after_grant: AfterGrant | None) -> None:
    """One certificate, in one transaction: the top-up (when it is due) and `after_grant`."""
    grant, topped_up, exhausted = None, False, False
    with unit_of_work():
        # A concurrent opener of the same certificate waits here until this one commits,
        # then sees its grant and its reserves (PostgreSQL; SQLite runs one writer anyway).
        certificate = db.session.scalars(
            select(Certificate).where(Certificate.id == certificate_id).with_for_update()
            .execution_options(populate_existing=True)).one()
        due = certificate.kind == CertificateKind.FINANCING \
            and certificate.status == CertificateStatus.ACTIVE
        topped_up = due and financing.grant_for(certificate, period) is not None
        if due and not topped_up:
            try:
                grant = financing._grant(certificate, period, today=today,
                                         source="period_open", actor=None)
            except periods.QuotaExhausted:  # refused before it changed anything
                exhausted = True
            else:
                financing._resolve_queue_entry(certificate, period)
                audit.record(None, "certificate.financing_granted", certificate,
                             {"period": period.title, "amount": grant.amount,
                              "source": "period_open"})
        # A suspended certificate's contracts keep running, but it gets no top-up: its
        # months stay planned (not reserved at a zero share for good) until a rerun after
        # it is resumed.
        suspended = certificate.status == CertificateStatus.SUSPENDED
        rolled, reserved = after_grant(certificate, period, today=today) \
            if after_grant and not suspended else (0, 0)
        number = certificate.number
    if grant is not None:
        report.done += 1
        report.amount += grant.amount
    report.skipped += topped_up
    if exhausted:
        report.problems.append(f"{format_number(number)}: квота периода исчерпана")
    if suspended and after_grant:
        report.problems.append(f"{format_number(number)}: сертификат приостановлен — оплата "
                               "договоров не зарезервирована; после возобновления запустите "
                               "открытие периода ещё раз")
    report.rolled_over += rolled
    report.reserved += reserved


def close_period(period: FinancingPeriod, *, today: date) -> JobReport:
    """Return the unspent, unreserved balances of the period's certificates to its fund.
    Refuses a period that has not ended yet."""
    if period.ends_on >= today:
        raise DomainError(f"Период «{period.title}» ещё не закончился")
    report = JobReport()
    grants = db.session.scalars(select(FinancingGrant).where(
        FinancingGrant.period_id == period.id).order_by(FinancingGrant.id)).all()
    fund = ledger.get_or_create_account(periods.fund_code(period), AccountKind.FUND,
                                        overdraft_limit=period.budget)
    for grant in grants:
        account = ledger.find_account(grant.certificate.account_code)
        left = ledger.balance(account) if account else 0
        key = f"return:{grant.certificate_id}:{period.id}"
        if left <= 0:
            report.skipped += 1
            continue
        with unit_of_work():
            ledger.transfer(key=key, debit=account, credit=fund, amount=left,
                            kind=TransferKind.RETURN, ref=grant.certificate.ledger_ref,
                            reason=f"Возврат неизрасходованного остатка за {period.title}")
        report.done += 1
        report.amount += left
    with unit_of_work():
        if period.closed_at is None:
            period.closed_at = clock.now()
            audit.record(None, "period.closed", period,
                         {"returned": report.amount, "certificates": report.done})
    return report


def expire_certificates(*, today: date) -> JobReport:
    """Close the certificates of children who have turned 18: the unspent balance returns to
    the current period's fund and the financing place goes to the queue."""
    report = JobReport()
    due = db.session.scalars(select(Certificate).where(
        Certificate.status != CertificateStatus.CLOSED,
        Certificate.valid_until <= today).order_by(Certificate.id)).all()
    period = periods.current_period(today)
    for certificate in due:
        with unit_of_work():
            report.amount += close_certificate(
                certificate, period, key=f"expire:{certificate.id}",
                transfer_reason="Возврат остатка: ребёнку исполнилось 18 лет",
                status_reason="Ребёнку исполнилось 18 лет", audit_reason="age")
        report.done += 1
    if period is not None:
        report.skipped = financing.process_queue(period, today=today)
    return report


def close_certificate(certificate: Certificate, period: FinancingPeriod | None, *, key: str,
                      transfer_reason: str, status_reason: str, audit_reason: str,
                      actor=None) -> int:
    """Close the certificate: its unspent balance returns to the current period's fund (a
    ledger transfer keyed `key`), its financing place is freed for the queue (the caller runs
    `process_queue` after its transaction). Returns the kopecks returned. Flushes only."""
    account = ledger.find_account(certificate.account_code)
    left = ledger.balance(account) if account else 0
    returned = 0
    if left > 0 and period is not None:
        fund = ledger.get_or_create_account(periods.fund_code(period), AccountKind.FUND,
                                            overdraft_limit=period.budget)
        ledger.transfer(key=key, debit=account, credit=fund, amount=left,
                        kind=TransferKind.RETURN, reason=transfer_reason,
                        ref=certificate.ledger_ref)
        returned = left
    grant = financing.grant_for(certificate, period) if period else None
    if grant is not None and grant.released_at is None:
        grant.released_at = clock.now()
        periods.free_quota_place(period)
    certificate.status = CertificateStatus.CLOSED
    certificate.closed_at = clock.now()
    certificate.status_reason = status_reason
    audit.record(actor, "certificate.closed", certificate, {"reason": audit_reason})
    return returned
