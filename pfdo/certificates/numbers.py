"""Certificate numbers: region (2) + municipality (2) + serial (5) + Luhn check digit (1)."""

from __future__ import annotations

from pfdo.identifiers import IdentifierError, digits, digits_or_none, is_ascii_digits


def luhn_check_digit(digits: str) -> int:
    """The digit that makes `digits + it` pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # every second digit from the right, the check digit not counted
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def luhn_valid(number: str) -> bool:
    return (is_ascii_digits(number) and len(number) > 1
            and luhn_check_digit(number[:-1]) == int(number[-1]))


def make_number(region_code: str, municipality_code: str, serial: int) -> str:
    """«7905000123» + check digit; refuses a serial that does not fit in five digits."""
    if not 1 <= serial <= 99999:
        raise ValueError("the serial must be 1..99999")
    body = f"{region_code}{municipality_code}{serial:05d}"
    return body + str(luhn_check_digit(body))


def normalize_number(value: str) -> str:
    """ASCII digits of a typed number («79 05 00012 3», full-width too); "" if unreadable."""
    return digits_or_none(value) or ""


def number_problem(value: str) -> str | None:
    """Why a typed certificate number cannot be right (in Russian), or None."""
    try:
        number = digits(value, label="Номер сертификата")
    except IdentifierError as error:
        return error.message
    if len(number) != 10:
        return "Номер сертификата — 10 цифр"
    if not luhn_valid(number):
        return "В номере опечатка: контрольная цифра не сходится. Проверьте номер"
    return None


def format_number(number: str) -> str:
    """79 05 00012 3 — grouped as it is built, easier to read out on the phone."""
    if len(number) != 10:
        return number
    return f"{number[:2]} {number[2:4]} {number[4:9]} {number[9]}"
