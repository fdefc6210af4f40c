"""СНИЛС checksum, certificate numbers (Luhn), identity documents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pfdo.certificates.numbers import (
    format_number,
    luhn_check_digit,
    luhn_valid,
    make_number,
    number_problem,
)
from pfdo.children.validation import (
    document_problem,
    format_snils,
    mask_snils,
    normalize_birth_series,
    snils_check_number,
    snils_problem,
)


@pytest.mark.parametrize("snils", ["112-233-445 95", "11223344595", "087-654-303 00"])
def test_real_snils_pass(snils):
    assert snils_problem(snils) is None


def test_known_control_numbers():
    assert snils_check_number("112233445") == 95
    assert snils_check_number("087654303") == 0  # sum 101 -> 00


@given(st.integers(min_value=1_002_000, max_value=999_999_999))
def test_every_snils_with_its_control_number_passes(body):
    digits = f"{body:09d}"
    assert snils_problem(digits + f"{snils_check_number(digits):02d}") is None


@given(st.integers(min_value=1_002_000, max_value=999_999_999), st.integers(0, 98))
def test_a_wrong_control_number_is_caught(body, shift):
    digits = f"{body:09d}"
    wrong = (snils_check_number(digits) + 1 + shift) % 100
    assert "Контрольное число" in snils_problem(digits + f"{wrong:02d}")


@pytest.mark.parametrize(("value", "message"), [
    ("", "Укажите СНИЛС"), ("123", "11 цифр"), ("000-000-001 00", "не бывает"),
    ("112-233-445 96", "Контрольное число")])
def test_bad_snils_messages(value, message):
    assert message in snils_problem(value)


def test_snils_display():
    assert format_snils("11223344595") == "112-233-445 95"
    assert mask_snils("11223344595") == "***-***-445 95"


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_luhn_check_digit_makes_a_valid_number(body):
    assert luhn_valid(body + str(luhn_check_digit(body)))


@given(st.integers(min_value=1, max_value=99999), st.integers(0, 9), st.integers(1, 9))
def test_certificate_numbers_catch_any_single_mistyped_digit(serial, position, delta):
    number = make_number("79", "05", serial)
    assert len(number) == 10 and number.startswith("7905") and number_problem(number) is None
    typo = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    assert number_problem(typo) is not None


def test_number_messages_and_format():
    assert number_problem("12345") == "Номер сертификата — 10 цифр"
    assert "опечатка" in number_problem("7905000012")
    assert format_number("7905000013") == "79 05 00001 3"
    with pytest.raises(ValueError):
        make_number("79", "05", 100000)


@pytest.mark.parametrize(("raw", "normalized"), [
    ("ii-аб", "II-АБ"), ("II АБ", "II-АБ"), ("IIАБ", "II-АБ"), ("1-ТВ", "I-ТВ")])
def test_birth_certificate_series_is_normalised(raw, normalized):
    assert normalize_birth_series(raw) == normalized


def test_document_checks():
    assert document_problem("birth_certificate", "II-АБ", "123456") is None
    assert document_problem("birth_certificate", "AB-12", "123456")[0] == "document_series"
    assert document_problem("birth_certificate", "II-АБ", "12345")[0] == "document_number"
    assert document_problem("passport", "99 01", "123456") is None
    assert document_problem("passport", "9901", "12")[0] == "document_number"
    assert document_problem("other", "", "")[0] == "document_type"
