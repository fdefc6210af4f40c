"""Property-based: the offer's split as the enrolment computes it, through
`enrollments.terms.breakdown_for` (the context's period, balance, normative and next period
applied to a group), for periods of any length — not only calendar years — and groups that
start before, during or after the current period (docs/domain.md §8 point 3).

tests/navigator/test_pricing.py covers `pricing.breakdown` on its own with calendar-year
periods; here the periods come from `FinancingPeriod` rows (transient, no database) and the
planned months are checked against the real dates of the next period."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pfdo.enrollments import pricing, summary, terms
from pfdo.periods.models import FinancingPeriod
from pfdo.programs.models import Group
from tests import factories

PAYING = (terms.Kind.FINANCING, terms.Kind.CONVERSION)
NOT_PAYING = (terms.Kind.FREE, terms.Kind.NO_PLACES, terms.Kind.NO_PERIOD)


#: the next period's nominal in the regression test: 25 000,00 ₽ a month over its 12 months
NEXT_NOMINAL = 300_000


@pytest.fixture
def world_short(app, frozen_clock):
    """An offer under a 4-month period (March–June 2026) followed by a 12-month one, for a
    group running March 2026 – June 2027."""
    factories.municipality(app)
    coordinator = factories.user(app, "coordinator")
    factories.period(app, starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30),
                     title="Весна 2026", hour_costs={"technical": 15_000})
    factories.period(app, starts_on=date(2026, 7, 1), ends_on=date(2027, 6, 30),
                     title="2026/27 год", nominal=NEXT_NOMINAL, hour_costs={"technical": 15_000})
    parent = factories.user(app, "parent")
    child = factories.child(app, parent)
    factories.certificate(app, parent, child, coordinator=coordinator)
    staff = factories.user(app, "provider_staff")
    program = factories.program(app, factories.provider(app, staff=staff))
    group = factories.group(app, program, starts_on=date(2026, 3, 1), ends_on=date(2027, 6, 30))
    return factories.offer(app, parent, child, group, staff=staff)


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def month_end(index: int) -> date:
    first = month_start(index)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def index_of(day: date) -> int:
    return day.year * 12 + day.month - 1


@st.composite
def offers(draw, kinds=PAYING):
    """(context, group, today, first_month): a current period of 1–24 months, maybe an
    adjacent next one of 1–24 months, today inside the current period, a group anywhere from
    a year before it to two years after."""
    start = draw(st.integers(2025 * 12, 2027 * 12))
    length = draw(st.integers(1, 24))
    period = FinancingPeriod(title="текущий", starts_on=month_start(start),
                             ends_on=month_end(start + length - 1))
    upcoming = None
    next_length = 0
    if draw(st.booleans()):
        next_length = draw(st.integers(1, 24))
        upcoming = summary.NextPeriod(
            title="следующий", starts_on=month_start(start + length),
            nominal=draw(st.integers(1, 5_000_000)), months=next_length)
        upcoming_end = month_end(start + length + next_length - 1)
    today_index = draw(st.integers(start, start + length - 1))
    today = month_start(today_index).replace(day=draw(st.integers(1, 28)))
    group_start = draw(st.integers(today_index - 12, today_index + 24))
    group_length = draw(st.integers(1, 36))
    group = Group(name="Группа 1", starts_on=month_start(group_start).replace(
                      day=draw(st.integers(1, 28))),
                  ends_on=month_end(group_start + group_length - 1),
                  price_per_month=draw(st.integers(0, 2_000_000)))
    first_month = draw(st.one_of(st.none(), st.builds(
        month_start, st.integers(today_index, today_index + 3))))
    ctx = terms.Context(
        program=None, child=None, certificate=None, period=period,
        kind=draw(st.sampled_from(kinds)), available=draw(st.integers(0, 5_000_000)),
        normative=draw(st.integers(0, 2_000_000)), nominal=draw(st.integers(1, 5_000_000)),
        upcoming=upcoming)
    next_dates = (upcoming.starts_on, upcoming_end) if upcoming else None
    return ctx, group, today, first_month, next_dates


@settings(max_examples=300)
@given(offers())
def test_every_month_sums_to_the_price_and_never_exceeds_price_or_normative(offer):
    ctx, group, today, first_month, _ = offer
    split = terms.breakdown_for(ctx, group, today=today, first_month=first_month)
    cap = min(group.price_per_month, ctx.normative)
    for month in split.months:
        assert month.certificate + month.family == month.price == group.price_per_month
        assert 0 <= month.certificate <= cap
        assert month.family >= 0


@settings(max_examples=300)
@given(offers())
def test_the_months_run_from_the_latest_start_to_the_group_end(offer):
    ctx, group, today, first_month, _ = offer
    split = terms.breakdown_for(ctx, group, today=today, first_month=first_month)
    begin = max(index_of(group.starts_on), index_of(today),
                index_of(first_month) if first_month else 0)
    expected = [month_start(i) for i in range(begin, index_of(group.ends_on) + 1)]
    assert [m.month for m in split.months] == expected
    assert all(m.in_current_period == (m.month <= ctx.period.ends_on) for m in split.months)


@settings(max_examples=300)
@given(offers())
def test_the_current_period_never_takes_more_than_the_available_balance(offer):
    ctx, group, today, first_month, _ = offer
    split = terms.breakdown_for(ctx, group, today=today, first_month=first_month)
    current = sum(m.certificate for m in split.months if m.in_current_period)
    assert current == split.reserved_now <= ctx.available
    assert split.remaining == ctx.available - split.reserved_now >= 0
    # a capped total is spread evenly: the current months differ by a kopeck at most
    shares = [m.certificate for m in split.months if m.in_current_period]
    if shares and split.reserved_now < len(shares) * min(group.price_per_month, ctx.normative):
        assert max(shares) - min(shares) <= 1


@settings(max_examples=500)
@given(offers())
def test_the_next_periods_planned_months_never_exceed_its_nominal(offer):
    """The months falling in the next period's real dates are planned from its nominal (the
    current one's when the next is not set up): together never more, whatever the two
    periods' lengths."""
    ctx, group, today, first_month, next_dates = offer
    split = terms.breakdown_for(ctx, group, today=today, first_month=first_month)
    if next_dates is None:
        # no next period yet: each later stretch as long as the current period is planned
        # from the current nominal
        length = ctx.period.months
        buckets: dict[int, int] = {}
        for m in split.months:
            if not m.in_current_period:
                bucket = (index_of(m.month) - index_of(ctx.period.ends_on) - 1) // length
                buckets[bucket] = buckets.get(bucket, 0) + m.certificate
        assert all(total <= ctx.nominal for total in buckets.values())
        return
    starts_on, ends_on = next_dates
    planned = sum(m.certificate for m in split.months if starts_on <= m.month <= ends_on)
    assert planned <= ctx.upcoming.nominal


@settings(max_examples=200)
@given(offers(kinds=NOT_PAYING))
def test_when_the_certificate_cannot_pay_the_family_pays_every_month_in_full(offer):
    ctx, group, today, first_month, _ = offer
    split = terms.breakdown_for(ctx, group, today=today, first_month=first_month)
    assert all(m.certificate == 0 and m.family == m.price for m in split.months)
    assert split.reserved_now == 0


@settings(max_examples=200)
@given(offers(), st.integers(1, 1_000))
def test_the_fingerprint_changes_with_any_months_share(offer, more):
    ctx, group, today, first_month, _ = offer
    split = terms.breakdown_for(ctx, group, today=today, first_month=first_month)
    again = terms.breakdown_for(ctx, group, today=today, first_month=first_month)
    assert terms.fingerprint(split) == terms.fingerprint(again)
    if split.months:
        first = split.months[0]
        changed = pricing.Breakdown(
            months=(pricing.MonthShare(first.month, first.price, first.certificate + more,
                                       first.family - more, first.in_current_period),
                    *split.months[1:]),
            reserved_now=split.reserved_now, remaining=split.remaining)
        assert terms.fingerprint(changed) != terms.fingerprint(split)


def test_a_short_first_period_plans_the_next_years_months_from_its_nominal_once(app, world_short):
    """Found by the property above: a 4-month period followed by a 12-month one planned the
    next period in 4-month stretches, each capped by its nominal — three times the nominal
    in all. Now the next period's 12 months share its nominal once."""
    from pfdo.db import db
    from pfdo.enrollments import offers
    from pfdo.enrollments.models import Contract

    with app.app_context():
        contract = db.session.get(Contract, world_short.id)
        ctx, split = offers.quote(contract, today=date(2026, 3, 15))
        assert ctx.upcoming is not None
        later = [m.certificate for m in split.months if date(2026, 7, 1) <= m.month]
        assert len(later) == 12
        assert sum(later) == NEXT_NOMINAL
        assert set(later) == {NEXT_NOMINAL // 12}
