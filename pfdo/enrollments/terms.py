"""What a child's certificate would pay for a group, month by month, today: the one
computation behind the program page, the request page, the offer and the acceptance
(docs/domain.md §8 point 3), so the family reads the same figures everywhere.

`context` reads what the split depends on (the period, the balance or the nominal a
conversion would credit, the normative cost, the next period's nominal); `breakdown_for` splits
one group's months with `pricing.breakdown`; `fingerprint` names a split, so an acceptance can
refuse when the terms changed since the family read them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from pfdo.certificates.models import Certificate
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments import pricing, summary
from pfdo.ledger import services as ledger
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod
from pfdo.programs import cost as costs
from pfdo.programs.models import Funding, Group, Program


class Kind:
    #: a free program (municipal assignment): the record certificate suffices, nothing to pay
    FREE = "free"
    #: a financing certificate pays from its balance
    FINANCING = "financing"
    #: a record certificate, converted on enrolment while the quota lasts (the pro-rated
    #: nominal it would get is the balance)
    CONVERSION = "conversion"
    #: a record certificate and no financing places left: the family pays the full price
    NO_PLACES = "no_places"
    #: a certified program and no current period: the certificate cannot pay
    NO_PERIOD = "no_period"


@dataclass(frozen=True)
class Context:
    program: Program
    child: Child
    certificate: Certificate
    period: FinancingPeriod | None
    kind: str
    #: the balance the split starts from (available now, or the pro-rated nominal)
    available: int = 0
    #: the program's normative cost a month (0: the period sets none for the direction)
    normative: int = 0
    #: the current period's nominal for the child today
    nominal: int = 0
    #: financing places left in the period
    places_left: int = 0
    #: for a conversion: the months of the period it would credit
    credited_months: int = 0
    upcoming: summary.NextPeriod | None = None

    @property
    def certificate_pays(self) -> bool:
        return self.kind in (Kind.FINANCING, Kind.CONVERSION)


def next_period(period: FinancingPeriod) -> FinancingPeriod | None:
    return db.session.scalars(select(FinancingPeriod).where(
        FinancingPeriod.starts_on > period.ends_on).order_by(FinancingPeriod.starts_on)).first()


@dataclass(frozen=True)
class Purse:
    """What a child's certificate can spend on a certified program today, whatever the
    program: the period, the kind (financing, conversion, no places, no period) and the
    balance a split starts from."""

    period: FinancingPeriod | None
    kind: str
    available: int = 0
    #: the current period's nominal for the child today
    nominal: int = 0
    places_left: int = 0
    credited_months: int = 0

    @property
    def pays(self) -> bool:
        return self.kind in (Kind.FINANCING, Kind.CONVERSION)


def purse(child: Child, certificate: Certificate, *, today: date) -> Purse:
    period = periods.current_period(today)
    if period is None:
        return Purse(None, Kind.NO_PERIOD)
    age_now = child.age_on(today)
    nominal = period.nominal_for_age(age_now)
    places_left = max(period.quota_left, 0)
    if certificate.is_financing:
        # what can still be spent: the certificate account's balance (one query)
        available = ledger.balances_by_code([certificate.account_code]).get(
            certificate.account_code, 0)
        return Purse(period, Kind.FINANCING, available, nominal, places_left)
    if places_left > 0:
        available, credited_months = periods.prorated_nominal(period, age_now, today)
        return Purse(period, Kind.CONVERSION, available, nominal, places_left, credited_months)
    return Purse(period, Kind.NO_PLACES, nominal=nominal)


def context(program: Program, child: Child, certificate: Certificate, *,
            today: date) -> Context:
    """What the split of `program`'s groups for `child` depends on, today."""
    if program.funding == Funding.MUNICIPAL:
        return Context(program, child, certificate, periods.current_period(today), Kind.FREE)
    spend = purse(child, certificate, today=today)
    if not spend.pays:
        return Context(program, child, certificate, spend.period, spend.kind,
                       nominal=spend.nominal)
    period = spend.period
    following = next_period(period)
    # the top-up at the next period's start follows the child's age on that day
    upcoming = summary.NextPeriod(
        title=following.title, starts_on=following.starts_on,
        nominal=following.nominal_for_age(child.age_on(following.starts_on)),
        months=following.months) \
        if following else None
    return Context(program, child, certificate, period, spend.kind, available=spend.available,
                   normative=costs.normative_cost(program, period) or 0, nominal=spend.nominal,
                   places_left=spend.places_left, credited_months=spend.credited_months,
                   upcoming=upcoming)


def months_for(group: Group, *, today: date, first_month: date | None = None) -> list[date]:
    """The months a contract for `group` signed today covers: from the later of the group's
    start, `first_month` and the current month, to the group's end."""
    start = max(group.starts_on, first_month) if first_month else group.starts_on
    return pricing.contract_months(start, group.ends_on, today)


def breakdown_for(ctx: Context, group: Group, *, today: date,
                  first_month: date | None = None) -> pricing.Breakdown:
    """The month-by-month split of `group`'s price for the child. When the certificate
    cannot pay (free program, no places, no period) the family's share is the whole price."""
    months = months_for(group, today=today, first_month=first_month)
    if not ctx.certificate_pays:
        return pricing.breakdown(price=group.price_per_month, normative=0, months=months,
                                 period_ends_on=ctx.period.ends_on if ctx.period else None,
                                 available=0, nominal=0)
    return pricing.breakdown(
        price=group.price_per_month, normative=ctx.normative, months=months,
        period_ends_on=ctx.period.ends_on, available=ctx.available, nominal=ctx.nominal,
        next_nominal=ctx.upcoming.nominal if ctx.upcoming else None,
        # the later months are planned in stretches of the next period's length (it may
        # differ from the current one's: a short first period, then calendar years)
        period_months=ctx.upcoming.months if ctx.upcoming else ctx.period.months)


def summary_for(ctx: Context, split: pricing.Breakdown) -> summary.Summary:
    return summary.summarise(split, period_ends_on=ctx.period.ends_on if ctx.period else None,
                             nominal=ctx.nominal, next_period=ctx.upcoming)


def fingerprint(split: pricing.Breakdown) -> str:
    """A short name of the split (every month's price and certificate share): the form sends
    back the one the family read, and the acceptance refuses when it is no longer true."""
    text = ";".join(f"{m.month:%Y-%m}:{m.price}:{m.certificate}" for m in split.months)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
