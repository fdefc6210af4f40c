"""pfdo.enrollments.pricing: who pays what each month (DOMAIN.md §8 point 3). Pure functions."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from pfdo.enrollments import pricing

SEP_TO_MAY = pricing.contract_months(date(2026, 9, 1), date(2027, 5, 31), date(2026, 3, 15))
YEAR_END = date(2026, 12, 31)


def test_contract_months_run_from_the_later_start_to_the_group_end():
    assert SEP_TO_MAY[0] == date(2026, 9, 1) and SEP_TO_MAY[-1] == date(2027, 5, 1)
    assert len(SEP_TO_MAY) == 9
    # a group that has already begun: from the current month
    late = pricing.contract_months(date(2025, 9, 1), date(2026, 5, 31), date(2026, 3, 15))
    assert late == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
    assert pricing.contract_months(date(2025, 9, 1), date(2026, 2, 28), date(2026, 3, 15)) == []


def test_normative_cost_is_hour_cost_times_hours_times_weeks():
    assert pricing.normative_cost(15_000, 2) == 15_000 * 2 * 4
    assert pricing.normative_cost(None, 2) == 0


def test_the_certificate_pays_up_to_the_normative_and_the_family_the_rest():
    b = pricing.breakdown(price=250_000, normative=120_000, months=SEP_TO_MAY,
                          period_ends_on=YEAR_END, available=1_454_666, nominal=1_745_600)
    assert b.certificate_per_month == 120_000 and b.family_per_month == 130_000
    assert b.reserved_now == 4 * 120_000
    assert b.remaining == 1_454_666 - 480_000
    assert [m.in_current_period for m in b.months] == [True] * 4 + [False] * 5
    assert not b.varies


def test_a_cheap_group_is_paid_in_full():
    b = pricing.breakdown(price=90_000, normative=120_000, months=SEP_TO_MAY,
                          period_ends_on=YEAR_END, available=1_000_000, nominal=1_745_600)
    assert b.certificate_per_month == 90_000 and b.family_per_month == 0


def test_a_short_balance_is_spread_over_the_current_months_by_largest_remainder():
    b = pricing.breakdown(price=250_000, normative=120_000, months=SEP_TO_MAY,
                          period_ends_on=YEAR_END, available=100_001, nominal=1_745_600)
    current = [m.certificate for m in b.months if m.in_current_period]
    assert current == [25_001, 25_000, 25_000, 25_000]
    assert b.remaining == 0
    # the next period is planned from the same nominal: the normative again
    assert [m.certificate for m in b.months if not m.in_current_period] == [120_000] * 5
    assert b.certificate_per_month == 120_000 and b.varies


def test_the_next_nominal_caps_the_next_period():
    b = pricing.breakdown(price=250_000, normative=120_000, months=SEP_TO_MAY,
                          period_ends_on=YEAR_END, available=1_000_000, nominal=1_745_600,
                          next_nominal=500_000)
    assert [m.certificate for m in b.months if not m.in_current_period] == [100_000] * 5


def test_no_normative_or_no_period_means_the_family_pays_everything():
    for b in (pricing.breakdown(price=250_000, normative=0, months=SEP_TO_MAY,
                                period_ends_on=YEAR_END, available=1_000_000, nominal=1),
              pricing.breakdown(price=250_000, normative=120_000, months=SEP_TO_MAY,
                                period_ends_on=None, available=1_000_000, nominal=1)):
        assert {m.certificate for m in b.months} == {0}
        assert {m.family for m in b.months} == {250_000}


def test_no_months_is_an_empty_breakdown():
    b = pricing.breakdown(price=250_000, normative=120_000, months=[],
                          period_ends_on=YEAR_END, available=10, nominal=1)
    assert b.months == () and b.remaining == 10 and b.certificate_per_month == 0


@st.composite
def contracts(draw):
    start = date(draw(st.integers(2025, 2027)), draw(st.integers(1, 12)), 1)
    length = draw(st.integers(1, 36))
    index = start.year * 12 + start.month - 1 + length - 1
    end = date(index // 12, index % 12 + 1, 28)
    today = date(draw(st.integers(2025, 2026)), draw(st.integers(1, 12)), 15)
    return {
        "price": draw(st.integers(0, 2_000_000)),
        "normative": draw(st.integers(0, 2_000_000)),
        "months": pricing.contract_months(start, end, today),
        "period_ends_on": draw(st.one_of(st.none(), st.just(date(today.year, 12, 31)))),
        "available": draw(st.integers(0, 5_000_000)),
        "nominal": draw(st.integers(1, 5_000_000)),
        "next_nominal": draw(st.one_of(st.none(), st.integers(0, 5_000_000))),
    }


@given(contracts())
def test_parts_always_sum_to_the_price_and_stay_within_the_caps(args):
    b = pricing.breakdown(**args)
    cap = min(args["price"], args["normative"])
    for m in b.months:
        assert m.certificate + m.family == m.price == args["price"]
        assert 0 <= m.certificate <= cap
        assert m.family >= 0
    current = sum(m.certificate for m in b.months if m.in_current_period)
    assert current == b.reserved_now <= args["available"]
    assert b.remaining >= 0
    if args["period_ends_on"] is not None:
        budget = args["nominal"] if args["next_nominal"] is None else args["next_nominal"]
        later: dict[int, int] = {}
        end = args["period_ends_on"].year
        for m in b.months:
            if not m.in_current_period:
                later[m.month.year - end] = later.get(m.month.year - end, 0) + m.certificate
        assert all(total <= budget for total in later.values())


@given(contracts())
def test_a_capped_total_is_spread_evenly(args):
    b = pricing.breakdown(**args)
    current = [m.certificate for m in b.months if m.in_current_period]
    if current:
        assert max(current) - min(current) <= 1
