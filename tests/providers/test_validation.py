"""ИНН and ОГРН/ОГРНИП check digits: numbers built with the right check digit pass, and a
single mistyped digit is caught.

The ФНС algorithms reduce a residue to one digit with «mod 10»: for ИНН and ОГРН the residue
is taken mod 11, so residues 0 and 10 give the same check digit 0; for ОГРНИП it is mod 13,
so 0/10, 1/11 and 2/12 coincide. A typo that moves the residue between such a pair keeps the
check digit, and no checksum can catch it. The typo properties therefore take numbers whose
residue has no twin (check digit 1–9, or 3–9 for ОГРНИП) — for those every typo is caught."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pfdo.providers.validation import inn_is_valid, inn_problem, ogrn_is_valid, ogrn_problem
from tests import factories

# The reference: the ФНС definitions written out here, independently of pfdo's code.
INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN12_WEIGHTS = ((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def weighted(digits: str, weights) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def inn10_from(prefix: str) -> str:
    return prefix + weighted(prefix, INN10_WEIGHTS)


def inn12_from(prefix: str) -> str:
    first = prefix + weighted(prefix, INN12_WEIGHTS[0])
    return first + weighted(first, INN12_WEIGHTS[1])


def ogrn_from(prefix: str) -> str:
    return prefix + str(int(prefix) % 11 % 10)


def ogrnip_from(prefix: str) -> str:
    return prefix + str(int(prefix) % 13 % 10)


@dataclass(frozen=True)
class Kind:
    name: str
    body_length: int
    build: object
    is_valid: object
    problem: object
    individual: bool
    #: check digits a twin residue can also produce (see the module docstring)
    twin_digits: str
    #: how many trailing check digits the number has
    checks: int = 1


KINDS = [
    Kind("ИНН организации", 9, inn10_from, inn_is_valid, inn_problem, False, "0"),
    Kind("ИНН физического лица", 10, inn12_from, inn_is_valid, inn_problem, True, "0", 2),
    Kind("ОГРН", 12, ogrn_from, ogrn_is_valid, ogrn_problem, False, "0"),
    Kind("ОГРНИП", 14, ogrnip_from, ogrn_is_valid, ogrn_problem, True, "012"),
]
kinds = pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
bodies = st.text(alphabet="0123456789", min_size=14, max_size=14)
positions = st.integers(min_value=0, max_value=14)
shifts = st.integers(min_value=1, max_value=9)


def mistype(number: str, position: int, shift: int) -> str:
    """The number with the digit at `position` replaced by a different one."""
    position %= len(number)
    digit = (int(number[position]) + shift) % 10
    return number[:position] + str(digit) + number[position + 1:]


@kinds
@given(body=bodies)
def test_a_number_with_its_check_digits_is_valid(kind, body):
    number = kind.build(body[:kind.body_length])
    assert kind.is_valid(number)
    assert kind.problem(number, individual=kind.individual) is None


@kinds
@given(body=bodies, position=positions, shift=shifts)
def test_a_mistyped_digit_is_caught(kind, body, position, shift):
    number = kind.build(body[:kind.body_length])
    assume(not any(d in kind.twin_digits for d in number[-kind.checks:]))
    wrong = mistype(number, position, shift)
    assert not kind.is_valid(wrong)
    assert "контрольная цифра" in kind.problem(wrong, individual=kind.individual)


@pytest.mark.parametrize(("number", "valid"), [
    ("7707083893", inn_is_valid),        # ПАО Сбербанк
    ("500100732259", inn_is_valid),      # the ФНС example of a person's ИНН
    ("1027700132195", ogrn_is_valid),    # ПАО Сбербанк
    ("304500116000157", ogrn_is_valid),  # the ФНС example of an ОГРНИП
])
def test_real_published_numbers_are_valid(number, valid):
    assert valid(number)
    assert not valid(mistype(number, len(number) - 1, 1))


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
