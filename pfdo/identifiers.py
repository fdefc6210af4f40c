"""What people type as digits, read the same way everywhere: identifiers (СНИЛС, phone, ИНН,
ОГРН, document series and numbers, certificate numbers, codes) and whole numbers.

The same number may arrive in many shapes: «112-233-445 95», «１１２-２３３-４４５ ９５»
(full-width, from a phone keyboard or a scanned form), «١١٢٢٣٣٤٤٥٩٥» (Arabic-Indic digits).
Everything is read through `fold`: NFKC (full-width digits and letters become ASCII, «Ⅱ»
becomes «II»), then every decimal digit of any script becomes its ASCII digit (NFKC leaves
Arabic-Indic or Devanagari digits alone). Superscripts, fractions and circled digits («²»,
«½», «①») are "other numbers", not decimal digits: they are kept as typed, so they are
refused rather than read as digits. After `fold`, an identifier keeps only ASCII 0-9;
`str.isdigit()` and regex `\\d` accept every script's digits and must not be used to check one.
"""

from __future__ import annotations

import unicodedata

#: dashes, hyphens and minus signs people put between groups of digits
_DASHES = {"-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe63",
           "\uff0d"}


class IdentifierError(ValueError):
    """A typed identifier or number that cannot be read; `message` is Russian, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _nfkc_except_other_numbers(text: str) -> str:
    """NFKC, except that "other numbers" (category No: «²», «½», «①») stay as typed."""
    parts: list[str] = []
    run: list[str] = []
    for char in text:
        if unicodedata.category(char) == "No":
            parts.append(unicodedata.normalize("NFKC", "".join(run)))
            parts.append(char)
            run = []
        else:
            run.append(char)
    parts.append(unicodedata.normalize("NFKC", "".join(run)))
    return "".join(parts)


def fold(value: str | None) -> str:
    """NFKC (other numbers excepted), and every decimal digit of any script as ASCII."""
    text = _nfkc_except_other_numbers(value or "")
    out = []
    for char in text:
        digit = unicodedata.decimal(char, None) if not char.isascii() else None
        out.append(str(digit) if digit is not None else char)
    return "".join(out)


def is_separator(char: str) -> bool:
    """Spaces of every kind, dashes, parentheses and dots, and invisible format characters
    (zero-width space, BOM, direction marks): what may stand between the digits."""
    return (char.isspace() or char in _DASHES or char in "()."
            or unicodedata.category(char) in ("Pd", "Cf"))


def is_ascii_digits(text: str) -> bool:
    """Only 0-9, at least one (unlike str.isdigit, no other script's digits, no «²»)."""
    return bool(text) and text.isascii() and text.isdigit()


def digits(value: str | None, *, label: str, plus: bool = False) -> str:
    """The ASCII digits of an identifier: «１１２-２３３-４４５ ９５» -> «11223344595».

    Separators (spaces, dashes, parentheses, dots) are dropped; with `plus`, one leading «+»
    too (phone numbers). Raises IdentifierError («{label} — только цифры…») if anything else
    remains. An empty value gives ""."""
    text = fold(value).strip()
    if plus and text.startswith("+"):
        text = text[1:]
    kept = "".join(char for char in text if not is_separator(char))
    if kept and not is_ascii_digits(kept):
        raise IdentifierError(f"{label} — только цифры: уберите буквы и другие знаки")
    return kept


def digits_or_none(value: str | None, *, plus: bool = False) -> str | None:
    """The ASCII digits of `value`, or None when it is not made of digits (and separators)."""
    try:
        kept = digits(value, label="", plus=plus)
    except IdentifierError:
        return None
    return kept or None


def integer_text(value: str | None) -> str | None:
    """A whole number as ASCII text: «−12» -> «-12», «1 000» -> «1000», «١٢» -> «12»;
    None when it is not one (spaces between groups of digits and a leading minus allowed)."""
    text = fold(value).strip()
    sign = ""
    if text[:1] in _DASHES:
        sign, text = "-", text[1:]
    kept = "".join(char for char in text if not char.isspace())
    if not is_ascii_digits(kept):
        return None
    return sign + (kept.lstrip("0") or "0")


def _capped_int(text: str) -> int:
    """int() of integer_text's result, with more than 19 digits read as ±10¹⁹ (beyond every
    bound we use, and cheap: «9» × 10 000 is never converted)."""
    negative = text.startswith("-")
    body = text.lstrip("-")
    number = 10**19 if len(body) > 19 else int(body)
    return -number if negative else number


def whole_number(value: str | None, *, minimum: int, maximum: int) -> int:
    """A whole number typed by a person, within [minimum, maximum]; any script's digits.

    Raises IdentifierError with a Russian message: not a whole number, or out of range."""
    text = integer_text(value)
    if text is None:
        raise IdentifierError("Введите целое число")
    number = _capped_int(text)
    if number > maximum:
        raise IdentifierError(f"Введите число от {minimum} до {maximum}"
                              if maximum < 10**9 else "Слишком большое число")
    if number < minimum:
        raise IdentifierError(f"Введите число от {minimum} до {maximum}"
                              if minimum > -(10**9) else "Слишком маленькое число")
    return number


def clamped_whole_number(value: str | None, *, minimum: int, maximum: int) -> int | None:
    """A whole number brought into [minimum, maximum] (a page past the end becomes the last
    allowed one); None when the text is not a whole number at all."""
    text = integer_text(value)
    if text is None:
        return None
    return max(minimum, min(maximum, _capped_int(text)))


#: the largest id a database integer column holds (PostgreSQL's INTEGER)
MAX_ID = 2**31 - 1


def record_id(value: str | int | None) -> int | None:
    """A row id from a form or a query («17»), or None when it is not one: not ASCII digits,
    0, or past MAX_ID (which the database could not even compare)."""
    text = str(value if value is not None else "").strip()
    if not is_ascii_digits(text) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def has_control_characters(text: str, *, allowed: frozenset[str] = frozenset()) -> bool:
    """True if `text` holds a control character (C0, DEL, C1) other than `allowed`: NUL
    cannot even reach PostgreSQL, and no identifier or name has one."""
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in text)
