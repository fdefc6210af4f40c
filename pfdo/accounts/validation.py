"""Normalising and checking what people type: names, e-mail, phone numbers.

Phone numbers are shown by `pfdo.phones` (libphonenumber)."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from pfdo.identifiers import digits_or_none

_NAME = re.compile(r"^[А-ЯЁа-яё]+(?:[ '\-][А-ЯЁа-яё]+)*$")


def normalize_name(value: str) -> str:
    return re.sub(r"\s+", " ", (value or "").strip())


def name_problem(value: str, label: str) -> str | None:
    value = normalize_name(value)
    if not value:
        return f"Укажите {label}"
    if len(value) > 100:
        return "Не длиннее 100 символов"
    if not _NAME.match(value):
        return "Только русские буквы, пробел, дефис или апостроф"
    return None


def normalize_phone(value: str) -> str | None:
    """+7XXXXXXXXXX from «8 (914) 123-45-67», «+7 914 1234567», «9141234567» (full-width or
    other scripts' digits too); None for anything else (letters, a second «+», «²»)."""
    digits = digits_or_none(value, plus=True)
    if digits is None:
        return None
    if len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    return None


def normalize_email(value: str) -> str:
    """Lower-cased, syntax-checked e-mail. Raises ValueError with a Russian message."""
    value = (value or "").strip()
    if not value:
        raise ValueError("Укажите адрес электронной почты")
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError("Проверьте адрес электронной почты: например, ivanova@mail.ru") from error
    return result.normalized.lower()
