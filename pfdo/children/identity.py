"""Who a child is, independent of how the data was typed: the keys that "one child, one
certificate" is enforced by.

- The identity key: surname + first name + date of birth, case-folded, «ё» read as «е»,
  spaces and dashes normalised. The отчество is optional (many children have none written
  down), so it is not part of the identity: leaving it out must not make a second child.
- The document key: the kind of document + its series and number, normalised the same way
  for every spelling («ii аб», «II-АБ», «ＩＩ-АБ»; «１２３４５６»).
The СНИЛС is the third key; it is stored as ASCII digits already (families.validation)."""

from __future__ import annotations

import re
from datetime import date

from pfdo.identifiers import fold

_DASH = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")


def name_key(text: str | None) -> str:
    """«  Семёнова -  Петрова » -> «семенова-петрова»."""
    folded = fold(text).casefold().replace("ё", "е")
    return _DASH.sub("-", " ".join(folded.split()))


def identity_key(last_name: str, first_name: str, birth_date: date) -> str:
    """«фамилия|имя|гггг-мм-дд», the same for every spelling of the same child."""
    return f"{name_key(last_name)}|{name_key(first_name)}|{birth_date.isoformat()}"


def document_key(document_type: str, series: str, number: str) -> str:
    """«birth_certificate|II-АБ|123456» from the normalised series and number."""
    return f"{document_type}|{fold(series).strip().upper()}|{fold(number).strip()}"


def child_identity_key(child) -> str:
    return identity_key(child.last_name, child.first_name, child.birth_date)


def child_document_key(child) -> str:
    return document_key(child.document_type, child.document_series, child.document_number)
