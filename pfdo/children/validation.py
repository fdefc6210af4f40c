"""Checks of a child's identity data: СНИЛС checksum, birth certificate and passport formats.

Every digit is read through pfdo.identifiers (full-width and other scripts' digits are the
same number; anything but digits and separators is refused), so what is stored and compared
is always ASCII."""

from __future__ import annotations

import re

from pfdo.identifiers import IdentifierError, digits, fold, is_separator
from pfdo.masking import format_snils, mask_snils  # noqa: F401 - one place, re-exported

#: «II-АБ»: Roman numerals, a hyphen, two Cyrillic capitals
_BIRTH_SERIES = re.compile(r"^[IVXLC]{1,6}-[А-ЯЁ]{2}$")
#: look-alikes typed in the Roman part (Cyrillic, the digit one) and in the letters (Latin)
_ROMAN_LOOKALIKES = str.maketrans({"І": "I", "Ӏ": "I", "1": "I", "Х": "X", "С": "C"})
_CYRILLIC_LOOKALIKES = str.maketrans({"A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н",
                                      "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т",
                                      "X": "Х", "Y": "У"})


def normalize_snils(value: str) -> str:
    """ASCII digits: «112-233-445 95», «１１２-２３３-４４５ ９５» -> «11223344595».

    Raises IdentifierError for anything but digits and separators (snils_problem says so)."""
    return digits(value, label="СНИЛС")


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
    try:
        number = normalize_snils(value)
    except IdentifierError as error:
        return error.message
    if not number:
        return "Укажите СНИЛС"
    if len(number) != 11:
        return "СНИЛС — 11 цифр, например 112-233-445 95"
    if int(number[:9]) <= 1001998:
        return "Такого номера СНИЛС не бывает: проверьте цифры"
    if snils_check_number(number[:9]) != int(number[9:]):
        return "Контрольное число СНИЛС не сходится: проверьте цифры"
    return None


def normalize_birth_series(value: str) -> str:
    """«ii-аб», «II АБ», «IIАБ», «Ⅱ-АБ», «ІІ-AB» -> «II-АБ»: the last two characters are the
    Cyrillic letters (Latin look-alikes read as Cyrillic), the rest the Roman numeral
    (Cyrillic look-alikes and the digit 1 read as Latin). Unreadable input is returned
    folded and upper-cased, for document_problem to refuse."""
    text = fold(value).strip().upper()
    kept = "".join(char for char in text if not is_separator(char))
    if len(kept) < 3:
        return text
    roman = kept[:-2].translate(_ROMAN_LOOKALIKES)
    letters = kept[-2:].translate(_CYRILLIC_LOOKALIKES)
    series = f"{roman}-{letters}"
    return series if _BIRTH_SERIES.match(series) else text


def normalize_document(document_type: str, series: str, number: str) -> tuple[str, str]:
    """(series, number) as stored: a birth certificate's series «II-АБ», a passport's four
    digits; the number's six digits. Call after document_problem has passed."""
    if document_type == "birth_certificate":
        return normalize_birth_series(series), digits(number, label="Номер")
    return digits(series, label="Серия"), digits(number, label="Номер")


def _digits_problem(value: str, count: int, field: str, message: str,
                    label: str) -> tuple[str, str] | None:
    try:
        kept = digits(value, label=label)
    except IdentifierError as error:
        return field, error.message
    if len(kept) != count:
        return field, message
    return None


def document_problem(document_type: str, series: str, number: str) -> tuple[str, str] | None:
    """(field, message) of the first problem with the identity document, or None."""
    if document_type == "birth_certificate":
        if not _BIRTH_SERIES.match(normalize_birth_series(series)):
            return ("document_series",
                    "Серия свидетельства — римские цифры и две буквы, например II-АБ")
        return _digits_problem(number, 6, "document_number", "Номер свидетельства — 6 цифр",
                               "Номер свидетельства")
    if document_type == "passport":
        return (_digits_problem(series, 4, "document_series", "Серия паспорта — 4 цифры",
                                "Серия паспорта")
                or _digits_problem(number, 6, "document_number", "Номер паспорта — 6 цифр",
                                   "Номер паспорта"))
    return "document_type", "Выберите документ"
