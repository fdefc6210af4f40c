"""pfdo.enrollments.pricing: who pays what each month (docs/domain.md §8.3). Pure functions."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from pfdo.enrollments import pricing, summary
from pfdo.programs.cost import monthly_norm

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
    assert monthly_norm(15_000, 2) == 15_000 * 2 * 4
    assert monthly_norm(None, 2) is None


def test_the_certificate_pays_up_to_the_normative_and_the_family_the_rest():
    b = pricing.breakdown(price=250_000, normative=120_000, months=SEP_TO_MAY,
                          period_ends_on=YEAR_END, available=1_454_666, nominal=1_745_600)
    assert {(m.certificate, m.family) for m in b.months} == {(120_000, 130_000)}
    assert b.reserved_now == 4 * 120_000
    assert b.remaining == 1_454_666 - 480_000
    assert [m.in_current_period for m in b.months] == [True] * 4 + [False] * 5


def test_a_cheap_group_is_paid_in_full():
    b = pricing.breakdown(price=90_000, normative=120_000, months=SEP_TO_MAY,
                          period_ends_on=YEAR_END, available=1_000_000, nominal=1_745_600)
    assert {(m.certificate, m.family) for m in b.months} == {(90_000, 0)}


def test_a_short_balance_is_spread_over_the_current_months_by_largest_remainder():
    b = pricing.breakdown(price=250_000, normative=120_000, months=SEP_TO_MAY,
                          period_ends_on=YEAR_END, available=100_001, nominal=1_745_600)
    current = [m.certificate for m in b.months if m.in_current_period]
    assert current == [25_001, 25_000, 25_000, 25_000]
    assert b.remaining == 0
    # the next period is planned from the same nominal: the normative again
    assert [m.certificate for m in b.months if not m.in_current_period] == [120_000] * 5


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
    assert b.months == () and b.remaining == 10 and b.certificate_total == 0


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


# --- The summary in words (pfdo.enrollments.summary) ----------------------------------------

DEC_TO_MAY = pricing.contract_months(date(2026, 9, 1), date(2027, 5, 31), date(2026, 12, 2))


def test_months_with_the_same_split_form_one_range_and_others_their_own():
    # the case: 1 454,66 ₽ left for December, the next year planned from 17 456 ₽
    b = pricing.breakdown(price=355_000, normative=400_000, months=DEC_TO_MAY,
                          period_ends_on=YEAR_END, available=145_466, nominal=1_745_600)
    s = summary.summarise(b, period_ends_on=YEAR_END, nominal=1_745_600)
    assert [(r.label, r.months, r.certificate, r.family, r.all_planned) for r in s.ranges] == [
        ("декабрь 2026", 1, 145_466, 209_534, False),
        ("январь–май 2027", 5, 349_120, 5_880, True),
    ]
    assert (s.certificate_total, s.family_total) == (1_891_066, 238_934)
    assert (s.reserved_now, s.remaining, s.remaining_until) == (145_466, 0, YEAR_END)
    assert s.first_planned == date(2027, 1, 1) and s.next_period is None
    assert s.planned_nominal == 1_745_600 and not s.one_split


def test_a_split_that_does_not_change_is_one_range_across_the_new_year():
    b = pricing.breakdown(price=250_000, normative=120_000, months=SEP_TO_MAY,
                          period_ends_on=YEAR_END, available=1_454_666, nominal=1_745_600)
    upcoming = summary.NextPeriod("2027 год", date(2027, 1, 1), 1_800_000)
    s = summary.summarise(b, period_ends_on=YEAR_END, nominal=1_745_600, next_period=upcoming)
    [only] = s.ranges
    assert only.label == "сентябрь 2026 – май 2027" and only.months == 9
    assert only.planned == 5 and not only.all_planned
    assert s.one_split and s.planned_nominal == 1_800_000
    assert s.remaining == 1_454_666 - 4 * 120_000


def test_a_kopeck_of_difference_is_not_hidden():
    b = pricing.breakdown(price=300_000, normative=800_000,
                          months=[date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)],
                          period_ends_on=YEAR_END, available=100_000, nominal=120_000)
    s = summary.summarise(b, period_ends_on=YEAR_END, nominal=120_000)
    assert [(r.label, r.certificate) for r in s.ranges] == [("апрель 2026", 33_334),
                                                            ("май–июнь 2026", 33_333)]


@given(contracts())
def test_the_summary_and_the_month_table_always_agree(args):
    b = pricing.breakdown(**args)
    upcoming = (summary.NextPeriod("следующий", date(2030, 1, 1), args["next_nominal"])
                if args["next_nominal"] is not None else None)
    s = summary.summarise(b, period_ends_on=args["period_ends_on"], nominal=args["nominal"],
                          next_period=upcoming)
    # every month is covered exactly once, in order, by consecutive months of one range ...
    covered = []
    for r in s.ranges:
        index = r.first.year * 12 + r.first.month - 1
        span = [date((index + k) // 12, (index + k) % 12 + 1, 1) for k in range(r.months)]
        assert span[-1] == r.last
        covered.extend(span)
    assert covered == [m.month for m in b.months]
    # ... whose figures are exactly that month's
    months = iter(b.months)
    for r in s.ranges:
        for k in range(r.months):
            m = next(months)
            assert (m.price, m.certificate, m.family) == (r.price, r.certificate, r.family)
            assert (not m.in_current_period and args["period_ends_on"] is not None) == (
                k >= r.months - r.planned)
    # neighbouring ranges (consecutive months) differ: otherwise they would be one
    for left, right in zip(s.ranges, s.ranges[1:], strict=False):
        assert (left.certificate, left.family) != (right.certificate, right.family)
    # the sums agree with the table
    assert s.months == len(b.months)
    assert sum(r.certificate_total for r in s.ranges) == s.certificate_total == \
        b.certificate_total
    assert sum(r.family_total for r in s.ranges) == s.family_total == b.family_total
    assert s.price_total == sum(m.price for m in b.months)
    assert s.reserved_now == sum(m.certificate for m in b.months if m.in_current_period)
    assert s.remaining == b.remaining >= 0
