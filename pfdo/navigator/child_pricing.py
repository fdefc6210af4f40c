"""What a child's certificate would pay for a program's groups, shown on the program page to a
signed-in parent (docs/domain.md §8 point 3): the breakdown by month and its summary in words;
and in the catalogue, for the child a parent picks, the filters that fit the child and what the
certificate would pay a month on each card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, select

from pfdo.accounts.models import User
from pfdo.certificates.models import Certificate, CertificateStatus
from pfdo.children.models import Child
from pfdo.db import db
from pfdo.enrollments import pricing, summary, terms
from pfdo.navigator import organisations
from pfdo.navigator.catalogue import ProgramCard
from pfdo.navigator.services import open_groups
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


def price_for_child(program: Program, child: Child, certificate: Certificate, *,
                    today: date) -> ChildPricing:
    """For each open group of the program: what the child's certificate would pay each month
    and what the family would add (docs/domain.md §8 point 3), as `enrollments.terms`
    computes it for the request, the offer and the acceptance.

    The special cases come back as `kind`: a free program (the record certificate suffices),
    no current period, a record certificate for a certified program (converted on enrolment
    while places last: the breakdown uses the pro-rated nominal it would get; or no places
    left). A period that sets no normative cost for the direction gives `normative` 0. A
    group whose age range does not fit the child on its first day gets no breakdown."""
    ctx = terms.context(program, child, certificate, today=today)
    priced = ctx.certificate_pays
    groups = []
    for group in open_groups(program, today):
        age = child.age_on(group.starts_on)
        fits = program.age_from <= age <= program.age_to
        split = terms.breakdown_for(ctx, group, today=today) if fits and priced else None
        groups.append(GroupPrice(group=group, age_at_start=age, age_fits=fits, breakdown=split,
                                 summary=terms.summary_for(ctx, split) if split else None))
    return ChildPricing(child, certificate, ctx.period, ctx.kind, available=ctx.available,
                        normative=ctx.normative, places_left=ctx.places_left,
                        credited_months=ctx.credited_months, groups=groups)


# --- «Подобрать для ребёнка» in the catalogue -------------------------------------------------

def filters_for(child: Child, certificate: Certificate, *, today: date,
                districts: list[str]) -> dict[str, str]:
    """The catalogue's filters for a child, as URL parameters with nothing personal in them:
    the age today, what the certificate can pay for (a financing certificate: programs paid
    by certificate; a record certificate with no financing places left: the free ones; else
    either), and the district the child's address is in, when it names one of the
    catalogue's districts (the longest that it names)."""
    params = {"age": str(child.age_on(today))}
    spend = terms.purse(child, certificate, today=today)
    if spend.kind == terms.Kind.FINANCING:
        params["funding"] = Funding.CERTIFIED.value
    elif not spend.pays:
        params["funding"] = Funding.MUNICIPAL.value
    address = organisations.folded(child.address or "")
    named = [d for d in districts if organisations.folded(d)
             and organisations.folded(d) in address]
    if named:
        params["district"] = max(named, key=len)
    return params


@dataclass(frozen=True)
class CardShare:
    """What the chosen child's certificate would pay for a program's card, a month, in its
    cheapest open group."""

    #: "free" | "pays" | "no_group" | "no_places" | "no_period" | "empty"
    kind: str
    #: kopecks a month the certificate pays, and what the family adds
    pays: int = 0
    family: int = 0


def card_shares(cards: list[ProgramCard], child: Child, certificate: Certificate, *,
                today: date) -> dict[int, CardShare]:
    """Per card, what the certificate would pay a month: at most the cheapest open group's
    price, the program's normative cost and what the certificate can still spend (the
    program page splits it month by month). The certificate's state is read once."""
    spend = terms.purse(child, certificate, today=today)
    shares = {}
    for card in cards:
        if card.is_free:
            shares[card.id] = CardShare("free")
        elif not spend.pays:
            shares[card.id] = CardShare(spend.kind)
        elif card.min_price is None:
            shares[card.id] = CardShare("no_group")
        else:
            norm = costs.monthly_norm(spend.period.hour_cost(card.direction),
                                      card.hours_per_week) or 0
            pays = max(min(card.min_price, norm, spend.available), 0)
            shares[card.id] = CardShare("pays" if pays else "empty", pays=pays,
                                        family=card.min_price - pays)
    return shares
