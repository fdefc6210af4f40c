"""What a child's certificate would pay for a program's groups, shown on the program page to a
signed-in parent (docs/domain.md §8 point 3): the breakdown by month and its summary in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, select

from pfdo.accounts.models import User
from pfdo.certificates.balance import balance as certificate_balance
from pfdo.certificates.models import Certificate, CertificateStatus
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments import pricing, summary
from pfdo.navigator.services import open_groups
from pfdo.periods import services as periods
from pfdo.periods.models import FinancingPeriod
from pfdo.programs import cost as costs
from pfdo.programs.models import Funding, Group, Program


def children_with_certificates(parent: User) -> list[tuple[Child, Certificate]]:
    """The parent's own children whose certificate is active (the only ones who can enrol)."""
    rows = db.session.execute(
        select(Child, Certificate).join(Certificate, Certificate.child_id == Child.id)
        .where(Child.parent_id == parent.id, Certificate.status == CertificateStatus.ACTIVE)
        .order_by(Child.birth_date, Child.id)).all()
    return [(child, certificate) for child, certificate in rows]


def has_children(parent: User) -> bool:
    return db.session.scalar(select(exists().where(Child.parent_id == parent.id)))


@dataclass(frozen=True)
class GroupPrice:
    group: Group
    #: the child's age on the group's first day
    age_at_start: int
    age_fits: bool
    breakdown: pricing.Breakdown | None
    #: the breakdown in words: month ranges with their split, totals, what the balance keeps
    summary: summary.Summary | None = None


@dataclass(frozen=True)
class ChildPricing:
    child: Child
    certificate: Certificate
    period: FinancingPeriod | None
    #: "free" | "financing" | "conversion" | "no_places" | "no_period"
    kind: str
    #: the balance the breakdown starts from (available now, or the pro-rated nominal)
    available: int = 0
    #: the program's normative cost a month (0: the period sets none for the direction, so
    #: the certificate pays nothing)
    normative: int = 0
    #: financing places left in the period (for a record certificate)
    places_left: int = 0
    #: for a record certificate: the months of the period the conversion would credit
    credited_months: int = 0
    groups: list[GroupPrice] = field(default_factory=list)


def _next_period(period: FinancingPeriod) -> FinancingPeriod | None:
    return db.session.scalars(select(FinancingPeriod).where(
        FinancingPeriod.starts_on > period.ends_on).order_by(FinancingPeriod.starts_on)).first()


def price_for_child(program: Program, child: Child, certificate: Certificate, *,
                    today: date) -> ChildPricing:
    """For each open group of the program: what the child's certificate would pay each month
    and what the family would add (docs/domain.md §8 point 3), as `pricing.breakdown` computes it.

    The special cases come back as `kind`: a free program (the record certificate suffices),
    no current period, a record certificate for a certified program (converted on enrolment
    while places last: the breakdown uses the pro-rated nominal it would get; or no places
    left). A period that sets no normative cost for the direction gives `normative` 0. A
    group whose age range does not fit the child on its first day gets no breakdown."""
    groups = open_groups(program, today)

    def ages(breakdowns: dict[int, tuple[pricing.Breakdown, summary.Summary]] | None = None
             ) -> list[GroupPrice]:
        result = []
        for group in groups:
            age = child.age_on(group.starts_on)
            fits = program.age_from <= age <= program.age_to
            split, words = (breakdowns or {}).get(group.id, (None, None)) if fits \
                else (None, None)
            result.append(GroupPrice(group=group, age_at_start=age, age_fits=fits,
                                     breakdown=split, summary=words))
        return result

    if program.funding == Funding.MUNICIPAL:
        return ChildPricing(child, certificate, None, "free", groups=ages())
    period = periods.current_period(today)
    if period is None:
        return ChildPricing(child, certificate, None, "no_period", groups=ages())
    age_now = child.age_on(today)
    nominal = period.nominal_for_age(age_now)
    places_left = max(period.quota_left, 0)
    credited_months = 0
    if certificate.is_financing:
        kind = "financing"
        available = certificate_balance(certificate, today=today).available
    elif places_left > 0:
        kind = "conversion"
        available, credited_months = periods.prorated_nominal(period, age_now, today)
    else:
        return ChildPricing(child, certificate, period, "no_places", groups=ages())
    # no cost of a person-hour for the direction: the certificate pays nothing
    normative = costs.normative_cost(program, period) or 0
    following = _next_period(period)
    # the top-up at the next period's start follows the child's age on that day
    upcoming = summary.NextPeriod(
        title=following.title, starts_on=following.starts_on,
        nominal=following.nominal_for_age(child.age_on(following.starts_on))) \
        if following else None
    breakdowns = {}
    for group in groups:
        split = pricing.breakdown(
            price=group.price_per_month, normative=normative,
            months=pricing.contract_months(group.starts_on, group.ends_on, today),
            period_ends_on=period.ends_on, available=available, nominal=nominal,
            next_nominal=upcoming.nominal if upcoming else None, period_months=period.months)
        breakdowns[group.id] = (split, summary.summarise(
            split, period_ends_on=period.ends_on, nominal=nominal, next_period=upcoming))
    return ChildPricing(child, certificate, period, kind, available=available,
                        normative=normative, places_left=places_left,
                        credited_months=credited_months, groups=ages(breakdowns))
