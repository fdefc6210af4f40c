"""Checks of a child's identity data: СНИЛС checksum, birth certificate and passport formats."""

from __future__ import annotations

import re

_SNILS_DIGITS = re.compile(r"^\d{11}$")
#: «II-АБ»: Roman numerals, a hyphen, two Cyrillic capitals
_BIRTH_SERIES = re.compile(r"^[IVXLC]{1,6}-[А-ЯЁ]{2}$")


def normalize_snils(value: str) -> str:
    """Digits only: «112-233-445 95» -> «11223344595»."""
    return re.sub(r"[\s\-]", "", value or "")


def snils_check_number(first_nine: str) -> int:
    """The control number of a СНИЛС from its first nine digits (ПФР rules)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(9, 0, -1),
                                                              strict=True))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


def snils_problem(value: str) -> str | None:
    """Why this СНИЛС is refused (in Russian), or None."""
    digits = normalize_snils(value)
    if not digits:
        return "Укажите СНИЛС"
    if not _SNILS_DIGITS.match(digits):
        return "СНИЛС — 11 цифр, например 112-233-445 95"
    if int(digits[:9]) <= 1001998:
        return "Такого номера СНИЛС не бывает: проверьте цифры"
    if snils_check_number(digits[:9]) != int(digits[9:]):
        return "Контрольное число СНИЛС не сходится: проверьте цифры"
    return None


def format_snils(digits: str) -> str:
    """112-233-445 95"""
    if not digits or len(digits) != 11:
        return digits or ""
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def mask_snils(digits: str) -> str:
    """***-***-445 95: enough for a person to recognise, not enough to use."""
    if not digits or len(digits) != 11:
        return "—"
    return f"***-***-{digits[6:9]} {digits[9:]}"


def normalize_birth_series(value: str) -> str:
    """«ii-аб», «II АБ», «IIАБ» -> «II-АБ» (Latin I and Cyrillic І both accepted)."""
    value = (value or "").strip().upper().replace("І", "I").replace(" ", "-")
    match = re.match(r"^([IVXLC1]+)-?([А-ЯЁ]{2})$", value)
    if not match:
        return value
    return f"{match.group(1).replace('1', 'I')}-{match.group(2)}"


def document_problem(document_type: str, series: str, number: str) -> tuple[str, str] | None:
    """(field, message) of the first problem with the identity document, or None."""
    number = (number or "").strip()
    if document_type == "birth_certificate":
        if not _BIRTH_SERIES.match(normalize_birth_series(series)):
            return ("document_series",
                    "Серия свидетельства — римские цифры и две буквы, например II-АБ")
        if not re.match(r"^\d{6}$", number):
            return "document_number", "Номер свидетельства — 6 цифр"
        return None
    if document_type == "passport":
        if not re.match(r"^\d{4}$", re.sub(r"\s", "", series or "")):
            return "document_series", "Серия паспорта — 4 цифры"
        if not re.match(r"^\d{6}$", number):
            return "document_number", "Номер паспорта — 6 цифр"
        return None
    return "document_type", "Выберите документ"
