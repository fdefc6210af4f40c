"""Russian that reads right: forms agreed with a child's sex, first names in cases, verbs agreed
with counts, hyphenation points, time zones in words (pfdo/russian.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from pfdo.russian import found, gendered, hyphenate, inflect_first_name, timezone_label

SOFT = "\u00ad"


def person(first_name: str, sex: str):
    return SimpleNamespace(first_name=first_name, sex=sex)


def test_gendered_form_follows_the_sex():
    assert gendered("male", "получил", "получила") == "получил"
    assert gendered("female", "получил", "получила") == "получила"


def test_an_unknown_sex_is_a_programming_error_not_a_guess():
    with pytest.raises(ValueError):
        gendered("", "получил", "получила")


@pytest.mark.parametrize(("name", "sex", "case", "expected"), [
    ("Ферапонт", "male", "dative", "Ферапонту"),
    ("Фаина", "female", "dative", "Фаине"),
    ("Илья", "male", "dative", "Илье"),
    ("Никита", "male", "genitive", "Никиты"),
    ("Любовь", "female", "dative", "Любови"),
    ("Пётр", "male", "genitive", "Петра"),
    ("Лев", "male", "instrumental", "Львом"),
    ("Анна-Мария", "female", "genitive", "Анны-Марии"),
    ("Айгуль", "female", "dative", "Айгуль"),  # not declined in Russian
    ("Варвара", "female", "nominative", "Варвара"),
])
def test_first_name_in_a_case(name, sex, case, expected):
    assert inflect_first_name(person(name, sex), case) == expected


@pytest.mark.parametrize(("count", "expected"), [
    (1, "Найдена 1 программа"),
    (2, "Найдены 2 программы"),
    (4, "Найдены 4 программы"),
    (5, "Найдено 5 программ"),
    (11, "Найдено 11 программ"),
    (21, "Найдена 21 программа"),
    (22, "Найдены 22 программы"),
    (0, "Найдено 0 программ"),
    (1001, "Найдена 1\u00a0001 программа"),
])
def test_the_verb_agrees_with_the_count(count, expected):
    assert found(count, "программа", "программы", "программ", "f") == expected


@pytest.mark.parametrize(("gender", "one", "expected"), [
    ("m", "пользователь", "Найден 1 пользователь"),
    ("f", "заявка", "Найдена 1 заявка"),
    ("n", "заявление", "Найдено 1 заявление"),
])
def test_the_singular_verb_agrees_with_the_nouns_gender(gender, one, expected):
    assert found(1, one, "-", "-", gender) == expected


@pytest.mark.parametrize(("text", "pieces"), [
    ("Естественнонаучная", ["Есте", "ствен", "но", "на", "уч", "ная"]),
    ("Художественная", ["Ху", "до", "же", "ствен", "ная"]),
    ("Техническая", ["Тех", "ни", "че", "ская"]),
])
def test_long_words_get_soft_hyphens_at_syllables(text, pieces):
    assert hyphenate(text) == SOFT.join(pieces)


def test_parts_of_a_compound_are_hyphenated_apart_and_short_words_left_whole():
    shown = hyphenate("Физкультурно-спортивная направленность и «Код»")
    assert shown.replace(SOFT, "") == "Физкультурно-спортивная направленность и «Код»"
    assert "-" + SOFT not in shown and SOFT + "-" not in shown  # no hyphen beside the hyphen
    assert shown.split(" ")[1:] == [f"на{SOFT}прав{SOFT}лен{SOFT}ность", "и", "«Код»"]


@pytest.mark.parametrize(("zone", "expected"), [
    ("Asia/Vladivostok", "Владивосток (МСК+7, UTC+10)"),
    ("Europe/Moscow", "Москва (МСК, UTC+3)"),
    ("Europe/Kaliningrad", "Калининград (МСК\u22121, UTC+2)"),
    ("Asia/Kamchatka", "Петропавловск-Камчатский (МСК+9, UTC+12)"),
])
def test_time_zone_in_russian_words(zone, expected):
    assert timezone_label(zone, at=datetime(2026, 12, 2, tzinfo=UTC)) == expected
