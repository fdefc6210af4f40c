"""Conversion to a financing certificate in two steps: a preview of exactly what the grant
would do today (the sum, the months it covers, the next period's top-up, the quota places
left), then the confirmation, which refuses if the sum it would credit is no longer the one
the family saw (the month changed, the nominal changed) and says plainly that a repeated
confirmation changed nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pfdo.accounts.models import User
from pfdo.certificates import services
from pfdo.certificates.models import Certificate, CertificateStatus, FinancingGrant, QueueEntry
from pfdo.db import db
from pfdo.errors import DomainError
from pfdo.money import format_rub
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod


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
    grant = services.grant_for(certificate, period)
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
        entry = services.queue_entry(certificate, period)
        return FinancingPreview(certificate, period, "queued" if entry else "no_places",
                                queue_entry=entry, **common)
    return FinancingPreview(certificate, period, "ready", **common)


def confirm(certificate: Certificate, *, actor: User, today: date,
            expected_amount: int | None) -> FinancingGrant:
    """Convert the certificate (services.grant_financing does it, in one transaction) if it
    would credit the sum the family saw in the preview.

    Refuses: AlreadyFinanced when the grant exists (a double submit: nothing more is spent);
    a sum that differs from `expected_amount` (the preview is out of date); and what
    grant_financing refuses (no period, inactive, exhausted quota)."""
    shown = preview(certificate, today=today)
    if shown.state == "financed":
        raise AlreadyFinanced(already_financed(shown.period, shown.grant))
    if shown.state == "ready" and expected_amount is not None \
            and expected_amount != shown.amount:
        raise DomainError(f"Сумма зачисления изменилась: сейчас это {format_rub(shown.amount)} "
                          f"за {shown.months} мес. Проверьте расчёт и подтвердите ещё раз.")
    try:
        return services.grant_financing(certificate, actor=actor, today=today)
    except services.DuplicateGrant as error:  # a racing confirmation got there first
        db.session.expire_all()
        raise AlreadyFinanced(already_financed(
            shown.period, services.grant_for(certificate, shown.period))) from error


def already_financed(period: FinancingPeriod, grant: FinancingGrant | None) -> str:
    credited = f" (зачислено {format_rub(grant.amount)} за {grant.months} мес.)" if grant else ""
    return (f"Сертификат уже переведён в сертификат ПФ на {period.title}{credited}. Повторное "
            "подтверждение ничего не изменило: второе место в квоте не занято, деньги "
            "повторно не зачислены.")
