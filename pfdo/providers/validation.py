"""ИНН and ОГРН/ОГРНИП: formats and check digits (ФНС rules)."""

from __future__ import annotations

from pfdo.identifiers import IdentifierError, digits, fold, is_ascii_digits

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def digits_only(value: str | None) -> str:
    """ASCII digits of a typed ИНН/ОГРН (any script's digits, separators dropped); what is not
    made of digits comes back folded, for the checks below to refuse."""
    try:
        return digits(value, label="Номер")
    except IdentifierError:
        return fold(value).strip()


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_with_check_digits(body: str) -> str:
    """The ИНН whose first digits are `body`: 9 digits (an organisation) get one check digit,
    10 digits (a person) get two."""
    if len(body) == 9:
        return body + str(_inn_digit(body, _INN10_WEIGHTS))
    if len(body) == 10:
        first = body + str(_inn_digit(body, _INN12_WEIGHTS_1))
        return first + str(_inn_digit(first, _INN12_WEIGHTS_2))
    raise ValueError("an ИНН body has 9 or 10 digits")


def ogrn_with_check_digit(body: str) -> str:
    """ОГРН from 12 digits (check digit = number mod 11 mod 10) or ОГРНИП from 14 digits
    (mod 13 mod 10)."""
    if len(body) == 12:
        return body + str(int(body) % 11 % 10)
    if len(body) == 14:
        return body + str(int(body) % 13 % 10)
    raise ValueError("an ОГРН body has 12 or 14 digits")


def inn_is_valid(value: str) -> bool:
    """10 digits for an organisation, 12 for a person, with the check digits right."""
    if not (is_ascii_digits(value or "") and len(value) in (10, 12)):
        return False
    return inn_with_check_digits(value[:9] if len(value) == 10 else value[:10]) == value


def ogrn_is_valid(value: str) -> bool:
    """ОГРН (13 digits) or ОГРНИП (15 digits) with the check digit right."""
    if not (is_ascii_digits(value or "") and len(value) in (13, 15)):
        return False
    return ogrn_with_check_digit(value[:-1]) == value


def inn_problem(value: str, *, individual: bool) -> str | None:
    """A Russian message about what is wrong with the ИНН, or None."""
    value = digits_only(value)
    if not value:
        return "Укажите ИНН"
    if not is_ascii_digits(value):
        return "ИНН состоит только из цифр"
    expected = 12 if individual else 10
    if len(value) != expected:
        who = "индивидуального предпринимателя" if individual else "организации"
        return f"ИНН {who} — {expected} цифр, введено {len(value)}"
    if not inn_is_valid(value):
        return "ИНН с ошибкой: не сходится контрольная цифра. Проверьте по свидетельству"
    return None


def ogrn_problem(value: str, *, individual: bool) -> str | None:
    value = digits_only(value)
    name = "ОГРНИП" if individual else "ОГРН"
    if not value:
        return f"Укажите {name}"
    if not is_ascii_digits(value):
        return f"{name} состоит только из цифр"
    expected = 15 if individual else 13
    if len(value) != expected:
        return f"{name} — {expected} цифр, введено {len(value)}"
    if not ogrn_is_valid(value):
        return f"{name} с ошибкой: не сходится контрольная цифра. Проверьте по выписке"
    return None
