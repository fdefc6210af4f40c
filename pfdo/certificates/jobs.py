"""Period jobs run from cron: open a period, close one, close certificates of 18-year-olds.

Each is idempotent (ledger keys and unique grants): running it twice changes nothing."""

from __future__ import annotations

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


def open_period(*, today: date) -> JobReport:
    """Top every active financing certificate up for the current period (continuing children
    keep their financing status). Refuses while an ended period is still open."""
    period = periods.current_period(today)
    if period is None:
        raise DomainError("Нет периода, который включает сегодняшнюю дату")
    unclosed = db.session.scalars(select(FinancingPeriod).where(
        FinancingPeriod.ends_on < period.starts_on, FinancingPeriod.closed_at.is_(None))).first()
    if unclosed is not None:
        raise DomainError(f"Сначала закройте период «{unclosed.title}» (flask periods close)")
    report = JobReport()
    ids = db.session.scalars(select(Certificate.id).where(
        Certificate.kind == CertificateKind.FINANCING,
        Certificate.status == CertificateStatus.ACTIVE).order_by(Certificate.id)).all()
    for certificate_id in ids:
        certificate = db.session.get(Certificate, certificate_id)
        if financing.grant_for(certificate, period) is not None:
            report.skipped += 1
            continue
        try:
            with unit_of_work():
                grant = financing._grant(certificate, period, today=today,
                                            source="period_open", actor=None)
                financing._resolve_queue_entry(certificate, period)
                audit.record(None, "certificate.financing_granted", certificate,
                             {"period": period.title, "amount": grant.amount,
                              "source": "period_open"})
        except periods.QuotaExhausted:
            report.problems.append(f"{format_number(certificate.number)}: квота периода исчерпана")
            continue
        report.done += 1
        report.amount += grant.amount
    return report


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
