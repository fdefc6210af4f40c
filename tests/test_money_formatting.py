"""Money in kopecks and Russian presentation (Babel)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pfdo.formatting import count_with_noun, fmt_date, fmt_datetime, plural
from pfdo.money import format_rub, parse_rub, split, split_evenly

NBSP = "\u00a0"


def test_rubles_are_formatted_the_russian_way():
    assert format_rub(1745600) == f"17{NBSP}456,00{NBSP}₽"
    assert format_rub(5) == f"0,05{NBSP}₽"
    assert format_rub(123456789) == f"1{NBSP}234{NBSP}567,89{NBSP}₽"


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        format_rub(17456.0)


@pytest.mark.parametrize(("text", "kopecks"), [
    ("17 456,00", 1745600), ("17456.5", 1745650), ("1 000 ₽", 100000), ("0,01", 1),
    (f"17{NBSP}456,00{NBSP}₽", 1745600), ("250 руб.", 25000),
])
def test_amounts_typed_by_people_are_parsed(text, kopecks):
    assert parse_rub(text) == kopecks


@pytest.mark.parametrize("text", ["", "abc", "1,234", "12.3.4", "1e5"])
def test_nonsense_amounts_are_refused_in_russian(text):
    with pytest.raises(ValueError, match="Введите сумму"):
        parse_rub(text)


@given(st.integers(min_value=0, max_value=10**9))
def test_format_and_parse_round_trip(kopecks):
    assert parse_rub(format_rub(kopecks)) == kopecks


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=12))
def test_even_split_sums_exactly_and_differs_by_at_most_a_kopeck(total, parts):
    shares = split_evenly(total, parts)
    assert sum(shares) == total
    assert len(shares) == parts
    assert max(shares) - min(shares) <= 1


@given(st.integers(min_value=0, max_value=10**9),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12)
       .filter(lambda ws: sum(ws) > 0))
def test_weighted_split_is_exact_and_within_a_kopeck_of_the_share(total, weights):
    shares = split(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share * sum(weights) - total * weight) < sum(weights)


@pytest.mark.parametrize(("n", "word"), [
    (1, "ребёнок"), (2, "ребёнка"), (4, "ребёнка"), (5, "детей"), (11, "детей"),
    (12, "детей"), (21, "ребёнок"), (22, "ребёнка"), (25, "детей"), (101, "ребёнок"),
    (111, "детей"), (0, "детей"),
])
def test_russian_plural_forms(n, word):
    assert plural(n, "ребёнок", "ребёнка", "детей") == word


def test_count_with_noun_groups_digits():
    assert count_with_noun(1234, "заявка", "заявки", "заявок") == f"1{NBSP}234 заявки"


def test_dates_are_dd_mm_yyyy():
    assert fmt_date(date(2026, 1, 5)) == "05.01.2026"
    assert fmt_date(None) == ""


def test_times_are_shown_in_the_municipality_time_zone():
    moment = datetime(2026, 3, 15, 15, 30, tzinfo=UTC)
    assert fmt_datetime(moment, "Asia/Vladivostok") == "16.03.2026 01:30"
    assert fmt_datetime(moment, "Europe/Moscow") == "15.03.2026 18:30"
