"""Phone numbers as people read and dial them, through Google's libphonenumber (`phonenumbers`).

For display only: what people type is normalised for storage and login elsewhere
(`pfdo.accounts.validation.normalize_phone`).

libphonenumber groups a Russian number by its three-digit zone code (ABC: «+7 426 632-14-35»),
but a district's own numbers are read by their local area code: «+7 42663 2-14-35», the way the
number is printed on every sign in Ленинское. The numbering plan's local codes are not in
libphonenumber's data, so a display may be given the local codes it should know (the
municipality takes them from its hotline number as the admin typed it), and libphonenumber then
formats by that pattern."""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers
from phonenumbers import NumberFormat, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from pfdo.identifiers import fold

REGION = "RU"
_GEOGRAPHIC = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse(value: str | None) -> PhoneNumber | None:
    """The number in `value` («8 (42663) 2-14-35», «+79141234567»), or None if it is not a
    valid phone number."""
    if not value or len(value) > 64:
        return None
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def is_valid(value: str | None) -> bool:
    return parse(value) is not None


def area_code_of(value: str | None) -> str | None:
    """The local area code a Russian number was typed with: «+7 (42663) 2-14-35» → «42663»,
    «8-4212-32-45-67» → «4212»; None when the number was typed without one (all digits
    together) or is not a valid Russian number."""
    number = parse(value)
    if number is None or number.country_code != 7:
        return None
    groups = re.findall(r"[0-9]+", fold(value))
    if len(groups) > 1 and groups[0] in ("7", "8"):
        groups = groups[1:]
    national = phonenumbers.national_significant_number(number)
    code = groups[0] if groups else ""
    if 3 <= len(code) <= 5 and national.startswith(code) and len(groups) > 1:
        return code
    return None


def format_phone(value: str | None, area_codes: Iterable[str] = ()) -> str:
    """«+7 914 123-45-67»; «+7 42663 2-14-35» when «42663» is among `area_codes` or the number
    was typed with it; text that is not a valid number is shown as it was typed."""
    number = parse(value)
    if number is None:
        return (value or "").strip()
    if number.country_code == 7 and phonenumbers.number_type(number) in _GEOGRAPHIC:
        national = phonenumbers.national_significant_number(number)
        codes = {*area_codes, area_code_of(value) or ""}  # a typed area code is kept
        for code in sorted(codes, key=len, reverse=True):
            if len(code) > 3 and national.startswith(code):
                subscriber = len(national) - len(code)  # 6 digits: 32-45-67, 5: 2-14-35
                pattern = NumberFormat(
                    pattern=(rf"([0-9]{{{len(code)}}})([0-9]{{{subscriber - 4}}})"
                             r"([0-9]{2})([0-9]{2})"),
                    format=r"\1 \2-\3-\4")
                return phonenumbers.format_by_pattern(number, PhoneNumberFormat.INTERNATIONAL,
                                                      [pattern])
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def tel_href(value: str | None) -> str:
    """«tel:+74266321435»: a link a phone dials, for any way the number was written."""
    number = parse(value)
    if number is not None:
        return "tel:" + phonenumbers.format_number(number, PhoneNumberFormat.E164)
    digits = re.sub(r"[^0-9+]", "", fold(value))
    return f"tel:{digits}" if digits else ""
