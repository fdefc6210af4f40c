"""The masking table, role × personal field, as docs/domain.md §13 says it: written out here a
second time so that a change to the table in pfdo/masking.py has to be made on purpose."""

from __future__ import annotations

from datetime import date

import pytest

from pfdo.masking import Field, Rule, mask, present, revealable, rule, shown_whole

S, M, H = "show", "mask", "hide"
FIELDS = ["child_name", "parent_name", "birth_date", "snils", "document", "phone", "email",
          "address"]
EXPECTED = {
    None:             [H, H, H, H, H, H, H, H],
    "parent":         [S, S, S, S, S, S, S, S],
    "coordinator":    [S, S, S, S, S, S, S, S],
    "provider_staff": [M, M, M, H, H, H, H, H],
    "hotline":        [M, M, S, M, M, M, M, H],
    "admin":          [S, S, M, H, H, S, S, H],
    "someone-else":   [H, H, H, H, H, H, H, H],
}
VALUES = {
    "child_name": "Смирнова Алёна Сергеевна", "parent_name": "Смирнова Ольга Ивановна",
    "birth_date": date(2015, 3, 12), "snils": "11223344595",
    "document": "Свидетельство о рождении II-АБ 512345", "phone": "+79145550123",
    "email": "smirnova.olga@example.ru", "address": "с. Ленинское, ул. Ленина, д. 5",
}
SHOWN = {"child_name": "Смирнова Алёна Сергеевна", "parent_name": "Смирнова Ольга Ивановна",
         "birth_date": "12.03.2015", "snils": "112-233-445 95",
         "document": "Свидетельство о рождении II-АБ 512345", "phone": "+79145550123",
         "email": "smirnova.olga@example.ru", "address": "с. Ленинское, ул. Ленина, д. 5"}
MASKED = {"child_name": "Смирнова А. С.", "parent_name": "Смирнова О. И.",
          "birth_date": "**.**.2015", "snils": "***-***-445 95",
          "document": "Свидетельство о рождении **-** ****45", "phone": "+7 914 ***-**-23",
          "email": "sm***@example.ru", "address": "***"}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("index, field", list(enumerate(FIELDS)))
def test_each_role_sees_each_field_as_the_table_says(role, index, field):
    expected = EXPECTED[role][index]
    assert rule(role, Field(field)) == Rule(expected)
    value = present(role, Field(field), VALUES[field])
    if expected == H:
        assert value is None
    elif expected == S:
        assert value == SHOWN[field]
    else:
        assert value == MASKED[field]
        assert value != SHOWN[field]


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("field", FIELDS)
def test_only_the_hotline_reveals_and_only_what_it_sees_masked(role, field):
    assert revealable(role, Field(field)) == (role == "hotline"
                                              and EXPECTED[role][FIELDS.index(field)] == M)


def test_a_mask_keeps_too_little_to_use():
    assert "5550" not in mask(Field.PHONE, "+79145550123")
    assert "223344" not in mask(Field.SNILS, "11223344595")
    assert mask(Field.SNILS, "123") == "—" and mask(Field.PHONE, "8914") == "***"
    assert present("hotline", Field.EMAIL, "") is None


class _Person:
    def __init__(self, last_name, first_name, middle_name=None):
        self.last_name, self.first_name, self.middle_name = last_name, first_name, middle_name


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("index, field", list(enumerate(FIELDS)))
def test_a_list_may_ask_for_less_than_the_table_never_for_more(role, index, field):
    expected = EXPECTED[role][index]
    at_most_mask = present(role, Field(field), VALUES[field], at_most=Rule.MASK)
    assert at_most_mask == (None if expected == H else MASKED[field])
    assert present(role, Field(field), VALUES[field], at_most=Rule.HIDE) is None
    # asking for SHOW changes nothing: the table is the ceiling
    assert present(role, Field(field), VALUES[field], at_most=Rule.SHOW) == present(
        role, Field(field), VALUES[field])


@pytest.mark.parametrize(("role", "shown"), [
    ("coordinator", "Ли Мин Алёна Сергеевна"), ("parent", "Ли Мин Алёна Сергеевна"),
    ("provider_staff", "Ли Мин А. С."), ("hotline", "Ли Мин А. С."), (None, None)])
def test_a_name_given_as_a_person_keeps_a_double_surname_whole(role, shown):
    child = _Person("Ли Мин", "Алёна", "Сергеевна")
    assert present(role, Field.CHILD_NAME, child) == shown
    assert present("coordinator", Field.PARENT_NAME, _Person("Смирнова", "Ольга")) == \
        "Смирнова Ольга"
    assert present("provider_staff", Field.CHILD_NAME, _Person("Смирнова", "Алёна")) == \
        "Смирнова А."
    assert present("coordinator", Field.CHILD_NAME, _Person("", "")) is None


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("index, field", list(enumerate(FIELDS)))
def test_a_link_may_carry_a_field_only_where_it_is_shown_whole(role, index, field):
    assert shown_whole(role, Field(field)) == (EXPECTED[role][index] == S)
