"""Money is integer kopecks. Parsing, formatting and splitting live only here."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency

from pfdo.identifiers import fold

KOPECKS_PER_RUBLE = 100
#: ASCII digits only (the text is folded first: any script's digits are read as ASCII)
_AMOUNT = re.compile(r"^-?[0-9]+(?:[.,][0-9]{1,2})?$")
#: the largest amount a person may type: far above any budget, far below BIGINT
MAX_RUBLES = 999_999_999_999


def format_rub(kopecks: int) -> str:
    """17 456,00 ₽ — Russian grouping and decimal comma, via Babel (CLDR)."""
    if not isinstance(kopecks, int):
        raise TypeError("money is an int number of kopecks")
    return _format_rub(kopecks)


@lru_cache(maxsize=4096)  # a pure function of the amount; lists repeat the same prices
def _format_rub(kopecks: int) -> str:
    return format_currency(Decimal(kopecks).scaleb(-2), "RUB", locale="ru_RU")


def parse_rub(text: str) -> int:
    """Parse what a person types («17 456,50», «17456.5», «1 000 ₽») into kopecks.

    Raises ValueError with a Russian message for anything else."""
    cleaned = re.sub(r"\s|₽|руб\.?", "", fold(text).strip())
    if not _AMOUNT.match(cleaned):
        raise ValueError("Введите сумму в рублях, например 17 456,00")
    if len(cleaned) > 20:  # far beyond MAX_RUBLES: not worth converting
        raise ValueError("Слишком большая сумма: проверьте число")
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as error:  # pragma: no cover - the regex admits only decimals
        raise ValueError("Введите сумму в рублях, например 17 456,00") from error
    if abs(value) > MAX_RUBLES:
        raise ValueError("Слишком большая сумма: проверьте число")
    return int(value * KOPECKS_PER_RUBLE)


def split(total: int, weights: list[int]) -> list[int]:
    """Split `total` kopecks in proportion to `weights` so the parts sum to `total` exactly.

    Largest-remainder method: each part is within one kopeck of its exact share."""
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    weight_sum = sum(weights)
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    shortfall = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:shortfall]:
        floors[i] += 1
    return floors


def split_evenly(total: int, parts: int) -> list[int]:
    """Split `total` kopecks into `parts` instalments that differ by at most one kopeck."""
    if parts < 1:
        raise ValueError("parts must be positive")
    return split(total, [1] * parts)
