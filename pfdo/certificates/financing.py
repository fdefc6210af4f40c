"""Conversion to a financing certificate and the queue for freed places.

The grant itself (`grant_financing`: a quota place and the top-up, in one transaction) serves
the parent's request, the queue and enrolment. The parent's request comes in two steps: a
preview of exactly what the grant would do today (the sum, the months it covers, the next
period's top-up, the quota places left), then the confirmation, which refuses if the sum it
would credit is no longer the one the family saw (the month changed, the nominal changed) and
says plainly that a repeated confirmation changed nothing."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pfdo import clock, links
from pfdo.accounts.models import User
from pfdo.audit import services as audit
from pfdo.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    FinancingGrant,
    QueueEntry,
)
from pfdo.certificates.numbers import format_number
from pfdo.db import db, unit_of_work
from pfdo.errors import DomainError
from pfdo.ledger import services as ledger
from pfdo.ledger.models import AccountKind, TransferKind
from pfdo.money import format_rub
from pfdo.notifications.services import notify
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod

# --- The grant and the queue ----------------------------------------------------------------

#: the shape of a confirmation form's idempotency key (the form makes it: `new_request_key`)
REQUEST_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class DuplicateGrant(DomainError):
    """The certificate already has a financing grant for the period."""


def grant_for(certificate: Certificate, period: FinancingPeriod) -> FinancingGrant | None:
    return db.session.scalars(select(FinancingGrant).where(
        FinancingGrant.certificate_id == certificate.id,
        FinancingGrant.period_id == period.id)).first()


def _grant(certificate: Certificate, period: FinancingPeriod, *, today: date, source: str,
           actor: User | None, request_key: str | None = None) -> FinancingGrant:
    """Take a quota place and top the certificate up (helpers only flush)."""
    periods.take_quota_place(period)
    amount, months = periods.prorated_nominal(period, certificate.child.age_on(today), today)
    grant = FinancingGrant(certificate_id=certificate.id, period_id=period.id, months=months,
                           amount=amount, source=source, granted_at=clock.now(),
                           request_key=request_key)
    db.session.add(grant)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise DuplicateGrant("Сертификат уже переведён в сертификат ПФ на этот период") \
            from error
    fund = ledger.get_or_create_account(periods.fund_code(period), AccountKind.FUND,
                                        overdraft_limit=period.budget)
    account = ledger.get_or_create_account(certificate.account_code, AccountKind.CERTIFICATE)
    reason = f"Пополнение сертификата на {period.title}"
    if months < period.months:
        reason += f" за {months} мес."
    ledger.transfer(key=f"topup:{certificate.id}:{period.id}", debit=fund, credit=account,
                    amount=amount, kind=TransferKind.TOPUP, reason=reason, actor=actor,
                    ref=certificate.ledger_ref)
    certificate.kind = CertificateKind.FINANCING
    return grant


def grant_financing(certificate: Certificate, *, actor: User | None, today: date,
                    source: str = "request", request_key: str | None = None) -> FinancingGrant:
    """Turn a certificate into a financing one for the current period and top it up to the
    nominal for the child's age, pro-rated by whole months if the period has begun.

    Called on the parent's request now and by enrolment later. Refuses: no current period, a
    certificate that is not active, one already financed in this period, an exhausted quota
    (QuotaExhausted: the family keeps the record certificate and may queue). `request_key`,
    the confirmation form's idempotency key, is kept on the grant (see `confirm`)."""
    if request_key is not None and not REQUEST_KEY.fullmatch(request_key):
        raise ValueError("a request key is 16..64 characters of [A-Za-z0-9_-]")
    period = periods.current_period(today)
    if period is None:
        raise DomainError("Сейчас нет действующего периода финансирования")
    if certificate.status != CertificateStatus.ACTIVE:
        raise DomainError("Сертификат не действует: перевод невозможен")
    with unit_of_work():
        if grant_for(certificate, period) is not None:
            raise DuplicateGrant(f"Сертификат уже переведён в сертификат ПФ на {period.title}")
        grant = _grant(certificate, period, today=today, source=source, actor=actor,
                       request_key=request_key)
        _resolve_queue_entry(certificate, period)
        audit.record(actor, "certificate.financing_granted", certificate,
                     {"period": period.title, "amount": grant.amount, "source": source})
        notify(certificate.child.parent,
               f"Сертификат № {format_number(certificate.number)} переведён в сертификат ПФ: "
               f"зачислено {format_rub(grant.amount)} на {period.title} за {grant.months} мес. "
               f"(до {period.ends_on:%d.%m.%Y}).",
               url=links.path("certificates.detail", certificate_id=certificate.id),
               subject="Сертификат переведён в сертификат ПФ",
               template="emails/financing_granted.txt", certificate=certificate, grant=grant)
    return grant


def join_queue(certificate: Certificate, *, actor: User, today: date) -> QueueEntry:
    """Queue for a freed financing place. Refuses: no period, places still free (convert
    instead), already financed, already queued, a certificate that is not active."""
    period = periods.current_period(today)
    if period is None:
        raise DomainError("Сейчас нет действующего периода финансирования")
    if certificate.status != CertificateStatus.ACTIVE:
        raise DomainError("Сертификат не действует")
    if period.quota_left > 0:
        raise DomainError("Места ещё есть: переведите сертификат сразу, без очереди")
    with unit_of_work():
        if grant_for(certificate, period) is not None:
            raise DomainError("Сертификат уже переведён в сертификат ПФ")
        entry = QueueEntry(certificate_id=certificate.id, period_id=period.id,
                           queued_at=clock.now())
        db.session.add(entry)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as error:
            raise DomainError("Вы уже стоите в очереди") from error
        audit.record(actor, "certificate.queued", certificate, {"period": period.title})
    return entry


def queue_entry(certificate: Certificate, period: FinancingPeriod) -> QueueEntry | None:
    return db.session.scalars(select(QueueEntry).where(
        QueueEntry.certificate_id == certificate.id, QueueEntry.period_id == period.id,
        QueueEntry.status == "waiting")).first()


def queue_position(entry: QueueEntry) -> int:
    return db.session.scalar(select(func.count()).select_from(QueueEntry).where(
        QueueEntry.period_id == entry.period_id, QueueEntry.status == "waiting",
        QueueEntry.id <= entry.id))


def _resolve_queue_entry(certificate: Certificate, period: FinancingPeriod) -> None:
    entry = queue_entry(certificate, period)
    if entry is not None:
        entry.status = "granted"
        entry.resolved_at = clock.now()


def process_queue(period: FinancingPeriod, *, today: date) -> int:
    """Grant freed places to the queue in order; returns how many were granted."""
    granted = 0
    while True:
        db.session.refresh(period)
        if period.quota_left <= 0:
            return granted
        entry = db.session.scalars(select(QueueEntry).where(
            QueueEntry.period_id == period.id, QueueEntry.status == "waiting")
            .order_by(QueueEntry.id).limit(1)).first()
        if entry is None:
            return granted
        certificate = entry.certificate
        if certificate.status != CertificateStatus.ACTIVE:
            with unit_of_work():
                entry.status, entry.resolved_at = "cancelled", clock.now()
            continue
        try:
            grant_financing(certificate, actor=None, today=today, source="queue")
        except periods.QuotaExhausted:
            return granted
        except DomainError:  # e.g. financed meanwhile: this entry cannot be served, the next can
            with unit_of_work():
                entry.status, entry.resolved_at = "cancelled", clock.now()
            continue
        granted += 1


# --- The parent's request: preview and confirmation -------------------------------------------

class AlreadyFinanced(DomainError):
    """The certificate already has its grant for the period: nothing was done again."""


@dataclass(frozen=True)
class FinancingPreview:
    certificate: Certificate
    period: FinancingPeriod | None
    #: "ready" | "financed" | "no_places" | "queued" | "inactive" | "no_period"
    state: str
    #: what would be credited now, and the months of the period it covers
    amount: int = 0
    months: int = 0
    first_month: date | None = None
    last_month: date | None = None
    #: the period's nominal for the child's age today (for all of the period's months)
    nominal: int = 0
    age: int = 0
    places_left: int = 0
    #: the next period, when set up, and its nominal for the child's age on its first day
    next_period: FinancingPeriod | None = None
    next_nominal: int = 0
    grant: FinancingGrant | None = None
    queue_entry: QueueEntry | None = None

    @property
    def partial(self) -> bool:
        return self.period is not None and 0 < self.months < self.period.months


def _next_period(period: FinancingPeriod) -> FinancingPeriod | None:
    return db.session.scalars(select(FinancingPeriod).where(
        FinancingPeriod.starts_on > period.ends_on).order_by(FinancingPeriod.starts_on)).first()


def preview(certificate: Certificate, *, today: date) -> FinancingPreview:
    """What converting the certificate today would do, or why it cannot be done."""
    period = periods.current_period(today)
    if period is None:
        return FinancingPreview(certificate, None, "no_period")
    grant = grant_for(certificate, period)
    if grant is not None:
        return FinancingPreview(certificate, period, "financed", amount=grant.amount,
                                months=grant.months, grant=grant)
    if certificate.status != CertificateStatus.ACTIVE:
        return FinancingPreview(certificate, period, "inactive")
    child = certificate.child
    age = child.age_on(today)
    amount, months = periods.prorated_nominal(period, age, today)
    following = _next_period(period)
    common = dict(
        amount=amount, months=months, first_month=max(today, period.starts_on).replace(day=1),
        last_month=period.ends_on.replace(day=1), nominal=period.nominal_for_age(age), age=age,
        places_left=max(period.quota_left, 0), next_period=following,
        next_nominal=following.nominal_for_age(child.age_on(following.starts_on))
        if following else 0)
    if period.quota_left <= 0:
        entry = queue_entry(certificate, period)
        return FinancingPreview(certificate, period, "queued" if entry else "no_places",
                                queue_entry=entry, **common)
    return FinancingPreview(certificate, period, "ready", **common)


def new_request_key() -> str:
    """A fresh idempotency key for a confirmation form (random, URL-safe, 24 characters)."""
    return secrets.token_urlsafe(18)


def confirm(certificate: Certificate, *, actor: User, today: date,
            expected_amount: int | None, request_key: str | None = None) -> FinancingGrant:
    """Convert the certificate (grant_financing does it, in one transaction) if it would
    credit the sum the family saw in the preview.

    `request_key` is the form's idempotency key: a replay of the form that made the grant (a
    double click, a resubmit, a retry after a lost answer, even racing the first) returns that
    grant, as if it were the first answer; nothing more is spent.
    Refuses: AlreadyFinanced when the grant exists and was not made by this form (another
    form, or no key); a sum that differs from `expected_amount` (the preview is out of date);
    and what grant_financing refuses (no period, inactive, exhausted quota)."""
    shown = preview(certificate, today=today)
    if shown.state == "financed":
        if request_key is not None and shown.grant.request_key == request_key:
            return shown.grant
        raise AlreadyFinanced(already_financed(shown.period, shown.grant))
    if shown.state == "ready" and expected_amount is not None \
            and expected_amount != shown.amount:
        raise DomainError(f"Сумма зачисления изменилась: сейчас это {format_rub(shown.amount)} "
                          f"за {shown.months} мес. Проверьте расчёт и подтвердите ещё раз.")
    try:
        return grant_financing(certificate, actor=actor, today=today, request_key=request_key)
    except DuplicateGrant as error:  # a racing confirmation got there first
        db.session.expire_all()
        grant = grant_for(certificate, shown.period)
        if request_key is not None and grant is not None and grant.request_key == request_key:
            return grant  # it was this very form, submitted twice at once
        raise AlreadyFinanced(already_financed(shown.period, grant)) from error


def already_financed(period: FinancingPeriod, grant: FinancingGrant | None) -> str:
    credited = f" (зачислено {format_rub(grant.amount)} за {grant.months} мес.)" if grant else ""
    return (f"Сертификат уже переведён в сертификат ПФ на {period.title}{credited}. Повторное "
            "подтверждение ничего не изменило: второе место в квоте не занято, деньги "
            "повторно не зачислены.")
