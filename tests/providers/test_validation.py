"""ИНН and ОГРН/ОГРНИП check digits: numbers built with the right check digit pass, and a
single mistyped digit is caught.

The ФНС algorithms reduce a residue to one digit with «mod 10»: for ИНН and ОГРН the residue
is taken mod 11, so residues 0 and 10 give the same check digit 0; for ОГРНИП it is mod 13,
so 0/10, 1/11 and 2/12 coincide. A typo that moves the residue between such a pair keeps the
check digit, and no checksum can catch it. The typo properties therefore take numbers whose
residue has no twin (check digit 1–9, or 3–9 for ОГРНИП) — for those every typo is caught."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from pfdo.providers.validation import (
    _INN10_WEIGHTS,
    _INN12_WEIGHTS_1,
    _INN12_WEIGHTS_2,
    _inn_digit,
    inn_is_valid,
    inn_problem,
    ogrn_is_valid,
    ogrn_problem,
)
from tests.providers import factories

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def body(n: int):
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


def inn10_from(prefix: str) -> str:
    return prefix + str(_inn_digit(prefix, _INN10_WEIGHTS))


def inn12_from(prefix: str) -> str:
    first = prefix + str(_inn_digit(prefix, _INN12_WEIGHTS_1))
    return first + str(_inn_digit(first, _INN12_WEIGHTS_2))


def ogrn_from(prefix: str) -> str:
    return prefix + str(int(prefix) % 11 % 10)


def ogrnip_from(prefix: str) -> str:
    return prefix + str(int(prefix) % 13 % 10)


def mistype(number: str, position: int, shift: int) -> str:
    """The number with the digit at `position` replaced by a different one."""
    position %= len(number)
    digit = (int(number[position]) + shift) % 10
    return number[:position] + str(digit) + number[position + 1:]


shifts = st.integers(min_value=1, max_value=9)
positions = st.integers(min_value=0, max_value=14)


@given(body(9))
def test_a_ten_digit_inn_with_its_check_digit_is_valid(prefix):
    number = inn10_from(prefix)
    assert inn_is_valid(number)
    assert inn_problem(number, individual=False) is None


@given(body(9), positions, shifts)
def test_a_mistyped_digit_of_a_ten_digit_inn_is_caught(prefix, position, shift):
    number = inn10_from(prefix)
    assume(number[-1] != "0")
    wrong = mistype(number, position, shift)
    assert not inn_is_valid(wrong)
    assert "контрольная цифра" in inn_problem(wrong, individual=False)


@given(body(10))
def test_a_twelve_digit_inn_with_its_check_digits_is_valid(prefix):
    number = inn12_from(prefix)
    assert inn_is_valid(number)
    assert inn_problem(number, individual=True) is None


@given(body(10), positions, shifts)
def test_a_mistyped_digit_of_a_twelve_digit_inn_is_caught(prefix, position, shift):
    number = inn12_from(prefix)
    assume(number[-2] != "0" and number[-1] != "0")
    assert not inn_is_valid(mistype(number, position, shift))


@given(body(12))
def test_an_ogrn_with_its_check_digit_is_valid(prefix):
    number = ogrn_from(prefix)
    assert ogrn_is_valid(number)
    assert ogrn_problem(number, individual=False) is None


@given(body(12), positions, shifts)
def test_a_mistyped_digit_of_an_ogrn_is_caught(prefix, position, shift):
    number = ogrn_from(prefix)
    assume(number[-1] != "0")
    wrong = mistype(number, position, shift)
    assert not ogrn_is_valid(wrong)
    assert "контрольная цифра" in ogrn_problem(wrong, individual=False)


@given(body(14))
def test_an_ogrnip_with_its_check_digit_is_valid(prefix):
    number = ogrnip_from(prefix)
    assert ogrn_is_valid(number)
    assert ogrn_problem(number, individual=True) is None


@given(body(14), positions, shifts)
def test_a_mistyped_digit_of_an_ogrnip_is_caught(prefix, position, shift):
    number = ogrnip_from(prefix)
    assume(number[-1] not in "012")
    assert not ogrn_is_valid(mistype(number, position, shift))


def test_the_check_digit_cannot_catch_a_typo_between_twin_residues():
    """The documented limit: 0 and 10 mod 11 both give check digit 0."""
    # 000000000 has residue 0; a first digit of 5 (weight 2) makes it 10: both end in 0.
    number = inn10_from("000000000")
    typo = inn10_from("500000000")
    assert number == "0000000000" and typo == "5000000000"
    assert inn_is_valid(number) and inn_is_valid(typo)


def test_the_length_must_fit_the_legal_form():
    assert inn_problem(factories.inn12(), individual=False) == \
        "ИНН организации — 10 цифр, введено 12"
    assert inn_problem(factories.inn10(), individual=True) == \
        "ИНН индивидуального предпринимателя — 12 цифр, введено 10"
    assert ogrn_problem(factories.ogrnip(), individual=False) == "ОГРН — 13 цифр, введено 15"
    assert ogrn_problem(factories.ogrn(), individual=True) == "ОГРНИП — 15 цифр, введено 13"


def test_spaces_and_dashes_are_ignored_and_letters_refused():
    number = factories.inn10()
    assert inn_problem(f"{number[:4]} {number[4:]}", individual=False) is None
    assert inn_problem("77O7049388", individual=False) == "ИНН состоит только из цифр"
    assert inn_problem("", individual=False) == "Укажите ИНН"
    assert ogrn_problem("", individual=True) == "Укажите ОГРНИП"
