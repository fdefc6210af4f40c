"""Identifiers are read the same whatever digits were typed (issue 9, item 1): every Unicode
decimal digit is its ASCII digit, letters and superscripts are refused, and nothing in pfdo/
checks digits with str.isdigit or a regex digit class (both take any script's digits)."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pfdo.accounts.validation import normalize_phone
from pfdo.certificates.numbers import make_number, normalize_number, number_problem
from pfdo.children.identity import identity_key, name_key
from pfdo.children.validation import normalize_snils, snils_problem
from pfdo.identifiers import (
    IdentifierError,
    clamped_whole_number,
    digits,
    digits_or_none,
    whole_number,
)
from pfdo.providers.validation import inn_problem

PFDO = Path(__file__).resolve().parent.parent / "pfdo"
#: every character Unicode calls a decimal digit (category Nd), with its value
DECIMAL_DIGITS = [(chr(c), unicodedata.decimal(chr(c))) for c in range(sys.maxunicode + 1)
                  if unicodedata.decimal(chr(c), None) is not None]


def test_every_unicode_decimal_digit_is_its_ascii_digit():
    assert len(DECIMAL_DIGITS) > 600  # every script's digits, not only ASCII and full-width
    for char, value in DECIMAL_DIGITS:
        assert digits(char * 3, label="Номер") == str(value) * 3, hex(ord(char))


@given(st.lists(st.sampled_from(DECIMAL_DIGITS), min_size=1, max_size=15),
       st.sampled_from([" ", "\u00a0", "-", "\u2013", "\u2212", ".", "(", ")", "\u200b", ""]))
def test_a_number_in_any_digits_with_separators_reads_as_ascii(typed, separator):
    text = separator.join(char for char, _ in typed)
    assert digits(text, label="Номер") == "".join(str(value) for _, value in typed)


@given(st.text(st.sampled_from("0123456789"), min_size=1, max_size=8),
       st.characters(categories=["Lu", "Ll", "Lo", "No", "Cc", "Sm", "So"],
                     exclude_characters="\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2212"))
def test_letters_superscripts_and_control_characters_are_refused(number, intruder):
    with pytest.raises(IdentifierError) as refused:
        digits(number + intruder + number, label="СНИЛС")
    assert refused.value.message == "СНИЛС — только цифры: уберите буквы и другие знаки"


def test_superscripts_are_not_read_as_digits():
    """NFKC turns «²³» into «23»; a superscript is not a digit a person meant to type."""
    assert digits_or_none("²³") is None
    assert digits_or_none("①") is None
    assert digits_or_none("½") is None


def test_the_snils_of_the_issue_in_full_width_is_the_same_number():
    assert normalize_snils("１１２-２３３-４４５ ９５") == "11223344595"
    assert snils_problem("１１２-２３３-４４５ ９５") is None
    assert snils_problem("١١٢٢٣٣٤٤٥٩٥") is None
    assert snils_problem("112-233-445 9х") == "СНИЛС — только цифры: уберите буквы и другие знаки"


@pytest.mark.parametrize("typed", ["+7 (914) 123-45-67", "8 914 123 45 67", "９１４１２３４５６７",
                                   "+٧ ٩١٤ ١٢٣ ٤٥ ٦٧", "8\u00a0(914)\u00a0123\u201145\u201167"])
def test_phones_in_any_digits_are_one_number(typed):
    assert normalize_phone(typed) == "+79141234567"


@pytest.mark.parametrize("typed", ["+7 914 123-45-6x", "+7 914 ²23-45-67", "++79141234567",
                                   "+7 914 123\x0045 67"])
def test_phones_with_anything_else_are_refused(typed):
    assert normalize_phone(typed) is None


def test_inn_and_certificate_numbers_accept_other_digits_and_refuse_superscripts():
    assert inn_problem("７７０７０８３８９３", individual=False) is None
    assert inn_problem("77070838²3", individual=False) == "ИНН состоит только из цифр"
    number = make_number("79", "05", 123)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert number_problem(full_width) is None
    assert normalize_number(full_width) == number
    assert number_problem(number[:-1] + "²") == ("Номер сертификата — только цифры: уберите "
                                                 "буквы и другие знаки")


def test_whole_numbers_are_bounded_before_they_become_ints():
    assert whole_number("١٢", minimum=5, maximum=17) == 12
    assert whole_number(" 1 000 ", minimum=0, maximum=2000) == 1000
    with pytest.raises(IdentifierError, match="Введите число от 5 до 17"):
        whole_number("9" * 30, minimum=5, maximum=17)
    with pytest.raises(IdentifierError, match="Слишком большое число"):
        whole_number("9" * 10_000, minimum=0, maximum=2**31 - 1)
    with pytest.raises(IdentifierError, match="Введите целое число"):
        whole_number("²", minimum=0, maximum=10)
    assert clamped_whole_number("9" * 30, minimum=1, maximum=10_000) == 10_000
    assert clamped_whole_number("-3", minimum=1, maximum=10_000) == 1
    assert clamped_whole_number("²", minimum=1, maximum=10_000) is None


def test_the_identity_key_ignores_the_middle_name_case_yo_and_spacing():
    from datetime import date

    born = date(2016, 5, 20)
    assert identity_key("Семёнова-Петрова", "Алёна", born) == identity_key(
        " СЕМЕНОВА – петрова ", "алена", born)
    assert name_key("Ёлкин") == "елкин"
    assert identity_key("Иванов", "Иван", born) != identity_key("Иванов", "Пётр", born)


_ISDIGIT = re.compile(r"\.(isdigit|isnumeric|isdecimal)\(")
_REGEX_DIGIT = re.compile(r"\\d")


def test_nothing_in_pfdo_checks_digits_the_unicode_way():
    """str.isdigit and \\d accept «²» and «٣»; only pfdo/identifiers.py decides what a digit
    is. A new use elsewhere fails here."""
    offenders = []
    for path in sorted(PFDO.rglob("*.py")):
        if path.name == "identifiers.py" and path.parent == PFDO:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if _ISDIGIT.search(code) or _REGEX_DIGIT.search(code):
                offenders.append(f"{path.relative_to(PFDO.parent)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
